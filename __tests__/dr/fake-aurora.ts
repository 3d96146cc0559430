/**
 * The Aurora Global Database side of the stubbed AWS SDK v3 clients
 * (fake-aws.ts holds the rest: ASGs, target groups, Route53, the failover
 * switch). No AWS API emulator runs on these machines and the global-cluster
 * APIs (DescribeGlobalClusters, SwitchoverGlobalCluster, FailoverGlobalCluster,
 * DescribeDBClusterSnapshots, CopyDBClusterSnapshot) have no local
 * counterpart: this small model of a global cluster with one member per
 * region is the one stand-in for them, so the tests check which calls the
 * runbook makes, with which inputs, and what it does with the answers.
 *
 * The model follows what AWS documents (Aurora User Guide, "Using switchover
 * or failover in Amazon Aurora Global Database"; RDS API Reference,
 * FailoverState, GlobalClusterMember):
 * - an operation shows in FailoverState: `pending` ("being verified before the
 *   operation starts"), then `switching-over` or `failing-over`, then empty;
 *   IsDataLossAllowed true for a failover, false for a switchover; a
 *   `cancelling` operation returns both clusters "to their previous states";
 * - a switchover keeps the topology: the old primary is a secondary member
 *   in sync (`connected`) as soon as it ends;
 * - a failover with AllowDataLoss promotes the target; the old primary is
 *   not in the global cluster until its region recovers ("As soon as that old
 *   primary Region is healthy and available again, Aurora automatically adds
 *   it back to the global cluster as a secondary Region"), then "Aurora
 *   creates a new storage volume" for it after attempting "a snapshot of the
 *   old storage volume at the point of failure" named
 *   `rds:unplanned-global-failover-<old primary>-<timestamp>` (a system
 *   snapshot: SnapshotType automated here), and rebuilds it ("a few minutes to
 *   several hours"): listed with SynchronizationStatus `pending-resync` (the
 *   only other value GlobalClusterMember documents besides `connected`; which
 *   one AWS shows during the rebuild is not documented: an assumption of this
 *   fake) and no lag datapoint, then `connected`. If the old region never went
 *   down (only its web tier failed), the rebuild starts at once.
 * - AWS refuses a switchover or failover to a cluster whose major.minor engine
 *   version differs, or to a headless one ("you must add a DB instance to it"):
 *   InvalidDBClusterStateFault here (the fault's name is an assumption; the
 *   message is re:Post's "must use the same engine version").
 * What no document says and this fake chooses is marked "(fake)".
 */
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CopyDBClusterSnapshotCommand,
  DBClusterNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidGlobalClusterStateFault,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/dr/aws-clients";
import type { Clock } from "../../src/dr/clock";
import type { ProbeResult } from "../../src/dr/platform";
import { FakeAws, MUTATING, SWITCH, type Call } from "./fake-aws";

export const GLOBAL_ID = "drweb-prod-db-global";
export const PRIMARY_CLUSTER = "drweb-prod-use2-db-g1-cluster";
export const SECONDARY_CLUSTER = "drweb-prod-usw1-db-g1-cluster";
const arn = (region: string, id: string) => `arn:aws:rds:${region}:123456789012:cluster:${id}`;
export const PRIMARY_ARN = arn("us-east-2", PRIMARY_CLUSTER);
export const SECONDARY_ARN = arn("us-west-1", SECONDARY_CLUSTER);

interface Member {
  id: string;
  region: string;
  arn: string;
  isWriter: boolean;
  status: string;
  sync: "connected" | "pending-resync";
  /** Removed from the global cluster (RemoveFromGlobalCluster): no longer listed by DescribeGlobalClusters, a standalone cluster with its own writer. */
  detached?: boolean;
  engineVersion: string;
  /** The cluster's DB instances (empty: headless). */
  instances: Array<{ id: string; status: string }>;
  /** Listed in GlobalClusterMembers (false: failed over away from while its region was down, not added back yet). */
  listed: boolean;
  /** DescribeGlobalClusters answers left until its rebuilt volume is in sync (0: not rebuilding). */
  rebuildLeft: number;
}

interface Operation {
  status: "pending" | "switching-over" | "failing-over" | "cancelling";
  from: string;
  to: string;
  dataLoss: boolean;
  /** DescribeGlobalClusters answers left before it completes (-1: never). */
  left: number;
}

