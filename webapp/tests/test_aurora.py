"""The Aurora Global Database mode (DB_ENGINE=aurora-postgresql): each region's app is
configured once, with its own cluster's endpoints, and follows a switchover or failover
at run time, with no deploy and no restart.

Real: two PostgreSQL servers of these tests standing in for the two member clusters (a
primary and its streaming replica; a switchover demotes one and promotes the other, as
Aurora does), the app with its own config loader, libpq connections and role checks.

Stand-in: the DNS of Aurora's endpoints, which does not run here. `AuroraDns` answers
what AWS documents for a global database's member clusters: each cluster's reader
endpoint resolves; its cluster (writer) endpoint resolves only while the cluster is the
global primary, and a secondary member's is inactive ("All secondary Regions also have
writer endpoints, but they're inactive", AWS Database Blog, "Automate Amazon Aurora
Global Database endpoint management"), a name that does not resolve ("lookup
...rds.amazonaws.com: no such host", gravitational/teleport#16079). It is given to the
app through create_app(resolver=...), the function the app resolves endpoints with in
production (drweb.db.resolve, socket.getaddrinfo).
"""
import json
import socket
import time

import pytest

from conftest import app_env, pg_bin, run_pg, wait_replayed, wait_streaming, wait_until
from drweb import Config, create_app, metrics

AURORA = "aurora-postgresql"


def endpoints(cluster_id, region):
    """(cluster endpoint, reader endpoint) in Aurora's shapes (Aurora User Guide, "Cluster
    endpoints" / "Reader endpoints for Amazon Aurora": mydbcluster.cluster-c7tj4example...,
    mydbcluster.cluster-ro-c7tj4example...)."""
    return (f"{cluster_id}.cluster-c9akciq32lzp.{region}.rds.amazonaws.com",
            f"{cluster_id}.cluster-ro-c9akciq32lzp.{region}.rds.amazonaws.com")


USE2 = endpoints("drweb-prod-use2-db-g1-cluster", "us-east-2")
USW1 = endpoints("drweb-prod-usw1-db-g1-cluster", "us-west-1")


class AuroraDns:
    """Stand-in for the DNS of Aurora endpoints (see the module doc): name -> addresses;
    a name it does not hold does not exist (getaddrinfo EAI_NONAME, as glibc answers
    NXDOMAIN); `fail` makes every lookup a resolver timeout (EAI_AGAIN)."""

    def __init__(self, names):
        self.names = dict(names)
        self.fail = False
        self.lookups = 0

    def __call__(self, host, port):
        self.lookups += 1
        if self.fail:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.names[host])

    def primary(self, active, inactive):
        """What a switchover or failover does to the endpoints: `active`'s cluster endpoint
        resolves to its (new) writer, `inactive`'s no longer resolves."""
        self.names[active[0]] = ["127.0.0.1"]
        self.names.pop(inactive[0], None)


@pytest.fixture
def aurora_app():
    """aurora_app(pg, region, (cluster endpoint, reader endpoint), dns, **ENV) -> (app, client):
    the app as the Aurora mode's stacks configure it, its database `pg` (both endpoints
    reach the one server of that "cluster": the tests' ports stand for the cluster)."""
    apps = []

    def make(pg, region, eps, dns, **extra):
        env = app_env(pg, pg, DB_ENGINE=AURORA, DRWEB_REGION=region, **extra)
        env["DB_WRITER_HOST"], env["DB_READER_HOST"] = eps
        app = create_app(Config.from_env(env), resolver=dns)
        apps.append(app)
        return app, app.test_client()

    yield make
    for app in apps:
        app.extensions["drweb"].close()


_pairs = iter(range(1, 10**6))


@pytest.fixture
def global_pair(cluster):
    """Two servers of their own: `use2` writable (the global primary's cluster), `usw1`
    streaming from it (the secondary member). Their roles change in the tests, so they
    are not the session's primary/replica."""
    n = next(_pairs)
    use2 = cluster.add(f"aurora{n}-use2").init_replica(cluster.primary).start()
    wait_streaming(cluster.primary, use2)
    use2.sql("SELECT pg_promote(wait => true, wait_seconds => 30)", dbname="postgres")
    usw1 = cluster.add(f"aurora{n}-usw1").init_replica(use2).start()
    wait_streaming(use2, usw1)
    yield use2, usw1
    for pg in (usw1, use2):
        pg.stop()


