import { formatCidr, mustParseCidr, subnet } from "../lib/cidr";

/** Subnet tiers, in allocation order. */
export type SubnetTier = "public" | "privateApp" | "privateData";
export const TIERS: readonly SubnetTier[] = ["public", "privateApp", "privateData"];

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
  return TIERS.flatMap((tier, t) =>
    azs.map((az, i) => ({ tier, az, cidr: formatCidr(subnet(vpc, newBits, t * slotsPerTier + i)) })),
  );
}
