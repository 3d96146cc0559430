/**
 * Stubbed AWS SDK v3 clients for the runbook tests: each client's `send`
 * dispatches on the command class and acts on a small in-memory model of the
 * two regions (ASGs and target groups, RDS instances, CloudWatch metrics,
 * Route53 health checks). No AWS API emulator runs on these machines (none
 * is installed or reachable), so this stand-in is what checks the AWS side
 * of the orchestration: which calls, in which order, with which inputs.
 */
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateDBSnapshotCommand,
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
} from "@aws-sdk/client-rds";
import { GetHealthCheckStatusCommand, ListHealthChecksCommand, ListTagsForResourcesCommand, UpdateHealthCheckCommand } from "@aws-sdk/client-route-53";
import type { AwsClients } from "../../src/dr/aws-platform";
import type { Clock } from "../../src/dr/clock";
import type { ProbeResult } from "../../src/dr/platform";

export interface Call {
  readonly client: string;
  readonly region: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Commands that change something in AWS. */
export const MUTATING = ["UpdateAutoScalingGroupCommand", "PromoteReadReplicaCommand", "UpdateHealthCheckCommand", "PutMetricDataCommand", "CreateDBSnapshotCommand", "ModifyDBInstanceCommand"];

/** The failover switch of the default config (failoverSwitch()). */
export const SWITCH = { region: "us-west-1", namespace: "drweb/DR", metric: "ForceFailover", alarm: "drweb-prod-dns-failover-switch" };

interface Db {
  id: string;
  region: string;
  source: string | null;
  status: string;
  deletionProtection: boolean;
  /** DescribeDBInstances calls left before a promotion completes (-1: never). */
  promoteAfter: number;
}

interface Hc {
  id: string;
  role: string;
  type: "HTTPS" | "CALCULATED" | "CLOUDWATCH_METRIC";
  threshold?: number;
  children?: string[];
  /** CLOUDWATCH_METRIC: the alarm it follows. */
  alarm?: { name: string; region: string };
  inverted?: boolean;
  version: number;
  healthy?: boolean;
  tags: Record<string, string>;
}

export class FakeAws {
  readonly calls: Call[] = [];
  /** ASG desired capacity per region. */
  readonly desired: Record<string, number> = { "us-east-2": 3, "us-west-1": 3 };
  /** Healthy targets per region; follows desired after one DescribeTargetHealth. */
  readonly healthy: Record<string, number> = { "us-east-2": 3, "us-west-1": 3 };
  readonly dbs = new Map<string, Db>();
  readonly snapshots = new Map<string, string>();
  readonly hcs: Hc[];
  /** ReplicaLag (seconds) reported for a replica; becomes 0 once the primary fleet is fenced if catchUpOnFence. */
  replicaLag = 2;
  catchUpOnFence = true;
  /** Regions whose endpoints do not answer (a regional outage). */
  readonly down = new Set<string>();
  /** How many describe calls a promotion takes (-1: never completes). */
  promoteTakes = 2;
  /** Datapoints of the failover switch metric (PutMetricData in us-west-1). */
  readonly switchPoints: Array<{ at: number; value: number }> = [];
  /** An error a call throws instead of its answer (expired credentials, access denied, ...), as the SDK would; undefined: answer normally. */
  failWith: ((call: Call) => unknown) | null = null;

