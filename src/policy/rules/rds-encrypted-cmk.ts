import { isTrue, isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** RDS storage and Performance Insights encrypted with a customer key of the instance's region. */
export const rdsEncryptedCmk: ResourceRule = {
  kind: "resource",
  id: "rds-encrypted-cmk",
  description: "RDS instances are encrypted with a customer-managed key of their own region",
  fix: "set storage_encrypted = true and kms_key_id (and performance_insights_kms_key_id) to the region's key",
  resourceTypes: ["aws_db_instance"],
  check(r, ctx) {
    if (!isTrue(r.config.storage_encrypted)) return fail("storage_encrypted is not true");
    const key = ctx.deref(r.stack, r.config.kms_key_id);
    if (key?.type !== "aws_kms_key") return fail("kms_key_id is not a customer-managed key of this stack");
    if (ctx.regionOf(key) !== ctx.regionOf(r)) return fail(`the key is in ${ctx.regionOf(key)}, the instance in ${ctx.regionOf(r)}`);
    if (isTrue(r.config.performance_insights_enabled) && !isCustomerKey(ctx, r.stack, r.config.performance_insights_kms_key_id)) {
      return fail("Performance Insights is on without a customer-managed key");
    }
    return COMPLIANT;
  },
};
