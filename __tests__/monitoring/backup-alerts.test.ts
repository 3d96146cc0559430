// The restorable-window alerts (issue 26 point 4): what `dr status --publish-metrics` puts into CloudWatch, what the
// CloudWatch exporter reads and what the rules use are the same names (src/monitoring/backup-metric.ts); the rules'
// behaviour itself is promtool's unit tests (monitoring/rules/drweb-backup-alerts.test.yaml, scripts/test-promtool.sh).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config";
import { restorableMetricData } from "../../src/dr/restorable-metrics";
import type { RestorableStatus } from "../../src/dr/restorable-status";
import { BACKUP_METRIC, BACKUP_METRIC_RANGE_SECONDS, BACKUP_PROMETHEUS_NAMES } from "../../src/monitoring/backup-metric";
import { loadRuleGroups, MONITORING_FILES, withBackupRules } from "../../src/monitoring/repo-files";
import { cloudwatchExporterValues } from "../../src/monitoring/values";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const ROLE = { deployment: "drweb-prod", regions: ["us-east-2", "us-west-1"] };
// cloudwatch_exporter's series name: safeName(lower(namespace) + "_" + snake(metric)) + "_" + statistic
// (CloudWatchCollector.scrape: toSnakeCase = replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(); safeName
// replaces [^a-zA-Z0-9:_] with "_" and merges "__+").
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
const exporterName = (m: any) => `${m.aws_namespace.toLowerCase()}_${snake(m.aws_metric_name)}_${m.aws_statistics[0].toLowerCase()}`.replace(/[^a-zA-Z0-9:_]/g, "_").replace(/__+/g, "_");
const BACKUP_RULES = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.backupRules));

describe("the restorable-window metrics from CloudWatch", () => {
  const entries = (region: string) => (parse((cloudwatchExporterValues({ region, scrapeIntervalSeconds: 30, roleMetric: ROLE }) as any).config).metrics as any[]).filter((m) => m.aws_namespace === BACKUP_METRIC.namespace);

  it("each region's exporter reads its own region's series of both sources, every dimension given, within GetMetricStatistics' 1,440 datapoints", () => {
    for (const region of ROLE.regions) {
      const ms = entries(region);
      expect(ms.map(exporterName)).toEqual([BACKUP_METRIC.found.prometheusName, BACKUP_METRIC.lag.prometheusName, BACKUP_METRIC.limit.prometheusName]);
      for (const m of ms) {
        expect(m.aws_dimension_select).toEqual({ Deployment: ["drweb-prod"], Region: [region], Source: ["instance", "replicated"] });
        // Every dimension has its values: GetMetricStatistics directly, never ListMetrics.
        expect(Object.keys(m.aws_dimension_select)).toEqual(m.aws_dimensions);
        expect(m.range_seconds / m.period_seconds).toBeLessThanOrEqual(1440);
        // A nightly datapoint stays visible until the next one.
        expect(m.range_seconds).toBeGreaterThan(BACKUP_METRIC.publishSeconds);
        expect(m.range_seconds).toBe(BACKUP_METRIC_RANGE_SECONDS);
      }
    }
  });

  it("dr status --publish-metrics sends exactly the metrics and dimensions the exporter reads", () => {
    const config = resolveConfig({});
    const s: RestorableStatus = {
      available: true,
      writer: { role: "primary", generation: 1, identifier: "w" },
      maxLagMinutes: 15,
      findings: [],
      regions: [
        { role: "primary", region: "us-east-2", source: "instance", window: null, found: true, lagSeconds: 60, lagHigh: false },
        { role: "secondary", region: "us-west-1", source: "replicated", window: null, found: true, lagSeconds: 400, lagHigh: false },
      ],
    };
    for (const { region, data } of restorableMetricData(config, s)) {
      const read = entries(region);
      expect(data.map((d) => d.MetricName)).toEqual(read.map((m) => m.aws_metric_name));
      for (const d of data) {
        const m = read.find((x) => x.aws_metric_name === d.MetricName)!;
        expect(d.Dimensions!.map((x) => x.Name)).toEqual(m.aws_dimensions);
        for (const x of d.Dimensions!) expect(m.aws_dimension_select[x.Name!]).toContain(x.Value);
      }
    }
  });

  it("the rules use every exported name, and the repository's query check knows them", () => {
    const exprs = BACKUP_RULES.flatMap((g) => g.rules.map((r) => String(r.expr))).join("\n");
    for (const n of BACKUP_PROMETHEUS_NAMES) expect(exprs).toContain(n);
    expect(BACKUP_RULES.flatMap((g) => g.rules.map((r) => r.alert))).toEqual(["BackupRestorableLagHigh", "BackupNotReplicated", "BackupsMissing", "BackupRestorableWindowUnknown"]);
    const check = fs.readFileSync(path.join(PROJECT_ROOT, "monitoring", "check-queries.py"), "utf8");
    for (const n of BACKUP_PROMETHEUS_NAMES) expect(check).toContain(`"${n}"`);
  });

  it("are deployed after the engine's groups, and a group name that repeats one of theirs is refused", () => {
    const rds = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.rules));
    expect(withBackupRules(rds, PROJECT_ROOT).map((g) => g.name)).toEqual([...rds.map((g) => g.name), "drweb-backup"]);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "drmon-backup-"));
    fs.mkdirSync(path.join(root, "monitoring", "rules"), { recursive: true });
    fs.writeFileSync(path.join(root, MONITORING_FILES.backupRules), "groups:\n  - name: drweb-database\n    rules: []\n");
    expect(() => withBackupRules(rds, root)).toThrow(/drweb-backup-alerts\.yaml: group "drweb-database" is also in the other rule files; rename it/);
  });
});
