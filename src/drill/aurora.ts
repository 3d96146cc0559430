import * as fs from "node:fs";
import * as path from "node:path";
import { execFile } from "node:child_process";
import type { RegionRole, ValidConfig } from "../../src/config";
import { AURORA_ENGINE, globalClusterIdentifier, regionClusterIdentifier } from "../../src/database/aurora-contract";
import { type DbEndpoints, ENDPOINTS_PARAMETER_ENV, endpointsParameterName } from "../../src/database/endpoints-parameter";
import type { EndpointsParameterState } from "../../src/dr/endpoints-parameter-platform";
import { ParametersFile } from "../../src/dr/local-endpoints-parameter";
import type { RestoreAttempt } from "../../src/dr/restore-platform";
import { AURORA_DEFAULT_ENGINE_VERSION, AURORA_DEFAULT_INSTANCE_CLASS } from "../../src/config/sections/database";
import { failoverSnapshotPrefix } from "../../src/dr/aurora-steps";
import { psql } from "../../src/dr/local-platform";
import type { ClusterSnapshotState, GlobalActionAttempt, GlobalClusterState, GlobalFailoverState, GlobalMemberState, GlobalReadOptions } from "../../src/dr/platform";
import { APP_USER } from "./production-model";
import { type DrillEnvironment, type DrillRegion } from "./environment";
import { LOOPBACK, pgBin } from "./host-tools";

/**
 * The drill's Aurora Global Database (the Aurora scenarios of drill.ts): the
 * "AWS side" of the runbook's Aurora calls, on the drill's real PostgreSQL
 * pair. Each region's PostgreSQL stands in for its member cluster (the
 * primary writes, the secondary streams from it, as a secondary member's
 * storage replicates from the primary's); this object models the global
 * cluster's control plane and its managed operations, and the endpoints' DNS
 * (a hosts file the app reads with DRWEB_DRILL_HOSTS_FILE, webapp/drweb/drill_hosts.py).
 *
 * What AWS documents and is modelled here (Aurora User Guide, "Using
 * switchover or failover in Amazon Aurora Global Database", and RDS API
 * Reference, FailoverState / GlobalClusterMember; the stubbed fake
 * __tests__/dr/fake-aurora.ts models the same states):
 * - endpoints: each member's reader endpoint resolves; its cluster (writer)
 *   endpoint only while it is the global primary ("All secondary Regions also
 *   have writer endpoints, but they're inactive"); an operation moves them;
 * - switchover: "waits for the target secondary Region clusters to be fully
 *   synchronized with the primary", then the old primary becomes read-only
 *   (here: the storage-level fence, default_transaction_read_only and its
 *   sessions ended), the target is promoted (pg_promote), and the old primary
 *   stays a secondary member in sync (here: rebuilt as a streaming replica of
 *   the new primary); FailoverState `switching-over` meanwhile; if the old
 *   primary does not answer, the switchover is cancelled (`cancelling`, both
 *   clusters keep their roles);
 * - failover with AllowDataLoss: does not wait for synchronization; the
 *   target is promoted at once; Aurora's fence of the old primary is "a
 *   best-effort attempt" (here: applied whenever it answers); the old primary
 *   leaves the global cluster until it answers again, then Aurora attempts
 *   "a snapshot of the old storage volume at the point of failure"
 *   (`rds:unplanned-global-failover-<cluster>-<timestamp>`, here a pg_dump)
 *   and rebuilds it as a secondary (`pending-resync`, then `connected`).
 * What is the drill's choice (not documented): the control plane reports a
 * cluster "available" whenever its region's APIs answer (a frozen engine is
 * not seen by DescribeDBClusters); the lag (AuroraGlobalDBRPOLag's stand-in)
 * is the secondary's replay lag; how long a cancelled switchover shows
 * `cancelling`.
 */

type MemberSync = "connected" | "pending-resync";

interface Member {
  listed: boolean;
  sync: MemberSync;
}

