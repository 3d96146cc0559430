#!/usr/bin/env bash
# Makes the Alertmanager server available for the drill's live alerting
# (src/drill/alertmanager.ts), idempotently, then prints its version:
# Debian's prometheus-alertmanager package, with no Alertmanager service left
# running (scripts/lib/apt-install.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install_tool setup-alertmanager prometheus-alertmanager prometheus-alertmanager prometheus-alertmanager \
  "Install it with: sudo apt-get install prometheus-alertmanager (Debian/Ubuntu), or put the alertmanager binary from https://prometheus.io/download/ on PATH as prometheus-alertmanager."
first_line prometheus-alertmanager --version
