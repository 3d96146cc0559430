import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { ValidConfig } from "../config";
import { Naming } from "../lib/naming";
import type { ReadinessResult, ReadinessStatus } from "./readiness";

/**
 * The readiness check's CloudWatch metrics, names in one place: namespace `<project>/DR` (the failover switch's,
 * src/dns/contract.ts), dimension Deployment (the deployment's base name); `Ready` 1 or 0, and one metric per
 * check: `ReadinessCheck` with a Check dimension (the check's id), 1 ok, 0 failed, -1 could not be read. Published in
 * the secondary region (the checker runs there: it must not depend on the primary). The alarm the next session
 * deploys watches Ready < 1 (missing data: breaching: a checker that stopped is not a ready standby).
 */
export const READINESS_METRIC = {
  ready: "Ready",
  check: "ReadinessCheck",
  dimensions: { deployment: "Deployment", check: "Check" },
  value: { ok: 1, fail: 0, unknown: -1 } as Readonly<Record<ReadinessStatus, number>>,
} as const;

export function readinessNamespace(config: ValidConfig): string {
  return `${config.project}/DR`;
}

/** Where the metrics go: the secondary region. */
export function readinessRegion(config: ValidConfig): string {
  return config.regions.secondary.region;
}

export function readinessMetricData(config: ValidConfig, r: ReadinessResult): MetricDatum[] {
  const deployment = new Naming(config.project, config.environment, config.regions.primary.region).base;
  const d = READINESS_METRIC.dimensions;
  const ts = new Date(r.at);
  return [
    { MetricName: READINESS_METRIC.ready, Dimensions: [{ Name: d.deployment, Value: deployment }], Value: r.ready ? 1 : 0, Unit: "None", Timestamp: ts },
    ...r.checks.map((c): MetricDatum => ({
      MetricName: READINESS_METRIC.check,
      Dimensions: [
        { Name: d.deployment, Value: deployment },
        { Name: d.check, Value: c.id },
      ],
      Value: READINESS_METRIC.value[c.status],
      Unit: "None",
      Timestamp: ts,
    })),
  ];
}

/** Sends one PutMetricData (injectable: tests and the drill record instead of sending). */
export type MetricSink = (region: string, namespace: string, data: MetricDatum[]) => Promise<void>;

/** The CloudWatch sink: PutMetricData in the region (7 datapoints: well within one call's 1000). */
export function cloudWatchSink(cloudwatch: (region: string) => Pick<CloudWatchClient, "send">): MetricSink {
  return async (region, namespace, data) => {
    await cloudwatch(region).send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
  };
}

export interface PublishedReadiness {
  readonly region: string;
  readonly namespace: string;
  /** name{check}=value. */
  readonly sent: readonly string[];
  readonly error: string | null;
}

export async function publishReadiness(config: ValidConfig, r: ReadinessResult, sink: MetricSink): Promise<PublishedReadiness> {
  const region = readinessRegion(config);
  const namespace = readinessNamespace(config);
  const data = readinessMetricData(config, r);
  const sent = data.map((m) => `${m.MetricName}${m.Dimensions!.length > 1 ? `{${m.Dimensions![1].Value}}` : ""}=${m.Value}`);
  try {
    await sink(region, namespace, data);
    return { region, namespace, sent, error: null };
  } catch (e) {
    return { region, namespace, sent: [], error: `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}` };
  }
}
