import { isolatedCopySettings } from "../../config/backup-settings";
import { regionKeyProblem } from "../context";
import type { AppRule, PolicyContext, ResourceView, Verdict } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";
import { blocks, kmsArnRegion, vaultOf } from "./backup-arns";

type Finding = { resource: ResourceView; verdict: Verdict };

/**
 * Backup copies are encrypted with a customer key of the region they are in
 * (the DESTINATION), never with the source region's key, which a region loss
 * (or a key deletion there) takes away:
 * - an automated-backups replication's kms_key_id is a customer key of the
 *   replication's own region: RDS takes "the ARN for the KMS encryption key
 *   in the destination AWS Region" (RDS API Reference,
 *   StartDBInstanceAutomatedBackupsReplication, KmsKeyId);
 * - an AWS Backup vault's kms_key_arn is a customer key of the vault's region;
 * - a plan's copy into a vault of this app (the Aurora cross-region copy) goes
 *   to a vault the app declares in the destination region, whose key the
 *   vault finding checks: "AWS Backup re-encrypts your copy using the
 *   customer managed key of your destination vault" (AWS Backup Developer
 *   Guide, "Creating backup copies across AWS Regions"). The isolated
 *   account's vault (backups.isolatedCopy) is keyed by that account, which
 *   this app cannot see (docs/backups.md "Isolated copies in another account").
 */
export const backupCopiesDestinationKey: AppRule = {
  kind: "app",
  id: "backup-copies-destination-key",
  description: "Replicated automated backups and AWS Backup vaults are encrypted with a customer key of their own (destination) region, and every cross-region copy goes to a vault the app keys that way (or the isolated account's)",
  fix: "give aws_db_instance_automated_backups_replication.kms_key_id and aws_backup_vault.kms_key_arn the region key of the stack that declares them (src/database/backup-plan.ts, backup-vault.ts); copy only into vaults named by backupVaultArn/backupVaultName or backups.isolatedCopy",
  check(ctx: PolicyContext) {
    const findings: Finding[] = [];
    const keyed = (r: ResourceView, value: unknown, noun: string): Verdict => {
      const here = ctx.regionOf(r);
      const literalRegion = kmsArnRegion(value);
      if (literalRegion && literalRegion !== here) return fail(`${noun} in ${here} is encrypted with a key of ${literalRegion} (${value}): use the destination region's key (${here})`);
      const problem = regionKeyProblem(ctx, r, value, noun);
      return problem ? fail(`${noun} in ${here} is not encrypted with a customer key of that region: ${problem}`) : COMPLIANT;
    };
    for (const rep of ctx.resources("aws_db_instance_automated_backups_replication")) {
      const src = String(rep.config.source_db_instance_arn ?? "").split(":").pop();
      findings.push({ resource: rep, verdict: keyed(rep, rep.config.kms_key_id, `the replicated backups of ${src}`) });
    }
    const vaults = ctx.resources("aws_backup_vault");
    for (const v of vaults) findings.push({ resource: v, verdict: keyed(v, v.config.kms_key_arn, `vault ${v.config.name}`) });
    const isolated = isolatedCopySettings(ctx.config);
    for (const plan of ctx.resources("aws_backup_plan")) {
      const problems: string[] = [];
      let judged = 0;
      for (const rule of blocks(plan.config.rule)) {
        for (const copy of blocks(rule.copy_action)) {
          const dest = vaultOf(copy.destination_vault_arn);
          if (!dest) {
            problems.push(`copies into "${copy.destination_vault_arn}", not a backup vault ARN`);
            continue;
          }
          if (isolated && dest.account === isolated.accountId && dest.name === isolated.vaultName) continue;
          judged++;
          const declared = vaults.find((v) => v.config.name === dest.name && ctx.regionOf(v) === dest.region);
          if (!declared) problems.push(`copies into vault ${dest.name} in ${dest.region}, which no stack of the app declares (its key cannot be checked) and which is not backups.isolatedCopy's`);
        }
      }
      findings.push({ resource: plan, verdict: problems.length ? fail(`AWS Backup plan ${plan.config.name} ${problems.join("; ")}`) : judged ? COMPLIANT : NOT_APPLICABLE });
    }
    return findings;
  },
};
