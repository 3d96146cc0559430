"""The database-role publisher (drweb.role_metric): the cross-region path of the
DatabaseWritableInBothRegions alert. CloudWatch cannot run here, so the calls go
to stand-ins: botocore's Stubber (which validates each call against the real
CloudWatch API model) and, under the real gunicorn, a loopback HTTP server that
decodes what botocore really sends (CloudWatch's AWS JSON 1.0 protocol, the one
this botocore picks; the CBOR one is decoded too should it switch)."""
import contextlib
import http.server
import json
import re
import threading
import time

import pytest
from botocore.parsers import BaseCBORParser
from botocore.stub import Stubber

from conftest import wait_until
from drweb import Config, ConfigError, metrics, role_metric
from test_metrics import run_gunicorn

BASE = {"DRWEB_REGION": "us-east-2", "DB_WRITER_HOST": "db.example.internal", "DB_USER": "drweb", "DB_PASSWORD": "pw"}


def cfg(**over):
    env = {**BASE, **{k: v for k, v in over.items() if v is not None}}
    return Config.from_env(env)


def test_role_metric_config():
    c = cfg()
    assert (c.role_metric_regions, c.role_metric_deployment, c.role_metric_seconds) == ((), None, 60.0)
    assert role_metric.start_from_config(c) is None  # unset: nothing published
    c = cfg(DRWEB_ROLE_METRIC_REGIONS=" us-east-2, us-west-1,us-east-2", DRWEB_ROLE_METRIC_DEPLOYMENT="drweb-prod",
            DRWEB_ROLE_METRIC_SECONDS="30")
    assert (c.role_metric_regions, c.role_metric_deployment, c.role_metric_seconds) == (("us-east-2", "us-west-1"), "drweb-prod", 30.0)


@pytest.mark.parametrize("over, message", [
    ({"DRWEB_ROLE_METRIC_REGIONS": "us-east-2,Ohio", "DRWEB_ROLE_METRIC_DEPLOYMENT": "d"},
     "DRWEB_ROLE_METRIC_REGIONS must be a comma-separated list of AWS regions such as us-east-2,us-west-1, got 'us-east-2,Ohio' ('Ohio' is not a region)"),
    ({"DRWEB_ROLE_METRIC_REGIONS": "us-east-2"}, "DRWEB_ROLE_METRIC_DEPLOYMENT is required when DRWEB_ROLE_METRIC_REGIONS is set"),
    ({"DRWEB_ROLE_METRIC_DEPLOYMENT": "drweb-prod"}, "DRWEB_ROLE_METRIC_DEPLOYMENT is set but DRWEB_ROLE_METRIC_REGIONS is not"),
    ({"DRWEB_ROLE_METRIC_REGIONS": "us-east-2", "DRWEB_ROLE_METRIC_DEPLOYMENT": "drweb prod"},
     "DRWEB_ROLE_METRIC_DEPLOYMENT must be 1-255 letters, digits and . _ - (e.g. drweb-prod), got 'drweb prod'"),
    ({"DRWEB_ROLE_METRIC_SECONDS": "5"}, "DRWEB_ROLE_METRIC_SECONDS must be a number between 10 and 3600, got '5'"),
])
def test_role_metric_config_errors_name_the_variable(over, message):
    with pytest.raises(ConfigError) as e:
        cfg(**over)
    assert message in str(e.value)


def test_publishes_the_role_as_the_monitoring_stacks_read_it():
    """The call botocore would make, checked against the real CloudWatch model by the Stubber."""
    import boto3
    client = boto3.session.Session().client("cloudwatch", region_name="us-west-1", aws_access_key_id="x",
                                            aws_secret_access_key="x")
    role = {"v": None}
    p = role_metric.RolePublisher("us-east-2", ["us-west-1"], "drweb-prod", 60, lambda: role["v"])
    with Stubber(client) as stub:
        assert p.publish("us-west-1", client) is None  # no role check yet: nothing sent
        for v in (1.0, -1.0):
            stub.add_response("put_metric_data", {}, {"Namespace": "Drweb", "MetricData": [{
                "MetricName": "DatabaseRole",
                "Dimensions": [{"Name": "Deployment", "Value": "drweb-prod"}, {"Name": "Region", "Value": "us-east-2"}],
                "Value": v, "Unit": "None", "StorageResolution": 60}]})
        role["v"] = 1
        assert p.publish("us-west-1", client) is True
        role["v"] = -1
        assert p.publish("us-west-1", client) is True
        stub.assert_no_pending_responses()


