/**
 * The Aurora Global Database side of the stubbed AWS SDK v3 clients
 * (fake-aws.ts holds the rest: ASGs, target groups, Route53, the failover
 * switch). No AWS API emulator runs on these machines and the global-cluster
 * APIs (DescribeGlobalClusters, SwitchoverGlobalCluster, FailoverGlobalCluster)
 * have no local counterpart: this small model of a global cluster with one
 * member per region stands in for them, so the tests check which calls the
 * runbook makes, with which inputs, and what it does with the answers.
 */
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DBClusterNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  InvalidGlobalClusterStateFault,
  SwitchoverGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/dr/aws-platform";
import type { Clock } from "../../src/dr/clock";
import type { ProbeResult } from "../../src/dr/platform";
import { FakeAws, MUTATING, type Call } from "./fake-aws";

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
}

interface Operation {
  status: "pending" | "switching-over" | "failing-over" | "cancelling";
  from: string;
  to: string;
  dataLoss: boolean;
  /** DescribeGlobalClusters answers left before it completes (-1: never). */
  left: number;
}

export const AURORA_MUTATING = [...MUTATING, "SwitchoverGlobalClusterCommand", "FailoverGlobalClusterCommand"];

export class FakeAurora {
  readonly aws: FakeAws;
  readonly members: Member[];
  op: Operation | null = null;
  /** DescribeGlobalClusters answers a switchover / failover takes (-1: never completes). */
  takes = 2;
  /** AuroraGlobalDBRPOLag and ReplicationLag of the secondary member (ms); null: no datapoint. */
  rpoLagMs: number | null = 150;
  replicationLagMs: number | null = 90;
  /** Which dimension set the lag datapoints carry (the adapter asks for both). */
  lagWithSourceRegion = true;
  /** DescribeGlobalClusters answers GlobalClusterNotFound (the primary stack not deployed). SwitchoverGlobalCluster is refused (InvalidGlobalClusterStateFault) while a secondary member is pending-resync. */
  globalMissing = false;
  /** The region whose web tier writes through its cluster endpoint (the last regional deploy's drState). */
  deployedWriter = "us-east-2";

