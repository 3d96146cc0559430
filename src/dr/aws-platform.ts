import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
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
import {
  GetHealthCheckStatusCommand,
  ListHealthChecksCommand,
  ListTagsForResourcesCommand,
  Route53Client,
  UpdateHealthCheckCommand,
  type HealthCheck,
} from "@aws-sdk/client-route-53";
import type { RegionRole, ValidConfig } from "../config";
import { gateThreshold, HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, type HealthCheckRole } from "../dns/contract";
import { classifyAwsError } from "./aws-errors";
import type { Clock } from "./clock";
import type { ResolvedCredentials } from "./credentials";
import { probeApp } from "./http-probe";
import { names } from "./plan";
import type { Check, DatabaseState, DrPlatform, FailureCause, HealthCheckState, ProbeResult, WebState } from "./platform";

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
  /** CloudWatch in a region (us-east-1 holds Route53's metrics; each region its RDS metrics). */
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
    const endpoint = new Map<string, { healthy: boolean | null; detail: string }>();
    for (const f of found) {
      if (f.check.HealthCheckConfig?.Type !== "CALCULATED") endpoint.set(f.check.Id!, await this.endpointHealth(f.check.Id!));
    }
    const out: HealthCheckState[] = [];
    for (const f of found) {
      const cfg = f.check.HealthCheckConfig;
      if (cfg?.Type !== "CALCULATED") {
        const e = endpoint.get(f.check.Id!)!;
        out.push({ role: f.role, id: f.check.Id!, healthy: e.healthy, detail: `${cfg?.Type ?? "?"} ${cfg?.FullyQualifiedDomainName ?? ""}${cfg?.ResourcePath ?? ""}: ${e.detail}` });
        continue;
      }
      // GetHealthCheckStatus does not serve CALCULATED checks: Route53's
      // own verdict is the HealthCheckStatus metric; what it should be now
      // is computed from the children as Route53 does (healthy children >= threshold).
      const children = cfg.ChildHealthChecks ?? [];
      const threshold = cfg.HealthThreshold ?? 1;
      let healthyChildren = 0;
      for (const c of children) {
        const e = endpoint.get(c) ?? (await this.endpointHealth(c));
        if (e.healthy) healthyChildren++;
      }
      const computed = healthyChildren >= threshold;
      const metric = await this.metricHealth(f.check.Id!);
      const healthy = metric ? metric.value >= 1 : computed;
      out.push({
        role: f.role,
        id: f.check.Id!,
        healthy,
        healthThreshold: threshold,
        children: children.length,
        detail: `CALCULATED ${healthyChildren}/${children.length} children healthy, threshold ${threshold} => ${computed ? "healthy" : "unhealthy"}; CloudWatch HealthCheckStatus ${metric ? `${metric.value} at ${new Date(metric.at).toISOString()}` : "no datapoint"}`,
      });
    }
    return out;
  }

  async setForcedFailover(forced: boolean): Promise<string> {
    const gate = (await this.findHealthChecks()).find((f) => f.role === "primary-gate");
    if (!gate) throw new Error(`no Route53 health check tagged ${HEALTH_CHECK_TAG}=primary-gate (is the dns stack deployed?)`);
    const children = gate.check.HealthCheckConfig?.ChildHealthChecks?.length ?? 1;
    const want = gateThreshold(forced, children);
    const have = gate.check.HealthCheckConfig?.HealthThreshold;
    if (have === want) return `primary-gate ${gate.check.Id} already has threshold ${want}`;
    await this.clients.route53.send(
      new UpdateHealthCheckCommand({ HealthCheckId: gate.check.Id!, HealthThreshold: want, HealthCheckVersion: gate.check.HealthCheckVersion }),
    );
    return `primary-gate ${gate.check.Id}: HealthThreshold ${have ?? "?"} -> ${want} (${forced ? "forced to the secondary" : "follows the primary"})`;
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
