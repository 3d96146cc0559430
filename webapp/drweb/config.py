"""Configuration, read only from environment variables (see README.md)."""
import os
import re
import socket
from dataclasses import dataclass
from typing import Mapping, Optional


class ConfigError(ValueError):
    """Environment variables are missing or invalid. `problems` holds one message per
    problem, each naming its variable and how to fix it; str() shows them all."""

    def __init__(self, problems):
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{len(self.problems)} problems in the environment:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_HOST = re.compile(r"^[A-Za-z0-9._:-]{1,253}$")
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Secrets Manager SecretId: "The ARN or name of the secret to retrieve" (GetSecretValue,
# AWS Secrets Manager API Reference). A name resolves in whatever region the client
# calls, so the same name reads the primary secret or its replica; a replica's ARN is
# not knowable by the region's own stack (the secret is managed by the other one).
# Names: letters, digits and /_+=.@- (CreateSecret Name); at most 2048 characters.
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@!-]{1,512}$")  # "!": RDS-managed secrets are named rds!db-<id>
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$")
# DB_ENGINE: the database behind the endpoints, as the stacks' database.engine names it.
# "postgres": RDS for PostgreSQL (DB_WRITER_HOST an instance endpoint that always
# exists). "aurora-postgresql": an Aurora Global Database member cluster
# (DB_WRITER_HOST its cluster endpoint, which has no DNS name while the cluster is a
# secondary member: the role is then read through DB_READER_HOST; drweb/db.py).
ENGINES = ("postgres", "aurora-postgresql")
AURORA = "aurora-postgresql"
# DB_ENDPOINTS_PARAMETER (drweb/endpoints.py): an SSM parameter name. Letters, digits and
# .-_/ ("Requirements and constraints for parameter names", AWS Systems Manager User Guide;
# at most 1011 characters fully qualified); no ARN or name:version selector.
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_./-]{1,1011}")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


# Variables read outside Config.from_env: the listen addresses (gunicorn.conf.py and
# python -m drweb), gunicorn's own settings, and what the deployment writes for
# information only (DRWEB_BUNDLE_SHA256: the app bundle an instance runs).
OTHER_VARIABLES = frozenset({
    "DRWEB_BIND_ADDR", "DRWEB_METRICS_ADDR", "DRWEB_WORKERS", "DRWEB_THREADS", "DRWEB_GUNICORN_LOG_LEVEL",
    "DRWEB_BUNDLE_SHA256",
})


def unknown_variables(env: Mapping[str, str]):
    """DB_* and DRWEB_* variables in `env` that drweb does not read: a misspelt or
    renamed variable is otherwise silently ignored (the default applies instead)."""
    return sorted(k for k in env if k.startswith(("DB_", "DRWEB_")) and k not in Config.VARIABLES and k not in OTHER_VARIABLES)


