// The monitoring of the Aurora Global Database mode (`database.engine:
// "aurora-postgresql"`): the CloudWatch exporter's lag metrics, the Aurora
// rule file deployed next to the shared one, the dashboards' lag panels, and
// the monitoring stack as synthesized in that mode. The RDS mode's exporter
// configuration is compared byte for byte with what it was before the mode
// existed. The Aurora dashboard queries are checked by the repository's own
// checker (monitoring/check-queries.py) and parsed by the real promtool.
// CloudWatch itself cannot run here: what AWS publishes (names, unit,
// dimension, region) is cited in src/monitoring/values.ts.
import { App } from "cdktf";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { resolveConfig } from "../../src/config";
import { regionClusterIdentifier } from "../../src/database/aurora-contract";
import { auroraDashboard, engineMonitoringContent, RDS_LAG_METRIC } from "../../src/monitoring/engine-content";
import { loadDashboards, loadRuleGroups, MONITORING_FILES } from "../../src/monitoring/repo-files";
import { AURORA_LAG_METRICS, backupMetricEntries, cloudwatchExporterConfig, cloudwatchExporterValues } from "../../src/monitoring/values";
import { MonitoringStack } from "../../stacks/monitoring-stack";
import { run } from "../helpers/run";
import { PROJECT_ROOT, resourceList, type StackJson } from "../helpers/synth";

const ROLE = { deployment: "drweb-prod", regions: ["us-east-2", "us-west-1"] };
const AURORA = { database: { engine: "aurora-postgresql" } };
const RDS_RULES = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.rules));
const AURORA_RULES = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.auroraRules));
const DASHBOARDS = loadDashboards(path.join(PROJECT_ROOT, MONITORING_FILES.dashboards));

// cloudwatch_exporter's series name: safeName(lower(namespace) + "_" + snake(metric)) + "_" + statistic
// (CloudWatchCollector.scrape, toSnakeCase = replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase()).
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const exporterName = (m: any) => `${m.aws_namespace.toLowerCase()}_${snake(m.aws_metric_name)}_${m.aws_statistics[0].toLowerCase()}`.replace(/[^a-zA-Z0-9:_]/g, "_").replace(/__+/g, "_");
const exprs = (groups: typeof RDS_RULES) => groups.flatMap((g) => g.rules.map((r) => String(r.expr)));

describe("the CloudWatch exporter", () => {
  it("keeps the RDS mode's configuration byte-identical to what it was before the Aurora mode", () => {
    // The exporter configuration main produced before this change (region us-west-1).
    const before =
      "region: us-west-1\nperiod_seconds: 60\nrange_seconds: 300\ndelay_seconds: 120\nset_timestamp: false\nmetrics:\n  - aws_namespace: AWS/RDS\n    aws_metric_name: ReplicaLag\n    aws_dimensions:\n      - DBInstanceIdentifier\n    aws_statistics:\n      - Average\n  - aws_namespace: Drweb\n    aws_metric_name: DatabaseRole\n    aws_dimensions:\n      - Deployment\n      - Region\n    aws_dimension_select:\n      Deployment:\n        - drweb-prod\n      Region:\n        - us-east-2\n        - us-west-1\n    aws_statistics:\n      - Maximum\n    period_seconds: 60\n    range_seconds: 120\n    delay_seconds: 0\n    set_timestamp: false\n";
    const v: any = cloudwatchExporterValues({ region: "us-west-1", scrapeIntervalSeconds: 30, roleMetric: ROLE });
    // Issue 26: the restorable-window metrics are appended after them (both modes), nothing before them changed.
    expect(v.config.startsWith(before)).toBe(true);
    expect(parse(v.config).metrics.slice(2)).toEqual(backupMetricEntries("us-west-1", ROLE.deployment));
  });

  it("in the Aurora mode exports the global RPO and replication lag of this region's member cluster, and no RDS ReplicaLag", () => {
    for (const [role, region] of [["primary", "us-east-2"], ["secondary", "us-west-1"]] as const) {
      const content = engineMonitoringContent(resolveConfig(AURORA, "test"), role, PROJECT_ROOT);
      const cluster = content.auroraGlobal!.clusterIdentifier;
      expect(cluster).toBe(`drweb-prod-${region === "us-east-2" ? "use2" : "usw1"}-db-g1-cluster`);
      const v: any = cloudwatchExporterValues({ region, scrapeIntervalSeconds: 30, roleMetric: ROLE, auroraGlobal: content.auroraGlobal });
      const config = parse(v.config);
      expect(config).toEqual(cloudwatchExporterConfig(region, ROLE, content.auroraGlobal));
      expect(config.metrics.map((m: any) => m.aws_metric_name)).toEqual(["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag", "DatabaseRole", "Found", "RestorableLagSeconds", "RestorableLagLimitSeconds"]);
      for (const m of config.metrics.slice(0, 2)) {
        expect(m).toEqual({ aws_namespace: "AWS/RDS", aws_metric_name: m.aws_metric_name, aws_dimensions: ["DBClusterIdentifier"], aws_dimension_select: { DBClusterIdentifier: [cluster] }, aws_statistics: ["Maximum"] });
        // Every dimension has its value: GetMetricStatistics directly, never ListMetrics.
        expect(Object.keys(m.aws_dimension_select)).toEqual(m.aws_dimensions);
      }
      expect(v.config).not.toMatch(/ReplicaLag|DBInstanceIdentifier/);
    }
  });

  it("names the Aurora series as the rules and dashboards query them, and the RPO lag is what the alert reads", () => {
    const metrics = cloudwatchExporterConfig("us-west-1", ROLE, { clusterIdentifier: "c" }).metrics as any[];
    expect(metrics.slice(0, 2).map(exporterName)).toEqual(AURORA_LAG_METRICS.map((m) => m.prometheusName));
    const rules = AURORA_RULES.flatMap((g) => g.rules);
    expect(rules.map((r) => r.expr)).toEqual([`${AURORA_LAG_METRICS[0].prometheusName} / 1000 > 60`, `${AURORA_LAG_METRICS[0].prometheusName} / 1000 > 300`]);
  });
});

