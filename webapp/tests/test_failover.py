"""DR behaviour: reads on the reader, read-only mode on a replica, promotion
without restart, writes racing a role change, and reconnection."""
import json
import time

import pytest

from conftest import wait_replayed, wait_until


def test_reads_go_to_the_reader_endpoint(make_app, cluster):
    """With replay paused on the replica, a note just written through the writer
    is invisible to reads, proving they are served by the reader endpoint."""
    _, client = make_app(writer=cluster.primary, reader=cluster.replica)
    first = client.post("/api/notes", json={"title": "before pause"}).get_json()
    wait_replayed(cluster.primary, cluster.replica)
    assert client.get(f"/api/notes/{first['id']}").status_code == 200

    cluster.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        wait_until(lambda: cluster.replica.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused")
        r = client.post("/api/notes", json={"title": "during pause"})
        assert r.status_code == 201
        note = r.get_json()
        assert client.get(f"/api/notes/{note['id']}").status_code == 404
        assert note["id"] not in [n["id"] for n in client.get("/api/notes?limit=100").get_json()["notes"]]
    finally:
        cluster.replica.sql("SELECT pg_wal_replay_resume()")
    wait_replayed(cluster.primary, cluster.replica)
    got = client.get(f"/api/notes/{note['id']}")
    assert got.status_code == 200 and got.get_json() == note


def test_replica_as_writer_endpoint_is_read_only(make_app, cluster):
    _, primary_client = make_app()
    note = primary_client.post("/api/notes", json={"title": "replicated"}).get_json()
    wait_replayed(cluster.primary, cluster.replica)

    _, client = make_app(writer=cluster.replica, DRWEB_REGION="us-west-1")
    assert client.get(f"/api/notes/{note['id']}").get_json() == note
    assert client.get("/api/notes").status_code == 200
    before = cluster.replica.sql("SELECT count(*) FROM notes")[0][0]
    r = client.post("/api/notes", json={"title": "refused"})
    assert r.status_code == 503
    body = r.get_json()
    assert body["db_role"] == "replica"
    assert body["error"].startswith("read-only: this region's database is a replica")
    assert client.post("/api/notes", json={"title": "refused again"}).status_code == 503
    wait_replayed(cluster.primary, cluster.replica)
    assert cluster.replica.sql("SELECT count(*) FROM notes")[0][0] == before


def test_promotion_makes_the_app_writable_without_restart(make_app, cluster, capsys):
    _, primary_client = make_app()
    primary_client.post("/api/notes", json={"title": "schema exists"})  # schema before the backup
    standby = cluster.make_replica("standby-promote")
    try:
        _, client = make_app(writer=standby, DRWEB_REGION="us-west-1", DRWEB_ROLE_CACHE_SECONDS="0.5")
        assert client.post("/api/notes", json={"title": "before"}).status_code == 503
        assert client.get("/readyz").get_json()["db_role"] == "replica"

        standby.sql("SELECT pg_promote(wait => true, wait_seconds => 30)")
        t0 = time.monotonic()
        r = wait_until(lambda: (x := client.post("/api/notes", json={"title": "after"})).status_code == 201 and x,
                       timeout=10, what="writes after promotion")
        assert time.monotonic() - t0 < 5
        assert r.get_json()["region"] == "us-west-1"
        ready = client.get("/readyz").get_json()
        assert (ready["db_role"], ready["writable"]) == ("writer", True)

        events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        changes = [e for e in events if e.get("event") == "db_role_changed"]
        assert any(e["msg"] == "db role changed replica -> writer" and e["region"] == "us-west-1" for e in changes)
    finally:
        standby.stop()


def test_write_racing_a_role_change_is_503_not_500(make_app, cluster):
    """The role is cached as writer when the database turns read-only under the
    app: the INSERT fails with ReadOnlySqlTransaction and must map to 503."""
    app, client = make_app(DRWEB_ROLE_CACHE_SECONDS="600")
    assert client.post("/api/notes", json={"title": "while writable"}).status_code == 201
    cluster.primary.sql("ALTER SYSTEM SET default_transaction_read_only = on", dbname="postgres")
    cluster.primary.sql("SELECT pg_reload_conf()", dbname="postgres")
    try:
        wait_until(lambda: cluster.primary.sql("SHOW default_transaction_read_only")[0][0] == "on")
        time.sleep(0.2)  # the app's backend applies the reload at its next command
        r = client.post("/api/notes", json={"title": "raced"})
        assert r.status_code == 503
        assert r.get_json()["error"].startswith("read-only")
        assert r.get_json()["db_role"] == "replica"
    finally:
        cluster.primary.sql("ALTER SYSTEM RESET default_transaction_read_only", dbname="postgres")
        cluster.primary.sql("SELECT pg_reload_conf()", dbname="postgres")
    wait_until(lambda: cluster.primary.sql("SHOW default_transaction_read_only")[0][0] == "off")


@pytest.mark.parametrize("separate_reader", [False, True])
def test_reconnects_after_the_server_drops_connections(make_app, cluster, separate_reader):
    reader = cluster.replica if separate_reader else None
    _, client = make_app(reader=reader, DRWEB_ROLE_CACHE_SECONDS="600")  # role cached: no re-check to hide a dead link
    note = client.post("/api/notes", json={"title": "before drop"}).get_json()
    if reader:
        wait_replayed(cluster.primary, cluster.replica)
    assert client.get(f"/api/notes/{note['id']}").status_code == 200

    for server in {cluster.primary, reader} - {None}:
        killed = server.sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'drweb'")[0][0]
        assert killed >= 1
        wait_until(lambda: server.sql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'drweb'")[0][0] == 0)

    assert client.get(f"/api/notes/{note['id']}").status_code == 200
    assert client.post("/api/notes", json={"title": "after drop"}).status_code == 201
    assert client.get("/readyz").status_code == 200
