"""Prometheus metrics. Served on a separate port, never by the Flask app.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR must be set before workers start
(deploy/gunicorn.conf.py does this) and the master serves the merged view.
"""
import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

REQUESTS = Counter("drweb_http_requests_total", "HTTP requests", ["route", "method", "status"])
DURATION = Histogram(
    "drweb_http_request_duration_seconds", "HTTP request duration", ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("drweb_http_errors_total", "HTTP 5xx responses", ["route", "status"])
DB_ROLE = Gauge(
    "drweb_db_role", "Role of this region's database (through its writer endpoint; Aurora secondary: its reader endpoint): 1 writer, 0 replica, -1 unreachable",
    ["region"], multiprocess_mode="livemostrecent",
)
DB_UP = Gauge(
    "drweb_db_up", "1 if the last role check got an answer from this region's database, else 0",
    ["region"], multiprocess_mode="livemostrecent",
)
ROLE_VALUE = {"writer": 1, "replica": 0, "unreachable": -1}
ROLE_PUBLISH_FAILURES = Counter(
    "drweb_role_metric_publish_failures_total",
    "Failed PutMetricData calls of the database-role publisher (drweb.role_metric), by target region",
    ["target_region"],
)


def set_role(region, role):
    DB_ROLE.labels(region=region).set(ROLE_VALUE[role])
    DB_UP.labels(region=region).set(0 if role == "unreachable" else 1)


def current_role(region):
    """The drweb_db_role value this process would expose (the workers' merged
    value under gunicorn, see serve), or None before any role check."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        from prometheus_client import REGISTRY as registry
    return registry.get_sample_value("drweb_db_role", {"region": region})


def serve(port, addr="0.0.0.0"):
    """Start the metrics HTTP server in a background thread of this process."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        return start_http_server(port, addr=addr, registry=registry)
    return start_http_server(port, addr=addr)
