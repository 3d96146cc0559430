/**
 * Checks of the backups section: retention, the isolated copy and the vault lock.
 */
import { BACKUP_VAULT_NAME } from "../backup-settings";
import type { CheckedConfig } from "../base-schema";
import { isProductionEnvironment } from "../environment";
import { KNOWN_REGIONS } from "../regions";
import { crossIssue, type Ctx, type FieldPath } from "./issues";

/**
 * The vault lock (backups.vaultLock). Every recovery point in the app's
 * vaults is kept backups.crossRegion.retentionDays (the local rule's
 * lifecycle and the Aurora mode's copy into the other region's vault,
 * stacks/regional-stack.ts), so that retention must lie within the lock's
 * min and max: "If the job's retention period is shorter than that minimum
 * retention period, then the vault fails that backup or copy job" (and the
 * same for a longer one than the maximum; AWS Backup API Reference,
 * PutBackupVaultLockConfiguration). Limits there: "The shortest minimum
 * retention period you can specify is 1 day", "The longest maximum retention
 * period you can specify is 36500 days".
 */
export function checkVaultLock(cfg: CheckedConfig, ctx: Ctx): void {
  const l = cfg.backups.vaultLock;
  const P = ["backups", "vaultLock"];
  if (l.mode === "governance" && l.changeableForDays !== undefined) {
    crossIssue(ctx, [...P, "changeableForDays"], `is set, but mode is "governance" (a governance lock has no lock date; changeable_for_days is what makes it compliance). Fix: remove changeableForDays, or set backups.vaultLock.mode "compliance" (irreversible after the grace time)`, [[...P, "mode"]]);
  }
  if (l.changeableForDays !== undefined && l.changeableForDays < 3) {
    ctx.addIssue({ code: "custom", path: [...P, "changeableForDays"], message: `${l.changeableForDays} days is below AWS Backup's 72-hour cooling-off period. Fix: set 3 or more` });
  }
  if (l.minRetentionDays !== undefined && l.minRetentionDays < 1) {
    ctx.addIssue({ code: "custom", path: [...P, "minRetentionDays"], message: `${l.minRetentionDays} is below the shortest minimum retention AWS Backup accepts (1 day). Fix: set 1 or more, or remove it to use backups.minRetentionDays` });
  }
  if (l.maxRetentionDays !== undefined && (l.maxRetentionDays < 1 || l.maxRetentionDays > 36500)) {
    ctx.addIssue({ code: "custom", path: [...P, "maxRetentionDays"], message: `${l.maxRetentionDays} is outside 1-36500 days (AWS Backup's longest maximum retention is 36500). Fix: set 1 to 36500, or remove it for no maximum` });
  }
  if (!(l.enabled ?? isProductionEnvironment(cfg.environment))) return;
  const min = l.minRetentionDays ?? cfg.backups.minRetentionDays;
  const plan = cfg.backups.crossRegion.retentionDays;
  // A default minimum (backups.minRetentionDays) above the plan's retention is
  // already refused on backups.crossRegion.retentionDays (checkBackups) when
  // replication is on: one problem, one message.
  const reported = l.minRetentionDays === undefined && cfg.backups.crossRegion.enabled;
  if (min > plan && !reported) {
    crossIssue(
      ctx,
      [...P, "minRetentionDays"],
      `${min} days${l.minRetentionDays === undefined ? " (from backups.minRetentionDays)" : ""} is above backups.crossRegion.retentionDays (${plan}), the retention of every backup and copy in the app's vaults: the locked vault would FAIL every backup and copy job. Fix: lower backups.vaultLock.minRetentionDays to at most ${plan}, or raise backups.crossRegion.retentionDays to at least ${min}`,
      [["backups", "crossRegion", "retentionDays"], ["backups", "minRetentionDays"]],
    );
  }
  if (l.maxRetentionDays !== undefined && l.maxRetentionDays < plan) {
    crossIssue(
      ctx,
      [...P, "maxRetentionDays"],
      `${l.maxRetentionDays} days is below backups.crossRegion.retentionDays (${plan}), the retention of every backup and copy in the app's vaults: the locked vault would FAIL every backup and copy job. Fix: raise backups.vaultLock.maxRetentionDays to at least ${plan}, remove it, or lower backups.crossRegion.retentionDays`,
      [["backups", "crossRegion", "retentionDays"]],
    );
  }
  if (l.maxRetentionDays !== undefined && l.maxRetentionDays < min && l.maxRetentionDays >= plan) {
    crossIssue(ctx, [...P, "maxRetentionDays"], `${l.maxRetentionDays} days is below the lock's minimum retention (${min}). Fix: raise maxRetentionDays to at least ${min}`, [[...P, "minRetentionDays"], ["backups", "minRetentionDays"]]);
  }
}

