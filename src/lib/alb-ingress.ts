/**
 * How many inbound rules the ALB's security group holds, against the quota.
 *
 * - "Inbound or outbound rules per security group": 60 by default (Amazon VPC
 *   User Guide, "Amazon VPC quotas", Security groups; adjustable on request).
 * - A rule that references a prefix list counts as the list's MAXIMUM number
 *   of entries ("if you create a prefix list with 20 maximum entries and you
 *   reference that prefix list in a security group rule, this counts as 20
 *   security group rules", same page, Prefix lists), and AWS gives the
 *   com.amazonaws.<region>.route53-healthchecks list a weight of 25 (Amazon VPC
 *   User Guide, "AWS-managed prefix lists", AWS-managed prefix list weight).
 *
 * So each client CIDR costs one rule per listener port, and admitting the
 * Route53 health checkers costs 25: it is done on the one port they use
 * (HTTPS 443, src/dns/failover-records.ts), never on 80.
 */

/** Default quota of inbound rules per security group. */
export const SG_INBOUND_RULES_QUOTA = 60;
/** Weight of the AWS-managed route53-healthchecks prefix list. */
export const ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT = 25;
/** The port Route53's HTTPS health checks reach the ALB on. */
export const ROUTE53_HEALTH_CHECK_PORT = 443;

/** Listener ports the ALB opens: 80 (redirect) and 443 with a certificate, else 80 only. */
export function listenerPorts(hasCertificate: boolean): number[] {
  return hasCertificate ? [80, 443] : [80];
}

export interface AlbIngressPlan {
  readonly cidrs: number;
  readonly ports: readonly number[];
  readonly healthCheckers: boolean;
  /** Rules as the quota counts them. */
  readonly rules: number;
  /** The most CIDRs that fit with these ports and health checkers. */
  readonly maxCidrs: number;
}

/** What the ALB's group will hold for this many CIDRs. */
export function albIngressPlan(cidrCount: number, hasCertificate: boolean, healthCheckers: boolean): AlbIngressPlan {
  const ports = listenerPorts(hasCertificate);
  const fixed = healthCheckers ? ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT : 0;
  return {
    cidrs: cidrCount,
    ports,
    healthCheckers,
    rules: cidrCount * ports.length + fixed,
    maxCidrs: Math.floor((SG_INBOUND_RULES_QUOTA - fixed) / ports.length),
  };
}
