#!/usr/bin/env bash
# Installs and starts drweb on Amazon Linux 2023. Run as root (EC2 user data).
# Expects: the app bundle extracted at /opt/drweb/src (drweb/, requirements.txt,
# deploy/) and /etc/drweb/drweb.env already written. Safe to run again.
set -euo pipefail

SRC=${DRWEB_SRC:-/opt/drweb/src}
VENV=${DRWEB_VENV:-/opt/drweb/venv}
ENV_FILE=/etc/drweb/drweb.env
UNIT=/etc/systemd/system/drweb.service
PY=python3.11

log() { echo "drweb-install: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root"
for f in "$SRC/drweb/app.py" "$SRC/requirements.txt" "$SRC/deploy/drweb.service" "$SRC/deploy/gunicorn.conf.py"; do
  [[ -f $f ]] || die "missing $f: extract the app bundle to $SRC first"
done
[[ -f $ENV_FILE ]] || die "missing $ENV_FILE: write the app environment first"

if ! command -v "$PY" >/dev/null 2>&1; then
  log "installing $PY"
  dnf install -y -q python3.11 python3.11-pip
fi

getent group drweb >/dev/null || groupadd --system drweb
id -u drweb >/dev/null 2>&1 || useradd --system --gid drweb --home-dir /opt/drweb --no-create-home --shell /sbin/nologin drweb

# Instance id for logs and /readyz (IMDSv2, best effort) unless drweb.env sets one.
if ! grep -q '^DRWEB_INSTANCE_ID=' "$ENV_FILE"; then
  token=$(curl -sf -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token || true)
  iid=$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id || true)
  [[ -n $iid ]] && printf 'DRWEB_INSTANCE_ID=%s\n' "$iid" >/etc/drweb/instance.env
fi

want=$( (cat "$SRC/requirements.txt"; "$PY" -VV) | sha256sum | cut -d' ' -f1)
if [[ ! -x $VENV/bin/python || "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  PIP_NO_CACHE_DIR=1 "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$SRC/requirements.txt"
  echo "$want" >"$VENV/.requirements.sha256"
fi

chown -R root:root "$SRC" "$VENV"
chmod -R u+rwX,go+rX,go-w "$SRC" "$VENV"
chown root:drweb /etc/drweb "$ENV_FILE"
chmod 0750 /etc/drweb
chmod 0640 "$ENV_FILE"
[[ -f /etc/drweb/instance.env ]] && chmod 0644 /etc/drweb/instance.env

install -m 0644 "$SRC/deploy/drweb.service" "$UNIT"
systemctl daemon-reload
systemctl enable drweb.service
systemctl restart drweb.service

port=$(sed -n 's/^DRWEB_PORT=["'\'']\{0,1\}\([0-9]*\).*/\1/p' "$ENV_FILE" | tail -n1)
for _ in $(seq 1 30); do
  if curl -sf -m 2 "http://127.0.0.1:${port:-8080}/healthz" >/dev/null; then
    log "drweb is up on port ${port:-8080}"
    exit 0
  fi
  sleep 2
done
journalctl -u drweb.service -n 50 --no-pager >&2 || true
die "drweb did not become healthy on port ${port:-8080}"
