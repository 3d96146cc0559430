import { isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

export const kmsRotation: ResourceRule = {
  kind: "resource",
  id: "kms-rotation",
  description: "Customer-managed KMS keys rotate automatically",
  fix: "set enable_key_rotation = true",
  resourceTypes: ["aws_kms_key"],
  check: (r) => (isTrue(r.config.enable_key_rotation) ? COMPLIANT : fail("key rotation is off")),
};
