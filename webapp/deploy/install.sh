#!/usr/bin/env bash
# Installs and starts drweb on Amazon Linux 2023. Run as root (EC2 user data,
# through /opt/drweb/bootstrap.sh). Expects: the app bundle extracted at
# /opt/drweb/src (drweb/, requirements.txt, deploy/), the wheel archive
# extracted at /opt/drweb/wheels, and /etc/drweb/drweb.env written. Safe to
# run again.
#
# Loud by design: every failure exits non-zero with a message saying what
# failed (cloud-init logs it to /var/log/cloud-init-output.log and the
# console), the app's configuration is checked BEFORE the service starts (a
# bad environment is one clear error, not a restart loop), and a service that
# does not become healthy has its status and journal printed.
#
# Dependencies come only from the wheel archive: pip --no-index
# --require-hashes against deploy/requirements.lock. There is no fallback to
# PyPI: a missing or altered wheel stops the install.
#
# The DRWEB_* overrides below exist for the tests (webapp/tests/test_deploy.py).
set -euo pipefail

SRC=${DRWEB_SRC:-/opt/drweb/src}
VENV=${DRWEB_VENV:-/opt/drweb/venv}
WHEELS=${DRWEB_WHEELS:-/opt/drweb/wheels}
ETC=${DRWEB_ETC:-/etc/drweb}
UNIT=${DRWEB_UNIT:-/etc/systemd/system/drweb.service}
SERVICE_USER=${DRWEB_USER:-drweb}
PY=${DRWEB_PYTHON:-python3.11}
HEALTH_WAIT=${DRWEB_HEALTH_WAIT_SECONDS:-60}
ENV_FILE=$ETC/drweb.env
INSTANCE_ENV=$ETC/instance.env
LOCK=$SRC/deploy/requirements.lock

log() { echo "drweb-install: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
trap 'log "ERROR: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)"' ERR

[[ $EUID -eq 0 ]] || die "must run as root"
for f in "$SRC/drweb/app.py" "$LOCK" "$SRC/deploy/drweb.service" "$SRC/deploy/gunicorn.conf.py"; do
  [[ -f $f ]] || die "missing $f: extract the app bundle to $SRC first"
done
[[ -f $ENV_FILE ]] || die "missing $ENV_FILE: write the app environment first"
compgen -G "$WHEELS/*.whl" >/dev/null || die "no wheels in $WHEELS: extract the wheel archive there first (this installer never downloads from PyPI)"

# AL2023's system python3 is 3.9; the app needs 3.10+ and its wheels are for
# CPython 3.11 (AL2023 ships it as the python3.11 package).
if ! command -v "$PY" >/dev/null 2>&1; then
  log "installing $PY"
  dnf install -y -q python3.11 python3.11-pip
fi

getent group "$SERVICE_USER" >/dev/null || groupadd --system "$SERVICE_USER"
id -u "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --gid "$SERVICE_USER" --home-dir /opt/drweb --no-create-home --shell /sbin/nologin "$SERVICE_USER"

# Instance id for logs and /readyz (IMDSv2, best effort) unless drweb.env sets one.
if ! grep -q '^DRWEB_INSTANCE_ID=' "$ENV_FILE"; then
  token=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token || true)
  iid=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id || true)
  if [[ -n $iid ]]; then printf 'DRWEB_INSTANCE_ID=%s\n' "$iid" >"$INSTANCE_ENV"; fi
fi

want=$( (cat "$LOCK"; "$PY" -VV) | sha256sum | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  log "creating $VENV from the wheels in $WHEELS (offline, hash-checked)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  if ! out=$(PIP_CONFIG_FILE=/dev/null PIP_NO_CACHE_DIR=1 "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
    --no-index --find-links "$WHEELS" --only-binary=:all: --require-hashes --no-deps -r "$LOCK" 2>&1); then
    echo "$out" >&2
    rm -rf "$VENV"
    die "pip could not install the locked wheels from $WHEELS (above). The install is offline and hash-checked and never falls back to PyPI: ship the wheel archive that matches deploy/requirements.lock (npm run wheels)"
  fi
  echo "$want" >"$VENV/.requirements.sha256"
fi

chown -R root:root "$SRC" "$VENV"
chmod -R u+rwX,go+rX,go-w "$SRC" "$VENV"
chown "root:$SERVICE_USER" "$ETC" "$ENV_FILE"
chmod 0750 "$ETC"
chmod 0640 "$ENV_FILE"
if [[ -f $INSTANCE_ENV ]]; then chmod 0644 "$INSTANCE_ENV"; fi

# The app's own configuration check, as the service user, with exactly the
# environment the unit gives it (its EnvironmentFile lines: KEY=value, no
# quoting): a bad or unknown variable stops here with the app's message.
env_files=("$ENV_FILE")
if [[ -f $INSTANCE_ENV ]]; then env_files+=("$INSTANCE_ENV"); fi
mapfile -t env_lines < <(grep -hvE '^[[:space:]]*(#|$)' "${env_files[@]}")
if ! out=$(cd "$SRC" && runuser -u "$SERVICE_USER" -- env -i PATH=/usr/bin:/bin "${env_lines[@]}" "$VENV/bin/python" -m drweb --check-config 2>&1); then
  echo "$out" >&2
  die "the app's configuration check failed (above); drweb.service was not started. Fix the environment the stack writes to $ENV_FILE"
fi
log "$out"

install -m 0644 "$SRC/deploy/drweb.service" "$UNIT"
systemctl daemon-reload
systemctl enable drweb.service
systemctl restart drweb.service

port=$(sed -n 's/^DRWEB_PORT=["'\'']\{0,1\}\([0-9]*\).*/\1/p' "$ENV_FILE" | tail -n1)
for _ in $(seq 1 $((HEALTH_WAIT / 2))); do
  if curl -sf -m 2 "http://127.0.0.1:${port:-8080}/healthz" >/dev/null; then
    log "drweb is up on port ${port:-8080}"
    exit 0
  fi
  sleep 2
done
systemctl status drweb.service --no-pager --lines=0 >&2 || true
journalctl -u drweb.service -n 100 --no-pager >&2 || true
die "drweb did not become healthy on port ${port:-8080} within ${HEALTH_WAIT}s (service status and journal above)"