def normal_dns():
    return AuroraDns({USE2[0]: ["127.0.0.1"], USE2[1]: ["127.0.0.1"], USW1[1]: ["127.0.0.1"]})


def role_metric(region):
    """The drweb_db_role this process exposes for `region` (what the split-brain alert reads)."""
    return metrics.current_role(region)


def fast_stop(pg):
    """A clean shutdown: the WAL sender hands the standby everything up to the shutdown
    checkpoint, so the old primary can later follow the promoted one without a rewind."""
    run_pg([pg_bin("pg_ctl"), "-D", str(pg.dir), "-m", "fast", "-w", "stop"])
    pg.proc.wait(timeout=30)


def rejoin_as_secondary(old, new):
    """The old primary restarted as a reader of the new one (what a switchover does to
    the old primary cluster's instances): standby.signal, primary_conninfo to `new`."""
    with open(old.dir / "postgresql.auto.conf", "a") as f:
        f.write(f"\nprimary_conninfo = 'host=127.0.0.1 port={new.port} user=postgres'\n")
    (old.dir / "standby.signal").touch()
    old.start()
    wait_streaming(new, old)


def test_secondary_region_reads_its_role_through_the_reader_endpoint(aurora_app, global_pair):
    """Normal: us-west-1's cluster endpoint has no DNS name (inactive); the app there is a
    healthy read-only replica region, not an unreachable one, and reads its own cluster."""
    use2, usw1 = global_pair
    dns = normal_dns()
    _, east = aurora_app(use2, "us-east-2", USE2, dns)
    _, west = aurora_app(usw1, "us-west-1", USW1, dns)

    note = east.post("/api/notes", json={"title": "written in us-east-2"}).get_json()
    assert note["region"] == "us-east-2"
    wait_replayed(use2, usw1)

    ready = west.get("/readyz")
    assert ready.status_code == 200
    assert (ready.get_json()["db_role"], ready.get_json()["writable"]) == ("replica", False)
    assert role_metric("us-west-1") == 0
    refused = west.post("/api/notes", json={"title": "refused"})
    assert refused.status_code == 503
    assert refused.get_json()["db_role"] == "replica"
    assert west.get(f"/api/notes/{note['id']}").get_json() == note
    assert east.get("/readyz").get_json()["db_role"] == "writer"
    assert role_metric("us-east-2") == 1


@pytest.mark.parametrize("kind", ["switchover", "failover"])
def test_writes_move_to_the_new_primary_region_without_a_deploy_or_restart(aurora_app, global_pair, capsys, kind):
    """A managed switchover (the old primary demoted to a reader of the new one) or an
    unplanned failover (the old primary's region gone): the same two apps, configured
    once, end with us-west-1 accepting writes and exactly one region reporting writer."""
    use2, usw1 = global_pair
    dns = normal_dns()
    _, east = aurora_app(use2, "us-east-2", USE2, dns, DRWEB_ROLE_CACHE_SECONDS="0.5")
    _, west = aurora_app(usw1, "us-west-1", USW1, dns, DRWEB_ROLE_CACHE_SECONDS="0.5")
    before = east.post("/api/notes", json={"title": "before the switch"}).get_json()
    assert west.post("/api/notes", json={"title": "too early"}).status_code == 503
    assert east.get("/readyz").get_json()["db_role"] == "writer"  # east's writer connection is open

    if kind == "switchover":
        fast_stop(use2)  # writes stop on the old primary; everything is replicated
    else:
        use2.stop()  # immediate: the region is lost
    usw1.sql("SELECT pg_promote(wait => true, wait_seconds => 30)", dbname="postgres")
    dns.primary(active=USW1, inactive=USE2)
    t0 = time.monotonic()
    r = wait_until(lambda: (x := west.post("/api/notes", json={"title": "after the switch"})).status_code == 201 and x,
                   timeout=10, what="writes in us-west-1 after the switch")
    took = time.monotonic() - t0
    assert took < 0.5 + 2  # the role cache, then one check: no deploy, no restart
    assert r.get_json()["region"] == "us-west-1"
    ready = west.get("/readyz").get_json()
    assert (ready["db_role"], ready["writable"]) == ("writer", True)
    assert role_metric("us-west-1") == 1
    assert west.get(f"/api/notes/{before['id']}").get_json() == before  # nothing acknowledged was lost

    if kind == "switchover":
        rejoin_as_secondary(use2, usw1)
        wait_replayed(usw1, use2)
        # east's writer connection died with the restart; its cluster endpoint no longer
        # resolves: the role comes from its reader endpoint, a replica. Reads still work.
        refused = east.post("/api/notes", json={"title": "old primary region"})
        assert (refused.status_code, refused.get_json()["db_role"]) == (503, "replica")
        assert east.get("/readyz").get_json()["db_role"] == "replica"
        assert role_metric("us-east-2") == 0
        assert east.get(f"/api/notes/{r.get_json()['id']}").get_json() == r.get_json()
    else:
        # the lost region's app sees no database at all
        assert east.get("/readyz").get_json()["db_role"] == "unreachable"
        assert role_metric("us-east-2") == -1
    # DatabaseWritableInBothRegions counts regions whose role is 1: only one
    assert [role_metric(r) for r in ("us-east-2", "us-west-1")].count(1) == 1

    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    changes = [(e["region"], e["old"], e["new"]) for e in events if e.get("event") == "db_role_changed"]
    assert ("us-west-1", "replica", "writer") in changes
    assert ("us-east-2", "writer", "replica" if kind == "switchover" else "unreachable") in changes