  constructor(readonly clock: Clock) {
    const db = (id: string, region: string, source: string | null) =>
      this.dbs.set(id, { id, region, source, status: "available", deletionProtection: true, promoteAfter: -1 });
    db("drweb-prod-use2-db-g1-writer", "us-east-2", null);
    db("drweb-prod-use2-db-g1-reader1", "us-east-2", "drweb-prod-use2-db-g1-writer");
    db("drweb-prod-usw1-db-g1-writer", "us-west-1", "arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g1-writer");
    db("drweb-prod-usw1-db-g1-reader1", "us-west-1", "drweb-prod-usw1-db-g1-writer");
    const tags = (role: string, env = "prod") => ({ "dr-health-check": role, project: "drweb", environment: env, Name: role });
    const alarm = { name: SWITCH.alarm, region: SWITCH.region };
    this.hcs = [
      { id: "hc-staging-gate", role: "primary-gate", type: "CALCULATED", threshold: 2, children: ["hc-staging", "hc-staging-switch"], version: 1, tags: tags("primary-gate", "staging") },
      { id: "hc-primary", role: "primary", type: "HTTPS", version: 1, healthy: true, tags: tags("primary") },
      { id: "hc-secondary", role: "secondary", type: "HTTPS", version: 1, healthy: true, tags: tags("secondary") },
      { id: "hc-switch", role: "switch", type: "CLOUDWATCH_METRIC", alarm, version: 1, tags: tags("switch") },
      { id: "hc-switch-forced", role: "switch-forced", type: "CLOUDWATCH_METRIC", alarm, inverted: true, version: 1, tags: tags("switch-forced") },
      { id: "hc-gate", role: "primary-gate", type: "CALCULATED", threshold: 2, children: ["hc-primary", "hc-switch"], version: 3, tags: tags("primary-gate") },
      { id: "hc-secondary-gate", role: "secondary-gate", type: "CALCULATED", threshold: 1, children: ["hc-secondary", "hc-switch-forced"], version: 1, tags: tags("secondary-gate") },
      { id: "hc-unrelated", role: "", type: "HTTPS", version: 1, healthy: true, tags: { Name: "someone else's" } },
    ];
    // The switch as an operator set it after the first deploy: released.
    this.switchPoints.push({ at: clock.now() - 3_600_000, value: 0 });
  }

  db(id: string): Db {
    const d = this.dbs.get(id);
    if (!d) throw new Error(`no db ${id}`);
    return d;
  }

  hc(id: string): Hc {
    return this.hcs.find((h) => h.id === id)!;
  }

  /**
   * The switch alarm's state as CloudWatch keeps it: the Maximum of the
   * latest minute that has data against the threshold 1 (no data since:
   * the state is kept, treat_missing_data "ignore"); no data ever:
   * INSUFFICIENT_DATA.
   */
  switchAlarmState(): "OK" | "ALARM" | "INSUFFICIENT_DATA" {
    if (!this.switchPoints.length) return "INSUFFICIENT_DATA";
    const bucket = (t: number) => Math.floor(t / 60_000);
    const last = Math.max(...this.switchPoints.map((p) => bucket(p.at)));
    const max = Math.max(...this.switchPoints.filter((p) => bucket(p.at) === last).map((p) => p.value));
    return max >= 1 ? "ALARM" : "OK";
  }

  /** Sets the switch as a PutMetricData an hour ago would have (test setup). */
  setSwitch(forced: boolean): void {
    this.switchPoints.push({ at: this.clock.now() - 3_600_000 + this.switchPoints.length, value: forced ? 1 : 0 });
  }

  /** What Route53 makes of a check (endpoint: as set; alarm: the alarm state, inverted if so; calculated: its children). */
  hcHealthy(id: string): boolean {
    const h = this.hc(id);
    if (!h) return false;
    if (h.type === "HTTPS") return !!h.healthy;
    if (h.type === "CLOUDWATCH_METRIC") {
      const st = this.switchAlarmState();
      const raw = st === "INSUFFICIENT_DATA" ? true : st === "OK";
      return h.inverted ? !raw : raw;
    }
    return (h.children ?? []).filter((c) => this.hcHealthy(c)).length >= (h.threshold ?? 1);
  }

  gateHealthy(id = "hc-gate"): boolean {
    return this.hcHealthy(id);
  }

  mutations(): Call[] {
    return this.calls.filter((c) => MUTATING.includes(c.command));
  }

  clients(): AwsClients {
    const mk = (client: string, region: string) => ({
      send: async (cmd: { input: Record<string, unknown> }) => {
        const command = cmd.constructor.name;
        const call = { client, region, command, input: cmd.input };
        this.calls.push(call);
        const injected = this.failWith?.(call);
        if (injected !== undefined) throw injected;
        if (this.down.has(region)) throw Object.assign(new Error(`connect ETIMEDOUT ${client}.${region}.amazonaws.com:443`), { name: "TimeoutError" });
        return this.handle(region, cmd);
      },
    });
    // The adapter's types are the real SDK clients'; only `send` is used.
    return {
      route53: mk("route53", "us-east-1") as never,
      cloudwatch: (r) => mk("cloudwatch", r) as never,
      rds: (r) => mk("rds", r) as never,
      elbv2: (r) => mk("elbv2", r) as never,
      autoscaling: (r) => mk("autoscaling", r) as never,
    };
  }