describe("the Aurora alert rules", () => {
  it("use the RDS lag alert's thresholds, `for` and severities, in seconds", () => {
    const rds = RDS_RULES.flatMap((g) => g.rules).filter((r) => r.alert === "DatabaseReplicaLagHigh");
    const aurora = AURORA_RULES.flatMap((g) => g.rules).filter((r) => r.alert === "DatabaseGlobalReplicationLagHigh");
    expect(aurora).toHaveLength(rds.length);
    const threshold = (e: unknown) => Number(/> (\d+)$/.exec(String(e))![1]);
    expect(aurora.map((r) => [threshold(r.expr), r.for, r.labels])).toEqual(rds.map((r) => [threshold(r.expr), r.for, r.labels]));
    for (const r of aurora) expect(String((r.annotations as any).description)).toMatch(/"Database\s+failover and failback runbook"/);
  });

  it("are deployed in the Aurora mode only, as a group of their own next to the shared rules", () => {
    const rds = engineMonitoringContent(resolveConfig({}, "test"), "secondary", PROJECT_ROOT);
    expect(rds.ruleGroups).toEqual(RDS_RULES);
    expect(rds.auroraGlobal).toBeUndefined();
    expect(exprs(rds.ruleGroups).join("\n")).not.toMatch(/aurora/);
    const aurora = engineMonitoringContent(resolveConfig(AURORA, "test"), "secondary", PROJECT_ROOT);
    expect(aurora.ruleGroups.map((g) => g.name)).toEqual(["drweb-web", "drweb-database", "drweb-database-aurora"]);
  });

  it("refuses an Aurora group whose name the shared file already uses (they share one PrometheusRule)", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "drmon-aurora-"));
    fs.mkdirSync(path.join(root, "monitoring", "rules"), { recursive: true });
    fs.cpSync(path.join(PROJECT_ROOT, "monitoring", "dashboards"), path.join(root, "monitoring", "dashboards"), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.rules), path.join(root, MONITORING_FILES.rules));
    fs.writeFileSync(path.join(root, MONITORING_FILES.auroraRules), "groups:\n  - name: drweb-database\n    rules: []\n");
    expect(() => engineMonitoringContent(resolveConfig(AURORA, "test"), "primary", root)).toThrow(/group "drweb-database" is also in .*drweb-alerts\.yaml; rename it/);
  });
});

