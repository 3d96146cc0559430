#!/usr/bin/env bash
# The whole test suite (README quick start: `npm test`; docs/testing.md): set-up of the tools the tests
# need, the TypeScript type check, vitest (including the real `terraform
# validate`), the web app's pytest suite against a real PostgreSQL, promtool
# on the alert rules, and the shortened local DR drill. Runs every phase even
# when one fails, then prints the time of each phase and one closing total.
#
# The total counts everything that makes this command fail: each failed test,
# and a phase that exited non-zero without a failed test to show for it (a
# crash, vitest's unhandled errors, a set-up failure) counts as one failure.
# So the exit code is non-zero exactly when the total says "M failed" with
# M > 0 (scripts/lib/test-summary.js).
set -uo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# phase <name> <command...>: runs one phase, its output teed to
# $results/<name>.txt, and records its exit code and wall time.
phase() {
  local name=$1
  shift
  echo "==> [$name] $*"
  local start=$SECONDS rc
  "$@" 2>&1 | tee "$results/$name.txt" # tee reads to the end: no SIGPIPE
  rc=${PIPESTATUS[0]}
  echo "$rc $((SECONDS - start))" >"$results/$name.status"
}

# quiet_phase <name> <command...>: the same, for a phase that runs beside
# another: its output goes to the file only and is printed whole when the
# phase ends, so two phases' lines never interleave.
quiet_phase() {
  local name=$1
  shift
  local start=$SECONDS rc
  "$@" >"$results/$name.txt" 2>&1
  rc=$?
  echo "$rc $((SECONDS - start))" >"$results/$name.status"
  printf '\n==> [%s] %s (ran beside another phase; exit %s, %s s)\n' "$name" "$*" "$rc" "$((SECONDS - start))"
  cat "$results/$name.txt"
}

# Two lanes on the two cores (docs/testing.md "Tests and checks": the measured
# times). The CPU-bound lane: vitest (two workers, real terraform validate),
# then the offline plans (terraform, two at a time). The other lane: the type
# check, pytest (a real PostgreSQL pair), promtool, then the drill. The drill
# times failovers against budgets with slack for a busy machine (its checks
# add the measured event-loop lag), so it runs beside the plans, not alone.
# Each phase still runs whatever happens to another.
started=$SECONDS
phase setup bash scripts/setup-tools.sh
(
  quiet_phase typecheck npx tsc -p . --noEmit
  quiet_phase pytest bash scripts/test-python.sh --junitxml="$results/pytest.xml"
  quiet_phase promtool bash scripts/test-promtool.sh
  quiet_phase drill bash scripts/test-drill.sh
) &
lane=$!
phase vitest npx vitest run --reporter=dot --reporter=json --outputFile.json="$results/vitest.json"
phase plan bash scripts/test-plan.sh
wait "$lane"
echo "$((SECONDS - started))" >"$results/wall"

node scripts/lib/test-summary.js "$results" setup typecheck vitest pytest promtool drill plan
