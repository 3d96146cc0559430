/**
 * What the runbook's deploys plan for the replicated automated backups
 * (issue 26 point 1; src/database/backup-plan.ts BACKUP_REPLICATION): the
 * stack of the destination region starts replicating the writer's backups
 * when that writer is the other region's and standalone, keeps the
 * replication through failedOver, and stops it when the source leaves (the
 * copies stay, RETAINED, for their retention).
 */
import type { ValidConfig } from "../../src/config";
import { backupReplicaParameter } from "../../src/database/backup-plan";
import { Naming } from "../../src/lib/naming";
import type { ChangeRule } from "./expectations";
import type { PlanResourceChange } from "./types";

const REPLICATION = "aws_db_instance_automated_backups_replication";

/** The outputs a regional stack has while it holds a replication. */
export const BACKUP_REPLICA_OUTPUTS = ["db_backup_replica_arn", "db_backup_replica_source_arn", "db_backup_replica_kms_key_arn", "db_backup_replica_parameter"];

const bySource = (arn: string) => (rc: PlanResourceChange) => (rc.change.before?.source_db_instance_arn ?? rc.change.after?.source_db_instance_arn) === arn;
const parameter = (config: ValidConfig) => backupReplicaParameter(new Naming(config.project, config.environment, config.regions.primary.region).base);
const isParameter = (config: ValidConfig) => (rc: PlanResourceChange) => (rc.change.before?.name ?? rc.change.after?.name) === parameter(config);

/**
 * Replication of `sourceArn`'s automated backups started in `region` (the
 * destination), encrypted with that region's key (known after the key's
 * apply, or an arn:aws:kms:<region>: ARN), kept backups.crossRegion.retentionDays.
 */
export function backupReplicaCreated(config: ValidConfig, region: string, sourceArn: string, withParameter: boolean): ChangeRule[] {
  const rules: ChangeRule[] = [
    {
      what: `replication of ${sourceArn.split(":").pop()}'s automated backups into ${region} started (StartDBInstanceAutomatedBackupsReplication in ${region}), encrypted with the ${region} key, kept ${config.backups.crossRegion.retentionDays} days`,
      type: REPLICATION,
      kind: "create",
      match: bySource(sourceArn),
      check: (rc) => {
        const a = rc.change.after ?? {};
        const bad: string[] = [];
        if (!(rc.change.after_unknown?.kms_key_id === true || String(a.kms_key_id ?? "").startsWith(`arn:aws:kms:${region}:`))) bad.push(`kms_key_id ${a.kms_key_id} is not a ${region} key`);
        if (a.retention_period !== config.backups.crossRegion.retentionDays) bad.push(`retention_period ${a.retention_period}`);
        return bad;
      },
    },
  ];
  if (withParameter) rules.push({ what: `SSM parameter ${parameter(config)} in ${region} naming the replicated backups (read by dr restore)`, type: "aws_ssm_parameter", kind: "create", match: isParameter(config) });
  return rules;
}

/**
 * Replication of `sourceArn`'s backups stopped (StopDBInstanceAutomatedBackupsReplication
 * in the destination region): the copies made are kept as retained automated
 * backups for their retention ("Replicated backups are retained, subject to
 * the backup retention period set when they were created", RDS User Guide).
 * When the source is already deleted, the refresh finds the backups RETAINED
 * and drops the resource from state before the plan (provider
 * findDBInstanceAutomatedBackupByARN), and a delete that still runs returns
 * at DBInstanceNotFound: no call waits on the source.
 */
export function backupReplicaStopped(config: ValidConfig, sourceArn: string, withParameter: boolean): ChangeRule[] {
  const rules: ChangeRule[] = [{ what: `replication of ${sourceArn.split(":").pop()}'s automated backups stopped (its copies kept, RETAINED, for their retention)`, type: REPLICATION, kind: "delete", match: bySource(sourceArn) }];
  if (withParameter) rules.push({ what: `SSM parameter ${parameter(config)} removed (this stack holds no replication in the new state)`, type: "aws_ssm_parameter", kind: "delete", match: isParameter(config) });
  return rules;
}

/** The parameter now names the new replication (same name, new value: in place). */
export function backupReplicaParameterMoved(config: ValidConfig): ChangeRule {
  return { what: `SSM parameter ${parameter(config)} names the new replication (in place)`, type: "aws_ssm_parameter", kind: "update", match: isParameter(config), attributes: ["value", "version", "insecure_value"] };
}

/**
 * AWS Backup's plan follows the writing database (src/database/backup-vault.ts
 * WRITING_REGION): created in the stack of the region that now writes,
 * deleted in the one that no longer does. Deleting a plan and its selection
 * deletes no recovery point (they stay in the vault, which every state keeps).
 */
export function backupPlanMoved(kind: "create" | "delete"): ChangeRule[] {
  const what = kind === "create" ? "created here: this region's database now writes" : "deleted here: this region's database no longer writes (its recovery points stay in the vault)";
  return [
    { what: `AWS Backup plan of the writing database ${what}`, type: "aws_backup_plan", kind, match: () => true },
    { what: `its selection (the database it backs up) ${what}`, type: "aws_backup_selection", kind, match: () => true },
  ];
}

/** The output that names the plan, present only where the database writes. */
export const BACKUP_PLAN_OUTPUTS = ["db_backup_plan_id"];
