import type { RegionRole } from "../config";

/**
 * What `dr restore` (point-in-time recovery from a bad write) needs from the
 * world, beside DrPlatform. Optional on DrPlatform: a platform without it
 * fails `dr restore` with a clear message before anything runs.
 *
 * The design (docs/dr-runbook.md, "dr restore"): the writer's data is restored
 * to a time into a NEW instance (RDS RestoreDBInstanceToPointInTime; local: a
 * base backup plus archived WAL replayed with recovery_target_time), checked,
 * then the app is moved to it by identifier: the damaged writer is renamed
 * away and the restored instance takes the writer's identifier, so the
 * writer endpoint the fleet was booted with (DB_WRITER_HOST) names the
 * restored data and no fleet, launch template or Terraform run is involved
 * before writes resume (REL11-BP04). AWS: "Renaming a DB instance" in the RDS
 * User Guide (ModifyDBInstance NewDBInstanceIdentifier with ApplyImmediately;
 * the endpoint follows the identifier).
 */

/** Which automated backups a restore reads. */
export type BackupSource =
  /** The writer's own automated backups, in the writer's region (RestoreDBInstanceToPointInTime SourceDBInstanceIdentifier / SourceDbiResourceId). */
  | "instance"
  /** The copy replicated into the other region (SourceDBInstanceAutomatedBackupsArn): usable when the writer's region is down. */
  | "replicated";

/** The window a restore may target, as the service reports it. */
export interface RestoreWindow {
  /** The region whose backups were read (where the restore would run). */
  readonly region: RegionRole;
  readonly source: BackupSource;
  /** What the restore request names: the writer's identifier or DbiResourceId ("instance"), the automated backups' ARN ("replicated"); null: none found. */
  readonly sourceRef: string | null;
  /** Earliest restorable time (epoch ms; AWS: DBInstanceAutomatedBackup.RestoreWindow.EarliestTime); null unknown. */
  readonly earliest: number | null;
  /** Latest restorable time (epoch ms; AWS: DBInstance.LatestRestorableTime, or RestoreWindow.LatestTime of the replicated copy); null unknown. */
  readonly latest: number | null;
  /** When this was read, on the runbook's clock (epoch ms): how far `latest` lags is now minus latest. */
  readonly readAt: number;
  readonly detail: string;
}

/** One database instance by identifier (a restore target, the damaged writer after its rename). */
export interface InstanceState {
  readonly identifier: string;
  /** false: the region answered that there is no such instance. */
  readonly found: boolean;
  /** DBInstanceStatus (creating, available, renaming, ...); local: running/stopped; null when not found. */
  readonly status: string | null;
  /**
   * Isolated from the app by the runbook (isolateInstance: AWS its dr-isolated tag and no pending password change);
   * absent or null: the platform does not tell.
   */
  readonly isolated?: boolean | null;
  readonly detail: string;
}

/** What a restore or rename request got (the same outcomes, and the same rules for "unknown", as PromotionAttempt). */
export interface RestoreAttempt {
  /** requested: taken; exists: the target already exists, nothing sent; refused / not-sent: nothing taken; unknown: may have been taken. */
  readonly outcome: "requested" | "exists" | "refused" | "not-sent" | "unknown";
  readonly detail: string;
}

export interface RestorePlatform {
  /** The restorable window of a generation's writer, from the backups readable in `region` (its own region: "instance", the other: "replicated"). */
  restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): Promise<RestoreWindow>;
  /** Restore the window's source to `toTime` (epoch ms) into a new instance `target` in `region`. Idempotent: an existing target sends nothing. */
  restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): Promise<RestoreAttempt>;
  /** One instance by identifier in `region` (never throws for "not found": found false). */
  instance(region: RegionRole, identifier: string): Promise<InstanceState>;
  /** Rename `from` to `to` in `region` (idempotent: `to` existing and `from` gone sends nothing). */
  renameInstance(region: RegionRole, from: string, to: string): Promise<RestoreAttempt>;
  /**
   * Optional (added after the contract; a platform without it has the step say so and go on): make the damaged
   * instance, renamed away, unusable by the app (AWS: a new random master password and the dr-isolated tag, as
   * DrPlatform.isolateWriter does), so a client holding a stale DNS answer for the writer's name cannot write to it.
   * Idempotent. A read replica takes no writes: nothing to do.
   */
  isolateInstance?(region: RegionRole, identifier: string): Promise<string>;
}
