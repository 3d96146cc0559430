import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../config";
import { isAurora, regionClusterIdentifier } from "../database/aurora-contract";
import { type DashboardFile, loadDashboards, loadRuleGroups, MONITORING_FILES, type RuleGroup } from "./repo-files";
import { AURORA_LAG_METRICS, type AuroraLagSource } from "./values";

/**
 * What a region's monitoring deploys for the configured database engine.
 *
 * RDS mode (`database.engine: "postgres"`): the repository's rule file and
 * dashboards exactly as they are, and no Aurora source (the exporter reads
 * RDS ReplicaLag). Nothing here changes what that mode synthesizes.
 *
 * Aurora Global Database mode: the same rules plus the Aurora rule file
 * (monitoring/rules/drweb-aurora-alerts.yaml: DatabaseGlobalReplicationLagHigh),
 * the dashboards with every RDS ReplicaLag query replaced by the Aurora
 * global lag (auroraDashboard), and this region's member cluster as the
 * exporter's lag source. The RDS DatabaseReplicaLagHigh rule stays deployed
 * there but cannot fire: its metric (aws_rds_replica_lag_average) is not
 * exported in this mode, and a comparison on an absent series is an empty
 * result (a promtool case in drweb-aurora-alerts.test.yaml checks it). The
 * Aurora rules are not deployed in the RDS mode at all.
 */
export interface EngineMonitoringContent {
  readonly ruleGroups: RuleGroup[];
  readonly dashboards: DashboardFile[];
  readonly auroraGlobal?: AuroraLagSource;
}

export function engineMonitoringContent(config: ValidConfig, role: RegionRole, projectRoot: string): EngineMonitoringContent {
  const ruleGroups = loadRuleGroups(path.join(projectRoot, MONITORING_FILES.rules));
  const dashboards = loadDashboards(path.join(projectRoot, MONITORING_FILES.dashboards));
  if (!isAurora(config)) return { ruleGroups, dashboards };
  const aurora = loadRuleGroups(path.join(projectRoot, MONITORING_FILES.auroraRules));
  const names = new Set(ruleGroups.map((g) => g.name));
  for (const g of aurora) {
    if (names.has(g.name)) throw new Error(`${MONITORING_FILES.auroraRules}: group "${g.name}" is also in ${MONITORING_FILES.rules}; rename it (one PrometheusRule holds both files' groups)`);
  }
  return {
    ruleGroups: [...ruleGroups, ...aurora],
    dashboards: dashboards.map(auroraDashboard),
    auroraGlobal: { clusterIdentifier: regionClusterIdentifier(config, role) },
  };
}

/** The RDS lag metric the dashboards query in the RDS mode. */
export const RDS_LAG_METRIC = "aws_rds_replica_lag_average";

/**
 * The Aurora queries that replace a query of RDS_LAG_METRIC: the RPO lag and
 * the replication lag of the member cluster that is a secondary, in seconds
 * (CloudWatch reports milliseconds), one series per cluster. In a region
 * whose cluster is the global primary the exporter has neither series, so
 * the panel shows "No data" there, as the RDS panel does in the region
 * without a replica.
 */
export function auroraLagTargets(original: Record<string, unknown>): Array<Record<string, unknown>> {
  const [rpo, replication] = AURORA_LAG_METRICS;
  return [
    { ...original, expr: `max by (dbcluster_identifier) (${rpo.prometheusName}) / 1000`, legendFormat: "{{dbcluster_identifier}} RPO lag", refId: "A" },
    { ...original, expr: `max by (dbcluster_identifier) (${replication.prometheusName}) / 1000`, legendFormat: "{{dbcluster_identifier}} replication lag", refId: "B" },
  ];
}

type Panel = { title?: string; description?: string; targets?: Array<Record<string, unknown>>; panels?: Panel[] } & Record<string, unknown>;

/**
 * A dashboard for the Aurora mode: every panel with a query of
 * RDS_LAG_METRIC gets the Aurora lag queries instead (auroraLagTargets,
 * keeping the query's datasource and range/instant settings), and says so in
 * its title and description; thresholds, units and layout stay. A dashboard
 * without such a panel is returned unchanged (the same text).
 */
export function auroraDashboard(d: DashboardFile): DashboardFile {
  const doc = JSON.parse(d.json) as { panels?: Panel[] };
  let changed = false;
  const visit = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      visit(p.panels);
      const targets = p.targets ?? [];
      const rds = targets.filter((t) => typeof t.expr === "string" && t.expr.includes(RDS_LAG_METRIC));
      if (rds.length === 0) continue;
      if (rds.length !== targets.length) {
        throw new Error(`dashboard ${d.fileName}, panel ${String(p.id)} (${p.title}): mixes ${RDS_LAG_METRIC} with other queries; the Aurora variant replaces whole lag panels only`);
      }
      p.targets = auroraLagTargets(rds[0]);
      p.title = (p.title ?? "").replace(/\s*\(RDS ReplicaLag\)\s*$/, "").replace(/replica lag/i, "Aurora global lag");
      p.description =
        "Aurora Global Database mode: CloudWatch AWS/RDS AuroraGlobalDBRPOLag (committed data a failover now would lose) and AuroraGlobalDBReplicationLag of the secondary member cluster, milliseconds shown as seconds, from the CloudWatch exporter (label dbcluster_identifier). Published only in the region whose cluster is a secondary: the other region shows no data. Thresholds: the 60s (warning) and 300s (critical) DatabaseGlobalReplicationLagHigh levels (RPO lag).";
      changed = true;
    }
  };
  visit(doc.panels);
  return changed ? { ...d, json: `${JSON.stringify(doc, null, 2)}\n` } : d;
}
