/**
 * Checks of the regions and network sections: regions and AZs, VPC blocks,
 * the subnet plan and an unreachable region.
 */
import { type Cidr, formatCidr, overlaps, parseCidr, sizeOf } from "../../lib/cidr";
import type { CheckedConfig } from "../base-schema";
import { KNOWN_REGION_AZ_LETTERS, KNOWN_REGIONS } from "../regions";
import { REGION_ROLES, type RegionRole, SUBNET_TIERS } from "../sections/network";
import { crossIssue, type Ctx, type FieldPath } from "./issues";

/**
 * A block of `prefix` size that overlaps none of `taken`: the first free one
 * after the blocks in use, inside the private range of the first (10/8,
 * 172.16/12 or 192.168/16), or undefined.
 */
export function freeBlock(taken: readonly Cidr[], prefix: number): Cidr | undefined {
  const ranges = [parseCidr("10.0.0.0/8"), parseCidr("172.16.0.0/12"), parseCidr("192.168.0.0/16")].filter((r): r is Cidr => typeof r !== "string");
  const home = ranges.find((r) => taken.length > 0 && overlaps(r, taken[0]));
  const size = 2 ** (32 - prefix);
  for (const range of home ? [home, ...ranges.filter((r) => r !== home)] : ranges) {
    if (range.prefix > prefix) continue;
    const start = Math.max(range.base, ...taken.filter((t) => overlaps(t, range)).map((t) => t.base));
    const end = range.base + sizeOf(range);
    for (let base = Math.ceil(start / size) * size; base + size <= end; base += size) {
      const c = { base, prefix };
      if (!taken.some((t) => overlaps(t, c))) return c;
    }
  }
  return undefined;
}

export function checkRegions(cfg: CheckedConfig, ctx: Ctx): void {
  const parsed: Partial<Record<RegionRole, ReturnType<typeof parseCidr>>> = {};
  for (const role of REGION_ROLES) {
    const rc = cfg.regions[role];
    const letters = KNOWN_REGION_AZ_LETTERS[rc.region];
    if (!letters) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "region"],
        message: `unknown region "${rc.region}". Fix: use one of ${KNOWN_REGIONS.join(", ")}`,
      });
    } else {
      rc.availabilityZones.forEach((az, i) => {
        const ok = az.startsWith(rc.region) && letters.includes(az.slice(rc.region.length));
        if (!ok) {
          crossIssue(
            ctx,
            ["regions", role, "availabilityZones", i],
            `"${az}" is not an availability zone of ${rc.region}. Fix: use one of ${letters.map((l) => rc.region + l).join(", ")}`,
            [["regions", role, "region"]],
          );
        }
      });
    }
    if (rc.availabilityZones.length < 2) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        message: `${rc.availabilityZones.length} availability zone(s) given; the ALB, RDS Multi-AZ and EKS need at least 2. Fix: list 2 or more AZs of ${rc.region}`,
      });
    }
    const dup = rc.availabilityZones.find((az, i) => rc.availabilityZones.indexOf(az) !== i);
    if (dup) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        message: `"${dup}" is listed twice. Fix: list each AZ once`,
      });
    }
    const c = parseCidr(rc.vpcCidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["regions", role, "vpcCidr"], message: `${c}. Fix: give a network address such as 10.10.0.0/16` });
    } else if (c.prefix < 16 || c.prefix > 28) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "vpcCidr"],
        message: `a VPC block must be between /16 and /28, got /${c.prefix}. Fix: use e.g. ${formatCidr({ base: c.base, prefix: 16 })}`,
      });
    } else {
      parsed[role] = c;
    }
  }
  const p = parsed.primary;
  const s = parsed.secondary;
  if (p && s && typeof p !== "string" && typeof s !== "string" && overlaps(p, s)) {
    const P: FieldPath = ["regions", "primary", "vpcCidr"];
    const S: FieldPath = ["regions", "secondary", "vpcCidr"];
    const forS = freeBlock([p, s], s.prefix);
    const forP = freeBlock([s, p], p.prefix);
    const suggest = (field: string, c: Cidr | undefined) => (c ? `${field} to a free block such as ${formatCidr(c)}` : `${field} to a block outside the other`);
    crossIssue(
      ctx,
      S,
      `regions.primary.vpcCidr (${cfg.regions.primary.vpcCidr}) and regions.secondary.vpcCidr (${cfg.regions.secondary.vpcCidr}) overlap; the regions must not overlap (peering, VPN and failover routing need distinct ranges). Fix: change ${suggest("regions.secondary.vpcCidr", forS)}, or ${suggest("regions.primary.vpcCidr", forP)}`,
      [P, S],
      [P, S],
    );
  }
  if (cfg.regions.primary.region === cfg.regions.secondary.region) {
    crossIssue(
      ctx,
      ["regions", "secondary", "region"],
      `the secondary region equals the primary (${cfg.regions.primary.region}); a regional DR design needs two regions. Fix: choose another region, e.g. us-west-1`,
      [["regions", "primary", "region"]],
      [["regions", "primary", "region"], ["regions", "secondary", "region"]],
    );
  }
}

