/**
 * The `dr restore` side of the stubbed AWS SDK v3 clients (fake-aws.ts holds
 * the rest: instances, ASGs, target groups, Route53, the failover switch).
 * No AWS API emulator runs on these machines: this small model of RDS's
 * point-in-time restore and rename is the stand-in, so the tests check which
 * calls the runbook makes, with which inputs, and what it does with the
 * answers. What it models, from the RDS API Reference and User Guide (cited
 * in src/dr/aws-restore.ts):
 * - DescribeDBInstances: LatestRestorableTime and DbiResourceId of each
 *   instance, its subnet group, security groups, parameter group, class,
 *   Multi-AZ, storage type (what a restore copies);
 * - DescribeDBInstanceAutomatedBackups: the writer's own backups in its
 *   region (by DbiResourceId), and the copy replicated to us-west-1 (the
 *   source's DBInstanceArn and identifier, DBInstanceAutomatedBackupsArn,
 *   Status "replicating", RestoreWindow);
 * - RestoreDBInstanceToPointInTime: refused (InvalidRestoreFault, 400) for a
 *   time outside the window, DBInstanceAlreadyExists for a taken name; the
 *   new instance is "creating" for `restoreTakes` describes, then available;
 * - ModifyDBInstance NewDBInstanceIdentifier: an existing name is refused
 *   (DBInstanceAlreadyExists), a source not available too
 *   (InvalidDBInstanceState); the instance keeps its resource id and is
 *   "renaming" for `renameTakes` describes under its new name (AWS lists it
 *   under the new name at once: an assumption of this fake), then available.
 * The writes the app makes go to whichever instance holds the writer's name
 * when the probe writes (`writes`), so a test sees which data the app uses.
 */