interface ClusterSnapshot {
  id: string;
  cluster: string;
  region: string;
  type: "automated" | "manual";
  status: string;
  createdAt: number;
  /** DescribeDBClusterSnapshots answers left while it is creating/copying. */
  pending: number;
}

export const AURORA_MUTATING = [...MUTATING, "SwitchoverGlobalClusterCommand", "FailoverGlobalClusterCommand", "CopyDBClusterSnapshotCommand"];

export class FakeAurora {
  readonly aws: FakeAws;
  readonly members: Member[];
  op: Operation | null = null;
  /** DescribeGlobalClusters answers a switchover / failover takes (-1: never completes). */
  takes = 2;
  /** DescribeGlobalClusters answers the old primary's rebuild takes once it started (AWS: "a few minutes to several hours"). */
  rebuildTakes = 3;
  /** Aurora's snapshot of the old volume fails ("attempts": AWS takes none). */
  snapshotFails = false;
  /** (fake) A switchover whose old primary's region goes down while it runs is cancelled, taking this many answers. */
  cancelSwitchoverOnPrimaryLoss = false;
  cancelTakes = 2;
  /** AuroraGlobalDBRPOLag and ReplicationLag of the secondary member (ms); null: no datapoint. */
  rpoLagMs: number | null = 150;
  replicationLagMs: number | null = 90;
  /** Which dimension set the lag datapoints carry (the adapter asks for both). */
  lagWithSourceRegion = true;
  /** DescribeGlobalClusters answers GlobalClusterNotFound (the primary stack not deployed). */
  globalMissing = false;
  /** The global cluster's EngineVersion (DescribeGlobalClusters). */
  globalEngineVersion = "16.6";
  /**
   * Switchover / failover requests refused with this fault, this many times
   * (-1: always, a refusal that never clears), whatever the state (the state
   * rules below refuse on their own too).
   */
  refuse: { fault: "InvalidDBClusterStateFault" | "InvalidGlobalClusterStateFault"; times: number } | null = null;
  readonly clusterSnapshots: ClusterSnapshot[] = [];

  constructor(readonly clock: Clock) {
    this.aws = new FakeAws(clock);
    const mk = (id: string, region: string, a: string, isWriter: boolean): Member => ({
      id, region, arn: a, isWriter, status: "available", sync: "connected", engineVersion: "16.6", listed: true, rebuildLeft: 0,
      instances: [1, 2].map((n) => ({ id: `${id.replace(/-cluster$/, "")}-instance${n}`, status: "available" })),
    });
    this.members = [mk(PRIMARY_CLUSTER, "us-east-2", PRIMARY_ARN, true), mk(SECONDARY_CLUSTER, "us-west-1", SECONDARY_ARN, false)];
    // Each region's database endpoints parameter as the stacks create it (src/database/endpoints-parameter-resource.ts:
    // Terraform's jsonencode, keys sorted), naming the region's member.
    for (const m of this.members) {
      const name = `/drweb-prod-${m.region === "us-west-1" ? "usw1" : "use2"}/db/endpoints`;
      const value = JSON.stringify({ cluster: m.id, port: 5432, reader: `${m.id}.cluster-ro-abc.${m.region}.rds.amazonaws.com`, writer: `${m.id}.cluster-abc.${m.region}.rds.amazonaws.com` });
      if (m.region === SWITCH.region) this.aws.ssmParams.set(name, value);
      else this.aws.otherParams.set(`${m.region}:${name}`, value);
    }
  }

  member(region: string): Member {
    return this.members.find((m) => m.region === region)!;
  }

  /**
   * RemoveFromGlobalCluster of a region's cluster (test setup): "The cluster
   * becomes a standalone cluster with read-write capability" (RDS API
   * Reference, RemoveFromGlobalCluster): DescribeGlobalClusters stops listing
   * it, DescribeDBClusters in its region names no global cluster and an
   * instance of it writes.
   */
  detach(region: string): void {
    const m = this.member(region);
    m.detached = true;
    m.isWriter = false;
  }

  /** The state after a switchover to the secondary (test setup): roles swapped, both connected. */
  secondaryIsWriter(): void {
    this.member("us-east-2").isWriter = false;
    this.member("us-west-1").isWriter = true;
  }

  mutations(): Call[] {
    return this.aws.calls.filter((c) => AURORA_MUTATING.includes(c.command));
  }

