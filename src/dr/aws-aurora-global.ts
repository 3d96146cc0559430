import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CopyDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type GlobalCluster,
} from "@aws-sdk/client-rds";
import { REGION_ROLES, type RegionRole } from "../config";
import { globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { classifyAwsError } from "./aws-errors";
import { AwsService, isNotFound } from "./aws-service";
import type { ClusterSnapshotState, GlobalActionAttempt, GlobalClusterState, GlobalMemberState, GlobalReadOptions, RegionalClusterState } from "./global-database-platform";

// The AWS adapter's Aurora Global Database (part of AwsPlatform, aws-platform.ts; database.engine
// "aurora-postgresql"): the global cluster and its members, switchover and failover, each region's cluster and its
// snapshots.

export class AwsAuroraGlobal extends AwsService {
  // --- Aurora Global Database (database.engine "aurora-postgresql") -------------
  //
  // RDS API Reference: DescribeGlobalClusters, SwitchoverGlobalCluster,
  // FailoverGlobalCluster, FailoverState, GlobalClusterMember; Aurora User Guide,
  // "Using switchover or failover in Amazon Aurora Global Database"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).

  /** Region of a cluster ARN (arn:<partition>:rds:<region>:<account>:cluster:<id>). */
  private static arnRegion(arn: string): string {
    return arn.split(":")[3] ?? "";
  }

  private static arnId(arn: string): string {
    return arn.split(":").slice(6).join(":");
  }

  /**
   * DescribeGlobalClusters. A global cluster has no region of its own (its ARN
   * has none) and is described from any member's region: asked in the
   * secondary region first (the one a failover relies on), then the primary's
   * when the secondary's endpoint does not answer; with `only`, in that
   * region alone (the unplanned failover never waits on the failed region).
   */
  private async describeGlobal(roles: readonly RegionRole[] = ["secondary", "primary"]): Promise<GlobalCluster | null> {
    const id = globalClusterIdentifier(this.config);
    let lastError: unknown;
    for (const role of roles) {
      const region = this.region(role);
      try {
        const out = await this.send<{ GlobalClusters?: GlobalCluster[] }>(this.clients.rds(region), new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }), `RDS DescribeGlobalClusters ${id} (${region})`);
        return out.GlobalClusters?.[0] ?? null;
      } catch (e) {
        if (isNotFound(e, "GlobalClusterNotFoundFault")) return null;
        const cause = classifyAwsError(e);
        if (cause?.permanent || cause?.kind !== "network") throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  /** Lag of a secondary member (ms): AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag, newest datapoint of each. */
  private async globalLag(region: string, clusterId: string, sourceRegion: string | null): Promise<{ replication: number | null; rpo: number | null; at: number | null }> {
    // Both metrics are cluster-level, in milliseconds, and published only in
    // the secondary Regions (Aurora User Guide, "Amazon CloudWatch metrics for
    // Amazon Aurora", cluster-level metrics). Aurora PostgreSQL global databases
    // are judged on AuroraGlobalDBRPOLag (same guide, "Using switchover or
    // failover": "For all versions of Aurora PostgreSQL-based global databases
    // ... view the AuroraGlobalDBRPOLag metric for all secondary DB clusters").
    // The dimensions: DBClusterIdentifier, and the pair DBClusterIdentifier +
    // SourceRegion ("Filters the data by the primary cluster in a global
    // database primary region", the RDS family's CloudWatch dimensions table).
    // Which of the two a datapoint carries is not stated per metric, so both are
    // asked in one call and the newest datapoint wins; no datapoint is "unknown",
    // never 0.
    const end = this.clock.now();
    const q = (qid: string, metric: string, withSource: boolean) => ({
      Id: qid,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: "AWS/RDS",
          MetricName: metric,
          Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterId }, ...(withSource && sourceRegion ? [{ Name: "SourceRegion", Value: sourceRegion }] : [])],
        },
        Period: 60,
        Stat: "Maximum",
      },
    });
    const out = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch(region),
      new GetMetricDataCommand({
        StartTime: new Date(end - 20 * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [q("repl", "AuroraGlobalDBReplicationLag", false), q("replsrc", "AuroraGlobalDBReplicationLag", true), q("rpo", "AuroraGlobalDBRPOLag", false), q("rposrc", "AuroraGlobalDBRPOLag", true)],
      }),
      `CloudWatch GetMetricData AuroraGlobalDB lag ${clusterId} (${region})`,
    );
    const newest = (...ids: string[]) => {
      let best: { value: number; at: number } | null = null;
      for (const r of out.MetricDataResults ?? []) {
        if (!ids.includes(r.Id ?? "")) continue;
        (r.Values ?? []).forEach((value, i) => {
          const at = r.Timestamps?.[i]?.getTime() ?? 0;
          if (!best || at > best.at) best = { value, at };
        });
      }
      return best as { value: number; at: number } | null;
    };
    const repl = newest("repl", "replsrc");
    const rpo = newest("rpo", "rposrc");
    const at = Math.max(repl?.at ?? 0, rpo?.at ?? 0);
    return { replication: repl?.value ?? null, rpo: rpo?.value ?? null, at: at || null };
  }

  /** A member cluster in its region (DescribeDBClusters) and its instances; null fields when the region does not answer. */
  private async memberCluster(region: string, clusterId: string): Promise<{ cluster: DBCluster | null; instances: GlobalMemberState["instances"]; error?: string }> {
    try {
      const c = (await this.send<{ DBClusters?: DBCluster[] }>(this.clients.rds(region), new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }), `RDS DescribeDBClusters ${clusterId} (${region})`)).DBClusters?.[0] ?? null;
      const insts = (
        await this.send<{ DBInstances?: DBInstance[] }>(
          this.clients.rds(region),
          new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [clusterId] }] }),
          `RDS DescribeDBInstances db-cluster-id=${clusterId} (${region})`,
        )
      ).DBInstances ?? [];
      const writerIds = new Set((c?.DBClusterMembers ?? []).filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier));
      return { cluster: c, instances: insts.map((i) => ({ identifier: i.DBInstanceIdentifier ?? "?", status: i.DBInstanceStatus ?? null, isClusterWriter: writerIds.has(i.DBInstanceIdentifier) })) };
    } catch (e) {
      if (isNotFound(e, "DBClusterNotFoundFault")) return { cluster: null, instances: [], error: `no DB cluster ${clusterId} in ${region}` };
      if (classifyAwsError(e)?.permanent) throw e;
      return { cluster: null, instances: null, error: `${region} did not answer (${(e as Error)?.message ?? String(e)})` };
    }
  }

  /**
   * The global cluster, its members (each read in its own region: a member
   * whose region does not answer keeps what DescribeGlobalClusters said, with
   * status null) and the lag of each secondary member. With `only`, the
   * global cluster is described in that role's region and only that role's
   * member is read (its cluster, instances and lag: all in its own region);
   * the other member is listed as DescribeGlobalClusters gives it, not read.
   */
  async globalCluster(opts: GlobalReadOptions = {}): Promise<GlobalClusterState> {
    const identifier = globalClusterIdentifier(this.config);
    const only = opts.only;
    const g = await this.describeGlobal(only ? [only] : undefined);
    if (!g) return { identifier, found: false, status: null, members: [], failoverState: null, detail: `no global cluster ${identifier} (DescribeGlobalClusters: GlobalClusterNotFound)` };
    const writer = (g.GlobalClusterMembers ?? []).find((m) => m.IsWriter);
    const writerRegion = writer?.DBClusterArn ? AwsAuroraGlobal.arnRegion(writer.DBClusterArn) : null;
    const roleOf = (region: string, id: string) => REGION_ROLES.find((r) => this.region(r) === region && regionClusterIdentifier(this.config, r) === id) ?? null;
    const members = await Promise.all(
      (g.GlobalClusterMembers ?? []).map(async (m): Promise<GlobalMemberState> => {
        const arn = m.DBClusterArn ?? "";
        const region = AwsAuroraGlobal.arnRegion(arn);
        const id = AwsAuroraGlobal.arnId(arn);
        const role = roleOf(region, id);
        const isWriter = m.IsWriter === true;
        const sync = m.SynchronizationStatus ?? null;
        if (only && role !== only) {
          return {
            role, region, clusterIdentifier: id, clusterArn: arn, isWriter, status: null, synchronizationStatus: sync, readers: m.Readers ?? [], instances: null,
            replicationLagMs: null, rpoLagMs: null, lagSampleAgeSeconds: null, engineVersion: null,
            detail: `${id} (${region}): ${isWriter ? "writer (global primary)" : "secondary"}${sync ? `, sync ${sync}` : ""} (as DescribeGlobalClusters in ${this.region(only)} lists it; not read in ${region})`,
          };
        }
        const [mc, lag] = await Promise.all([
          this.memberCluster(region, id),
          isWriter
            ? Promise.resolve(null)
            : this.globalLag(region, id, writerRegion).catch((e: unknown) => {
                if (classifyAwsError(e)?.permanent) throw e;
                return null;
              }),
        ]);
        const age = lag?.at ? Math.max(0, (this.awsNow(region).now - (lag.at + 60_000)) / 1000) : null;
        const version = mc.cluster?.EngineVersion ?? null;
        return {
          role,
          region,
          clusterIdentifier: id,
          clusterArn: arn,
          isWriter,
          status: mc.cluster?.Status ?? null,
          synchronizationStatus: sync,
          readers: m.Readers ?? [],
          instances: mc.instances,
          replicationLagMs: lag?.replication ?? null,
          rpoLagMs: lag?.rpo ?? null,
          lagSampleAgeSeconds: age,
          engineVersion: version,
          detail:
            `${id} (${region}): ${isWriter ? "writer (global primary)" : "secondary"}, ${mc.cluster?.Status ?? (mc.error ? `status unknown: ${mc.error}` : "status unknown")}` +
            (version ? `, ${mc.cluster?.Engine ?? "engine"} ${version}` : "") +
            (sync ? `, sync ${sync}` : "") +
            (isWriter ? "" : lag ? `, replication lag ${lag.replication ?? "unknown"} ms, RPO lag ${lag.rpo ?? "unknown"} ms` : ", lag could not be read"),
        };
      }),
    );
    const fs = g.FailoverState;
    const failoverState = fs?.Status ? { status: fs.Status, fromClusterArn: fs.FromDbClusterArn ?? null, toClusterArn: fs.ToDbClusterArn ?? null, isDataLossAllowed: fs.IsDataLossAllowed ?? null } : null;
    return {
      identifier,
      found: true,
      status: g.Status ?? null,
      engineVersion: g.EngineVersion ?? null,
      ...(only ? { readIn: [this.region(only)] } : {}),
      members,
      failoverState,
      detail:
        `${identifier}: ${g.Status ?? "?"}${g.EngineVersion ? ` (${g.EngineVersion})` : ""}, ${members.length} member(s); writer ${writer?.DBClusterArn ?? "none"}` +
        (failoverState ? `; ${failoverState.isDataLossAllowed ? "failover" : "switchover"} ${failoverState.status} from ${failoverState.fromClusterArn ?? "?"} to ${failoverState.toClusterArn ?? "?"}` : "") +
        (only ? `; read in ${this.region(only)} only` : ""),
    };
  }

  /**
   * One SwitchoverGlobalCluster or FailoverGlobalCluster request, only when
   * needed: the target already the writer, or an operation toward it already
   * under way (FailoverState), sends nothing (a resumed run waits for it).
   * TargetDbClusterIdentifier is the target's ARN ("Use the Amazon Resource
   * Name (ARN) for the identifier so that Aurora can locate the cluster in its
   * Amazon Web Services Region": RDS API Reference, SwitchoverGlobalCluster,
   * FailoverGlobalCluster). A switchover is sent in the current primary's
   * region ("--region region_of_primary"), a failover in the target's (the
   * primary's may be down): Aurora User Guide, "Using switchover or failover".
   * A failover reads the global cluster in the target's region only (nothing
   * in the failed region: GlobalReadOptions).
   * Errors (both APIs: DBClusterNotFoundFault, GlobalClusterNotFoundFault,
   * InvalidDBClusterStateFault, InvalidGlobalClusterStateFault):
   * the two state faults are "refused" (refusal "state": nothing changed; the
   * step asks again, up to a cap: aurora-plan.ts MAX_GLOBAL_REFUSALS),
   * throttling likewise (refusal "throttled", not counted); the two not-found
   * faults end the step with the names it looked for. "not-sent" when the read
   * before the request failed or every SDK attempt of it failed before
   * connecting (mayHaveBeenSent): nothing can have been taken, and the journal
   * says so (aurora-plan.ts requestGlobal); a failure after it may have left is
   * thrown (possibly taken).
   */
  private async globalAction(kind: "switchover" | "failover", target: RegionRole): Promise<GlobalActionAttempt> {
    let g: GlobalClusterState;
    try {
      g = await this.globalCluster(kind === "failover" ? { only: target } : {});
    } catch (e) {
      // The read before the request failed: nothing was sent (credentials and permissions end the step).
      if (classifyAwsError(e)?.permanent || !classifyAwsError(e)) throw e;
      return { outcome: "not-sent", detail: `the global cluster could not be read before the ${kind} (${(e as Error)?.message ?? String(e)}): nothing was sent` };
    }
    if (!g.found) throw new Error(`${g.detail}: check database.engine and the project/environment names, and that the primary stack is deployed`);
    const targetId = regionClusterIdentifier(this.config, target);
    const t = g.members.find((m) => m.role === target);
    if (!t) throw new Error(`${targetId} (${this.region(target)}) is not a member of ${g.identifier} (members: ${g.members.map((m) => m.clusterArn).join(", ") || "none"}): deploy its regional stack first`);
    if (t.isWriter) return { outcome: "already-writer", detail: `${targetId} is already the writer of ${g.identifier}: nothing sent` };
    const fs = g.failoverState;
    if (fs && fs.status !== "cancelling") {
      if (fs.toClusterArn === t.clusterArn) return { outcome: "in-progress", detail: `a ${fs.isDataLossAllowed ? "failover" : "switchover"} to ${targetId} is already ${fs.status}: not requested again (waiting for it)` };
      throw new Error(`${g.identifier} has a ${fs.isDataLossAllowed ? "failover" : "switchover"} ${fs.status} toward ${fs.toClusterArn ?? "?"}, not toward ${targetId}: someone else is moving the primary; see aws rds describe-global-clusters`);
    }
    const current = g.members.find((m) => m.isWriter);
    const region = kind === "switchover" ? (current?.region ?? this.region(target)) : this.region(target);
    const input = { GlobalClusterIdentifier: g.identifier, TargetDbClusterIdentifier: t.clusterArn };
    const call = kind === "switchover" ? new SwitchoverGlobalClusterCommand(input) : new FailoverGlobalClusterCommand({ ...input, AllowDataLoss: true });
    const what = `${kind === "switchover" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster (AllowDataLoss)"} ${g.identifier} -> ${targetId} (${region})`;
    const sent = await this.sendRequest(this.clients.rds(region), call, `RDS ${what}`);
    if (!sent.ok) {
      const e = sent.error;
      const name = (e as { name?: string })?.name ?? "";
      const msg = (e as Error)?.message ?? String(e);
      if (name === "InvalidGlobalClusterStateFault" || name === "InvalidDBClusterStateFault") {
        return { outcome: "refused", refusal: "state", detail: `RDS refused ${what}: ${name}: ${msg} (target sync ${t.synchronizationStatus ?? "?"}, status ${t.status ?? "?"})` };
      }
      if (name === "GlobalClusterNotFoundFault") throw new Error(`RDS ${what}: the global cluster ${g.identifier} was not found in ${region} (${msg})`);
      if (name === "DBClusterNotFoundFault") throw new Error(`RDS ${what}: the target cluster ${t.clusterArn} was not found (${msg})`);
      if (classifyAwsError(e)?.kind === "throttled") return { outcome: "refused", refusal: "throttled", detail: `RDS throttled ${what} (${name}: ${msg}): not taken, asked again at the next poll` };
      if (!classifyAwsError(e)?.permanent && !sent.mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${msg}: no connection was made): nothing was taken` };
      throw e;
    }
    return { outcome: "requested", detail: `${what}: taken` };
  }

  switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.globalAction("switchover", target);
  }

  failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.globalAction("failover", target);
  }

  /**
   * The region's own cluster as its region's RDS API describes it (one
   * bounded DescribeDBClusters there): what `dr status` reads to see a
   * cluster that DescribeGlobalClusters no longer lists. DBCluster
   * GlobalClusterIdentifier "Contains a user-supplied global database cluster
   * identifier" and DBClusterMember IsClusterWriter "Indicates whether the
   * cluster member is the primary DB instance for the DB cluster" (RDS API
   * Reference, DBCluster, DBClusterMember). DBClusterNotFound is an answer
   * (found false); anything else (the region does not answer) is thrown, so
   * the status says it could not be read.
   */
  async regionalCluster(role: RegionRole): Promise<RegionalClusterState> {
    const region = this.region(role);
    const identifier = regionClusterIdentifier(this.config, role);
    let c: DBCluster | null;
    try {
      c = (await this.send<{ DBClusters?: DBCluster[] }>(this.clients.rds(region), new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }), `RDS DescribeDBClusters ${identifier} (${region})`)).DBClusters?.[0] ?? null;
    } catch (e) {
      if (!isNotFound(e, "DBClusterNotFoundFault")) throw e;
      c = null;
    }
    if (!c) return { role, region, identifier, found: false, status: null, globalClusterIdentifier: null, writerInstances: [], detail: `no DB cluster ${identifier} in ${region}` };
    const writerInstances = (c.DBClusterMembers ?? []).filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier ?? "?");
    const globalId = c.GlobalClusterIdentifier || null;
    return {
      role,
      region,
      identifier,
      found: true,
      status: c.Status ?? null,
      globalClusterIdentifier: globalId,
      writerInstances,
      detail: `${identifier} (${region}): ${c.Status ?? "?"}, ${globalId ? `global cluster ${globalId}` : "no global cluster"}, writer instance ${writerInstances.join(", ") || "none"}`,
    };
  }

  private static snapshotState(s: DBClusterSnapshot): ClusterSnapshotState {
    return { identifier: s.DBClusterSnapshotIdentifier ?? "?", status: s.Status ?? null, type: s.SnapshotType ?? null, createdAt: s.SnapshotCreateTime ? s.SnapshotCreateTime.getTime() : null };
  }

  /**
   * The region's member cluster's snapshots whose identifier starts with
   * `prefix`: DescribeDBClusterSnapshots with DBClusterIdentifier and no
   * SnapshotType ("If you don't specify a SnapshotType value, then both
   * automated and manual DB cluster snapshots are returned": RDS API
   * Reference, DescribeDBClusterSnapshots), every page (Marker).
   */
  async clusterSnapshots(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]> {
    const region = this.region(role);
    const clusterId = regionClusterIdentifier(this.config, role);
    const out: ClusterSnapshotState[] = [];
    let marker: string | undefined;
    do {
      let page: { DBClusterSnapshots?: DBClusterSnapshot[]; Marker?: string };
      try {
        page = await this.send(this.clients.rds(region), new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, MaxRecords: 100, Marker: marker }), `RDS DescribeDBClusterSnapshots ${clusterId} (${region})`);
      } catch (e) {
        if (isNotFound(e, "DBClusterNotFoundFault") || isNotFound(e, "DBClusterSnapshotNotFoundFault")) return out;
        throw e;
      }
      for (const snap of page.DBClusterSnapshots ?? []) if ((snap.DBClusterSnapshotIdentifier ?? "").startsWith(prefix)) out.push(AwsAuroraGlobal.snapshotState(snap));
      marker = page.Marker;
    } while (marker);
    return out;
  }

  async clusterSnapshot(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null> {
    const region = this.region(role);
    try {
      const out = await this.send<{ DBClusterSnapshots?: DBClusterSnapshot[] }>(
        this.clients.rds(region),
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier, SnapshotType: "manual" }),
        `RDS DescribeDBClusterSnapshots ${identifier} (${region})`,
      );
      const snap = out.DBClusterSnapshots?.[0];
      return snap ? AwsAuroraGlobal.snapshotState(snap) : null;
    } catch (e) {
      if (isNotFound(e, "DBClusterSnapshotNotFoundFault")) return null;
      throw e;
    }
  }

  /**
   * CopyDBClusterSnapshot in the same region: the source is named by its
   * identifier ("If the source snapshot is in the same Amazon Web Services
   * Region as the copy, specify a valid DB snapshot identifier"), no KmsKeyId
   * ("If you don't specify a value for KmsKeyId, then the copy of the DB
   * cluster snapshot is encrypted with the same KMS key as the source DB
   * cluster snapshot"), tags copied (RDS API Reference, CopyDBClusterSnapshot).
   * Nothing is sent when the target exists (idempotent).
   */
  async copyClusterSnapshot(role: RegionRole, source: string, target: string): Promise<string> {
    const region = this.region(role);
    const existing = await this.clusterSnapshot(role, target);
    if (existing) return `snapshot ${target} exists (${existing.status ?? "?"}): not copied again`;
    await this.send(
      this.clients.rds(region),
      new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: target, CopyTags: true }),
      `RDS CopyDBClusterSnapshot ${source} -> ${target} (${region})`,
    );
    return `CopyDBClusterSnapshot ${source} -> ${target} (${region}): a manual snapshot, kept until someone deletes it`;
  }
}
