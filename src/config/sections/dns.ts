/**
 * The config's dns section: the Route53 zone, failover records and health checks.
 */
import { z } from "zod";
import { withoutFinalDot } from "./fields";

/** Route53's health-checker regions. */
export const ROUTE53_CHECKER_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"] as const;
/** The placeholder zone of the defaults (RFC 2606): synth works, deploy must not. */
export const PLACEHOLDER_ZONE = "example.com";

export const dnsSchema = z.strictObject({
  /** Build the dns, dns-alarms and dns-zone stacks and an ACM certificate per region (HTTPS); false: no DNS, plain HTTP unless a region has certificateArn. */
  enabled: z.boolean(),
  /** Hosted zone name (looked up, or created with createZone). The default example.com is a placeholder (RFC 2606): synth works, and main.ts warns until it is set. */
  zoneName: z.string().transform(withoutFinalDot),
  /** Hosted zone id, to look the zone up by id instead of name (private/duplicate names). */
  zoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, { message: "must be a Route53 hosted zone id like Z0123456789ABCDEFGHIJ" }).optional(),
  /** Create the public hosted zone in the dns-zone stack (then delegate it from the parent zone or registrar). */
  createZone: z.boolean(),
  /** The application's name, inside the zone (the apex is allowed). */
  domainName: z.string().transform(withoutFinalDot),
  healthCheck: z.strictObject({
    /** Seconds between checks from each checker: Route53 offers exactly 10 (fast, billed extra) or 30. */
    requestIntervalSeconds: z.number().int(),
    /** Consecutive failures before an endpoint counts as unhealthy (1-10). */
    failureThreshold: z.number().int().min(1, { message: "must be 1-10" }).max(10, { message: "must be 1-10" }),
    /** Regions the checkers run in (at least 3 of Route53's checker regions). */
    regions: z.array(z.string()),
  }),
  /**
   * Records the position of the failover switch (src/dns/failover-switch.ts):
   * true while all traffic is forced to the secondary. The switch itself is
   * a metric the `dr` runbook writes (PutMetricData in the secondary
   * region); no deploy changes it. `dr status` compares the two.
   */
  forceFailover: z.boolean(),
  /** E-mail subscribed to the health-check alarms (confirm the subscription once). */
  alarmEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "must be an e-mail address" }).optional(),
});
