import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  type DBInstance,
} from "@aws-sdk/client-rds";
import { GetHealthCheckStatusCommand, ListHealthChecksCommand, ListTagsForResourcesCommand, Route53Client, type HealthCheck } from "@aws-sdk/client-route-53";
import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch, HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, type HealthCheckRole, switchValue } from "../dns/contract";
import { classifyAwsError } from "./aws-errors";
import type { Clock } from "./clock";
import type { ResolvedCredentials } from "./credentials";
import { probeApp } from "./http-probe";
import { names } from "./plan";
import type { Check, DatabaseState, DrPlatform, FailureCause, HealthCheckState, ProbeResult, SwitchState, WebState } from "./platform";

/**
 * The runbook on AWS (SDK v3). Everything is found by name or tag from the
 * config (src/dns/contract.ts, dbIdentifier, the web tier's names), never
 * from Terraform state: in the outage that matters, the primary's state
 * bucket may be unreachable.
 */

type Sender<C> = Pick<C, Extract<keyof C, "send">>;

/** The SDK clients the adapter uses; tests pass stubs. */
export interface AwsClients {
  /** Route53 (a global service, endpoint in us-east-1). */
  readonly route53: Sender<Route53Client>;
  /** CloudWatch in a region (us-east-1 holds Route53's metrics; each region its RDS metrics; the secondary the failover switch). */
  cloudwatch(region: string): Sender<CloudWatchClient>;
  rds(region: string): Sender<RDSClient>;
  elbv2(region: string): Sender<ElasticLoadBalancingV2Client>;
  autoscaling(region: string): Sender<AutoScalingClient>;
}

/** The real clients, and the credentials they sign with. */
export interface SdkClients extends AwsClients {
  /**
   * Resolves the credentials the clients of `region` use: that client's own
   * provider (`config.credentials()`, the SDK's default chain, memoized and
   * bound to the client's config as the signer calls it; read in
   * node_modules/@aws-sdk/core/dist-cjs/submodules/httpAuthSchemes/index.js).
   */
  credentials(region: string): Promise<ResolvedCredentials>;
}

/** Real clients with short timeouts and few retries: a region that is down must not hang the runbook. */
export function sdkClients(): SdkClients {
  const common = { maxAttempts: 3, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } };
  const cache = new Map<string, unknown>();
  const get = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const rds = (region: string) => get(`rds:${region}`, () => new RDSClient({ ...common, region }));
  return {
    route53: new Route53Client({ ...common, region: "us-east-1" }),
    cloudwatch: (region) => get(`cw:${region}`, () => new CloudWatchClient({ ...common, region })),
    rds,
    credentials: (region) => rds(region).config.credentials(),
    elbv2: (region) => get(`elb:${region}`, () => new ElasticLoadBalancingV2Client({ ...common, region })),
    autoscaling: (region) => get(`asg:${region}`, () => new AutoScalingClient({ ...common, region })),
  };
}

/** Route53 counts an endpoint healthy when more than 18% of its checkers report it healthy. */
export const ROUTE53_HEALTHY_FRACTION = 0.18;

interface FoundCheck {
  readonly role: HealthCheckRole;
  readonly check: HealthCheck;
}

function isNotFound(e: unknown, name: string): boolean {
  return typeof e === "object" && e !== null && (e as { name?: string }).name === name;
}

