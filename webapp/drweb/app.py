"""The Flask app: notes API, health endpoints, request metrics and logs."""
import json
import logging
import re
import time

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from . import endpoints, logs, metrics
from .config import Config
from .creds import SecretsManagerCredentials, StaticCredentials
from .db import Database, DbError, resolve
from .drill_hosts import HostsFileResolver

FIELDS = {"title": (1, 200, True), "body": (0, 5000, False)}  # name: (min len, max len, required)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}


class Invalid(Exception):
    """Client input error (HTTP 4xx)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message, self.status = message, status


def error(status, message, **extra):
    resp = jsonify(error=message, **extra)
    resp.status_code = status
    return resp


def validate_note(data):
    if not isinstance(data, dict):
        raise Invalid("request body must be a JSON object with a 'title' string and an optional 'body' string")
    extra = sorted(set(data) - set(FIELDS))
    if extra:
        raise Invalid(f"unknown field(s): {', '.join(map(repr, extra))}; allowed fields are 'title' and 'body'")
    out = {}
    for name, (lo, hi, required) in FIELDS.items():
        v = data.get(name)
        if name not in data:
            if required:
                raise Invalid(f"field '{name}' is required")
            v = ""
        elif not isinstance(v, str):
            raise Invalid(f"field '{name}' must be a string, got {TYPES.get(type(v), 'value')}")
        elif not lo <= len(v) <= hi:
            raise Invalid(f"field '{name}' must be {lo} to {hi} characters long, got {len(v)}")
        elif "\x00" in v:
            raise Invalid(f"field '{name}' must not contain NUL characters")
        try:
            v.encode()
        except UnicodeEncodeError:
            raise Invalid(f"field '{name}' must be valid Unicode text (no lone surrogates)") from None
        out[name] = v
    if not out["title"].strip():
        raise Invalid("field 'title' must not be blank")
    return out["title"], out["body"]


def read_body(limit):
    """The body, refusing more than limit bytes also when chunked (werkzeug would truncate)."""
    raw = request.environ.get("wsgi.input")
    if request.content_length is not None or not request.environ.get("wsgi.input_terminated") or raw is None:
        return request.get_data(cache=False)
    chunks, size = [], 0
    while size <= limit:
        chunk = raw.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise Invalid(f"request body too large: limit is {limit} bytes", 413)
    return b"".join(chunks)


def create_app(cfg=None, *, secrets_client=None, resolver=None, ssm_client=None):
    """cfg defaults to Config.from_env(); secrets_client: a (stubbed) boto3 Secrets Manager client;
    resolver: resolves the database endpoints (drweb.db.resolve; tests give a stand-in for the
    DNS of Aurora's endpoints); ssm_client: a (stubbed) boto3 SSM client for DB_ENDPOINTS_PARAMETER.
    With DB_ENDPOINTS_PARAMETER the endpoints are the value this process already holds (a gunicorn
    worker: the master's, drweb/endpoints.py) or are read now; raises endpoints.EndpointsUnavailable."""
    cfg = endpoints.for_process(cfg or Config.from_env(), ssm_client=ssm_client)
    logs.setup(cfg.log_level)
    if cfg.db_auth == "secretsmanager":
        creds = SecretsManagerCredentials(cfg.secret_id, cfg.secret_region, secrets_client, cfg.db_user)
    else:
        creds = StaticCredentials(cfg.db_user, cfg.db_password)
    if resolver is None and cfg.drill_hosts_file:  # the local drill's DNS stand-in (drweb/drill_hosts.py)
        resolver = HostsFileResolver(cfg.drill_hosts_file)
    db = Database(cfg, creds, resolver or resolve)
    app = Flask("drweb")
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    app.json.sort_keys = False
    app.extensions["drweb"] = db

    @app.before_request
    def start():
        g.t0 = time.perf_counter()
        if (request.content_length or 0) > cfg.max_body_bytes:
            return error(413, f"request body too large: {request.content_length} bytes, limit is {cfg.max_body_bytes}")
        return None

    @app.after_request
    def observe(resp):
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        method = request.method if request.method in METHODS else "OTHER"
        dt = time.perf_counter() - g.get("t0", time.perf_counter())
        status = resp.status_code
        metrics.REQUESTS.labels(route, method, status).inc()
        metrics.DURATION.labels(route, method).observe(dt)
        if status >= 500:
            metrics.ERRORS.labels(route, status).inc()
        resp.headers["X-Drweb-Region"] = cfg.region
        resp.headers["X-Drweb-Instance"] = cfg.instance_id
        logs.event("request", method=method, route=route, path=request.path, status=status,
                   duration_ms=round(dt * 1000, 2), region=cfg.region, instance=cfg.instance_id,
                   remote=request.headers.get("X-Forwarded-For", request.remote_addr))
        return resp

    @app.errorhandler(Invalid)
    def invalid(e):
        return error(e.status, e.message)

    @app.errorhandler(DbError)
    def unavailable(e):
        return error(503, e.message, db_role=e.role)

    @app.errorhandler(HTTPException)
    def http_error(e):
        resp = error(e.code or 500, {
            404: f"not found: {request.path}",
            405: f"method {request.method} is not allowed on {request.path}",
            413: f"request body too large: limit is {cfg.max_body_bytes} bytes",
        }.get(e.code, e.description))
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            resp.headers["Allow"] = ", ".join(sorted(e.valid_methods))
        return resp

    @app.errorhandler(Exception)
    def crash(e):
        logging.getLogger("drweb").exception("unhandled error", extra={"fields": {"path": request.path}})
        return error(500, "internal server error")

    @app.get("/healthz")
    def healthz():  # liveness: never touches the database
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        role, reader_ok = db.readiness()
        writable = role == "writer"
        ok = role != "unreachable" and (writable or not cfg.ready_require_writable)
        body = {"status": "ok" if ok else "unavailable", "region": cfg.region, "instance": cfg.instance_id,
                "db_role": role, "writable": writable, "reader_ok": reader_ok}
        if cfg.endpoints_cluster is not None:  # the cluster the endpoints parameter named when the app started
            body["db_cluster"] = cfg.endpoints_cluster
        if request.args.get("wal") == "1" and role != "unreachable":
            body["wal"] = db.wal_positions()  # for the dr runbook (docs/dr-runbook.md): positions, not a lag heuristic
        if role == "unreachable":
            body["error"] = f"writer database unreachable ({db.last_error})"
        elif not ok:
            body["error"] = "database is a replica (read-only) and DRWEB_READY_REQUIRE_WRITABLE is set"
        return body, 200 if ok else 503

    @app.post("/api/notes")
    def create_note():
        if not request.is_json:
            raise Invalid("Content-Type must be application/json", 415)
        try:
            data = json.loads(read_body(cfg.max_body_bytes))
        except ValueError as e:
            raise Invalid(f"request body is not valid JSON: {e}") from None
        note = db.insert_note(*validate_note(data))
        return note, 201, {"Location": f"/api/notes/{note['id']}"}

    @app.get("/api/notes")
    def list_notes():
        raw = request.args.get("limit", "20")
        if not re.fullmatch("[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100:
            raise Invalid(f"query parameter 'limit' must be an integer from 1 to 100, got {raw[:20]!r}")
        notes = db.list_notes(int(raw))
        return {"notes": notes, "count": len(notes), "region": cfg.region}

    @app.get("/api/notes/<int:note_id>")
    def get_note(note_id):
        note = db.get_note(note_id) if note_id < 2**63 else None
        return note or error(404, f"note {note_id} not found")

    db.start_poller()
    return app
