#!/usr/bin/env bash
# Sets up every tool the test suite needs beyond npm packages, idempotently:
# the web app's Python venv (scripts/setup-python.sh), its wheel archive for
# the instances (scripts/setup-wheels.sh), promtool
# (scripts/setup-promtool.sh; also the Prometheus server the drill runs),
# HAProxy and Alertmanager for the drill (scripts/setup-haproxy.sh,
# scripts/setup-alertmanager.sh). `npm test` runs it first, so a set-up failure
# is reported once, as its own phase, instead of inside every suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
status=0
for tool in python wheels promtool haproxy alertmanager shellcheck; do
  bash "setup-$tool.sh" || { echo "setup-tools: setup-$tool.sh failed" >&2; status=1; }
done
exit $status