/**
 * Backups (issue 26). Retention limits: automated backups and their
 * cross-region replicas are kept 1-35 days (RDS User Guide, "Backup
 * retention period": "You can set the backup retention period to between 0
 * and 35 days"; 0 turns backups off, and replication needs them on:
 * "the source DB instance must have automated backups enabled" is implied by
 * StartDBInstanceAutomatedBackupsReplication copying "all snapshots and
 * transaction logs as soon as they are ready", none exist without them).
 */
export function checkBackups(cfg: CheckedConfig, ctx: Ctx): void {
  const b = cfg.backups;
  const days = (path: FieldPath, v: number) => {
    if (v < 1 || v > 35) ctx.addIssue({ code: "custom", path, message: `${v} is outside RDS's backup retention range (1 to 35 days). Fix: set 1 to 35, e.g. 7` });
  };
  days(["backups", "crossRegion", "retentionDays"], b.crossRegion.retentionDays);
  days(["backups", "minRetentionDays"], b.minRetentionDays);
  if (b.minRetentionDays >= 1 && b.minRetentionDays <= 35) {
    if (cfg.database.backupRetentionDays > 0 && cfg.database.backupRetentionDays < b.minRetentionDays) {
      crossIssue(ctx, ["database", "backupRetentionDays"], `${cfg.database.backupRetentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise database.backupRetentionDays to at least ${b.minRetentionDays}, or lower backups.minRetentionDays`, [["backups", "minRetentionDays"]]);
    }
    if (b.crossRegion.enabled && b.crossRegion.retentionDays < b.minRetentionDays) {
      crossIssue(ctx, ["backups", "crossRegion", "retentionDays"], `${b.crossRegion.retentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise backups.crossRegion.retentionDays to at least ${b.minRetentionDays}`, [["backups", "minRetentionDays"]]);
    }
  }
  if (b.crossRegion.enabled === false && isProductionEnvironment(cfg.environment)) {
    crossIssue(ctx, ["backups", "crossRegion", "enabled"], `false leaves environment "${cfg.environment}" (a production one) with backups in one region only: a bad write replicates to the other region within seconds, and with the writer's region down nothing restores to a time before it. Fix: set true, or give a disposable environment a non-production name`, [["environment"]]);
  }
  const c = b.isolatedCopy;
  const on = c.enabled ?? isProductionEnvironment(cfg.environment);
  if (c.enabled === true) {
    for (const field of ["accountId", "vaultName"] as const) {
      if (!c[field]) ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", field], message: `required with isolatedCopy.enabled true: ${field === "accountId" ? "the 12-digit id of the backup account (another account than this app's)" : "the name of the locked vault in that account"}. Fix: set backups.isolatedCopy.${field}, or set enabled false` });
    }
  }
  if (c.accountId !== undefined && !/^\d{12}$/.test(c.accountId)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "accountId"], message: `"${c.accountId}" is not an AWS account id. Fix: give the backup account's 12 digits, as a string, e.g. "210987654321"` });
  }
  if (c.vaultName !== undefined && !BACKUP_VAULT_NAME.test(c.vaultName)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "vaultName"], message: `"${c.vaultName}" is not an AWS Backup vault name (2-50 letters, digits, '-' or '_'). Fix: give the vault's name as the backup account created it, e.g. "drweb-isolated"` });
  }
  if (c.region !== undefined && !KNOWN_REGIONS.includes(c.region)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "region"], message: `unknown region "${c.region}". Fix: use one of ${KNOWN_REGIONS.join(", ")}, or remove it to use regions.secondary.region` });
  }
  if (on && c.retentionDays < b.minRetentionDays) {
    crossIssue(ctx, ["backups", "isolatedCopy", "retentionDays"], `${c.retentionDays} days is below backups.minRetentionDays (${b.minRetentionDays}). Fix: raise it to at least ${b.minRetentionDays}`, [["backups", "minRetentionDays"]]);
  }
  if (!/^cron\(.+\)$/.test(c.schedule)) {
    ctx.addIssue({ code: "custom", path: ["backups", "isolatedCopy", "schedule"], message: `"${c.schedule}" is not an AWS Backup schedule expression. Fix: use cron(...) in UTC, e.g. "cron(0 5 ? * * *)"` });
  }
}
