"""Fixtures: a real PostgreSQL 15 primary and streaming replica(s) on 127.0.0.1.

PostgreSQL refuses to run as root, so as root every server command runs as the
`postgres` user (runuser) in a /tmp folder that user owns.
"""
import atexit
import os
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

WEBAPP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(WEBAPP))

from drweb import Config, create_app  # noqa: E402

APP_USER = "drweb"
APP_PASSWORD = "drweb-test-pw-7Q"
IS_ROOT = os.geteuid() == 0


def pg_bin(name):
    for d in (os.environ.get("PG_BIN"), "/usr/lib/postgresql/15/bin", "/usr/local/bin"):
        if d and os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name!r} not found; set PG_BIN")
    return found


class ReservedPort:
    """A loopback port held for a server of these tests, from before it starts until after it stops.

    Choosing a port by binding port 0, closing the socket and handing the number on (the old
    free_port) left it to anyone until the server bound it: another process's bind(0) (the drill's
    servers, vitest's, a second PostgreSQL) could take it first. This socket keeps it bound to
    127.0.0.1 with SO_REUSEADDR and never listens: the kernel gives it to no other bind(0) or
    connect(), a connection to it is refused while no server listens, and a server that sets
    SO_REUSEADDR (PostgreSQL, gunicorn, http.server) binds and listens on it, per socket(7):
    "a socket may bind, except when there is an active listening socket bound to the address".
    PostgreSQL cannot bind port 0; a gunicorn could, but these tests need both of its ports
    before it starts (its environment). The drill does the same (scripts/drill/ports.ts).
    """

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # not inherited by child processes (PEP 446)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self.port

    def __exit__(self, *exc):
        self.close()


def reserve_port():
    """with reserve_port() as port: a port held for a server of the test (ReservedPort)."""
    return ReservedPort()


def as_pg(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd


def run_pg(cmd, timeout=60):
    p = subprocess.run(as_pg(cmd), capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


class Pg:
    def __init__(self, base, name):
        self.name = name
        self.dir = base / name
        self.log = base / f"{name}.log"
        self.reserved = ReservedPort()  # held until teardown, also while the server is stopped
        self.port = self.reserved.port
        self.proc = None

    def init_primary(self):
        run_pg([pg_bin("initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync"])
        with open(self.dir / "postgresql.conf", "a") as f:
            f.write("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                    "wal_level = replica\nmax_wal_senders = 10\nwal_keep_size = '128MB'\n"
                    "hot_standby = on\nfsync = off\nshared_buffers = '32MB'\nmax_connections = 100\n")
        with open(self.dir / "pg_hba.conf", "w") as f:
            f.write("host replication postgres 127.0.0.1/32 trust\n"
                    "host all postgres 127.0.0.1/32 trust\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n")
        return self

    def init_replica(self, primary):
        run_pg([pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                "-D", str(self.dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        return self

    def start(self):
        """Run the postmaster as our child (not daemonised by pg_ctl) so that we
        reap it: no orphaned or zombie postgres process outlives the tests."""
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(as_pg([pg_bin("postgres"), "-D", str(self.dir), "-p", str(self.port)]),
                                         stdout=log, stderr=subprocess.STDOUT)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                self.admin("postgres").close()
                return True
            except psycopg.OperationalError:
                return False

        wait_until(ready, timeout=30, what=f"{self.name} to accept connections")
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(as_pg([pg_bin("pg_ctl"), "-D", str(self.dir), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def admin(self, dbname="drweb"):
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname,
                               autocommit=True, connect_timeout=5)

    def sql(self, query, params=None, dbname="drweb"):
        with self.admin(dbname) as c:
            cur = c.execute(query, params)
            return cur.fetchall() if cur.description else None


class Cluster:
    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="drweb-pg-", dir="/tmp"))
        os.chmod(self.base, 0o755)
        if IS_ROOT:
            shutil.chown(self.base, "postgres", "postgres")
        self.servers = []
        self.primary = self.replica = None

    def add(self, name):
        pg = Pg(self.base, name)
        self.servers.append(pg)
        return pg

    def make_replica(self, name):
        pg = self.add(name).init_replica(self.primary).start()
        wait_streaming(self.primary, pg)
        return pg

    def teardown(self):
        for pg in reversed(self.servers):
            try:
                pg.stop()
            except Exception as e:  # keep tearing down the others
                print(f"stopping {pg.name} failed: {e}", file=sys.stderr)
            pg.reserved.close()
        shutil.rmtree(self.base, ignore_errors=True)


def stop_process(proc, timeout=20):
    """SIGTERM, wait up to timeout seconds, then SIGKILL: a test's server never outlives it."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until(check, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def wait_streaming(primary, replica):
    wait_until(lambda: replica.sql("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'",
                                   dbname="postgres")[0][0] == 1, what=f"{replica.name} to stream")


def wait_replayed(primary, replica):
    lsn = primary.sql("SELECT pg_current_wal_lsn()::text", dbname="postgres")[0][0]
    wait_until(lambda: replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), dbname="postgres")[0][0],
               what=f"{replica.name} to replay {lsn}")


@pytest.fixture(scope="session")
def cluster():
    c = Cluster()
    atexit.register(c.teardown)  # also on an interrupted run
    try:
        c.primary = c.add("primary").init_primary().start()
        c.primary.sql(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'", dbname="postgres")
        c.primary.sql(f"CREATE DATABASE drweb OWNER {APP_USER}", dbname="postgres")
        c.replica = c.make_replica("replica")
        yield c
    finally:
        c.teardown()


def app_env(writer, reader=None, **extra):
    env = {
        "DRWEB_REGION": "us-east-2",
        "DRWEB_INSTANCE_ID": "i-test",
        "DB_WRITER_HOST": "127.0.0.1",
        "DB_PORT": str(writer if isinstance(writer, int) else writer.port),
        "DB_USER": APP_USER,
        "DB_PASSWORD": APP_PASSWORD,
        "DB_AUTH": "password",
        "DB_SSLMODE": "disable",
        "DRWEB_ROLE_POLL_SECONDS": "0",
    }
    if reader is not None:
        env["DB_READER_HOST"] = "127.0.0.1"
        env["DB_READER_PORT"] = str(reader if isinstance(reader, int) else reader.port)
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def unused_port():
    """A port nothing listens on for the whole test (held, never listening: a connection is refused)."""
    with reserve_port() as port:
        yield port


@pytest.fixture
def make_app(cluster):
    """make_app(writer=Pg|port, reader=None, secrets_client=None, **ENV) -> (flask app, test client)."""
    apps = []

    def make(writer=None, reader=None, secrets_client=None, **extra):
        env = app_env(writer or cluster.primary, reader, **extra)
        app = create_app(Config.from_env(env), secrets_client=secrets_client)
        apps.append(app)
        return app, app.test_client()

    yield make
    for app in apps:
        app.extensions["drweb"].close()


@pytest.fixture
def client(make_app):
    """An app whose writer and reader are both the primary."""
    return make_app()[1]
