#!/usr/bin/env bash
# The whole test suite (README: `npm test`): the TypeScript type check, vitest
# (including the real `terraform validate`), the web app's pytest suite
# against a real PostgreSQL, promtool on the alert rules, and the shortened
# local DR drill (scripts/test-drill.sh). Runs every
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
run bash scripts/test-python.sh --junitxml="$results/pytest.xml"
# Suites that end with a line "<name>: N passed, M failed".
counted=(promtool drill plan)
for name in "${counted[@]}"; do
  echo "==> bash scripts/test-$name.sh"
  bash "scripts/test-$name.sh" 2>&1 | tee "$results/$name.txt" || status=1
done

# One closing line over every suite, in the plain form CI reads.
node -e '
  const fs = require("fs"); let passed = 0, failed = 0;
  const dir = process.argv[1];
  const read = (f) => fs.existsSync(dir + "/" + f) ? fs.readFileSync(dir + "/" + f, "utf8") : null;
  const vitest = read("vitest.json");
  if (vitest) { const r = JSON.parse(vitest); passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTests ?? 0); }
  else failed += 1; // the suite did not run at all
  const junit = read("pytest.xml");
  if (junit) {
    const a = (n) => Number((junit.match(new RegExp("<testsuite [^>]*" + n + "=\"(\\d+)\"")) ?? [0, 0])[1]);
    failed += a("failures") + a("errors");
    passed += a("tests") - a("failures") - a("errors") - a("skipped");
  } else failed += 1;
  for (const name of process.argv.slice(2)) {
    const m = (read(name + ".txt") ?? "").match(new RegExp("^" + name + ": (\\d+) passed, (\\d+) failed$", "m"));
    if (m) { passed += Number(m[1]); failed += Number(m[2]); } else failed += 1;
  }
  console.log(`total: ${passed} passed, ${failed} failed`);
' "$results" "${counted[@]}" || status=1
rm -rf "$results"
exit $status
