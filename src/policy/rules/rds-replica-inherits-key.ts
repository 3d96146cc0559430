import { replicaSource } from "../context";
import { COMPLIANT, fail, NOT_APPLICABLE, type ResourceRule } from "../types";

/**
 * A read replica in the same region as its source declares no kms_key_id.
 * CreateDBInstanceReadReplica, KmsKeyId: "If you create an encrypted read
 * replica in the same AWS Region as the source DB instance or Multi-AZ DB
 * cluster, don't specify a value for this parameter. A read replica in the
 * same AWS Region is always encrypted with the same KMS key as the source DB
 * instance or cluster"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html).
 * hashicorp/aws passes kms_key_id through to that call whenever it is set
 * (internal/service/rds/instance.go, resourceInstanceCreate, the
 * replicate_source_db branch: `if v, ok := d.GetOk("kms_key_id"); ok {
 * input.KmsKeyId = ... }`, as read in the stored provider source), and RDS
 * has been reported refusing it
 * ("InvalidParameterCombination: Your request does not require the KMS key
 * parameter", issue 23): the first deploy would stop at the reader, before
 * the web tier. `validate` and `plan` cannot see it. The replica's
 * encryption is its source's, which rds-encrypted-cmk checks.
 */
export const rdsReplicaInheritsKey: ResourceRule = {
  kind: "resource",
  id: "rds-replica-inherits-key",
  description: "A same-region RDS read replica declares no kms_key_id (RDS encrypts it with its source's key and CreateDBInstanceReadReplica takes no KmsKeyId for it); a cross-region replica names a key of its own region",
  fix: "remove kms_key_id from the same-region read replica (src/database/database-tier.ts readers); keep it on the writer and on a cross-region replica",
  resourceTypes: ["aws_db_instance"],
  check(r, ctx) {
    const src = replicaSource(ctx, r);
    if (src.kind !== "same-region") return NOT_APPLICABLE;
    const key = r.config.kms_key_id;
    if (key !== undefined && key !== null && key !== "") {
      return fail(`kms_key_id is set on a read replica of a source in its own region (${ctx.regionOf(r)}): CreateDBInstanceReadReplica refuses a KmsKeyId there; the replica is encrypted with its source's key`);
    }
    return COMPLIANT;
  },
};
