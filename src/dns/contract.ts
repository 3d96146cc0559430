import type { RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";

/**
 * What the regional stacks, the dns stacks and the `dr` runbook agree on.
 * Everything is found by these names/tags, never by reading another stack's
 * state (the primary's state may be unreachable in the outage that matters).
 */

/** Tag key on every Route53 health check, value one of HEALTH_CHECK_ROLES. */
export const HEALTH_CHECK_TAG = "dr-health-check";

/**
 * The health checks of the dns stack (FAILOVER_DESIGN says how they combine):
 * - "primary": HTTPS on the primary ALB's readiness path;
 * - "secondary": the same on the secondary ALB;
 * - "switch": follows the failover-switch alarm (failoverSwitch()): healthy
 *   while traffic follows health, unhealthy while failover is forced;
 * - "switch-forced": the same alarm, inverted: healthy while forced;
 * - "primary-gate": CALCULATED, "primary" AND "switch"; on the PRIMARY record;
 * - "secondary-gate": CALCULATED, "secondary" OR "switch-forced"; on the SECONDARY record.
 */
export const HEALTH_CHECK_ROLES = ["primary", "secondary", "switch", "switch-forced", "primary-gate", "secondary-gate"] as const;
export type HealthCheckRole = (typeof HEALTH_CHECK_ROLES)[number];

/** What one Route53 health check of the design is. */
export type HealthCheckSpec =
  /** HTTPS on a region's ALB (web.readinessPath). */
  | { readonly type: "ENDPOINT"; readonly endpoint: RegionRole; readonly inverted: boolean }
  /** Follows a CloudWatch alarm ("switch": the failover switch, failoverSwitch()). */
  | { readonly type: "CLOUDWATCH_METRIC"; readonly alarm: string; readonly insufficientData: "Healthy" | "Unhealthy" | "LastKnownStatus"; readonly inverted: boolean }
  /** Healthy while at least `threshold` of the children are healthy. */
  | { readonly type: "CALCULATED"; readonly children: readonly string[]; readonly threshold: number; readonly inverted: boolean };

export interface FailoverRecordSpec {
  readonly failover: "PRIMARY" | "SECONDARY";
  /** Whose ALB the alias points at. */
  readonly target: RegionRole;
  /** The health check on the record (none: always healthy). */
  readonly healthCheck?: string;
  /** Alias evaluate_target_health. */
  readonly evaluateTargetHealth: boolean;
}

/** A failover pair and its health checks, as Route53 sees them (src/dns/route53-model.ts evaluates one). */
export interface FailoverDesign {
  readonly checks: Readonly<Record<string, HealthCheckSpec>>;
  readonly records: readonly FailoverRecordSpec[];
}

/**
 * The dns stack's failover design; FailoverRecords builds exactly this and
 * the drill's Route53 stand-in evaluates exactly this (a test checks the
 * synthesized stack against it).
 *
 * The forced-failover switch is a CloudWatch alarm in the secondary region
 * on a metric the runbook writes with PutMetricData: a data-plane action in
 * the region traffic moves to, with no Route53 API call (Route53's control
 * plane is in us-east-1; AWS Fault Isolation Boundaries whitepaper, "Global
 * services": rely on the data plane, health checks, for recovery).
 *
 * While the switch is forced the answer must not depend on any health:
 * Route53 answers PRIMARY when no record of a failover pair is healthy ("If
 * no record is healthy, all records are healthy" ... "If Route 53 considers
 * both the primary and secondary records unhealthy, Route 53 returns the
 * primary record": Route 53 Developer Guide, "How Amazon Route 53 chooses
 * records when health checking is configured"). So:
 * - PRIMARY's check is primary AND switch: unhealthy whenever forced;
 * - SECONDARY's check is secondary OR switch-forced: healthy whenever forced,
 *   and SECONDARY does not evaluate target health (with a health check and
 *   evaluate target health "both must evaluate to true": Developer Guide,
 *   "Values specific for failover alias records"), so nothing can make it
 *   unhealthy while forced. Its own HTTPS check on /readyz through the ALB
 *   already fails when the ALB has no healthy target.
 * - When not forced, SECONDARY still follows the secondary's health, so a
 *   failing primary with a failing secondary keeps answering PRIMARY.
 * A calculated check cannot have calculated children (Developer Guide,
 * "Monitoring other health checks"), hence two CLOUDWATCH_METRIC checks on
 * the one alarm, one of them inverted ("Invert health check status" is
 * offered for checks that monitor a CloudWatch alarm, same page).
 */
export const FAILOVER_DESIGN: FailoverDesign = {
  checks: {
    primary: { type: "ENDPOINT", endpoint: "primary", inverted: false },
    secondary: { type: "ENDPOINT", endpoint: "secondary", inverted: false },
    switch: { type: "CLOUDWATCH_METRIC", alarm: "switch", insufficientData: "LastKnownStatus", inverted: false },
    "switch-forced": { type: "CLOUDWATCH_METRIC", alarm: "switch", insufficientData: "LastKnownStatus", inverted: true },
    "primary-gate": { type: "CALCULATED", children: ["primary", "switch"], threshold: 2, inverted: false },
    "secondary-gate": { type: "CALCULATED", children: ["secondary", "switch-forced"], threshold: 1, inverted: false },
  } satisfies Record<HealthCheckRole, HealthCheckSpec>,
  records: [
    { failover: "PRIMARY", target: "primary", healthCheck: "primary-gate", evaluateTargetHealth: true },
    { failover: "SECONDARY", target: "secondary", healthCheck: "secondary-gate", evaluateTargetHealth: false },
  ],
};

/** The failover switch: a metric the runbook writes and the alarm the switch checks follow. */
export interface FailoverSwitch {
  /** Region of the metric and the alarm: the secondary's (handoffRegion). */
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly alarmName: string;
  /** Alarm period (s): standard resolution, as Route53 requires of an alarm it follows. */
  readonly periodSeconds: number;
  /** The value that forces failover (alarm: Maximum >= this). */
  readonly forcedValue: number;
  /** The value that releases it. */
  readonly releasedValue: number;
}

export function failoverSwitch(config: ValidConfig): FailoverSwitch {
  const base = new Naming(config.project, config.environment, config.regions.primary.region).base;
  return {
    region: handoffRegion(config),
    namespace: `${config.project}/DR`,
    metricName: "ForceFailover",
    dimensions: { Deployment: base },
    alarmName: `${base}-dns-failover-switch`,
    periodSeconds: 60,
    forcedValue: 1,
    releasedValue: 0,
  };
}

/** The value the runbook writes to the switch metric. */
export function switchValue(config: ValidConfig, forced: boolean): number {
  const s = failoverSwitch(config);
  return forced ? s.forcedValue : s.releasedValue;
}

/**
 * Region where each regional stack publishes its ALB's DNS name and zone id
 * (SSM parameters) for the dns stack, and the dns stacks publish what the
 * others read: the secondary region, so they can be planned and applied
 * while the primary region is down.
 */
export function handoffRegion(config: ValidConfig): string {
  return config.regions.secondary.region;
}

function handoffBase(config: ValidConfig): string {
  return `/${new Naming(config.project, config.environment, config.regions.primary.region).base}/dr`;
}

/** SSM parameter names of a region's ALB handoff. */
export function albHandoffParameters(config: ValidConfig, role: RegionRole): { dnsName: string; zoneId: string } {
  const base = `/${new Naming(config.project, config.environment, config.regions[role].region).base}/dr/${role}`;
  return { dnsName: `${base}/alb-dns-name`, zoneId: `${base}/alb-zone-id` };
}

/** SSM parameter (handoff region) with a health check's id, written by the dns stack, read by dns-alarms. */
export function healthCheckParameter(config: ValidConfig, role: HealthCheckRole): string {
  return `${handoffBase(config)}/dns/health-check/${role}`;
}

/**
 * SSM parameter (handoff region: the surviving one) holding the runbook's
 * exclusive lease while a `dr failover`/`dr failback` runs (src/dr/lease.ts):
 * created by the runbook with Overwrite=false, deleted when it ends. Not
 * managed by Terraform.
 */
export function runbookLeaseParameter(config: ValidConfig): string {
  return `${handoffBase(config)}/runbook/lease`;
}

/** SSM parameter (handoff region) with the FQDN of the ACM validation record, written by dns-zone, read by the regional stacks. */
export function certificateValidationParameter(config: ValidConfig): string {
  return `${handoffBase(config)}/dns/acm-validation-record`;
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

/**
 * Whether the app has the dns-zone stack: the hosted zone (dns.createZone)
 * or the ACM validation record some region's certificate waits for. Both
 * regional stacks then depend on it (stacks/app.ts), so a `cdktf deploy`
 * naming them must name it too or pass --ignore-missing-stack-dependencies
 * (src/dr/deploy-commands.ts).
 */
export function hasDnsZoneStack(config: ValidConfig): boolean {
  const validationRecord = config.dns.enabled && (["primary", "secondary"] as const).some((r) => config.regions[r].certificateArn === undefined);
  return config.dns.enabled && (config.dns.createZone || validationRecord);
}
