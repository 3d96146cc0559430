import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Every security group and rule says why it exists. */
export const sgDescribed: ResourceRule = {
  kind: "resource",
  id: "sg-described",
  description: "Every security group and security-group rule has a description",
  fix: "set description to why the group or rule exists (what may talk to what)",
  resourceTypes: ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_security_group_rule"],
  check(r) {
    const d = r.config.description;
    if (typeof d !== "string" || d.trim().length < 4 || d === "Managed by Terraform") return fail("no description");
    for (const inline of [...(r.config.ingress ?? []), ...(r.config.egress ?? [])] as any[]) {
      if (typeof inline.description !== "string" || inline.description.trim().length < 4) return fail("an inline rule has no description");
    }
    return COMPLIANT;
  },
};
