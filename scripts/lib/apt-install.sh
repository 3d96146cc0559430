#!/usr/bin/env bash
# Sourced by the setup-*.sh scripts: installs one Debian package that ships a
# tool the tests need, without leaving its service running.
#
#   apt_install_tool <label> <package> <binary> <service-process> <how-to>
#
# - <binary> already on PATH: nothing to do.
# - otherwise, as root with apt-get: installs <package> with service starts
#   blocked by a temporary policy-rc.d (invoke-rc.d honours it; 101 = "action
#   forbidden"); any <service-process> the install started anyway is stopped
#   (processes that were running before are left alone). One apt at a time
#   (a lock shared by every setup script).
# - otherwise: exit 1 with <how-to>.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# first_line <command...>: runs the command and prints the first line of its
# output (stdout and stderr). Never `cmd | head -n 1` under pipefail: head
# exits after one line, the command dies of SIGPIPE (exit 141) whenever it
# writes again, and pipefail turns that into a random failure.
first_line() {
  local out
  out=$("$@" 2>&1) || return $?
  printf '%s\n' "${out%%$'\n'*}"
}
export PATH="$PATH:/usr/sbin:/sbin"

apt_install_tool() {
  local label=$1 package=$2 binary=$3 service=$4 how_to=$5
  command -v "$binary" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "$label: $binary is not on PATH and this script is not running as root, so it cannot install it." >&2
    echo "$label: $how_to" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label: $binary is not on PATH and apt-get is not available." >&2
    echo "$label: $how_to" >&2
    return 1
  fi

  exec 8>/tmp/.drweb-apt.lock
  flock 8
  command -v "$binary" >/dev/null 2>&1 && return 0 # installed while we waited

  local policy=/usr/sbin/policy-rc.d own_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from scripts/lib/apt-install.sh (%s)\nexit 101\n' "$label" >"$policy"
    chmod 0755 "$policy"
    own_policy=true
  fi
  local before
  before=" $(pgrep -x "$service" | tr '\n' ' ' || true) "

  echo "$label: installing Debian's $package package"
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$package" >/dev/null; } || rc=$?
  if $own_policy; then rm -f "$policy"; fi
  [[ $rc -eq 0 ]] || { echo "$label: apt-get install $package failed ($rc)" >&2; return 1; }

  # Only the tool is wanted: make sure the package left no service running
  # (policy-rc.d blocks invoke-rc.d, but not every init set-up honours it).
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now "$service.service" >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/$service ]]; then
    "/etc/init.d/$service" stop >/dev/null 2>&1 || true
  fi
  local pid
  for pid in $(pgrep -x "$service" || true); do
    if [[ $before != *" $pid "* ]]; then
      echo "$label: stopping the $service service the package started (pid $pid)"
      kill "$pid" 2>/dev/null || true
    fi
  done

  if ! command -v "$binary" >/dev/null 2>&1; then
    echo "$label: the $package package installed, but $binary is still not on PATH." >&2
    return 1
  fi
}
