import type { RegionRole } from "../config";
import type { FailoverDesign, FailoverRecordSpec, HealthCheckSpec } from "./contract";

/**
 * Route53's documented rules for a failover pair, as a pure function: the
 * drill's Route53 stand-in (src/drill/resolver.ts) answers with it, and
 * the tests evaluate the synthesized dns stack with it (designFromTerraform)
 * in every combination of health. Each rule cites the Route 53 Developer
 * Guide page it comes from; this is reading, not Route53's code.
 */

/** What a CloudWatch alarm's data stream says now (Route53 follows the data stream, not the alarm state). */
export type AlarmStream = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface Route53World {
  /** Each region's endpoint check verdict (healthy when more than 18% of checkers say so). */
  readonly endpointHealthy: Readonly<Record<RegionRole, boolean>>;
  /** Alias target health of each region's ALB: every target group with targets has a healthy one, and it has targets. */
  readonly targetHealthy: Readonly<Record<RegionRole, boolean>>;
  /** The data stream of an alarm a CLOUDWATCH_METRIC check follows. */
  readonly alarm: (alarm: string) => AlarmStream;
  /**
   * A CLOUDWATCH_METRIC check's status the last time its alarm had
   * sufficient data (after inversion); undefined for a check that never had
   * any ("For new health checks that have no last known status, the default
   * status for the health check is healthy").
   */
  readonly lastKnown?: (check: string) => boolean | undefined;
}

/**
 * Whether a health check is healthy.
 * - CLOUDWATCH_METRIC: "If the data stream indicates that the state of the
 *   alarm is OK, the health check is considered healthy ... Alarm ...
 *   unhealthy ... doesn't provide enough information ... depends on ...
 *   InsufficientDataHealthStatus" (Developer Guide, "How Amazon Route 53
 *   determines whether a health check is healthy").
 * - CALCULATED: healthy while the healthy children >= the threshold; a
 *   threshold above the number of children is never healthy, 0 always
 *   (Developer Guide, "Values that you specify when you create or update
 *   health checks", "Report healthy when").
 * - "Invert health check status": unhealthy when it would be healthy and
 *   vice versa (same page).
 */
export function checkHealthy(design: FailoverDesign, id: string, world: Route53World, seen: ReadonlySet<string> = new Set()): boolean {
  const spec: HealthCheckSpec | undefined = design.checks[id];
  if (!spec) throw new Error(`no health check ${id} in the design`);
  if (seen.has(id)) throw new Error(`health check ${id} monitors itself`);
  let healthy: boolean;
  if (spec.type === "ENDPOINT") {
    healthy = world.endpointHealthy[spec.endpoint];
  } else if (spec.type === "CALCULATED") {
    const next = new Set([...seen, id]);
    healthy = spec.children.filter((c) => checkHealthy(design, c, world, next)).length >= spec.threshold;
  } else {
    const stream = world.alarm(spec.alarm);
    if (stream === "INSUFFICIENT_DATA") {
      if (spec.insufficientData === "Healthy") healthy = true;
      else if (spec.insufficientData === "Unhealthy") healthy = false;
      // The last known status is the check's own (inverted) status: returned as is.
      else return world.lastKnown?.(id) ?? true;
    } else {
      healthy = stream === "OK";
    }
  }
  return spec.inverted ? !healthy : healthy;
}

/**
 * Whether a record counts as healthy: its health check, if any, and its
 * alias target, if it evaluates target health ("If you associate a health
 * check with an alias record and also select Yes for Evaluate Target Health,
 * both must evaluate to true": Developer Guide, "Values specific for failover
 * alias records"). A record with neither is always healthy ("Records without
 * a health check are always healthy": "How Amazon Route 53 chooses records
 * when health checking is configured").
 */
export function recordHealthy(design: FailoverDesign, record: FailoverRecordSpec, world: Route53World): boolean {
  const check = record.healthCheck ? checkHealthy(design, record.healthCheck, world) : true;
  const target = record.evaluateTargetHealth ? world.targetHealthy[record.target] : true;
  return check && target;
}

/**
 * The answer of a failover pair: PRIMARY while it is healthy, else
 * SECONDARY while it is healthy, else PRIMARY ("If no record is healthy, all
 * records are healthy"; "If Route 53 considers both the primary and
 * secondary records unhealthy, Route 53 returns the primary record": "How
 * Amazon Route 53 chooses records when health checking is configured").
 */
export function failoverAnswer(design: FailoverDesign, world: Route53World): FailoverRecordSpec {
  const primary = design.records.find((r) => r.failover === "PRIMARY");
  const secondary = design.records.find((r) => r.failover === "SECONDARY");
  if (!primary || !secondary) throw new Error("a failover pair needs a PRIMARY and a SECONDARY record");
  if (recordHealthy(design, primary, world)) return primary;
  if (recordHealthy(design, secondary, world)) return secondary;
  return primary;
}