  /**
   * GET /readyz through a region's ALB. The app finds where it may write at
   * run time (docs/aurora.md "Aurora Global Database mode", endpoints): writable as
   * soon as its region's cluster is the global writer and available, with no
   * deploy.
   */
  probe = async (target: { baseUrl: string }): Promise<ProbeResult> => {
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const m = this.member(region);
    const serving = this.aws.healthy[region] > 0 && this.aws.desired[region] > 0 && !this.aws.down.has(region);
    const writable = serving && m.listed && m.isWriter && m.status === "available";
    return { ok: serving, dbRole: writable ? "writer" : "replica", writable, wrote: writable, detail: `stub ${region}: ${serving ? "serving" : "no fleet"}, cluster ${m.isWriter ? "writer" : "secondary"}, writable ${writable}` };
  };

  clients(): AwsClients {
    const base = this.aws.clients();
    const wrap = (client: "rds" | "cloudwatch", region: string, inner: { send: (cmd: never, opts?: never) => Promise<unknown> }) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
        if (!this.mine(cmd)) return inner.send(cmd as never, opts as never);
        const call = { client, region, command: cmd.constructor.name, input: cmd.input };
        if ((await this.aws.enter(call, opts)) === "hang") {
          return new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true }));
        }
        return this.handle(region, cmd);
      },
    });
    return {
      ...base,
      rds: (r) => wrap("rds", r, base.rds(r) as never) as never,
      cloudwatch: (r) => wrap("cloudwatch", r, base.cloudwatch(r) as never) as never,
    };
  }

  private mine(cmd: { input: Record<string, unknown> }): boolean {
    if (cmd instanceof GetMetricDataCommand) return (cmd.input.MetricDataQueries ?? []).some((q) => (q.MetricStat?.Metric?.MetricName ?? "").startsWith("AuroraGlobalDB"));
    if (cmd instanceof DescribeDBInstancesCommand) return cmd.input.Filters !== undefined;
    return (
      cmd instanceof DescribeGlobalClustersCommand ||
      cmd instanceof DescribeDBClustersCommand ||
      cmd instanceof SwitchoverGlobalClusterCommand ||
      cmd instanceof FailoverGlobalClusterCommand ||
      cmd instanceof DescribeDBClusterSnapshotsCommand ||
      cmd instanceof CopyDBClusterSnapshotCommand
    );
  }

  /** The old primary comes back after a failover with data loss: the point-of-failure snapshot (attempted), then a rebuild. */
  private addBack(m: Member): void {
    m.listed = true;
    m.isWriter = false;
    m.sync = "pending-resync";
    m.rebuildLeft = this.rebuildTakes;
    if (!this.snapshotFails) {
      const stamp = new Date(this.clock.now()).toISOString().slice(0, 16).replace(/[T:]/g, "-");
      this.clusterSnapshots.push({ id: `rds:unplanned-global-failover-${m.id}-${stamp}`, cluster: m.id, region: m.region, type: "automated", status: "creating", createdAt: this.clock.now(), pending: 1 });
    }
  }

  /** Advances the world by one DescribeGlobalClusters (AWS's work between two reads). */
  private progress(): void {
    for (const m of this.members) {
      if (!m.listed && !m.isWriter && !this.aws.down.has(m.region)) this.addBack(m);
      else if (m.rebuildLeft > 0 && --m.rebuildLeft === 0) m.sync = "connected";
    }
    const op = this.op;
    if (!op || op.left < 0) return;
    if (op.status === "pending") {
      op.status = op.dataLoss ? "failing-over" : "switching-over";
      return;
    }
    const from = this.members.find((m) => m.arn === op.from)!;
    const to = this.members.find((m) => m.arn === op.to)!;
    if (op.status === "switching-over" && this.cancelSwitchoverOnPrimaryLoss && this.aws.down.has(from.region)) {
      op.status = "cancelling";
      op.left = this.cancelTakes;
      return;
    }
    if (--op.left > 0) return;
    this.op = null;
    if (op.status === "cancelling") return; // both back to their previous roles
    to.isWriter = true;
    to.sync = "connected";
    from.isWriter = false;
    if (!op.dataLoss) {
      from.sync = "connected"; // a switchover keeps the topology, in sync
    } else if (this.aws.down.has(from.region)) {
      from.listed = false; // added back when its region recovers
    } else {
      this.addBack(from);
    }
  }

  private lagFor(m: Member): boolean {
    return m.listed && !m.isWriter && m.rebuildLeft === 0;
  }

  private handle(region: string, cmd: { input: Record<string, unknown> }): unknown {
    const now = this.clock.now();
    if (cmd instanceof DescribeGlobalClustersCommand) {
      if (this.globalMissing || cmd.input.GlobalClusterIdentifier !== GLOBAL_ID) throw new GlobalClusterNotFoundFault({ message: `Global cluster ${cmd.input.GlobalClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      this.progress();
      const listed = this.members.filter((m) => m.listed && !m.detached);
      return {
        GlobalClusters: [
          {
            GlobalClusterIdentifier: GLOBAL_ID,
            Status: "available",
            Engine: "aurora-postgresql",
            EngineVersion: this.globalEngineVersion,
            GlobalClusterMembers: listed.map((m) => ({
              DBClusterArn: m.arn,
              IsWriter: m.isWriter,
              Readers: m.isWriter ? listed.filter((x) => x !== m).map((x) => x.arn) : [],
              ...(m.isWriter ? {} : { SynchronizationStatus: m.sync }),
            })),
            FailoverState: this.op ? { Status: this.op.status, FromDbClusterArn: this.op.from, ToDbClusterArn: this.op.to, IsDataLossAllowed: this.op.dataLoss } : undefined,
          },
        ],
      };
    }
    if (cmd instanceof DescribeDBClustersCommand) {
      const m = this.members.find((x) => x.id === cmd.input.DBClusterIdentifier && x.region === region);
      if (!m) throw new DBClusterNotFoundFault({ message: `DBCluster ${cmd.input.DBClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      return {
        DBClusters: [
          {
            DBClusterIdentifier: m.id,
            DBClusterArn: m.arn,
            Status: m.status,
            Engine: "aurora-postgresql",
            EngineVersion: m.engineVersion,
            // A detached cluster names no global cluster and its first instance writes.
            GlobalClusterIdentifier: m.detached ? undefined : GLOBAL_ID,
            DBClusterMembers: m.instances.map((i, n) => ({ DBInstanceIdentifier: i.id, IsClusterWriter: (m.isWriter || m.detached === true) && n === 0 })),
          },
        ],
      };
    }
    if (cmd instanceof DescribeDBInstancesCommand) {
      const id = (cmd.input.Filters as Array<{ Values: string[] }>)[0].Values[0];
      const m = this.members.find((x) => x.id === id && x.region === region);
      return { DBInstances: (m?.instances ?? []).map((i) => ({ DBInstanceIdentifier: i.id, DBInstanceStatus: i.status })) };
    }
    if (cmd instanceof SwitchoverGlobalClusterCommand || cmd instanceof FailoverGlobalClusterCommand) {
      const failover = cmd instanceof FailoverGlobalClusterCommand;
      const target = this.members.find((m) => m.arn === cmd.input.TargetDbClusterIdentifier);
      if (!target) throw new DBClusterNotFoundFault({ message: `DBCluster ${cmd.input.TargetDbClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      const from = this.members.find((m) => m.isWriter)!;
      if (!failover && region !== from.region) throw new Error(`fake AWS: a switchover is sent in the primary's region (${from.region}), not ${region}`);
      if (failover && region !== target.region) throw new Error(`fake AWS: the runbook sends a failover in the target's region (${target.region}), not ${region}`);
      if (failover && (cmd.input as { AllowDataLoss?: boolean }).AllowDataLoss !== true) throw new Error("fake AWS: the runbook's failover must allow data loss");
      if (this.refuse && this.refuse.times !== 0) {
        if (this.refuse.times > 0) this.refuse.times--;
        const Fault = this.refuse.fault === "InvalidDBClusterStateFault" ? InvalidDBClusterStateFault : InvalidGlobalClusterStateFault;
        throw new Fault({ message: `DB cluster ${target.id} is not in a valid state for this operation`, $metadata: { httpStatusCode: 400 } });
      }
      if (this.op) throw new InvalidGlobalClusterStateFault({ message: `Global cluster ${GLOBAL_ID} has an operation in progress`, $metadata: { httpStatusCode: 400 } });
      if (!failover && this.members.some((m) => m.listed && !m.isWriter && m.sync !== "connected")) {
        throw new InvalidGlobalClusterStateFault({ message: `Global cluster ${GLOBAL_ID} has a member that is not synchronized (pending-resync)`, $metadata: { httpStatusCode: 400 } });
      }
      if (target.engineVersion.split(".").slice(0, 2).join(".") !== this.globalEngineVersion.split(".").slice(0, 2).join(".")) {
        throw new InvalidDBClusterStateFault({ message: `The target cluster ${target.id} must use the same engine version as the current primary cluster`, $metadata: { httpStatusCode: 400 } });
      }
      if (!target.instances.some((i) => i.status === "available")) throw new InvalidDBClusterStateFault({ message: `DB cluster ${target.id} has no available DB instance`, $metadata: { httpStatusCode: 400 } });
      this.op = { status: "pending", from: from.arn, to: target.arn, dataLoss: failover, left: this.takes };
      return { GlobalCluster: {} };
    }
    if (cmd instanceof DescribeDBClusterSnapshotsCommand) {
      const input = cmd.input as { DBClusterIdentifier?: string; DBClusterSnapshotIdentifier?: string; SnapshotType?: string };
      const matches = this.clusterSnapshots.filter(
        (s) =>
          s.region === region &&
          (input.DBClusterIdentifier === undefined || s.cluster === input.DBClusterIdentifier) &&
          (input.DBClusterSnapshotIdentifier === undefined || s.id === input.DBClusterSnapshotIdentifier) &&
          (input.SnapshotType === undefined || s.type === input.SnapshotType),
      );
      if (input.DBClusterSnapshotIdentifier !== undefined && !matches.length) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${input.DBClusterSnapshotIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      const out = matches.map((s) => ({ DBClusterSnapshotIdentifier: s.id, DBClusterIdentifier: s.cluster, SnapshotType: s.type, Status: s.status, SnapshotCreateTime: new Date(s.createdAt) }));
      for (const s of matches) if (s.pending > 0 && --s.pending === 0) s.status = "available"; // one answer creating / copying, then available
      return { DBClusterSnapshots: out };
    }
    if (cmd instanceof CopyDBClusterSnapshotCommand) {
      const input = cmd.input as { SourceDBClusterSnapshotIdentifier: string; TargetDBClusterSnapshotIdentifier: string; KmsKeyId?: string };
      const src = this.clusterSnapshots.find((s) => s.id === input.SourceDBClusterSnapshotIdentifier && s.region === region);
      if (!src) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot ${input.SourceDBClusterSnapshotIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      if (src.status !== "available") throw new InvalidDBClusterSnapshotStateFault({ message: `DBClusterSnapshot ${src.id} is ${src.status}`, $metadata: { httpStatusCode: 400 } });
      if (this.clusterSnapshots.some((s) => s.id === input.TargetDBClusterSnapshotIdentifier && s.region === region)) throw new DBClusterSnapshotAlreadyExistsFault({ message: "exists", $metadata: { httpStatusCode: 400 } });
      if (!/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/.test(input.TargetDBClusterSnapshotIdentifier) || input.TargetDBClusterSnapshotIdentifier.endsWith("-")) throw new Error(`fake AWS: invalid target snapshot identifier ${input.TargetDBClusterSnapshotIdentifier}`);
      this.clusterSnapshots.push({ id: input.TargetDBClusterSnapshotIdentifier, cluster: src.cluster, region, type: "manual", status: "copying", createdAt: now, pending: 1 });
      return { DBClusterSnapshot: {} };
    }
    if (cmd instanceof GetMetricDataCommand) {
      const at = Math.floor(now / 60_000) * 60_000 - 60_000;
      const writer = this.members.find((m) => m.isWriter)!;
      return {
        MetricDataResults: (cmd.input.MetricDataQueries ?? []).map((q) => {
          const metric = q.MetricStat!.Metric!;
          const dims = Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
          const m = this.members.find((x) => x.id === dims.DBClusterIdentifier && x.region === region);
          // Published only for a secondary member in sync, in its own region, with the dimension set this fake is told to use.
          const published = m && this.lagFor(m) && ("SourceRegion" in dims) === this.lagWithSourceRegion && (!dims.SourceRegion || dims.SourceRegion === writer.region);
          const value = metric.MetricName === "AuroraGlobalDBRPOLag" ? this.rpoLagMs : this.replicationLagMs;
          return published && value !== null ? { Id: q.Id, Values: [value], Timestamps: [new Date(at)] } : { Id: q.Id, Values: [], Timestamps: [] };
        }),
      };
    }
    throw new Error(`fake Aurora: unexpected ${cmd.constructor.name}`);
  }
}