@dataclass(frozen=True)
class Config:
    region: str
    instance_id: str
    writer_host: str
    reader_host: str
    db_port: int
    reader_port: int
    db_name: str
    db_user: Optional[str]
    db_auth: str
    db_password: Optional[str]
    secret_id: Optional[str]
    secret_region: Optional[str]
    sslmode: str
    sslrootcert: Optional[str]
    connect_timeout: int
    statement_timeout_ms: int
    role_cache_seconds: float
    role_poll_seconds: float
    ready_require_writable: bool
    max_body_bytes: int
    port: int
    metrics_port: int
    log_level: str
    role_metric_regions: tuple = ()
    role_metric_deployment: Optional[str] = None
    role_metric_seconds: float = 60.0
    db_engine: str = "postgres"
    drill_hosts_file: Optional[str] = None
    # Aurora mode: the endpoints come from this parameter when the app starts (drweb/endpoints.py);
    # until then writer_host/reader_host/db_port/reader_port are None, and endpoints_cluster
    # names the cluster once they are set from it.
    endpoints_parameter: Optional[str] = None
    drill_parameters_file: Optional[str] = None
    endpoints_wait_seconds: float = 60.0
    endpoints_cluster: Optional[str] = None

    # Every variable from_env reads (README.md documents each one).
    VARIABLES = frozenset({
        "DRWEB_REGION", "DRWEB_INSTANCE_ID", "DB_WRITER_HOST", "DB_READER_HOST", "DB_PORT", "DB_READER_PORT",
        "DB_NAME", "DB_AUTH", "DB_USER", "DB_PASSWORD", "DB_SECRET_ID", "DB_SECRET_ARN", "DB_SECRET_REGION",
        "DB_SSLMODE", "DB_SSLROOTCERT", "DB_CONNECT_TIMEOUT", "DB_STATEMENT_TIMEOUT_MS", "DRWEB_ROLE_CACHE_SECONDS",
        "DRWEB_ROLE_POLL_SECONDS", "DRWEB_READY_REQUIRE_WRITABLE", "DRWEB_MAX_BODY_BYTES", "DRWEB_PORT",
        "DRWEB_METRICS_PORT", "DRWEB_LOG_LEVEL", "DRWEB_ROLE_METRIC_REGIONS", "DRWEB_ROLE_METRIC_DEPLOYMENT",
        "DRWEB_ROLE_METRIC_SECONDS", "DB_ENGINE", "DRWEB_DRILL_HOSTS_FILE",
        "DB_ENDPOINTS_PARAMETER", "DRWEB_DRILL_PARAMETERS_FILE", "DRWEB_ENDPOINTS_WAIT_SECONDS",
    })

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Config":
        """Raises one ConfigError listing every missing or invalid variable."""
        env = os.environ if env is None else env
        problems = []
        problem = problems.append

        def get(name, default=None):
            v = env.get(name)
            return default if v is None or v.strip() == "" else v.strip()

        def need(name, why, fix):
            v = get(name)
            if v is None:
                problem(f"{name} is required{why} but is not set. Fix: {fix}")
            return v

        def num(name, default, lo, hi, kind=int):
            raw = get(name)
            if raw is None:
                return default
            try:
                v = kind(raw)
            except ValueError:
                v = None
            if v is None or not lo <= v <= hi:
                problem(f"{name} must be a number between {lo} and {hi}, got {raw!r}"
                        + ("" if default is None else f" (unset it for the default {default})"))
                return None
            return v

        def flag(name, default):
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            problem(f"{name} must be true or false, got {raw!r}")
            return None

        def host(name, v):
            if v is not None and not _HOST.match(v):
                problem(f"{name} is not a valid host name: {v!r} (letters, digits and . - _ : only)")
            return v

        region = need("DRWEB_REGION", " (e.g. us-east-2)", "set it to the AWS region of this deployment")
        if region is not None and not _REGION.match(region):
            problem(f"DRWEB_REGION must look like an AWS region such as us-east-2, got {region!r}")
            region = None
        parameter, parameters_file = endpoints_parameter(get, problem)
        from_parameter = get("DB_ENDPOINTS_PARAMETER") is not None  # also when its value is refused above
        if not from_parameter:
            writer = host("DB_WRITER_HOST", need("DB_WRITER_HOST", "", "set it to the writer endpoint of this region's database"))
        else:  # replaced by the parameter's value when the app starts; never used
            host("DB_WRITER_HOST", get("DB_WRITER_HOST"))
            host("DB_READER_HOST", get("DB_READER_HOST"))
            writer = None
        engine = get("DB_ENGINE", "postgres")
        if from_parameter and engine != AURORA:
            problem(f"DB_ENDPOINTS_PARAMETER is set ({get('DB_ENDPOINTS_PARAMETER')!r}) but DB_ENGINE is {engine!r}: the endpoints parameter is "
                    "the Aurora mode's (the RDS mode's restore keeps the instance endpoint: the rename swap). Fix: unset "
                    "DB_ENDPOINTS_PARAMETER, or set DB_ENGINE=aurora-postgresql if this region's database is an Aurora cluster")
        elif from_parameter:
            pass  # the Aurora endpoint checks below are for the environment's hosts, which the parameter replaces
        elif engine not in ENGINES:
            problem(f"DB_ENGINE must be one of {', '.join(ENGINES)} (the stacks' database.engine), got {engine!r}. "
                    "Fix: postgres for RDS for PostgreSQL, aurora-postgresql for an Aurora Global Database member")
        elif engine == AURORA and get("DB_READER_HOST") is None:
            problem("DB_READER_HOST is required when DB_ENGINE=aurora-postgresql but is not set: while this region's "
                    "cluster is a secondary member its cluster endpoint (DB_WRITER_HOST) has no DNS name, and the "
                    "role is read through the reader endpoint. Fix: set it to the cluster's reader endpoint "
                    "(<cluster>.cluster-ro-<id>.<region>.rds.amazonaws.com)")
        elif engine == AURORA and writer is not None and get("DB_READER_HOST") == writer:
            problem("DB_READER_HOST must differ from DB_WRITER_HOST when DB_ENGINE=aurora-postgresql (the reader "
                    "endpoint answers while the cluster endpoint is inactive). Fix: set DB_WRITER_HOST to the cluster "
                    "endpoint and DB_READER_HOST to the reader endpoint (cluster-ro)")
        # The local drill's DNS stand-in for Aurora's endpoints (drweb/drill_hosts.py); never set in production.
        hosts_file = get("DRWEB_DRILL_HOSTS_FILE")
        if hosts_file is not None and not os.access(hosts_file, os.R_OK):
            problem(f"DRWEB_DRILL_HOSTS_FILE names {hosts_file!r}, which is not a readable file. Fix: unset it "
                    "(production resolves the endpoints with DNS; only the local drill sets it) or point it at the drill's hosts file")
        auth = get("DB_AUTH", "password").lower()
        user = get("DB_USER")
        password = secret_id = sm_region = None
        if auth == "password":
            user = need("DB_USER", " when DB_AUTH=password", "set the database user, or use DB_AUTH=secretsmanager")
            password = need("DB_PASSWORD", " when DB_AUTH=password", "set its password, or use DB_AUTH=secretsmanager")
        elif auth == "secretsmanager":
            secret_id, var = secret(get, problem)
            sm_region = get("DB_SECRET_REGION", region)
            if sm_region is not None and not _REGION.match(sm_region):
                problem(f"DB_SECRET_REGION must look like an AWS region, got {sm_region!r}")
                sm_region = None
            m = _SECRET_ARN.match(secret_id or "")
            if m and sm_region is not None and m.group(1) != sm_region:
                problem(f"{var} is an ARN in {m.group(1)} but the secret is read in {sm_region} (DB_SECRET_REGION, "
                        f"default DRWEB_REGION). Fix: give the secret's name (it resolves to the replica in every "
                        f"region it is replicated to) or the ARN of the secret in {sm_region}")
        else:
            problem(f"DB_AUTH must be 'password' or 'secretsmanager', got {auth!r}")
        sslmode = get("DB_SSLMODE", "prefer")
        if sslmode not in _SSLMODES:
            problem(f"DB_SSLMODE must be one of {', '.join(_SSLMODES)}, got {sslmode!r}")
        rootcert = get("DB_SSLROOTCERT")
        if sslmode in ("verify-ca", "verify-full") and rootcert is None:
            problem(f"DB_SSLROOTCERT is required when DB_SSLMODE={sslmode} but is not set (libpq would look for "
                    "~/.postgresql/root.crt). Fix: set it to the CA bundle file, e.g. the RDS bundle the app ships "
                    "(deploy/rds-global-bundle.pem)")
        elif rootcert is not None and rootcert != "system" and not (os.path.isfile(rootcert) and os.access(rootcert, os.R_OK)):
            problem(f"DB_SSLROOTCERT names {rootcert!r}, which is not a readable file. Fix: point it at the CA bundle "
                    "(the app ships the RDS bundle as deploy/rds-global-bundle.pem)")
        level = get("DRWEB_LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problem(f"DRWEB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        db_port = num("DB_PORT", 5432, 1, 65535)
        reader_port = num("DB_READER_PORT", db_port, 1, 65535)
        wait = num("DRWEB_ENDPOINTS_WAIT_SECONDS", 60.0, 0, 3600, float)
        port = num("DRWEB_PORT", 8080, 1, 65535)
        metrics_port = num("DRWEB_METRICS_PORT", 9102, 1, 65535)
        if port is not None and port == metrics_port:
            problem(f"DRWEB_METRICS_PORT must differ from DRWEB_PORT (both {port}); set one of them to a free port")
        role_regions, role_deployment = role_metric(get, problem)
        cfg = cls(
            region=region,
            instance_id=get("DRWEB_INSTANCE_ID") or socket.gethostname(),
            writer_host=writer,
            reader_host=None if from_parameter else host("DB_READER_HOST", get("DB_READER_HOST")) or writer,
            db_port=None if from_parameter else db_port,
            reader_port=None if from_parameter else reader_port,
            db_name=get("DB_NAME", "drweb"),
            db_user=user,
            db_auth=auth,
            db_password=password,
            secret_id=secret_id,
            secret_region=sm_region,
            sslmode=sslmode,
            sslrootcert=rootcert,
            connect_timeout=num("DB_CONNECT_TIMEOUT", 2, 1, 60),
            statement_timeout_ms=num("DB_STATEMENT_TIMEOUT_MS", 5000, 0, 600000),
            role_cache_seconds=num("DRWEB_ROLE_CACHE_SECONDS", 2.0, 0, 3600, float),
            role_poll_seconds=num("DRWEB_ROLE_POLL_SECONDS", 15.0, 0, 3600, float),
            ready_require_writable=flag("DRWEB_READY_REQUIRE_WRITABLE", False),
            max_body_bytes=num("DRWEB_MAX_BODY_BYTES", 16384, 256, 10 * 1024 * 1024),
            port=port,
            metrics_port=metrics_port,
            log_level=level,
            role_metric_regions=role_regions,
            role_metric_deployment=role_deployment,
            role_metric_seconds=num("DRWEB_ROLE_METRIC_SECONDS", 60.0, 10, 3600, float),
            db_engine=engine,
            drill_hosts_file=hosts_file,
            endpoints_parameter=parameter,
            drill_parameters_file=parameters_file,
            endpoints_wait_seconds=wait,
        )
        if problems:  # all of them at once, not one per run
            raise ConfigError(problems)
        return cfg


def endpoints_parameter(get, problem):
    """DB_ENDPOINTS_PARAMETER (the name of the database endpoints parameter, Aurora mode) and
    DRWEB_DRILL_PARAMETERS_FILE (the local drill's stand-in for SSM, only with it)."""
    name = get("DB_ENDPOINTS_PARAMETER")
    path = get("DRWEB_DRILL_PARAMETERS_FILE")
    if name is not None and (not _PARAMETER_NAME.fullmatch(name) or name.lower().lstrip("/").startswith(("aws", "ssm"))):
        problem(f"DB_ENDPOINTS_PARAMETER must be an SSM parameter name (letters, digits and . - _ /, not beginning with "
                f"aws or ssm), got {name!r}. Fix: set it to the region's endpoints parameter, e.g. /drweb-prod-use2/db/endpoints")
        name = None
    if path is not None and get("DB_ENDPOINTS_PARAMETER") is None:
        problem("DRWEB_DRILL_PARAMETERS_FILE is set but DB_ENDPOINTS_PARAMETER is not, so nothing reads it. Fix: unset it "
                "(only the local drill sets it, with DB_ENDPOINTS_PARAMETER)")
        path = None
    elif path is not None and not os.access(path, os.R_OK):
        problem(f"DRWEB_DRILL_PARAMETERS_FILE names {path!r}, which is not a readable file. Fix: unset it (production reads "
                "the parameter from SSM; only the local drill sets it) or point it at the drill's parameters file")
        path = None
    return name, path


# A CloudWatch dimension value: 1-1024 characters (Dimension, CloudWatch API
# Reference); kept to what a deployment name ("<project>-<environment>") uses.
_DEPLOYMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")


def role_metric(get, problem):
    """DRWEB_ROLE_METRIC_REGIONS (regions whose CloudWatch receives this region's
    database role, comma-separated; unset = not published) and
    DRWEB_ROLE_METRIC_DEPLOYMENT (the Deployment dimension, required with it)."""
    raw = get("DRWEB_ROLE_METRIC_REGIONS")
    deployment = get("DRWEB_ROLE_METRIC_DEPLOYMENT")
    if raw is None:
        if deployment is not None:
            problem("DRWEB_ROLE_METRIC_DEPLOYMENT is set but DRWEB_ROLE_METRIC_REGIONS is not, so nothing is published. "
                    "Fix: set DRWEB_ROLE_METRIC_REGIONS to the regions of the DR pair (e.g. us-east-2,us-west-1), "
                    "or unset both")
        return (), None
    regions = []
    for r in (x.strip() for x in raw.split(",")):
        if not _REGION.match(r):
            problem(f"DRWEB_ROLE_METRIC_REGIONS must be a comma-separated list of AWS regions such as "
                    f"us-east-2,us-west-1, got {raw!r} ({r!r} is not a region)")
            return (), None
        if r not in regions:
            regions.append(r)
    if deployment is None:
        problem("DRWEB_ROLE_METRIC_DEPLOYMENT is required when DRWEB_ROLE_METRIC_REGIONS is set but is not set. "
                "Fix: set it to the deployment's name (<project>-<environment>, e.g. drweb-prod), the value of "
                "the metric's Deployment dimension the monitoring stacks read")
    elif not _DEPLOYMENT.match(deployment):
        problem(f"DRWEB_ROLE_METRIC_DEPLOYMENT must be 1-255 letters, digits and . _ - (e.g. drweb-prod), got {deployment!r}")
        deployment = None
    return tuple(regions), deployment


def secret(get, problem):
    """DB_SECRET_ID (a name or an ARN). DB_SECRET_ARN, its former name, is still
    read (it held only ARNs before; a name is accepted there too). Returns the id
    and the variable it came from."""
    sid, old = get("DB_SECRET_ID"), get("DB_SECRET_ARN")
    var = "DB_SECRET_ID" if sid is not None or old is None else "DB_SECRET_ARN"
    if sid is not None and old is not None and sid != old:
        problem(f"DB_SECRET_ID ({sid!r}) and DB_SECRET_ARN ({old!r}) are both set and differ. "
                "Fix: set only DB_SECRET_ID (DB_SECRET_ARN is its former name)")
        return None, var
    value = sid if sid is not None else old
    if value is None:
        problem("DB_SECRET_ID is required when DB_AUTH=secretsmanager but is not set. "
                "Fix: set the name (or ARN) of the secret that holds username and password")
    elif value.startswith("arn:"):
        if not _SECRET_ARN.match(value):
            problem(f"{var} is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:"
                    f"<account>:secret:<name>), got {value!r}. Fix: give the secret's ARN or its name")
            value = None
    elif not _SECRET_NAME.match(value):
        problem(f"{var} is not a secret name (letters, digits and /_+=.@- only), got {value!r}. "
                "Fix: give the secret's name or ARN")
        value = None
    return value, var
