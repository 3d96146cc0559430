#!/usr/bin/env bash
# Makes `haproxy` available (the local DR drill's stand-in for the ALB),
# idempotently, then prints its version: Debian's haproxy package, with no
# HAProxy service left running (the drill starts its own, on loopback;
# scripts/lib/apt-install.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install_tool setup-haproxy haproxy haproxy haproxy \
  "Install it with: sudo apt-get install haproxy (Debian/Ubuntu), or put an haproxy binary (2.4 or later) on PATH."
first_line haproxy -v
