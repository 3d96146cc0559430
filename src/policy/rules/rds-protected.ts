import { isLiteral, isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** RDS: private, deletion-protected, final snapshot kept, backups on where RDS allows them. */
export const rdsProtected: ResourceRule = {
  kind: "resource",
  id: "rds-protected",
  description: "RDS instances are not public, are deletion-protected, keep a final snapshot, and retain backups (writers and promotable replicas)",
  fix: "set publicly_accessible = false, deletion_protection = true, skip_final_snapshot = false with a final_snapshot_identifier, backup_retention_period >= 1 (database.backupRetentionDays)",
  resourceTypes: ["aws_db_instance"],
  check(r, ctx) {
    const c = r.config;
    if (isTrue(c.publicly_accessible)) return fail("publicly accessible");
    if (!isTrue(c.deletion_protection)) return fail("deletion protection is off");
    if (isTrue(c.skip_final_snapshot) || !c.final_snapshot_identifier) return fail("no final snapshot on delete");
    // In-region readers (a replica of a writer in the same stack) cannot keep
    // automated backups on RDS for PostgreSQL; writers and the cross-region
    // promotable replica must.
    const source = ctx.deref(r.stack, c.replicate_source_db);
    const inRegionReader = source?.type === "aws_db_instance" && !isLiteral(c.replicate_source_db);
    if (!inRegionReader && !(typeof c.backup_retention_period === "number" && c.backup_retention_period >= 1)) return fail("automated backups are off");
    return COMPLIANT;
  },
};
