import { isolatedCopySettings } from "../../config/schema";
import { isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";
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
 * What this rule cannot see: the lock itself (another account's resource)
 * and the local vaults' own recovery points, which a principal of this
 * account allowed backup:DeleteRecoveryPoint can delete (no vault access
 * policy denies it here; docs/backups.md says so).
 */
export const backupVaultProtected: ResourceRule = {
  kind: "resource",
  id: "backup-vault-protected",
  description: "AWS Backup vaults are never force-destroyed, and with backups.isolatedCopy every backup plan copies into the isolated account's locked vault",
  fix: "set force_destroy false on aws_backup_vault (src/database/backup-vault.ts); keep the isolated copy in the plan's copy rules (stacks/regional-stack.ts, backups.isolatedCopy)",
  resourceTypes: ["aws_backup_vault", "aws_backup_plan"],
  check(r, ctx) {
    if (r.type === "aws_backup_vault") {
      return isTrue(r.config.force_destroy) ? fail(`vault ${r.config.name} has force_destroy: a destroy would delete its recovery points first`) : COMPLIANT;
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
