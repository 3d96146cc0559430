#!/usr/bin/env bash
# Installs shellcheck (Debian package) for the pipeline script checks (__tests__/ci/workflows.test.ts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-install.sh"
apt_install_tool setup-shellcheck shellcheck shellcheck shellcheck \
  "Install it with: sudo apt-get install shellcheck (Debian/Ubuntu), or put a shellcheck binary on PATH."
first_line shellcheck --version
