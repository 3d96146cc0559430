/**
 * The drill's options a scenario runs with (drill.ts reads them from the command line) and the project's config
 * on the drill's time scale (scaleConfig): the runbook's timeouts, polls and windows, the Route53 stand-in's interval.
 */
import type { RegionRole, ValidConfig } from "../../src/config";
import { clientDrainSeconds } from "../../src/dr/plan-params";

/** The drill's options a scenario runs with (drill.ts reads them from the command line; times in real ms, scaled). */
export interface DrillOptions {
  /** --time-scale: production seconds x scale = drill seconds. */
  readonly scale: number;
  /** --min-outage (production seconds): runbook.minOutageSeconds. @default - the config's */
  readonly minOutageSeconds?: number;
  /** --instances: gunicorn processes per region. */
  readonly instances: number;
  /** --keep: keep the temp folder and its logs. */
  readonly keep: boolean;
  /** --quiet: runbook lines only in the report. */
  readonly quiet: boolean;
  readonly warmupMs: number;
  readonly settleMs: number;
  readonly maxMs: number;
  readonly maxRequests: number;
  readonly nClients: number;
  readonly freezeMs: number;
  readonly returnAfterMs: number;
  readonly downMs: number;
  readonly cutMs: number;
  readonly stallMs: number;
  /** This run's id (part of the scenario's names). */
  readonly runId: string;
}

/** What scaleConfig may set besides the time scale: the DR state, the generations, the forced failover. */
export interface ScaleOver {
  readonly drState?: string;
  readonly generations?: Record<RegionRole, number>;
  readonly forceFailover?: boolean;
}

/** The runbook's timeouts, polls and windows on the drill's time scale. */
export function scaleConfig(o: Pick<DrillOptions, "scale" | "minOutageSeconds">, c: ValidConfig, over: ScaleOver = {}): ValidConfig {
  const scale = o.scale;
  const r = c.runbook;
  const t = (v: number) => Math.max(2, v * scale);
  const minOutage = o.minOutageSeconds ?? r.minOutageSeconds;
  return {
    ...c,
    web: { ...c.web, healthCheckGraceSeconds: t(c.web.healthCheckGraceSeconds) },
    database: { ...c.database, ...(over.drState ? { drState: over.drState as ValidConfig["database"]["drState"] } : {}), ...(over.generations ? { generations: over.generations } : {}) },
    // The Route53 stand-in checks on the scaled interval: the runbook's view of the detection delay (its RPO estimate) too.
    dns: { ...c.dns, healthCheck: { ...c.dns.healthCheck, requestIntervalSeconds: c.dns.healthCheck.requestIntervalSeconds * scale }, ...(over.forceFailover !== undefined ? { forceFailover: over.forceFailover } : {}) },
    runbook: {
      ...r,
      fenceTimeoutSeconds: t(r.fenceTimeoutSeconds),
      catchUpTimeoutSeconds: t(r.catchUpTimeoutSeconds),
      promoteTimeoutSeconds: t(r.promoteTimeoutSeconds),
      dnsTimeoutSeconds: t(r.dnsTimeoutSeconds),
      verifyTimeoutSeconds: t(r.verifyTimeoutSeconds),
      pollIntervalSeconds: Math.max(0.05, r.pollIntervalSeconds * scale),
      minOutageSeconds: minOutage * scale,
      clientDrainSeconds: clientDrainSeconds(c) * scale,
    },
  };
}
