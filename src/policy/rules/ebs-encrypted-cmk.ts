import { block, isTrue, isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** EBS volumes (launch templates of the web fleet and the EKS nodes) encrypted with a customer key. */
export const ebsEncryptedCmk: ResourceRule = {
  kind: "resource",
  id: "ebs-encrypted-cmk",
  description: "EBS volumes are encrypted with a customer-managed KMS key",
  fix: "set block_device_mappings[].ebs.encrypted = true and kms_key_id = the region's key",
  resourceTypes: ["aws_launch_template", "aws_ebs_volume"],
  check(r, ctx) {
    const volumes = r.type === "aws_ebs_volume" ? [r.config] : ((r.config.block_device_mappings ?? []) as any[]).map((m) => block(m.ebs) ?? {});
    if (r.type === "aws_launch_template" && volumes.length === 0) return fail("declares no block device mapping, so volumes get the AMI's default (unencrypted or AWS-managed key)");
    for (const v of volumes) {
      if (!isTrue(v.encrypted)) return fail("a volume is not encrypted");
      if (!isCustomerKey(ctx, r.stack, v.kms_key_id)) return fail("a volume has no customer-managed key (kms_key_id)");
    }
    return COMPLIANT;
  },
};
