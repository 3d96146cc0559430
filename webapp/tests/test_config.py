"""Configuration comes only from the environment; bad values fail at startup
with a message naming the variable."""
import os
import re
import socket
import subprocess
import sys

import pytest

from conftest import WEBAPP
from drweb import Config, ConfigError

BASE = {"DRWEB_REGION": "us-east-2", "DB_WRITER_HOST": "db.example.internal", "DB_USER": "drweb", "DB_PASSWORD": "pw"}


def cfg(**over):
    env = dict(BASE)
    for k, v in over.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return Config.from_env(env)


def test_defaults():
    c = cfg()
    assert (c.reader_host, c.db_port, c.reader_port, c.db_name, c.db_auth) == ("db.example.internal", 5432, 5432, "drweb", "password")
    assert (c.sslmode, c.role_cache_seconds, c.max_body_bytes, c.port, c.metrics_port) == ("prefer", 2.0, 16384, 8080, 9102)
    assert c.instance_id == socket.gethostname()
    assert c.ready_require_writable is False and c.connect_timeout == 2


def test_db_engine():
    """RDS unless told otherwise; the Aurora mode takes the cluster's two endpoints."""
    assert cfg().db_engine == "postgres"
    c = cfg(DB_ENGINE="aurora-postgresql", DB_WRITER_HOST="c.cluster-x.us-east-2.rds.amazonaws.com",
            DB_READER_HOST="c.cluster-ro-x.us-east-2.rds.amazonaws.com")
    assert (c.db_engine, c.writer_host, c.reader_host) == ("aurora-postgresql", "c.cluster-x.us-east-2.rds.amazonaws.com",
                                                          "c.cluster-ro-x.us-east-2.rds.amazonaws.com")


def test_secretsmanager_mode():
    arn = "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-1"
    c = cfg(DB_AUTH="secretsmanager", DB_SECRET_ID=arn, DB_SECRET_REGION="us-west-1", DB_PASSWORD=None, DB_USER=None)
    assert (c.secret_id, c.secret_region, c.db_password) == (arn, "us-west-1", None)
    assert cfg(DB_AUTH="secretsmanager", DB_SECRET_ID="drweb-prod/db/master").secret_region == "us-east-2"


@pytest.mark.parametrize("name", ["drweb-prod/db/master", "rds!db-0a1b2c3d-4e5f", "app_db+ro=1.x@team"])
def test_the_secret_is_named_by_name_or_arn(name):
    """Secrets Manager's GetSecretValue takes "the ARN or name of the secret" as SecretId.
    The stacks give the name: the same name reads the replica in the secondary region,
    whose ARN (random suffix) the secondary's own stack cannot know."""
    assert cfg(DB_AUTH="secretsmanager", DB_SECRET_ID=name).secret_id == name


def test_db_secret_arn_is_still_read_as_the_former_name_of_db_secret_id():
    arn = "arn:aws:secretsmanager:us-east-2:123456789012:secret:drweb-prod/db/master-AbCdEf"
    assert cfg(DB_AUTH="secretsmanager", DB_SECRET_ARN=arn).secret_id == arn
    assert cfg(DB_AUTH="secretsmanager", DB_SECRET_ARN="drweb-prod/db/master").secret_id == "drweb-prod/db/master"
    assert cfg(DB_AUTH="secretsmanager", DB_SECRET_ARN="x", DB_SECRET_ID="x").secret_id == "x"


