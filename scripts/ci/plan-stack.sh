#!/usr/bin/env bash
# scripts/ci/plan-stack.sh <stack>: the pull request's plan of one stack (docs/ci-identity.md "Delivery pipeline").
# Plain `terraform -chdir=cdktf.out/stacks/<stack>` init and plan (no cdktf CLI): saves the plan
# (tfplan), its text (plan.txt) and review.json (the stack folder's digest, the plan's digest,
# whether it changes anything) in $DRWEB_CI_ARTIFACTS/<stack>/ (default ci-artifacts/), which the
# merge workflow applies after review (scripts/ci/apply-stack.sh refuses anything else).
# The plan takes the state lock (-lock-timeout=10m: it waits for an apply in progress), so it never
# reads a state an apply is writing; the plan role may write only the lock object. review.json also records the state's lineage and serial (`terraform state
# pull`): apply-stack.sh refuses a plan whose state changed since, including the case Terraform's own
# "Saved plan is stale" check misses, a plan made from no state at all (hashicorp/terraform#24078).
# Exit: 0 planned (with or without changes), 1 terraform failed, 2 bad usage.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
[[ $# -eq 1 ]] || ci_fail "usage: scripts/ci/plan-stack.sh <stack>"
stack=$1
dir=$(ci_stack_dir "$stack")
art="$CI_ARTIFACTS/$stack"
rm -rf "$art"
mkdir -p "$art"
rm -f "$dir/tfplan"

plan() {
  terraform -chdir="$dir" init -input=false -no-color >"$art/init.txt" 2>&1 || {
    cat "$art/init.txt" >&2
    return 1
  }
  local rc=0
  terraform -chdir="$dir" plan -input=false -no-color -lock-timeout=10m -detailed-exitcode -out=tfplan >"$art/plan-run.txt" 2>&1 || rc=$?
  echo "$rc" >"$art/exit-code"
  if [[ $rc -ne 0 && $rc -ne 2 ]]; then
    cat "$art/plan-run.txt" >&2
    return 1
  fi
  # The saved plan as a reviewer reads it (sensitive values shown as "(sensitive value)").
  terraform -chdir="$dir" show -no-color tfplan >"$art/plan.txt"
  # The state the plan was made from (its lineage and serial; the file itself is not kept).
  terraform -chdir="$dir" state pull >"$state_file"
}
state_file=$(mktemp)
trap 'rm -f "$state_file"' EXIT
ci_with_cluster_tunnel "$stack" plan
cp "$dir/tfplan" "$art/tfplan"
ci_tsx review.ts record --stack "$stack" --dir "$dir" --artifacts "$art" --exit-code "$(cat "$art/exit-code")" --state "$state_file"
