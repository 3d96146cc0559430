"""Prometheus metrics: the real app under real gunicorn (2 workers, multiprocess
mode, metrics served by the master on their own port), plus in-process checks."""
import contextlib
import glob
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from conftest import WEBAPP, app_env, reserve_port, stop_process, wait_until


def http(method, url, payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def samples(text):
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@contextlib.contextmanager
def run_gunicorn(cluster, tmp_path, workers=2, **extra):
    """The real gunicorn with deploy/gunicorn.conf.py; extra: environment (None removes a variable).
    Yields (proc, app base URL, metrics URL, output file). Both ports are held for it (reserve_port)."""
    with reserve_port() as port, reserve_port() as mport:
        env = dict(os.environ)
        env.update(app_env(cluster.primary, DRWEB_PORT=port, DRWEB_METRICS_PORT=mport, DRWEB_BIND_ADDR="127.0.0.1",
                           DRWEB_METRICS_ADDR="127.0.0.1", DRWEB_WORKERS=workers, DRWEB_ROLE_POLL_SECONDS=1))
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        out = open(tmp_path / "gunicorn.out", "w+")
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(WEBAPP / "deploy" / "gunicorn.conf.py"), "drweb.wsgi:app"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            def up():
                if proc.poll() is not None:
                    out.seek(0)
                    raise AssertionError(f"gunicorn exited {proc.returncode}:\n{out.read()}")
                try:
                    return http("GET", base + "/healthz")[0] == 200 and http("GET", f"http://127.0.0.1:{mport}/")[0] == 200
                except OSError:
                    return False
            wait_until(up, timeout=20, what="gunicorn to serve")
            yield proc, base, f"http://127.0.0.1:{mport}/metrics", out
        finally:
            stop_process(proc)
            out.close()


@pytest.fixture
def gunicorn(cluster, tmp_path):
    with run_gunicorn(cluster, tmp_path, PROMETHEUS_MULTIPROC_DIR=tmp_path / "mp") as g:
        yield g


def test_metrics_under_gunicorn(gunicorn):
    proc, base, metrics_url, out = gunicorn
    ids = []
    for i in range(6):
        status, body = http("POST", base + "/api/notes", {"title": f"m{i}"})
        assert status == 201
        ids.append(json.loads(body)["id"])
    assert http("POST", base + "/api/notes", {"title": 3})[0] == 400
    for _ in range(3):
        assert http("GET", base + "/api/notes?limit=5")[0] == 200
    for i in ids[:2]:
        assert http("GET", f"{base}/api/notes/{i}")[0] == 200
    assert http("GET", base + "/nope")[0] == 404
    assert http("GET", base + "/readyz")[0] == 200

    status, body = http("GET", base + "/metrics")
    assert status == 404 and "error" in json.loads(body)  # the app port does not serve metrics

    status, text = http("GET", metrics_url)
    assert status == 200
    s = samples(text.decode())
    req = "drweb_http_requests_total"
    assert s[(req, (("method", "POST"), ("route", "/api/notes"), ("status", "201")))] == 6
    assert s[(req, (("method", "POST"), ("route", "/api/notes"), ("status", "400")))] == 1
    assert s[(req, (("method", "GET"), ("route", "/api/notes"), ("status", "200")))] == 3
    assert s[(req, (("method", "GET"), ("route", "/api/notes/<int:note_id>"), ("status", "200")))] == 2
    assert s[(req, (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] == 2  # /nope and /metrics
    assert s[("drweb_http_request_duration_seconds_count", (("method", "POST"), ("route", "/api/notes")))] == 7
    assert not any(name == "drweb_http_errors_total" for name, _ in s)  # no 5xx happened
    assert s[("drweb_db_role", (("region", "us-east-2"),))] == 1
    assert s[("drweb_db_up", (("region", "us-east-2"),))] == 1
    # multiprocess mode: workers write per-pid files that the master merges
    mp_files = os.listdir(os.path.join(os.path.dirname(out.name), "mp"))
    assert any(f.startswith("counter_") for f in mp_files) and any(f.startswith("gauge_livemostrecent_") for f in mp_files)

    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    out.seek(0)
    logs = [json.loads(line) for line in out.read().splitlines() if line.startswith("{")]
    created = [e for e in logs if e["msg"] == "request" and e["route"] == "/api/notes" and e["status"] == 201]
    assert len(created) == 6
    assert all(e["region"] == "us-east-2" and e["method"] == "POST" and e["duration_ms"] >= 0 for e in created)


def worker_pids(master):
    """The master's child processes (its workers: everything else in it is a thread)."""
    pids = set()
    for task in os.listdir(f"/proc/{master}/task"):
        try:
            with open(f"/proc/{master}/task/{task}/children") as f:
                pids.update(int(p) for p in f.read().split())
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return pids


def wait_for_workers(master, n, mp, timeout=30):
    """The master's workers once at least n have forked AND each has loaded the app (its role poller
    wrote its live gauge file, gauge_livemostrecent_<pid>.db): what the test then counts and kills.
    The first worker serves before the others exist: gunicorn forks them one by one
    (Arbiter.spawn_workers sleeps up to 0.1 s between forks, longer on a busy machine), so a count
    taken when the app first answers can come out short."""
    def ready():
        pids = worker_pids(master)
        return pids if len(pids) >= n and all(os.path.exists(f"{mp}/gauge_livemostrecent_{p}.db") for p in pids) else None
    return wait_until(ready, timeout=timeout, what=f"{n} gunicorn workers, each with its role gauge file in {mp}")


def test_metrics_under_gunicorn_without_a_multiproc_dir(cluster, tmp_path):
    """PROMETHEUS_MULTIPROC_DIR unset (a local run): gunicorn.conf.py makes a private temp dir
    before prometheus_client is imported, the master merges every worker's values (also those of
    workers that died), dead workers' live gauges are dropped, and the dir is removed at exit."""
    tmp = tmp_path / "tmp"  # TMPDIR, so the test can find the private dir
    tmp.mkdir()
    with run_gunicorn(cluster, tmp_path, workers=3, PROMETHEUS_MULTIPROC_DIR=None, TMPDIR=tmp) as (proc, base, metrics_url, out):
        req = "drweb_http_requests_total"
        created = (req, (("method", "POST"), ("route", "/api/notes"), ("status", "201")))
        health = (req, (("method", "GET"), ("route", "/healthz"), ("status", "200")))

        def scrape():
            status, text = http("GET", metrics_url)
            assert status == 200
            return samples(text.decode())

        before = scrape().get(health, 0)  # run_gunicorn's readiness checks hit /healthz
        for i in range(5):
            assert http("POST", base + "/api/notes", {"title": f"tmp{i}"})[0] == 201
        for _ in range(4):
            assert http("GET", base + "/healthz")[0] == 200
        s = scrape()
        assert s.get(created) == 5, f"request counters missing from /metrics: {sorted(k[0] for k in s)}"
        assert s.get(health) == before + 4

        dirs = glob.glob(str(tmp / "drweb-metrics-*"))
        assert len(dirs) == 1, os.listdir(tmp)
        mp = dirs[0]
        assert os.stat(mp).st_mode & 0o077 == 0  # private to the user running gunicorn

        # every worker writes its own files; kill them all (as a crash would): the master
        # drops their live gauges, keeps their counters and starts new workers
        old = wait_for_workers(proc.pid, 3, mp)
        assert len(old) == 3, f"gunicorn runs {len(old)} workers, DRWEB_WORKERS=3"
        for p in old:
            os.kill(p, signal.SIGKILL)
        wait_until(lambda: len(worker_pids(proc.pid) - old) == 3 and not any(
            os.path.exists(f"{mp}/gauge_livemostrecent_{p}.db") for p in old), timeout=20,
            what="new workers and the dead workers' gauge files removed")
        assert any(os.path.exists(f"{mp}/counter_{p}.db") for p in old)  # their counts stay
        for i in range(3):
            assert http("POST", base + "/api/notes", {"title": f"after{i}"})[0] == 201
        s = scrape()
        assert s.get(created) == 8  # 5 counted by the dead workers + 3 by the new ones
        assert s[("drweb_db_role", (("region", "us-east-2"),))] == 1
        assert s[("drweb_db_up", (("region", "us-east-2"),))] == 1

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    assert not os.path.exists(mp), "the private metrics dir outlived gunicorn"
    assert os.listdir(tmp) == []


def test_python_m_drweb_serves_the_app_and_metrics(cluster, tmp_path):
    """The single-process server for local runs (README "Run it locally")."""
    with reserve_port() as port, reserve_port() as mport:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(app_env(cluster.primary, DRWEB_PORT=port, DRWEB_METRICS_PORT=mport, DRWEB_BIND_ADDR="127.0.0.1",
                           DRWEB_METRICS_ADDR="127.0.0.1"))
        with open(tmp_path / "out", "w+") as out:
            proc = subprocess.Popen([sys.executable, "-m", "drweb"], cwd=WEBAPP, env=env, stdout=out, stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            try:
                def up():
                    if proc.poll() is not None:
                        out.seek(0)
                        raise AssertionError(f"python -m drweb exited {proc.returncode}:\n{out.read()}")
                    try:
                        return http("GET", base + "/healthz")[0] == 200
                    except OSError:
                        return False
                wait_until(up, timeout=20, what="python -m drweb to serve")
                assert http("POST", base + "/api/notes", {"title": "local"})[0] == 201
                assert http("GET", base + "/readyz")[0] == 200
                status, text = http("GET", f"http://127.0.0.1:{mport}/metrics")
                assert status == 200
                s = samples(text.decode())
                assert s[("drweb_http_requests_total", (("method", "POST"), ("route", "/api/notes"), ("status", "201")))] == 1
                assert s[("drweb_db_role", (("region", "us-east-2"),))] == 1
            finally:
                stop_process(proc)


def test_app_5xx_counts_as_error(make_app, unused_port):
    _, client = make_app(writer=unused_port, DRWEB_REGION="ap-south-1")
    labels = {"route": "/api/notes", "status": "503"}
    before = REGISTRY.get_sample_value("drweb_http_errors_total", labels) or 0
    assert client.post("/api/notes", json={"title": "t"}).status_code == 503
    assert REGISTRY.get_sample_value("drweb_http_errors_total", labels) == before + 1
    assert REGISTRY.get_sample_value("drweb_db_role", {"region": "ap-south-1"}) == -1
    assert REGISTRY.get_sample_value("drweb_db_up", {"region": "ap-south-1"}) == 0


def test_role_poller_sets_the_role_gauge_without_traffic(make_app, cluster):
    make_app(writer=cluster.replica, DRWEB_REGION="eu-west-3", DRWEB_ROLE_POLL_SECONDS="0.2")
    wait_until(lambda: REGISTRY.get_sample_value("drweb_db_role", {"region": "eu-west-3"}) == 0, timeout=5,
               what="the poller to report the replica")
    assert REGISTRY.get_sample_value("drweb_db_up", {"region": "eu-west-3"}) == 1
