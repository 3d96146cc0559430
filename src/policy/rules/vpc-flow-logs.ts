import { COMPLIANT, fail, type ResourceRule } from "../types";

export const vpcFlowLogs: ResourceRule = {
  kind: "resource",
  id: "vpc-flow-logs",
  description: "Every VPC has flow logs",
  fix: "add an aws_flow_log for the VPC (the Network construct does)",
  resourceTypes: ["aws_vpc"],
  check(r, ctx) {
    const has = ctx.resources("aws_flow_log", r.stack).some((f) => ctx.deref(r.stack, f.config.vpc_id)?.address === r.address);
    return has ? COMPLIANT : fail("no flow log");
  },
};
