#!/usr/bin/env bash
# scripts/ci/apply-stack.sh <stack> <reviewed-artifacts-dir>: the merge workflow's apply of one
# stack's REVIEWED plan (docs/ci-identity.md "Delivery pipeline"). Refuses when this commit's synthesized stack
# folder is not the one the plan was made from, or the saved plan is not the reviewed file
# (scripts/ci/review.ts check); Terraform itself refuses a saved plan whose state changed since it
# was made ("Saved plan is stale"), and review.ts refuses one made from another state serial or
# lineage, including a plan made from no state (which Terraform's check misses:
# hashicorp/terraform#24078). Plain `terraform -chdir=...` (no cdktf CLI at apply time).
# Exit: 0 applied, 1 terraform failed, 2 bad usage, 3 refused (not the reviewed plan).
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
[[ $# -eq 2 ]] || ci_fail "usage: scripts/ci/apply-stack.sh <stack> <reviewed-artifacts-dir>"
stack=$1
reviewed=$2
dir=$(ci_stack_dir "$stack")
[[ -f $reviewed/review.json && -f $reviewed/tfplan ]] || ci_fail "$reviewed has no review.json and tfplan. Fix: the pull request's plan of $stack must have run and been kept (artifact plan-$stack)"
ci_tsx review.ts check --stack "$stack" --dir "$dir" --artifacts "$reviewed" || exit 3
cp "$reviewed/tfplan" "$dir/tfplan"
state_file=$(mktemp)
trap 'rm -f "$state_file"' EXIT
apply() {
  terraform -chdir="$dir" init -input=false -no-color
  # The state now against the one planned from (Terraform misses a plan made from no state).
  terraform -chdir="$dir" state pull >"$state_file"
  ci_tsx review.ts state --stack "$stack" --artifacts "$reviewed" --state "$state_file" || return 3
  terraform -chdir="$dir" apply -input=false -no-color tfplan
}
ci_with_cluster_tunnel "$stack" apply