def test_a_live_writer_connection_is_dropped_when_the_cluster_endpoint_stops_naming_it(aurora_app, global_pair):
    """The cluster endpoint goes inactive while the old writer still runs and accepts
    writes (a pooled connection outliving the role change): the app resolves the endpoint
    at each role check, drops the connection and refuses writes; nothing reaches the old
    writer. Its reader endpoint answering as a writer is not a state of a secondary
    member: unreachable, not replica."""
    use2, _ = global_pair
    dns = normal_dns()
    app, east = aurora_app(use2, "us-east-2", USE2, dns, DRWEB_ROLE_CACHE_SECONDS="0")
    assert east.post("/api/notes", json={"title": "while primary"}).status_code == 201
    count = use2.sql("SELECT count(*) FROM notes")[0][0]

    dns.names.pop(USE2[0])
    r = east.post("/api/notes", json={"title": "through a stale connection"})
    assert r.status_code == 503
    assert r.get_json()["db_role"] == "unreachable"
    assert use2.sql("SELECT count(*) FROM notes")[0][0] == count
    ready = east.get("/readyz")
    assert ready.status_code == 503
    assert "has no DNS record" in ready.get_json()["error"] and "answers as a writer" in ready.get_json()["error"]
    assert role_metric("us-east-2") == -1


def test_a_resolver_that_does_not_answer_keeps_a_working_writer_connection(aurora_app, global_pair):
    """EAI_AGAIN is not NXDOMAIN: a resolver hiccup must not demote the primary region."""
    use2, _ = global_pair
    dns = normal_dns()
    _, east = aurora_app(use2, "us-east-2", USE2, dns, DRWEB_ROLE_CACHE_SECONDS="0")
    assert east.post("/api/notes", json={"title": "connected"}).status_code == 201
    dns.fail = True
    lookups = dns.lookups
    assert east.post("/api/notes", json={"title": "resolver down"}).status_code == 201
    assert dns.lookups > lookups  # the role check did try to resolve
    assert east.get("/readyz").get_json()["db_role"] == "writer"


def test_rds_mode_does_not_read_a_missing_writer_name_as_a_secondary(make_app, cluster):
    """DB_ENGINE=postgres (RDS): an instance endpoint always has a name, so a missing one
    is an outage (unreachable, naming the host), never a replica through the reader."""
    app, client = make_app(reader=cluster.replica)
    db = app.extensions["drweb"]
    db._resolver = AuroraDns({})  # the writer name (127.0.0.1 in app_env) resolves to nothing
    db._drop("writer")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["db_role"] == "unreachable"
    assert "127.0.0.1 has no DNS record" in ready.get_json()["error"]
