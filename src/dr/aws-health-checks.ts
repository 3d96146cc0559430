import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetHealthCheckStatusCommand, ListHealthChecksCommand, ListTagsForResourcesCommand, type HealthCheck } from "@aws-sdk/client-route-53";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import type { RegionRole, ValidConfig } from "../config";
import { HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, type HealthCheckRole, handoffRegion, healthCheckParameter } from "../dns/contract";
import type { AwsClients } from "./aws-clients";
import { AwsService, type AdapterCalls } from "./aws-service";
import type { Clock } from "./clock";
import type { HealthCheckState, OutageState, SwitchChecksState, SwitchState } from "./platform";

// The AWS adapter's health reads (part of AwsPlatform, aws-platform.ts): Route 53's verdict on each region (its
// HealthCheckStatus metric in CloudWatch us-east-1, check ids from SSM in the handoff region) for `outage` and the
// switch checks, and the dns stack's checks for `dr status` (Route 53's ListHealthChecks, detail only).

/**
 * The newest verdict of a HealthCheckStatus series (newest first): Minimum 1
 * healthy; Maximum 0 unhealthy; a mixed minute changed in it, so it counts as
 * what it changed to (the opposite of the minute before; null without one).
 */
function newestVerdict(series: ReadonlyArray<{ min: number; max: number }>): boolean | null {
  const [latest, previous] = series;
  if (!latest) return null;
  if (latest.min >= 1) return true;
  if (latest.max === 0) return false;
  return previous === undefined ? null : previous.max === 0;
}

/** Route53 counts an endpoint healthy when more than 18% of its checkers report it healthy. */
export const ROUTE53_HEALTHY_FRACTION = 0.18;

interface FoundCheck {
  readonly role: HealthCheckRole;
  readonly check: HealthCheck;
}

export class AwsHealthChecks extends AwsService {
  private checkIds: Promise<ReadonlyMap<HealthCheckRole, string>> | undefined;

  constructor(
    config: ValidConfig,
    clients: AwsClients,
    clock: Clock,
    calls: AdapterCalls,
    /** The failover switch's state (aws-failover-switch.ts): what a CLOUDWATCH_METRIC check follows. */
    private readonly failoverSwitch: () => Promise<SwitchState>,
  ) {
    super(config, clients, clock, calls);
  }


  /** The dns stack's health checks, by their HEALTH_CHECK_TAG tag (and this deployment's project/environment tags). */
  private async findHealthChecks(): Promise<FoundCheck[]> {
    const all: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send<{ HealthChecks?: HealthCheck[]; IsTruncated?: boolean; NextMarker?: string }>(this.clients.route53, new ListHealthChecksCommand({ Marker: marker, MaxItems: 100 }), "Route53 ListHealthChecks");
      all.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    const found: FoundCheck[] = [];
    for (let i = 0; i < all.length; i += 10) {
      const batch = all.slice(i, i + 10);
      const tags = await this.send<{ ResourceTagSets?: Array<{ ResourceId?: string; Tags?: Array<{ Key?: string; Value?: string }> }> }>(
        this.clients.route53,
        new ListTagsForResourcesCommand({ ResourceType: "healthcheck", ResourceIds: batch.map((h) => h.Id!) }),
        "Route53 ListTagsForResources",
      );
      for (const set of tags.ResourceTagSets ?? []) {
        const t = Object.fromEntries((set.Tags ?? []).map((x) => [x.Key ?? "", x.Value ?? ""]));
        const role = t[HEALTH_CHECK_TAG] as HealthCheckRole | undefined;
        if (!role || !(HEALTH_CHECK_ROLES as readonly string[]).includes(role)) continue;
        if (t.project !== undefined && t.project !== this.config.project) continue;
        if (t.environment !== undefined && t.environment !== this.config.environment) continue;
        const check = batch.find((h) => h.Id === set.ResourceId);
        if (check) found.push({ role, check });
      }
    }
    return found;
  }

