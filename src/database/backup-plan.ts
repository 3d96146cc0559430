import { Construct } from "constructs";
import { Fn } from "cdktf";
import { DbInstanceAutomatedBackupsReplication } from "@cdktf/provider-aws/lib/db-instance-automated-backups-replication";
import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import type { DrState, RegionRole } from "../config";
import { generationId } from "./database-tier";

/**
 * Which writer's automated backups a region's stack replicates INTO its own
 * region, in each DR state (RDS mode; issue 26 point 1). The replication is
 * an `aws_db_instance_automated_backups_replication` declared in the
 * DESTINATION region's stack, with that stack's provider and its own
 * customer key: StartDBInstanceAutomatedBackupsReplication is called in the
 * destination region, with KmsKeyId "the ARN for the KMS encryption key in
 * the destination AWS Region" (RDS API Reference,
 * StartDBInstanceAutomatedBackupsReplication).
 *
 * | state      | primary stack (us-east-2) holds         | secondary stack (us-west-1) holds                 |
 * | ---------- | --------------------------------------- | ------------------------------------------------- |
 * | normal     | nothing                                 | replication of the primary's Writer g<p>          |
 * | failedOver | nothing (the stack is not deployed)     | the same replication, KEPT (see below)            |
 * | failback   | replication of the secondary's Writer g<s> | nothing                                        |
 *
 * Why, transition by transition (hashicorp/aws 5.100.0
 * internal/service/rds/instance_automated_backups_replication.go, as read in
 * the stored provider source):
 * - normal -> failedOver: the secondary keeps the replication of the old
 *   writer. Its copies are the history from before the failover, the only
 *   restorable copy of it while us-east-2 is down. Destroying it would call
 *   StopDBInstanceAutomatedBackupsReplication and then WAIT in the SOURCE
 *   region (resourceInstanceAutomatedBackupsReplicationDelete:
 *   waitDBInstanceAutomatedBackupDeleted with `o.Region =
 *   sourceDatabaseARN.Region`), the region that is down: the failover deploy
 *   of `secondary` would hang for the 75-minute delete timeout. Keeping it
 *   plans no change (every argument is ForceNew and none moves), and its
 *   refresh reads only the destination region (DescribeDBInstanceAutomatedBackups).
 *   The promoted writer's own automated backups are in us-west-1 only until
 *   failback: us-east-2 is down, nothing can be replicated there.
 * - failedOver -> failback: the primary stack (rebuilt as a replica) starts
 *   replicating the promoted writer's backups into us-east-2 with the
 *   us-east-2 key. The secondary stops declaring the replication of the old
 *   g<p-1> writer, which the primary's failback deploy deletes (with its final
 *   snapshot). A deleted source leaves its replicated backups RETAINED in the
 *   destination region ("Replicated backups are retained, subject to the
 *   backup retention period set when they were created", RDS User Guide,
 *   "Stopping automated backup replication"); the provider reads a RETAINED
 *   backup as gone (findDBInstanceAutomatedBackupByARN) and drops it from
 *   state, and its delete returns at once on DBInstanceNotFound: no copy is
 *   destroyed by Terraform, and no Start is ever sent for a deleted source
 *   (a declaration that outlived its source would re-create it on the next
 *   plan and fail).
 * - failback -> normal (both generations bumped): the primary stops the
 *   replication of the secondary's old writer (Stop in us-east-2, then a wait
 *   in us-west-1, which is up: that deploy runs with both regions answering),
 *   its copies RETAINED in us-east-2 for their retention; the secondary
 *   replicates the primary's new writer g<p> under a new address.
 *
 * The construct id carries the source writer's generation
 * (`BackupReplica`, `BackupReplicaG2`, ...), like the instances (generationId):
 * a new source is a new resource, never an in-place change of
 * source_db_instance_arn (ForceNew).
 *
 * What is lost: nothing at a transition (the copies made so far are kept
 * as retained automated backups until their retention ends, and can be
 * restored to a point in time: RestoreDBInstanceToPointInTime,
 * SourceDBInstanceAutomatedBackupsArn). What is NOT protected: from the
 * failover until the failback deploy of `primary`, the writer's backups
 * live in us-west-1 only. Changing backups.crossRegion.retentionDays
 * replaces the replication (retention_period is ForceNew): the old one's
 * copies are retained with their old retention, the new one starts from the
 * writer's next backup.
 */
export const BACKUP_REPLICATION: Readonly<Record<DrState, Readonly<Partial<Record<RegionRole, RegionRole>>>>> = {
  normal: { secondary: "primary" },
  failedOver: { secondary: "primary" },
  failback: { primary: "secondary" },
};

/** The region role whose Writer this role's stack replicates backups of, in a DR state (undefined: none). */
export function backupReplicationSource(state: DrState, role: RegionRole): RegionRole | undefined {
  return BACKUP_REPLICATION[state][role];
}

export interface BackupReplicaProps {
  /** ARN of the source Writer (the other region's), named from config. */
  readonly sourceDbInstanceArn: string;
  /** Generation of the source Writer: part of the construct id of the replication. */
  readonly sourceGeneration: number;
  /** This (the destination) region's customer key. */
  readonly kmsKeyArn: string;
  /** Days the replicated backups are kept (backups.crossRegion.retentionDays). */
  readonly retentionDays: number;
  /** SSM parameter (in this region) that tells `dr restore` what to restore from. */
  readonly parameterName: string;
  /** The source's region (recorded in the parameter). */
  readonly sourceRegion: string;
}

/**
 * The other region's Writer's automated backups, replicated into this
 * region (BACKUP_REPLICATION), and an SSM parameter in this region naming
 * them, readable while the other region is down.
 */
export class BackupReplica extends Construct {
  /** The replication (its id is the replicated automated backups' ARN). */
  readonly replication: DbInstanceAutomatedBackupsReplication;
  /** The parameter's name. */
  readonly parameterName: string;

  constructor(scope: Construct, id: string, props: BackupReplicaProps) {
    super(scope, id);
    this.replication = new DbInstanceAutomatedBackupsReplication(this, generationId("Replication", props.sourceGeneration), {
      sourceDbInstanceArn: props.sourceDbInstanceArn,
      kmsKeyId: props.kmsKeyArn,
      retentionPeriod: props.retentionDays,
    });
    this.parameterName = props.parameterName;
    new SsmParameter(this, "Parameter", {
      name: props.parameterName,
      type: "String",
      description: "Replicated automated backups of the other region's writer in this region (read by dr restore)",
      value: Fn.jsonencode({
        automatedBackupsArn: this.replication.id,
        sourceDbInstanceArn: props.sourceDbInstanceArn,
        sourceRegion: props.sourceRegion,
        kmsKeyArn: props.kmsKeyArn,
        retentionDays: props.retentionDays,
      }),
    });
  }
}

/** Name of the parameter a region's stack publishes about the replicated backups it holds, e.g. /drweb-prod/dr/db/backup-replica (in that region). */
export function backupReplicaParameter(base: string): string {
  return `/${base}/dr/db/backup-replica`;
}
