/**
 * The `dr restore` side of the stubbed AWS SDK v3 clients in the Aurora mode (fake-aurora.ts holds the global
 * cluster, fake-aws.ts the rest). No AWS API emulator runs on these machines: this small model of Aurora's
 * point-in-time restore is the stand-in, so the tests check which calls the runbook makes, with which inputs, and
 * what it does with the answers. What it models, from the RDS API Reference (cited in src/dr/aws-aurora-restore.ts):
 * - DescribeDBClusters of a member: EarliestRestorableTime (now - retention), LatestRestorableTime (now - lag), its
 *   subnet group, security groups, cluster parameter group, KMS key, port, tags, endpoint;
 * - RestoreDBClusterToPointInTime: refused (InvalidRestoreFault, 400) for a time outside the window,
 *   DBClusterAlreadyExistsFault for a taken name; the new cluster has no instance and is "creating" for
 *   `restoreTakes` describes, then available;
 * - CreateDBInstance in a cluster: refused (InvalidDBClusterStateFault) while the cluster is not available
 *   ("You can create DB instances only after ... the DB cluster is available"), DBInstanceAlreadyExists for a taken
 *   name; "creating" for `instanceTakes` describes, then available and the cluster's writer;
 * - DescribeDBInstances by identifier: the restored instances, and the members' instances with their DB parameter group;
 * - the database endpoints parameter of each region (src/database/endpoints-parameter.ts) as the stacks create it
 *   (naming the region's member, keys in Terraform's jsonencode order), in FakeAws's SSM (GetParameter, PutParameter
 *   with Overwrite), and `probe`: the app through a region's entry point as the app runs it, on the cluster the
 *   region's parameter named when its instances started (the fleet restarted: desired 0, then up again).
 */
