#!/usr/bin/env bash
# Makes `promtool` (Prometheus' rule checker and rule unit-test runner)
# available, idempotently, then prints its version: Debian's prometheus
# package (the one that ships promtool), with no Prometheus server left
# running (scripts/lib/apt-install.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install_tool setup-promtool prometheus promtool prometheus \
  "Install it with: sudo apt-get install prometheus (Debian/Ubuntu), or put the promtool binary from https://prometheus.io/download/ on PATH."
first_line promtool --version
