"""DB_ENDPOINTS_PARAMETER: the database endpoints parameter (Aurora mode).

In the Aurora mode each region's fleet reads WHICH cluster it uses from an SSM Parameter
Store parameter in its own region (src/database/endpoints-parameter.ts: the name
/<project>-<environment>-<region code>/db/endpoints and the value). `dr restore` moves the
app to a restored cluster by overwriting it in the writer's region and restarting the
fleet (docs/dr-runbook.md, "dr restore", Aurora mode): AWS does not document that an
Aurora cluster endpoint follows a rename, so the fleet cannot keep the member cluster's
endpoint name from its launch template.

The app reads the parameter ONCE when it starts, and its writer/reader/port replace
DB_WRITER_HOST / DB_READER_HOST / DB_PORT / DB_READER_PORT. Fail closed: a parameter that
cannot be read or holds an invalid value is retried with backoff for
DRWEB_ENDPOINTS_WAIT_SECONDS, then the app does not start (EndpointsUnavailable: one
error naming the parameter, what was wrong and the fix). It never falls back to the
environment's hosts: after a restore those name the damaged cluster.

Under gunicorn the master reads it (deploy/gunicorn.conf.py, at configuration load, before
any worker forks) and every worker inherits the value (this module's state is copied by
fork): the workers of one instance use the same value, also a worker the master starts
later (after a crash, or max_requests) when the parameter has changed since.

AWS: GetParameter (AWS Systems Manager API Reference): Name "The name or Amazon Resource
Name (ARN) of the parameter that you want to query"; WithDecryption "is ignored for String
and StringList parameter types" (the parameter is a String: not sent); the error
ParameterNotFound "The parameter couldn't be found. Verify the name and try again." (also
botocore's service model, botocore/data/ssm/2014-11-06/service-2.json, GetParameter
errors: InternalServerError, InvalidKeyId, ParameterNotFound, ParameterVersionNotFound).
The instance role needs ssm:GetParameter on this one parameter ("Restricting access to
Parameter Store parameters using IAM policies", AWS Systems Manager User Guide).

DRWEB_DRILL_PARAMETERS_FILE (the local drill only, never set in production): a JSON file
{"parameters": {"<name>": "<value string>"}} read instead of SSM; a name absent from it is
ParameterNotFound.
"""
import json
import logging
import math
import re
import time
from dataclasses import dataclass, replace

from . import logs

ENV = "DB_ENDPOINTS_PARAMETER"
WAIT_ENV = "DRWEB_ENDPOINTS_WAIT_SECONDS"
FILE_ENV = "DRWEB_DRILL_PARAMETERS_FILE"

# The rules of src/database/endpoints-parameter.ts (parseEndpoints / endpointsProblem), which
# the dr runbook and the stacks use to write the value: __tests__/web/endpoints-parameter-seam.test.ts
# feeds the TypeScript side's values to this parser. fullmatch: a JavaScript RegExp's `$`
# (no m flag) matches only at the end, Python's `$` also before a final newline.
_CLUSTER = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,62}")
_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}")

# Client timeouts and attempts as drweb/creds.py's Secrets Manager client.
CLIENT_CONFIG = {"connect_timeout": 2, "read_timeout": 5, "retries": {"max_attempts": 3}}
FIRST_DELAY, MAX_DELAY = 0.5, 10.0  # backoff between reads while the parameter is not usable
VALUE_SHAPE = '{"cluster": "<cluster identifier>", "writer": "<cluster endpoint>", "reader": "<reader endpoint>", "port": 5432}'


@dataclass(frozen=True)
class DbEndpoints:
    cluster: str
    writer: str
    reader: str
    port: int


class EndpointsInvalid(ValueError):
    """The parameter's value is not a valid endpoints value."""


class ParameterUnreadable(Exception):
    """The parameter could not be read. kind: not-found | access-denied | unreadable."""

    def __init__(self, message, kind="unreadable"):
        super().__init__(message)
        self.kind = kind


class EndpointsUnavailable(RuntimeError):
    """The parameter stayed unreadable or invalid for the whole wait: the app must not start."""


