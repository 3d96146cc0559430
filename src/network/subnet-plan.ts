import { formatCidr, mustParseCidr, subnet } from "../lib/cidr";

import { SUBNET_TIERS } from "../config/sections/network";

/** Subnet tiers, in allocation order (the config's list, so its fit check and the plan agree). */
export type SubnetTier = (typeof SUBNET_TIERS)[number];

export interface PlannedSubnet {
  readonly tier: SubnetTier;
  readonly az: string;
  readonly cidr: string;
}

/**
 * Deterministic subnet plan: tier t, AZ i gets block number
 * t * slotsPerTier + i of the VPC split by newBits. Slots are reserved per
 * tier so appending an AZ later never moves an existing subnet.
 */
export function planSubnets(vpcCidr: string, azs: readonly string[], newBits: number, slotsPerTier: number): PlannedSubnet[] {
  const vpc = mustParseCidr(vpcCidr);
  if (azs.length > slotsPerTier) throw new Error(`${azs.length} AZs exceed ${slotsPerTier} slots per tier`);
  return SUBNET_TIERS.flatMap((tier, t) =>
    azs.map((az, i) => ({ tier, az, cidr: formatCidr(subnet(vpc, newBits, t * slotsPerTier + i)) })),
  );
}