  /**
   * The checkers' last single results (GetHealthCheckStatus): shown by `dr
   * status` as detail only. AWS: "This API is intended for use during
   * development to diagnose behavior. It doesn't support production use-cases
   * with high query rates that require immediate and actionable responses"
   * (Route 53 API Reference, GetHealthCheckStatus): no decision rests on it
   * (outage() reads Route53's own verdict, the HealthCheckStatus metric).
   */
  private async endpointHealth(id: string): Promise<{ healthy: boolean | null; detail: string }> {
    const st = await this.send<{ HealthCheckObservations?: Array<{ StatusReport?: { Status?: string } }> }>(this.clients.route53, new GetHealthCheckStatusCommand({ HealthCheckId: id }), "Route53 GetHealthCheckStatus");
    const obs = st.HealthCheckObservations ?? [];
    if (!obs.length) return { healthy: null, detail: "no checker observations yet" };
    const good = obs.filter((o) => (o.StatusReport?.Status ?? "").startsWith("Success")).length;
    return { healthy: good / obs.length > ROUTE53_HEALTHY_FRACTION, detail: `${good}/${obs.length} checkers report success` };
  }

  /** HealthCheckStatus datapoints (Route53 publishes them in us-east-1 only), 1-minute Minimum and Maximum, newest first. */
  private async metricSeries(id: string, minutes: number): Promise<Array<{ at: number; min: number; max: number }>> {
    const end = this.clock.now();
    const metric = { Namespace: "AWS/Route53", MetricName: "HealthCheckStatus", Dimensions: [{ Name: "HealthCheckId", Value: id }] };
    const out = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch("us-east-1"),
      new GetMetricDataCommand({
        // The window is generous on both sides: it is never compared with this host's clock, only its datapoints with each other and with AWS's clock.
        StartTime: new Date(end - (minutes + 10) * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "lo", ReturnData: true, MetricStat: { Metric: metric, Period: 60, Stat: "Minimum" } },
          { Id: "hi", ReturnData: true, MetricStat: { Metric: metric, Period: 60, Stat: "Maximum" } },
        ],
      }),
      "CloudWatch GetMetricData HealthCheckStatus (us-east-1)",
    );
    const lo = out.MetricDataResults?.find((r) => r.Id === "lo");
    const hi = out.MetricDataResults?.find((r) => r.Id === "hi");
    const byTime = new Map<number, { at: number; min: number; max: number }>();
    (hi?.Timestamps ?? []).forEach((t, i) => byTime.set(t.getTime(), { at: t.getTime(), min: hi!.Values![i], max: hi!.Values![i] }));
    (lo?.Timestamps ?? []).forEach((t, i) => {
      const e = byTime.get(t.getTime());
      if (e) e.min = lo!.Values![i];
      else byTime.set(t.getTime(), { at: t.getTime(), min: lo!.Values![i], max: lo!.Values![i] });
    });
    return [...byTime.values()].sort((a, b) => b.at - a.at);
  }

  /** Latest HealthCheckStatus datapoint: 1 healthy, 0 unhealthy. */
  private async metricHealth(id: string): Promise<{ value: number; at: number } | null> {
    const series = await this.metricSeries(id, 10);
    return series.length ? { value: series[0].min, at: series[0].at } : null;
  }


  /**
   * Route53's own verdict on the region's endpoint check: its HealthCheckStatus
   * metric ("1 indicates healthy, and 0 indicates unhealthy": Route 53
   * Developer Guide, "Monitoring health checks using CloudWatch"), 1-minute
   * datapoints. A minute whose Maximum is 0 was unhealthy throughout; the run
   * of such minutes ending at the newest datapoint is how long the outage has
   * lasted (timestamps compared with each other only). The newest minute:
   * Minimum 1 healthy; Maximum 0 unhealthy; mixed: the verdict changed in it,
   * so it counts as what it changed to (healthy after unhealthy minutes: the
   * primary is back; unhealthy after healthy ones: it just went down).
   */
  async outage(role: RegionRole): Promise<OutageState> {
    // The check's id from the dns stack's SSM parameter in the handoff region (no Route 53 API), then only the metric.
    const ids = await this.healthCheckIds();
    const id = ids.get(role);
    if (!id) {
      return {
        healthy: null,
        unreadable: true,
        unhealthyForSeconds: 0,
        sampleAgeSeconds: null,
        detail: `no SSM parameter ${healthCheckParameter(this.config, role)} in ${handoffRegion(this.config)}: the dns stack publishes the health-check ids there (HealthCheckHandoff); deploy it (npx cdktf deploy dns)`,
      };
    }
    const minutes = Math.ceil(this.config.runbook.minOutageSeconds / 60) + 5;
    const series = await this.metricSeries(id, minutes);
    if (!series.length) return { healthy: null, unhealthyForSeconds: 0, sampleAgeSeconds: null, detail: `HealthCheckStatus of ${id} (us-east-1): no datapoint in the last ${minutes} minutes` };
    const [latest] = series;
    let run = 0;
    while (run < series.length && series[run].max === 0 && (run === 0 || series[run - 1].at - series[run].at === 60_000)) run++;
    const healthy = newestVerdict(series) ?? false;
    const { now, source } = this.awsNow("us-east-1");
    const age = Math.max(0, (now - (latest.at + 60_000)) / 1000);
    const unhealthyForSeconds = healthy ? 0 : run * 60;
    const recent = series.slice(0, 5).map((d) => `${new Date(d.at).toISOString().slice(11, 16)} ${d.min === d.max ? d.min : `${d.min}-${d.max}`}`).join(", ");
    return {
      healthy,
      unhealthyForSeconds,
      sampleAgeSeconds: age,
      detail: `Route53 HealthCheckStatus of the ${role} check ${id} (us-east-1; id from SSM in ${handoffRegion(this.config)}), per minute (newest first): ${recent}; ${run} whole unhealthy minute(s); newest ${Math.round(age)} s old on ${source}`,
    };
  }


  /**
   * The dns stack's health-check ids by role: it publishes each as an SSM
   * String parameter in the handoff region (stacks/dns-stack.ts,
   * HealthCheckHandoff; names: healthCheckParameter), so the recovery path
   * reads them with one GetParameters call in us-west-1 instead of Route 53's
   * ListHealthChecks / ListTagsForResources (Route 53's control plane, in
   * us-east-1: "you should not rely on the Route 53 control plane in your
   * recovery path", AWS Fault Isolation Boundaries whitepaper, "Global
   * services"). A name GetParameters does not find is left out of its
   * Parameters (it lists it under InvalidParameters): the role has no id.
   * Read once a run (the ids change only when the dns stack replaces a check).
   */
  private healthCheckIds(): Promise<ReadonlyMap<HealthCheckRole, string>> {
    this.checkIds ??= (async () => {
      const region = handoffRegion(this.config);
      const byName = new Map(HEALTH_CHECK_ROLES.map((role) => [healthCheckParameter(this.config, role), role] as const));
      const out = await this.send<{ Parameters?: Array<{ Name?: string; Value?: string }> }>(
        this.clients.ssm(region),
        new GetParametersCommand({ Names: [...byName.keys()] }),
        `SSM GetParameters health-check ids (${region})`,
      );
      const ids = new Map<HealthCheckRole, string>();
      for (const p of out.Parameters ?? []) {
        const role = byName.get(p.Name ?? "");
        if (role && p.Value) ids.set(role, p.Value);
      }
      return ids;
    })().catch((e: unknown) => {
      this.checkIds = undefined;
      throw e;
    });
    return this.checkIds;
  }

  /**
   * Route 53's own view of the two switch checks: the newest datapoint of each
   * one's HealthCheckStatus (us-east-1), ids from SSM (no Route 53 API). "When
   * you create a health check, Amazon Route 53 starts to send metrics and
   * dimensions once a minute to CloudWatch" (every type), HealthCheckStatus "1
   * indicates healthy, and 0 indicates unhealthy" (Route 53 Developer Guide,
   * "Amazon Route 53 metrics and dimensions"); the console's "Health check
   * status" graph is "the Route 53 assessment" ("Monitoring health checks
   * using CloudWatch"). How fast a CLOUDWATCH_METRIC check follows its alarm's
   * data stream is not documented; this is what shows that it has. Not run
   * against AWS here (no AWS account): the tests model it (fake-aws.ts).
   */
  async switchChecks(): Promise<SwitchChecksState> {
    const ids = await this.healthCheckIds();
    const sw = ids.get("switch");
    const forced = ids.get("switch-forced");
    if (!sw || !forced) throw new Error(`no SSM parameter ${healthCheckParameter(this.config, sw ? "switch-forced" : "switch")} in ${handoffRegion(this.config)}: the dns stack publishes the switch checks' ids there`);
    const [a, b] = await Promise.all([this.metricSeries(sw, 5), this.metricSeries(forced, 5)]);
    const { now, source } = this.awsNow("us-east-1");
    const ages = [a[0], b[0]].filter((d) => d !== undefined).map((d) => Math.max(0, (now - (d.at + 60_000)) / 1000));
    const text = (role: string, id: string, series: typeof a) =>
      `${role} ${id}: ${series.length ? series.slice(0, 3).map((d) => `${new Date(d.at).toISOString().slice(11, 16)} ${d.min === d.max ? d.min : `${d.min}-${d.max}`}`).join(", ") : "no datapoint"}`;
    return {
      switchHealthy: newestVerdict(a),
      switchForcedHealthy: newestVerdict(b),
      sampleAgeSeconds: ages.length === 2 ? Math.max(...ages) : null,
      detail: `Route 53 HealthCheckStatus (us-east-1), per minute, newest first: ${text("switch", sw, a)}; ${text("switch-forced", forced, b)}${ages.length ? ` (newest ${Math.round(Math.max(...ages))} s old on ${source})` : ""}`,
    };
  }

  async healthChecks(): Promise<HealthCheckState[]> {
    const found = await this.findHealthChecks();
    const byId = new Map(found.map((f) => [f.check.Id!, f]));
    // Endpoint checks: the checkers' last results (GetHealthCheckStatus), detail only.
    const endpoint = new Map<string, { healthy: boolean | null; detail: string }>();
    for (const f of found) {
      const t = f.check.HealthCheckConfig?.Type;
      if (t !== "CALCULATED" && t !== "CLOUDWATCH_METRIC") endpoint.set(f.check.Id!, await this.endpointHealth(f.check.Id!));
    }
    // Checks that follow an alarm: what the alarm state makes them (Route53
    // follows the alarm's data stream; with no data, the last known status,
    // which the alarm state keeps too: treat_missing_data "ignore").
    let switchState: SwitchState | undefined;
    const computed = async (id: string): Promise<{ healthy: boolean | null; detail: string }> => {
      const e = endpoint.get(id);
      if (e) return e;
      const cfg = byId.get(id)?.check.HealthCheckConfig;
      if (cfg?.Type === "CLOUDWATCH_METRIC") {
        switchState ??= await this.failoverSwitch();
        const alarm = cfg.AlarmIdentifier;
        const raw = switchState.alarmState === "OK" ? true : switchState.alarmState === "ALARM" ? false : null;
        const healthy = raw === null ? null : cfg.Inverted ? !raw : raw;
        return { healthy, detail: `follows alarm ${alarm?.Name ?? "?"} (${alarm?.Region ?? "?"}): ${switchState.alarmState ?? "missing"}${cfg.Inverted ? ", inverted" : ""}` };
      }
      if (cfg?.Type === "CALCULATED") {
        const children = cfg.ChildHealthChecks ?? [];
        const threshold = cfg.HealthThreshold ?? 1;
        let healthyChildren = 0;
        let unknown = 0;
        for (const c of children) {
          const r = byId.has(c) ? await computed(c) : await this.endpointHealth(c);
          if (r.healthy === null) unknown++;
          else if (r.healthy) healthyChildren++;
        }
        const verdict = healthyChildren >= threshold ? true : healthyChildren + unknown >= threshold ? null : false;
        const healthy = verdict === null ? null : cfg.Inverted ? !verdict : verdict;
        return { healthy, detail: `CALCULATED ${healthyChildren}/${children.length} children healthy${unknown ? ` (${unknown} unknown)` : ""}, threshold ${threshold} => ${healthy === null ? "unknown" : healthy ? "healthy" : "unhealthy"}` };
      }
      return this.endpointHealth(id);
    };
    const out: HealthCheckState[] = [];
    for (const f of found) {
      const cfg = f.check.HealthCheckConfig;
      const c = await computed(f.check.Id!);
      // Route53's own verdict for every check is the HealthCheckStatus metric (us-east-1): it wins over what is computed here.
      const metric = await this.metricHealth(f.check.Id!);
      const metricText = `CloudWatch HealthCheckStatus ${metric ? `${metric.value} at ${new Date(metric.at).toISOString()}` : "no datapoint"}`;
      if (cfg?.Type !== "CALCULATED" && cfg?.Type !== "CLOUDWATCH_METRIC") {
        out.push({ role: f.role, id: f.check.Id!, healthy: metric ? metric.value >= 1 : c.healthy, detail: `${cfg?.Type ?? "?"} ${cfg?.FullyQualifiedDomainName ?? ""}${cfg?.ResourcePath ?? ""}: ${metricText}; checkers' last results: ${c.detail}` });
        continue;
      }
      out.push({
        role: f.role,
        id: f.check.Id!,
        healthy: metric ? metric.value >= 1 : c.healthy,
        ...(cfg.Type === "CALCULATED" ? { healthThreshold: cfg.HealthThreshold ?? 1, children: cfg.ChildHealthChecks?.length ?? 0 } : {}),
        detail: `${c.detail}; ${metricText}`,
      });
    }
    return out;
  }
}
