import { randomBytes } from "node:crypto";
import {
  AddTagsToResourceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
  type DBInstanceAutomatedBackup,
  type RestoreDBInstanceToPointInTimeMessage,
} from "@aws-sdk/client-rds";
import type { RegionRole, ValidConfig } from "../config";
import { classifyAwsError } from "./aws-errors";
import type { AwsClients } from "./aws-clients";
import type { AdapterCalls } from "./aws-service";
import type { Clock } from "./clock";
import { names } from "./names";
import type { InstanceState, RestoreAttempt, RestorePlatform, RestoreWindow } from "./restore-platform";

/**
 * RestorePlatform on AWS (`dr restore`, RDS mode), mixed into AwsPlatform
 * (which lends it its bounded send and its request tracking). Each behaviour
 * relied on, from the RDS API Reference and User Guide:
 *
 * - The window, from the writer's own backups ("instance"): DescribeDBInstances
 *   LatestRestorableTime ("the latest time to which a database in this DB
 *   instance can be restored with point-in-time restore") and the instance's
 *   DBInstanceAutomatedBackup (DescribeDBInstanceAutomatedBackups, DbiResourceId)
 *   RestoreWindow.EarliestTime ("The earliest time you can restore an instance
 *   to"). The restore names the source by SourceDbiResourceId: the resource id
 *   does not change with a rename, so a resumed run never restores from the
 *   instance that took the writer's name meanwhile.
 * - From the copy replicated into the other region ("replicated"):
 *   DescribeDBInstanceAutomatedBackups in that region lists it with the
 *   source's DBInstanceArn and identifier, its RestoreWindow (EarliestTime,
 *   LatestTime) and DBInstanceAutomatedBackupsArn, which the restore names as
 *   SourceDBInstanceAutomatedBackupsArn ("The Amazon Resource Name (ARN) of the
 *   replicated automated backups from which to restore", RDS API Reference,
 *   RestoreDBInstanceToPointInTime; RDS User Guide, "Restoring to a specified
 *   time from a replicated backup"). Only the destination region is called:
 *   the source region may be down (REL11-BP04).
 * - The restore, RestoreDBInstanceToPointInTime: "The target database is
 *   created with most of the original configuration, but in a system-selected
 *   Availability Zone, with the default security group, the default subnet
 *   group, and the default DB parameter group. By default, the new DB instance
 *   is created as a single-AZ deployment" (RDS API Reference): so the subnet
 *   group, security groups, parameter group, class, Multi-AZ, storage type,
 *   log exports, CA and backup window are copied from a template instance in
 *   the restore region (the writer itself, or that region's replica for a
 *   replicated restore), with DeletionProtection true, tags, and
 *   BackupRetentionPeriod database.backupRetentionDays (the restored writer
 *   becomes a replication source; "Can't be set to 0 if the DB instance is a
 *   source to read replicas": RestoreDBInstanceToPointInTime). The request has no
 *   KmsKeyId (RestoreDBInstanceToPointInTimeMessage in @aws-sdk/client-rds
 *   has none): the restored instance is encrypted as its backups are, with
 *   the writer's key in its own region and, for replicated backups, the
 *   destination region's key given when the replication was started
 *   (StartDBInstanceAutomatedBackupsReplication KmsKeyId: "the KMS key ... in
 *   the destination Amazon Web Services Region").
 * - The master password of the restored instance is the one the database had
 *   at the restore time (the restore brings the database back as it was); the
 *   app's secret may hold a newer one: restore-epilogue.ts says how to
 *   set it.
 * - The rename, ModifyDBInstance NewDBInstanceIdentifier with
 *   ApplyImmediately ("Renaming a DB instance", RDS User Guide): the endpoint
 *   follows the identifier; "You cannot use an existing DB instance name";
 *   "The new DNS name for the renamed DB instance becomes effective in about
 *   10 minutes. The renamed DB instance is not available until the new name
 *   becomes effective"; the instance reboots; read replicas stay associated
 *   with the renamed instance.
 *
 * Outcomes (RestoreAttempt), the same rules as PromotionAttempt: an answer
 * that refuses (a 4xx error other than throttling) is "refused" (nothing was
 * taken); throttling "refused"; a permanent cause (credentials, permissions)
 * is thrown; a failure before any connection "not-sent"; anything else
 * (a timeout after sending, a 5xx) "unknown": it may have been taken.
 */

type Send = AdapterCalls["send"];
type SendRequest = AdapterCalls["sendRequest"];

/** Tags RDS reserves (aws:...) cannot be given to a new instance. */
const reservedTag = (k: string | undefined) => !k || k.startsWith("aws:");