interface Snapshot extends ClusterSnapshotState {
  readonly role: RegionRole;
  readonly file: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const other = (r: RegionRole): RegionRole => (r === "primary" ? "secondary" : "primary");

/** The config of the drill's Aurora scenarios: the project's, with database.engine "aurora-postgresql" and the Aurora mode's defaults. */
export function auroraDrillConfig(c: ValidConfig): ValidConfig {
  if (c.database.engine === AURORA_ENGINE) return c;
  return { ...c, database: { ...c.database, engine: AURORA_ENGINE, engineVersion: AURORA_DEFAULT_ENGINE_VERSION, instanceClass: AURORA_DEFAULT_INSTANCE_CLASS } as ValidConfig["database"] };
}

/** A member cluster's endpoints in Aurora's shapes (Aurora User Guide, "Cluster endpoints" / "Reader endpoints"). */
export function auroraEndpoints(config: ValidConfig, role: RegionRole): { cluster: string; reader: string } {
  return clusterEndpoints(regionClusterIdentifier(config, role), config.regions[role].region);
}

/** Any cluster's endpoints in Aurora's shapes (a member, a restored cluster): `<id>.cluster-<suffix>.<region>.rds.amazonaws.com` and `...cluster-ro-...`. */
export function clusterEndpoints(id: string, region: string): { cluster: string; reader: string } {
  return { cluster: `${id}.cluster-drill0local.${region}.rds.amazonaws.com`, reader: `${id}.cluster-ro-drill0local.${region}.rds.amazonaws.com` };
}

export class AuroraSim {
  readonly hostsFile: string;
  /** The drill's SSM Parameter Store: each region's database endpoints parameter (DRWEB_DRILL_PARAMETERS_FILE). */
  readonly parameters: ParametersFile;
  /** Endpoint names beside the members' (a restored cluster's, src/drill/aurora-restore.ts), kept across every rewrite. */
  private readonly otherHosts: Record<string, string[] | null> = {};
  private writer: RegionRole = "primary";
  private readonly members: Record<RegionRole, Member> = { primary: { listed: true, sync: "connected" }, secondary: { listed: true, sync: "connected" } };
  private failoverState: GlobalFailoverState | null = null;
  private readonly snapshots: Snapshot[] = [];
  /** Old primaries Aurora fences whenever they answer (after a failover), with what to do once fenced. */
  private readonly toRecover = new Set<RegionRole>();
  /** Titles in each point-of-failure snapshot (what the drill counts as kept). */
  readonly snapshotTitles: string[] = [];
  readonly events: Array<{ at: number; what: string }> = [];
  /** The managed operations taken, in order (a cancelled switchover included). */
  readonly moves: Array<"switchover" | "failover"> = [];
  private stopped = false;
  private readonly busy: Array<Promise<void>> = [];

  constructor(
    private readonly env: DrillEnvironment,
    private readonly config: ValidConfig,
    private readonly o: { readonly timeScale: number; readonly log: (l: string) => void },
  ) {
    this.hostsFile = path.join(env.dir, "aurora-hosts.json");
    this.writeHosts();
    this.parameters = new ParametersFile(path.join(env.dir, "parameters.json"));
  }

  private parametersWritten = false;

  /**
   * Each region's parameter as the stacks create it: its own member's endpoints (the same names as the hosts file) and
   * the region's database port. Written once, when the first app starts (the ports are known then); never again, so
   * an app restarted after a move reads the moved value.
   */
  private initParameters(): void {
    if (this.parametersWritten) return;
    for (const role of ["primary", "secondary"] as const) {
      const e = auroraEndpoints(this.config, role);
      this.parameters.putEndpoints(endpointsParameterName(this.config, role), { cluster: regionClusterIdentifier(this.config, role), writer: e.cluster, reader: e.reader, port: this.region(role).pgPort });
    }
    this.parametersWritten = true;
  }

  /**
   * The app's environment in a region: DB_ENGINE, the launch template's endpoints (its own member's), the hosts file,
   * and the production path of the Aurora mode: DB_ENDPOINTS_PARAMETER names the region's endpoints parameter, which
   * the app reads when it starts (the drill's stand-in file DRWEB_DRILL_PARAMETERS_FILE instead of SSM).
   */
  appEnv(role: RegionRole): Record<string, string> {
    const e = auroraEndpoints(this.config, role);
    this.initParameters();
    return {
      DB_ENGINE: AURORA_ENGINE,
      DB_WRITER_HOST: e.cluster,
      DB_READER_HOST: e.reader,
      DRWEB_DRILL_HOSTS_FILE: this.hostsFile,
      [ENDPOINTS_PARAMETER_ENV]: endpointsParameterName(this.config, role),
      DRWEB_DRILL_PARAMETERS_FILE: this.parameters.file,
    };
  }