@pytest.mark.parametrize("over, variable", [
    ({"DRWEB_REGION": None}, "DRWEB_REGION is required"),
    ({"DRWEB_REGION": "Ohio"}, "DRWEB_REGION must look like an AWS region"),
    ({"DB_WRITER_HOST": None}, "DB_WRITER_HOST is required"),
    ({"DB_WRITER_HOST": "  "}, "DB_WRITER_HOST is required"),
    ({"DB_WRITER_HOST": "bad host/name"}, "DB_WRITER_HOST is not a valid host name"),
    ({"DB_READER_HOST": "a b"}, "DB_READER_HOST is not a valid host name"),
    ({"DB_USER": None}, "DB_USER is required when DB_AUTH=password"),
    ({"DB_PASSWORD": None}, "DB_PASSWORD is required when DB_AUTH=password"),
    ({"DB_AUTH": "iam"}, "DB_AUTH must be 'password' or 'secretsmanager'"),
    ({"DB_AUTH": "secretsmanager"}, "DB_SECRET_ID is required when DB_AUTH=secretsmanager"),
    ({"DB_AUTH": "secretsmanager", "DB_SECRET_ID": "my secret"}, "DB_SECRET_ID is not a secret name"),
    ({"DB_AUTH": "secretsmanager", "DB_SECRET_ARN": "arn:aws:s3:::bucket"}, "DB_SECRET_ARN is not a Secrets Manager secret ARN"),
    ({"DB_AUTH": "secretsmanager", "DB_SECRET_ID": "a", "DB_SECRET_ARN": "b"}, "DB_SECRET_ID ('a') and DB_SECRET_ARN ('b') are both set and differ"),
    ({"DB_AUTH": "secretsmanager", "DB_SECRET_ID": "arn:aws:secretsmanager:us-west-1:123456789012:secret:x-AbCdEf"},
     "DB_SECRET_ID is an ARN in us-west-1 but the secret is read in us-east-2"),
    ({"DB_AUTH": "secretsmanager", "DB_SECRET_ID": "x", "DB_SECRET_REGION": "west"},
     "DB_SECRET_REGION must look like an AWS region"),
    ({"DB_SSLMODE": "verify-full"}, "DB_SSLROOTCERT is required when DB_SSLMODE=verify-full"),
    ({"DB_SSLROOTCERT": "/nonexistent/ca.pem"}, "DB_SSLROOTCERT names '/nonexistent/ca.pem', which is not a readable file"),
    ({"DB_PORT": "abc"}, "DB_PORT must be a number between 1 and 65535"),
    ({"DB_PORT": "70000"}, "DB_PORT must be a number between 1 and 65535"),
    ({"DB_SSLMODE": "on"}, "DB_SSLMODE must be one of"),
    ({"DRWEB_ROLE_CACHE_SECONDS": "-1"}, "DRWEB_ROLE_CACHE_SECONDS must be a number"),
    ({"DRWEB_MAX_BODY_BYTES": "lots"}, "DRWEB_MAX_BODY_BYTES must be a number"),
    ({"DRWEB_PORT": "0"}, "DRWEB_PORT must be a number"),
    ({"DRWEB_METRICS_PORT": "8080"}, "DRWEB_METRICS_PORT must differ from DRWEB_PORT"),
    ({"DRWEB_READY_REQUIRE_WRITABLE": "maybe"}, "DRWEB_READY_REQUIRE_WRITABLE must be true or false"),
    ({"DB_ENGINE": "aurora"}, "DB_ENGINE must be one of postgres, aurora-postgresql (the stacks' database.engine), got 'aurora'"),
    ({"DB_ENGINE": "aurora-postgresql"}, "DB_READER_HOST is required when DB_ENGINE=aurora-postgresql"),
    ({"DB_ENGINE": "aurora-postgresql", "DB_READER_HOST": "db.example.internal"},
     "DB_READER_HOST must differ from DB_WRITER_HOST when DB_ENGINE=aurora-postgresql"),
])
def test_invalid_environment_names_the_variable(over, variable):
    with pytest.raises(ConfigError) as e:
        cfg(**over)
    assert variable in str(e.value)


def startup(cmd, **over):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRWEB_", "DB_"))}
    env.update(BASE)
    env.update(over)
    for k in [k for k, v in over.items() if v is None]:
        env.pop(k)
    return subprocess.run(cmd, cwd=WEBAPP, env=env, capture_output=True, text=True, timeout=30)


def test_check_config_cli():
    ok = startup([sys.executable, "-m", "drweb", "--check-config"])
    assert ok.returncode == 0 and "configuration ok" in ok.stdout
    bad = startup([sys.executable, "-m", "drweb", "--check-config"], DB_WRITER_HOST=None)
    assert bad.returncode == 2
    assert "drweb: configuration error: DB_WRITER_HOST is required" in bad.stderr


