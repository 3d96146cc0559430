#!/usr/bin/env bash
# The whole test suite (README: `npm test`): the TypeScript type check, vitest
# (including the real `terraform validate`) and the other suites. Runs every
# suite even when one fails; prints one closing total and exits non-zero if
# any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
results=$(mktemp -d)
status=0
run() {
  echo "==> $*"
  "$@" || status=1
}

run npx tsc -p . --noEmit
run npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"

# One closing line over every suite, in the plain form CI reads.
node -e '
  const fs = require("fs"); let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTests ?? 0);
  }
  console.log(`total: ${passed} passed, ${failed} failed`);
' "$results" || status=1
rm -rf "$results"
exit $status