import {
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBInstanceAlreadyExistsFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  InvalidRestoreFault,
  RestoreDBClusterToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/dr/aws-clients";
import type { ProbeResult } from "../../src/dr/platform";
import { FakeAurora } from "./fake-aurora";
import { SWITCH } from "./fake-aws";

const DAY = 86_400_000;
const code = (region: string) => (region === "us-west-1" ? "usw1" : "use2");

interface Restored {
  id: string;
  region: string;
  status: string;
  pending: number;
  instances: Array<{ id: string; status: string; pending: number }>;
}

export const AURORA_RESTORE_MUTATING = ["RestoreDBClusterToPointInTimeCommand", "CreateDBInstanceCommand"];

export class FakeAuroraRestore {
  readonly clusters = new Map<string, Restored>();
  /** Inputs of each request. */
  readonly restores: Array<{ region: string; input: Record<string, unknown> }> = [];
  readonly creates: Array<{ region: string; input: Record<string, unknown> }> = [];
  /** How many describes a restore takes (-1: never completes). */
  restoreTakes = 3;
  /** How many describes an instance creation takes (-1: never). */
  instanceTakes = 2;
  /** The status a restored cluster ends in instead of available (a failed restore). */
  restoreEndsIn = "available";
  latestLagMs = 5 * 60_000;
  retentionMs = 7 * DAY;

  /** The cluster each region's running fleet uses (read from the parameter when the fleet started: the app reads it once). */
  readonly fleetCluster: Record<string, string | null> = {};

  constructor(readonly fa: FakeAurora) {
    // Each region's endpoints parameter names its member (FakeAurora creates them as the stacks do).
    for (const m of fa.members) this.fleetCluster[m.region] = m.id;
  }

  static paramName(region: string): string {
    return `/drweb-prod-${code(region)}/db/endpoints`;
  }

  /** A region's endpoints parameter's raw value (undefined: none). */
  param(region: string): string | undefined {
    const name = FakeAuroraRestore.paramName(region);
    return region === SWITCH.region ? this.fa.aws.ssmParams.get(name) : this.fa.aws.otherParams.get(`${region}:${name}`);
  }

  setParam(region: string, value: string | undefined): void {
    const name = FakeAuroraRestore.paramName(region);
    if (region === SWITCH.region) {
      if (value === undefined) this.fa.aws.ssmParams.delete(name);
      else this.fa.aws.ssmParams.set(name, value);
    } else if (value === undefined) this.fa.aws.otherParams.delete(`${region}:${name}`);
    else this.fa.aws.otherParams.set(`${region}:${name}`, value);
  }

  /**
   * GET /readyz and a POST through a region's ALB: instances that start (the fleet back from 0) read the parameter
   * once; writable when that cluster writes (a member that is the global writer, or a restored cluster available
   * with an available instance) and the fleet serves.
   */
  probe = async (target: { baseUrl: string }): Promise<ProbeResult> => {
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const aws = this.fa.aws;
    if (aws.desired[region] > 0 && this.fleetCluster[region] === null) this.fleetCluster[region] = (() => {
      try {
        return JSON.parse(this.param(region) ?? "").cluster as string;
      } catch {
        return null; // the app fails closed: no instance serves
      }
    })();
    const id = this.fleetCluster[region];
    const serving = aws.healthy[region] > 0 && aws.desired[region] > 0 && !aws.down.has(region) && id !== null;
    const m = this.fa.members.find((x) => x.id === id);
    const rc = id ? this.clusters.get(id) : undefined;
    const writes = m ? m.listed && m.isWriter && m.status === "available" : !!rc && rc.status === "available" && rc.instances.some((i) => i.status === "available");
    const writable = serving && writes;
    return { ok: serving, dbRole: writable ? "writer" : "replica", writable, wrote: writable, detail: `stub ${region}: ${serving ? "serving" : "no fleet"} on ${id ?? "nothing"}, writable ${writable}` };
  };

  /** All calls that change something (the global cluster's, the fleet's, the restore's). */
  changes(): string[] {
    return this.fa.aws.calls
      .filter((c) => [...AURORA_RESTORE_MUTATING, "UpdateAutoScalingGroupCommand", "SwitchoverGlobalClusterCommand", "FailoverGlobalClusterCommand", "ModifyDBInstanceCommand", "ModifyDBClusterCommand", "RemoveFromGlobalClusterCommand", "PutMetricDataCommand"].includes(c.command) || (c.command === "PutParameterCommand" && String(c.input.Name).endsWith("/db/endpoints")))
      .map((c) => `${c.command}@${c.region}`);
  }

  clients(): AwsClients {
    const base = this.fa.clients();
    const wrap = (region: string, inner: { send: (cmd: never, opts?: never) => Promise<unknown> }) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
        const mine =
          cmd instanceof RestoreDBClusterToPointInTimeCommand ||
          cmd instanceof CreateDBInstanceCommand ||
          (cmd instanceof DescribeDBInstancesCommand && cmd.input.Filters === undefined) ||
          (cmd instanceof DescribeDBClustersCommand && this.clusters.has(String(cmd.input.DBClusterIdentifier)));
        if (cmd instanceof DescribeDBClustersCommand && !mine) {
          const out = (await inner.send(cmd as never, opts as never)) as { DBClusters?: Array<Record<string, unknown>> };
          for (const c of out.DBClusters ?? []) this.augment(region, c);
          return out;
        }
        if (!mine) return inner.send(cmd as never, opts as never);
        const call = { client: "rds", region, command: cmd.constructor.name, input: cmd.input };
        if ((await this.fa.aws.enter(call, opts)) === "hang") {
          return new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true }));
        }
        return this.handle(region, cmd);
      },
    });
    // A fleet scaled to 0 stops its instances: the next ones read the parameter again when they start.
    const scaling = (region: string, inner: { send: (cmd: never, opts?: never) => Promise<unknown> }) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: never) => {
        const out = await inner.send(cmd as never, opts);
        if (cmd.constructor.name === "UpdateAutoScalingGroupCommand" && cmd.input.DesiredCapacity === 0) this.fleetCluster[region] = null;
        return out;
      },
    });
    return { ...base, rds: (r) => wrap(r, base.rds(r) as never) as never, autoscaling: (r) => scaling(r, base.autoscaling(r) as never) as never };
  }

  private augment(region: string, c: Record<string, unknown>): void {
    const now = this.fa.clock.now();
    const k = code(region);
    Object.assign(c, {
      EarliestRestorableTime: new Date(now - this.retentionMs),
      LatestRestorableTime: new Date(now - this.latestLagMs),
      BackupRetentionPeriod: 7,
      DBSubnetGroup: `drweb-prod-${k}-db`,
      VpcSecurityGroups: [{ VpcSecurityGroupId: `sg-${k}-db`, Status: "active" }],
      DBClusterParameterGroup: `drweb-prod-${k}-aurora-pg16`,
      KmsKeyId: `arn:aws:kms:${region}:123456789012:key/${k}`,
      Port: 5432,
      EnabledCloudwatchLogsExports: ["postgresql"],
      Endpoint: `${String(c.DBClusterIdentifier)}.cluster-abc.${region}.rds.amazonaws.com`,
      ReaderEndpoint: `${String(c.DBClusterIdentifier)}.cluster-ro-abc.${region}.rds.amazonaws.com`,
      TagList: [{ Key: "project", Value: "drweb" }, { Key: "aws:cloudformation:stack-name", Value: "x" }],
    });
  }

  private tick(x: { status: string; pending: number }, end: string): void {
    if (x.pending > 0 && --x.pending === 0) x.status = end;
  }

  private handle(region: string, cmd: { input: Record<string, unknown> }): unknown {
    const now = this.fa.clock.now();
    if (cmd instanceof DescribeDBClustersCommand) {
      const c = this.clusters.get(String(cmd.input.DBClusterIdentifier))!;
      this.tick(c, this.restoreEndsIn);
      return {
        DBClusters: [
          {
            DBClusterIdentifier: c.id,
            Status: c.status,
            Engine: "aurora-postgresql",
            Port: 5432,
            Endpoint: c.status === "creating" ? undefined : `${c.id}.cluster-abc.${region}.rds.amazonaws.com`,
            ReaderEndpoint: c.status === "creating" ? undefined : `${c.id}.cluster-ro-abc.${region}.rds.amazonaws.com`,
            DBClusterMembers: c.instances.map((i) => ({ DBInstanceIdentifier: i.id, IsClusterWriter: true })),
          },
        ],
      };
    }
    if (cmd instanceof DescribeDBInstancesCommand) {
      const id = String(cmd.input.DBInstanceIdentifier);
      for (const c of this.clusters.values()) {
        const i = c.instances.find((x) => x.id === id);
        if (i && c.region === region) {
          this.tick(i, "available");
          return { DBInstances: [{ DBInstanceIdentifier: i.id, DBInstanceStatus: i.status, DBClusterIdentifier: c.id }] };
        }
      }
      const m = this.fa.members.find((x) => x.region === region && x.instances.some((i) => i.id === id));
      if (m) return { DBInstances: [{ DBInstanceIdentifier: id, DBInstanceStatus: "available", DBClusterIdentifier: m.id, DBParameterGroups: [{ DBParameterGroupName: `drweb-prod-${code(region)}-aurora-instance-pg16` }], CACertificateIdentifier: "rds-ca-rsa2048-g1" }] };
      throw Object.assign(new Error(`DBInstance ${id} not found`), { name: "DBInstanceNotFoundFault", $metadata: { httpStatusCode: 404 } });
    }
    if (cmd instanceof RestoreDBClusterToPointInTimeCommand) {
      const input = cmd.input;
      this.restores.push({ region, input: input as Record<string, unknown> });
      const target = input.DBClusterIdentifier!;
      if (this.clusters.has(target) || this.fa.members.some((m) => m.id === target)) throw new DBClusterAlreadyExistsFault({ message: `DB cluster already exists`, $metadata: { httpStatusCode: 400 } });
      const t = input.RestoreToTime!.getTime();
      if (t < now - this.retentionMs || t > now - this.latestLagMs) throw new InvalidRestoreFault({ message: `The restore time is outside the restorable window`, $metadata: { httpStatusCode: 400 } });
      this.clusters.set(target, { id: target, region, status: "creating", pending: this.restoreTakes, instances: [] });
      return { DBCluster: { DBClusterIdentifier: target, Status: "creating" } };
    }
    if (cmd instanceof CreateDBInstanceCommand) {
      const input = cmd.input;
      this.creates.push({ region, input: input as Record<string, unknown> });
      const c = this.clusters.get(String(input.DBClusterIdentifier));
      if (!c || c.region !== region) throw Object.assign(new Error(`DBCluster ${input.DBClusterIdentifier} not found`), { name: "DBClusterNotFoundFault", $metadata: { httpStatusCode: 404 } });
      if ([...this.clusters.values()].some((x) => x.instances.some((i) => i.id === input.DBInstanceIdentifier))) throw new DBInstanceAlreadyExistsFault({ message: `DB instance already exists`, $metadata: { httpStatusCode: 400 } });
      if (c.status !== "available") throw new InvalidDBClusterStateFault({ message: `DB cluster ${c.id} is ${c.status}`, $metadata: { httpStatusCode: 400 } });
      c.instances.push({ id: String(input.DBInstanceIdentifier), status: "creating", pending: this.instanceTakes });
      return { DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: "creating" } };
    }
    throw new Error(`fake aurora restore: unexpected ${cmd.constructor.name}`);
  }
}
