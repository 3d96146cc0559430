#!/usr/bin/env bash
# scripts/ci/find-review-run.sh: on a push to main, the pull-request workflow run whose plans were
# reviewed for this merge: the pull request GitHub associates with the pushed commit, then the
# latest successful run of pull-request.yml on that pull request's head commit. Prints
# `run-id=<id>` and `pr=<number>` (appended to $GITHUB_OUTPUT when set). Refuses (exit 3) a push
# without a pull request, or a pull request without a successful plan run. Needs GH_TOKEN,
# GITHUB_REPOSITORY, GITHUB_SHA. docs/ci-identity.md "Delivery pipeline".
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
: "${GITHUB_REPOSITORY:?}" "${GITHUB_SHA:?}"
pr=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '[.[] | select(.merged_at != null)][0] // empty')
[[ -n $pr ]] || {
  echo "find-review-run: $GITHUB_SHA came from no merged pull request: nothing was reviewed, nothing is applied. Fix: change main through pull requests (protect the branch)" >&2
  exit 3
}
number=$(jq -r .number <<<"$pr")
head=$(jq -r .head.sha <<<"$pr")
run=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow pull-request.yml --commit "$head" --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty')
[[ -n $run ]] || {
  echo "find-review-run: pull request #$number has no successful plan run on its head $head. Fix: re-run its pull-request workflow, review the plans, then merge again" >&2
  exit 3
}
echo "run-id=$run"
echo "pr=$number"
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  {
    echo "run-id=$run"
    echo "pr=$number"
  } >>"$GITHUB_OUTPUT"
fi
