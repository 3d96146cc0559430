"""gunicorn settings for drweb (all from the environment, see README.md).

The Prometheus metrics server runs in the master (when_ready) and merges the
workers' values from PROMETHEUS_MULTIPROC_DIR; the app port never serves them.
"""
import atexit
import glob
import os
import shutil
import sys
import tempfile

# prometheus_client picks single- or multi-process mode once, when it is first
# imported, from PROMETHEUS_MULTIPROC_DIR. The workers inherit the master's
# modules (drweb imports prometheus_client), so the variable must be set before
# the first `import drweb`, or the workers count in memory and /metrics is empty.
_MP = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
if not _MP:
    if "prometheus_client" in sys.modules:  # imported without the variable: too late to switch modes
        sys.exit("drweb: prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set; "
                 "set PROMETHEUS_MULTIPROC_DIR in the environment that starts gunicorn")
    # a private (0700) dir of this master; on a reload (SIGHUP) this file runs again
    # in the same process, sees the variable set and keeps using it
    _MP = tempfile.mkdtemp(prefix="drweb-metrics-")

    def _remove_private_dir(path, owner):
        # forked workers inherit this handler and run it at their own exit: only the master removes
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(_remove_private_dir, _MP, os.getpid())  # at exit of the master, also on a startup error
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _MP

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # holds drweb/
sys.path.insert(0, SRC)
from drweb.config import Config, ConfigError  # noqa: E402
from drweb import endpoints  # noqa: E402

try:
    _cfg = Config.from_env()
except ConfigError as e:
    sys.exit(f"drweb: configuration error: {e}")
# Aurora mode (DB_ENDPOINTS_PARAMETER): the master reads the endpoints parameter here, once,
# before it binds or forks; every worker inherits the value (drweb/endpoints.py), so all
# workers of this instance use the same endpoints, also one started later when the parameter
# has changed since. A reload (SIGHUP) runs this file again and reads it again. Not usable
# for the whole wait: exit non-zero with the one error (never the environment's hosts).
try:
    _cfg = endpoints.for_process(_cfg, fresh=True)
except endpoints.EndpointsUnavailable as e:
    sys.exit(f"drweb: {e}")

chdir = SRC
pythonpath = SRC
bind = [f"{os.environ.get('DRWEB_BIND_ADDR', '0.0.0.0')}:{_cfg.port}"]
workers = int(os.environ.get("DRWEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("DRWEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 75  # longer than the ALB idle timeout (60 s), as AWS recommends
max_requests = 5000
max_requests_jitter = 500
accesslog = None  # the app writes its own JSON request log
errorlog = "-"
loglevel = os.environ.get("DRWEB_GUNICORN_LOG_LEVEL", "info")
proc_name = "drweb"
preload_app = False  # the app (and its role poller thread) must start in each worker


def on_starting(server):
    os.makedirs(_MP, exist_ok=True)
    for f in glob.glob(os.path.join(_MP, "*.db")):  # stale values from a previous run
        os.remove(f)


def when_ready(server):
    from drweb import metrics

    metrics.serve(_cfg.metrics_port, os.environ.get("DRWEB_METRICS_ADDR", "0.0.0.0"))
    server.log.info("drweb metrics on port %s (multiprocess dir %s)", _cfg.metrics_port, _MP)
    # One database-role publisher per instance, in the master: it publishes the
    # drweb_db_role value the metrics port serves (the workers' merged view).
    from drweb import role_metric

    role_metric.start_from_config(_cfg)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _MP)
