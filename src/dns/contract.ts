import type { RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";

/**
 * What the regional stacks, the dns stack and the `dr` runbook agree on.
 * Everything is found by these names/tags, never by reading another stack's
 * state (the primary's state may be unreachable in the outage that matters).
 */

/** Tag key on every Route53 health check, value one of HEALTH_CHECK_ROLES. */
export const HEALTH_CHECK_TAG = "dr-health-check";

/**
 * The health checks of the dns stack:
 * - "primary": HTTPS on the primary ALB's readiness path;
 * - "secondary": the same on the secondary ALB (its record is not chosen while it is down);
 * - "primary-gate": CALCULATED over "primary"; this one is attached to the
 *   PRIMARY record. Its child threshold is 1 normally and (children + 1),
 *   i.e. never healthy, while dns.forceFailover is on.
 */
export const HEALTH_CHECK_ROLES = ["primary", "secondary", "primary-gate"] as const;
export type HealthCheckRole = (typeof HEALTH_CHECK_ROLES)[number];

/** Child-health threshold of the gate: normal vs forced failover. */
export function gateThreshold(forceFailover: boolean, children = 1): number {
  return forceFailover ? children + 1 : 1;
}

/**
 * Region where each regional stack publishes its ALB's DNS name and zone id
 * (SSM parameters) for the dns stack: the secondary region, so the dns stack
 * can be planned and applied while the primary region is down.
 */
export function handoffRegion(config: ValidConfig): string {
  return config.regions.secondary.region;
}

/** SSM parameter names of a region's ALB handoff. */
export function albHandoffParameters(config: ValidConfig, role: RegionRole): { dnsName: string; zoneId: string } {
  const base = `/${new Naming(config.project, config.environment, config.regions[role].region).base}/dr/${role}`;
  return { dnsName: `${base}/alb-dns-name`, zoneId: `${base}/alb-zone-id` };
}

/**
 * TTL (seconds) resolvers may cache an alias answer for an ALB: Route53
 * uses the ALB's own record TTL, which is 60 s.
 */
export const ALB_ALIAS_TTL_SECONDS = 60;

export interface FailoverBudget {
  /** Seconds until Route53 declares the primary unhealthy: interval x threshold. */
  readonly detectionSeconds: number;
  /** Seconds a resolver may keep answering with the primary ALB. */
  readonly ttlSeconds: number;
  /** Worst case from primary failure to clients on the secondary. */
  readonly totalSeconds: number;
}

/** The modelled worst-case DNS failover time for a config. */
export function failoverBudget(config: ValidConfig): FailoverBudget {
  const hc = config.dns.healthCheck;
  const detectionSeconds = hc.requestIntervalSeconds * hc.failureThreshold;
  return { detectionSeconds, ttlSeconds: ALB_ALIAS_TTL_SECONDS, totalSeconds: detectionSeconds + ALB_ALIAS_TTL_SECONDS };
}
