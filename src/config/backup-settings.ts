/**
 * The backups section once the defaults are applied: the isolated copy and
 * the vault lock (used by the stacks, the policy rules and the checks).
 */
import type { CheckedConfig } from "./base-schema";
import { isProductionEnvironment } from "./environment";

/** AWS Backup vault names: "2 to 50 alphanumeric, '-' or '_'" (AWS Backup API Reference, CreateBackupVault, BackupVaultName pattern ^[a-zA-Z0-9\-\_]{2,50}$). */
export const BACKUP_VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;

/**
 * The isolated copy's settings once the defaults are applied: undefined
 * when it is off, or on by default but naming no account (configWarnings
 * says so). An explicit `enabled: true` without an account is refused by
 * checkBackups.
 */
export function isolatedCopySettings(cfg: Pick<CheckedConfig, "environment" | "backups" | "regions">): { accountId: string; vaultName: string; region: string; retentionDays: number; schedule: string } | undefined {
  const c = cfg.backups.isolatedCopy;
  const on = c.enabled ?? isProductionEnvironment(cfg.environment);
  if (!on || !c.accountId || !c.vaultName) return undefined;
  return { accountId: c.accountId, vaultName: c.vaultName, region: c.region ?? cfg.regions.secondary.region, retentionDays: c.retentionDays, schedule: c.schedule };
}

/** The vault lock of the app's own vaults once the defaults are applied (undefined: off). */
export interface VaultLockSettings {
  readonly mode: "governance" | "compliance";
  readonly minRetentionDays: number;
  readonly maxRetentionDays?: number;
  /** Set in compliance mode only (the provider: "If omitted creates a vault lock in governance mode"). */
  readonly changeableForDays?: number;
}

/** The vault lock settings: on by default in a production environment, min retention defaulting to backups.minRetentionDays. */
export function vaultLockSettings(cfg: Pick<CheckedConfig, "environment" | "backups">): VaultLockSettings | undefined {
  const l = cfg.backups.vaultLock;
  if (!(l.enabled ?? isProductionEnvironment(cfg.environment))) return undefined;
  return {
    mode: l.mode,
    minRetentionDays: l.minRetentionDays ?? cfg.backups.minRetentionDays,
    ...(l.maxRetentionDays !== undefined ? { maxRetentionDays: l.maxRetentionDays } : {}),
    ...(l.mode === "compliance" ? { changeableForDays: l.changeableForDays ?? 3 } : {}),
  };
}
