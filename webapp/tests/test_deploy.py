"""The deployment files the infrastructure ships to the instances (an S3 archive fetched by user data)."""
import configparser
import importlib.metadata
import os
import re
import subprocess

from conftest import WEBAPP

DEPLOY = WEBAPP / "deploy"


def unit():
    p = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    p.optionxform = str
    p.read(DEPLOY / "drweb.service")
    return p


def test_systemd_unit_runs_gunicorn_as_an_unprivileged_hardened_service():
    u = unit()
    s = u["Service"]
    assert s["ExecStart"].split()[:3] == ["/opt/drweb/venv/bin/gunicorn", "--config", "/opt/drweb/src/deploy/gunicorn.conf.py"]
    assert s["ExecStart"].split()[-1] == "drweb.wsgi:app"
    assert (s["User"], s["Group"]) == ("drweb", "drweb")
    assert s["Restart"] == "always"
    assert s["RuntimeDirectory"] == "drweb"
    assert "PROMETHEUS_MULTIPROC_DIR=/run/drweb/metrics" in open(DEPLOY / "drweb.service").read()
    assert "EnvironmentFile=/etc/drweb/drweb.env" in open(DEPLOY / "drweb.service").read()
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes"}.items():
        assert s[key] == value, key
    assert u["Install"]["WantedBy"] == "multi-user.target"


def test_install_script_checks_its_preconditions():
    text = (DEPLOY / "install.sh").read_text()
    assert "set -euo pipefail" in text
    assert subprocess.run(["bash", "-n", str(DEPLOY / "install.sh")]).returncode == 0
    # with no bundle at DRWEB_SRC it stops before changing anything (or, not root, refuses)
    p = subprocess.run(["bash", str(DEPLOY / "install.sh")], env={**os.environ, "DRWEB_SRC": "/nonexistent/drweb"},
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    expected = "must run as root" if os.geteuid() else "missing /nonexistent/drweb/drweb/app.py"
    assert expected in p.stderr


def test_requirements_are_pinned_and_match_what_is_tested():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (WEBAPP / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if not line or line.startswith("-r "):
                continue
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[a-z,]+\])?==([0-9][0-9A-Za-z.+\-]*)", line)
            assert m, f"{name}: not pinned with ==: {line}"
            assert importlib.metadata.version(m.group(1)) == m.group(3), line




# --- deploy/install.sh, run for real -------------------------------------------------------
# systemd cannot run in this container, so systemctl and journalctl are stand-ins that
# record their calls (journalctl prints a marker line), and curl (the health probe and
# IMDS) answers as the scenario says. Everything else is real: the venv is built by pip
# from the wheel archive the stacks ship (`npm run wheels`), offline and hash-checked, and
# the pre-start check is the app's own `python -m drweb --check-config`, run as the
# service user with the environment file's lines.
import shutil  # noqa: E402
import sys  # noqa: E402
import tarfile  # noqa: E402

import pytest  # noqa: E402

WHEEL_ARCHIVE = WEBAPP / ".wheelhouse" / "wheels.tar"
GOOD_ENV = {"DRWEB_REGION": "us-east-2", "DRWEB_INSTANCE_ID": "i-0123456789abcdef0", "DB_WRITER_HOST": "db.example.internal",
            "DB_USER": "drweb", "DB_PASSWORD": "pw", "DRWEB_PORT": "8080", "DRWEB_METRICS_PORT": "9102"}


@pytest.fixture(scope="module")
def wheels_dir(tmp_path_factory):
    assert WHEEL_ARCHIVE.is_file(), f"{WHEEL_ARCHIVE} is missing: run `npm run wheels` (bash scripts/setup-tools.sh does)"
    d = tmp_path_factory.mktemp("wheels")
    with tarfile.open(WHEEL_ARCHIVE) as t:
        t.extractall(d)
    return d


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory):
    return tmp_path_factory.mktemp("venv-shared") / "venv"


