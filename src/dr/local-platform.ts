import { execFile } from "node:child_process";
import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch, switchValue } from "../dns/contract";
import { probeApp, request } from "./http-probe";
import { names } from "./plan";
import type { Check, DatabaseState, DrPlatform, HealthCheckState, ProbeResult, SwitchState, WebState } from "./platform";

/**
 * The runbook on the local drill (scripts/drill/): each "region" is a real
 * PostgreSQL server, app instances (gunicorn) and an HAProxy standing in for
 * the ALB, all on 127.0.0.1; the Route53 stand-in is the drill's resolver.
 * The same plans and runner as on AWS drive it.
 */

/** One local region, as the drill started it. */
export interface LocalRegionSite {
  /** PostgreSQL on 127.0.0.1 (superuser postgres, trust auth on loopback). */
  readonly pgPort: number;
  /** The load balancer's URL (HAProxy frontend), e.g. http://127.0.0.1:18080. */
  readonly lbUrl: string;
  /** HAProxy's stats page (CSV at <statsUrl>;csv). */
  readonly statsUrl: string;
  /** How many app instances are meant to run (the ASG's desired capacity). */
  desired(): number;
  /** Take the instances out of the load balancer and stop them (0), or start them (n). */
  scale(n: number): Promise<void>;
  /** Names of the instances whose process still runs (a stopping one is still draining). */
  runningInstances(): string[];
}

/** The Route53 stand-in's side the runbook sees (the same contract as AWS: a switch metric and its alarm). */
export interface LocalDns {
  healthChecks(): HealthCheckState[];
  /** PutMetricData of the failover switch's metric. */
  putSwitchMetric(value: number): void;
  /** The switch alarm's state. */
  switchState(): SwitchState;
}

const PSQL_TIMEOUT_MS = 5_000;

/** Runs one SQL statement with psql over TCP (loopback); resolves with its unaligned output. */
export function psql(port: number, sql: string, dbname = "postgres"): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "psql",
      ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", dbname, "-c", sql],
      { timeout: PSQL_TIMEOUT_MS, env: { ...process.env, PGCONNECT_TIMEOUT: "2" } },
      (err, stdout, stderr) => (err ? reject(new Error((stderr || err.message).trim().split("\n")[0])) : resolve(stdout.trim())),
    );
  });
}

export class LocalPlatform implements DrPlatform {
  readonly name = "local";

  constructor(
    private readonly config: ValidConfig,
    private readonly sites: Readonly<Record<RegionRole, LocalRegionSite>>,
    private readonly dns: LocalDns,
  ) {}

  private label(role: RegionRole, generation: number): string {
    return `${names(this.config, role).writer(generation)} (postgres 127.0.0.1:${this.sites[role].pgPort})`;
  }

  async healthChecks(): Promise<HealthCheckState[]> {
    return this.dns.healthChecks();
  }

  async failoverSwitch(): Promise<SwitchState> {
    return this.dns.switchState();
  }

  async setForcedFailover(forced: boolean): Promise<string> {
    const sw = failoverSwitch(this.config);
    const value = switchValue(this.config, forced);
    this.dns.putSwitchMetric(value);
    return `PutMetricData (stand-in) ${sw.namespace} ${sw.metricName} = ${value} (${forced ? "forced to the secondary" : "follows health"})`;
  }