  /** The member cluster that is the global primary now. */
  writerRole(): RegionRole {
    return this.writer;
  }

  /** Adds endpoint names (a restored cluster's) to the hosts file; kept across the members' rewrites. */
  addHosts(names: Record<string, string[] | null>): void {
    Object.assign(this.otherHosts, names);
    this.writeHosts();
  }

  /** GetParameter of a region's endpoints parameter, in that region (its APIs down: thrown, as the call times out). */
  endpointsParameter(region: RegionRole): EndpointsParameterState {
    if (!this.region(region).apiUp) throw this.apiDown(region);
    this.initParameters();
    return this.parameters.endpoints(endpointsParameterName(this.config, region));
  }

  /** PutParameter (Overwrite) in a region; an equal value sends nothing. The drill times each change (the cut-over). */
  putEndpointsParameter(region: RegionRole, value: DbEndpoints): RestoreAttempt {
    if (!this.region(region).apiUp) throw this.apiDown(region);
    this.initParameters();
    const a = this.parameters.putEndpoints(endpointsParameterName(this.config, region), value);
    if (a.outcome === "requested") this.note(`parameter ${endpointsParameterName(this.config, region)} now names ${value.cluster} (${value.writer})`);
    return a;
  }

  note(what: string): void {
    this.events.push({ at: Date.now(), what });
    this.o.log(`aurora: ${what}`);
  }

  /** The endpoints' DNS: the writer's cluster endpoint resolves, the other's does not; every reader endpoint resolves. Written atomically. */
  private writeHosts(): void {
    const names: Record<string, string[] | null> = {};
    for (const role of ["primary", "secondary"] as const) {
      const e = auroraEndpoints(this.config, role);
      names[e.cluster] = role === this.writer ? [LOOPBACK] : null;
      names[e.reader] = [LOOPBACK];
    }
    Object.assign(names, this.otherHosts);
    const tmp = `${this.hostsFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ names }, null, 1));
    fs.renameSync(tmp, this.hostsFile);
  }

  private region(role: RegionRole): DrillRegion {
    return this.env.regions[role];
  }

  private arn(role: RegionRole): string {
    return `arn:aws:rds:${this.config.regions[role].region}:000000000000:cluster:${regionClusterIdentifier(this.config, role)}`;
  }

  private apiDown(role: RegionRole): Error {
    return Object.assign(new Error(`connect ETIMEDOUT: ${this.config.regions[role].region}'s APIs do not answer (the region is down)`), { name: "TimeoutError" });
  }

  private sql(role: RegionRole, q: string, timeoutMs = 2_000, db = "postgres"): Promise<string> {
    return psql(this.region(role).pgPort, q, db, timeoutMs);
  }

  /** AuroraGlobalDBRPOLag's stand-in (ms): 0 when everything received is replayed, else the age of the last replayed commit. */
  private async lagMs(role: RegionRole): Promise<number | null> {
    try {
      const v = await this.sql(
        role,
        `SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                ELSE GREATEST(COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0), 0) * 1000 END`,
        5_000,
      );
      return v === "" ? null : Math.round(Number(v));
    } catch {
      return null;
    }
  }

  /** The latest lag datapoint per secondary, sampled in the background as CloudWatch publishes datapoints (a read returns the last one and its age). */
  private readonly lagSamples: Partial<Record<RegionRole, { value: number; at: number }>> = {};
  private sampler: Promise<void> | null = null;

  /** Starts the lag datapoints (after the databases are up). */
  start(): void {
    this.sampler ??= (async () => {
      while (!this.stopped) {
        for (const role of ["primary", "secondary"] as const) {
          if (role === this.writer || this.members[role].sync !== "connected" || !this.members[role].listed) {
            delete this.lagSamples[role];
            continue;
          }
          const v = await this.lagMs(role);
          if (v !== null && role !== this.writer && this.members[role].sync === "connected") this.lagSamples[role] = { value: v, at: Date.now() };
        }
        await sleep(Math.max(100, 1_000 * this.o.timeScale));
      }
    })();
    this.busy.push(this.sampler);
  }

  // --- DescribeGlobalClusters (+ each member's DescribeDBClusters / instances / lag) --------------------------------

