import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { randomBytes } from "node:crypto";
import { AddTagsToResourceCommand, CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ModifyDBInstanceCommand, PromoteReadReplicaCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { RegionRole } from "../config";
import { classifyAwsError } from "./aws-errors";
import { AwsService, isNotFound } from "./aws-service";
import { names } from "./names";
import type { DatabaseState, PromotionAttempt } from "./platform";

// The AWS adapter's RDS for PostgreSQL instances (part of AwsPlatform, aws-platform.ts): each region's writer and
// readers, the replica's lag, the promotion, the old writer's isolation, snapshots and deletion protection.

/** Tag the runbook puts on an old writer it isolated (value: when). */
export const ISOLATED_TAG = "dr-isolated";

/** A master password nobody knows: 40 characters of [A-Za-z0-9_-] (RDS refuses only "/", '"', "@" and spaces). */
function unknownPassword(): string {
  return randomBytes(30).toString("base64url");
}

export class AwsRdsInstances extends AwsService {
  private async describe(region: string, id: string): Promise<DBInstance | null> {
    try {
      return (await this.send<{ DBInstances?: DBInstance[] }>(this.clients.rds(region), new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), `RDS DescribeDBInstances ${id} (${region})`)).DBInstances?.[0] ?? null;
    } catch (e) {
      if (isNotFound(e, "DBInstanceNotFoundFault")) return null;
      throw e;
    }
  }

  /** Latest ReplicaLag datapoints (seconds), newest first (window generous on purpose: only AWS's clock judges their age). */
  private async replicaLag(region: string, id: string): Promise<Array<{ value: number; at: number }>> {
    const end = this.clock.now();
    const out = await this.send<{ MetricDataResults?: Array<{ Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch(region),
      new GetMetricDataCommand({
        StartTime: new Date(end - 20 * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "lag", ReturnData: true, MetricStat: { Metric: { Namespace: "AWS/RDS", MetricName: "ReplicaLag", Dimensions: [{ Name: "DBInstanceIdentifier", Value: id }] }, Period: 60, Stat: "Maximum" } },
        ],
      }),
      `CloudWatch GetMetricData ReplicaLag ${id} (${region})`,
    );
    const r = out.MetricDataResults?.[0];
    return (r?.Values ?? []).map((value, i) => ({ value, at: r!.Timestamps![i].getTime() })).sort((a, b) => b.at - a.at);
  }

  /**
   * A Writer's state. For a replica: its replication status
   * (DescribeDBInstances StatusInfos, StatusType "read replication": replicating,
   * replication degraded, error, stopped, terminated: RDS User Guide,
   * "Monitoring read replication") and its latest ReplicaLag, with that
   * datapoint's age on AWS's clock. ReplicaLag -1 means "replication is
   * currently not active" (same guide, MySQL/MariaDB pages; RDS for PostgreSQL
   * publishes it too while the replica is in error or still setting up) and is
   * kept as -1, never read as 0. On RDS for PostgreSQL ReplicaLag is the time
   * since the last replayed commit, so a replica of an idle source "will
   * report a replication lag of up to five minutes" (RDS User Guide, "Working
   * with read replicas for Amazon RDS for PostgreSQL", limitations): it is
   * never the catch-up proof (WAL positions are: wal-verdicts.ts catchUpVerdict).
   */
  async database(role: RegionRole, generation: number): Promise<DatabaseState> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const readers = await Promise.all(n.readers(generation).map(async (r) => ({ identifier: r, status: (await this.describe(n.region, r))?.DBInstanceStatus ?? null })));
    const inst = await this.describe(n.region, id);
    if (!inst) return { role, identifier: id, dbRole: "missing", status: null, source: null, lagSeconds: null, lagSampledAt: null, readers, detail: `no DB instance ${id} in ${n.region}` };
    const source = inst.ReadReplicaSourceDBInstanceIdentifier ?? null;
    let lagSeconds: number | null = null;
    let lagSampledAt: number | null = null;
    let lagSampleAgeSeconds: number | null = null;
    let lastReplayAt: number | null = null;
    const replication = inst.StatusInfos?.find((s) => s.StatusType === "read replication");
    if (source) {
      const lag = await this.replicaLag(n.region, id);
      if (lag.length) {
        ({ value: lagSeconds, at: lagSampledAt } = lag[0]);
        lagSampleAgeSeconds = Math.max(0, (this.awsNow(n.region).now - (lagSampledAt + 60_000)) / 1000);
      }
      // The last replayed commit: RDS for PostgreSQL's ReplicaLag is "currentTime - lastCommitedTransactionTimestamp"
      // (RDS User Guide, "Working with read replicas for Amazon RDS for PostgreSQL"), so the newest datapoint that is not
      // -1 ("replication is not active") gives it: the end of its minute minus the minute's Maximum. An early bound (the
      // Maximum is the minute's oldest view): an RPO estimate from it overstates the loss by up to a minute, never
      // understates it. On the datapoint's (AWS's) clock.
      const known = lag.find((d) => d.value >= 0);
      if (known) lastReplayAt = known.at + 60_000 - known.value * 1000;
    }
    const isolatedTag = inst.TagList?.find((t) => t.Key === ISOLATED_TAG);
    const passwordPending = inst.PendingModifiedValues?.MasterUserPassword !== undefined;
    const isolated = isolatedTag !== undefined && !passwordPending;
    return {
      role,
      identifier: id,
      dbRole: source ? "replica" : "writer",
      status: inst.DBInstanceStatus ?? null,
      source,
      lagSeconds,
      lagSampledAt,
      lagSampleAgeSeconds,
      replicationStatus: source ? (replication?.Status ?? null) : null,
      lastReplayAt,
      isolated,
      readers,
      detail:
        `${inst.DBInstanceStatus}${source ? ` replica of ${source}` : ""}` +
        (replication ? `; read replication ${replication.Status}${replication.Normal === false ? " (not normal)" : ""}${replication.Message ? `: ${replication.Message}` : ""}` : "") +
        (isolatedTag ? `; isolated by the runbook at ${isolatedTag.Value}${passwordPending ? " (password change still pending)" : ""}` : ""),
    };
  }

  /**
   * One PromoteReadReplica request, and what RDS answered. RDS refuses it
   * (InvalidDBInstanceState, "The DB instance isn't in a valid state") while
   * the replica is not available, e.g. "a read replica cannot be promoted to a
   * standalone instance when it is in the backing-up status" (RDS API
   * Reference, PromoteReadReplica); storage-optimization, modifying and
   * maintenance states are refused likewise. The step asks again at each poll
   * until RDS takes it, and never again once taken.
   *
   * What reached RDS decides what the journal keeps (promote-step.ts requestPromotion):
   * "not-sent" when the describe before it failed (PromoteReadReplica was not
   * attempted) or every attempt of it failed before connecting (a refused
   * connection, a name that does not resolve: failedBeforeConnecting); "refused"
   * on RDS's refusal or throttling (an answer: nothing taken); a failure after it
   * may have left (a timeout after sending, a reset) is thrown: the step records
   * it as possibly taken.
   */
  async promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<PromotionAttempt> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    let inst: DBInstance | null;
    try {
      inst = await this.describe(n.region, id);
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `DescribeDBInstances ${id} (${n.region}) failed (${(e as Error)?.message ?? String(e)}): PromoteReadReplica was not sent (asked again at the next poll)` };
    }
    if (!inst) return { outcome: "not-sent", detail: `no DB instance ${id} in ${n.region}: PromoteReadReplica was not sent` };
    if (!inst.ReadReplicaSourceDBInstanceIdentifier) return { outcome: "already-writer", detail: `${id} is already a standalone writer: not promoted again` };
    // RDS takes a promotion only from an available replica: not asked while it is in another state (it is asked again at the next poll).
    if (inst.DBInstanceStatus !== "available") return { outcome: "refused", detail: `${id} is ${inst.DBInstanceStatus}: RDS would refuse PromoteReadReplica now (a promotion under way, a backup, a modification): not sent, asked again at the next poll` };
    const what = `RDS PromoteReadReplica ${id} (${n.region})`;
    const r = await this.sendRequest(this.clients.rds(n.region), new PromoteReadReplicaCommand({ DBInstanceIdentifier: id, BackupRetentionPeriod: backupRetentionDays }), what);
    if (!r.ok) {
      const e = r.error;
      if (isNotFound(e, "InvalidDBInstanceStateFault")) return { outcome: "refused", detail: `RDS refused PromoteReadReplica ${id} while ${inst.DBInstanceStatus}: ${(e as Error).message} (asked again at the next poll)` };
      // An answer: the instance is gone (DBInstanceNotFound: "DBInstanceIdentifier doesn't refer to an existing DB instance",
      // RDS API Reference, PromoteReadReplica, Errors): nothing was taken.
      if (isNotFound(e, "DBInstanceNotFoundFault")) return { outcome: "refused", detail: `RDS answered PromoteReadReplica ${id} with DBInstanceNotFound: the replica is gone (${(e as Error).message}); nothing was taken` };
      const cause = classifyAwsError(e);
      if (cause?.kind === "throttled") return { outcome: "refused", detail: `RDS throttled PromoteReadReplica ${id} (${(e as Error)?.name}: ${(e as Error)?.message}): not taken, asked again at the next poll` };
      if (cause?.permanent) throw e;
      if (!r.mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${(e as Error)?.message ?? String(e)}: no connection was made): asked again at the next poll` };
      throw e;
    }
    return { outcome: "requested", detail: `PromoteReadReplica ${id} (${n.region}), backup retention ${backupRetentionDays} days: taken` };
  }

  /**
   * Isolates a diverged old writer from the app: a new master password nobody
   * knows (the app signs in with the master credentials from its secret, so
   * new connections fail; "Changing this parameter doesn't result in an outage
   * and the change is asynchronously applied as soon as possible. Between the
   * time of the request and the completion of the request, the
   * MasterUserPassword element exists in the PendingModifiedValues element":
   * RDS API Reference, ModifyDBInstance) and the tag dr-isolated, which is how
   * the state is read back (AWS, not the journal). Only after the promotion:
   * a replica would inherit the password. Reset it by hand to look inside.
   */
  async isolateWriter(role: RegionRole, generation: number): Promise<string> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const inst = await this.describe(n.region, id);
    if (!inst) return `no DB instance ${id} in ${n.region}: nothing to isolate`;
    const tagged = inst.TagList?.some((t) => t.Key === ISOLATED_TAG) ?? false;
    if (tagged) return `${id} is already isolated (tag ${ISOLATED_TAG})${inst.PendingModifiedValues?.MasterUserPassword !== undefined ? ": its password change is still pending" : ""}`;
    await this.send(this.clients.rds(n.region), new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: unknownPassword(), ApplyImmediately: true }), `RDS ModifyDBInstance ${id} (${n.region})`);
    await this.send(
      this.clients.rds(n.region),
      new AddTagsToResourceCommand({ ResourceName: inst.DBInstanceArn, Tags: [{ Key: ISOLATED_TAG, Value: new Date(this.clock.now()).toISOString() }] }),
      `RDS AddTagsToResource ${id} (${n.region})`,
    );
    return `${id} (${n.region}): master password replaced by one nobody knows (the app's secret no longer opens it), tagged ${ISOLATED_TAG}`;
  }

  async snapshot(role: RegionRole, generation: number, snapshotId: string): Promise<string> {
    const n = names(this.config, role);
    if ((await this.snapshotStatus(role, snapshotId)) !== null) return `snapshot ${snapshotId} exists: not taken again`;
    await this.send(this.clients.rds(n.region), new CreateDBSnapshotCommand({ DBInstanceIdentifier: n.writer(generation), DBSnapshotIdentifier: snapshotId }), `RDS CreateDBSnapshot (${n.region})`);
    return `CreateDBSnapshot ${snapshotId} of ${n.writer(generation)} (${n.region})`;
  }

  async snapshotStatus(role: RegionRole, snapshotId: string): Promise<string | null> {
    try {
      const out = await this.send<{ DBSnapshots?: Array<{ Status?: string }> }>(this.clients.rds(this.region(role)), new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }), `RDS DescribeDBSnapshots (${this.region(role)})`);
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
        await this.send(this.clients.rds(n.region), new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }), `RDS ModifyDBInstance ${id} (${n.region})`);
        done.push(`${id}: deletion protection off`);
      }
    }
    return done.join("; ");
  }
}
