import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch, switchValue } from "../dns/contract";
import { probeApp, readWalPositions } from "./http-probe";
import { acquireFileLease, type HeldLease, type LeaseHolder } from "./lease";
import { names } from "./names";
import type { AlarmRead, DatabaseState, DrPlatform, FleetCapacityState, HealthCheckState, OutageState, PermissionDecision, ProbeResult, PromotionAttempt, SwitchState, WalPositions, WebState } from "./platform";

/**
 * The runbook on the local drill (src/drill/): each "region" is a real
 * PostgreSQL server, app instances (gunicorn) and an HAProxy standing in for
 * the ALB, all on 127.0.0.1; the Route53 stand-in is the drill's resolver.
 * The same plans and runner as on AWS drive it; the WAL positions are read
 * the way the AWS adapter reads them, through the region's entry point
 * (GET /readyz?wal=1 of the real app).
 */

type MaybePromise<T> = T | Promise<T>;

/** What a region's control plane reports about its web fleet (the ASG and target group's stand-in). */
export interface LocalWebState {
  /** Instances meant to run (the ASG's desired capacity). */
  readonly desired: number;
  /** Load-balancer servers up / registered (not in maintenance). */
  readonly healthy: number;
  readonly registered: number;
  /** App processes still running (a stopping one is still draining). */
  readonly running: number;
  readonly detail: string;
}

/**
 * One local region, as the drill started it. The control-plane methods throw
 * when the region's "APIs" do not answer (a regional outage), as the AWS
 * calls would; the drill may serve them over loopback HTTP to a runbook in
 * another process.
 */
export interface LocalRegionSite {
  /** PostgreSQL on 127.0.0.1 (superuser postgres, trust auth on loopback). */
  readonly pgPort: number;
  /** The load balancer's URL (HAProxy frontend), e.g. http://127.0.0.1:18080. */
  readonly lbUrl: string;
  webState(): MaybePromise<LocalWebState>;
  /** Take the instances out of the load balancer and stop them (0), or start them (n). */
  scale(n: number): MaybePromise<void>;
  /** Readiness: whether the fleet can start `size` instances (the stand-in for the ASG's launch template, AMI and MaxSize). Optional. */
  fleetCapacity?(size: number): MaybePromise<FleetCapacityState>;
}

/** The Route53 stand-in's side the runbook sees (the same contract as AWS: a switch metric and its alarm, Route53's verdict over time). */
export interface LocalDns {
  healthChecks(): MaybePromise<HealthCheckState[]>;
  /** PutMetricData of the failover switch's metric. */
  putSwitchMetric(value: number): MaybePromise<void>;
  /** The switch alarm's state. */
  switchState(): MaybePromise<SwitchState>;
  /** Route53's aggregated verdict on an endpoint, over time. */
  verdict(endpoint: RegionRole): MaybePromise<OutageState>;
}

export interface LocalPlatformOptions {
  /** The app's database role (the drill's stand-in for the RDS master user the app signs in with). */
  readonly appUser: string;
  /** Where snapshot() writes its pg_dump files. */
  readonly snapshotDir?: string;
  /** psql's bound per call (ms): a frozen server must not hang the runbook. */
  readonly psqlTimeoutMs?: number;
  /** Called right before each promotion request is sent (the drill kills the target there: scenario target-killed-before-promote). */
  readonly beforePromote?: () => Promise<void>;
  /**
   * A folder every runbook process of the drill shares: the stand-in for the AWS lease (an SSM parameter in the
   * surviving region) is a lock file there (lease.ts). None: no platform lease (the journal folder's lock only).
   */
  readonly leaseDir?: string;
  /** Readiness: the stand-in for iam:SimulatePrincipalPolicy (the drill has no IAM; it says so). None: the check cannot be made. */
  readonly simulateRunbookRole?: (roleArn: string, actions: readonly string[]) => Promise<PermissionDecision[]>;
  /**
   * The alarms firing per region (the run report's read: DrPlatform.readAlarms); the drill reads its Prometheus'
   * firing alerts (src/drill/runbook-process.ts). None: the platform has no alarm source.
   */
  readonly alarms?: (timeoutMs: number, roles: readonly RegionRole[]) => Promise<AlarmRead[]>;
  /**
   * The address of a region's writer endpoint (the drill's PITR scenarios: the writer's identifier looked up in the
   * app's hosts file, so a rename moves the runbook's reads with the app's connections; src/dr/local-restore.ts).
   * None: 127.0.0.1, the region's one PostgreSQL.
   */
  readonly pgHost?: (role: RegionRole) => string;
}

