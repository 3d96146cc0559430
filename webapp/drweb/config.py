"""Configuration, read only from environment variables (see README.md)."""
import os
import re
import socket
from dataclasses import dataclass
from typing import Mapping, Optional


class ConfigError(ValueError):
    """A required environment variable is missing or invalid."""


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
        env = os.environ if env is None else env

        def get(name, default=None):
            v = env.get(name)
            return default if v is None or v.strip() == "" else v.strip()

        def need(name, why=""):
            v = get(name)
            if v is None:
                raise ConfigError(f"{name} is required{why} but is not set")
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
                raise ConfigError(f"{name} must be a number between {lo} and {hi}, got {raw!r}")
            return v

        def flag(name, default):
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in _TRUE:
                return True
            if raw.lower() in _FALSE:
                return False
            raise ConfigError(f"{name} must be true or false, got {raw!r}")

        def host(name, default=None):
            v = get(name, default) if default else need(name)
            if not _HOST.match(v):
                raise ConfigError(f"{name} is not a valid host name: {v!r}")
            return v

        region = need("DRWEB_REGION", " (e.g. us-east-2)")
        if not _REGION.match(region):
            raise ConfigError(f"DRWEB_REGION must look like an AWS region such as us-east-2, got {region!r}")
        writer = host("DB_WRITER_HOST")
        auth = get("DB_AUTH", "password").lower()
        user = get("DB_USER")
        password = arn = sm_region = None
        if auth == "password":
            user = need("DB_USER", " when DB_AUTH=password")
            password = need("DB_PASSWORD", " when DB_AUTH=password")
        elif auth == "secretsmanager":
            arn = need("DB_SECRET_ARN", " when DB_AUTH=secretsmanager")
            if not arn.startswith("arn:") or ":secretsmanager:" not in arn:
                raise ConfigError(f"DB_SECRET_ARN must be a Secrets Manager secret ARN, got {arn!r}")
            sm_region = get("DB_SECRET_REGION", region)
            if not _REGION.match(sm_region):
                raise ConfigError(f"DB_SECRET_REGION must look like an AWS region, got {sm_region!r}")
        else:
            raise ConfigError(f"DB_AUTH must be 'password' or 'secretsmanager', got {auth!r}")
        sslmode = get("DB_SSLMODE", "prefer")
        if sslmode not in _SSLMODES:
            raise ConfigError(f"DB_SSLMODE must be one of {', '.join(_SSLMODES)}, got {sslmode!r}")
        level = get("DRWEB_LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"DRWEB_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        db_port = num("DB_PORT", 5432, 1, 65535)
        port = num("DRWEB_PORT", 8080, 1, 65535)
        metrics_port = num("DRWEB_METRICS_PORT", 9102, 1, 65535)
        if port == metrics_port:
            raise ConfigError(f"DRWEB_METRICS_PORT must differ from DRWEB_PORT (both {port})")
        return cls(
            region=region,
            instance_id=get("DRWEB_INSTANCE_ID") or socket.gethostname(),
            writer_host=writer,
            reader_host=host("DB_READER_HOST", writer),
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