import {
  DBInstanceAlreadyExistsFault,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  InvalidRestoreFault,
  ModifyDBInstanceCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/dr/aws-clients";
import type { ProbeResult } from "../../src/dr/platform";
import { FakeAws } from "./fake-aws";

const ACCOUNT = "123456789012";
const DAY = 86_400_000;

interface Extra {
  resourceId: string;
  /** Countdown of describes before a creating / renaming instance is available. */
  pending: number;
}

export class FakeRestore {
  /** Extra per-instance state, by the fake's Db object (a rename keeps the object, so the resource id follows it). */
  private readonly extra = new WeakMap<object, Extra>();
  private seq = 0;
  /** How many describes a restore takes (-1: never completes). */
  restoreTakes = 3;
  /** How many describes a rename takes. */
  renameTakes = 2;
  /** ModifyDBInstance NewDBInstanceIdentifier answers InvalidDBInstanceState this many times (-1: always) for a rename from this name. */
  renameRefusals: { from: string; times: number } | null = null;
  /** The writer's LatestRestorableTime lags now by this much (ms). */
  latestLagMs = 5 * 60_000;
  /** The backups' earliest restorable time is this long before now (ms). */
  retentionMs = 7 * DAY;
  /** Backup replication to us-west-1 is on. */
  replicated = true;
  /** The replicated copy's latest restorable time lags now by this much (ms). */
  replicatedLagMs = 10 * 60_000;
  /** Inputs of each RestoreDBInstanceToPointInTime (region, input). */
  readonly restores: Array<{ region: string; input: Record<string, unknown> }> = [];
  /** Writes the app made through each region's entry point: the resource id of the instance that took them. */
  readonly writes: Array<{ region: string; resourceId: string }> = [];

  constructor(readonly aws: FakeAws) {
    for (const d of aws.dbs.values()) this.extra.set(d, { resourceId: `db-${d.id.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(-20)}`, pending: 0 });
  }

  /** The resource id of the instance now named `id` (null: none). */
  resourceIdOf(id: string): string | null {
    const d = this.aws.dbs.get(id);
    return d ? this.extra.get(d)!.resourceId : null;
  }

  private windowOf(latestLag: number) {
    const now = this.aws.clock.now();
    return { EarliestTime: new Date(now - this.retentionMs), LatestTime: new Date(now - latestLag) };
  }

  clients(): AwsClients {
    const base = this.aws.clients();
    const wrap = (region: string, inner: { send: (cmd: never, opts?: never) => Promise<unknown> }) => ({
      send: async (cmd: { input: Record<string, unknown> }, opts?: { abortSignal?: AbortSignal }) => {
        if (cmd instanceof DescribeDBInstancesCommand) {
          const d = this.aws.dbs.get(String(cmd.input.DBInstanceIdentifier));
          if (d && d.region === region) this.tick(d);
          const out = (await inner.send(cmd as never, opts as never)) as { DBInstances?: Array<Record<string, unknown>> };
          for (const i of out.DBInstances ?? []) this.augment(i);
          return out;
        }
        const mine = cmd instanceof DescribeDBInstanceAutomatedBackupsCommand || cmd instanceof RestoreDBInstanceToPointInTimeCommand || (cmd instanceof ModifyDBInstanceCommand && cmd.input.NewDBInstanceIdentifier !== undefined);
        if (!mine) return inner.send(cmd as never, opts as never);
        const call = { client: "rds", region, command: cmd.constructor.name, input: cmd.input };
        if ((await this.aws.enter(call, opts)) === "hang") {
          return new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true }));
        }
        return this.handle(region, cmd);
      },
    });
    return { ...base, rds: (r) => wrap(r, base.rds(r) as never) as never };
  }

  /** A creating / renaming instance moves on by one describe. */
  private tick(d: { status: string }): void {
    const x = this.extra.get(d);
    if (!x || x.pending === 0) return;
    if (x.pending > 0 && --x.pending === 0) d.status = "available";
  }

  private augment(i: Record<string, unknown>): void {
    const d = this.aws.dbs.get(String(i.DBInstanceIdentifier));
    if (!d) return;
    const x = this.extra.get(d)!;
    const code = d.region === "us-west-1" ? "usw1" : "use2";
    Object.assign(i, {
      DbiResourceId: x.resourceId,
      LatestRestorableTime: d.source === null ? new Date(this.aws.clock.now() - this.latestLagMs) : undefined,
      DBInstanceClass: "db.t3.small",
      DBSubnetGroup: { DBSubnetGroupName: `drweb-prod-${code}-db` },
      VpcSecurityGroups: [{ VpcSecurityGroupId: `sg-${code}-db`, Status: "active" }],
      DBParameterGroups: [{ DBParameterGroupName: `drweb-prod-${code}-postgres16`, ParameterApplyStatus: "in-sync" }],
      MultiAZ: !d.id.includes("reader"),
      StorageType: "gp3",
      MaxAllocatedStorage: 100,
      EnabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      CACertificateIdentifier: "rds-ca-rsa2048-g1",
      PreferredBackupWindow: "03:00-04:00",
      TagList: [...((i.TagList as Array<{ Key: string; Value: string }> | undefined) ?? []), { Key: "project", Value: "drweb" }, { Key: "aws:cloudformation:stack-name", Value: "x" }],
    });
  }

  private handle(region: string, cmd: { input: Record<string, unknown> }): unknown {
    const now = this.aws.clock.now();
    const primaryWriter = "drweb-prod-use2-db-g1-writer";
    if (cmd instanceof DescribeDBInstanceAutomatedBackupsCommand) {
      const out: Array<Record<string, unknown>> = [];
      for (const d of this.aws.dbs.values()) {
        if (d.source !== null || d.region !== region) continue;
        const x = this.extra.get(d)!;
        if (cmd.input.DbiResourceId && cmd.input.DbiResourceId !== x.resourceId) continue;
        out.push({ DBInstanceArn: `arn:aws:rds:${region}:${ACCOUNT}:db:${d.id}`, DbiResourceId: x.resourceId, Region: region, DBInstanceIdentifier: d.id, Status: "active", RestoreWindow: this.windowOf(this.latestLagMs), DBInstanceAutomatedBackupsArn: `arn:aws:rds:${region}:${ACCOUNT}:auto-backup:ab-${x.resourceId.toLowerCase()}` });
      }
      if (region === "us-west-1" && this.replicated && !cmd.input.DbiResourceId) {
        out.push(
          // Another deployment's copy (same name pattern, other source region) and an older, retained copy: not chosen.
          { DBInstanceArn: `arn:aws:rds:eu-west-1:${ACCOUNT}:db:${primaryWriter}`, DBInstanceIdentifier: primaryWriter, Region: "eu-west-1", Status: "replicating", RestoreWindow: this.windowOf(0), DBInstanceAutomatedBackupsArn: `arn:aws:rds:us-west-1:${ACCOUNT}:auto-backup:ab-other` },
          { DBInstanceArn: `arn:aws:rds:us-east-2:${ACCOUNT}:db:${primaryWriter}`, DBInstanceIdentifier: primaryWriter, Region: "us-east-2", Status: "retained", RestoreWindow: { EarliestTime: new Date(now - 30 * DAY), LatestTime: new Date(now - 20 * DAY) }, DBInstanceAutomatedBackupsArn: `arn:aws:rds:us-west-1:${ACCOUNT}:auto-backup:ab-retained` },
          { DBInstanceArn: `arn:aws:rds:us-east-2:${ACCOUNT}:db:${primaryWriter}`, DBInstanceIdentifier: primaryWriter, Region: "us-east-2", Status: "replicating", RestoreWindow: this.windowOf(this.replicatedLagMs), DBInstanceAutomatedBackupsArn: `arn:aws:rds:us-west-1:${ACCOUNT}:auto-backup:ab-replicated`, KmsKeyId: `arn:aws:kms:us-west-1:${ACCOUNT}:key/usw1` },
        );
      }
      return { DBInstanceAutomatedBackups: out };
    }
    if (cmd instanceof RestoreDBInstanceToPointInTimeCommand) {
      const input = cmd.input;
      this.restores.push({ region, input: input as Record<string, unknown> });
      const target = input.TargetDBInstanceIdentifier!;
      if (this.aws.dbs.has(target)) throw new DBInstanceAlreadyExistsFault({ message: `DB instance already exists`, $metadata: { httpStatusCode: 400 } });
      const t = input.RestoreTime!.getTime();
      const replicated = input.SourceDBInstanceAutomatedBackupsArn !== undefined;
      const w = this.windowOf(replicated ? this.replicatedLagMs : this.latestLagMs);
      if (t < w.EarliestTime.getTime() || t > w.LatestTime.getTime()) throw new InvalidRestoreFault({ message: `The restore time is outside the restorable window`, $metadata: { httpStatusCode: 400 } });
      const db = { id: target, region, source: null, status: "creating", deletionProtection: input.DeletionProtection ?? false, promoteAfter: -1 };
      this.aws.dbs.set(target, db);
      this.extra.set(db, { resourceId: `db-RESTORED${++this.seq}`, pending: this.restoreTakes });
      return { DBInstance: { DBInstanceIdentifier: target, DBInstanceStatus: "creating" } };
    }
    if (cmd instanceof ModifyDBInstanceCommand) {
      const from = String(cmd.input.DBInstanceIdentifier);
      const to = String(cmd.input.NewDBInstanceIdentifier);
      const d = this.aws.dbs.get(from);
      if (!d || d.region !== region) throw Object.assign(new Error(`DBInstance ${from} not found`), { name: "DBInstanceNotFoundFault", $metadata: { httpStatusCode: 404 } });
      if (this.renameRefusals && this.renameRefusals.from === from && this.renameRefusals.times !== 0) {
        if (this.renameRefusals.times > 0) this.renameRefusals.times--;
        throw new InvalidDBInstanceStateFault({ message: `DB instance ${from} is not in a state that allows a rename`, $metadata: { httpStatusCode: 400 } });
      }
      if (this.aws.dbs.has(to)) throw new DBInstanceAlreadyExistsFault({ message: `DB instance ${to} already exists`, $metadata: { httpStatusCode: 400 } });
      if (d.status !== "available") throw new InvalidDBInstanceStateFault({ message: `DB instance ${from} is ${d.status}`, $metadata: { httpStatusCode: 400 } });
      this.aws.dbs.delete(from);
      d.id = to;
      d.status = "renaming";
      this.aws.dbs.set(to, d);
      this.extra.get(d)!.pending = this.renameTakes;
      return { DBInstance: { DBInstanceIdentifier: from } };
    }
    throw new Error(`fake restore: unexpected ${cmd.constructor.name}`);
  }

  /** The HTTP check through a region's ALB: writable when that region's writer name holds an available standalone instance and the fleet serves; a write lands on that instance. */
  probe = async (target: { baseUrl: string }): Promise<ProbeResult> => {
    const region = target.baseUrl.includes("usw1") ? "us-west-1" : "us-east-2";
    const code = region === "us-west-1" ? "usw1" : "use2";
    const gen = this.aws.dbs.get(`drweb-prod-${code}-db-g2-writer`) ? 2 : 1;
    const w = this.aws.dbs.get(`drweb-prod-${code}-db-g${gen}-writer`);
    const serving = this.aws.healthy[region] > 0 && !this.aws.down.has(region);
    const writable = !!w && w.source === null && w.status === "available" && serving;
    if (writable) this.writes.push({ region, resourceId: this.extra.get(w!)!.resourceId });
    return { ok: writable, dbRole: w ? (w.source ? "replica" : "writer") : null, writable, wrote: writable, detail: `stub ${region}: ${w ? `${w.id} ${w.status}` : "no writer"}, writable ${writable}` };
  };
}
