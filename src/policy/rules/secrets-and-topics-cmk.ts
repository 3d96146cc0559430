import { isCustomerKey } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

const KEY_ATTRIBUTE: Record<string, string> = { aws_secretsmanager_secret: "kms_key_id", aws_sns_topic: "kms_master_key_id" };

/** Secrets Manager secrets and SNS topics encrypted with a customer key. */
export const secretsAndTopicsCmk: ResourceRule = {
  kind: "resource",
  id: "secrets-topics-cmk",
  description: "Secrets Manager secrets (and their replicas) and SNS topics use customer-managed keys",
  fix: "set kms_key_id (secrets, and replica[].kms_key_id) or kms_master_key_id (topics) to a key of this project",
  resourceTypes: Object.keys(KEY_ATTRIBUTE),
  check(r, ctx) {
    if (!isCustomerKey(ctx, r.stack, r.config[KEY_ATTRIBUTE[r.type]])) return fail(`no customer-managed key (${KEY_ATTRIBUTE[r.type]})`);
    for (const replica of (r.config.replica ?? []) as any[]) {
      if (!isCustomerKey(ctx, r.stack, replica.kms_key_id)) return fail(`the replica in ${replica.region} has no customer-managed key`);
    }
    return COMPLIANT;
  },
};
