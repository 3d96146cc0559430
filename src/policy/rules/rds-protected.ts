import { isLiteral, isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Automated backups kept at least a day. */
const BACKED_UP = (c: Record<string, any>) => typeof c.backup_retention_period === "number" && c.backup_retention_period >= 1;
/** A final snapshot is taken on delete. */
const FINAL_SNAPSHOT = (c: Record<string, any>) => !isTrue(c.skip_final_snapshot) && !!c.final_snapshot_identifier;

/**
 * RDS: private; deletion-protected (a writer holds the data, a replica the
 * DR copy or the read capacity); a final snapshot on delete exactly where RDS
 * allows one; backups where RDS allows them.
 *
 * Final snapshots: RDS refuses one for a read replica (DeleteDBInstance,
 * SkipFinalSnapshot: "If you delete a read replica ..., you must enable this
 * setting"; FinalDBSnapshotIdentifier: "Can't be specified when deleting a
 * read replica":
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html;
 * hashicorp/terraform-provider-aws#4276). A replica that asks for one can
 * never be destroyed (the failback's generation rebuild would stop at it), so
 * a replica must skip it and a standalone writer (source or promoted) must
 * keep it: what protects its data after a delete.
 *
 * Aurora: the cluster holds the data (deletion protection, backups, a final
 * snapshot: DeleteDBCluster takes FinalDBSnapshotIdentifier whenever
 * SkipFinalSnapshot is false,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html);
 * its instances are private; the global cluster is deletion-protected.
 */
export const rdsProtected: ResourceRule = {
  kind: "resource",
  id: "rds-protected",
  description:
    "RDS instances are not public and are deletion-protected; a standalone writer keeps a final snapshot on delete, a read replica skips it (RDS refuses one); writers and cross-region replicas retain backups. Aurora clusters are deletion-protected with backups and a final snapshot, their instances private, global clusters deletion-protected",
  fix:
    "set publicly_accessible = false, deletion_protection = true; on a writer skip_final_snapshot = false with a final_snapshot_identifier, on a read replica (replicate_source_db set) skip_final_snapshot = true and no final_snapshot_identifier (src/database/database-tier.ts finalSnapshot); backup_retention_period >= 1 (database.backupRetentionDays); an Aurora cluster: deletion_protection, backup_retention_period >= 1, skip_final_snapshot = false with a final_snapshot_identifier",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster"],
  check(r, ctx) {
    const c = r.config;
    if (isTrue(c.publicly_accessible)) return fail("publicly accessible");
    if (r.type === "aws_rds_cluster_instance") return COMPLIANT; // its cluster holds the data and the protection
    if (!isTrue(c.deletion_protection)) return fail("deletion protection is off");
    if (r.type === "aws_rds_global_cluster") return COMPLIANT;
    if (r.type === "aws_rds_cluster") {
      if (!FINAL_SNAPSHOT(c)) return fail("an Aurora cluster without a final snapshot on delete (skip_final_snapshot = false and a final_snapshot_identifier)");
      return BACKED_UP(c) ? COMPLIANT : fail("automated backups are off");
    }
    const replica = c.replicate_source_db !== undefined && c.replicate_source_db !== null && c.replicate_source_db !== "";
    if (replica) {
      if (!isTrue(c.skip_final_snapshot)) return fail("a read replica with skip_final_snapshot = false: RDS refuses a final snapshot of a read replica, so it could never be destroyed");
      if (c.final_snapshot_identifier) return fail("final_snapshot_identifier on a read replica: RDS refuses it on delete (DeleteDBInstance)");
    } else if (!FINAL_SNAPSHOT(c)) {
      return fail("a standalone writer without a final snapshot on delete");
    }
    // In-region readers (a replica of a writer in the same stack) cannot keep
    // automated backups on RDS for PostgreSQL; writers and the cross-region
    // promotable replica must.
    const source = ctx.deref(r.stack, c.replicate_source_db);
    const inRegionReader = source?.type === "aws_db_instance" && !isLiteral(c.replicate_source_db);
    if (!inRegionReader && !BACKED_UP(c)) return fail("automated backups are off");
    return COMPLIANT;
  },
};
