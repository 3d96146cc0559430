import type { RegionRole } from "../../config";
import { HEALTH_CHECK_TAG } from "../../dns/contract";
import { type AlarmStream, designFromTerraform, failoverAnswer, type Route53World } from "../../dns/route53-model";
import { block } from "../context";
import type { AppRule } from "../types";
import { COMPLIANT, fail } from "../types";

const BOOLS = [true, false];
const healthCases: Array<Pick<Route53World, "endpointHealthy" | "targetHealthy">> = [];
for (const p of BOOLS) for (const s of BOOLS) for (const tp of BOOLS) for (const ts of BOOLS) healthCases.push({ endpointHealthy: { primary: p, secondary: s }, targetHealthy: { primary: tp, secondary: ts } });

/**
 * DR: failing over is one switch, absolute and off the control plane. For
 * each failover pair, evaluated with Route53's documented rules
 * (src/dns/route53-model.ts): some CloudWatch alarm, in one of its states,
 * makes Route53 answer SECONDARY in every combination of both regions'
 * health, before and after its datapoint ages out (Route53 answers PRIMARY
 * when no record is healthy, so a SECONDARY that can turn unhealthy would send
 * users back); in its other state a healthy primary is answered; the alarm
 * is in neither us-east-1 (Route53's control plane) nor the primary region;
 * and the stack holding the pair has no provider in either.
 */
export const drFailoverSwitch: AppRule = {
  kind: "app",
  id: "dr-failover-switch",
  description: "Every failover pair has a switch (a CloudWatch alarm outside us-east-1 and the primary region) that forces SECONDARY whatever either region's health, and its stack needs neither region",
  fix: "build the pair with FailoverRecords (PRIMARY on primary AND switch, SECONDARY on secondary OR the inverted switch, no target health on SECONDARY; switch checks with LastKnownStatus) and keep the stack's providers to the secondary region",
  check(ctx) {
    const primaryRegion = ctx.config.regions.primary.region;
    const banned = new Set([primaryRegion, "us-east-1"]);
    const records = ctx.resources("aws_route53_record").filter((r) => block(r.config.failover_routing_policy)?.type === "PRIMARY");
    return records.map((primary) => {
      const stack = primary.stack;
      const json = ctx.stackJson(stack);
      const providers = (json.provider?.aws ?? []) as Array<Record<string, any>>;
      const bad = providers.filter((p) => banned.has(p.region)).map((p) => p.region);
      if (bad.length) return { resource: primary, verdict: fail(`the stack has a provider in ${[...new Set(bad)].join(", ")}: flipping or planning it would need a region that may be down`) };
      const twin = ctx.resources("aws_route53_record", stack).find((r) => block(r.config.failover_routing_policy)?.type === "SECONDARY" && r.config.name === primary.config.name);
      const targets = new Map<unknown, RegionRole>([[block(primary.config.alias)?.name, "primary"], ...(twin ? [[block(twin.config.alias)?.name, "secondary"] as [unknown, RegionRole]] : [])]);
      let design;
      try {
        design = designFromTerraform(json, { tag: HEALTH_CHECK_TAG, endpointOf: (e) => targets.get(e) });
      } catch (e) {
        return { resource: primary, verdict: fail(`cannot evaluate the pair: ${(e as Error).message}`) };
      }
      for (const [name, c] of Object.entries(json.resource?.aws_route53_health_check ?? {})) {
        if (c.type === "CLOUDWATCH_METRIC" && banned.has(c.cloudwatch_alarm_region)) return { resource: primary, verdict: fail(`aws_route53_health_check.${name} follows an alarm in ${c.cloudwatch_alarm_region}`) };
      }
      const alarms = [...new Set(Object.values(design.checks).flatMap((c) => (c.type === "CLOUDWATCH_METRIC" ? [c.alarm] : [])))];
      const worlds = (alarm: string, state: AlarmStream) => {
        const settled = (id: string) => {
          const spec = design.checks[id];
          if (spec?.type !== "CLOUDWATCH_METRIC") return undefined;
          const raw = spec.alarm === alarm ? state === "OK" : true;
          return spec.inverted ? !raw : raw;
        };
        return [
          { alarm: (a: string): AlarmStream => (a === alarm ? state : "OK"), lastKnown: settled },
          { alarm: (a: string): AlarmStream => (a === alarm ? "INSUFFICIENT_DATA" : "OK"), lastKnown: settled },
        ];
      };
      const absolute = (alarm: string, state: AlarmStream) => worlds(alarm, state).every((w) => healthCases.every((h) => failoverAnswer(design, { ...h, ...w }).failover === "SECONDARY"));
      const allHealthy = { endpointHealthy: { primary: true, secondary: true }, targetHealthy: { primary: true, secondary: true } };
      for (const alarm of alarms) {
        for (const [on, off] of [["ALARM", "OK"], ["OK", "ALARM"]] as Array<[AlarmStream, AlarmStream]>) {
          if (!absolute(alarm, on)) continue;
          const released = worlds(alarm, off).every((w) => failoverAnswer(design, { ...allHealthy, ...w }).failover === "PRIMARY");
          if (!released) return { resource: primary, verdict: fail(`the switch ${alarm} forces SECONDARY in ${on} but does not give a healthy primary back in ${off}`) };
          return { resource: primary, verdict: COMPLIANT };
        }
      }
      // Name one case that escapes, for the message.
      const example = healthCases.find((h) => failoverAnswer(design, { ...h, alarm: () => "ALARM", lastKnown: () => false }).failover === "PRIMARY") ?? healthCases[0];
      return {
        resource: primary,
        verdict: fail(
          alarms.length
            ? `no state of ${alarms.join(", ")} makes SECONDARY absolute: e.g. with the primary check ${example.endpointHealthy.primary ? "up" : "down"} and the secondary's ${example.endpointHealthy.secondary ? "up" : "down"} (targets ${example.targetHealthy.primary ? "up" : "down"}/${example.targetHealthy.secondary ? "up" : "down"}) Route53 answers PRIMARY`
            : "no health check follows a CloudWatch alarm: forcing failover needs a Route53 control-plane call or a deploy, and while forced a failing SECONDARY sends users back to PRIMARY",
        ),
      };
    });
  },
};
