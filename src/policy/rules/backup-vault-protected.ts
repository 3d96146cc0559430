import { isolatedCopySettings, vaultLockSettings } from "../../config/backup-settings";
import { VAULT_DENIED_ACTIONS } from "../../database/backup-vault";
import { isTrue, names, policyStatements } from "../context";
import { COMPLIANT, fail, type PolicyContext, type ResourceRule, type ResourceView } from "../types";
import { blocks, vaultOf } from "./backup-arns";

/**
 * Deletion protection of the backups, as the design has it (docs/backups.md "Backups:
 * restorable in either region"):
 * - the app's vaults are never force-destroyed: DeleteBackupVault refuses a
 *   vault that still holds recovery points ("A vault can be deleted only if
 *   it is empty", AWS Backup API Reference, DeleteBackupVault), and
 *   force_destroy would make the provider delete them first;
 * - with backups.isolatedCopy set (an account and vault named), every plan
 *   copies into that vault: the vault in ANOTHER account, locked in
 *   compliance mode by that account (after the lock date "the Vault Lock
 *   becomes immutable and cannot be changed or deleted"), the copy a
 *   compromised production account cannot delete.
 * - with backups.vaultLock on (the default in a production environment),
 *   each of the app's own vaults has an aws_backup_vault_lock_configuration
 *   with the configured minimum retention (and maximum, lock date), and an
 *   aws_backup_vault_policy whose Deny to every principal covers
 *   backup:DeleteRecoveryPoint and backup:UpdateRecoveryPointLifecycle
 *   (src/database/backup-vault.ts VAULT_DENIED_ACTIONS; docs/backups.md).
 * What this rule cannot see: the isolated account's lock (another
 * account's resource).
 */
export const backupVaultProtected: ResourceRule = {
  kind: "resource",
  id: "backup-vault-protected",
  description: "AWS Backup vaults are never force-destroyed, are locked and deny recovery-point deletion with backups.vaultLock, and with backups.isolatedCopy every backup plan copies into the isolated account's locked vault",
  fix: "set force_destroy false on aws_backup_vault and give it the lock and the deny policy (src/database/backup-vault.ts, backups.vaultLock); keep the isolated copy in the plan's copy rules (stacks/regional-stack.ts, backups.isolatedCopy)",
  resourceTypes: ["aws_backup_vault", "aws_backup_plan"],
  check(r, ctx) {
    if (r.type === "aws_backup_vault") {
      if (isTrue(r.config.force_destroy)) return fail(`vault ${r.config.name} has force_destroy: a destroy would delete its recovery points first`);
      const problem = lockProblem(r, ctx);
      return problem ? fail(problem) : COMPLIANT;
    }
    const isolated = isolatedCopySettings(ctx.config);
    if (!isolated) return COMPLIANT;
    const copies = blocks(r.config.rule).flatMap((rule) => blocks(rule.copy_action).map((c) => vaultOf(c.destination_vault_arn)));
    const locked = copies.some((v) => v?.account === isolated.accountId && v.name === isolated.vaultName && v.region === isolated.region);
    return locked
      ? COMPLIANT
      : fail(`AWS Backup plan ${r.config.name} does not copy into the isolated vault ${isolated.vaultName} of account ${isolated.accountId} in ${isolated.region} (backups.isolatedCopy): a compromised production account could delete every copy`);
  },
};

/** What is missing of backups.vaultLock on an app vault (undefined: nothing, or the lock is off). */
function lockProblem(vault: ResourceView, ctx: PolicyContext): string | undefined {
  const want = vaultLockSettings(ctx.config);
  if (!want) return undefined;
  const mine = (type: string) => ctx.resources(type, vault.stack).filter((x) => names(ctx, vault.stack, x.config.backup_vault_name, vault, "name"));
  const locks = mine("aws_backup_vault_lock_configuration");
  if (locks.length === 0) return `vault ${vault.config.name} has no aws_backup_vault_lock_configuration (backups.vaultLock is on): a principal allowed backup:DeleteRecoveryPoint can empty it`;
  const lock = locks[0].config;
  const bad: string[] = [];
  if (lock.min_retention_days !== want.minRetentionDays) bad.push(`min_retention_days ${lock.min_retention_days ?? "unset"} (backups.vaultLock: ${want.minRetentionDays})`);
  if ((lock.max_retention_days ?? undefined) !== want.maxRetentionDays) bad.push(`max_retention_days ${lock.max_retention_days ?? "unset"} (backups.vaultLock: ${want.maxRetentionDays ?? "unset"})`);
  if ((lock.changeable_for_days ?? undefined) !== want.changeableForDays) bad.push(`changeable_for_days ${lock.changeable_for_days ?? "unset"} (backups.vaultLock mode ${want.mode}: ${want.changeableForDays ?? "unset"})`);
  if (bad.length) return `vault ${vault.config.name}'s lock has ${bad.join(", ")}`;
  const denied = new Set(
    mine("aws_backup_vault_policy")
      .flatMap((p) => policyStatements(ctx, vault.stack, p.config.policy) ?? [])
      .filter((st) => st.effect === "Deny" && ([] as any[]).concat(st.principals ?? []).some((pr) => pr.type === "AWS" && ([] as string[]).concat(pr.identifiers).includes("*")) && !st.condition)
      .flatMap((st) => ([] as string[]).concat(st.actions ?? [])),
  );
  const missing = VAULT_DENIED_ACTIONS.filter((a) => !denied.has(a));
  return missing.length ? `vault ${vault.config.name}'s access policy does not deny ${missing.join(", ")} to every principal (backups.vaultLock is on)` : undefined;
}
