#!/usr/bin/env bash
# scripts/ci/comment-plan.sh <stack>: posts the stack's plan (ci-artifacts/<stack>/plan.txt and
# review.json) on the pull request as ONE comment per stack, updated on every run, not duplicated:
# the comment is found by its hidden marker <!-- drweb-plan:<stack> -->. Needs GH_TOKEN,
# GITHUB_REPOSITORY and PR_NUMBER (the workflow sets them). docs/ci-identity.md "Delivery pipeline".
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
[[ $# -eq 1 ]] || ci_fail "usage: scripts/ci/comment-plan.sh <stack>"
stack=$1
art="$CI_ARTIFACTS/$stack"
[[ -f $art/plan.txt && -f $art/review.json ]] || ci_fail "$art has no plan.txt and review.json. Fix: run scripts/ci/plan-stack.sh $stack first"
: "${GITHUB_REPOSITORY:?}" "${PR_NUMBER:?}"
marker="<!-- drweb-plan:$stack -->"
summary=$(jq -r .summary "$art/review.json")
digest=$(jq -r .planDigest "$art/review.json")
body=$(mktemp)
{
  echo "$marker"
  echo "### Plan: \`$stack\`"
  echo
  echo "$summary (saved plan \`${digest:0:12}\`, commit \`${GITHUB_SHA:-?}\`; applied after merge only if the stack folder is unchanged)"
  echo
  echo '<details><summary>terraform plan</summary>'
  echo
  echo '```'
  # A comment holds at most 65536 characters: the plan's end is kept (the summary is last).
  tail -c 60000 "$art/plan.txt"
  echo '```'
  echo '</details>'
} >"$body"
ids=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" --jq ".[] | select(.body | startswith(\"$marker\")) | .id")
id=${ids%%$'\n'*}
if [[ -n $id ]]; then
  jq -Rs '{body: .}' "$body" | gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" --input - >/dev/null
  echo "updated the plan comment of $stack ($id)"
else
  jq -Rs '{body: .}' "$body" | gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" --input - >/dev/null
  echo "posted the plan comment of $stack"
fi
