import { block, isTrue, regionKeyProblem } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Every element of a block list (cdktf writes a list of blocks as an array). */
const blocks = (v: unknown): Array<Record<string, any>> => (Array.isArray(v) ? v : v ? [v] : []).filter((x) => x && typeof x === "object");

/**
 * AWS Backup: each vault is encrypted with a customer key of its own region
 * (the copies are re-encrypted with "the customer managed key of your
 * destination vault", AWS Backup Developer Guide, "Creating backup copies
 * across AWS Regions") and not force-destroyed (DeleteBackupVault refuses a
 * vault that still holds recovery points; force_destroy would delete them
 * first); each plan keeps its recovery points and every copy at least
 * backups.minRetentionDays.
 */
export const backupVaultProtected: ResourceRule = {
  kind: "resource",
  id: "backup-vault-protected",
  description: "AWS Backup vaults use a customer key of their own region and are never force-destroyed; backup plans keep recovery points and copies at least backups.minRetentionDays",
  fix: "set kms_key_arn to the region key and force_destroy false on aws_backup_vault (src/database/backup-vault.ts); raise the rule's lifecycle.delete_after and each copy_action's to at least backups.minRetentionDays",
  resourceTypes: ["aws_backup_vault", "aws_backup_plan"],
  check(r, ctx) {
    const min = ctx.config.backups.minRetentionDays;
    if (r.type === "aws_backup_vault") {
      if (isTrue(r.config.force_destroy)) return fail(`vault ${r.config.name} has force_destroy: a destroy would delete its recovery points`);
      const key = regionKeyProblem(ctx, r, r.config.kms_key_arn, "vault");
      return key ? fail(`vault ${r.config.name} is not encrypted with a customer key of its region: ${key}`) : COMPLIANT;
    }
    for (const rule of blocks(r.config.rule)) {
      const keep = Number(block(rule.lifecycle)?.delete_after ?? Infinity);
      if (keep < min) return fail(`rule ${rule.rule_name} keeps recovery points ${keep} days, below backups.minRetentionDays (${min})`);
      for (const copy of blocks(rule.copy_action)) {
        const days = Number(block(copy.lifecycle)?.delete_after ?? Infinity);
        if (days < min) return fail(`rule ${rule.rule_name} keeps its copy in ${copy.destination_vault_arn} ${days} days, below backups.minRetentionDays (${min})`);
      }
    }
    return COMPLIANT;
  },
};