/** Tag the restored instance carries: the time it was restored to. */
export const RESTORED_TO_TAG = "dr-restored-to";

/** The tag an isolated instance carries (the same as aws-platform.ts ISOLATED_TAG, which `dr status` reads). */
const ISOLATED = "dr-isolated";

/** At most this many pages of DescribeDBInstanceAutomatedBackups are read (100 records each). */
const MAX_BACKUP_PAGES = 20;

/** Replicated backups in the order a restore prefers them: still replicating, then active, then retained. */
const STATUS_RANK: Record<string, number> = { replicating: 0, active: 1, retained: 2 };

export class AwsRestore implements RestorePlatform {
  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients,
    private readonly clock: Clock,
    private readonly io: { readonly send: Send; readonly sendRequest: SendRequest },
  ) {}

  private region(role: RegionRole): string {
    return this.config.regions[role].region;
  }

  private async describe(region: string, id: string): Promise<DBInstance | null> {
    try {
      return (await this.io.send<{ DBInstances?: DBInstance[] }>(this.clients.rds(region), new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), `RDS DescribeDBInstances ${id} (${region})`)).DBInstances?.[0] ?? null;
    } catch (e) {
      if ((e as { name?: string })?.name === "DBInstanceNotFoundFault") return null;
      throw e;
    }
  }

  private async automatedBackups(region: string, filter: { DbiResourceId?: string }): Promise<DBInstanceAutomatedBackup[]> {
    const out: DBInstanceAutomatedBackup[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_BACKUP_PAGES; page++) {
      const r = await this.io.send<{ DBInstanceAutomatedBackups?: DBInstanceAutomatedBackup[]; Marker?: string }>(
        this.clients.rds(region),
        new DescribeDBInstanceAutomatedBackupsCommand({ ...filter, MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }),
        `RDS DescribeDBInstanceAutomatedBackups (${region})`,
      );
      out.push(...(r.DBInstanceAutomatedBackups ?? []));
      marker = r.Marker;
      if (!marker) break;
    }
    return out;
  }

  async restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): Promise<RestoreWindow> {
    const writerId = names(this.config, writer.role).writer(writer.generation);
    const writerRegion = this.region(writer.role);
    const here = this.region(region);
    const readAt = this.clock.now();
    if (region === writer.role) {
      const inst = await this.describe(here, writerId);
      if (!inst) return { region, source: "instance", sourceRef: null, earliest: null, latest: null, readAt, detail: `no DB instance ${writerId} in ${here}` };
      const latest = inst.LatestRestorableTime?.getTime() ?? null;
      const backups = inst.DbiResourceId ? await this.automatedBackups(here, { DbiResourceId: inst.DbiResourceId }) : [];
      const own = backups.find((b) => b.DbiResourceId === inst.DbiResourceId) ?? backups[0];
      const earliest = own?.RestoreWindow?.EarliestTime?.getTime() ?? null;
      return {
        region,
        source: "instance",
        sourceRef: inst.DbiResourceId ?? null,
        earliest,
        latest,
        readAt,
        detail: `${writerId} (${here}, ${inst.DbiResourceId ?? "no DbiResourceId"}): LatestRestorableTime ${latest === null ? "none" : new Date(latest).toISOString()}, automated backups ${own ? `${own.Status ?? "?"}, earliest ${earliest === null ? "none" : new Date(earliest).toISOString()}` : "not listed"}`,
      };
    }
    // The copy replicated into `region`: its DBInstanceArn is the source's (arn:<partition>:rds:<source region>:<account>:db:<id>).
    const all = await this.automatedBackups(here, {});
    const copies = all
      .filter((b) => b.DBInstanceIdentifier === writerId && (b.DBInstanceArn ?? "").split(":")[3] === writerRegion && b.DBInstanceAutomatedBackupsArn)
      .sort((a, b) => (STATUS_RANK[a.Status ?? ""] ?? 9) - (STATUS_RANK[b.Status ?? ""] ?? 9) || (b.RestoreWindow?.LatestTime?.getTime() ?? 0) - (a.RestoreWindow?.LatestTime?.getTime() ?? 0));
    const c = copies[0];
    if (!c) {
      return { region, source: "replicated", sourceRef: null, earliest: null, latest: null, readAt, detail: `no automated backups of ${writerId} (${writerRegion}) replicated to ${here} (${all.length} automated backups listed there): is backup replication on?` };
    }
    const earliest = c.RestoreWindow?.EarliestTime?.getTime() ?? null;
    const latest = c.RestoreWindow?.LatestTime?.getTime() ?? null;
    return {
      region,
      source: "replicated",
      sourceRef: c.DBInstanceAutomatedBackupsArn!,
      earliest,
      latest,
      readAt,
      detail: `replicated automated backups ${c.DBInstanceAutomatedBackupsArn} of ${writerId} (${writerRegion}) in ${here}: ${c.Status ?? "?"}${c.KmsKeyId ? `, encrypted with ${c.KmsKeyId}` : ""}${copies.length > 1 ? ` (the best of ${copies.length} copies)` : ""}`,
    };
  }

  /** The instance whose settings the restored one copies (subnet group, security groups, ...): the writer, or the restore region's replica. */
  private templateId(region: RegionRole, window: RestoreWindow): string {
    const n = names(this.config, region);
    void window;
    return n.writer(this.config.database.generations[region]);
  }

  async restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): Promise<RestoreAttempt> {
    const here = this.region(region);
    let tmpl: DBInstance | null;
    try {
      if (await this.describe(here, target)) return { outcome: "exists", detail: `${target} exists in ${here}: not requested again` };
      tmpl = await this.describe(here, this.templateId(region, window));
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `reading ${here} before the restore failed (${(e as Error)?.message ?? String(e)}): RestoreDBInstanceToPointInTime was not sent` };
    }
    if (!window.sourceRef) return { outcome: "not-sent", detail: `no restorable backups (${window.detail}): nothing sent` };
    if (!tmpl) return { outcome: "not-sent", detail: `no template instance ${this.templateId(region, window)} in ${here} to copy the subnet group, security groups and parameter group from: nothing sent (restore by hand: docs/dr-runbook.md)` };
    const tags = (tmpl.TagList ?? []).filter((t) => !reservedTag(t.Key) && t.Key !== "dr-isolated" && t.Key !== RESTORED_TO_TAG);
    const input: RestoreDBInstanceToPointInTimeMessage = {
      TargetDBInstanceIdentifier: target,
      RestoreTime: new Date(toTime),
      ...(window.source === "instance" ? { SourceDbiResourceId: window.sourceRef } : { SourceDBInstanceAutomatedBackupsArn: window.sourceRef }),
      DBInstanceClass: tmpl.DBInstanceClass,
      DBSubnetGroupName: tmpl.DBSubnetGroup?.DBSubnetGroupName,
      VpcSecurityGroupIds: (tmpl.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!).filter(Boolean),
      DBParameterGroupName: tmpl.DBParameterGroups?.[0]?.DBParameterGroupName,
      MultiAZ: tmpl.MultiAZ ?? true,
      PubliclyAccessible: false,
      StorageType: tmpl.StorageType,
      ...(tmpl.MaxAllocatedStorage ? { MaxAllocatedStorage: tmpl.MaxAllocatedStorage } : {}),
      ...(tmpl.EnabledCloudwatchLogsExports?.length ? { EnableCloudwatchLogsExports: tmpl.EnabledCloudwatchLogsExports } : {}),
      ...(tmpl.CACertificateIdentifier ? { CACertificateIdentifier: tmpl.CACertificateIdentifier } : {}),
      // The restored writer is a replication source (readers, the cross-region replica): RDS needs its backups on.
      BackupRetentionPeriod: this.config.database.backupRetentionDays,
      ...(tmpl.PreferredBackupWindow ? { PreferredBackupWindow: tmpl.PreferredBackupWindow } : {}),
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      Tags: [...tags, { Key: RESTORED_TO_TAG, Value: new Date(toTime).toISOString() }],
    };
    const what = `RDS RestoreDBInstanceToPointInTime ${target} (${here})`;
    const r = await this.io.sendRequest(this.clients.rds(here), new RestoreDBInstanceToPointInTimeCommand(input), what);
    if (r.ok) return { outcome: "requested", detail: `${what} as of ${new Date(toTime).toISOString()} from ${window.sourceRef}: taken` };
    return this.failed(r.error, r.mayHaveBeenSent, what, target, "DBInstanceAlreadyExistsFault");
  }

  /** How a failed request ends (the class comment's rules). */
  private failed(e: unknown, mayHaveBeenSent: boolean, what: string, target: string, existsFault: string | null): RestoreAttempt {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (existsFault !== null && err?.name === existsFault) return { outcome: "exists", detail: `${what}: ${target} already exists (${err.message})` };
    const cause = classifyAwsError(e);
    if (cause?.permanent) throw e;
    if (cause?.kind === "throttled") return { outcome: "refused", detail: `${what} throttled (${err?.name}): not taken, asked again` };
    const status = err?.$metadata?.httpStatusCode;
    if (status !== undefined && status >= 400 && status < 500) return { outcome: "refused", detail: `${what} refused: ${err?.name}: ${err?.message}` };
    if (!mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${err?.message ?? String(e)}: no connection was made)` };
    throw e;
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    const here = this.region(region);
    const inst = await this.describe(here, identifier);
    if (!inst) return { identifier, found: false, status: null, detail: `no DB instance ${identifier} in ${here}` };
    const tag = inst.TagList?.find((x) => x.Key === ISOLATED);
    const pending = inst.PendingModifiedValues?.MasterUserPassword !== undefined;
    return {
      identifier,
      found: true,
      status: inst.DBInstanceStatus ?? null,
      isolated: tag !== undefined && !pending,
      detail: `${identifier} (${here}): ${inst.DBInstanceStatus ?? "?"}, ${inst.DbiResourceId ?? "?"}${inst.ReadReplicaSourceDBInstanceIdentifier ? `, replica of ${inst.ReadReplicaSourceDBInstanceIdentifier}` : ""}`,
    };
  }

  /**
   * The damaged writer, renamed away, made unusable by the app: a master password nobody knows and the dr-isolated
   * tag, as aws-platform.ts isolateWriter does for a diverged old writer ("Between the time of the request and the
   * completion of the request, the MasterUserPassword element exists in the PendingModifiedValues element": RDS API
   * Reference, ModifyDBInstance; instance() reads it back). Why: after a rename "the old DNS name ... could remain
   * cached for a few minutes" (RDS User Guide, "Renaming a DB instance"), so a new app instance could still reach
   * the damaged instance under the writer's name. A read replica inherits its source's password and takes no
   * writes: left alone.
   */
  async isolateInstance(region: RegionRole, identifier: string): Promise<string> {
    const here = this.region(region);
    const inst = await this.describe(here, identifier);
    if (!inst) return `no DB instance ${identifier} in ${here}: nothing to isolate`;
    if (inst.ReadReplicaSourceDBInstanceIdentifier) return `${identifier} is a read replica (of ${inst.ReadReplicaSourceDBInstanceIdentifier}): it takes no writes; not isolated`;
    if (inst.TagList?.some((x) => x.Key === ISOLATED)) return `${identifier} is already isolated (tag ${ISOLATED})`;
    await this.io.send(this.clients.rds(here), new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, MasterUserPassword: randomBytes(30).toString("base64url"), ApplyImmediately: true }), `RDS ModifyDBInstance ${identifier} (${here})`);
    await this.io.send(this.clients.rds(here), new AddTagsToResourceCommand({ ResourceName: inst.DBInstanceArn, Tags: [{ Key: ISOLATED, Value: new Date(this.clock.now()).toISOString() }] }), `RDS AddTagsToResource ${identifier} (${here})`);
    return `${identifier} (${here}): master password replaced by one nobody knows (the app's secret no longer opens it), tagged ${ISOLATED}`;
  }

  async renameInstance(region: RegionRole, from: string, to: string): Promise<RestoreAttempt> {
    const here = this.region(region);
    let f: DBInstance | null;
    let t: DBInstance | null;
    try {
      [f, t] = await Promise.all([this.describe(here, from), this.describe(here, to)]);
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `reading ${from} and ${to} (${here}) failed (${(e as Error)?.message ?? String(e)}): the rename was not sent` };
    }
    if (t && !f) return { outcome: "exists", detail: `${to} exists and ${from} is gone: already renamed` };
    if (t) return { outcome: "refused", detail: `${to} already exists (${t.DBInstanceStatus}): RDS cannot give an existing name; not sent` };
    if (!f) return { outcome: "not-sent", detail: `neither ${from} nor ${to} is listed in ${here}: not sent` };
    if (f.DBInstanceStatus !== "available") return { outcome: "not-sent", detail: `${from} is ${f.DBInstanceStatus}: RDS would refuse the rename now; not sent (asked again once it is available)` };
    const what = `RDS ModifyDBInstance ${from} NewDBInstanceIdentifier ${to} (${here})`;
    const r = await this.io.sendRequest(this.clients.rds(here), new ModifyDBInstanceCommand({ DBInstanceIdentifier: from, NewDBInstanceIdentifier: to, ApplyImmediately: true }), what);
    if (r.ok) return { outcome: "requested", detail: `${what}, applied immediately: taken` };
    return this.failed(r.error, r.mayHaveBeenSent, what, to, null);
  }
}
