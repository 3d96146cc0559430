import { COMPLIANT, fail, NOT_APPLICABLE, type ResourceRule } from "../types";
import { block } from "../context";
import { blocks } from "./backup-arns";

/**
 * Every backup the app keeps is kept at least backups.minRetentionDays
 * (config; default 7, within RDS's 1-35 days for automated backups and
 * their replicas, RDS User Guide "Backup retention period"): a writer's
 * automated backups (backup_retention_period; an in-region or cross-region
 * read replica keeps none of its own and is not judged), an Aurora cluster's
 * (backup_retention_period), the replicated automated backups
 * (retention_period: 7 when unset, the provider's default), and each AWS
 * Backup rule's recovery points and copies (lifecycle.delete_after; unset
 * keeps them forever). The restorable window is the retention: a bad write
 * found later than that cannot be undone.
 */
export const backupRetentionMinimum: ResourceRule = {
  kind: "resource",
  id: "backup-retention-minimum",
  description: "Every backup (writers' and Aurora clusters' automated backups, replicated automated backups, AWS Backup recovery points and copies) is kept at least backups.minRetentionDays",
  fix: "raise database.backupRetentionDays, backups.crossRegion.retentionDays and backups.isolatedCopy.retentionDays to at least backups.minRetentionDays (the config refuses less; this catches code that sets its own)",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster", "aws_db_instance_automated_backups_replication", "aws_backup_plan"],
  check(r, ctx) {
    const min = ctx.config.backups.minRetentionDays;
    const below = (days: number) => Number.isFinite(days) && days < min;
    if (r.type === "aws_db_instance" || r.type === "aws_rds_cluster") {
      if (r.type === "aws_db_instance" && r.config.replicate_source_db) return NOT_APPLICABLE;
      const days = Number(r.config.backup_retention_period ?? (r.type === "aws_rds_cluster" ? 1 : 0));
      const id = r.config.identifier ?? r.config.cluster_identifier;
      return below(days) ? fail(`${id} keeps its automated backups ${days} days, below backups.minRetentionDays (${min})`) : COMPLIANT;
    }
    if (r.type === "aws_db_instance_automated_backups_replication") {
      const days = Number(r.config.retention_period ?? 7);
      const src = String(r.config.source_db_instance_arn ?? "").split(":").pop();
      return below(days) ? fail(`the replicated backups of ${src} are kept ${days} days, below backups.minRetentionDays (${min})`) : COMPLIANT;
    }
    for (const rule of blocks(r.config.rule)) {
      const keep = Number(block(rule.lifecycle)?.delete_after ?? Infinity);
      if (below(keep)) return fail(`rule ${rule.rule_name} keeps recovery points ${keep} days, below backups.minRetentionDays (${min})`);
      for (const copy of blocks(rule.copy_action)) {
        const days = Number(block(copy.lifecycle)?.delete_after ?? Infinity);
        if (below(days)) return fail(`rule ${rule.rule_name} keeps its copy in ${copy.destination_vault_arn} ${days} days, below backups.minRetentionDays (${min})`);
      }
    }
    return COMPLIANT;
  },
};