/**
 * psql failed before its query could reach the server: libpq's "connection to server at ... failed: Connection
 * refused" / "timeout expired" / "could not connect" (nothing was sent). A psql killed at its own bound after it
 * connected ("psql: no answer within ...") or a connection lost mid-query is not this: the query may have run.
 */
export function notConnected(e: unknown): boolean {
  const m = (e as Error)?.message ?? String(e);
  return /connection to server .* failed|could not connect to server|Connection refused|timeout expired/i.test(m) && !/server closed the connection unexpectedly/i.test(m);
}

/** What pg_promote(true, wait)'s answer means for the runbook (see LocalPlatform.promote). */
export function pgPromoteAttempt(result: string, label: string, waitSeconds: number): PromotionAttempt {
  if (result === "t") return { outcome: "requested", detail: `SELECT pg_promote() on ${label}: promoted` };
  return {
    outcome: "unknown",
    detail: `SELECT pg_promote(true, ${waitSeconds}) on ${label} returned ${result || "nothing"}: the server took the request but had not promoted within ${waitSeconds} s (it may still): watched, and asked again`,
  };
}

const PSQL_TIMEOUT_MS = 5_000;

/** Runs one SQL statement with psql over TCP (loopback); resolves with its unaligned output. */
export function psql(port: number, sql: string, dbname = "postgres", timeoutMs = PSQL_TIMEOUT_MS, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "psql",
      ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres", "-d", dbname, "-c", sql],
      { timeout: timeoutMs, killSignal: "SIGKILL", env: { ...process.env, PGCONNECT_TIMEOUT: String(Math.max(1, Math.floor(timeoutMs / 2000))) } },
      (err, stdout, stderr) => (err ? reject(new Error((stderr || (err.killed ? `psql: no answer within ${timeoutMs} ms` : err.message)).trim().split("\n")[0])) : resolve(stdout.trim())),
    );
  });
}

/** The marker isolateWriter() leaves on the app role (the stand-in for the AWS tag dr-isolated). */
export const ISOLATED_MARK = "dr-isolated";

export class LocalPlatform implements DrPlatform {
  readonly name = "local";
  private readonly psqlMs: number;

  constructor(
    private readonly config: ValidConfig,
    private readonly sites: Readonly<Record<RegionRole, LocalRegionSite>>,
    private readonly dns: LocalDns,
    private readonly opts: LocalPlatformOptions,
  ) {
    this.psqlMs = opts.psqlTimeoutMs ?? PSQL_TIMEOUT_MS;
    if (opts.alarms) this.readAlarms = opts.alarms;
    const leaseDir = opts.leaseDir;
    if (leaseDir) {
      const file = path.join(leaseDir, "runbook-lease.json");
      this.acquireLease = (holder) => acquireFileLease(file, holder, `rm ${file} (the stand-in for the SSM parameter)`);
    }
    if (opts.simulateRunbookRole) this.simulateRunbookRole = opts.simulateRunbookRole;
  }

  /** Readiness: the stand-in for iam:SimulatePrincipalPolicy, when the drill gives one. */
  readonly simulateRunbookRole?: (roleArn: string, actions: readonly string[]) => Promise<PermissionDecision[]>;

  /** Readiness: the region stand-in says whether its fleet can start (thrown when it has no such stand-in, or its "APIs" are down). */
  async fleetCapacity(role: RegionRole, size: number): Promise<FleetCapacityState> {
    const site = this.sites[role];
    if (!site.fleetCapacity) throw new Error(`the drill's ${role} region has no fleet-capacity stand-in`);
    return site.fleetCapacity(size);
  }

  private label(role: RegionRole, generation: number): string {
    return `${names(this.config, role).writer(generation)} (postgres 127.0.0.1:${this.sites[role].pgPort})`;
  }

  private sql(role: RegionRole, query: string, dbname = "postgres"): Promise<string> {
    return psql(this.sites[role].pgPort, query, dbname, this.psqlMs, this.opts.pgHost?.(role));
  }

  /** The stand-in for the AWS adapter's SSM lease: an O_EXCL lock file in the shared lease folder (lease.ts). */
  readonly acquireLease?: (holder: LeaseHolder) => Promise<HeldLease>;

  /** LocalPlatformOptions.alarms, when given. */
  readonly readAlarms?: (timeoutMs: number, roles: readonly RegionRole[]) => Promise<AlarmRead[]>;

