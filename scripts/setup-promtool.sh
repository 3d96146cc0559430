#!/usr/bin/env bash
# Makes `promtool` (Prometheus' rule checker and rule unit-test runner)
# available, idempotently, then prints its version.
#
# - promtool already on PATH: nothing to install.
# - otherwise, as root on Debian/Ubuntu: `apt-get install prometheus` (the
#   package that ships promtool), with service starts blocked by a temporary
#   policy-rc.d so no Prometheus server is left running; any server the
#   install did start anyway is stopped.
# - otherwise: exit 1 with instructions.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if command -v promtool >/dev/null 2>&1; then
  promtool --version 2>&1 | head -n 1
  exit 0
fi

how_to="Install it with: sudo apt-get install prometheus (Debian/Ubuntu), or put the promtool binary from https://prometheus.io/download/ on PATH."
if [[ $(id -u) -ne 0 ]]; then
  echo "setup-promtool: promtool is not on PATH and this script is not running as root, so it cannot install it." >&2
  echo "setup-promtool: $how_to" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-promtool: promtool is not on PATH and apt-get is not available." >&2
  echo "setup-promtool: $how_to" >&2
  exit 1
fi

# Block service starts during the install (invoke-rc.d honours policy-rc.d;
# 101 = "action forbidden"). An existing policy-rc.d is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from scripts/setup-promtool.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  own_policy=true
fi
cleanup() { if $own_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT

# Prometheus servers already running are not ours: remember them so only a
# server the install itself started is stopped below.
before=" $(pgrep -x prometheus | tr '\n' ' ' || true) "

echo "setup-promtool: installing Debian's prometheus package (for promtool)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold prometheus >/dev/null

# Only promtool is wanted: make sure the package left no server running
# (policy-rc.d blocks invoke-rc.d, but not every init setup honours it).
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl disable --now prometheus.service >/dev/null 2>&1 || true
elif [[ -x /etc/init.d/prometheus ]]; then
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
for pid in $(pgrep -x prometheus || true); do
  if [[ $before != *" $pid "* ]]; then
    echo "setup-promtool: stopping the prometheus server the package started (pid $pid)"
    kill "$pid" 2>/dev/null || true
  fi
done

if ! command -v promtool >/dev/null 2>&1; then
  echo "setup-promtool: the prometheus package installed, but promtool is still not on PATH." >&2
  exit 1
fi
promtool --version 2>&1 | head -n 1
