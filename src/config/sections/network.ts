/**
 * The config's regions, network and kms sections (src/config/base-schema.ts
 * composes the sections; their checks are in src/config/checks/).
 */
import { z } from "zod";
import { count } from "./fields";

/** The two regional roles of the DR design. */
export const REGION_ROLES = ["primary", "secondary"] as const;
export type RegionRole = (typeof REGION_ROLES)[number];

export const regionSchema = z.strictObject({
  /** AWS region name, e.g. us-east-2. */
  region: z.string(),
  /**
   * AZ names in that region; subnets are created in every one. At least 2; checked against the region at synth time
   * and against the account's available AZs at plan time. Append new AZs at the end: the subnet plan reserves
   * network.subnetSlotsPerTier slots per tier, so an existing subnet never moves.
   */
  availabilityZones: z.array(z.string()),
  /** VPC CIDR block; must not overlap the other region's. */
  vpcCidr: z.string(),
  /**
   * An existing ACM certificate ARN (in this region) for the ALB's HTTPS listener, used instead of the one the
   * stack creates for dns.domainName; HTTPS (TLS 1.3 policy) + HTTP->HTTPS redirect either way. Without one and
   * without dns.enabled the ALB serves plain HTTP only.
   */
  certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, { message: "must be an ACM certificate ARN. Fix: e.g. arn:aws:acm:us-east-2:123456789012:certificate/<id>" }).optional(),
  /**
   * This region cannot be reached (an outage): the other region's stack is
   * synthesized to neither read nor write anything here, so it can still be
   * planned and deployed (with -refresh=false; docs/deploy-and-state.md "Deploying the primary
   * while the secondary region is down"). Only the secondary region takes
   * it: nothing
   * the failover deploys reaches the primary region. Refused on regions.primary, outside database.drState
   * "normal", and with backend.primaryBucket in the secondary region.
   * @default - false (secondary); absent (primary)
   */
  unreachable: z.boolean().optional(),
});
export type RegionConfig = z.infer<typeof regionSchema>;

/** Tiers of the subnet plan, in allocation order. */
export const SUBNET_TIERS = ["public", "privateApp", "privateData"] as const;

export const networkSchema = z.strictObject({
  /** Bits added to the VPC prefix for each subnet (/16 + 4 = /20). */
  subnetNewBits: z.number().int().min(1).max(12),
  /** Subnet slots reserved per tier (public, private-app, private-data); the AZ count must fit. */
  subnetSlotsPerTier: count(),
  /** "perAz": a NAT gateway per AZ (AZ-independent egress); "single": one NAT gateway to save cost. */
  natGateways: z.enum(["perAz", "single"]),
  flowLogs: z.strictObject({
    /** Days the VPC flow logs are kept: a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, ... 3653). */
    retentionDays: z.number().int(),
    /** Traffic the VPC flow logs record: ALL, ACCEPT or REJECT. */
    trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]),
  }),
});

export const kmsSchema = z.strictObject({
  /** Waiting period before a scheduled key deletion (7..30 days). */
  deletionWindowDays: z.number().int().min(7).max(30),
});
