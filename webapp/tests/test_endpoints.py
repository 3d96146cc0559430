"""DB_ENDPOINTS_PARAMETER (Aurora mode): the app takes its database endpoints from the region's
endpoints parameter when it starts (drweb/endpoints.py), fails closed, and under gunicorn every
worker of one instance uses the value the master read.

AWS SSM cannot run on this machine: the SSM tests answer GetParameter with botocore's Stubber
(the only mock here). Everything else is real: the drill's parameters file stand-in, PostgreSQL,
`python -m drweb` and gunicorn with deploy/gunicorn.conf.py."""
import json
import os
import signal
import subprocess
import sys

import botocore.session
import pytest
from botocore.stub import Stubber

from conftest import WEBAPP, app_env, reserve_port, stop_process, wait_until
from drweb import Config, ConfigError, create_app
from drweb import endpoints
from drweb.config import unknown_variables
from drweb.endpoints import (DbEndpoints, EndpointsInvalid, EndpointsUnavailable, FileParameters, SsmParameters,
                             parse_endpoints, read_endpoints)
from test_metrics import http, run_gunicorn, worker_pids

NAME = "/drweb-prod-use2/db/endpoints"
GOOD = {"cluster": "drweb-prod-use2-pitr-20240101", "writer": "c.cluster-x.us-east-2.rds.amazonaws.com",
        "reader": "c.cluster-ro-x.us-east-2.rds.amazonaws.com", "port": 5432}


@pytest.fixture(autouse=True)
def no_held_value():
    endpoints.forget()
    yield
    endpoints.forget()


def value(**over):
    d = dict(GOOD)
    for k, v in over.items():
        if v is ...:
            d.pop(k)
        else:
            d[k] = v
    return json.dumps(d)


# --- the value: the rules of src/database/endpoints-parameter.ts parseEndpoints -------------------

@pytest.mark.parametrize("raw, expected", [
    (value(), DbEndpoints(**GOOD)),
    # keys in any order (Terraform's jsonencode sorts them), unknown keys ignored
    (json.dumps({"port": 5432, "reader": "r.example", "writer": "w.example", "cluster": "a", "note": {"x": 1}}),
     DbEndpoints("a", "w.example", "r.example", 5432)),
    (value(port=5432.0), DbEndpoints(**GOOD)),  # JSON.parse makes it the number 5432
    (value(port=1), DbEndpoints(**{**GOOD, "port": 1})),
    (value(port=65535), DbEndpoints(**{**GOOD, "port": 65535})),
    (value(cluster="a" * 63), DbEndpoints(**{**GOOD, "cluster": "a" * 63})),
    (value(writer="h" * 253), DbEndpoints(**{**GOOD, "writer": "h" * 253})),
    ("  " + value() + "\n", DbEndpoints(**GOOD)),
])
def test_the_parser_accepts(raw, expected):
    assert parse_endpoints(raw) == expected


