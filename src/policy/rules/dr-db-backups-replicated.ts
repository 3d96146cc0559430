import { isAurora } from "../../database/aurora-contract";
import type { AppRule, PolicyContext, ResourceView, Verdict } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";
import { blocks, replicationSource, vaultOf } from "./backup-arns";

type Finding = { resource: ResourceView; verdict: Verdict };

/**
 * The writing database's backups are copied to another region (issue 26
 * point 5: "backups replicated across regions"). Encryption and retention of
 * the copies are backup-copies-destination-key's and
 * backup-retention-minimum's.
 * - RDS mode: each aws_db_instance_automated_backups_replication copies a
 *   source in ANOTHER region (a copy in the source's own region is lost with
 *   it), and each writer (an aws_db_instance with no replicate_source_db) has
 *   one, except while failed over: the promoted writer's destination region
 *   is the one that is down, and the old writer's copy is kept as it was
 *   (src/database/backup-plan.ts BACKUP_REPLICATION).
 * - Aurora mode (no automated-backups replication for Aurora:
 *   StopDBInstanceAutomatedBackupsReplication "doesn't apply to ... Aurora
 *   PostgreSQL", RDS API Reference): each AWS Backup plan copies into a vault
 *   of another region ("Creating backup copies across AWS Regions", AWS
 *   Backup Developer Guide), and the app has such a plan (the global
 *   primary's stack: src/database/backup-vault.ts WRITING_REGION).
 * Not applicable with backups.crossRegion.enabled false (the config refuses
 * that in a production environment).
 */
export const drDbBackupsReplicated: AppRule = {
  kind: "app",
  id: "dr-db-backups-replicated",
  description:
    "The writing database's backups are copied to another region: RDS, the writer's automated backups replicated by the other region's stack; Aurora, an AWS Backup plan that copies into a vault of another region",
  fix: "keep backups.crossRegion.enabled (src/database/backup-plan.ts declares the RDS replication in the other region's stack; src/database/backup-vault.ts gives the Aurora plan a copy rule into the other region's vault)",
  check(ctx: PolicyContext) {
    const findings: Finding[] = [];
    const reps = ctx.resources("aws_db_instance_automated_backups_replication");
    for (const rep of reps) {
      const src = replicationSource(rep);
      const why = !src
        ? `source_db_instance_arn "${rep.config.source_db_instance_arn}" does not name an RDS instance ARN`
        : src.region === ctx.regionOf(rep)
          ? `the backups of ${src.identifier} are replicated into their own region ${src.region}: a region loss takes both`
          : undefined;
      findings.push({ resource: rep, verdict: why ? fail(why) : COMPLIANT });
    }
    const on = ctx.config.backups.crossRegion.enabled;
    if (isAurora(ctx.config)) {
      const plans = ctx.resources("aws_backup_plan");
      for (const plan of plans) {
        const elsewhere = blocks(plan.config.rule).some((rule) => blocks(rule.copy_action).some((c) => {
          const v = vaultOf(c.destination_vault_arn);
          return v !== undefined && v.region !== ctx.regionOf(plan);
        }));
        findings.push({ resource: plan, verdict: !on ? NOT_APPLICABLE : elsewhere ? COMPLIANT : fail(`AWS Backup plan ${plan.config.name} copies into no vault of another region: with ${ctx.regionOf(plan)} down, nothing restores`) });
      }
      for (const global of ctx.resources("aws_rds_global_cluster")) {
        findings.push({ resource: global, verdict: !on ? NOT_APPLICABLE : plans.length ? COMPLIANT : fail(`no AWS Backup plan backs up the global database ${global.config.global_cluster_identifier}: replication is not backup, a bad write reaches every region within seconds`) });
      }
      return findings;
    }
    const writers = ctx.resources("aws_db_instance").filter((r) => !r.config.replicate_source_db);
    for (const w of writers) {
      const id = w.config.identifier;
      if (!on || ctx.config.database.drState === "failedOver") {
        findings.push({ resource: w, verdict: NOT_APPLICABLE });
        continue;
      }
      const copied = reps.some((rep) => replicationSource(rep)?.identifier === id && replicationSource(rep)?.region === ctx.regionOf(w) && ctx.regionOf(rep) !== ctx.regionOf(w));
      findings.push({ resource: w, verdict: copied ? COMPLIANT : fail(`${id}'s automated backups are not replicated to another region: a bad write reaches the replica within seconds, and with ${ctx.regionOf(w)} down nothing restores to a time before it`) });
    }
    return findings;
  },
};
