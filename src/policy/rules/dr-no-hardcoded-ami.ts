import { COMPLIANT, fail, type ResourceRule } from "../types";

/**
 * DR: AMI ids differ per region; a hard-coded id breaks the other region.
 * Compliant: "resolve:ssm:<parameter>" (EC2 resolves the parameter in the
 * launching region at each launch; the web fleet's choice, so a deploy never
 * rolls the fleet for a newer AMI) or an expression resolved per region.
 */
export const drNoHardcodedAmi: ResourceRule = {
  kind: "resource",
  id: "dr-no-hardcoded-ami",
  description: "No hard-coded AMI ids: images are looked up per region",
  fix: "resolve the AMI in each region: image_id = \"resolve:ssm:<public parameter>\" (web.amiSsmParameter, resolved by EC2 at launch), or let EKS pick the node AMI",
  resourceTypes: ["aws_launch_template", "aws_instance"],
  check(r) {
    return typeof r.config.image_id === "string" && /^ami-[0-9a-f]+$/.test(r.config.image_id) ? fail(`image_id is the literal ${r.config.image_id}`) : COMPLIANT;
  },
};