  constructor(readonly clock: Clock) {
    this.aws = new FakeAws(clock);
    this.members = [
      { id: PRIMARY_CLUSTER, region: "us-east-2", arn: PRIMARY_ARN, isWriter: true, status: "available", sync: "connected" },
      { id: SECONDARY_CLUSTER, region: "us-west-1", arn: SECONDARY_ARN, isWriter: false, status: "available", sync: "connected" },
    ];
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

  /** The state after a failover or switchover to the secondary (test setup). */
  secondaryIsWriter(): void {
    this.member("us-east-2").isWriter = false;
    this.member("us-west-1").isWriter = true;
    this.deployedWriter = "us-west-1";
  }

  mutations(): Call[] {
    return this.aws.calls.filter((c) => AURORA_MUTATING.includes(c.command));
  }

  /** GET /readyz through a region's ALB: writable when its cluster is the writer AND its web tier was deployed to write through it. */
  probe = async (target: { baseUrl: string }): Promise<ProbeResult> => {
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const m = this.member(region);
    const serving = this.aws.healthy[region] > 0 && this.aws.desired[region] > 0;
    const writable = serving && m.isWriter && m.status === "available" && this.deployedWriter === region;
    return { ok: serving, dbRole: writable ? "writer" : "replica", writable, wrote: writable, detail: `stub ${region}: ${serving ? "serving" : "no fleet"}, cluster ${m.isWriter ? "writer" : "secondary"}, writable ${writable}` };
  };

  clients(): AwsClients {
    const base = this.aws.clients();
    const wrap = (client: "rds" | "cloudwatch", region: string, inner: { send: (cmd: never, opts?: never) => Promise<unknown> }) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: never) => {
        if (!this.mine(cmd)) return inner.send(cmd as never, opts);
        const call = { client, region, command: cmd.constructor.name, input: cmd.input };
        this.aws.calls.push(call);
        const injected = this.aws.failWith?.(call);
        if (injected !== undefined) throw injected;
        if (this.aws.down.has(region)) throw Object.assign(new Error(`connect ETIMEDOUT ${client}.${region}.amazonaws.com:443`), { name: "TimeoutError" });
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
    return cmd instanceof DescribeGlobalClustersCommand || cmd instanceof DescribeDBClustersCommand || cmd instanceof SwitchoverGlobalClusterCommand || cmd instanceof FailoverGlobalClusterCommand;
  }

  /** Advances an operation under way by one DescribeGlobalClusters. */
  private progress(): void {
    const op = this.op;
    if (!op || op.left < 0) return;
    if (op.status === "pending") op.status = op.dataLoss ? "failing-over" : "switching-over";
    if (--op.left > 0) return;
    for (const m of this.members) {
      if (m.arn === op.to) m.isWriter = true;
      else if (m.arn === op.from) m.isWriter = false;
    }
    this.op = null;
  }

  private handle(region: string, cmd: { input: Record<string, unknown> }): unknown {
    const now = this.clock.now();
    if (cmd instanceof DescribeGlobalClustersCommand) {
      if (this.globalMissing || cmd.input.GlobalClusterIdentifier !== GLOBAL_ID) throw new GlobalClusterNotFoundFault({ message: `Global cluster ${cmd.input.GlobalClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      this.progress();
      const writer = this.members.find((m) => m.isWriter)!;
      return {
        GlobalClusters: [
          {
            GlobalClusterIdentifier: GLOBAL_ID,
            Status: "available",
            Engine: "aurora-postgresql",
            GlobalClusterMembers: this.members.filter((m) => !m.detached).map((m) => ({
              DBClusterArn: m.arn,
              IsWriter: m.isWriter,
              Readers: m.isWriter ? this.members.filter((x) => x !== m).map((x) => x.arn) : [],
              ...(m.isWriter ? {} : { SynchronizationStatus: m.sync }),
            })),
            FailoverState: this.op ? { Status: this.op.status, FromDbClusterArn: this.op.from, ToDbClusterArn: this.op.to, IsDataLossAllowed: this.op.dataLoss } : undefined,
            Endpoint: `${GLOBAL_ID}.global-abc.global.rds.amazonaws.com (writer ${writer.id})`,
          },
        ],
      };
    }
    if (cmd instanceof DescribeDBClustersCommand) {
      const m = this.members.find((x) => x.id === cmd.input.DBClusterIdentifier && x.region === region);
      if (!m) throw new DBClusterNotFoundFault({ message: `DBCluster ${cmd.input.DBClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      return { DBClusters: [{ DBClusterIdentifier: m.id, DBClusterArn: m.arn, Status: m.status, GlobalClusterIdentifier: m.detached ? undefined : GLOBAL_ID, DBClusterMembers: [{ DBInstanceIdentifier: `${m.id.replace(/-cluster$/, "")}-instance1`, IsClusterWriter: m.isWriter || m.detached === true }, { DBInstanceIdentifier: `${m.id.replace(/-cluster$/, "")}-instance2`, IsClusterWriter: false }] }] };
    }
    if (cmd instanceof DescribeDBInstancesCommand) {
      const id = cmd.input.Filters![0].Values![0];
      const base = id.replace(/-cluster$/, "");
      return { DBInstances: [1, 2].map((n) => ({ DBInstanceIdentifier: `${base}-instance${n}`, DBInstanceStatus: "available" })) };
    }
    if (cmd instanceof SwitchoverGlobalClusterCommand || cmd instanceof FailoverGlobalClusterCommand) {
      const failover = cmd instanceof FailoverGlobalClusterCommand;
      const target = this.members.find((m) => m.arn === cmd.input.TargetDbClusterIdentifier);
      if (!target) throw new DBClusterNotFoundFault({ message: `DBCluster ${cmd.input.TargetDbClusterIdentifier} not found`, $metadata: { httpStatusCode: 404 } });
      if (this.op) throw new InvalidGlobalClusterStateFault({ message: `Global cluster ${GLOBAL_ID} has an operation in progress`, $metadata: { httpStatusCode: 400 } });
      if (!failover && this.members.some((m) => !m.isWriter && m.sync !== "connected")) {
        throw new InvalidGlobalClusterStateFault({ message: `Global cluster ${GLOBAL_ID} has a member that is not synchronized (pending-resync)`, $metadata: { httpStatusCode: 400 } });
      }
      if (failover && (cmd.input as { AllowDataLoss?: boolean }).AllowDataLoss !== true) throw new Error("fake AWS: the runbook's failover must allow data loss");
      const from = this.members.find((m) => m.isWriter)!;
      this.op = { status: "pending", from: from.arn, to: target.arn, dataLoss: failover, left: this.takes };
      return { GlobalCluster: {} };
    }
    if (cmd instanceof GetMetricDataCommand) {
      const at = Math.floor(now / 60_000) * 60_000 - 60_000;
      const writer = this.members.find((m) => m.isWriter)!;
      return {
        MetricDataResults: (cmd.input.MetricDataQueries ?? []).map((q) => {
          const metric = q.MetricStat!.Metric!;
          const dims = Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
          const m = this.members.find((x) => x.id === dims.DBClusterIdentifier && x.region === region);
          // Published only for a secondary member, in its own region, with the dimension set this fake is told to use.
          const published = m && !m.isWriter && ("SourceRegion" in dims) === this.lagWithSourceRegion && (!dims.SourceRegion || dims.SourceRegion === writer.region);
          const value = metric.MetricName === "AuroraGlobalDBRPOLag" ? this.rpoLagMs : this.replicationLagMs;
          return published && value !== null ? { Id: q.Id, Values: [value], Timestamps: [new Date(at)] } : { Id: q.Id, Values: [], Timestamps: [] };
        }),
      };
    }
    throw new Error(`fake Aurora: unexpected ${cmd.constructor.name}`);
  }
}
