#!/usr/bin/env bash
# Sets up every tool the test suite needs beyond npm packages, idempotently:
# the web app's Python venv (scripts/setup-python.sh), promtool
# (scripts/setup-promtool.sh) and HAProxy for the drill
# (scripts/setup-haproxy.sh). `npm test` runs it first, so a set-up failure
# is reported once, as its own phase, instead of inside every suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
status=0
for tool in python promtool haproxy; do
  bash "setup-$tool.sh" || { echo "setup-tools: setup-$tool.sh failed" >&2; status=1; }
done
exit $status
