import type { ValidConfig } from "../../src/config";
import { failoverBudget, failoverSwitch, switchValue } from "../../src/dns/contract";
import { request } from "../../src/dr/http-probe";
import type { DrillEnvironment } from "./environment";
import { type Endpoint, Route53Sim } from "./resolver";

/** The Route53 stand-in of a drill scenario, started, with the scaled intervals the scenario also waits on. */
export interface Route53StandIn {
  readonly sim: Route53Sim;
  /** Calls sim.tick() every 10 ms: clearInterval it when the scenario ends. */
  readonly ticker: NodeJS.Timeout;
  /** The health checks' request interval, scaled (ms). */
  readonly intervalMs: number;
  /** The alias records' TTL, scaled (ms). */
  readonly ttlMs: number;
}

/**
 * Route53 failover routing over the scenario's two regions (src/drill/resolver.ts), with the config's health
 * checks and failover switch scaled by the drill's time scale, the switch at its first position, and ticking.
 */
export function startRoute53StandIn(base: ValidConfig, env: DrillEnvironment, scale: number): Route53StandIn {
  const hc = base.dns.healthCheck;
  const intervalMs = hc.requestIntervalSeconds * 1000 * scale;
  const ttlMs = failoverBudget(base).ttlSeconds * 1000 * scale;
  const sim = new Route53Sim({
    intervalMs,
    failureThreshold: hc.failureThreshold,
    checkerRegions: hc.regions,
    ttlMs,
    switch: failoverSwitch(base),
    switchPeriodMs: failoverSwitch(base).periodSeconds * 1000 * scale,
    now: Date.now,
    // Route53 HTTP(S) checks: 2xx/3xx within 2 s of connecting (scaled down with the interval).
    check: async (e: Endpoint) => {
      const res = await request({ baseUrl: env.regions[e].lbUrl, timeoutMs: Math.min(2000, intervalMs) }, "GET", base.web.readinessPath);
      return res.status >= 200 && res.status < 400;
    },
    // Alias records evaluate target health: the load balancer has a healthy target (unknown while its region's APIs are down).
    targetHealthy: async (e: Endpoint) => {
      const w = await env.regions[e].webState().catch(() => null);
      return w === null ? null : w.healthy > 0;
    },
  });
  // The switch's first position, as an operator sets it after the first dns deploy (docs/dns-failover.md).
  sim.putSwitchMetric(switchValue(base, base.dns.forceFailover));
  return { sim, ticker: setInterval(() => void sim.tick(), 10), intervalMs, ttlMs };
}
