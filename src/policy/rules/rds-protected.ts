import { isLiteral, isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

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
 */
export const rdsProtected: ResourceRule = {
  kind: "resource",
  id: "rds-protected",
  description:
    "RDS instances are not public and are deletion-protected; a standalone writer keeps a final snapshot on delete, a read replica skips it (RDS refuses one); writers and cross-region replicas retain backups",
  fix:
    "set publicly_accessible = false, deletion_protection = true; on a writer skip_final_snapshot = false with a final_snapshot_identifier, on a read replica (replicate_source_db set) skip_final_snapshot = true and no final_snapshot_identifier (src/database/database-tier.ts finalSnapshot); backup_retention_period >= 1 (database.backupRetentionDays)",
  resourceTypes: ["aws_db_instance"],
  check(r, ctx) {
    const c = r.config;
    if (isTrue(c.publicly_accessible)) return fail("publicly accessible");
    if (!isTrue(c.deletion_protection)) return fail("deletion protection is off");
    const replica = c.replicate_source_db !== undefined && c.replicate_source_db !== null && c.replicate_source_db !== "";
    if (replica) {
      if (!isTrue(c.skip_final_snapshot)) return fail("a read replica with skip_final_snapshot = false: RDS refuses a final snapshot of a read replica, so it could never be destroyed");
      if (c.final_snapshot_identifier) return fail("final_snapshot_identifier on a read replica: RDS refuses it on delete (DeleteDBInstance)");
    } else if (isTrue(c.skip_final_snapshot) || !c.final_snapshot_identifier) {
      return fail("a standalone writer without a final snapshot on delete");
    }
    // In-region readers (a replica of a writer in the same stack) cannot keep
    // automated backups on RDS for PostgreSQL; writers and the cross-region
    // promotable replica must.
    const source = ctx.deref(r.stack, c.replicate_source_db);
    const inRegionReader = source?.type === "aws_db_instance" && !isLiteral(c.replicate_source_db);
    if (!inRegionReader && !(typeof c.backup_retention_period === "number" && c.backup_retention_period >= 1)) return fail("automated backups are off");
    return COMPLIANT;
  },
};
