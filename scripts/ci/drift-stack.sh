#!/usr/bin/env bash
# scripts/ci/drift-stack.sh <stack>: the nightly drift check of one stack (docs/ci-identity.md "Delivery pipeline").
# `terraform plan -detailed-exitcode` (0 no changes, 1 error, 2 changes: Terraform's plan command
# documentation). The setup-terraform action's wrapper must be off (terraform_wrapper: false) or
# the exit code is not terraform's. Records $DRWEB_CI_ARTIFACTS/<stack>/drift.json for
# scripts/ci/report-drift.ts. Exit: 0 checked (drift or not), 1 the plan failed, 2 bad usage.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
[[ $# -eq 1 ]] || ci_fail "usage: scripts/ci/drift-stack.sh <stack>"
stack=$1
dir=$(ci_stack_dir "$stack")
art="$CI_ARTIFACTS/$stack"
mkdir -p "$art"
drift() {
  local rc=0
  terraform -chdir="$dir" init -input=false -no-color >"$art/init.txt" 2>&1 || rc=1
  if [[ $rc -eq 0 ]]; then
    terraform -chdir="$dir" plan -input=false -no-color -lock-timeout=10m -detailed-exitcode >"$art/drift.txt" 2>&1 || rc=$?
  else
    cp "$art/init.txt" "$art/drift.txt"
  fi
  echo "$rc" >"$art/exit-code"
}
ci_with_cluster_tunnel "$stack" drift
rc=$(cat "$art/exit-code")
ci_tsx review.ts drift --stack "$stack" --artifacts "$art" --exit-code "$rc"
[[ $rc -eq 0 || $rc -eq 2 ]]