@pytest.mark.parametrize("raw, says", [
    ("", "is not JSON"),
    ("not json", "is not JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("null", "must be a JSON object"),
    ('"' + GOOD["writer"] + '"', "must be a JSON object"),
    (value(cluster=...), '"cluster" must be a DB cluster identifier, got nothing'),
    (value(cluster="1abc"), '"cluster" must be a DB cluster identifier'),
    (value(cluster="a" * 64), '"cluster" must be a DB cluster identifier'),
    (value(cluster="a_b"), '"cluster" must be a DB cluster identifier'),
    (value(cluster=None), '"cluster" must be a DB cluster identifier, got null'),
    (value(cluster=["abc"]), '"cluster" must be a DB cluster identifier'),
    (value(cluster="abc\n"), '"cluster" must be a DB cluster identifier'),  # Python's $ would accept it
    (value(writer=...), '"writer" must be a host name'),
    (value(writer=""), '"writer" must be a host name'),
    (value(writer="h" * 254), '"writer" must be a host name'),
    (value(writer="db.example:5432"), '"writer" must be a host name'),
    (value(writer="db example"), '"writer" must be a host name'),
    (value(writer=123), '"writer" must be a host name'),
    (value(writer="db.example\n"), '"writer" must be a host name'),
    (value(reader=True), '"reader" must be a host name'),
    (value(reader="r/x"), '"reader" must be a host name'),
    (value(port=...), '"port" must be a TCP port, got nothing'),
    (value(port="5432"), '"port" must be a TCP port'),
    (value(port=0), '"port" must be a TCP port'),
    (value(port=65536), '"port" must be a TCP port'),
    (value(port=5432.5), '"port" must be a TCP port'),
    (value(port=True), '"port" must be a TCP port'),
    (value(port=None), '"port" must be a TCP port'),
    (value().replace("5432", "1e999"), '"port" must be a TCP port'),  # JSON.parse: Infinity
    (value().replace("5432", "NaN"), "is not JSON"),  # Python's json would take it
    (value().replace("5432", "Infinity"), "is not JSON"),
    ("[" * 100000, "is not JSON"),  # Python's json recurses
])
def test_the_parser_refuses_naming_what_is_wrong(raw, says):
    with pytest.raises(EndpointsInvalid) as e:
        parse_endpoints(raw)
    assert says in str(e.value)


# --- the configuration ------------------------------------------------------------------------------

BASE = {"DRWEB_REGION": "us-east-2", "DB_USER": "drweb", "DB_PASSWORD": "pw", "DB_ENGINE": "aurora-postgresql",
        "DB_ENDPOINTS_PARAMETER": NAME}


def test_config_with_the_parameter_takes_no_hosts_until_it_is_read():
    c = Config.from_env(BASE)
    assert (c.endpoints_parameter, c.endpoints_wait_seconds, c.drill_parameters_file) == (NAME, 60.0, None)
    # the environment's hosts are not used, not even as a default: None until the parameter is read
    assert (c.writer_host, c.reader_host, c.db_port, c.reader_port, c.endpoints_cluster) == (None, None, None, None, None)
    c2 = Config.from_env({**BASE, "DB_WRITER_HOST": "old.cluster-x.us-east-2.rds.amazonaws.com", "DB_READER_HOST": "old-ro",
                          "DB_PORT": "5433", "DRWEB_ENDPOINTS_WAIT_SECONDS": "2.5"})
    assert (c2.writer_host, c2.reader_host, c2.db_port, c2.endpoints_wait_seconds) == (None, None, None, 2.5)
    assert unknown_variables({**BASE, "DRWEB_ENDPOINTS_WAIT_SECONDS": "1", "DRWEB_DRILL_PARAMETERS_FILE": "x"}) == []


@pytest.mark.parametrize("over, says", [
    ({"DB_ENGINE": "postgres"}, "DB_ENDPOINTS_PARAMETER is set ('/drweb-prod-use2/db/endpoints') but DB_ENGINE is 'postgres'"),
    ({"DB_ENGINE": None}, "but DB_ENGINE is 'postgres'"),
    ({"DB_ENDPOINTS_PARAMETER": "/drweb prod/db"}, "DB_ENDPOINTS_PARAMETER must be an SSM parameter name"),
    ({"DB_ENDPOINTS_PARAMETER": "arn:aws:ssm:us-east-2:123456789012:parameter/x"}, "DB_ENDPOINTS_PARAMETER must be an SSM parameter name"),
    ({"DB_ENDPOINTS_PARAMETER": "/aws/reference/x"}, "not beginning with aws or ssm"),
    ({"DRWEB_ENDPOINTS_WAIT_SECONDS": "soon"}, "DRWEB_ENDPOINTS_WAIT_SECONDS must be a number between 0 and 3600"),
    ({"DRWEB_ENDPOINTS_WAIT_SECONDS": "-1"}, "DRWEB_ENDPOINTS_WAIT_SECONDS must be a number between 0 and 3600"),
    ({"DRWEB_DRILL_PARAMETERS_FILE": "/nonexistent/params.json"}, "DRWEB_DRILL_PARAMETERS_FILE names '/nonexistent/params.json', which is not a readable file"),
    ({"DB_ENDPOINTS_PARAMETER": None, "DB_ENGINE": None, "DB_WRITER_HOST": "db", "DRWEB_DRILL_PARAMETERS_FILE": "/etc/hostname"},
     "DRWEB_DRILL_PARAMETERS_FILE is set but DB_ENDPOINTS_PARAMETER is not"),
])
def test_config_refuses_a_misused_parameter(over, says):
    env = {**BASE, **over}
    with pytest.raises(ConfigError) as e:
        Config.from_env({k: v for k, v in env.items() if v is not None})
    assert says in str(e.value) and len(e.value.problems) == 1, e.value.problems


def test_check_config_names_the_parameter_instead_of_hosts():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRWEB_", "DB_"))}
    p = subprocess.run([sys.executable, "-m", "drweb", "--check-config"], cwd=WEBAPP, env={**env, **BASE},
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == (f"drweb: configuration ok (region us-east-2, endpoints from parameter {NAME} "
                                "(read when the app starts), engine aurora-postgresql, auth password)")


# --- reading: SSM (Stubber), the drill's file, the retries ------------------------------------------

def ssm_client():
    """A real botocore SSM client whose HTTP calls the Stubber answers (no SSM runs here)."""
    client = botocore.session.get_session().create_client(
        "ssm", region_name="us-east-2", aws_access_key_id="test", aws_secret_access_key="test")
    return client, Stubber(client)


def ssm_answer(stub, raw):
    # GetParameter: Name only (WithDecryption is ignored for a String parameter: not sent)
    stub.add_response("get_parameter", {"Parameter": {"Name": NAME, "Type": "String", "Value": raw, "Version": 3}},
                      {"Name": NAME})


class FakeTime:
    def __init__(self, on_sleep=None):
        self.now, self.sleeps, self.on_sleep = 0.0, [], on_sleep

    def clock(self):
        return self.now

    def sleep(self, s):
        self.sleeps.append(s)
        self.now += s
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


def test_ssm_get_parameter_is_read_and_parsed():
    client, stub = ssm_client()
    ssm_answer(stub, value())
    with stub:
        assert SsmParameters("us-east-2", client).read(NAME) == value()
        stub.assert_no_pending_responses()


def test_ssm_errors_are_retried_with_backoff_until_the_value_is_usable():
    client, stub = ssm_client()
    stub.add_client_error("get_parameter", "ParameterNotFound", "Parameter not found.", 400, expected_params={"Name": NAME})
    stub.add_client_error("get_parameter", "InternalServerError", "oops", 500, expected_params={"Name": NAME})
    ssm_answer(stub, value(port=0))  # invalid: retried too
    ssm_answer(stub, value())
    t = FakeTime()
    with stub:
        e = read_endpoints(NAME, SsmParameters("us-east-2", client), 60, "us-east-2", sleep=t.sleep, clock=t.clock)
        stub.assert_no_pending_responses()
    assert e == DbEndpoints(**GOOD)
    assert t.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("code, says", [
    ("ParameterNotFound", "Fix: create the parameter (terraform apply of this region's stack creates it), or set DB_ENDPOINTS_PARAMETER"),
    ("AccessDeniedException", "Fix: give the instance role ssm:GetParameter on arn:aws:ssm:us-east-2:<account>:parameter/drweb-prod-use2/db/endpoints"),
    ("ThrottlingException", "Fix: make SSM in us-east-2 reachable from the instance"),
])
def test_ssm_never_usable_gives_up_after_the_wait_with_one_error_and_the_fix(code, says):
    client, stub = ssm_client()
    for _ in range(7):
        stub.add_client_error("get_parameter", code, "no", 400, expected_params={"Name": NAME})
    t = FakeTime()
    with stub, pytest.raises(EndpointsUnavailable) as e:
        read_endpoints(NAME, SsmParameters("us-east-2", client), 20, "us-east-2", sleep=t.sleep, clock=t.clock)
    msg = str(e.value)
    assert msg.startswith(f"the database endpoints SSM Parameter Store parameter {NAME} in us-east-2 is not usable after 7 attempt(s) over 20 s")
    assert code in msg and says in msg and "never falls back to DB_WRITER_HOST/DB_READER_HOST" in msg
    assert t.sleeps == [0.5, 1, 2, 4, 8, 4.5] and t.now == 20  # backoff, the last pause cut to the deadline


def test_create_app_reads_ssm_and_writes_to_the_database_it_names(cluster, unused_port):
    """The whole path with the stubbed GetParameter: the environment's writer is a port nothing
    listens on; the parameter names the real PostgreSQL, and the note lands there."""
    client, stub = ssm_client()
    ssm_answer(stub, json.dumps({"cluster": "restored-1", "writer": "127.0.0.1", "reader": "127.0.0.1", "port": cluster.primary.port}))
    env = app_env(unused_port, DB_ENGINE="aurora-postgresql", DB_READER_HOST="localhost", DB_ENDPOINTS_PARAMETER=NAME)
    with stub:
        app = create_app(Config.from_env(env), ssm_client=client)
        stub.assert_no_pending_responses()
    try:
        c = app.test_client()
        r = c.post("/api/notes", json={"title": "via-ssm-parameter"})
        assert r.status_code == 201, r.get_json()
        assert cluster.primary.sql("SELECT region FROM notes WHERE title = 'via-ssm-parameter'") == [("us-east-2",)]
        assert c.get("/readyz").get_json()["db_cluster"] == "restored-1"
    finally:
        app.extensions["drweb"].close()


def write_params(path, params):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump({"parameters": params}, f)
    os.replace(tmp, path)  # atomic, as the drill writes it


def test_the_drill_file_stands_in_for_ssm(tmp_path):
    path = tmp_path / "params.json"
    write_params(path, {NAME: value(), "/other/db/endpoints": "x"})
    assert FileParameters(str(path)).read(NAME) == value()
    t = FakeTime()
    write_params(path, {"/other/db/endpoints": value()})
    with pytest.raises(EndpointsUnavailable) as e:
        read_endpoints(NAME, FileParameters(str(path)), 1, "us-east-2", sleep=t.sleep, clock=t.clock)
    assert "ParameterNotFound" in str(e.value) and f"parameter {NAME} in the drill's parameters file {path}" in str(e.value)
    write_params(path, {NAME: GOOD})  # an object, not the string SSM returns
    with pytest.raises(EndpointsUnavailable) as e:
        read_endpoints(NAME, FileParameters(str(path)), 0, "us-east-2", sleep=t.sleep, clock=t.clock)
    assert "must be a string (as SSM's)" in str(e.value)
    path.write_text("{half")
    with pytest.raises(EndpointsUnavailable) as e:
        read_endpoints(NAME, FileParameters(str(path)), 0, "us-east-2", sleep=t.sleep, clock=t.clock)
    assert "the parameters file cannot be read" in str(e.value)


def test_a_parameter_that_appears_during_the_wait_is_used(tmp_path):
    path = tmp_path / "params.json"
    write_params(path, {})
    t = FakeTime(on_sleep=lambda n: n == 3 and write_params(path, {NAME: value()}))
    e = read_endpoints(NAME, FileParameters(str(path)), 60, "us-east-2", sleep=t.sleep, clock=t.clock)
    assert e == DbEndpoints(**GOOD) and len(t.sleeps) == 3


# --- real processes ---------------------------------------------------------------------------------

def aurora_env(cluster, wrong_port, params, **extra):
    """The environment of an Aurora instance whose launch-template hosts name a database that is
    NOT the one to use (a port nothing listens on) and whose parameter (the drill's file) decides."""
    return app_env(wrong_port, DB_ENGINE="aurora-postgresql", DB_READER_HOST="localhost", DB_READER_PORT=wrong_port,
                   DB_ENDPOINTS_PARAMETER=NAME, DRWEB_DRILL_PARAMETERS_FILE=params, **extra)


def pg_value(cluster, name="restored-a", port=None):
    return json.dumps({"cluster": name, "writer": "127.0.0.1", "reader": "127.0.0.1", "port": port or cluster.primary.port})


def run_drweb(env, timeout):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DRWEB_", "DB_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "drweb"], cwd=WEBAPP, env=full, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("params, says", [
    ({"/drweb-prod-use2/db/endpoint": "typo"}, "ParameterNotFound: the parameters file has no parameter of that name"),
    ({NAME: '{"cluster": "restored-a", "writer": "127.0.0.1", "reader": "127.0.0.1", "port": "5432"}'},
     'its value is invalid: database endpoints parameter: "port" must be a TCP port, got "5432"'),
])
def test_python_m_drweb_fails_closed_with_one_error(cluster, tmp_path, params, says):
    """The environment's hosts name the real, working PostgreSQL: a fallback to them would start
    and serve. The app must exit non-zero instead, with one error naming the parameter and the fix."""
    path = tmp_path / "params.json"
    write_params(path, params)
    with reserve_port() as port, reserve_port() as mport:
        env = app_env(cluster.primary, DB_ENGINE="aurora-postgresql", DB_READER_HOST="localhost", DB_ENDPOINTS_PARAMETER=NAME,
                      DRWEB_DRILL_PARAMETERS_FILE=path, DRWEB_ENDPOINTS_WAIT_SECONDS="1.5", DRWEB_PORT=port,
                      DRWEB_METRICS_PORT=mport, DRWEB_BIND_ADDR="127.0.0.1", DRWEB_METRICS_ADDR="127.0.0.1")
        p = run_drweb(env, timeout=60)
    assert p.returncode == 1, (p.stdout, p.stderr)
    errors = [line for line in p.stderr.splitlines() if line.startswith("drweb:")]
    assert len(errors) == 1, p.stderr
    assert errors[0].startswith(f"drweb: the database endpoints parameter {NAME} in the drill's parameters file {path} "
                                "(DRWEB_DRILL_PARAMETERS_FILE) is not usable after ")
    assert says in errors[0] and "never falls back to DB_WRITER_HOST/DB_READER_HOST. Fix: " in errors[0]
    retries = [json.loads(line) for line in p.stdout.splitlines() if '"db_endpoints_retry"' in line]
    assert len(retries) >= 2 and all(r["parameter"] == NAME for r in retries)  # it did retry for the wait


def test_gunicorn_fails_closed_on_an_invalid_value(cluster, tmp_path):
    path = tmp_path / "params.json"
    write_params(path, {NAME: value(writer="db.example:5432")})
    with reserve_port() as port, reserve_port() as mport:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DRWEB_", "DB_"))}
        env.update(app_env(cluster.primary, DB_ENGINE="aurora-postgresql", DB_READER_HOST="localhost",
                           DB_ENDPOINTS_PARAMETER=NAME, DRWEB_DRILL_PARAMETERS_FILE=path, DRWEB_ENDPOINTS_WAIT_SECONDS="1",
                           DRWEB_PORT=port, DRWEB_METRICS_PORT=mport, DRWEB_BIND_ADDR="127.0.0.1",
                           PROMETHEUS_MULTIPROC_DIR=tmp_path / "mp"))
        p = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(WEBAPP / "deploy" / "gunicorn.conf.py"), "drweb.wsgi:app"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert f"drweb: the database endpoints parameter {NAME} in the drill's parameters file" in p.stderr
    assert '"writer" must be a host name, got "db.example:5432"' in p.stderr and "Fix: write a valid value" in p.stderr
    assert "Booting worker" not in p.stderr  # it never started serving


def test_python_m_drweb_waits_for_the_parameter_then_serves_the_database_it_names(cluster, tmp_path, unused_port):
    path = tmp_path / "params.json"
    write_params(path, {})
    with reserve_port() as port, reserve_port() as mport, open(tmp_path / "out", "w+") as out:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DRWEB_", "DB_", "PROMETHEUS_MULTIPROC_DIR"))}
        env.update(aurora_env(cluster, unused_port, path, DRWEB_PORT=port, DRWEB_METRICS_PORT=mport, DRWEB_BIND_ADDR="127.0.0.1",
                              DRWEB_METRICS_ADDR="127.0.0.1"))
        proc = subprocess.Popen([sys.executable, "-m", "drweb"], cwd=WEBAPP, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            def output():
                out.seek(0)
                return out.read()
            wait_until(lambda: '"db_endpoints_retry"' in output() or proc.poll() is not None, timeout=30,
                       what="the first retry of the missing parameter")
            assert proc.poll() is None, output()
            write_params(path, {NAME: pg_value(cluster, "appeared")})

            def up():
                if proc.poll() is not None:
                    raise AssertionError(f"python -m drweb exited {proc.returncode}:\n{output()}")
                try:
                    return http("GET", base + "/healthz")[0] == 200
                except OSError:
                    return False
            wait_until(up, timeout=60, what="python -m drweb to serve once the parameter exists")
            status, body = http("POST", base + "/api/notes", {"title": "after-wait"})
            assert status == 201, body
            assert cluster.primary.sql("SELECT count(*) FROM notes WHERE title = 'after-wait'") == [(1,)]
            read = [json.loads(line) for line in output().splitlines() if '"event": "db_endpoints"' in line]
            assert [(r["parameter"], r["cluster"], r["port"]) for r in read] == [(NAME, "appeared", cluster.primary.port)]
        finally:
            stop_process(proc)


def test_gunicorn_workers_all_use_the_value_the_master_read(cluster, tmp_path, unused_port):
    """gunicorn with 2 workers; DB_WRITER_HOST/DB_PORT name a port nothing listens on; the parameter
    names the real PostgreSQL. Then the parameter changes to a database that does not answer, and
    BOTH workers are killed one after the other: the master forks replacements, which must use the
    value the master read at start (not re-read the changed parameter): every write still lands."""
    path = tmp_path / "params.json"
    mp = tmp_path / "mp"
    write_params(path, {NAME: pg_value(cluster, "restored-a")})
    extra = {k: v for k, v in aurora_env(cluster, unused_port, path).items() if k.startswith(("DB_", "DRWEB_DRILL"))}
    with run_gunicorn(cluster, tmp_path, workers=2, PROMETHEUS_MULTIPROC_DIR=mp, **extra) as (proc, base, _metrics, out):
        status, body = http("POST", base + "/api/notes", {"title": "gunicorn-before"})
        assert status == 201, body
        assert cluster.primary.sql("SELECT count(*) FROM notes WHERE title = 'gunicorn-before'") == [(1,)]

        def workers_with_app(exclude=()):
            """Both workers forked and serving (each wrote its role gauge file), none of `exclude`."""
            pids = worker_pids(proc.pid)
            ok = len(pids) == 2 and not pids & set(exclude) and all(os.path.exists(mp / f"gauge_livemostrecent_{p}.db") for p in pids)
            return pids if ok else None

        first = wait_until(workers_with_app, timeout=60, what="2 gunicorn workers")
        write_params(path, {NAME: pg_value(cluster, "moved-elsewhere", port=unused_port)})
        killed = set()
        for pid in sorted(first):
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
            wait_until(lambda: workers_with_app(killed), timeout=60, what=f"a replacement for worker {pid}")
        now = worker_pids(proc.pid)
        assert not now & first  # every live worker was forked after the parameter changed
        for i in range(12):
            status, body = http("POST", base + "/api/notes", {"title": f"gunicorn-after-{i}"})
            assert status == 201, body
            ready = json.loads(http("GET", base + "/readyz")[1])
            assert ready["db_cluster"] == "restored-a", ready
        assert cluster.primary.sql("SELECT count(*) FROM notes WHERE title LIKE %s", ("gunicorn-after-%",)) == [(12,)]
    out_text = (tmp_path / "gunicorn.out").read_text()
    read = [json.loads(line) for line in out_text.splitlines() if '"event": "db_endpoints"' in line]
    assert len(read) == 1 and read[0]["cluster"] == "restored-a", read  # read once, by the master