  async web(role: RegionRole): Promise<WebState> {
    const site = this.sites[role];
    const desired = site.desired();
    try {
      const csv = await request({ baseUrl: site.statsUrl, timeoutMs: 2_000 }, "GET", `${new URL(site.statsUrl).pathname};csv`);
      const rows = csv.body.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(","));
      const servers = rows.filter((r) => r[0] === "web" && r[1] !== "FRONTEND" && r[1] !== "BACKEND");
      const running = site.runningInstances();
      // A server taken out (MAINT) whose process still runs is draining: like an ELB target during deregistration, still registered.
      const states = servers.map((r) => ((r[17] ?? "?") === "MAINT" && running.includes(r[1]) ? "MAINT (draining)" : (r[17] ?? "?")));
      const healthy = states.filter((s) => s.startsWith("UP")).length;
      const registered = states.filter((s) => s !== "MAINT").length;
      return { role, healthyTargets: healthy, totalTargets: registered, desiredCapacity: desired, detail: `instances desired ${desired}, running ${running.length}; haproxy servers: ${servers.map((r, i) => `${r[1]} ${states[i]}`).join(", ")}` };
    } catch (e) {
      return { role, healthyTargets: null, totalTargets: null, desiredCapacity: desired, detail: `haproxy stats: ${(e as Error).message}` };
    }
  }

  async scaleWeb(role: RegionRole, size: number): Promise<string> {
    const before = this.sites[role].desired();
    await this.sites[role].scale(size);
    return size === 0 ? `took ${before} app instance(s) out of the load balancer and asked them to stop (in-flight requests finish)` : `started app instances: ${before} -> ${size}`;
  }

  async database(role: RegionRole, generation: number): Promise<DatabaseState> {
    const port = this.sites[role].pgPort;
    const identifier = this.label(role, generation);
    const base = { role, identifier, readers: [] as const };
    try {
      const out = await psql(
        port,
        `SELECT pg_is_in_recovery(),
                CASE WHEN pg_is_in_recovery() THEN
                  CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                       ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END END,
                (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver LIMIT 1)`,
      );
      const [rec, lag, sender] = out.split("|");
      const replica = rec === "t";
      return {
        ...base,
        dbRole: replica ? "replica" : "writer",
        status: "available",
        source: replica ? (sender ? `postgres ${sender}` : "(not streaming)") : null,
        lagSeconds: replica && lag !== "" ? Math.round(Number(lag) * 1000) / 1000 : null,
        lagSampledAt: replica ? Date.now() : null,
        detail: replica ? `replica${sender ? ` streaming from ${sender}` : " (not streaming)"}` : "writer",
      };
    } catch (e) {
      return { ...base, dbRole: "unknown", status: "unreachable", source: null, lagSeconds: null, lagSampledAt: null, detail: (e as Error).message };
    }
  }

  async replicaCaughtUp(role: RegionRole, _generation: number, _sinceMs: number): Promise<Check> {
    const source: RegionRole = role === "primary" ? "secondary" : "primary";
    let lsn: string;
    try {
      lsn = await psql(this.sites[source].pgPort, "SELECT pg_current_wal_lsn()");
    } catch (e) {
      return { ok: false, detail: `source ${source} unreachable: ${(e as Error).message}` };
    }
    const replayed = await psql(this.sites[role].pgPort, `SELECT pg_last_wal_replay_lsn(), pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`);
    const [at, done] = replayed.split("|");
    return { ok: done === "t", detail: `source LSN ${lsn}, replica replayed ${at}` };
  }

  async promote(role: RegionRole, generation: number): Promise<string> {
    const port = this.sites[role].pgPort;
    if ((await psql(port, "SELECT pg_is_in_recovery()")) === "f") return `${this.label(role, generation)} is already a writer: not promoted again`;
    const done = await psql(port, "SELECT pg_promote(true, 60)");
    return `SELECT pg_promote() on ${this.label(role, generation)}: ${done === "t" ? "promoted" : "not finished within 60 s"}`;
  }

  async probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    return probeApp({ baseUrl: this.sites[role].lbUrl, timeoutMs: 2_000 }, this.config.web.readinessPath, opts.write, `dr runbook verification ${new Date().toISOString()}`);
  }

  async snapshot(): Promise<string> {
    throw new Error("snapshots are not part of the local drill (it covers failover; failback is tested against stubbed AWS clients)");
  }

  async snapshotStatus(): Promise<string | null> {
    throw new Error("snapshots are not part of the local drill");
  }

  async allowDeletion(): Promise<string> {
    throw new Error("deletion protection is not part of the local drill");
  }
}
