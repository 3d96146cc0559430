/**
 * The config's backups section: AWS Backup copies in the other region and
 * outside the account, and the vault lock.
 */
import { z } from "zod";

export const backupsSchema = z.strictObject({
  /**
   * RDS mode: the writer's automated backups (snapshots and transaction
   * logs) replicated to the other region (aws_db_instance_automated_backups_replication),
   * encrypted there with that region's key. Which writer, in each DR state:
   * src/database/backup-plan.ts BACKUP_REPLICATION.
   */
  crossRegion: z.strictObject({
    /** Replicate the writer's backups into the other region (RDS mode) or copy them there with AWS Backup (Aurora mode); refused off in a production environment. */
    enabled: z.boolean(),
    /** Days the replicated backups are kept (the restorable window in the other region): 1-35. */
    retentionDays: z.number().int({ message: "must be a whole number of days. Fix: use 1 to 35" }),
  }),
  /** The least retention (days) the policy accepts on every backup this app keeps (writers' automated backups, replicated backups, isolated copies). */
  minRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: use 1 to 35" }),
  /**
   * AWS Backup copies of the writing database into a vault in another
   * account (vault lock there), so a compromised production account cannot
   * delete every copy.
   * @default - on in a production environment (prod, production, prd, live), off elsewhere
   */
  isolatedCopy: z.strictObject({
    /**
     * Copy the writing database into the other account's vault. On without accountId and vaultName: synth
     * warns and builds nothing; true without them is refused.
     * @default - true in a production environment (prod, production, prd, live), false elsewhere
     */
    enabled: z.boolean().optional(),
    /** The backup account's id (12 digits): not this app's account. */
    accountId: z.string().optional(),
    /** The vault's name in that account (created and locked there, not by this app). */
    vaultName: z.string().optional(),
    /**
     * Region of that vault.
     * @default - regions.secondary.region
     */
    region: z.string().optional(),
    /** Days AWS Backup keeps each copy in that vault (its lock's minimum retention must allow it). */
    retentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 35" }),
    /** When the backup runs, an AWS Backup cron expression in UTC. */
    schedule: z.string(),
  }),
  /**
   * AWS Backup Vault Lock and a vault access policy on this app's OWN vaults (the per-region
   * `<prefix>-db-backups` vaults, src/database/backup-vault.ts; they exist in the Aurora mode and with
   * isolatedCopy). docs/backups.md "Vault lock". The lock refuses DeleteRecoveryPoint and lifecycle
   * changes, and fails any backup or copy job whose retention is outside min/max (AWS Backup API
   * Reference, PutBackupVaultLockConfiguration); the access policy denies backup:DeleteRecoveryPoint and
   * backup:UpdateRecoveryPointLifecycle to every principal.
   * @default - on in a production environment (prod, production, prd, live), off elsewhere
   */
  vaultLock: z.strictObject({
    /**
     * Lock the app's own vaults and deny recovery-point deletion on them.
     * @default - true in a production environment, false elsewhere. Fix for a disposable environment: false
     */
    enabled: z.boolean().optional(),
    /**
     * "governance": users with backup:DeleteBackupVaultLockConfiguration can remove or change the lock at any
     * time (Terraform can still replace it). "compliance": the lock becomes immutable `changeableForDays`
     * after it is set ("On and after the lock date, the Vault Lock becomes immutable and cannot be changed or
     * deleted"): min/max can then never change again and `cdktf destroy` can never remove it.
     * @default "governance"
     */
    mode: z.enum(["governance", "compliance"], { message: 'unknown mode. Fix: use "governance" or "compliance"' }),
    /**
     * Compliance mode only: days before the lock date (the grace time), at least 3 ("AWS Backup enforces a
     * 72-hour cooling-off period ... you must set ChangeableForDays to 3 or greater").
     * @default 3 in compliance mode; must be unset in governance mode
     */
    changeableForDays: z.number().int({ message: "must be a whole number of days. Fix: use 3 or more" }).optional(),
    /**
     * The lock's minimum retention: a backup or copy job into the vault with a shorter retention FAILS.
     * Must be at most backups.crossRegion.retentionDays (the retention of every recovery point in these vaults).
     * @default - backups.minRetentionDays (the plan's retention floor)
     */
    minRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 7" }).optional(),
    /**
     * The lock's maximum retention: a job with a longer retention FAILS. At least backups.crossRegion.retentionDays, at most 36500.
     * @default - none (no maximum enforced)
     */
    maxRetentionDays: z.number().int({ message: "must be a whole number of days. Fix: e.g. 35" }).optional(),
  }),
});
