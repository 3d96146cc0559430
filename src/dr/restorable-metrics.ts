import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { ValidConfig } from "../config";
import { roleMetricDeployment } from "../eks/contract";
import { Naming } from "../lib/naming";
import { BACKUP_METRIC } from "../monitoring/backup-metric";
import type { RestorableStatus } from "./restorable-status";

/**
 * `dr status --publish-metrics`: each region's restorable window as
 * CloudWatch metrics IN THAT REGION (PutMetricData to the region's own
 * CloudWatch; the exporter of a region reads only its own CloudWatch), for
 * the alerts of monitoring/rules/drweb-backup-alerts.yaml. Names:
 * src/monitoring/backup-metric.ts.
 *
 * Per region whose window was read: Found 1 or 0 and, when found and the
 * latest restorable time is known, RestorableLagSeconds with
 * RestorableLagLimitSeconds (runbook.maxRestorableLagMinutes) beside it.
 * A window that could not be read publishes nothing (the region does not
 * answer: its CloudWatch most likely not either); a platform without
 * restorableWindow publishes nothing. PutMetricData is not idempotent in
 * the sense of "once": a repeat adds a datapoint of the same minute, and the
 * exporter reads the Maximum, so a repeat does no harm.
 */

type CloudWatchSender = Pick<CloudWatchClient, "send">;

export interface PublishedRegion {
  readonly region: string;
  /** The data sent (metric name = value), or why nothing was. */
  readonly sent: readonly string[];
  /** PutMetricData failed: the error; null: sent, or nothing to send. */
  readonly error: string | null;
}

export function restorableMetricData(config: ValidConfig, s: RestorableStatus): Array<{ readonly region: string; readonly data: MetricDatum[] }> {
  const deployment = roleMetricDeployment(new Naming(config.project, config.environment, config.regions.primary.region));
  const d = BACKUP_METRIC.dimensions;
  const out: Array<{ region: string; data: MetricDatum[] }> = [];
  for (const r of s.regions) {
    if (r.found === null) continue;
    const dims = [
      { Name: d.deployment, Value: deployment },
      { Name: d.region, Value: r.region },
      { Name: d.source, Value: r.source },
    ];
    const data: MetricDatum[] = [{ MetricName: BACKUP_METRIC.found.metricName, Dimensions: dims, Value: r.found ? 1 : 0, Unit: BACKUP_METRIC.found.unit }];
    if (r.found && r.lagSeconds !== null) {
      data.push(
        { MetricName: BACKUP_METRIC.lag.metricName, Dimensions: dims, Value: Math.round(r.lagSeconds), Unit: BACKUP_METRIC.lag.unit },
        { MetricName: BACKUP_METRIC.limit.metricName, Dimensions: dims, Value: s.maxLagMinutes * 60, Unit: BACKUP_METRIC.limit.unit },
      );
    }
    out.push({ region: r.region, data });
  }
  return out;
}

export async function publishRestorableMetrics(config: ValidConfig, s: RestorableStatus, cloudwatch: (region: string) => CloudWatchSender): Promise<PublishedRegion[]> {
  if (!s.available) return [];
  return Promise.all(
    restorableMetricData(config, s).map(async ({ region, data }): Promise<PublishedRegion> => {
      const sent = data.map((m) => `${m.MetricName}{${m.Dimensions!.find((x) => x.Name === BACKUP_METRIC.dimensions.source)!.Value}}=${m.Value}`);
      try {
        await cloudwatch(region).send(new PutMetricDataCommand({ Namespace: BACKUP_METRIC.namespace, MetricData: data }));
        return { region, sent, error: null };
      } catch (e) {
        return { region, sent: [], error: `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}` };
      }
    }),
  );
}
