// The drill's Route53 stand-in and its RTO/RPO arithmetic, on a fake clock.
import { resolveConfig } from "../../src/config";
import { failoverBudget, failoverSwitch, switchValue } from "../../src/dns/contract";
import type { RequestRecord } from "../../src/drill/client";
import { analyse, chartSvg, markdown } from "../../src/drill/report";
import { Route53Sim, type Endpoint } from "../../src/drill/resolver";

const CONFIG = resolveConfig({});
const FORCED = switchValue(CONFIG, true);
const RELEASED = switchValue(CONFIG, false);

function sim(opts: { up: Record<Endpoint, boolean>; targets?: Record<Endpoint, boolean | null>; clients?: number }) {
  const hc = CONFIG.dns.healthCheck;
  let now = 1_000_000;
  const s = new Route53Sim({
    intervalMs: hc.requestIntervalSeconds * 1000,
    failureThreshold: hc.failureThreshold,
    checkerRegions: hc.regions,
    ttlMs: 60_000,
    switch: failoverSwitch(CONFIG),
    switchPeriodMs: 60_000,
    now: () => now,
    check: async (e) => opts.up[e],
    targetHealthy: async (e) => (opts.targets ? opts.targets[e] : true),
  });
  const advance = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      now += step;
      await s.tick();
    }
  };
  return { s, advance, now: () => now };
}

describe("Route53Sim (the drill's Route53 stand-in)", () => {
  it("declares the primary unhealthy after failureThreshold consecutive failures of every checker, within interval x threshold", async () => {
    const up = { primary: true, secondary: true };
    const { s, advance } = sim({ up });
    await advance(25_000);
    expect(s.authoritative()).toBe("primary");
    up.primary = false;
    let detectedAfter = -1;
    for (let t = 100; t <= 40_000; t += 100) {
      await advance(100);
      if (!s.endpointHealthy("primary")) {
        detectedAfter = t;
        break;
      }
    }
    const budget = failoverBudget(resolveConfig({}));
    expect(detectedAfter).toBeGreaterThan(2 * 10_000); // not before the third failure of the last checker
    expect(detectedAfter).toBeLessThanOrEqual(budget.detectionSeconds * 1000);
    expect(s.gateHealthy()).toBe(false);
    expect(s.authoritative()).toBe("secondary");
  });

  it("keeps an endpoint healthy while more than 18% of checkers see it healthy (one of three)", async () => {
    const up = { primary: true, secondary: true };
    const { s, advance } = sim({ up });
    // Only the first checker's requests succeed: 1/3 = 33% > 18%.
    let calls = 0;
    (s as unknown as { o: { check: (e: Endpoint) => Promise<boolean> } }).o.check = async (e) => e === "secondary" || calls++ % 3 === 0;
    await advance(60_000);
    expect(s.endpointHealthy("primary")).toBe(true);
  });

  it("forces failover with the switch metric alone (once Route53 reads it), and answers PRIMARY when both are unhealthy and it is released", async () => {
    const up = { primary: true, secondary: true };
    const { s, advance } = sim({ up });
    s.putSwitchMetric(FORCED);
    expect(s.switchState()).toMatchObject({ forced: true, alarmState: "ALARM" });
    expect(s.endpointHealthy("primary")).toBe(true);
    await advance(10_100); // Route53 reads the alarm's data stream once per interval
    expect(s.authoritative()).toBe("secondary");
    await advance(60_000);
    s.putSwitchMetric(RELEASED);
    await advance(10_100);
    expect(s.switchState()).toMatchObject({ forced: false, alarmState: "OK" });
    expect(s.authoritative()).toBe("primary");
    up.primary = false;
    up.secondary = false;
    await advance(40_000);
    expect(s.authoritative()).toBe("primary");
  });

  it("keeps a forced switch absolute: a failing secondary (check and targets), a healthy primary, and the datapoint aging out change nothing", async () => {
    const up = { primary: true, secondary: true };
    const targets: Record<Endpoint, boolean | null> = { primary: true, secondary: true };
    const { s, advance } = sim({ up, targets });
    s.putSwitchMetric(FORCED);
    await advance(10_100);
    expect(s.authoritative()).toBe("secondary");
    // A DB blip during promotion: the secondary's /readyz fails and its ALB has no healthy target.
    up.secondary = false;
    targets.secondary = false;
    await advance(5 * 60_000); // long past the alarm's 60 s period: the stream is empty now
    expect(s.endpointHealthy("secondary")).toBe(false);
    expect(s.healthChecks().find((h) => h.role === "switch")?.detail).toContain("stream INSUFFICIENT_DATA");
    expect(s.switchState()).toMatchObject({ forced: true, alarmState: "ALARM" }); // treat_missing_data "ignore"
    expect(s.checkHealthy("primary-gate")).toBe(false);
    expect(s.checkHealthy("secondary-gate")).toBe(true);
    expect(s.authoritative()).toBe("secondary");
    // Released, with the secondary still down: health decides again (both down: PRIMARY).
    s.putSwitchMetric(RELEASED);
    await advance(10_100);
    expect(s.authoritative()).toBe("primary");
  });

  it("evaluates alias target health, and keeps the last known value when the load balancer cannot be asked", async () => {
    const targets: Record<Endpoint, boolean | null> = { primary: false, secondary: true };
    const { s, advance } = sim({ up: { primary: true, secondary: true }, targets });
    await advance(10_100);
    expect(s.authoritative()).toBe("secondary");
    targets.primary = null;
    await advance(10_100);
    expect(s.authoritative()).toBe("secondary");
  });

  it("serves each client its cached answer until its TTL runs out, clients at different phases", async () => {
    const up = { primary: true, secondary: true };
    const { s, advance } = sim({ up });
    expect(s.resolve(0, 2)).toBe("primary");
    expect(s.resolve(1, 2)).toBe("primary");
    s.putSwitchMetric(FORCED);
    await advance(10);
    expect(s.authoritative()).toBe("secondary"); // the first stream read is due at once
    expect(s.resolve(0, 2)).toBe("primary");
    await advance(30_000);
    expect(s.resolve(1, 2)).toBe("secondary"); // first expiry after TTL/2
    expect(s.resolve(0, 2)).toBe("primary");
    await advance(30_000);
    expect(s.resolve(0, 2)).toBe("secondary");
  });
});

