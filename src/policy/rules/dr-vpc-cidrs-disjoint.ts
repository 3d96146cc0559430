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
    const vpcs = ctx.resources("aws_vpc").map((v) => {
      const c = isLiteral(v.config.cidr_block) ? parseCidr(v.config.cidr_block) : undefined;
      return { v, cidr: c && typeof c !== "string" ? c : undefined };
    });
    return vpcs.map(({ v, cidr }) => {
      if (!cidr) return { resource: v, verdict: fail(`cidr_block ${v.config.cidr_block} is not a literal CIDR`) };
      const clash = vpcs.find((o) => o.v !== v && o.cidr && overlaps(cidr, o.cidr));
      return { resource: v, verdict: clash ? fail(`${v.config.cidr_block} overlaps ${clash.v.config.cidr_block} (${clash.v.stack})`) : COMPLIANT };
    });
  },
};