  async healthChecks(): Promise<HealthCheckState[]> {
    return this.dns.healthChecks();
  }

  async outage(role: RegionRole): Promise<OutageState> {
    return this.dns.verdict(role);
  }

  async failoverSwitch(): Promise<SwitchState> {
    return this.dns.switchState();
  }

  async setForcedFailover(forced: boolean): Promise<string> {
    const sw = failoverSwitch(this.config);
    const value = switchValue(this.config, forced);
    await this.dns.putSwitchMetric(value);
    return `PutMetricData (stand-in) ${sw.namespace} ${sw.metricName} = ${value} (${forced ? "forced to the secondary" : "follows health"})`;
  }

  async web(role: RegionRole): Promise<WebState> {
    const w = await this.sites[role].webState();
    return { role, healthyTargets: w.healthy, totalTargets: w.registered, desiredCapacity: w.desired, runningInstances: w.running, detail: w.detail };
  }

  async scaleWeb(role: RegionRole, size: number): Promise<string> {
    const before = (await this.sites[role].webState()).desired;
    await this.sites[role].scale(size);
    return size === 0 ? `took ${before} app instance(s) out of the load balancer and asked them to stop (in-flight requests finish)` : `started app instances: ${before} -> ${size}`;
  }

  // The lag: 0 when the WAL receiver streams and every received WAL is replayed, else the age of the last replayed
  // commit (RDS's definition). now() is the query's transaction start, and a commit replayed after it has a later
  // timestamp: the difference can be a little negative, which the runbook reads as RDS's ReplicaLag -1 ("cannot
  // determine") and refuses; a negative age is 0 (found by the drill under load). Without a WAL receiver (replication
  // broken) the lag is never 0: received = replayed then says nothing about the source (issue 25 point 8).
  async database(role: RegionRole, generation: number): Promise<DatabaseState> {
    const identifier = this.label(role, generation);
    const base = { role, identifier, readers: [] as const };
    try {
      const out = await this.sql(
        role,
        `SELECT pg_is_in_recovery(),
                CASE WHEN pg_is_in_recovery() THEN
                  CASE WHEN (SELECT status FROM pg_stat_wal_receiver LIMIT 1) = 'streaming' AND pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                       WHEN pg_last_xact_replay_timestamp() IS NULL THEN NULL
                       ELSE GREATEST(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END END,
                (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver LIMIT 1),
                (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
                COALESCE((SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '${this.opts.appUser}'), ''),
                CASE WHEN pg_is_in_recovery() THEN round(EXTRACT(EPOCH FROM pg_last_xact_replay_timestamp()) * 1000) END,
                round(EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000)`,
      );
      const [rec, lag, sender, receiver, mark, replayAt, startedAt] = out.split("|");
      const replica = rec === "t";
      const isolated = mark.startsWith(ISOLATED_MARK);
      const lastReplayAt = replica && replayAt ? Number(replayAt) : null;
      return {
        ...base,
        dbRole: replica ? "replica" : "writer",
        status: "available",
        source: replica ? (sender ? `postgres ${sender}` : "(not streaming)") : null,
        lagSeconds: replica && lag !== "" ? Math.round(Number(lag) * 1000) / 1000 : null,
        lagSampledAt: replica ? Date.now() : null,
        lagSampleAgeSeconds: replica ? 0 : null,
        // The WAL receiver's status stands in for RDS's "read replication" status.
        replicationStatus: replica ? (receiver === "streaming" ? "replicating" : receiver ? `receiver ${receiver}` : "no WAL receiver") : null,
        lastReplayAt,
        startedAt: startedAt ? Number(startedAt) : null,
        isolated,
        detail:
          `${replica ? `replica${sender ? ` streaming from ${sender}` : " (not streaming)"}` : "writer"}` +
          `${replica && lastReplayAt !== null ? `; last replayed commit ${new Date(lastReplayAt).toISOString()}` : ""}${isolated ? `; ${mark}` : ""}`,
      };
    } catch (e) {
      return { ...base, dbRole: "unknown", status: "unreachable", source: null, lagSeconds: null, lagSampledAt: null, detail: (e as Error).message };
    }
  }

  async walPositions(role: RegionRole): Promise<WalPositions> {
    return readWalPositions({ baseUrl: this.sites[role].lbUrl, timeoutMs: 2_000 }, this.config.web.readinessPath, () => Date.now());
  }

