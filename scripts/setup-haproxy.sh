#!/usr/bin/env bash
# Makes `haproxy` available (the local DR drill's stand-in for the ALB),
# idempotently, then prints its version.
#
# - haproxy already on PATH (or in /usr/sbin): nothing to install.
# - otherwise, as root on Debian/Ubuntu: `apt-get install haproxy`, with
#   service starts blocked by a temporary policy-rc.d so no HAProxy service is
#   left running (the drill starts its own, on loopback); any service the
#   install started anyway is stopped.
# - otherwise: exit 1 with instructions.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/sbin:/sbin"

if command -v haproxy >/dev/null 2>&1; then
  haproxy -v 2>&1 | head -n 1
  exit 0
fi

how_to="Install it with: sudo apt-get install haproxy (Debian/Ubuntu), or put an haproxy binary (2.4 or later) on PATH."
if [[ $(id -u) -ne 0 ]]; then
  echo "setup-haproxy: haproxy is not on PATH and this script is not running as root, so it cannot install it." >&2
  echo "setup-haproxy: $how_to" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-haproxy: haproxy is not on PATH and apt-get is not available." >&2
  echo "setup-haproxy: $how_to" >&2
  exit 1
fi

# Block service starts during the install (invoke-rc.d honours policy-rc.d;
# 101 = "action forbidden"). An existing policy-rc.d is left as it is.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from scripts/setup-haproxy.sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  own_policy=true
fi
cleanup() { if $own_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT

# HAProxy processes already running are not ours: remember them so only a
# service the install itself started is stopped below.
before=" $(pgrep -x haproxy | tr '\n' ' ' || true) "

echo "setup-haproxy: installing Debian's haproxy package"
# One installer at a time (setup-promtool.sh may run apt too).
exec 8>/tmp/.drweb-apt.lock
flock 8
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold haproxy >/dev/null

if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  systemctl disable --now haproxy.service >/dev/null 2>&1 || true
elif [[ -x /etc/init.d/haproxy ]]; then
  /etc/init.d/haproxy stop >/dev/null 2>&1 || true
fi
for pid in $(pgrep -x haproxy || true); do
  if [[ $before != *" $pid "* ]]; then
    echo "setup-haproxy: stopping the haproxy service the package started (pid $pid)"
    kill "$pid" 2>/dev/null || true
  fi
done

if ! command -v haproxy >/dev/null 2>&1; then
  echo "setup-haproxy: the haproxy package installed, but haproxy is still not on PATH." >&2
  exit 1
fi
haproxy -v 2>&1 | head -n 1
