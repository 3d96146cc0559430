import { overlaps, parseCidr } from "../../lib/cidr";
import { isLiteral } from "../context";
import type { AppRule } from "../types";
import { COMPLIANT, fail } from "../types";

/** DR: the regions' VPCs never overlap (peering, VPN and failover routing need distinct ranges). */
export const drVpcCidrsDisjoint: AppRule = {
  kind: "app",
  id: "dr-vpc-cidrs-disjoint",
  description: "VPC CIDR blocks do not overlap between the regions",
  fix: "give each region a disjoint block (regions.<role>.vpcCidr)",
  check(ctx) {
    const vpcs = ctx.resources("aws_vpc");
    return vpcs.map((v) => {
      const mine = isLiteral(v.config.cidr_block) ? parseCidr(v.config.cidr_block) : undefined;
      if (!mine || typeof mine === "string") return { resource: v, verdict: fail(`cidr_block ${v.config.cidr_block} is not a literal CIDR`) };
      const clash = vpcs.find((o) => o !== v && isLiteral(o.config.cidr_block) && (() => {
        const c = parseCidr(o.config.cidr_block);
        return typeof c !== "string" && overlaps(mine, c);
      })());
      return { resource: v, verdict: clash ? fail(`${v.config.cidr_block} overlaps ${clash.config.cidr_block} (${clash.stack})`) : COMPLIANT };
    });
  },
};
