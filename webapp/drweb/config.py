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
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


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
    secret_arn: Optional[str]
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
        writer = host("DB_WRITER_HOST", need("DB_WRITER_HOST", "", "set it to the writer endpoint of this region's database"))
        auth = get("DB_AUTH", "password").lower()
        user = get("DB_USER")
        password = arn = sm_region = None
        if auth == "password":
            user = need("DB_USER", " when DB_AUTH=password", "set the database user, or use DB_AUTH=secretsmanager")
            password = need("DB_PASSWORD", " when DB_AUTH=password", "set its password, or use DB_AUTH=secretsmanager")
        elif auth == "secretsmanager":
            arn = need("DB_SECRET_ARN", " when DB_AUTH=secretsmanager", "set the secret that holds username and password")
            if arn is not None and (not arn.startswith("arn:") or ":secretsmanager:" not in arn):
                problem(f"DB_SECRET_ARN must be a Secrets Manager secret ARN, got {arn!r}")
            sm_region = get("DB_SECRET_REGION", region)
            if sm_region is not None and not _REGION.match(sm_region):
                problem(f"DB_SECRET_REGION must look like an AWS region, got {sm_region!r}")
        else:
            problem(f"DB_AUTH must be 'password' or 'secretsmanager', got {auth!r}")
        sslmode = get("DB_SSLMODE", "prefer")
        if sslmode not in _SSLMODES:
            problem(f"DB_SSLMODE must be one of {', '.join(_SSLMODES)}, got {sslmode!r}")
        level = get("DRWEB_LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problem(f"DRWEB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        db_port = num("DB_PORT", 5432, 1, 65535)
        port = num("DRWEB_PORT", 8080, 1, 65535)
        metrics_port = num("DRWEB_METRICS_PORT", 9102, 1, 65535)
        if port is not None and port == metrics_port:
            problem(f"DRWEB_METRICS_PORT must differ from DRWEB_PORT (both {port}); set one of them to a free port")
        cfg = cls(
            region=region,
            instance_id=get("DRWEB_INSTANCE_ID") or socket.gethostname(),
            writer_host=writer,
            reader_host=host("DB_READER_HOST", get("DB_READER_HOST")) or writer,
            db_port=db_port,
            reader_port=num("DB_READER_PORT", db_port, 1, 65535),
            db_name=get("DB_NAME", "drweb"),
            db_user=user,
            db_auth=auth,
            db_password=password,
            secret_arn=arn,
            secret_region=sm_region,
            sslmode=sslmode,
            sslrootcert=get("DB_SSLROOTCERT"),
            connect_timeout=num("DB_CONNECT_TIMEOUT", 2, 1, 60),
            statement_timeout_ms=num("DB_STATEMENT_TIMEOUT_MS", 5000, 0, 600000),
            role_cache_seconds=num("DRWEB_ROLE_CACHE_SECONDS", 2.0, 0, 3600, float),
            role_poll_seconds=num("DRWEB_ROLE_POLL_SECONDS", 15.0, 0, 3600, float),
            ready_require_writable=flag("DRWEB_READY_REQUIRE_WRITABLE", False),
            max_body_bytes=num("DRWEB_MAX_BODY_BYTES", 16384, 256, 10 * 1024 * 1024),
            port=port,
            metrics_port=metrics_port,
            log_level=level,
        )
        if problems:  # all of them at once, not one per run
            raise ConfigError(problems)
        return cfg