export class AwsPlatform implements DrPlatform {
  readonly name = "aws";

  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients,
    private readonly clock: Clock,
    /** The HTTP check of a region's entry point (tests stub it: the ALB is not reachable from here). */
    private readonly probeFn: typeof probeApp = probeApp,
  ) {}

  /** Credentials, permissions, network, throttling: aws-errors.ts. */
  explain(error: unknown): FailureCause | null {
    return classifyAwsError(error);
  }

  private region(role: RegionRole): string {
    return this.config.regions[role].region;
  }

  // --- Route53 -------------------------------------------------------------

  /** The dns stack's health checks, by their HEALTH_CHECK_TAG tag (and this deployment's project/environment tags). */
  private async findHealthChecks(): Promise<FoundCheck[]> {
    const all: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.clients.route53.send(new ListHealthChecksCommand({ Marker: marker, MaxItems: 100 }));
      all.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    const found: FoundCheck[] = [];
    for (let i = 0; i < all.length; i += 10) {
      const batch = all.slice(i, i + 10);
      const tags = await this.clients.route53.send(new ListTagsForResourcesCommand({ ResourceType: "healthcheck", ResourceIds: batch.map((h) => h.Id!) }));
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

  private async endpointHealth(id: string): Promise<{ healthy: boolean | null; detail: string }> {
    const st = await this.clients.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id }));
    const obs = st.HealthCheckObservations ?? [];
    if (!obs.length) return { healthy: null, detail: "no checker observations yet" };
    const good = obs.filter((o) => (o.StatusReport?.Status ?? "").startsWith("Success")).length;
    return { healthy: good / obs.length > ROUTE53_HEALTHY_FRACTION, detail: `${good}/${obs.length} checkers report success` };
  }

  /** Latest HealthCheckStatus datapoint (Route53 publishes it in us-east-1 only): 1 healthy, 0 unhealthy. */
  private async metricHealth(id: string): Promise<{ value: number; at: number } | null> {
    const end = this.clock.now();
    const out = await this.clients.cloudwatch("us-east-1").send(
      new GetMetricDataCommand({
        StartTime: new Date(end - 10 * 60_000),
        EndTime: new Date(end),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "status", ReturnData: true, MetricStat: { Metric: { Namespace: "AWS/Route53", MetricName: "HealthCheckStatus", Dimensions: [{ Name: "HealthCheckId", Value: id }] }, Period: 60, Stat: "Minimum" } },
        ],
      }),
    );
    const r = out.MetricDataResults?.[0];
    if (!r?.Values?.length || !r.Timestamps?.length) return null;
    return { value: r.Values[0], at: r.Timestamps[0].getTime() };
  }

  async healthChecks(): Promise<HealthCheckState[]> {
    const found = await this.findHealthChecks();
    const byId = new Map(found.map((f) => [f.check.Id!, f]));
    // Endpoint checks: the checkers' verdict (GetHealthCheckStatus).
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
      if (cfg?.Type !== "CALCULATED" && cfg?.Type !== "CLOUDWATCH_METRIC") {
        out.push({ role: f.role, id: f.check.Id!, healthy: c.healthy, detail: `${cfg?.Type ?? "?"} ${cfg?.FullyQualifiedDomainName ?? ""}${cfg?.ResourcePath ?? ""}: ${c.detail}` });
        continue;
      }
      // GetHealthCheckStatus is not available for CALCULATED checks (Route 53
      // API Reference) and an alarm check has no checkers to report: Route53's
      // own verdict for both is the HealthCheckStatus metric (us-east-1); what
      // it should be now is computed as Route53 does.
      const metric = await this.metricHealth(f.check.Id!);
      out.push({
        role: f.role,
        id: f.check.Id!,
        healthy: metric ? metric.value >= 1 : c.healthy,
        ...(cfg.Type === "CALCULATED" ? { healthThreshold: cfg.HealthThreshold ?? 1, children: cfg.ChildHealthChecks?.length ?? 0 } : {}),
        detail: `${c.detail}; CloudWatch HealthCheckStatus ${metric ? `${metric.value} at ${new Date(metric.at).toISOString()}` : "no datapoint"}`,
      });
    }
    return out;
  }

  // --- the failover switch (secondary region, no Route53 call) ----------------

  async failoverSwitch(): Promise<SwitchState> {
    const sw = failoverSwitch(this.config);
    const out = await this.clients.cloudwatch(sw.region).send(new DescribeAlarmsCommand({ AlarmNames: [sw.alarmName], AlarmTypes: ["MetricAlarm"] }));
    const alarm = out.MetricAlarms?.[0];
    if (!alarm) return { forced: null, alarmState: null, detail: `no alarm ${sw.alarmName} in ${sw.region} (is the dns stack deployed?)` };
    const state = alarm.StateValue ?? null;
    return {
      forced: state === "ALARM" ? true : state === "OK" ? false : null,
      alarmState: state,
      detail: `alarm ${sw.alarmName} (${sw.region}): ${state ?? "?"}${alarm.StateUpdatedTimestamp ? ` since ${alarm.StateUpdatedTimestamp.toISOString()}` : ""}${state === "INSUFFICIENT_DATA" ? " (the switch was never written since the alarm was created)" : ""}`,
    };
  }

  /**
   * PutMetricData of switchValue(forced) in the secondary region. The alarm
   * (and Route53) take the Maximum of each minute, so a value written into a
   * minute that already holds the other value would not count: then this
   * waits for the next minute first. Idempotent: writing the same value again
   * changes nothing.
   */
  async setForcedFailover(forced: boolean): Promise<string> {
    const sw = failoverSwitch(this.config);
    const cw = this.clients.cloudwatch(sw.region);
    const value = switchValue(this.config, forced);
    const periodMs = sw.periodSeconds * 1000;
    const dimensions = Object.entries(sw.dimensions).map(([Name, Value]) => ({ Name, Value }));
    const metric = { Namespace: sw.namespace, MetricName: sw.metricName, Dimensions: dimensions };
    let waited = "";
    const now = this.clock.now();
    const bucket = Math.floor(now / periodMs) * periodMs;
    const recent = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(bucket),
        EndTime: new Date(bucket + periodMs),
        MetricDataQueries: [
          { Id: "max", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Maximum" } },
          { Id: "min", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Minimum" } },
        ],
      }),
    );
    const max = recent.MetricDataResults?.find((r) => r.Id === "max")?.Values?.[0];
    const min = recent.MetricDataResults?.find((r) => r.Id === "min")?.Values?.[0];
    const clash = forced ? min !== undefined && min < sw.forcedValue : max !== undefined && max >= sw.forcedValue;
    if (clash) {
      const ms = bucket + periodMs - now + 1000;
      await this.clock.sleep(ms);
      waited = ` (waited ${Math.round(ms / 1000)} s: this minute already held the other value)`;
    }
    await cw.send(new PutMetricDataCommand({ Namespace: sw.namespace, MetricData: [{ MetricName: sw.metricName, Dimensions: dimensions, Value: value, Timestamp: new Date(this.clock.now()), StorageResolution: 60 }] }));
    return `PutMetricData ${sw.namespace} ${sw.metricName} ${Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",")} = ${value} in ${sw.region}${waited} (${forced ? "forced to the secondary" : "follows health"})`;
  }

  // --- web tier --------------------------------------------------------------

  async web(role: RegionRole): Promise<WebState> {
    const n = names(this.config, role);
    const asg = (await this.clients.autoscaling(n.region).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [n.asg] }))).AutoScalingGroups?.[0];
    const elb = this.clients.elbv2(n.region);
    const tg = (await elb.send(new DescribeTargetGroupsCommand({ Names: [n.targetGroup] }))).TargetGroups?.[0];
    if (!tg?.TargetGroupArn) throw new Error(`target group ${n.targetGroup} not found in ${n.region}`);
    const th = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    const states = th.map((t) => t.TargetHealth?.State ?? "unknown");
    const healthy = states.filter((s) => s === "healthy").length;
    const counts = [...new Set(states)].map((s) => `${states.filter((x) => x === s).length} ${s}`).join(", ");
    return {
      role,
      healthyTargets: healthy,
      totalTargets: th.length,
      desiredCapacity: asg ? (asg.DesiredCapacity ?? null) : null,
      detail: `ASG ${n.asg}: ${asg ? `min ${asg.MinSize} desired ${asg.DesiredCapacity} instances ${asg.Instances?.length ?? 0}` : "not found"}; ${n.targetGroup}: ${counts || "no targets"}`,
    };
  }

  async scaleWeb(role: RegionRole, size: number): Promise<string> {
    const n = names(this.config, role);
    const min = Math.min(size, this.config.web.minSize);
    await this.clients.autoscaling(n.region).send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: n.asg, MinSize: min, DesiredCapacity: size }));
    return `ASG ${n.asg} (${n.region}): min ${min}, desired ${size}`;
  }

  async probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    const n = names(this.config, role);
    const lb = (await this.clients.elbv2(n.region).send(new DescribeLoadBalancersCommand({ Names: [n.alb] }))).LoadBalancers?.[0];
    if (!lb?.DNSName) return { ok: false, dbRole: null, writable: null, wrote: null, detail: `load balancer ${n.alb} not found in ${n.region}` };
    // With dns enabled (or a certificate) the ALB listens on HTTPS with a certificate for the domain.
    const tls = this.config.dns.enabled || this.config.regions[role].certificateArn !== undefined;
    return this.probeFn(
      { baseUrl: `${tls ? "https" : "http"}://${lb.DNSName}`, host: this.config.dns.enabled ? this.config.dns.domainName : undefined, timeoutMs: 5_000 },
      this.config.web.readinessPath,
      opts.write,
      `dr runbook verification ${new Date(this.clock.now()).toISOString()}`,
    );
  }

  // --- database ----------------------------------------------------------------

  private async describe(region: string, id: string): Promise<DBInstance | null> {
    try {
      return (await this.clients.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0] ?? null;
    } catch (e) {
      if (isNotFound(e, "DBInstanceNotFoundFault")) return null;
      throw e;
    }
  }

  /** Latest ReplicaLag datapoints (seconds), newest first. */
  private async replicaLag(region: string, id: string, sinceMs: number): Promise<Array<{ value: number; at: number }>> {
    const end = this.clock.now();
    const out = await this.clients.cloudwatch(region).send(
      new GetMetricDataCommand({
        StartTime: new Date(Math.min(sinceMs, end - 10 * 60_000)),
        EndTime: new Date(end),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "lag", ReturnData: true, MetricStat: { Metric: { Namespace: "AWS/RDS", MetricName: "ReplicaLag", Dimensions: [{ Name: "DBInstanceIdentifier", Value: id }] }, Period: 60, Stat: "Maximum" } },
        ],
      }),
    );
    const r = out.MetricDataResults?.[0];
    return (r?.Values ?? []).map((value, i) => ({ value, at: r!.Timestamps![i].getTime() }));
  }

  async database(role: RegionRole, generation: number): Promise<DatabaseState> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const readers = await Promise.all(n.readers(generation).map(async (r) => ({ identifier: r, status: (await this.describe(n.region, r))?.DBInstanceStatus ?? null })));
    const inst = await this.describe(n.region, id);
    if (!inst) return { role, identifier: id, dbRole: "missing", status: null, source: null, lagSeconds: null, lagSampledAt: null, readers, detail: `no DB instance ${id} in ${n.region}` };
    const source = inst.ReadReplicaSourceDBInstanceIdentifier ?? null;
    let lagSeconds: number | null = null;
    let lagSampledAt: number | null = null;
    if (source) {
      const lag = await this.replicaLag(n.region, id, this.clock.now() - 10 * 60_000);
      if (lag.length) ({ value: lagSeconds, at: lagSampledAt } = lag[0]);
    }
    return {
      role,
      identifier: id,
      dbRole: source ? "replica" : "writer",
      status: inst.DBInstanceStatus ?? null,
      source,
      lagSeconds,
      lagSampledAt,
      readers,
      detail: `${inst.DBInstanceStatus}${source ? ` replica of ${source}` : ""}`,
    };
  }

  async replicaCaughtUp(role: RegionRole, generation: number, sinceMs: number): Promise<Check> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const after = (await this.replicaLag(n.region, id, sinceMs)).filter((d) => d.at >= sinceMs);
    if (!after.length) return { ok: false, detail: `${id}: no ReplicaLag datapoint since ${new Date(sinceMs).toISOString()} yet (1-minute metric)` };
    const latest = after[0];
    return { ok: latest.value <= 0, detail: `${id}: ReplicaLag ${latest.value} s at ${new Date(latest.at).toISOString()}` };
  }

  async promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<string> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const inst = await this.describe(n.region, id);
    if (!inst) throw new Error(`no DB instance ${id} in ${n.region}`);
    if (!inst.ReadReplicaSourceDBInstanceIdentifier) return `${id} is already a standalone writer: not promoted again`;
    if (inst.DBInstanceStatus !== "available") return `${id} is ${inst.DBInstanceStatus} (a promotion under way?): not called again, waiting`;
    try {
      await this.clients.rds(n.region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: id, BackupRetentionPeriod: backupRetentionDays }));
    } catch (e) {
      if (isNotFound(e, "InvalidDBInstanceStateFault")) return `${id}: ${(e as Error).message} (a promotion under way?): waiting`;
      throw e;
    }
    return `PromoteReadReplica ${id} (${n.region}), backup retention ${backupRetentionDays} days`;
  }

  async snapshot(role: RegionRole, generation: number, snapshotId: string): Promise<string> {
    const n = names(this.config, role);
    if ((await this.snapshotStatus(role, snapshotId)) !== null) return `snapshot ${snapshotId} exists: not taken again`;
    await this.clients.rds(n.region).send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: n.writer(generation), DBSnapshotIdentifier: snapshotId }));
    return `CreateDBSnapshot ${snapshotId} of ${n.writer(generation)} (${n.region})`;
  }

  async snapshotStatus(role: RegionRole, snapshotId: string): Promise<string | null> {
    try {
      const out = await this.clients.rds(this.region(role)).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
      return out.DBSnapshots?.[0]?.Status ?? null;
    } catch (e) {
      if (isNotFound(e, "DBSnapshotNotFoundFault")) return null;
      throw e;
    }
  }

  async allowDeletion(role: RegionRole, generation: number): Promise<string> {
    const n = names(this.config, role);
    const done: string[] = [];
    for (const id of [n.writer(generation), ...n.readers(generation)]) {
      const inst = await this.describe(n.region, id);
      if (!inst) {
        done.push(`${id}: gone`);
      } else if (!inst.DeletionProtection) {
        done.push(`${id}: already unprotected`);
      } else {
        await this.clients.rds(n.region).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }));
        done.push(`${id}: deletion protection off`);
      }
    }
    return done.join("; ");
  }
}
