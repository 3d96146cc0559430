#!/usr/bin/env bash
# Checks of monitoring/: the alert rules (promtool check + unit tests), the
# Grafana dashboards (JSON, structure, and every query parsed by promtool),
# and that every metric a query names exists (webapp/drweb/metrics.py, `up`,
# or the CloudWatch exporter's lag and role metrics).
# Works from any directory; installs promtool when needed
# (scripts/setup-promtool.sh). Runs every check even when one fails, ends
# with one line `promtool: N passed, M failed` (each unit-test case of the
# alert tests counts as one) and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# The rules of every mode and their unit tests (drweb-aurora-alerts.yaml is
# deployed only in the Aurora Global Database mode; its tests load both files).
rule_files=(monitoring/rules/drweb-alerts.yaml monitoring/rules/drweb-aurora-alerts.yaml monitoring/rules/drweb-backup-alerts.yaml)
test_files=(monitoring/rules/drweb-alerts.test.yaml monitoring/rules/drweb-aurora-alerts.test.yaml monitoring/rules/drweb-backup-alerts.test.yaml)
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { # step <name> <command...>: one check, counted once
  local name=$1
  shift
  echo "==> $name"
  if "$@" >"$work/out" 2>&1; then
    passed=$((passed + 1))
    echo "    PASS"
  else
    failed=$((failed + 1))
    sed 's/^/    /' "$work/out"
    echo "    FAIL: $name"
  fi
}

summary() {
  echo "promtool: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

echo "==> setup-promtool"
if ! bash scripts/setup-promtool.sh; then
  failed=$((failed + 1))
  echo "    FAIL: promtool is not available (see above)"
  summary
  exit 1
fi

for rules in "${rule_files[@]}"; do
  step "promtool check rules $rules" promtool check rules "$rules"
done

# Unit tests: one count per alert_rule_test / promql_expr_test case (an
# `eval_time` entry). promtool prints each failing case as
# "    alertname: <name>, time: <t>," (or "expr: ..., time: ...").
for tests in "${test_files[@]}"; do
  echo "==> promtool test rules $tests"
  cases=$(grep -cE '^[[:space:]]*-?[[:space:]]*eval_time:' "$tests" || true)
  if promtool test rules "$tests" >"$work/unit" 2>&1; then
    passed=$((passed + cases))
    echo "    PASS: $cases cases"
  else
    sed 's/^/    /' "$work/unit"
    bad=$(grep -cE '^[[:space:]]+(alertname|expr): .*time: ' "$work/unit" || true)
    # promtool stopped before running cases (a parse or rule-file error): all failed
    if [[ $bad -eq 0 || $bad -gt $cases ]]; then bad=$cases; fi
    [[ $bad -gt 0 ]] || bad=1
    passed=$((passed + cases - bad))
    failed=$((failed + bad))
    echo "    FAIL: $bad of $cases cases"
  fi
done

# Dashboards and metric names: one PASS/FAIL line per check from the helper.
echo "==> dashboards and metric names (monitoring/check-queries.py)"
set +e
python3 monitoring/check-queries.py . "$work/dashboard-queries.yaml" >"$work/dash" 2>&1
helper=$?
set -e
sed 's/^/    /' "$work/dash"
ok=$(grep -c '^PASS ' "$work/dash" || true)
bad=$(grep -c '^FAIL ' "$work/dash" || true)
if [[ $helper -ne 0 && $bad -eq 0 ]]; then bad=1; fi # the helper itself failed
passed=$((passed + ok))
failed=$((failed + bad))

if [[ -s $work/dashboard-queries.yaml ]]; then
  step "promtool parses every dashboard query" promtool check rules "$work/dashboard-queries.yaml"
fi

summary
