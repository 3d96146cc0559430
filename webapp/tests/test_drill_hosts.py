"""DRWEB_DRILL_HOSTS_FILE (drweb/drill_hosts.py): the local drill's stand-in for the DNS
of Aurora's endpoints. The drill "moves" the cluster endpoints by rewriting the file; the
app, started once, must follow the change with no restart, exactly as it follows DNS in
production (drweb.db.resolve, unchanged: the variable unset means getaddrinfo).

Real: two PostgreSQL servers (a writer and its streaming replica), the app with its own
config loader and resolver. Nothing is stubbed: the file is the drill's interface."""
import json
import os
import socket

import pytest

from conftest import app_env, wait_until
from drweb import Config, ConfigError, create_app
from drweb.db import resolve
from drweb.drill_hosts import HostsFileResolver
from test_aurora import USE2, USW1, global_pair  # noqa: F401  (the fixture)

AURORA = "aurora-postgresql"


def write_hosts(path, names):
    """Atomically, as the drill writes it (a reader never sees half a file)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"names": names}, f)
    os.replace(tmp, path)


@pytest.fixture
def hosts_app(tmp_path):
    apps = []

    def make(pg, region, eps, hosts, **extra):
        env = app_env(pg, pg, DB_ENGINE=AURORA, DRWEB_REGION=region, DRWEB_DRILL_HOSTS_FILE=str(hosts), **extra)
        env["DB_WRITER_HOST"], env["DB_READER_HOST"] = eps
        app = create_app(Config.from_env(env))  # no resolver given: the app picks the hosts file itself
        apps.append(app)
        return app, app.test_client()

    yield make
    for app in apps:
        app.extensions["drweb"].close()


def test_a_region_follows_its_cluster_endpoint_appearing_in_the_hosts_file(hosts_app, global_pair, tmp_path):  # noqa: F811
    use2, usw1 = global_pair
    hosts = tmp_path / "hosts.json"
    # Normal: us-west-1's cluster endpoint has no DNS name (a secondary member).
    write_hosts(hosts, {USE2[0]: ["127.0.0.1"], USE2[1]: ["127.0.0.1"], USW1[0]: None, USW1[1]: ["127.0.0.1"]})
    _, west = hosts_app(usw1, "us-west-1", USW1, hosts, DRWEB_ROLE_CACHE_SECONDS="0")
    ready = west.get("/readyz").get_json()
    assert (ready["db_role"], ready["writable"]) == ("replica", False)
    assert west.post("/api/notes", json={"title": "too early"}).status_code == 503

    usw1.sql("SELECT pg_promote(wait => true, wait_seconds => 30)", dbname="postgres")
    # Still refused: the endpoint has not moved (the role comes from the reader endpoint... which now writes: unreachable).
    assert west.post("/api/notes", json={"title": "endpoint not moved"}).status_code == 503
    write_hosts(hosts, {USE2[0]: None, USE2[1]: ["127.0.0.1"], USW1[0]: ["127.0.0.1"], USW1[1]: ["127.0.0.1"]})
    r = wait_until(lambda: (x := west.post("/api/notes", json={"title": "after the move"})).status_code == 201 and x,
                   timeout=10, what="writes once the cluster endpoint resolves")
    assert r.get_json()["region"] == "us-west-1"
    assert west.get("/readyz").get_json()["db_role"] == "writer"


def test_a_writer_stops_writing_when_its_cluster_endpoint_leaves_the_hosts_file(hosts_app, global_pair, tmp_path):  # noqa: F811
    use2, _ = global_pair
    hosts = tmp_path / "hosts.json"
    write_hosts(hosts, {USE2[0]: ["127.0.0.1"], USE2[1]: ["127.0.0.1"]})
    _, east = hosts_app(use2, "us-east-2", USE2, hosts, DRWEB_ROLE_CACHE_SECONDS="0")
    assert east.post("/api/notes", json={"title": "while primary"}).status_code == 201
    write_hosts(hosts, {USE2[1]: ["127.0.0.1"]})
    r = east.post("/api/notes", json={"title": "after the endpoint left"})
    assert (r.status_code, r.get_json()["db_role"]) == (503, "unreachable")


def test_an_unreadable_file_is_a_resolver_that_does_not_answer_not_a_missing_name(tmp_path):
    hosts = tmp_path / "hosts.json"
    hosts.write_text('{"names": {"a.example": ["127.0.0.1"]}')  # cut short
    with pytest.raises(socket.gaierror) as e:
        HostsFileResolver(str(hosts))("a.example", 5432)
    assert e.value.errno == socket.EAI_AGAIN
    write_hosts(hosts, {"a.example": ["127.0.0.1"], "b.example": None})
    r = HostsFileResolver(str(hosts))
    assert r("a.example", 5432) == ["127.0.0.1"]
    for name in ("b.example", "c.example"):
        with pytest.raises(socket.gaierror) as e:
            r(name, 5432)
        assert e.value.errno == socket.EAI_NONAME


def test_production_resolves_with_dns_and_a_bad_path_is_named(tmp_path):
    env = app_env(5432, DB_ENGINE=AURORA, DB_READER_HOST="reader.example")
    app = create_app(Config.from_env(env))
    try:
        assert app.extensions["drweb"]._resolver is resolve  # unset: getaddrinfo, as before
    finally:
        app.extensions["drweb"].close()
    with pytest.raises(ConfigError) as e:
        Config.from_env({**env, "DRWEB_DRILL_HOSTS_FILE": str(tmp_path / "missing.json")})
    assert "DRWEB_DRILL_HOSTS_FILE" in str(e.value) and "not a readable file" in str(e.value)
