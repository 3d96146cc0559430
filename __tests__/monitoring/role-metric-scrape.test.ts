// The cross-region split-brain path, reading side, with the real Prometheus:
// the CloudWatch exporter's ServiceMonitor (cloudwatchExporterValues) as the
// Prometheus Operator turns it into a scrape job, scraping a stand-in that
// exposes what cloudwatch_exporter exposes for the Drweb/DatabaseRole metric
// (CloudWatch and the exporter cannot run here), evaluated with the
// repository's rules (`for:` scaled). The target's `region` label (this
// cluster's region) clashes with the metric's own `region` (its Region
// dimension): without the metric relabelling both regions' roles would
// carry this cluster's region, and the split-brain alert could never fire.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DB_ROLE_METRIC } from "../../src/eks/contract";
import { MONITORING_FILES } from "../../src/monitoring/repo-files";
import { cloudwatchExporterValues } from "../../src/monitoring/values";
import { PortReservations } from "../../src/drill/ports";
import { Processes } from "../../src/drill/processes";
import { instantQuery, prometheusApi, scaleRuleTimes, startPrometheusServer } from "../../src/drill/prometheus";
import { MetricsServer } from "../helpers/metrics-server";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

const SCALE = 0.05;

/** A ServiceMonitor relabelling as the Prometheus Operator writes it into the Prometheus configuration. */
function operatorRelabel(c: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = { sourceLabels: "source_labels", targetLabel: "target_label", regex: "regex", replacement: "replacement", action: "action", separator: "separator" };
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [names[k] ?? k, k === "action" ? String(v).toLowerCase() : v]));
}

/** What cloudwatch_exporter exposes for the role of both regions (its own job/instance labels, one label per dimension). */
function exporterLines(east: number, west: number): string[] {
  const m = DB_ROLE_METRIC.prometheusName;
  return [
    `${m}{job="drweb",instance="",deployment="drweb-prod",region="us-east-2",} ${east.toFixed(1)}`,
    `${m}{job="drweb",instance="",deployment="drweb-prod",region="us-west-1",} ${west.toFixed(1)}`,
    'aws_rds_replica_lag_average{job="aws_rds",instance="",dbinstance_identifier="drweb-prod-usw1-db-g1-writer",} 0.0',
  ];
}

describe("the database role from CloudWatch in one region's Prometheus (us-west-1's)", () => {
  const processes = new Processes();
  // Prometheus cannot bind port 0 and report it: its port is held for it (src/drill/ports.ts).
  let ports: PortReservations | undefined;
  let dir: string;
  let url: string;
  let exporter: MetricsServer;

  beforeAll(async () => {
    const setup = await run("bash", [path.join(PROJECT_ROOT, "scripts", "setup-promtool.sh")]);
    expect(setup.status, setup.stderr).toBe(0);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "role-metric-scrape-"));
    exporter = await new MetricsServer({ [DB_ROLE_METRIC.prometheusName]: "gauge", aws_rds_replica_lag_average: "gauge" }).start();
    exporter.lines = exporterLines(1, 0);
    const sm: any = cloudwatchExporterValues({ region: "us-west-1", scrapeIntervalSeconds: 30, roleMetric: { deployment: "drweb-prod", regions: ["us-east-2", "us-west-1"] } }).serviceMonitor;
    const rules = path.join(dir, "rules.yaml");
    fs.writeFileSync(rules, scaleRuleTimes(fs.readFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.rules), "utf8"), SCALE));
    ports = PortReservations.open();
    const port = await ports.one();
    url = `http://127.0.0.1:${port}`;
    await startPrometheusServer({
      dir,
      processes,
      port,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" },
        rule_files: [rules],
        scrape_configs: [
          {
            job_name: "cloudwatch-exporter",
            static_configs: [{ targets: [exporter.address] }],
            relabel_configs: sm.relabelings.map(operatorRelabel),
            metric_relabel_configs: sm.metricRelabelings.map(operatorRelabel),
          },
        ],
      },
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await instantQuery(url, DB_ROLE_METRIC.prometheusName).catch(() => [])).length < 2) await new Promise((r) => setTimeout(r, 200));
  }, 120_000);

  afterAll(async () => {
    await processes.stopAll();
    await ports?.close();
    expect(processes.leftovers()).toEqual([]);
    await exporter?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps each role series' region (its Region dimension), and gives the other exporter series this cluster's region", async () => {
    const roles = await instantQuery(url, DB_ROLE_METRIC.prometheusName);
    expect(roles.map((r) => [r.labels.region, r.value]).sort()).toEqual([
      ["us-east-2", 1],
      ["us-west-1", 0],
    ]);
    for (const r of roles) expect(r.labels).not.toHaveProperty("exported_region");
    const lag = await instantQuery(url, "aws_rds_replica_lag_average");
    expect(lag.map((r) => r.labels.region)).toEqual(["us-west-1"]);
  });

  it("fires DatabaseWritableInBothRegions from CloudWatch alone when both regions report a writer", async () => {
    exporter.lines = exporterLines(1, 1);
    const forMs = 60_000 * SCALE;
    const deadline = Date.now() + (forMs + 4_000) * 1.5 + 5_000;
    let firing = false;
    while (!firing && Date.now() < deadline) {
      const alerts = (await prometheusApi(url, "/api/v1/alerts")).alerts as Array<{ labels: Record<string, string>; state: string }>;
      firing = alerts.some((a) => a.labels.alertname === "DatabaseWritableInBothRegions" && a.state === "firing");
      if (!firing) await new Promise((r) => setTimeout(r, 200));
    }
    expect(firing).toBe(true);
  }, 60_000);
});
