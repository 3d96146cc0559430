#!/usr/bin/env bash
# Runs the web app's tests (pytest against a real PostgreSQL primary + replica).
# Extra arguments go to pytest. Works from any directory, as root or not.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup-python.sh"
bash "$ROOT/scripts/setup-wheels.sh" # the install tests install from it
cd "$ROOT"
exec "$ROOT/webapp/.venv/bin/python" -m pytest "$ROOT/webapp/tests" -q "$@"
