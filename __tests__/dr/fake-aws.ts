/**
 * Stubbed AWS SDK v3 clients for the runbook tests: each client's `send`
 * dispatches on the command class and acts on a small in-memory model of the
 * two regions (ASGs and target groups, RDS instances, CloudWatch metrics,
 * Route53 health checks, the dns stack's SSM parameters in us-west-1). No AWS API emulator runs on these machines (none
 * is installed or reachable), so this stand-in is what checks the AWS side
 * of the orchestration: which calls, in which order, with which inputs.
 */
import { DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AddTagsToResourceCommand,
  CreateDBSnapshotCommand,
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
} from "@aws-sdk/client-rds";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetHealthCheckStatusCommand, ListHealthChecksCommand, ListTagsForResourcesCommand, UpdateHealthCheckCommand } from "@aws-sdk/client-route-53";
import { DeleteParameterCommand, GetParameterCommand, GetParametersCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../src/dr/aws-clients";
import type { Clock } from "../../src/dr/clock";
import type { RequestTarget } from "../../src/dr/http-probe";
import type { ProbeResult, WalPositions } from "../../src/dr/platform";

export interface Call {
  readonly client: string;
  readonly region: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Commands that change something in AWS. */
export const MUTATING = ["UpdateAutoScalingGroupCommand", "PromoteReadReplicaCommand", "UpdateHealthCheckCommand", "PutMetricDataCommand", "CreateDBSnapshotCommand", "ModifyDBInstanceCommand", "AddTagsToResourceCommand", "PutObjectCommand"];

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
  /** Tags (AddTagsToResource). */
  tags?: Record<string, string>;
  /** A master password change not applied yet (PendingModifiedValues). */
  passwordPending?: boolean;
  /** How many ModifyDBInstance calls changed the master password. */
  passwordChanges?: number;
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

/** The replica's WAL as the app's /readyz?wal=1 reports it (the fake's model of streaming replication). */
export interface FakeWal {
  /** The source's WAL end; grows while the primary fleet serves (writes). */
  source: bigint;
  received: bigint;
  replayed: bigint;
  /** Replay paused on the replica. */
  paused: boolean;
  /** Replay does not advance (a conflict or I/O) without being paused. */
  stalled: boolean;
  /** Replay advances but stays this many bytes behind what was received (a replica really behind). */
  backlog: bigint;
  /** The replica's WAL receiver streams from the source. */
  streaming: boolean;
  /** When (fake clock) the replica last heard from the source. */
  lastMessageAt: number;
  /** The app's database user may read pg_stat_wal_receiver (pg_read_all_stats). */
  visible: boolean;
}

const lsnText = (v: bigint) => `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;

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
  /** Calls that never answer (a brownout: the endpoint accepts and says nothing); they end only when their abort signal fires. */
  hangWhen: ((call: Call) => boolean) | null = null;
  /**
   * Latency injected on the runbook's virtual clock (ms) per call: the call
   * answers that much later on the FakeClock; at or past callBoundMs it fails
   * as the adapter's whole-call bound would (TimeoutError, "no answer within
   * 25 s"), after callBoundMs. Calls that run concurrently (Promise.all) share
   * the elapsed time: the clock moves to the latest end, not the sum. null:
   * instant.
   */
  latency: ((call: Call) => number) | null = null;
  /** The adapter's whole-call bound (CALL_BOUNDS.callTimeoutMs) as the latency model applies it. */
  callBoundMs = 25_000;
  /** How far AWS's clock is ahead of the operator's (ms; negative: behind): what the Date header of each answer says. */
  awsClockAhead = 0;
  /** PromoteReadReplica answers InvalidDBInstanceState (a state change racing the request), for this many calls (-1: always). */
  promoteRefusals = 0;
  refusalStatus = "backing-up";
  /** The us-west-1 replica shows this status (e.g. backing-up: its daily backup window) for this many DescribeDBInstances (-1: always). */
  replicaBusy: { status: string; describes: number } | null = null;
  /** GetHealthCheckStatus answers every checker with this (the checkers' last single results), whatever Route53's verdict. */
  checkerOverride: string | null = null;
  /** Instances the ASG still lists after a scale-in (Terminating), per region, for one more DescribeAutoScalingGroups. */
  readonly terminating: Record<string, number> = { "us-east-2": 0, "us-west-1": 0 };
  /** Alarms in ALARM per region besides the failover switch (DescribeAlarms StateValue ALARM: the run report's read). */
  readonly firing: Record<string, string[]> = { "us-east-2": [], "us-west-1": [] };
  /** Objects written with S3 PutObject: "bucket/key" -> { region, body, contentType }. */
  readonly objects = new Map<string, { region: string; body: string; contentType?: string }>();
  /** The replica in us-west-1 as /readyz?wal=1 reports it. */
  readonly wal: FakeWal;
  /** ReplicaLag -1 (RDS cannot determine it). */
  lagUnknown = false;
  /** Read-replication status of the us-west-1 replica (DescribeDBInstances StatusInfos). */
  replicationStatus = "replicating";
  /** Age of the newest ReplicaLag datapoint (ms, AWS clock). */
  lagAgeMs = 0;
  /**
   * SSM String parameters in us-west-1 (the handoff region): the dns stack's health-check ids by role
   * (healthCheckParameter: /drweb-prod/dr/dns/health-check/<role>), as HealthCheckHandoff publishes them.
   */
  readonly ssmParams = new Map<string, string>();
  /** SSM parameters in other regions, by "region:name". */
  readonly otherParams = new Map<string, string>();
  /**
   * How far Route 53's view of the CLOUDWATCH_METRIC switch checks (their HealthCheckStatus) lags the switch
   * alarm (ms): AWS does not document how often such a check reads its alarm's data stream.
   */
  switchCheckLagMs = 0;
  /** PutMetricData of the switch answers OK but its datapoint is lost, for this many calls. */
  dropSwitchWrites = 0;
  /** The verdict history of each HTTPS health check (Route53's HealthCheckStatus), as [time, healthy] changes. */
  private readonly verdicts = new Map<string, Array<{ at: number; healthy: boolean }>>();

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
    // What the dns stack publishes in SSM (this deployment's checks only: the staging gate is another deployment's).
    for (const h of this.hcs) if (h.role && h.tags.environment === "prod") this.ssmParams.set(`/drweb-prod/dr/dns/health-check/${h.role}`, h.id);
    // The switch as an operator set it after the first deploy: released.
    this.switchPoints.push({ at: clock.now() - 3_600_000, value: 0 });
    // Setting an HTTPS check's `healthy` records when Route53's verdict changed (its HealthCheckStatus history).
    for (const h of this.hcs) {
      if (h.type !== "HTTPS") continue;
      let value = h.healthy ?? true;
      this.verdicts.set(h.id, [{ at: clock.now() - 3_600_000, healthy: value }]);
      Object.defineProperty(h, "healthy", {
        get: () => value,
        set: (v: boolean) => {
          if (v !== value) this.verdicts.get(h.id)!.push({ at: this.clock.now(), healthy: v });
          value = v;
        },
        enumerable: true,
      });
    }
    this.wal = { source: 0x3000000n, received: 0x3000000n, replayed: 0x3000000n, paused: false, stalled: false, backlog: 0n, streaming: true, lastMessageAt: clock.now(), visible: true };
  }

  /** HealthCheckStatus per whole minute (Minimum, Maximum) of an HTTPS check, newest first, up to the last complete minute. */
  private statusSeries(id: string, start: number, end: number): Array<{ at: number; min: number; max: number }> {
    const history = this.verdicts.get(id) ?? [{ at: 0, healthy: this.hcHealthy(id) }];
    const out: Array<{ at: number; min: number; max: number }> = [];
    const lastComplete = Math.floor(this.clock.now() / 60_000) * 60_000 - 60_000;
    for (let m = Math.floor(start / 60_000) * 60_000; m <= Math.min(lastComplete, end); m += 60_000) {
      const before = [...history].reverse().find((e) => e.at <= m)?.healthy ?? true;
      const inside = history.filter((e) => e.at > m && e.at < m + 60_000).map((e) => e.healthy);
      const values = [before, ...inside].map((b) => (b ? 1 : 0));
      out.push({ at: m, min: Math.min(...values), max: Math.max(...values) });
    }
    return out.reverse();
  }

  /** GET /readyz?wal=1 through the us-west-1 ALB (or us-east-2's after a failback rebuild), as readWalPositions would return it. */
  walFn = async (target: RequestTarget, _path: string, now: () => number): Promise<WalPositions> => {
    const requestedAt = now();
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const w = this.wal;
    // Writes reach the source while the other region's fleet serves; the source streams them, the replica replays them.
    const sourceRegion = region === "us-west-1" ? "us-east-2" : "us-west-1";
    if (this.desired[sourceRegion] > 0 && !this.down.has(sourceRegion)) w.source += 0x100n;
    if (w.streaming && !this.down.has(sourceRegion)) {
      w.received = w.source;
      w.lastMessageAt = this.clock.now();
    }
    if (!w.paused && !w.stalled) w.replayed = w.received > w.backlog ? w.received - w.backlog : 0n;
    // The app's writer endpoint is the region's Writer of the newest generation.
    const gen = (id: string) => Number(/-g(\d+)-/.exec(id)?.[1] ?? 0);
    const replica = [...this.dbs.values()].filter((d) => d.region === region && d.id.endsWith("-writer")).sort((a, b) => gen(b.id) - gen(a.id))[0];
    if (replica && replica.source === null) {
      return { ok: true, inRecovery: false, lsn: lsnText(w.received), receiveLsn: null, replayLsn: null, replayPaused: null, receiverStatus: null, senderLsn: null, lastMessageAgeSeconds: null, receiverTimeoutSeconds: null, requestedAt, detail: "stub writer" };
    }
    const streaming = w.streaming && !this.down.has(sourceRegion);
    return {
      ok: true,
      inRecovery: true,
      lsn: null,
      receiveLsn: lsnText(w.received),
      replayLsn: lsnText(w.replayed),
      replayPaused: w.paused,
      receiverStatus: w.visible ? (streaming ? "streaming" : "waiting") : null,
      senderLsn: w.visible ? lsnText(w.received) : null,
      lastMessageAgeSeconds: w.visible ? (this.clock.now() - w.lastMessageAt) / 1000 : null,
      receiverTimeoutSeconds: w.visible ? 30 : null,
      requestedAt,
      detail: `stub ${region}: received ${lsnText(w.received)}, replayed ${lsnText(w.replayed)}${w.paused ? " (paused)" : ""}`,
    };
  };

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
  switchAlarmState(at = Number.POSITIVE_INFINITY): "OK" | "ALARM" | "INSUFFICIENT_DATA" {
    const points = this.switchPoints.filter((p) => p.at <= at);
    if (!points.length) return "INSUFFICIENT_DATA";
    const bucket = (t: number) => Math.floor(t / 60_000);
    const last = Math.max(...points.map((p) => bucket(p.at)));
    const max = Math.max(...points.filter((p) => bucket(p.at) === last).map((p) => p.value));
    return max >= 1 ? "ALARM" : "OK";
  }

  /** Sets the switch as a PutMetricData an hour ago would have (test setup). */
  setSwitch(forced: boolean): void {
    this.switchPoints.push({ at: this.clock.now() - 3_600_000 + this.switchPoints.length, value: forced ? 1 : 0 });
  }

  /** What Route53 makes of a check (endpoint: as set; alarm: the alarm state, inverted if so; calculated: its children). */
  hcHealthy(id: string, lagMs = 0): boolean {
    const h = this.hc(id);
    if (!h) return false;
    if (h.type === "HTTPS") return !!h.healthy;
    if (h.type === "CLOUDWATCH_METRIC") {
      const st = this.switchAlarmState(this.clock.now() - lagMs);
      const raw = st === "INSUFFICIENT_DATA" ? true : st === "OK";
      return h.inverted ? !raw : raw;
    }
    return (h.children ?? []).filter((c) => this.hcHealthy(c, lagMs)).length >= (h.threshold ?? 1);
  }

  gateHealthy(id = "hc-gate"): boolean {
    return this.hcHealthy(id);
  }

  mutations(): Call[] {
    return this.calls.filter((c) => MUTATING.includes(c.command));
  }

  /**
   * What every stubbed call goes through before its answer (fake-aurora.ts
   * too): recorded, then a hang, the injected latency, an injected error, a
   * region that is down.
   */
  async enter(call: Call, opts?: { abortSignal?: AbortSignal }): Promise<"hang" | void> {
    const start = this.clock.now(); // before any await: concurrent calls start together
    this.calls.push(call);
    if (this.hangWhen?.(call)) return "hang";
    const ms = this.latency?.(call) ?? 0;
    if (ms > 0) {
      await Promise.resolve();
      const end = start + Math.min(ms, this.callBoundMs);
      const advance = (this.clock as { advance?: (ms: number) => void }).advance;
      if (!advance) throw new Error("fake AWS: latency needs a FakeClock");
      if (this.clock.now() < end) advance.call(this.clock, end - this.clock.now());
      if (ms >= this.callBoundMs) throw Object.assign(new Error(`${call.command} (${call.region}): no answer within ${this.callBoundMs / 1000} s (all attempts)`), { name: "TimeoutError" });
    }
    void opts;
    const injected = this.failWith?.(call);
    if (injected !== undefined) throw injected;
    if (this.down.has(call.region)) throw Object.assign(new Error(`connect ETIMEDOUT ${call.client}.${call.region}.amazonaws.com:443`), { name: "TimeoutError" });
  }

  clients(): AwsClients {
    const mk = (client: string, region: string) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
        const call = { client, region, command: cmd.constructor.name, input: cmd.input };
        if ((await this.enter(call, opts)) === "hang") {
          // The SDK's handler rejects with an AbortError when the signal fires (node-http-handler buildAbortError).
          return new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true }));
        }
        return this.handle(region, cmd);
      },
    });
    // The adapter's types are the real SDK clients'; only `send` is used.
    return {
      route53: mk("route53", "us-east-1") as never,
      cloudwatch: (r) => mk("cloudwatch", r) as never,
      ssm: (r) => mk("ssm", r) as never,
      rds: (r) => mk("rds", r) as never,
      elbv2: (r) => mk("elbv2", r) as never,
      autoscaling: (r) => mk("autoscaling", r) as never,
      s3: (r) => mk("s3", r) as never,
      serverNow: () => this.clock.now() + this.awsClockAhead,
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
      // Instances scaled in are listed Terminating for one more describe, then gone (terminated).
      const instances = [
        ...Array.from({ length: this.desired[region] }, (_, i) => ({ InstanceId: `i-${region}-${i}`, LifecycleState: "InService" })),
        ...Array.from({ length: this.terminating[region] }, (_, i) => ({ InstanceId: `i-${region}-t${i}`, LifecycleState: "Terminating" })),
      ];
      this.terminating[region] = 0;
      return { AutoScalingGroups: [{ AutoScalingGroupName: `x`, MinSize: this.desired[region] ? 3 : 0, DesiredCapacity: this.desired[region], Instances: instances }] };
    }
    if (cmd instanceof UpdateAutoScalingGroupCommand) {
      const before = this.desired[region];
      this.desired[region] = cmd.input.DesiredCapacity!;
      if (this.desired[region] < before) this.terminating[region] += before - this.desired[region];
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
      const busy = this.replicaBusy && d.region === "us-west-1" && d.source !== null && this.replicaBusy.describes !== 0 ? this.replicaBusy : null;
      if (busy && busy.describes > 0) busy.describes--;
      const pending = d.passwordPending;
      d.passwordPending = false; // applied by the next describe
      return {
        DBInstances: [
          {
            DBInstanceIdentifier: d.id,
            DBInstanceArn: `arn:aws:rds:${d.region}:123456789012:db:${d.id}`,
            DBInstanceStatus: busy ? busy.status : d.status,
            ReadReplicaSourceDBInstanceIdentifier: d.source ?? undefined,
            DeletionProtection: d.deletionProtection,
            StatusInfos: d.source && d.region === "us-west-1" ? [{ StatusType: "read replication", Status: this.replicationStatus, Normal: this.replicationStatus === "replicating" }] : undefined,
            TagList: Object.entries(d.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
            PendingModifiedValues: pending ? { MasterUserPassword: "****" } : {},
          },
        ],
      };
    }
    // No automated backups modelled here (fake-restore.ts models them, PITR and renames, over this fake): `dr status`
    // then reports its windows as "no automated backups" / "not replicated" (warnings, not read errors).
    if (cmd instanceof DescribeDBInstanceAutomatedBackupsCommand) return { DBInstanceAutomatedBackups: [] };
    if (cmd instanceof PromoteReadReplicaCommand) {
      const d = this.db(cmd.input.DBInstanceIdentifier!);
      if (this.promoteRefusals !== 0) {
        if (this.promoteRefusals > 0) this.promoteRefusals--;
        throw new InvalidDBInstanceStateFault({ message: `Instance ${d.id} is not in available state: ${this.refusalStatus}`, $metadata: { httpStatusCode: 400 } });
      }
      if (d.status !== "available" || d.source === null) throw new InvalidDBInstanceStateFault({ message: `DB Instance ${d.id} is ${d.source === null ? "not a read replica" : d.status}`, $metadata: { httpStatusCode: 400 } });
      d.status = "modifying";
      d.promoteAfter = this.promoteTakes;
      return {};
    }
    if (cmd instanceof AddTagsToResourceCommand) {
      const id = String(cmd.input.ResourceName).split(":db:")[1];
      const d = this.db(id);
      d.tags = { ...(d.tags ?? {}), ...Object.fromEntries((cmd.input.Tags ?? []).map((t) => [t.Key!, t.Value!])) };
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
      const d = this.db(cmd.input.DBInstanceIdentifier!);
      if (cmd.input.DeletionProtection !== undefined) d.deletionProtection = cmd.input.DeletionProtection;
      if (cmd.input.MasterUserPassword !== undefined) {
        d.passwordPending = true;
        d.passwordChanges = (d.passwordChanges ?? 0) + 1;
      }
      return {};
    }
    if (cmd instanceof GetMetricDataCommand) {
      const q = cmd.input.MetricDataQueries![0].MetricStat!.Metric!;
      if (q.MetricName === "ReplicaLag") {
        const at = Math.floor((now + this.awsClockAhead - this.lagAgeMs) / 60_000) * 60_000 - 60_000;
        return { MetricDataResults: [{ Id: "lag", Values: [this.lagUnknown ? -1 : this.replicaLag], Timestamps: [new Date(at)] }] };
      }
      if (q.MetricName === "HealthCheckStatus") {
        const queries = cmd.input.MetricDataQueries!;
        if (region !== "us-east-1") return { MetricDataResults: queries.map((mq) => ({ Id: mq.Id, Values: [], Timestamps: [] })) }; // Route53 publishes only in us-east-1
        const id = q.Dimensions![0].Value!;
        // Endpoint checks: their verdict history; the others: what Route 53 makes of them now (the switch checks as of switchCheckLagMs ago).
        const healthyNow = this.hcHealthy(id, this.switchCheckLagMs) ? 1 : 0;
        const series =
          this.hc(id).type === "HTTPS"
            ? this.statusSeries(id, cmd.input.StartTime!.getTime(), cmd.input.EndTime!.getTime())
            : [{ at: Math.floor(now / 60_000) * 60_000 - 60_000, min: healthyNow, max: healthyNow }];
        return {
          MetricDataResults: queries.map((mq) => ({
            Id: mq.Id,
            Values: series.map((d) => (mq.MetricStat!.Stat === "Minimum" ? d.min : d.max)),
            Timestamps: series.map((d) => new Date(d.at)),
          })),
        };
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
      if (this.dropSwitchWrites > 0) {
        this.dropSwitchWrites--;
        return {};
      }
      for (const d of cmd.input.MetricData ?? []) this.switchPoints.push({ at: d.Timestamp?.getTime() ?? now, value: d.Value! });
      return {};
    }
    if (cmd instanceof DescribeAlarmsCommand) {
      if (cmd.input.StateValue === "ALARM" && !cmd.input.AlarmNames) {
        // The run report's read: every alarm in ALARM whose name starts with the prefix (the switch too, when forced).
        const names = [...this.firing[region], ...(region === SWITCH.region && this.switchAlarmState() === "ALARM" ? [SWITCH.alarm] : [])].filter((n) => n.startsWith(cmd.input.AlarmNamePrefix ?? ""));
        return { MetricAlarms: names.map((AlarmName) => ({ AlarmName, StateValue: "ALARM", StateUpdatedTimestamp: new Date(now), StateReason: "Threshold Crossed (fake)" })), CompositeAlarms: [] };
      }
      if (region !== SWITCH.region || !cmd.input.AlarmNames?.includes(SWITCH.alarm)) return { MetricAlarms: [] };
      return { MetricAlarms: [{ AlarmName: SWITCH.alarm, StateValue: this.switchAlarmState(), StateUpdatedTimestamp: new Date(now) }] };
    }
    if (cmd instanceof PutObjectCommand) {
      const i = cmd.input;
      this.objects.set(`${i.Bucket}/${i.Key}`, { region, body: String(i.Body), contentType: i.ContentType });
      return { ETag: '"fake"' };
    }
    if (cmd instanceof GetParametersCommand) {
      // Parameters live in one region; a name that does not exist is listed under InvalidParameters.
      const names = cmd.input.Names ?? [];
      if (names.length > 10) throw new Error("fake AWS: GetParameters takes at most 10 names");
      const found = region === SWITCH.region ? names.filter((n) => this.ssmParams.has(n)) : [];
      return {
        Parameters: found.map((Name) => ({ Name, Type: "String", Value: this.ssmParams.get(Name), Version: 1 })),
        InvalidParameters: names.filter((n) => !found.includes(n)),
      };
    }
    // Parameter Store (the runbook's lease, aws-platform.ts acquireLease): PutParameter without Overwrite refuses an existing name
    // (SSM API Reference, PutParameter: Overwrite defaults to false; ParameterAlreadyExists).
    if (cmd instanceof PutParameterCommand) {
      const key = `${region}:${cmd.input.Name}`;
      const exists = region === SWITCH.region ? this.ssmParams.has(cmd.input.Name!) : this.otherParams.has(key);
      if (exists && !cmd.input.Overwrite) throw new ParameterAlreadyExists({ message: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.", $metadata: { httpStatusCode: 400 } });
      if (region === SWITCH.region) this.ssmParams.set(cmd.input.Name!, cmd.input.Value!);
      else this.otherParams.set(key, cmd.input.Value!);
      return { Version: 1 };
    }
    if (cmd instanceof GetParameterCommand) {
      const v = region === SWITCH.region ? this.ssmParams.get(cmd.input.Name!) : this.otherParams.get(`${region}:${cmd.input.Name}`);
      if (v === undefined) throw new ParameterNotFound({ message: "", $metadata: { httpStatusCode: 400 } });
      return { Parameter: { Name: cmd.input.Name, Type: "String", Value: v, Version: 1 } };
    }
    if (cmd instanceof DeleteParameterCommand) {
      const had = region === SWITCH.region ? this.ssmParams.delete(cmd.input.Name!) : this.otherParams.delete(`${region}:${cmd.input.Name}`);
      if (!had) throw new ParameterNotFound({ message: "", $metadata: { httpStatusCode: 400 } });
      return {};
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
      const status = this.checkerOverride ?? (h.healthy ? "Success: HTTP Status Code 200, OK" : "Failure: Connection timed out");
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
