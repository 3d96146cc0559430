// The synthesized dns stack evaluated with Route53's documented rules
// (src/dns/route53-model.ts) in every combination of health: what Route53
// would answer, not only what the stack declares. The rules are read from
// the Route 53 Developer Guide (cited in the model); no Route53 runs here.
import type { RegionRole } from "../../src/config";
import { FAILOVER_DESIGN, failoverSwitch, HEALTH_CHECK_TAG } from "../../src/dns/contract";
import { type AlarmStream, designFromTerraform, failoverAnswer, type Route53World } from "../../src/dns/route53-model";
import { synthApp, type StackJson } from "../helpers/synth";

const PROD = { dns: { zoneName: "drweb.io", domainName: "www.drweb.io" } };

/** Which region an ALB alias / health-check fqdn expression points at (the SSM handoff it reads). */
function endpointOf(st: StackJson) {
  return (expr: unknown): RegionRole | undefined => {
    const m = typeof expr === "string" ? /^\$\{data\.aws_ssm_parameter\.([A-Za-z0-9_]+)\.value\}$/.exec(expr) : null;
    const name: string | undefined = m ? st.data?.aws_ssm_parameter?.[m[1]]?.name : undefined;
    return name?.includes("/dr/primary/") ? "primary" : name?.includes("/dr/secondary/") ? "secondary" : undefined;
  };
}

function designOf(overrides: unknown) {
  const app = synthApp(overrides);
  const st = app.stacks.dns;
  const switchAlarm = failoverSwitch(app.config).alarmName;
  return designFromTerraform(st, { tag: HEALTH_CHECK_TAG, endpointOf: endpointOf(st), alarmId: (n) => (n === switchAlarm ? "switch" : n) });
}

const BOOLS = [true, false] as const;
/** Every combination of the regions' endpoint checks and alias target health. */
function healthCombinations(): Array<Pick<Route53World, "endpointHealthy" | "targetHealthy">> {
  const out: Array<Pick<Route53World, "endpointHealthy" | "targetHealthy">> = [];
  for (const p of BOOLS) for (const s of BOOLS) for (const tp of BOOLS) for (const ts of BOOLS) out.push({ endpointHealthy: { primary: p, secondary: s }, targetHealthy: { primary: tp, secondary: ts } });
  return out;
}
const label = (w: Pick<Route53World, "endpointHealthy" | "targetHealthy">) =>
  `primary check ${w.endpointHealthy.primary ? "up" : "down"}, secondary check ${w.endpointHealthy.secondary ? "up" : "down"}, primary ALB targets ${w.targetHealthy.primary ? "up" : "down"}, secondary ALB targets ${w.targetHealthy.secondary ? "up" : "down"}`;

/**
 * The switch's alarm in each of its situations: written forced/released
 * (data in the window), and after the datapoint aged out (no data: the
 * checks keep their last known status, which the written state gave them).
 */
function switchWorlds(forced: boolean, design = FAILOVER_DESIGN): Array<{ name: string; alarm: (a: string) => AlarmStream; lastKnown: Route53World["lastKnown"] }> {
  const stream: AlarmStream = forced ? "ALARM" : "OK";
  // What each CLOUDWATCH_METRIC check read while the data was there.
  const settled = (id: string) => {
    const spec = design.checks[id];
    if (spec?.type !== "CLOUDWATCH_METRIC") return undefined;
    return spec.inverted ? stream === "ALARM" : stream === "OK";
  };
  return [
    { name: `switch written ${forced ? "forced" : "released"}`, alarm: (a) => (a === "switch" ? stream : "OK"), lastKnown: settled },
    { name: `switch ${forced ? "forced" : "released"}, datapoint aged out`, alarm: (a) => (a === "switch" ? "INSUFFICIENT_DATA" : "OK"), lastKnown: settled },
  ];
}

describe("Route53 failover (the synthesized dns stack under Route53's rules)", () => {
  it("while failover is forced, answers SECONDARY whatever the health of either region (no health can send users back)", () => {
    // Forced as both the runbook (switch metric) and the recorded config (dns.forceFailover) say.
    const design = designOf({ dns: { ...PROD.dns, forceFailover: true } });
    const wrong: string[] = [];
    for (const sw of switchWorlds(true, design)) {
      for (const h of healthCombinations()) {
        const answer = failoverAnswer(design, { ...h, alarm: sw.alarm, lastKnown: sw.lastKnown });
        if (answer.failover !== "SECONDARY") wrong.push(`${sw.name}; ${label(h)}: answers ${answer.failover}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("while not forced, follows health: PRIMARY when it is healthy, SECONDARY when only it is, PRIMARY when neither is", () => {
    const design = designOf(PROD);
    for (const sw of switchWorlds(false, design)) {
      for (const h of healthCombinations()) {
        const primaryOk = h.endpointHealthy.primary && h.targetHealthy.primary;
        const want = primaryOk ? "PRIMARY" : h.endpointHealthy.secondary ? "SECONDARY" : "PRIMARY";
        expect({ case: `${sw.name}; ${label(h)}`, answer: failoverAnswer(design, { ...h, alarm: sw.alarm, lastKnown: sw.lastKnown }).failover }).toEqual({ case: `${sw.name}; ${label(h)}`, answer: want });
      }
    }
  });

  it("before the switch was ever written (new checks default to healthy), a healthy primary is answered", () => {
    const design = designOf(PROD);
    for (const h of healthCombinations().filter((x) => x.endpointHealthy.primary && x.targetHealthy.primary)) {
      expect(failoverAnswer(design, { ...h, alarm: () => "INSUFFICIENT_DATA" }).failover).toBe("PRIMARY");
    }
  });

  it("forcing is the switch alone: the stack is the same with dns.forceFailover true or false (no deploy flips it, a deploy cannot undo it)", () => {
    expect(designOf({ dns: { ...PROD.dns, forceFailover: true } })).toEqual(designOf(PROD));
  });

  it("the stack declares exactly the design the drill's Route53 stand-in evaluates (FAILOVER_DESIGN)", () => {
    expect(designOf(PROD)).toEqual(FAILOVER_DESIGN);
  });
});