const rec = (client: number, t: number, op: "write" | "read", ok: boolean, region: string | null, token?: string, id?: number): RequestRecord => ({
  client, t, op, to: region === "us-west-1" ? "secondary" : "primary", ok, status: ok ? (op === "write" ? 201 : 200) : 503, latencyMs: 5, region, ...(token === undefined ? {} : { token }), ...(id === undefined ? {} : { id }),
});

const input = (over: Partial<Parameters<typeof analyse>[0]>): Parameters<typeof analyse>[0] => ({
  name: "unplanned", title: "t", eventAt: 900, records: [], marks: [], finalRegion: "us-west-1", finalTokens: new Set(), fencedTokens: null, runbookOutcome: "completed", runbookActions: [], budgetMs: 9000, ...over,
});

describe("drill report", () => {
  it("measures RTO per client (worst wins) on the final writer's region, and RPO by each write's token", () => {
    const records = [
      rec(0, 100, "write", true, "us-east-2", "a", 1),
      rec(1, 150, "write", true, "us-east-2", "b", 2),
      rec(0, 1000, "write", false, null, "c"),
      rec(1, 1200, "write", false, null, "d"),
      rec(0, 3000, "write", true, "us-west-1", "e", 3),
      rec(1, 5000, "read", true, "us-west-1"),
      rec(1, 6000, "write", true, "us-west-1", "f", 4),
    ];
    const m = analyse(input({ records, finalTokens: new Set(["a", "e", "f"]) }));
    expect(m.rtoPerClient).toEqual([{ client: 0, rtoSeconds: 2.005 }, { client: 1, rtoSeconds: 4.805 }]);
    expect(m.rtoSeconds).toBe(4.805);
    expect(m.rtoWithinBudget).toBe(true);
    expect(m.rpo).toMatchObject({ ackedWrites: 4, lost: 1, lostTokens: ["b"], ackedOnFencedOnly: 0, finalChecked: true, fencedChecked: false });
    const svg = chartSvg(m, records, 900, 250);
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("RTO 4.805 s, 1 of 4 acknowledged writes lost, 0 on a fenced primary only");
    const md = markdown({ command: "npm run drill", timeScale: 0.1, budget: { detectionSeconds: 30, ttlSeconds: 60, totalSeconds: 90 }, healthCheck: "x", runbookSettings: "y", scenarios: [m], charts: { unplanned: "u.svg" }, checks: { unplanned: [["a check", true], ["another", false]] }, leftovers: [] });
    expect(md).toContain("| t | completed | 4.805 | 2.005, 4.805 | 2 of 7 | 4 | 1 | n/a | n/a | **1 failed** |");
    expect(md).toContain("- **FAIL** another");
  });

  it("counts a split brain's losses by content: the new writer reuses the ids of writes that landed on the old primary", () => {
    // Acknowledged by the old primary after the promotion (ids 10, 11) and by the new writer (ids 10, 11 again, other rows).
    const records = [
      rec(0, 1000, "write", true, "us-east-2", "old-1", 10),
      rec(0, 1100, "write", true, "us-east-2", "old-2", 11),
      rec(1, 1000, "write", true, "us-west-1", "new-1", 10),
      rec(1, 1100, "write", true, "us-west-1", "new-2", 11),
    ];
    const m = analyse(input({ records, finalTokens: new Set(["new-1", "new-2"]), fencedTokens: new Set(["old-1", "old-2", "cut-off"]) }));
    // By id, all four ids exist in the final writer: 0 lost. By content, two.
    expect(m.rpo.lost).toBe(2);
    expect(m.rpo.lostTokens).toEqual(["old-1", "old-2"]);
    expect(m.rpo.ackedOnFencedOnly).toBe(2);
    expect(m.rpo.unackedOnFencedOnly).toBe(1); // an insert whose request was cut off: flagged, not a loss
  });

  it("reports no RTO when the service never came back, and a client that never failed has RTO 0", () => {
    const m = analyse(input({ eventAt: 0, records: [rec(0, 10, "write", false, null, "x"), rec(1, 10, "write", true, "us-east-2", "y")], finalRegion: "us-east-2" }));
    expect(m.rtoPerClient).toEqual([{ client: 0, rtoSeconds: null }, { client: 1, rtoSeconds: 0 }]);
    expect(m.rtoSeconds).toBeNull();
    expect(m.rtoWithinBudget).toBe(false);
  });
});

describe("Route53Sim verdict (the HealthCheckStatus stand-in)", () => {
  it("says since when the primary has been unhealthy, on its own clock, and when each client's cache changed", async () => {
    const up = { primary: true, secondary: true };
    const { s, advance } = sim({ up });
    await advance(25_000);
    expect(s.verdict("primary")).toMatchObject({ healthy: true, unhealthyForSeconds: 0 });
    expect(s.resolve(0, 1)).toBe("primary");
    up.primary = false;
    for (let i = 0; i < 400 && s.endpointHealthy("primary"); i++) await advance(100);
    expect(s.verdict("primary").healthy).toBe(false);
    await advance(5_000);
    const v = s.verdict("primary");
    expect(v.unhealthyForSeconds).toBeGreaterThanOrEqual(5);
    expect(v.unhealthyForSeconds).toBeLessThan(5.5);
    expect(v.sampleAgeSeconds).toBeLessThan(10);
    await advance(61_000);
    expect(s.resolve(0, 1)).toBe("secondary");
    expect(s.cacheChanges).toEqual([{ at: expect.any(Number), client: 0, answer: "secondary" }]);
  });
});
