import type { RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { backupVaultName } from "../database/backup-vault";
import { endpointsParameterName, endpointsValueTemplate } from "../database/endpoints-parameter";
import { names } from "./names";

/**
 * `dr restore` in the Aurora Global Database mode (database.engine "aurora-postgresql"): the manual procedure with
 * this deployment's names, the writer member cluster and the time asked. All of it is automated in the writer's
 * region (aurora-restore-plan.ts); this text is what `dr restore --region <the other
 * region>` prints with its refusal, and the by-hand equivalent of the automated steps (docs/dr-runbook.md, "dr
 * restore", Aurora mode):
 *
 * - RestoreDBClusterToPointInTime "Restores a DB cluster to an arbitrary point in time. Users can restore to any
 *   point in time before LatestRestorableTime for up to BackupRetentionPeriod days ... the new DB cluster is created
 *   with the default DB security group", and "For Aurora, this operation only restores the DB cluster, not the DB
 *   instances for that DB cluster. You must invoke the CreateDBInstance operation ... You can create DB instances
 *   only after the RestoreDBClusterToPointInTime operation has completed and the DB cluster is available" (RDS API
 *   Reference, RestoreDBClusterToPointInTime). The window: DBCluster EarliestRestorableTime and
 *   LatestRestorableTime (RDS API Reference, DBCluster, from DescribeDBClusters).
 * - The fleet reads which cluster it uses from its region's database endpoints parameter when the app starts
 *   (src/database/endpoints-parameter.ts); the restored cluster is standalone and cannot join
 *   the existing global cluster ("existing RDS Clusters cannot be added to an existing RDS Global Cluster":
 *   hashicorp/terraform-provider-aws, resource aws_rds_cluster; cf. issue #30131).
 */

/** The restored cluster's identifier: `<member>-pitr-<stamp>` (as RDS mode names the restored instance). */
export function auroraRestoreTargetId(config: ValidConfig, role: RegionRole, stamp: string): string {
  return `${regionClusterIdentifier(config, role)}-pitr-${stamp}`;
}

/**
 * The manual procedure, one line each, with this deployment's names. `toTimeIso` the time asked (ISO, normalized);
 * `region` where the operator asked to restore (default: the global primary's region).
 */
export function auroraRestoreProcedure(config: ValidConfig, toTimeIso: string, stamp: string, region?: RegionRole): string[] {
  const writerRole = AURORA_GLOBAL_PRIMARY[config.database.drState];
  const other: RegionRole = writerRole === "primary" ? "secondary" : "primary";
  const member = regionClusterIdentifier(config, writerRole);
  const otherMember = regionClusterIdentifier(config, other);
  const n = names(config, writerRole);
  const r = n.region;
  const target = auroraRestoreTargetId(config, writerRole, stamp);
  const lines: string[] = [];
  if (region && region !== writerRole) {
    const o = names(config, region);
    const vault = backupVaultName(o.regional);
    lines.push(
      `--region ${region}: a point-in-time restore reads the source cluster's continuous backups in its own region (RestoreDBClusterToPointInTime SourceDBClusterIdentifier: "Must match the identifier of an existing DBCluster"); the writer member ${member} is in ${r}. ` +
        `If ${r} is down, fail over first (\`dr failover --to ${region} --unplanned\`), then restore in the new writer's region. ${o.region} holds AWS Backup copies in the vault ${vault}: snapshots ("PITR (Point-in-Time Restore) is not available for these copies", AWS Backup Developer Guide, "Backup and tag copy"), so they restore to their copy time only: ` +
        `aws backup list-recovery-points-by-backup-vault --region ${o.region} --backup-vault-name ${vault}, then aws backup get-recovery-point-restore-metadata and aws backup start-restore-job for the one before the bad write, then steps 3 to 7 below in ${o.region}.`,
    );
  }
  lines.push(
    `Manual procedure (Aurora mode; docs/dr-runbook.md, "dr restore", Aurora mode). Writer member: ${member} (${r}, global cluster ${globalClusterIdentifier(config)}); time: ${toTimeIso}.`,
    `1. Window and settings: aws rds describe-db-clusters --region ${r} --db-cluster-identifier ${member} --query 'DBClusters[0].{earliest:EarliestRestorableTime,latest:LatestRestorableTime,subnets:DBSubnetGroup,sgs:VpcSecurityGroups[].VpcSecurityGroupId,params:DBClusterParameterGroup,kms:KmsKeyId}'`,
    `   ${toTimeIso} must lie between earliest (EarliestRestorableTime) and latest (LatestRestorableTime); RDS refuses a time outside it.`,
    `2. Restore into a NEW cluster (production untouched): aws rds restore-db-cluster-to-point-in-time --region ${r} --source-db-cluster-identifier ${member} --db-cluster-identifier ${target} --restore-to-time ${toTimeIso} --db-subnet-group-name <subnets> --vpc-security-group-ids <sgs> --db-cluster-parameter-group-name <params> --kms-key-id <kms> --deletion-protection --tags Key=dr-restored-to,Value=${toTimeIso}`,
    `   (the security groups, subnet group and parameter group from step 1: otherwise the new cluster gets the default security group).`,
    `3. aws rds wait db-cluster-available --region ${r} --db-cluster-identifier ${target}   (polls 30 minutes at most: run it again until it returns 0; the restore replays the logs since the last backup)`,
    `4. A restored Aurora cluster has no DB instance: aws rds create-db-instance --region ${r} --db-cluster-identifier ${target} --db-instance-identifier ${target}-1 --engine aurora-postgresql --db-instance-class ${config.database.instanceClass}; then aws rds wait db-instance-available --region ${r} --db-instance-identifier ${target}-1`,
    `5. Check the restored data on its cluster endpoint (aws rds describe-db-clusters --region ${r} --db-cluster-identifier ${target} --query 'DBClusters[0].Endpoint'): the rows the bad write destroyed are there. Up to here nothing the app uses has changed.`,
    `6. Move the app (what \`dr restore\` automates in the writer's region): fence the ${r} fleet (aws autoscaling update-auto-scaling-group --region ${r} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0; wait until no instance runs), ` +
      `point its database endpoints parameter to ${target} (aws ssm put-parameter --region ${r} --name ${endpointsParameterName(config, writerRole)} --type String --overwrite --value '${endpointsValueTemplate(target)}'), restore the fleet (--min-size ${config.web.minSize} --desired-capacity ${config.web.desiredCapacity}) and check a write with \`dr status\`;`,
    `   then record it: "database": { "restoredCluster": {"region": "${writerRole}", "identifier": "${target}", "writerEndpoint": "<its Endpoint>", "readerEndpoint": "<its ReaderEndpoint>"} } and npx cdktf deploy ${writerRole}. ${otherMember} still replicates the damaged ${member}: failover is refused until a global database is rebuilt around ${target} (aws rds create-global-cluster --source-db-cluster-identifier <ARN of ${target}>).`,
    `   Or, keeping the global database (a bounded bad write): copy the wanted rows from ${target} back into ${member} with SQL, fenced if the app must not write meanwhile.`,
    `7. Writes acknowledged after ${toTimeIso} are only in ${member}: reconcile them before deleting anything. ${target} has deletion protection on: delete it (modify-db-cluster --no-deletion-protection, delete-db-instance, delete-db-cluster) once it is no longer needed.`,
  );
  return lines;
}
