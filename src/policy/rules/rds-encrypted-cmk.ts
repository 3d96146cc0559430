import { isTrue, regionKeyProblem, replicaSource } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** What each type stores, and whether it takes a key of its own (a global cluster's members bring theirs). */
const STORAGE: Record<string, { noun: string; storage: boolean; keyed: boolean }> = {
  aws_db_instance: { noun: "instance", storage: true, keyed: true },
  aws_rds_cluster: { noun: "cluster", storage: true, keyed: true },
  // Aurora instances keep no storage (the cluster volume is the cluster's):
  // only their Performance Insights data is theirs to encrypt.
  aws_rds_cluster_instance: { noun: "instance", storage: false, keyed: false },
  // No key argument (CreateGlobalCluster has StorageEncrypted, no KMS key:
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html);
  // each member cluster names a key of its own region.
  aws_rds_global_cluster: { noun: "global cluster", storage: true, keyed: false },
};

/**
 * RDS and Aurora storage and Performance Insights encrypted with a customer
 * key of the resource's own region (RDS and Aurora take a KMS key of the
 * region the storage is in; a global database's secondary cluster names its
 * own region's key:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html).
 *
 * A read replica in its source's region names no key: RDS encrypts it with
 * the source's key ("A read replica in the same AWS Region is always
 * encrypted with the same KMS key as the source DB instance",
 * CreateDBInstanceReadReplica KmsKeyId,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html;
 * rds-replica-inherits-key refuses the argument). Its encryption is judged
 * on its source, which must be declared in the app and encrypted with a
 * customer key of that region; a cross-region replica names its own
 * region's key like any other instance.
 */
export const rdsEncryptedCmk: ResourceRule = {
  kind: "resource",
  id: "rds-encrypted-cmk",
  description: "RDS instances, Aurora clusters and their instances, and global clusters are encrypted with a customer-managed key of their own region",
  fix: "set storage_encrypted = true and kms_key_id (and performance_insights_kms_key_id) to the region's key (on a same-region read replica: none, its source's key applies, so the source must have it); a global cluster sets storage_encrypted = true",
  resourceTypes: Object.keys(STORAGE),
  check(r, ctx) {
    const t = STORAGE[r.type];
    if (t.storage && !isTrue(r.config.storage_encrypted)) return fail("storage_encrypted is not true");
    const src = r.type === "aws_db_instance" ? replicaSource(ctx, r) : undefined;
    if (src?.kind === "same-region") {
      // Encrypted with its source's key: the source must carry the region's key.
      const s = src.source;
      if (!s) return fail(`a read replica of ${r.config.replicate_source_db}, a source in its own region that the app does not declare: its encryption (the source's key) cannot be checked`);
      if (!isTrue(s.config.storage_encrypted)) return fail(`a read replica of ${s.config.identifier}, whose storage is not encrypted (a same-region replica has its source's encryption)`);
      const problem = regionKeyProblem(ctx, s, s.config.kms_key_id, t.noun);
      if (problem) return fail(`a read replica of ${s.config.identifier}, whose kms_key_id is ${problem.startsWith("the key") ? `not its region's: ${problem}` : problem} (a same-region replica has its source's key)`);
    } else if (t.keyed) {
      const problem = regionKeyProblem(ctx, r, r.config.kms_key_id, t.noun);
      if (problem) return fail(problem.startsWith("the key") ? problem : `kms_key_id is ${problem}`);
    }
    if (isTrue(r.config.performance_insights_enabled)) {
      const problem = regionKeyProblem(ctx, r, r.config.performance_insights_kms_key_id, t.noun);
      if (problem) return fail(`Performance Insights is on without a customer-managed key of the ${t.noun}'s region (performance_insights_kms_key_id: ${problem})`);
    }
    return COMPLIANT;
  },
};