  async globalCluster(opts: GlobalReadOptions = {}): Promise<GlobalClusterState> {
    const askedIn = opts.only ?? (this.region("primary").apiUp ? "primary" : "secondary");
    if (!this.region(askedIn).apiUp) throw this.apiDown(askedIn);
    const members: GlobalMemberState[] = [];
    for (const role of ["primary", "secondary"] as const) {
      const m = this.members[role];
      if (!m.listed) continue;
      const id = regionClusterIdentifier(this.config, role);
      const region = this.config.regions[role].region;
      const isWriter = role === this.writer;
      const readHere = (!opts.only || opts.only === role) && this.region(role).apiUp;
      const sample = readHere && !isWriter && m.sync === "connected" ? (this.lagSamples[role] ?? null) : null;
      const lag = sample?.value ?? null;
      members.push({
        role,
        region,
        clusterIdentifier: id,
        clusterArn: this.arn(role),
        isWriter,
        status: readHere ? "available" : null,
        synchronizationStatus: isWriter ? null : m.sync,
        readers: isWriter ? (["primary", "secondary"] as const).filter((r) => r !== role && this.members[r].listed).map((r) => this.arn(r)) : [],
        instances: readHere ? [{ identifier: `${id.replace(/-cluster$/, "")}-instance1`, status: "available", isClusterWriter: isWriter }] : null,
        replicationLagMs: lag,
        rpoLagMs: lag,
        lagSampleAgeSeconds: sample ? Math.max(0, (Date.now() - sample.at) / 1000) : null,
        engineVersion: readHere ? this.config.database.engineVersion : null,
        detail: `${id} (${region}): ${isWriter ? "writer (global primary)" : `secondary, sync ${m.sync}`}${readHere ? ", available" : `, not read in ${region}`}${lag !== null ? `, RPO lag ${lag} ms` : ""}`,
      });
    }
    const f = this.failoverState;
    return {
      identifier: globalClusterIdentifier(this.config),
      found: true,
      status: "available",
      engineVersion: this.config.database.engineVersion,
      readIn: opts.only ? [this.config.regions[opts.only].region] : (["primary", "secondary"] as const).filter((r) => this.region(r).apiUp).map((r) => this.config.regions[r].region),
      members,
      failoverState: f,
      detail: `global cluster ${globalClusterIdentifier(this.config)} (drill): ${members.map((m) => m.detail).join("; ")}${f ? `; ${f.isDataLossAllowed ? "failover" : "switchover"} ${f.status}` : ""}`,
    };
  }

  private precheck(target: RegionRole, sentIn: RegionRole): GlobalActionAttempt | null {
    if (!this.region(sentIn).apiUp) return { outcome: "not-sent", detail: `${this.config.regions[sentIn].region}'s RDS API does not answer (connection timed out before it was made)` };
    const f = this.failoverState;
    if (f && f.toClusterArn === this.arn(target) && f.status !== "cancelling") return { outcome: "in-progress", detail: `a ${f.isDataLossAllowed ? "failover" : "switchover"} toward ${regionClusterIdentifier(this.config, target)} is ${f.status}` };
    if (f) return { outcome: "refused", refusal: "state", detail: `InvalidGlobalClusterStateFault: a ${f.isDataLossAllowed ? "failover" : "switchover"} is ${f.status}` };
    if (this.writer === target) return { outcome: "already-writer", detail: `${regionClusterIdentifier(this.config, target)} is the writer: nothing sent` };
    if (!this.members[target].listed) return { outcome: "refused", refusal: "state", detail: `InvalidGlobalClusterStateFault: ${regionClusterIdentifier(this.config, target)} is not a member` };
    return null;
  }

  /** SwitchoverGlobalCluster (sent to the current primary's region). */
  async switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    const from = other(target);
    const pre = this.precheck(target, from);
    if (pre) return pre;
    if (this.members[target].sync !== "connected") return { outcome: "refused", refusal: "state", detail: `InvalidGlobalClusterStateFault: ${regionClusterIdentifier(this.config, target)} is ${this.members[target].sync}` };
    this.failoverState = { status: "switching-over", fromClusterArn: this.arn(from), toClusterArn: this.arn(target), isDataLossAllowed: false };
    this.note(`switchover to ${target} taken`);
    this.moves.push("switchover");
    this.track(this.runSwitchover(from, target));
    return { outcome: "requested", detail: `SwitchoverGlobalCluster (drill) to ${regionClusterIdentifier(this.config, target)}: switching-over` };
  }

