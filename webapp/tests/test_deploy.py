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


