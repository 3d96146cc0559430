import type { PolicyContext, ResourceView } from "../types";
import { COMPLIANT, fail, type ResourceRule } from "../types";

const OPEN = (v: unknown) => v === "0.0.0.0/0" || v === "::/0";

/** Security groups attached to a load balancer in the same stack. */
function isLoadBalancerGroup(ctx: PolicyContext, stack: string, sgRef: unknown): boolean {
  const sg = ctx.deref(stack, sgRef);
  if (!sg) return false;
  return ctx.resources("aws_lb", stack).some((lb) => ((lb.config.security_groups ?? []) as string[]).some((ref) => ctx.deref(stack, ref)?.address === sg.address));
}

function checkOpenRule(ctx: PolicyContext, r: ResourceView, sgRef: unknown, from: unknown, to: unknown) {
  if (!isLoadBalancerGroup(ctx, r.stack, sgRef)) return fail(`opens ports ${from}-${to} to the internet on a group that is not a load balancer's`);
  if (from !== to || (from !== 80 && from !== 443)) return fail(`opens ports ${from}-${to} to the internet; a load balancer may open only 80 and 443`);
  return COMPLIANT;
}

/** Nothing is reachable from the internet but the load balancer's listeners. */
export const sgInternetIngress: ResourceRule = {
  kind: "resource",
  id: "sg-internet-ingress",
  description: "No security group admits the internet (0.0.0.0/0, ::/0) except a load balancer's on 80/443",
  fix: "admit a narrower CIDR, a prefix list or a security group; keep 0.0.0.0/0 only on the ALB listener ports",
  resourceTypes: ["aws_vpc_security_group_ingress_rule", "aws_security_group_rule", "aws_security_group"],
  check(r, ctx) {
    if (r.type === "aws_vpc_security_group_ingress_rule") {
      if (!OPEN(r.config.cidr_ipv4) && !OPEN(r.config.cidr_ipv6)) return COMPLIANT;
      if (r.config.ip_protocol === "-1") return fail("opens every protocol and port to the internet");
      return checkOpenRule(ctx, r, r.config.security_group_id, r.config.from_port, r.config.to_port);
    }
    if (r.type === "aws_security_group_rule") {
      const open = r.config.type === "ingress" && [...(r.config.cidr_blocks ?? []), ...(r.config.ipv6_cidr_blocks ?? [])].some(OPEN);
      return open ? checkOpenRule(ctx, r, r.config.security_group_id, r.config.from_port, r.config.to_port) : COMPLIANT;
    }
    for (const rule of (r.config.ingress ?? []) as any[]) {
      if ([...(rule.cidr_blocks ?? []), ...(rule.ipv6_cidr_blocks ?? [])].some(OPEN)) {
        const v = checkOpenRule(ctx, r, `\${aws_security_group.${r.name}.id}`, rule.from_port, rule.to_port);
        if (v.status !== "compliant") return v;
      }
    }
    return COMPLIANT;
  },
};
