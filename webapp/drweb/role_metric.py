"""Publishes this region's database role to CloudWatch, in every region of the
DR pair: the cross-region path of the DatabaseWritableInBothRegions alert.

Each region's Prometheus scrapes only its own web servers (the two VPCs are
not connected), so neither sees the other region's `drweb_db_role`. Instead,
every web server puts the role it sees (the `drweb_db_role` value it exposes:
1 writer, 0 replica, -1 unreachable) as the CloudWatch metric
Drweb/DatabaseRole {Deployment, Region} into the CloudWatch of BOTH regions,
once per DRWEB_ROLE_METRIC_SECONDS. Each region's CloudWatch exporter reads
the metric from its own region only, so each region's Prometheus knows both
regions' roles, and keeps knowing its own and the last one of the other when
that region is down. The calls go to the regions' public CloudWatch endpoints
(monitoring.<region>.amazonaws.com) through the NAT gateways: no VPC
peering. One thread per target region, so an unreachable region (the one
that is down) never delays the other one's datapoints.

Under gunicorn the master publishes (deploy/gunicorn.conf.py, when_ready): one
publisher per instance, reading the value the workers' merged metrics expose
(drweb.metrics.current_role).
"""
import logging
import threading

from . import logs, metrics

# The metric the monitoring stacks read (src/eks/contract.ts DB_ROLE_METRIC).
NAMESPACE = "Drweb"
METRIC_NAME = "DatabaseRole"

# Connect/read timeouts and attempts of each PutMetricData: a hung endpoint
# costs at most ~15 s of one target's thread, well inside the interval.
CLIENT_TIMEOUTS = {"connect_timeout": 2, "read_timeout": 5, "retries": {"max_attempts": 2, "mode": "standard"}}


def cloudwatch_client(region):
    """A CloudWatch client for one region (its own session: thread-safe creation).
    The endpoint can be overridden with AWS_ENDPOINT_URL_CLOUDWATCH (botocore's
    service-specific endpoint variable), which the tests use."""
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.session.Session().client("cloudwatch", region_name=region, config=BotoConfig(**CLIENT_TIMEOUTS))


class RolePublisher:
    """Puts `read_role()` as Drweb/DatabaseRole {Deployment=deployment, Region=region}
    into the CloudWatch of each target region every `interval` seconds."""

    def __init__(self, region, targets, deployment, interval, read_role, client_for=cloudwatch_client):
        self.region, self.targets, self.deployment = region, tuple(targets), deployment
        self.interval, self.read_role, self._client_for = interval, read_role, client_for
        self._stop = threading.Event()
        self._ok = {}
        self._threads = []

    def datum(self, value):
        return {
            "MetricName": METRIC_NAME,
            "Dimensions": [{"Name": "Deployment", "Value": self.deployment}, {"Name": "Region", "Value": self.region}],
            "Value": float(value),
            "Unit": "None",
            # standard resolution: one-minute datapoints (the exporter reads 60 s periods)
            "StorageResolution": 60,
        }

    def publish(self, target, client):
        """One PutMetricData to `target`: True sent, False failed, None no role known yet."""
        value = self.read_role()
        if value is None:
            return None
        try:
            client.put_metric_data(Namespace=NAMESPACE, MetricData=[self.datum(value)])
        except Exception as e:  # botocore and network errors: counted, logged once per outage
            metrics.ROLE_PUBLISH_FAILURES.labels(target_region=target).inc()
            if self._ok.get(target, True):
                logs.event("role metric publish failed", logging.WARNING, target_region=target,
                           error=f"{type(e).__name__}: {str(e)[:200]}")
            self._ok[target] = False
            return False
        if not self._ok.get(target, True):
            logs.event("role metric publish recovered", logging.INFO, target_region=target)
        self._ok[target] = True
        return True

    def _loop(self, target):
        client = None
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                client = client or self._client_for(target)
                sent = self.publish(target, client)
            except Exception as e:  # client creation failed: try again next time
                logs.event("role metric client failed", logging.ERROR, target_region=target, error=str(e)[:200])
                sent = False
            # no role known yet (the first check has not run): look again soon
            wait = min(self.interval, 2.0) if sent is None else self.interval

    def start(self):
        for t in self.targets:
            th = threading.Thread(target=self._loop, args=(t,), name=f"drweb-role-metric-{t}", daemon=True)
            th.start()
            self._threads.append(th)
        logs.event("role metric publisher started", logging.INFO, namespace=NAMESPACE, metric=METRIC_NAME,
                   deployment=self.deployment, region=self.region, targets=list(self.targets), every=self.interval)
        return self

    def stop(self, timeout=None):
        self._stop.set()
        for th in self._threads:
            th.join(timeout)


def start_from_config(cfg, read_role=None):
    """The publisher configured by DRWEB_ROLE_METRIC_* (started), or None when they are unset."""
    if not cfg.role_metric_regions:
        return None
    return RolePublisher(cfg.region, cfg.role_metric_regions, cfg.role_metric_deployment, cfg.role_metric_seconds,
                         read_role or (lambda: metrics.current_role(cfg.region))).start()