def test_gunicorn_refuses_to_start_with_a_bad_environment(tmp_path):
    p = startup([sys.executable, "-m", "gunicorn", "-c", str(WEBAPP / "deploy" / "gunicorn.conf.py"), "drweb.wsgi:app"],
                DB_WRITER_HOST=None, DRWEB_PORT="1", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert p.returncode != 0
    assert "drweb: configuration error: DB_WRITER_HOST is required" in p.stderr


def test_every_missing_variable_is_reported_at_once():
    with pytest.raises(ConfigError) as e:
        Config.from_env({})
    problems = e.value.problems
    assert [p.split()[0] for p in problems] == ["DRWEB_REGION", "DB_WRITER_HOST", "DB_USER", "DB_PASSWORD"]
    assert all("is required" in p and "Fix: set " in p for p in problems)
    text = str(e.value)
    assert text.startswith("4 problems in the environment:\n")
    assert all(f"  - {p}" in text for p in problems)


def test_every_invalid_variable_is_reported_once_without_follow_on_errors():
    with pytest.raises(ConfigError) as e:
        Config.from_env({
            "DRWEB_REGION": "Ohio",  # not reported again as DB_SECRET_REGION (its default)
            "DB_WRITER_HOST": "bad host",  # not reported again as DB_READER_HOST (its default)
            "DB_AUTH": "secretsmanager",
            "DB_PORT": "abc",  # not reported again as DB_READER_PORT (its default)
            "DB_SSLMODE": "on",
            "DRWEB_LOG_LEVEL": "loud",
            "DRWEB_METRICS_PORT": "99999",
            "DRWEB_READY_REQUIRE_WRITABLE": "maybe",
            "DRWEB_MAX_BODY_BYTES": "lots",
        })
    assert sorted(p.split()[0] for p in e.value.problems) == sorted([
        "DRWEB_REGION", "DB_WRITER_HOST", "DB_SECRET_ID", "DB_PORT", "DB_SSLMODE", "DRWEB_LOG_LEVEL",
        "DRWEB_METRICS_PORT", "DRWEB_READY_REQUIRE_WRITABLE", "DRWEB_MAX_BODY_BYTES"])
    assert "DB_PORT must be a number between 1 and 65535, got 'abc' (unset it for the default 5432)" in e.value.problems


def test_one_problem_is_one_line():
    with pytest.raises(ConfigError) as e:
        cfg(DB_PASSWORD=None)
    assert str(e.value) == "DB_PASSWORD is required when DB_AUTH=password but is not set. Fix: set its password, or use DB_AUTH=secretsmanager"


def test_check_config_cli_lists_every_problem():
    bad = startup([sys.executable, "-m", "drweb", "--check-config"], DRWEB_REGION=None, DB_WRITER_HOST=None, DB_PORT="x")
    assert bad.returncode == 2
    assert bad.stderr.startswith("drweb: configuration error: 3 problems in the environment:\n")
    for line in ("  - DRWEB_REGION is required", "  - DB_WRITER_HOST is required", "  - DB_PORT must be a number"):
        assert line in bad.stderr
    assert "Traceback" not in bad.stderr


def test_gunicorn_lists_every_problem_and_leaves_no_metrics_dir(tmp_path):
    # PROMETHEUS_MULTIPROC_DIR unset: gunicorn.conf.py makes a private temp dir before it checks the config
    p = startup([sys.executable, "-m", "gunicorn", "-c", str(WEBAPP / "deploy" / "gunicorn.conf.py"), "drweb.wsgi:app"],
                DB_WRITER_HOST=None, DB_PASSWORD=None, PROMETHEUS_MULTIPROC_DIR=None, TMPDIR=str(tmp_path))
    assert p.returncode != 0
    assert "drweb: configuration error: 2 problems in the environment:\n" in p.stderr
    assert "  - DB_WRITER_HOST is required" in p.stderr and "  - DB_PASSWORD is required" in p.stderr
    assert os.listdir(tmp_path) == []


def test_check_config_refuses_variables_drweb_does_not_read():
    """A renamed or misspelt variable is not silently ignored by the pre-start check
    that deploy/install.sh runs (the default would apply instead)."""
    bad = startup([sys.executable, "-m", "drweb", "--check-config"], DB_SECERT_ID="x", DRWEB_PROT="8080", DB_PORT="x")
    assert bad.returncode == 2
    assert bad.stderr.startswith("drweb: configuration error: 3 problems in the environment:\n")
    assert "  - DB_SECERT_ID is set but drweb does not read it (misspelt, or renamed?)" in bad.stderr
    assert "  - DRWEB_PROT is set but drweb does not read it" in bad.stderr
    assert "  - DB_PORT must be a number" in bad.stderr
    ok = startup([sys.executable, "-m", "drweb", "--check-config"], DRWEB_WORKERS="3", DRWEB_BUNDLE_SHA256="ab")
    assert ok.returncode == 0, ok.stderr


def test_the_known_variables_are_exactly_those_read():
    from drweb.config import OTHER_VARIABLES
    read = set(re.findall(r'\b(?:get|need|num|flag|host)\("([A-Z_]+)"', (WEBAPP / "drweb" / "config.py").read_text()))
    assert Config.VARIABLES == read
    conf = (WEBAPP / "deploy" / "gunicorn.conf.py").read_text() + (WEBAPP / "drweb" / "__main__.py").read_text()
    assert set(re.findall(r'environ\.get\(["\']((?:DRWEB|DB)_[A-Z_]+)', conf)) <= OTHER_VARIABLES


def test_python_m_drweb_refuses_unknown_arguments():
    p = startup([sys.executable, "-m", "drweb", "--chek-config"])
    assert p.returncode == 2
    assert "drweb: unknown argument '--chek-config'" in p.stderr and "usage: python -m drweb [--check-config]" in p.stderr


def test_readme_table_lists_every_variable_the_config_reads():
    read = set(re.findall(r'\b(?:get|need|num|flag|host)\("([A-Z_]+)"', (WEBAPP / "drweb" / "config.py").read_text()))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", (WEBAPP / "README.md").read_text(), re.M))
    assert len(read) > 20
    assert read == documented
