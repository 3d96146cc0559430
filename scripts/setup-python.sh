#!/usr/bin/env bash
# Creates webapp/.venv with the web app's dev requirements. Idempotent: the venv
# is rebuilt only when the requirements files or the interpreter change.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/webapp"
VENV="$APP/.venv"
STAMP="$VENV/.requirements.sha256"
PY="${PYTHON:-python3}"

# This machine kind carries a local package mirror and no PyPI access: use the
# mirror as the index so pip does not spend minutes retrying pypi.org.
if [[ -z ${PIP_INDEX_URL:-} && -d /opt/pypi/simple ]]; then
  export PIP_INDEX_URL=file:///opt/pypi/simple
fi

exec 9<"$APP/requirements.txt"
flock 9  # one setup at a time

# The stamp: the requirements, the interpreter asked for ($PYTHON) and the
# venv's own interpreter (-VV names its build). Computed from the venv's
# python, not "$PY": through pyenv's shim every call of "$PY" costs ~1 s.
stamp() {
  (cat "$APP/requirements.txt" "$APP/requirements-dev.txt"; echo "$PY"; "$VENV/bin/python" -VV) | sha256sum | cut -d' ' -f1
}
if [[ -x $VENV/bin/python && -f $STAMP ]] && "$VENV/bin/python" -c pass 2>/dev/null && [[ "$(cat "$STAMP")" == "$(stamp)" ]]; then
  echo "setup-python: $VENV is up to date"
  exit 0
fi

echo "setup-python: creating $VENV"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$APP/requirements-dev.txt" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
stamp >"$STAMP"
echo "setup-python: done"