describe("the dashboards in the Aurora mode", () => {
  const rdsContent = engineMonitoringContent(resolveConfig({}, "test"), "primary", PROJECT_ROOT);
  const auroraContent = engineMonitoringContent(resolveConfig(AURORA, "test"), "primary", PROJECT_ROOT);
  const byName = (ds: typeof DASHBOARDS, n: string) => ds.find((d) => d.name === n)!;

  it("are the repository's files unchanged in the RDS mode", () => {
    expect(rdsContent.dashboards).toEqual(DASHBOARDS);
  });

  it("query the Aurora lag wherever the RDS mode queries ReplicaLag, and change nothing else", () => {
    const before = JSON.parse(byName(DASHBOARDS, "drweb-database").json);
    const after = JSON.parse(byName(auroraContent.dashboards, "drweb-database").json);
    expect(byName(auroraContent.dashboards, "drweb-database").json).not.toContain(RDS_LAG_METRIC);
    const lagIds = before.panels.filter((p: any) => (p.targets ?? []).some((t: any) => t.expr.includes(RDS_LAG_METRIC))).map((p: any) => p.id);
    expect(lagIds).toEqual([10, 11]);
    for (const [i, p] of before.panels.entries()) {
      const q = after.panels[i];
      if (!lagIds.includes(p.id)) {
        expect(q).toEqual(p);
        continue;
      }
      // Same panel, layout, units and thresholds; two Aurora queries in seconds, the original's range/instant kept.
      const { targets: tb, title: _tb, description: _db, ...restBefore } = p;
      const { targets: ta, title, description, ...restAfter } = q;
      expect(restAfter).toEqual(restBefore);
      expect(title).toMatch(/Aurora global lag/);
      expect(description).toMatch(/AuroraGlobalDBRPOLag/);
      expect(ta.map((t: any) => t.expr)).toEqual(AURORA_LAG_METRICS.map((m) => `max by (dbcluster_identifier) (${m.prometheusName}) / 1000`));
      expect(ta.map((t: any) => t.refId)).toEqual(["A", "B"]);
      for (const t of ta) expect({ ...t, expr: undefined, legendFormat: undefined, refId: undefined }).toEqual({ ...tb[0], expr: undefined, legendFormat: undefined, refId: undefined });
    }
    expect({ ...after, panels: undefined }).toEqual({ ...before, panels: undefined });
    // A dashboard without a lag panel keeps its exact text.
    expect(byName(auroraContent.dashboards, "drweb-web-red").json).toBe(byName(DASHBOARDS, "drweb-web-red").json);
  });

  it("refuses a panel that mixes the RDS lag with other queries rather than drop them", () => {
    const d = { name: "x", fileName: "x.json", json: JSON.stringify({ panels: [{ id: 1, title: "t", targets: [{ expr: RDS_LAG_METRIC }, { expr: "up" }] }] }) };
    expect(() => auroraDashboard(d)).toThrow(/x\.json, panel 1 \(t\): mixes aws_rds_replica_lag_average with other queries/);
  });

  it("pass the repository's dashboard checks, and the real promtool parses every query", async () => {
    const setup = await run("bash", [path.join(PROJECT_ROOT, "scripts", "setup-promtool.sh")]);
    expect(setup.status, setup.stderr).toBe(0);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "drmon-aurora-dash-"));
    fs.mkdirSync(path.join(root, "webapp", "drweb"), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, "webapp", "drweb", "metrics.py"), path.join(root, "webapp", "drweb", "metrics.py"));
    fs.cpSync(path.join(PROJECT_ROOT, "monitoring", "rules"), path.join(root, "monitoring", "rules"), { recursive: true });
    fs.mkdirSync(path.join(root, "monitoring", "dashboards"));
    for (const d of auroraContent.dashboards) fs.writeFileSync(path.join(root, "monitoring", "dashboards", d.fileName), d.json);
    const out = path.join(root, "queries.yaml");
    const check = await run("python3", [path.join(PROJECT_ROOT, "monitoring", "check-queries.py"), root, out]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).not.toMatch(/^FAIL/m);
    expect(fs.readFileSync(out, "utf8")).toContain(AURORA_LAG_METRICS[0].prometheusName);
    const parsed = await run("promtool", ["check", "rules", out]);
    expect(parsed.status, parsed.stdout + parsed.stderr).toBe(0);
  });
});

describe("the monitoring stack in the Aurora mode", () => {
  const config = resolveConfig(AURORA, "test");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drsynth-aurora-mon-"));
  const app = new App({ outdir });
  for (const role of ["primary", "secondary"] as const) new MonitoringStack(app, `${role}-monitoring`, { config, role, projectRoot: PROJECT_ROOT });
  app.synth();
  const stack = (name: string): StackJson => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
  const unescapeTf = (s: string) => s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");

  it("deploys the Aurora rules, the Aurora exporter source of its own region and the Aurora dashboards", () => {
    for (const role of ["primary", "secondary"] as const) {
      const s = stack(`${role}-monitoring`);
      const releases = resourceList(s, "helm_release");
      const kps = parse(unescapeTf(releases.find((r) => r.chart === "kube-prometheus-stack").values[0]));
      const groups = kps.additionalPrometheusRulesMap["drweb-alerts"].groups;
      expect(groups.map((g: any) => g.name)).toEqual(["drweb-web", "drweb-database", "drweb-database-aurora", "drweb-backup"]);
      const exporter = parse(unescapeTf(releases.find((r) => r.chart === "prometheus-cloudwatch-exporter").values[0]));
      const cw = parse(exporter.config);
      expect(cw.metrics[0].aws_dimension_select).toEqual({ DBClusterIdentifier: [regionClusterIdentifier(config, role)] });
      const dash = resourceList(s, "kubernetes_config_map_v1").find((c) => c.metadata.name === "dashboard-drweb-database");
      const json = unescapeTf(dash.data["drweb-database.json"]);
      expect(json).toContain(AURORA_LAG_METRICS[0].prometheusName);
      expect(json).not.toContain(RDS_LAG_METRIC);
    }
  });
});