  /**
   * SELECT pg_promote(true, wait) on the replica. What reached the server decides the outcome (promote-step.ts requestPromotion):
   * psql could not connect (a refused connection, a connect timeout: the server is down or frozen before the request)
   * = "not-sent"; pg_promote returned t = "requested" (promoted); f = "unknown": the server took the request (it wrote
   * promote.signal and signalled the postmaster) but had not finished within `wait` seconds, so it may still promote:
   * the step watches and asks again; any other failure after connecting (psql killed at its bound, a reset) = thrown:
   * possibly taken. PostgreSQL: "pg_promote ... returns true if promotion is successful and false otherwise ... If wait
   * is false or the promotion did not complete within wait_seconds, false is returned" (PostgreSQL 15 documentation,
   * "Recovery Control Functions").
   */
  async promote(role: RegionRole, generation: number): Promise<PromotionAttempt> {
    await this.opts.beforePromote?.();
    let inRecovery: string;
    try {
      inRecovery = await this.sql(role, "SELECT pg_is_in_recovery()");
    } catch (e) {
      if (notConnected(e)) return { outcome: "not-sent", detail: `${this.label(role, generation)} does not answer (${(e as Error).message}): pg_promote() was not sent` };
      throw e;
    }
    if (inRecovery === "f") return { outcome: "already-writer", detail: `${this.label(role, generation)} is already a writer: not promoted again` };
    const wait = Math.max(1, Math.floor(this.psqlMs / 1000 / 2));
    try {
      const done = await this.sql(role, `SELECT pg_promote(true, ${wait})`);
      return pgPromoteAttempt(done, this.label(role, generation), wait);
    } catch (e) {
      if (/recovery is not in progress/.test((e as Error).message)) return { outcome: "already-writer", detail: `${this.label(role, generation)} was promoted meanwhile: not promoted again` };
      if (notConnected(e)) return { outcome: "not-sent", detail: `${this.label(role, generation)} does not answer (${(e as Error).message}): pg_promote() was not sent` };
      throw e;
    }
  }

  /** The AWS adapter's isolation on the app role: a password nobody knows (new sign-ins fail) and a marker read back by database(). */
  async isolateWriter(role: RegionRole, generation: number): Promise<string> {
    const user = this.opts.appUser;
    const mark = `${ISOLATED_MARK} ${new Date().toISOString()}`;
    await this.sql(role, `ALTER ROLE ${user} PASSWORD '${randomBytes(24).toString("base64url")}'; COMMENT ON ROLE ${user} IS '${mark}'`);
    return `${this.label(role, generation)}: the app role ${user}'s password replaced by one nobody knows (new sign-ins fail), marked ${ISOLATED_MARK}`;
  }

  async probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    return probeApp({ baseUrl: this.sites[role].lbUrl, timeoutMs: 2_000 }, this.config.web.readinessPath, opts.write, `dr runbook verification ${new Date().toISOString()}`);
  }

  /** A pg_dump of the app database stands in for an RDS snapshot (the evidence of what the old writer took). */
  async snapshot(role: RegionRole, _generation: number, snapshotId: string): Promise<string> {
    const dir = this.opts.snapshotDir;
    if (!dir) throw new Error("no snapshot folder configured for the local platform");
    const file = path.join(dir, `${snapshotId}.dump`);
    if (fs.existsSync(file)) return `snapshot ${snapshotId} exists: not taken again`;
    fs.mkdirSync(dir, { recursive: true });
    await new Promise<void>((resolve, reject) =>
      execFile(
        "pg_dump",
        ["-h", "127.0.0.1", "-p", String(this.sites[role].pgPort), "-U", "postgres", "-Fc", "-f", `${file}.part`, "drweb"],
        { timeout: 60_000, env: { ...process.env, PGCONNECT_TIMEOUT: "2" } },
        (err, _o, stderr) => (err ? reject(new Error(`pg_dump: ${(stderr || err.message).trim().split("\n")[0]}`)) : resolve()),
      ),
    );
    fs.renameSync(`${file}.part`, file);
    return `pg_dump of drweb on ${this.label(role, _generation)} as ${file}`;
  }

  async snapshotStatus(_role: RegionRole, snapshotId: string): Promise<string | null> {
    const dir = this.opts.snapshotDir;
    return dir && fs.existsSync(path.join(dir, `${snapshotId}.dump`)) ? "available" : null;
  }

  async allowDeletion(role: RegionRole, generation: number): Promise<string> {
    return `${this.label(role, generation)}: no deletion protection on a local PostgreSQL (nothing to do)`;
  }
}