def install(tmp_path, wheels, venv, env, healthy):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copytree(WEBAPP / "drweb", src / "drweb", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(DEPLOY, src / "deploy")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "drweb.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    stubs = tmp_path / "bin"
    stubs.mkdir()
    calls = tmp_path / "calls.log"
    for name, extra in (("systemctl", ""), ("journalctl", "echo 'JOURNAL: gunicorn: drweb: configuration error'"), ("curl", f"exit {0 if healthy else 7}")):
        (stubs / name).write_text(f"#!/bin/bash\necho \"{name} $*\" >> {calls}\n{extra}\n")
        (stubs / name).chmod(0o755)
    assert os.geteuid() == 0, "install.sh runs as root (the tests run as root, as CI does)"
    python = shutil.which("python3.11") or sys.executable
    run_env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "DRWEB_SRC": str(src), "DRWEB_VENV": str(venv),
               "DRWEB_WHEELS": str(wheels), "DRWEB_ETC": str(etc), "DRWEB_UNIT": str(tmp_path / "drweb.service"),
               "DRWEB_USER": "root", "DRWEB_PYTHON": python, "DRWEB_HEALTH_WAIT_SECONDS": "2",
               # any attempt to reach an index would fail: the install must not need one
               "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    p = subprocess.run(["bash", str(DEPLOY / "install.sh")], env=run_env, capture_output=True, text=True, timeout=600)
    return p, (calls.read_text() if calls.exists() else "")


def test_install_refuses_a_bad_environment_before_starting_the_service(tmp_path, wheels_dir, shared_venv):
    env = {**GOOD_ENV, "DB_AUTH": "secretsmanager", "DB_SECRET_ARN_TYPO": "x"}
    p, calls = install(tmp_path, wheels_dir, shared_venv, env, healthy=True)
    assert p.returncode == 1, p.stderr
    assert "drweb: configuration error: 2 problems in the environment:" in p.stderr
    assert "DB_SECRET_ID is required when DB_AUTH=secretsmanager" in p.stderr
    assert "DB_SECRET_ARN_TYPO is set but drweb does not read it" in p.stderr
    assert "drweb.service was not started" in p.stderr
    assert "restart" not in calls and "enable" not in calls


def test_install_prints_the_journal_and_fails_when_the_service_never_gets_healthy(tmp_path, wheels_dir, shared_venv):
    p, calls = install(tmp_path, wheels_dir, shared_venv, GOOD_ENV, healthy=False)
    assert p.returncode == 1
    assert "systemctl restart drweb.service" in calls
    assert "journalctl -u drweb.service" in calls and "JOURNAL: gunicorn: drweb: configuration error" in p.stderr
    assert "drweb did not become healthy on port 8080" in p.stderr


def test_install_builds_the_venv_offline_from_the_shipped_wheels_and_starts(tmp_path, wheels_dir, shared_venv):
    p, calls = install(tmp_path, wheels_dir, shared_venv, GOOD_ENV, healthy=True)
    assert p.returncode == 0, p.stderr
    assert "drweb: configuration ok (region us-east-2" in p.stderr and "drweb is up on port 8080" in p.stderr
    assert "systemctl restart drweb.service" in calls
    check = subprocess.run([str(shared_venv / "bin" / "python"), "-c", "import flask, gunicorn, psycopg, boto3, prometheus_client; "
                            "print(psycopg.pq.__impl__)"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and check.stdout.strip() == "binary", check.stderr


def test_install_refuses_an_altered_wheel_and_never_falls_back_to_pypi(tmp_path, wheels_dir):
    altered = tmp_path / "wheels"
    shutil.copytree(wheels_dir, altered)
    victim = next(altered.glob("flask-*.whl"))
    victim.write_bytes(victim.read_bytes() + b"\0")
    p, calls = install(tmp_path, altered, tmp_path / "venv", GOOD_ENV, healthy=True)
    assert p.returncode == 1
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in p.stderr
    assert "never falls back to PyPI" in p.stderr
    assert not (tmp_path / "venv").exists() and calls == ""


def test_the_lock_pins_exactly_the_requirements_with_one_hash_each():
    def pins(text):
        text = text.replace("\\\n", " ")
        out = {}
        for line in text.splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                name, version = line.split()[0].split("==")
                out[re.sub(r"[-_.]+", "-", name.lower())] = version
        return out
    lock_text = (DEPLOY / "requirements.lock").read_text()
    assert pins(lock_text) == pins((WEBAPP / "requirements.txt").read_text())
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", lock_text)) == len(pins(lock_text))