def test_an_unreachable_region_does_not_delay_the_other(caplog):
    """One thread per target: a region whose endpoint hangs and fails (the region that
    is down) costs its own thread only; failures are counted and logged once."""
    sent = []

    class Hangs:
        def put_metric_data(self, **kw):
            time.sleep(0.3)
            raise ConnectionError("connect timeout")

    class Works:
        def put_metric_data(self, **kw):
            sent.append((time.monotonic(), kw))

    before = metrics.ROLE_PUBLISH_FAILURES.labels(target_region="us-east-2")._value.get()
    p = role_metric.RolePublisher("us-west-1", ["us-east-2", "us-west-1"], "drweb-prod", 0.1, lambda: 1,
                                  client_for=lambda r: Hangs() if r == "us-east-2" else Works())
    t0 = time.monotonic()
    p.start()
    try:
        wait_until(lambda: len(sent) >= 5, timeout=10, what="5 datapoints to the reachable region")
        wait_until(lambda: metrics.ROLE_PUBLISH_FAILURES.labels(target_region="us-east-2")._value.get() >= before + 2,
                   timeout=10, what="failures counted")
    finally:
        p.stop(timeout=5)
    # the reachable region got its datapoints at the interval, not at the hanging one's pace
    assert sent[4][0] - t0 < 0.3 * 4
    assert sent[0][1]["MetricData"][0]["Dimensions"][1] == {"Name": "Region", "Value": "us-west-1"}


class FakeCloudWatch(http.server.ThreadingHTTPServer):
    """Loopback stand-in for CloudWatch's endpoint: records each decoded call with the
    region its SigV4 signature names, answers 200 (PutMetricData returns nothing)."""

    def __init__(self):
        self.calls = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                scope = re.search(r"Credential=[^/]+/\d+/([a-z0-9-]+)/([a-z]+)/", self.headers.get("Authorization", ""))
                if self.headers.get("Content-Type", "").startswith("application/x-amz-json"):
                    operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                    decoded, reply = json.loads(body), ("application/x-amz-json-1.0", b"{}")
                else:  # smithy-rpc-v2-cbor: /service/<service>/operation/<operation>
                    operation = self.path.rpartition("/")[2]
                    cbor = BaseCBORParser()
                    decoded, reply = cbor.parse_data_item(cbor.get_peekable_stream_from_bytes(body)), ("application/cbor", b"\xa0")
                outer.calls.append({"operation": operation, "region": scope and scope.group(1),
                                    "service": scope and scope.group(2), "body": decoded})
                self.send_response(200)
                self.send_header("Content-Type", reply[0])
                if reply[0] == "application/cbor":
                    self.send_header("smithy-protocol", "rpc-v2-cbor")
                self.send_header("Content-Length", str(len(reply[1])))
                self.end_headers()
                self.wfile.write(reply[1])

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@contextlib.contextmanager
def fake_cloudwatch():
    srv = FakeCloudWatch()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_gunicorn_master_publishes_the_role_its_workers_see_to_both_regions(cluster, tmp_path):
    """Real gunicorn, real botocore: one publisher in the master reads the workers'
    merged drweb_db_role and puts it into the CloudWatch of each listed region."""
    with fake_cloudwatch() as cw:
        extra = dict(PROMETHEUS_MULTIPROC_DIR=tmp_path / "mp", DRWEB_ROLE_METRIC_REGIONS="us-east-2,us-west-1",
                     DRWEB_ROLE_METRIC_DEPLOYMENT="drweb-test", DRWEB_ROLE_METRIC_SECONDS="10",
                     AWS_ENDPOINT_URL_CLOUDWATCH=f"http://127.0.0.1:{cw.server_address[1]}",
                     AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="test", AWS_SESSION_TOKEN=None,
                     AWS_PROFILE=None, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        with run_gunicorn(cluster, tmp_path, **extra):
            wait_until(lambda: {c["region"] for c in cw.calls} >= {"us-east-2", "us-west-1"}, timeout=20,
                       what="a PutMetricData to each region")
    for region in ("us-east-2", "us-west-1"):
        call = next(c for c in cw.calls if c["region"] == region)
        assert call["service"] == "monitoring" and call["operation"] == "PutMetricData"
        assert call["body"]["Namespace"] == "Drweb"
        (datum,) = call["body"]["MetricData"]
        assert datum["MetricName"] == "DatabaseRole" and datum["Value"] == 1.0  # the primary is a writer
        assert datum["Dimensions"] == [{"Name": "Deployment", "Value": "drweb-test"}, {"Name": "Region", "Value": "us-east-2"}]
    # one publisher per instance (the master), not one per worker: one datapoint per region per interval
    assert len([c for c in cw.calls if c["region"] == "us-west-1"]) == 1
