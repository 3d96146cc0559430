"""/readyz?wal=1: WAL positions for the dr runbook's RPO-0 checks (docs/dr-runbook.md),
against the real primary and streaming replica of the fixtures."""
from conftest import APP_USER, wait_replayed, wait_until


def lsn_value(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def test_readyz_without_wal_has_no_positions(make_app, cluster):
    _, client = make_app(writer=cluster.replica)
    assert "wal" not in client.get("/readyz").get_json()


def test_readyz_wal_on_the_writer_reports_its_current_position(make_app, cluster):
    _, client = make_app(writer=cluster.primary)
    before = cluster.primary.sql("SELECT pg_current_wal_lsn()::text", dbname="postgres")[0][0]
    body = client.get("/readyz?wal=1").get_json()
    wal = body["wal"]
    assert body["db_role"] == "writer"
    assert wal["in_recovery"] is False
    assert lsn_value(wal["lsn"]) >= lsn_value(before)
    assert wal["replay_paused"] is None
    assert wal["receiver_status"] is None and wal["sender_lsn"] is None


def test_readyz_wal_on_a_replica_without_pg_read_all_stats_has_no_receiver_detail(make_app, cluster):
    _, client = make_app(writer=cluster.replica)
    wal = client.get("/readyz?wal=1").get_json()["wal"]
    assert wal["in_recovery"] is True and wal["lsn"] is None
    assert wal["replay_lsn"] is not None and wal["receive_lsn"] is not None
    assert wal["replay_paused"] is False
    # PostgreSQL shows the WAL receiver's columns only to pg_read_all_stats: null, not an error.
    assert (wal["receiver_status"], wal["sender_lsn"], wal["last_message_age_s"]) == (None, None, None)


def test_readyz_wal_on_a_replica_reports_replay_the_sender_and_a_pause(make_app, cluster):
    cluster.primary.sql(f"GRANT pg_read_all_stats TO {APP_USER}", dbname="postgres")
    try:
        wait_replayed(cluster.primary, cluster.replica)  # the GRANT has reached the replica
        _, writer = make_app(writer=cluster.primary)
        _, client = make_app(writer=cluster.replica, DRWEB_REGION="us-west-1")
        assert writer.post("/api/notes", json={"title": "wal"}).status_code == 201
        source = lsn_value(cluster.primary.sql("SELECT pg_current_wal_lsn()::text", dbname="postgres")[0][0])

        def caught_up():
            wal = client.get("/readyz?wal=1").get_json()["wal"]
            return wal if wal["sender_lsn"] and lsn_value(wal["replay_lsn"]) >= source and lsn_value(wal["sender_lsn"]) >= source else None

        wal = wait_until(caught_up, what="the replica to report the source's position as replayed")
        assert wal["receiver_status"] == "streaming"
        assert lsn_value(wal["receive_lsn"]) >= lsn_value(wal["replay_lsn"])
        assert 0 <= wal["last_message_age_s"] < 60
        assert wal["receiver_timeout_s"] == 60.0
        assert wal["replay_paused"] is False

        # A paused replay is reported (the runbook refuses to switch over to it) while WAL keeps arriving.
        cluster.replica.sql("SELECT pg_wal_replay_pause()", dbname="postgres")
        try:
            assert writer.post("/api/notes", json={"title": "while paused"}).status_code == 201
            paused = wait_until(lambda: (w := client.get("/readyz?wal=1").get_json()["wal"])["replay_paused"] and
                                lsn_value(w["receive_lsn"]) > lsn_value(w["replay_lsn"]) and w, what="a paused replay behind its WAL")
            assert paused["replay_paused"] is True
        finally:
            cluster.replica.sql("SELECT pg_wal_replay_resume()", dbname="postgres")
        wait_replayed(cluster.primary, cluster.replica)
    finally:
        cluster.primary.sql(f"REVOKE pg_read_all_stats FROM {APP_USER}", dbname="postgres")
        wait_replayed(cluster.primary, cluster.replica)