def _shown(v, missing):
    return "nothing (no such key)" if v is missing else json.dumps(v)


def _is_port(p):
    if isinstance(p, bool):  # JSON true is not a number (Number.isInteger(true) is false)
        return False
    if isinstance(p, int):
        return 1 <= p <= 65535
    # JSON.parse makes 5432.0 and 5.432e3 the number 5432, which Number.isInteger accepts
    return isinstance(p, float) and math.isfinite(p) and p.is_integer() and 1 <= p <= 65535


def _no_constant(name):
    # Python's json accepts NaN, Infinity and -Infinity; JSON (and JSON.parse) does not
    raise ValueError(f"{name} is not JSON")


def parse_endpoints(value):
    """The endpoints in a parameter value; raises EndpointsInvalid naming what is wrong."""
    if not isinstance(value, str):
        raise EndpointsInvalid(f"database endpoints parameter value must be a string, got {type(value).__name__}")
    try:
        doc = json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise EndpointsInvalid(f"database endpoints parameter is not JSON ({e}): {value[:200]}") from None
    if not isinstance(doc, dict):
        raise EndpointsInvalid(f"database endpoints parameter must be a JSON object {{cluster, writer, reader, port}}, got {value[:200]}")
    missing = object()
    cluster, writer, reader, port = (doc.get(k, missing) for k in ("cluster", "writer", "reader", "port"))
    if not isinstance(cluster, str) or not _CLUSTER.fullmatch(cluster):
        raise EndpointsInvalid(f'database endpoints parameter: "cluster" must be a DB cluster identifier, got {_shown(cluster, missing)}')
    for key, v in (("writer", writer), ("reader", reader)):
        if not isinstance(v, str) or not _HOST.fullmatch(v):
            raise EndpointsInvalid(f'database endpoints parameter: "{key}" must be a host name, got {_shown(v, missing)}')
    if not _is_port(port):
        raise EndpointsInvalid(f'database endpoints parameter: "port" must be a TCP port, got {_shown(port, missing)}')
    return DbEndpoints(cluster, writer, reader, int(port))