  /** FailoverGlobalCluster --allow-data-loss (sent to the target's region). */
  async failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    const from = other(target);
    const pre = this.precheck(target, target);
    if (pre) return pre;
    this.failoverState = { status: "failing-over", fromClusterArn: this.arn(from), toClusterArn: this.arn(target), isDataLossAllowed: true };
    this.note(`failover (allow data loss) to ${target} taken`);
    this.moves.push("failover");
    this.track(this.runFailover(from, target));
    return { outcome: "requested", detail: `FailoverGlobalCluster --allow-data-loss (drill) to ${regionClusterIdentifier(this.config, target)}: failing-over` };
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: Error) => this.note(`operation failed: ${e.message}`));
    this.busy.push(q);
  }

  /** Storage-level fence: new transactions read-only, the app's sessions ended (a fenced cluster takes no write). */
  private async fence(role: RegionRole, timeoutMs: number): Promise<void> {
    await this.sql(role, "ALTER SYSTEM SET default_transaction_read_only = on", timeoutMs);
    await this.sql(role, "SELECT pg_reload_conf()", timeoutMs);
    await this.sql(role, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '${APP_USER}'`, timeoutMs);
  }

  private async unfence(role: RegionRole): Promise<void> {
    await this.sql(role, "ALTER SYSTEM RESET default_transaction_read_only", 5_000);
    await this.sql(role, "SELECT pg_reload_conf()", 5_000);
  }

  private async cancel(from: RegionRole, why: string): Promise<void> {
    this.note(`switchover cancelled: ${why}`);
    this.failoverState = this.failoverState && { ...this.failoverState, status: "cancelling" };
    // Both clusters return to their previous roles: the old primary's fence is lifted once it answers (unless a failover meanwhile).
    await sleep(Math.max(1_500, 3_000 * this.o.timeScale));
    this.failoverState = null;
    this.track(
      (async () => {
        while (!this.stopped && this.writer === from && !this.toRecover.has(from)) {
          try {
            await this.unfence(from);
            this.note(`${from}: fence of the cancelled switchover lifted`);
            return;
          } catch {
            await sleep(200);
          }
        }
      })(),
    );
  }

  private async runSwitchover(from: RegionRole, target: RegionRole): Promise<void> {
    // How long the switchover waits for the old primary to answer before it is cancelled (the drill's choice, scaled).
    const answerMs = Math.max(3_000, 60_000 * this.o.timeScale);
    try {
      await this.fence(from, answerMs);
    } catch (e) {
      return this.cancel(from, `${from} did not answer the fence (${(e as Error).message})`);
    }
    // Fully synchronized: the target has replayed everything the fenced primary wrote.
    const end = await this.sql(from, "SELECT pg_current_wal_lsn()", answerMs).catch(() => null);
    if (end === null) return this.cancel(from, `${from} did not report its WAL end`);
    const deadline = Date.now() + Math.max(10_000, 300_000 * this.o.timeScale);
    for (;;) {
      const caught = await this.sql(target, `SELECT pg_last_wal_replay_lsn() >= '${end}'::pg_lsn`, 2_000).catch(() => "");
      if (caught === "t") break;
      if (Date.now() > deadline) return this.cancel(from, `${target} did not catch up to ${end}`);
      await sleep(50);
    }
    await this.sql(target, "SELECT pg_promote(true, 60)", 65_000);
    this.writer = target;
    this.writeHosts();
    this.members[from].sync = "pending-resync";
    delete this.lagSamples[target];
    delete this.lagSamples[from];
    this.note(`switchover: ${target} promoted at ${end}, its cluster endpoint resolves; ${from}'s is inactive`);
    // The old primary becomes a secondary member in sync: rebuilt as a replica of the new primary.
    await this.env.rebuildAsReplicaOf(this.region(from), this.region(target));
    this.members[from].sync = "connected";
    this.failoverState = null;
    this.note(`switchover done: ${from} is a secondary member, connected`);
  }

  private async runFailover(from: RegionRole, target: RegionRole): Promise<void> {
    // Best-effort fence at once (the endpoint first), then whenever the old primary answers.
    this.members[from].listed = false;
    this.toRecover.add(from);
    await this.sql(target, "SELECT pg_promote(true, 60)", 65_000);
    this.writer = target;
    this.writeHosts();
    delete this.lagSamples[target];
    delete this.lagSamples[from];
    this.failoverState = null;
    this.note(`failover: ${target} promoted, its cluster endpoint resolves; ${from} left the global cluster until it answers`);
    this.track(this.recover(from, target));
  }

  /** The old primary of a failover, once it answers: fenced, its volume snapshotted (point of failure), rebuilt as a secondary. */
  private async recover(from: RegionRole, target: RegionRole): Promise<void> {
    while (!this.stopped) {
      try {
        await this.fence(from, 1_000);
        break;
      } catch {
        // not answering yet (killed or frozen)
      }
      await sleep(100);
    }
    if (this.stopped) return;
    this.note(`${from} answers again: fenced (read-only, sessions ended)`);
    this.members[from] = { listed: true, sync: "pending-resync" };
    const id = regionClusterIdentifier(this.config, from);
    const createdAt = Date.now();
    const stamp = new Date(createdAt).toISOString().replace(/\D/g, "").slice(0, 12);
    const identifier = `${failoverSnapshotPrefix(id)}-${stamp}`;
    const file = path.join(this.env.dir, "aurora-snapshots", `${identifier.replace(/:/g, "_")}.dump`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const titles = await psql(this.region(from).pgPort, "SELECT title FROM notes", "drweb", 10_000).catch(() => "");
    this.snapshotTitles.push(...titles.split("\n").filter(Boolean));
    await dump(this.region(from).pgPort, file);
    this.snapshots.push({ role: from, identifier, status: "available", type: "automated", createdAt, file });
    this.note(`snapshot ${identifier} of ${from}'s old volume (point of failure)`);
    await this.env.rebuildAsReplicaOf(this.region(from), this.region(target));
    this.toRecover.delete(from);
    this.members[from].sync = "connected";
    this.note(`${from} rebuilt and added back as a secondary member, connected`);
  }

  // --- snapshots -------------------------------------------------------------------------------------------------

  async clusterSnapshots(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]> {
    if (!this.region(role).apiUp) throw this.apiDown(role);
    return this.snapshots.filter((s) => s.role === role && s.identifier.startsWith(prefix)).map(({ identifier, status, type, createdAt }) => ({ identifier, status, type, createdAt }));
  }

  async clusterSnapshot(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null> {
    if (!this.region(role).apiUp) throw this.apiDown(role);
    const s = this.snapshots.find((x) => x.role === role && x.identifier === identifier);
    return s ? { identifier: s.identifier, status: s.status, type: s.type, createdAt: s.createdAt } : null;
  }

  async copyClusterSnapshot(role: RegionRole, source: string, target: string): Promise<string> {
    if (!this.region(role).apiUp) throw this.apiDown(role);
    if (this.snapshots.some((x) => x.role === role && x.identifier === target)) return `${target} exists: not copied again`;
    const s = this.snapshots.find((x) => x.role === role && x.identifier === source);
    if (!s) throw Object.assign(new Error(`DBClusterSnapshotNotFoundFault: ${source}`), { name: "DBClusterSnapshotNotFoundFault" });
    const file = path.join(path.dirname(s.file), `${target}.dump`);
    fs.copyFileSync(s.file, file);
    this.snapshots.push({ role, identifier: target, status: "available", type: "manual", createdAt: Date.now(), file });
    return `CopyDBClusterSnapshot (drill) ${source} -> ${target}`;
  }

  /** Waits for the operations under way (a rebuild) and stops the background recoveries. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.busy);
  }

  /** Whether an operation or a rebuild is still running (the drill waits before it reads the end state). */
  settled(): boolean {
    return this.failoverState === null && this.toRecover.size === 0 && this.members.primary.sync === "connected" && this.members.secondary.sync === "connected";
  }
}

function dump(port: number, file: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(pgBin("pg_dump"), ["-h", LOOPBACK, "-p", String(port), "-U", "postgres", "-Fc", "-f", file, "drweb"], { timeout: 60_000, env: { ...process.env, PGCONNECT_TIMEOUT: "2" } }, (err, _o, stderr) =>
      err ? reject(new Error(`pg_dump: ${(stderr || err.message).trim().split("\n")[0]}`)) : resolve(),
    ),
  );
}