export function checkSubnetPlan(cfg: CheckedConfig, ctx: Ctx): void {
  const { subnetNewBits: bits, subnetSlotsPerTier: slots } = cfg.network;
  for (const role of REGION_ROLES) {
    const rc = cfg.regions[role];
    const c = parseCidr(rc.vpcCidr);
    if (typeof c === "string") continue;
    const needed = SUBNET_TIERS.length * slots;
    if (c.prefix + bits > 28) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "subnetNewBits"],
        params: { uses: [["regions", role, "vpcCidr"]] },
        message: `${rc.vpcCidr} (${role}) + ${bits} bits gives /${c.prefix + bits} subnets; AWS subnets can be at most /28. Fix: lower network.subnetNewBits to ${28 - c.prefix} or less`,
      });
    } else if (needed > 2 ** bits) {
      ctx.addIssue({
        code: "custom",
        path: ["network", "subnetSlotsPerTier"],
        params: { uses: [["regions", role, "vpcCidr"], ["network", "subnetNewBits"]] },
        message: `the subnet plan needs ${SUBNET_TIERS.length} tiers x ${slots} slots = ${needed} subnets of /${c.prefix + bits}, but ${rc.vpcCidr} (${role}) holds only ${2 ** bits} (${sizeOf(c)} addresses). Fix: raise network.subnetNewBits or lower network.subnetSlotsPerTier`,
      });
    }
    if (rc.availabilityZones.length > slots) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "availabilityZones"],
        params: { uses: [["network", "subnetSlotsPerTier"]] },
        message: `${rc.availabilityZones.length} AZs do not fit the ${slots} subnet slots per tier. Fix: raise network.subnetSlotsPerTier to ${rc.availabilityZones.length} or list fewer AZs`,
      });
    }
  }
}

/**
 * regions.<role>.unreachable (docs/deploy-and-state.md "Deploying the primary while the
 * secondary region is down"). Only the secondary region takes it, and only
 * while the primary is the writing region and keeps its state elsewhere:
 * - no stack needs a switch for the primary region: the secondary, dns,
 *   dns-zone and dns-alarms stacks have no provider, data source or state in
 *   it (a test checks the synthesized stacks), so its outage is the failover
 *   runbook's, not a deploy switch's;
 * - in failedOver the primary stack is not deployed (src/database/topology.ts),
 *   and in failback its database is rebuilt as a cross-region replica of the
 *   secondary's writer (CreateDBInstanceReadReplica copies from the source
 *   region), which cannot happen while that region is down.
 */
export function checkUnreachable(cfg: CheckedConfig, ctx: Ctx): void {
  if (cfg.regions.primary.unreachable) {
    ctx.addIssue({
      code: "custom",
      path: ["regions", "primary", "unreachable"],
      message:
        "no stack needs it: the secondary, dns, dns-zone and dns-alarms stacks never read or write the primary region (their providers and state are in the secondary region and us-east-1), so a primary-region outage is handled by the failover runbook (docs/dr-runbook.md), not by a deploy switch. Fix: remove regions.primary.unreachable",
    });
  }
  if (cfg.regions.secondary.unreachable && cfg.database.drState !== "normal") {
    crossIssue(
      ctx,
      ["regions", "secondary", "unreachable"],
      `the switch deploys the primary while it is the writing region (database.drState "normal"); in "${cfg.database.drState}" ${cfg.database.drState === "failedOver" ? "the primary stack is not deployed at all (the secondary holds the writer)" : "the primary's database is rebuilt as a replica of the secondary's writer, which needs the secondary region"}. Fix: remove regions.secondary.unreachable, or use it only in drState "normal"`,
      [["database", "drState"]],
    );
  }
  const b = cfg.backend;
  if (cfg.regions.secondary.unreachable && b.type === "s3" && b.primaryBucket.region === cfg.regions.secondary.region) {
    crossIssue(
      ctx,
      ["regions", "secondary", "unreachable"],
      `the primary stack's state is in backend.primaryBucket (${b.primaryBucket.bucket}), in ${b.primaryBucket.region}, the region marked unreachable: no plan of the primary can read it. Fix: keep the primary's state out of the secondary region (backend.primaryBucket in ${cfg.regions.primary.region}), or remove regions.secondary.unreachable`,
      [["backend", "primaryBucket", "region"]],
    );
  }
}
