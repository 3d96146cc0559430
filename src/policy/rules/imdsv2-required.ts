import { block } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

export const imdsv2Required: ResourceRule = {
  kind: "resource",
  id: "imdsv2-required",
  description: "Instances require IMDSv2 (session tokens) for the instance metadata service",
  fix: "set metadata_options.http_tokens = \"required\" (and a hop limit of 1 unless containers need more)",
  resourceTypes: ["aws_launch_template", "aws_instance"],
  check(r) {
    const m = block(r.config.metadata_options);
    if (!m || m.http_tokens !== "required") return fail(`http_tokens is ${m?.http_tokens ?? "unset (IMDSv1 allowed)"}`);
    return COMPLIANT;
  },
};
