#!/usr/bin/env bash
# scripts/ci/runner-setup.sh: prepares a GitHub-hosted Ubuntu runner for `npm test` and the offline
# plan (run with sudo; docs/ci-identity.md "Delivery pipeline"). On this project's own machines the setup
# scripts install these themselves as root (scripts/setup-tools.sh); a hosted runner runs as a
# non-root user with sudo, so they are installed here first:
# - haproxy, prometheus (promtool), prometheus-alertmanager, shellcheck: the drill, the alert
#   rule checks and the pipeline script checks (PostgreSQL is on the runner image already).
# - Ubuntu 24.04 restricts unprivileged user namespaces with AppArmor
#   (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 23.10 release notes); the offline
#   plan needs one (`unshare -rn`, a loopback-only network namespace), so the restriction is
#   lifted for this ephemeral runner.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "runner-setup: run it with sudo" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy prometheus prometheus-alertmanager shellcheck
# Installing them starts their services: the tests start their own.
systemctl stop haproxy prometheus prometheus-alertmanager 2>/dev/null || true
if [[ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]]; then
  sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
fi
