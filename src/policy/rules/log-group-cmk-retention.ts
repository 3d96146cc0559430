import { isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** CloudWatch log groups: customer key and a finite retention. */
export const logGroupCmkRetention: ResourceRule = {
  kind: "resource",
  id: "log-group-cmk-retention",
  description: "CloudWatch log groups are encrypted with a customer-managed key and have a retention period",
  fix: "set kms_key_id to the region's key and retention_in_days to a CloudWatch retention period",
  resourceTypes: ["aws_cloudwatch_log_group"],
  check(r, ctx) {
    if (!isCustomerKey(ctx, r.stack, r.config.kms_key_id)) return fail("no customer-managed key (kms_key_id)");
    if (!(typeof r.config.retention_in_days === "number" && r.config.retention_in_days > 0)) return fail("no retention: logs are kept forever");
    return COMPLIANT;
  },
};
