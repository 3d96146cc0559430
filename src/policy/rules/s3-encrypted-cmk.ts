import { block, isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** S3 buckets: default encryption with a customer key. */
export const s3EncryptedCmk: ResourceRule = {
  kind: "resource",
  id: "s3-encrypted-cmk",
  description: "S3 buckets encrypt by default with a customer-managed KMS key",
  fix: "add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms and the region's key",
  resourceTypes: ["aws_s3_bucket"],
  check(r, ctx) {
    const sse = ctx.resources("aws_s3_bucket_server_side_encryption_configuration", r.stack).find((c) => ctx.deref(r.stack, c.config.bucket)?.address === r.address);
    if (!sse) return fail("no default encryption configuration");
    const rule = block(block(sse.config.rule)?.apply_server_side_encryption_by_default) ?? {};
    if (rule.sse_algorithm !== "aws:kms" && rule.sse_algorithm !== "aws:kms:dsse") return fail(`default encryption is ${rule.sse_algorithm ?? "unset"}, not a customer-managed KMS key`);
    if (!isCustomerKey(ctx, r.stack, rule.kms_master_key_id)) return fail("default encryption uses the AWS-managed key, not a customer-managed one");
    return COMPLIANT;
  },
};