class SsmParameters:
    """Reads a parameter with SSM GetParameter in one region."""

    def __init__(self, region, client=None):
        self.region = region
        self._client = client

    def where(self, name):
        return f"SSM Parameter Store parameter {name} in {self.region}"

    def _ssm(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client("ssm", region_name=self.region, config=Config(**CLIENT_CONFIG))
        return self._client

    def read(self, name):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._ssm().get_parameter(Name=name)["Parameter"]["Value"]
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            kind = {"ParameterNotFound": "not-found", "AccessDeniedException": "access-denied"}.get(code, "unreadable")
            raise ParameterUnreadable(f"GetParameter failed: {code or 'error'}: {e.response.get('Error', {}).get('Message', e)}"[:300], kind) from e
        except (BotoCoreError, KeyError, TypeError) as e:  # network, credentials, timeouts; a malformed answer
            raise ParameterUnreadable(f"GetParameter failed: {type(e).__name__}: {str(e)[:200]}") from e


class FileParameters:
    """The local drill's stand-in for SSM: {"parameters": {"<name>": "<value string>"}}, read at each call."""

    def __init__(self, path):
        self.path = path

    def where(self, name):
        return f"parameter {name} in the drill's parameters file {self.path} (DRWEB_DRILL_PARAMETERS_FILE)"

    def read(self, name):
        try:
            with open(self.path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise ParameterUnreadable(f"the parameters file cannot be read: {type(e).__name__}: {str(e)[:200]}") from e
        params = doc.get("parameters") if isinstance(doc, dict) else None
        if not isinstance(params, dict):
            raise ParameterUnreadable('the parameters file must be {"parameters": {"<name>": "<value string>"}}')
        if name not in params:
            raise ParameterUnreadable("ParameterNotFound: the parameters file has no parameter of that name", "not-found")
        if not isinstance(params[name], str):
            raise ParameterUnreadable(f"the parameters file's value for {name} must be a string (as SSM's), got {json.dumps(params[name])[:200]}")
        return params[name]


def _fix(kind, name, region):
    if kind == "not-found":
        return (f"create the parameter (terraform apply of this region's stack creates it), or set {ENV} to its name "
                "(/<project>-<environment>-<region code>/db/endpoints, e.g. /drweb-prod-use2/db/endpoints)")
    if kind == "access-denied":
        return f"give the instance role ssm:GetParameter on arn:aws:ssm:{region}:<account>:parameter{name if name.startswith('/') else '/' + name}"
    if kind == "invalid":
        return (f"write a valid value, {VALUE_SHAPE} (`dr restore` writes it when it moves the app; "
                "terraform apply writes the member cluster's)")
    return (f"make SSM in {region} reachable from the instance (its NAT gateway or an ssm VPC endpoint) and check "
            f"DRWEB_REGION; the app retries for {WAIT_ENV} at each start")


def read_endpoints(name, source, wait_seconds, region, *, sleep=time.sleep, clock=time.monotonic):
    """Reads and parses the parameter, retrying with backoff while it is unreadable or invalid,
    for up to wait_seconds; then raises EndpointsUnavailable. Never returns anything else."""
    start, delay, attempts = clock(), FIRST_DELAY, 0
    while True:
        attempts += 1
        try:
            return parse_endpoints(source.read(name))
        except ParameterUnreadable as e:
            problem, kind = str(e), e.kind
        except EndpointsInvalid as e:
            problem, kind = f"its value is invalid: {e}", "invalid"
        remaining = wait_seconds - (clock() - start)
        if remaining <= 0:
            waited = clock() - start
            raise EndpointsUnavailable(
                f"the database endpoints {source.where(name)} is not usable after {attempts} attempt(s) over "
                f"{waited:.0f} s ({WAIT_ENV}={wait_seconds:g}): {problem}. The app does not start without it and never "
                f"falls back to DB_WRITER_HOST/DB_READER_HOST. Fix: {_fix(kind, name, region)}")
        pause = min(delay, remaining)
        logs.event("database endpoints parameter not usable, retrying", logging.WARNING, event="db_endpoints_retry",
                   parameter=name, attempt=attempts, error=problem[:300], retry_in_s=round(pause, 2))
        sleep(pause)
        delay = min(delay * 2, MAX_DELAY)


def apply(cfg, e):
    """cfg with the endpoints e in place of the environment's hosts and ports."""
    return replace(cfg, writer_host=e.writer, reader_host=e.reader, db_port=e.port, reader_port=e.port, endpoints_cluster=e.cluster)


# (parameter name, region, drill file) -> the value read: kept for the process and the
# processes it forks (gunicorn workers), so the parameter is read once per instance start.
_held = None


def forget():
    """Drops the value held by this process (tests)."""
    global _held
    _held = None


def for_process(cfg, *, ssm_client=None, fresh=False, sleep=time.sleep, clock=time.monotonic):
    """cfg with its database endpoints from the parameter (cfg unchanged when
    DB_ENDPOINTS_PARAMETER is unset or cfg already has them). Reads the parameter once per
    process: later calls (a gunicorn worker, which inherits the master's value) reuse it;
    fresh=True reads again (the gunicorn master at each configuration load). Raises
    EndpointsUnavailable."""
    global _held
    name = cfg.endpoints_parameter
    if not name or cfg.endpoints_cluster is not None:
        return cfg
    key = (name, cfg.region, cfg.drill_parameters_file)
    if fresh or _held is None or _held[0] != key:
        logs.setup(cfg.log_level)
        source = FileParameters(cfg.drill_parameters_file) if cfg.drill_parameters_file else SsmParameters(cfg.region, ssm_client)
        e = read_endpoints(name, source, cfg.endpoints_wait_seconds, cfg.region, sleep=sleep, clock=clock)
        _held = (key, e)
        logs.event("database endpoints from parameter", event="db_endpoints", parameter=name, cluster=e.cluster,
                   writer=e.writer, reader=e.reader, port=e.port, region=cfg.region,
                   source="drill parameters file" if cfg.drill_parameters_file else "ssm")
    return apply(cfg, _held[1])
