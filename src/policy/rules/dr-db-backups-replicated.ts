import { regionKeyProblem } from "../context";
import type { AppRule, PolicyContext, ResourceView, Verdict } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";

type Finding = { resource: ResourceView; verdict: Verdict };

/** Region and identifier of the instance an automated-backups replication copies, from its source ARN. */
function sourceOf(r: ResourceView): { region: string; identifier: string } | undefined {
  const m = /:rds:([a-z0-9-]+):[^:]*:db:([^:]+)$/.exec(String(r.config.source_db_instance_arn ?? ""));
  return m ? { region: m[1], identifier: m[2] } : undefined;
}

/**
 * RDS mode: the writing instance's automated backups are replicated to the
 * other region, and every backup is kept at least backups.minRetentionDays.
 * - Each replication (aws_db_instance_automated_backups_replication) is
 *   encrypted with a customer key of its own (the destination) region: RDS
 *   takes "the ARN for the KMS encryption key in the destination AWS Region"
 *   (StartDBInstanceAutomatedBackupsReplication, KmsKeyId), and a key of the
 *   source region would be the key the region loss takes away; its source is
 *   in another region; its retention_period is at least the minimum.
 * - Each writer (an aws_db_instance with no replicate_source_db) keeps its own
 *   automated backups at least the minimum, and (with backups.crossRegion on)
 *   has a replication in another region, except while failed over: the
 *   promoted writer's region of destination is the one that is down, and
 *   the old writer's copy is kept as it was (src/database/backup-plan.ts).
 * Not applicable in the Aurora mode (no aws_db_instance).
 */
export const drDbBackupsReplicated: AppRule = {
  kind: "app",
  id: "dr-db-backups-replicated",
  description:
    "RDS: the writer's automated backups are replicated to another region, encrypted there with a customer key of that region, and every backup (writers and replicated copies) is kept at least backups.minRetentionDays",
  fix: "keep backups.crossRegion.enabled (src/database/backup-plan.ts declares the replication in the other region's stack with that stack's key); raise database.backupRetentionDays and backups.crossRegion.retentionDays to at least backups.minRetentionDays",
  check(ctx: PolicyContext) {
    const min = ctx.config.backups.minRetentionDays;
    const reps = ctx.resources("aws_db_instance_automated_backups_replication");
    const findings: Finding[] = reps.map((rep) => {
      const src = sourceOf(rep);
      const keyProblem = regionKeyProblem(ctx, rep, rep.config.kms_key_id, "replicated backups");
      const retention = Number(rep.config.retention_period ?? 7);
      const why = !src
        ? `source_db_instance_arn "${rep.config.source_db_instance_arn}" does not name an RDS instance ARN`
        : src.region === ctx.regionOf(rep)
          ? `the backups of ${src.identifier} are replicated into their own region ${src.region}: a region loss takes both`
          : keyProblem
            ? `the replicated backups of ${src.identifier} are not encrypted with a customer key of their own region (${ctx.regionOf(rep)}): ${keyProblem}`
            : retention < min
              ? `the replicated backups of ${src.identifier} are kept ${retention} days, below backups.minRetentionDays (${min})`
              : undefined;
      return { resource: rep, verdict: why ? fail(why) : COMPLIANT };
    });
    const writers = ctx.resources("aws_db_instance").filter((r) => !r.config.replicate_source_db);
    for (const w of writers) {
      const id = w.config.identifier;
      const retention = Number(w.config.backup_retention_period ?? 0);
      if (retention < min) {
        findings.push({ resource: w, verdict: fail(`${id} keeps its automated backups ${retention} days, below backups.minRetentionDays (${min})`) });
        continue;
      }
      if (!ctx.config.backups.crossRegion.enabled || ctx.config.database.drState === "failedOver") {
        findings.push({ resource: w, verdict: NOT_APPLICABLE });
        continue;
      }
      const copied = reps.some((rep) => sourceOf(rep)?.identifier === id && sourceOf(rep)?.region === ctx.regionOf(w) && ctx.regionOf(rep) !== ctx.regionOf(w));
      findings.push({ resource: w, verdict: copied ? COMPLIANT : fail(`${id}'s automated backups are not replicated to another region: a bad write reaches the replica within seconds, and with ${ctx.regionOf(w)} down nothing restores to a time before it`) });
    }
    return findings;
  },
};
