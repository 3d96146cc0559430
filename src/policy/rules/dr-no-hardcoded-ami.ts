import { COMPLIANT, fail, type ResourceRule } from "../types";

/** DR: AMI ids differ per region; a hard-coded id breaks the other region. */
export const drNoHardcodedAmi: ResourceRule = {
  kind: "resource",
  id: "dr-no-hardcoded-ami",
  description: "No hard-coded AMI ids: images are looked up per region",
  fix: "resolve the AMI in each region (web.amiSsmParameter through data aws_ssm_parameter, or let EKS pick the node AMI)",
  resourceTypes: ["aws_launch_template", "aws_instance"],
  check(r) {
    return typeof r.config.image_id === "string" && /^ami-[0-9a-f]+$/.test(r.config.image_id) ? fail(`image_id is the literal ${r.config.image_id}`) : COMPLIANT;
  },
};
