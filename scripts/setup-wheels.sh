#!/usr/bin/env bash
# Builds webapp/.wheelhouse/wheels.tar (the web app's dependencies as wheels for
# the instances, from webapp/deploy/requirements.lock) unless it is up to date:
# synth and the install tests need it. pip's index: PIP_INDEX_URL, else the
# local mirror /opt/pypi on this project's machines, else PyPI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/wheelhouse.ts"