  /** The stub of the HTTP check through a region's ALB: writable when that region's g1 writer is a writer. */
  probe = async (target: { baseUrl: string }): Promise<ProbeResult> => {
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const code = region === "us-west-1" ? "usw1" : "use2";
    const w = [...this.dbs.values()].find((d) => d.region === region && d.id.startsWith(`drweb-prod-${code}-db-`) && d.id.endsWith("-writer") && d.status === "available");
    const writable = !!w && w.source === null && this.healthy[region] > 0;
    return { ok: writable, dbRole: w ? (w.source ? "replica" : "writer") : null, writable, wrote: writable, detail: `stub ${region}: writable ${writable}` };
  };

  private handle(region: string, cmd: { input: Record<string, unknown> }): unknown {
    const input = cmd.input as Record<string, never>;
    const now = this.clock.now();
    if (cmd instanceof DescribeAutoScalingGroupsCommand) {
      return { AutoScalingGroups: [{ AutoScalingGroupName: `x`, MinSize: this.desired[region] ? 3 : 0, DesiredCapacity: this.desired[region], Instances: [] }] };
    }
    if (cmd instanceof UpdateAutoScalingGroupCommand) {
      this.desired[region] = cmd.input.DesiredCapacity!;
      return {};
    }
    if (cmd instanceof DescribeTargetGroupsCommand) return { TargetGroups: [{ TargetGroupArn: `arn:tg:${region}` }] };
    if (cmd instanceof DescribeLoadBalancersCommand) return { LoadBalancers: [{ DNSName: `${cmd.input.Names![0]}.${region}.elb.amazonaws.com` }] };
    if (cmd instanceof DescribeTargetHealthCommand) {
      // Scaled in: the extra targets drain for one poll, then are gone.
      const out = { TargetHealthDescriptions: Array.from({ length: Math.max(this.healthy[region], this.desired[region]) }, (_, i) => ({ TargetHealth: { State: i < this.desired[region] ? "healthy" : "draining" } })) };
      this.healthy[region] = this.desired[region]; // converges by the next poll
      if (region === "us-east-2" && this.desired[region] === 0 && this.catchUpOnFence) this.replicaLag = 0;
      return out;
    }
    if (cmd instanceof DescribeDBInstancesCommand) {
      const d = this.dbs.get(cmd.input.DBInstanceIdentifier!);
      if (!d || d.region !== region) throw new DBInstanceNotFoundFault({ message: `DBInstance ${cmd.input.DBInstanceIdentifier} not found`, $metadata: {} });
      if (d.promoteAfter > 0 && --d.promoteAfter === 0) {
        d.source = null;
        d.status = "available";
      }
      return { DBInstances: [{ DBInstanceIdentifier: d.id, DBInstanceStatus: d.status, ReadReplicaSourceDBInstanceIdentifier: d.source ?? undefined, DeletionProtection: d.deletionProtection }] };
    }
    if (cmd instanceof PromoteReadReplicaCommand) {
      const d = this.db(cmd.input.DBInstanceIdentifier!);
      d.status = "modifying";
      d.promoteAfter = this.promoteTakes;
      return {};
    }
    if (cmd instanceof CreateDBSnapshotCommand) {
      this.snapshots.set(cmd.input.DBSnapshotIdentifier!, "available");
      return {};
    }
    if (cmd instanceof DescribeDBSnapshotsCommand) {
      const s = this.snapshots.get(cmd.input.DBSnapshotIdentifier!);
      if (!s) throw new DBSnapshotNotFoundFault({ message: "not found", $metadata: {} });
      return { DBSnapshots: [{ Status: s }] };
    }
    if (cmd instanceof ModifyDBInstanceCommand) {
      this.db(cmd.input.DBInstanceIdentifier!).deletionProtection = cmd.input.DeletionProtection!;
      return {};
    }
    if (cmd instanceof GetMetricDataCommand) {
      const q = cmd.input.MetricDataQueries![0].MetricStat!.Metric!;
      if (q.MetricName === "ReplicaLag") return { MetricDataResults: [{ Id: "lag", Values: [this.replicaLag], Timestamps: [new Date(now)] }] };
      if (q.MetricName === "HealthCheckStatus") {
        if (region !== "us-east-1") return { MetricDataResults: [{ Id: "status", Values: [], Timestamps: [] }] }; // Route53 publishes only in us-east-1
        const id = q.Dimensions![0].Value!;
        return { MetricDataResults: [{ Id: "status", Values: [this.hcHealthy(id) ? 1 : 0], Timestamps: [new Date(now)] }] };
      }
      if (q.Namespace === SWITCH.namespace && q.MetricName === SWITCH.metric) {
        const start = cmd.input.StartTime!.getTime();
        const end = cmd.input.EndTime!.getTime();
        const points = region === SWITCH.region ? this.switchPoints.filter((p) => p.at >= start && p.at < end).map((p) => p.value) : [];
        return {
          MetricDataResults: cmd.input.MetricDataQueries!.map((mq) => ({
            Id: mq.Id,
            Values: points.length ? [mq.MetricStat!.Stat === "Minimum" ? Math.min(...points) : Math.max(...points)] : [],
            Timestamps: points.length ? [new Date(start)] : [],
          })),
        };
      }
      return { MetricDataResults: [] };
    }
    if (cmd instanceof PutMetricDataCommand) {
      if (region !== SWITCH.region || cmd.input.Namespace !== SWITCH.namespace) throw new Error(`fake AWS: PutMetricData to ${cmd.input.Namespace} in ${region}`);
      for (const d of cmd.input.MetricData ?? []) this.switchPoints.push({ at: d.Timestamp?.getTime() ?? now, value: d.Value! });
      return {};
    }
    if (cmd instanceof DescribeAlarmsCommand) {
      if (region !== SWITCH.region || !cmd.input.AlarmNames?.includes(SWITCH.alarm)) return { MetricAlarms: [] };
      return { MetricAlarms: [{ AlarmName: SWITCH.alarm, StateValue: this.switchAlarmState(), StateUpdatedTimestamp: new Date(now) }] };
    }
    if (cmd instanceof ListHealthChecksCommand) {
      // Two pages, to exercise the Marker loop.
      const all = this.hcs.map((h) => ({
        Id: h.id,
        HealthCheckVersion: h.version,
        CallerReference: h.id,
        HealthCheckConfig: {
          Type: h.type,
          HealthThreshold: h.threshold,
          ChildHealthChecks: h.children,
          FullyQualifiedDomainName: h.type === "HTTPS" ? `${h.role}.elb` : undefined,
          ResourcePath: h.type === "HTTPS" ? "/readyz" : undefined,
          AlarmIdentifier: h.alarm ? { Name: h.alarm.name, Region: h.alarm.region } : undefined,
          Inverted: h.inverted,
        },
      }));
      const start = input.Marker ? Number(input.Marker) : 0;
      const page = all.slice(start, start + 3);
      return { HealthChecks: page, IsTruncated: start + 3 < all.length, NextMarker: String(start + 3), Marker: String(start), MaxItems: 100 };
    }
    if (cmd instanceof ListTagsForResourcesCommand) {
      const ids = cmd.input.ResourceIds!;
      if (ids.length > 10) throw new Error("at most 10 resource ids");
      return { ResourceTagSets: ids.map((id) => ({ ResourceId: id, ResourceType: "healthcheck", Tags: Object.entries(this.hc(id).tags).map(([Key, Value]) => ({ Key, Value })) })) };
    }
    if (cmd instanceof GetHealthCheckStatusCommand) {
      const h = this.hc(cmd.input.HealthCheckId!);
      if (h.type !== "HTTPS") throw new Error("GetHealthCheckStatus does not support calculated or CloudWatch alarm health checks");
      const status = h.healthy ? "Success: HTTP Status Code 200, OK" : "Failure: Connection timed out";
      return { HealthCheckObservations: ["us-east-1", "us-west-2", "eu-west-1"].map((Region) => ({ Region, IPAddress: "192.0.2.1", StatusReport: { Status: status } })) };
    }
    if (cmd instanceof UpdateHealthCheckCommand) {
      const h = this.hc(cmd.input.HealthCheckId!);
      if (cmd.input.HealthCheckVersion !== undefined && cmd.input.HealthCheckVersion !== h.version) throw new Error("HealthCheckVersionMismatch");
      h.threshold = cmd.input.HealthThreshold;
      h.version++;
      return { HealthCheck: {} };
    }
    throw new Error(`fake AWS: unexpected ${cmd.constructor.name}`);
  }
}
