"""/healthz (ALB liveness) and /readyz (Route53 deep readiness) against real servers."""
import psycopg
import pytest

READY_KEYS = {"status", "region", "instance", "db_role", "writable", "reader_ok"}


def test_healthz_never_touches_the_database(make_app, monkeypatch, unused_port):
    calls = []
    real_connect = psycopg.connect
    monkeypatch.setattr(psycopg, "connect", lambda *a, **k: calls.append(k) or real_connect(*a, **k))
    _, client = make_app(writer=unused_port)  # nothing listens there: the DB is down
    for _ in range(3):
        r = client.get("/healthz")
        assert r.status_code == 200
        assert r.get_json() == {"status": "ok"}
    assert calls == []
    assert client.get("/readyz").status_code == 503  # the same app does see the DB as down
    assert len(calls) == 1


def test_readyz_on_the_primary_is_a_ready_writer(make_app, cluster):
    _, client = make_app(writer=cluster.primary, reader=cluster.replica)
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "region": "us-east-2", "instance": "i-test",
                            "db_role": "writer", "writable": True, "reader_ok": True}


def test_readyz_on_a_replica_is_ready_but_not_writable(make_app, cluster):
    _, client = make_app(writer=cluster.replica, DRWEB_REGION="us-west-1")
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["db_role"], body["writable"], body["reader_ok"], body["region"]) == ("replica", False, True, "us-west-1")


def test_readyz_requiring_writable_rejects_a_replica(make_app, cluster):
    _, on_replica = make_app(writer=cluster.replica, DRWEB_READY_REQUIRE_WRITABLE="true")
    r = on_replica.get("/readyz")
    assert r.status_code == 503
    assert set(r.get_json()) == READY_KEYS | {"error"}
    assert r.get_json()["db_role"] == "replica"
    assert "DRWEB_READY_REQUIRE_WRITABLE" in r.get_json()["error"]
    _, on_primary = make_app(DRWEB_READY_REQUIRE_WRITABLE="true")
    assert on_primary.get("/readyz").status_code == 200


def test_readyz_with_the_database_down_is_503(make_app, unused_port):
    _, client = make_app(writer=unused_port, DB_CONNECT_TIMEOUT=2)
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert set(body) == READY_KEYS | {"error"}
    assert (body["status"], body["db_role"], body["writable"], body["reader_ok"]) == ("unavailable", "unreachable", False, False)
    assert body["error"].startswith("writer database unreachable")
    # writes are refused cleanly, never a 500
    w = client.post("/api/notes", json={"title": "t"})
    assert w.status_code == 503 and w.get_json()["db_role"] == "unreachable"
    assert client.get("/api/notes").status_code == 503


def test_readyz_with_a_wrong_password_is_503(make_app):
    _, client = make_app(DB_PASSWORD="not-the-password")
    r = client.get("/readyz")
    assert r.status_code == 503
    assert "OperationalError" in r.get_json()["error"]


def test_reader_down_degrades_reads_to_the_writer(make_app, cluster, unused_port):
    _, client = make_app(writer=cluster.primary, reader=unused_port)
    r = client.get("/readyz")
    assert r.status_code == 200
    assert (r.get_json()["db_role"], r.get_json()["reader_ok"]) == ("writer", False)
    created = client.post("/api/notes", json={"title": "via writer"}).get_json()
    got = client.get(f"/api/notes/{created['id']}")
    assert got.status_code == 200 and got.get_json()["title"] == "via writer"


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("false", False), ("0", False)])
def test_require_writable_flag_parsing(make_app, cluster, value, expected):
    app, client = make_app(writer=cluster.replica, DRWEB_READY_REQUIRE_WRITABLE=value)
    assert client.get("/readyz").status_code == (503 if expected else 200)


def test_a_hung_reader_cannot_stall_readyz(make_app, cluster):
    """A reader endpoint that accepts TCP but never answers (a black-holed
    instance) must not push /readyz past Route53's ~2 s response deadline."""
    import socket
    import time

    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)  # the kernel completes handshakes; nothing ever replies
    try:
        _, client = make_app(writer=cluster.primary, reader=hung.getsockname()[1])
        for _ in range(2):
            t0 = time.monotonic()
            r = client.get("/readyz")
            assert time.monotonic() - t0 < 1.5
            assert r.status_code == 200
            assert (r.get_json()["db_role"], r.get_json()["reader_ok"]) == ("writer", False)
    finally:
        hung.close()
