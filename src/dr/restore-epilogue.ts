import { makeUniqueId } from "cdktf/lib/private/unique";
import type { RegionRole, ValidConfig } from "../config";
import { generationId } from "../database/database-tier";
import { backupReplicationSource } from "../database/backup-plan";
import { deployOnly } from "./deploy-commands";
import { names } from "./names";
import type { PlanParams } from "./plan-model";
import { restoreParamsOf } from "./restore-params";

/**
 * The RDS mode's `dr restore` epilogue (restore-plan.ts): the commands that
 * record the restore in Terraform state (state rm + import of the writer's
 * address), replace what still follows the damaged instance (in-region
 * readers, the cross-region replica, the backups replication) and what is
 * lost by design. Printed after the run; nothing here calls AWS.
 */

/** The Terraform address of a region's database instance (a construct path: the stack's DatabaseTier "Database", then generationId). */
export function dbInstanceAddress(member: "Writer" | `Reader${number}`, generation: number): string {
  return `aws_db_instance.${makeUniqueId(["Database", generationId(member, generation)])}`;
}

/** The Terraform address of the automated backups replication of a writer's generation, in the other region's stack (BackupReplica, backup-plan.ts). */
export function backupReplicationAddress(sourceGeneration: number): string {
  return `aws_db_instance_automated_backups_replication.${makeUniqueId(["BackupReplica", generationId("Replication", sourceGeneration)])}`;
}

/** The commands that record the restore in Terraform state and rebuild what still follows the damaged instance. */
export function restoreEpilogue(config: ValidConfig, params: PlanParams): string[] {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const g = params.generations[r.region];
  const stack = r.region;
  const tf = `terraform -chdir=cdktf.out/stacks/${stack}`;
  const readers = n.readers(g);
  const readerAddrs = readers.map((_, i) => dbInstanceAddress(`Reader${i}`, g));
  const writerAddr = dbInstanceAddress("Writer", g);
  const lines: string[] = [];
  if (r.source === "replicated") {
    lines.push(
      `The secondary now writes (the restored data) and the failover switch is forced: first record the failed-over state in your config file (DR_CONFIG):`,
      `  "database": { "drState": "failedOver", "generations": { "primary": ${params.generations.primary}, "secondary": ${g} } },`,
      `  "dns": { "forceFailover": true }`,
    );
  }
  lines.push(
    `Record the restore (docs/dr-runbook.md, "dr restore"). ${r.writerId} in ${n.region} is now the restored instance: a new DB instance with a new DbiResourceId, and since hashicorp/aws v5.0.0 the aws_db_instance id in state is that resource id`,
    `(hashicorp/terraform-provider-aws#31232), so the ${stack} stack's state still points at the damaged instance, now ${r.damagedId}. Move the state to the restored one (same address, same identifier: nothing is replaced):`,
    `  npm run synth`,
    `  ${tf} init`,
    `  ${tf} state rm '${writerAddr}'`,
    `  ${tf} import '${writerAddr}' ${r.writerId}`,
    `The in-region readers still replicate the damaged instance ("All read replicas associated with a DB instance remain associated with that instance after it is renamed": RDS User Guide, "Renaming a DB instance") and serve its data: replace them (same names, new replicas of ${r.writerId}; terraform shows the plan and asks before it applies):`,
    ...readers.map((id) => `  aws rds modify-db-instance --region ${n.region} --db-instance-identifier ${id} --no-deletion-protection --apply-immediately`),
    `  ${tf} apply ${readerAddrs.map((a) => `-replace='${a}'`).join(" ")}`,
    `  npx cdktf diff ${stack}   # then expect only in-place updates of ${r.writerId}: what the import left at the importer's defaults (skip_final_snapshot, delete_automated_backups) and what the restore did not copy (Enhanced Monitoring, Performance Insights, tags)`,
    `  ${deployOnly(stack)}`,
  );
  if (r.source === "instance" && r.drState === "normal") {
    const o = names(config, "secondary");
    const gS = params.generations.secondary;
    lines.push(
      `The cross-region replica ${o.writer(gS)} (${o.region}) still replicates the damaged instance: a failover now would bring the damaged data back. Rebuild it as a new generation, as failback does (the runbook's retire-old-replica step turned its deletion protection off):`,
      `  "database": { "drState": "normal", "generations": { "primary": ${params.generations.primary}, "secondary": ${gS + 1} } }`,
      `  npm run synth && npx cdktf diff secondary   # expect ${[o.writer(gS), ...o.readers(gS)].join(", ")} destroyed, ${o.writer(gS + 1)} created as a replica of ${r.writerId} plus its readers, the launch template and Auto Scaling group updated`,
      `  ${deployOnly("secondary")}   # only secondary: the primary stack is recorded above`,
    );
  }
  const other: RegionRole = r.region === "primary" ? "secondary" : "primary";
  if (r.source === "instance" && config.backups.crossRegion.enabled && backupReplicationSource(r.drState, other) === r.region) {
    // RDS replicates an instance's automated backups (StartDBInstanceAutomatedBackupsReplication takes the source
    // instance; the copies are the instance's, by DbiResourceId): the replication in the other region keeps copying
    // the damaged instance after the renames. source_db_instance_arn is ForceNew (src/database/backup-plan.ts).
    lines.push(
      `${other}'s automated backups replication still copies the damaged instance's backups (replication belongs to the instance, not its name): replace it so the restored ${r.writerId}'s backups are replicated; the damaged instance's copies made so far stay as retained automated backups until their retention ends:`,
      `  terraform -chdir=cdktf.out/stacks/${other} apply -replace='${backupReplicationAddress(params.generations[r.region])}'`,
    );
  }
  if (r.source === "replicated") {
    const p = names(config, "primary");
    lines.push(
      `Do not deploy primary while in failedOver.`,
      `${p.region}'s old writer ${p.writer(params.generations.primary)} is fenced and isolated (new random master password, tag dr-isolated) once its region answered: a diverged standalone database, kept as evidence. Fail back later with \`dr failback\` (it rebuilds ${p.region} as a replica of ${r.writerId}).`,
    );
  }
  lines.push(
    `Lost by design: writes acknowledged after ${r.toTimeIso} and before the fence. They are still in ${r.damagedId} (deletion protection on, kept as evidence): reconcile what is wanted by hand, then delete it.`,
    `The restored instance's master password is the source's as of ${r.toTimeIso} (RDS restores the database as it was). If the master password was rotated since, the app's secret does not open it (verify fails): set it again with aws rds modify-db-instance --region ${n.region} --db-instance-identifier ${r.writerId} --master-user-password <the secret's value> --apply-immediately.`,
  );
  return lines;
}