// --- reading a synthesized stack -------------------------------------------

/** A synthesized stack's JSON (the parts read here). */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, any>>;
  readonly data?: Record<string, Record<string, any>>;
}

const REF = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/;

function deref(json: TerraformJson, expr: unknown): { kind: "resource" | "data"; type: string; name: string; attr: string; config: any } | undefined {
  if (typeof expr !== "string") return undefined;
  const m = REF.exec(expr);
  if (!m) return undefined;
  const kind = m[1] ? "data" : "resource";
  const config = (kind === "data" ? json.data : json.resource)?.[m[2]]?.[m[3]];
  return config === undefined ? undefined : { kind, type: m[2], name: m[3], attr: m[4], config };
}

const one = <T>(v: T | T[] | undefined): T | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * The failover design a synthesized dns stack declares, in the terms of
 * FailoverDesign: checks keyed by their dr-health-check tag, HTTPS checks
 * mapped to a region by `endpointOf` (given the check's fqdn expression),
 * records' alias targets likewise. Throws on what it cannot read, naming it.
 */
export function designFromTerraform(
  json: TerraformJson,
  opts: {
    readonly tag: string;
    readonly endpointOf: (expression: unknown) => RegionRole | undefined;
    /** The design's name for an alarm (e.g. "switch" for the failover switch's alarm name); default: the alarm name. */
    readonly alarmId?: (alarmName: string) => string;
  },
): FailoverDesign {
  const hcs = json.resource?.aws_route53_health_check ?? {};
  const roleOf = (name: string): string => {
    const role = hcs[name]?.tags?.[opts.tag];
    if (!role) throw new Error(`aws_route53_health_check.${name} has no ${opts.tag} tag`);
    return role;
  };
  const checks: Record<string, HealthCheckSpec> = {};
  for (const [name, c] of Object.entries(hcs)) {
    const inverted = c.invert_healthcheck === true || c.invert_healthcheck === "true";
    const role = roleOf(name);
    if (c.type === "HTTPS" || c.type === "HTTP" || c.type === "HTTPS_STR_MATCH" || c.type === "HTTP_STR_MATCH" || c.type === "TCP") {
      const endpoint = opts.endpointOf(c.fqdn);
      if (!endpoint) throw new Error(`aws_route53_health_check.${name}: cannot tell which region ${String(c.fqdn)} is`);
      checks[role] = { type: "ENDPOINT", endpoint, inverted };
    } else if (c.type === "CALCULATED") {
      const children = (c.child_healthchecks ?? []).map((ref: unknown) => {
        const d = deref(json, ref);
        if (!d || d.type !== "aws_route53_health_check") throw new Error(`aws_route53_health_check.${name}: child ${String(ref)} is not a health check of this stack`);
        return roleOf(d.name);
      });
      checks[role] = { type: "CALCULATED", children, threshold: Number(c.child_health_threshold ?? 0), inverted };
    } else if (c.type === "CLOUDWATCH_METRIC") {
      const alarm = deref(json, c.cloudwatch_alarm_name);
      const alarmName = String(alarm?.config?.alarm_name ?? c.cloudwatch_alarm_name);
      // Unset, Route53 uses the last known status ("LastKnownStatus: By default, Route 53 uses the status of
      // the health check from the last time CloudWatch had sufficient data": Route 53 API Reference, UpdateHealthCheck).
      checks[role] = { type: "CLOUDWATCH_METRIC", alarm: opts.alarmId ? opts.alarmId(alarmName) : alarmName, insufficientData: c.insufficient_data_health_status ?? "LastKnownStatus", inverted };
    } else {
      throw new Error(`aws_route53_health_check.${name}: type ${c.type} is not modelled`);
    }
  }
  const records: FailoverRecordSpec[] = [];
  for (const [name, r] of Object.entries(json.resource?.aws_route53_record ?? {})) {
    const policy = one(r.failover_routing_policy);
    if (!policy) continue;
    const alias = one(r.alias);
    const target = opts.endpointOf(alias?.name);
    if (!target) throw new Error(`aws_route53_record.${name}: cannot tell which region the alias ${String(alias?.name)} is`);
    const hc = r.health_check_id === undefined ? undefined : deref(json, r.health_check_id);
    if (r.health_check_id !== undefined && hc?.type !== "aws_route53_health_check") throw new Error(`aws_route53_record.${name}: health_check_id ${String(r.health_check_id)} is not a health check of this stack`);
    records.push({
      failover: policy.type,
      target,
      ...(hc ? { healthCheck: roleOf(hc.name) } : {}),
      evaluateTargetHealth: alias?.evaluate_target_health === true || alias?.evaluate_target_health === "true",
    });
  }
  return { checks, records: records.sort((a, b) => a.failover.localeCompare(b.failover)) };
}
