import { REGION_ROLES, type RegionRole, type ValidConfig } from "../config";
import { regionTopology } from "../database/topology";
import { failoverSwitch } from "../dns/contract";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, isAurora, regionClusterIdentifier } from "../database/aurora-contract";
import { auroraOps, member } from "./aurora-global";
import { names } from "./names";
import { switchCommand } from "./switch-step";
import type { DatabaseState, DrPlatform, GlobalClusterState, GlobalMemberState, HealthCheckState, RegionalClusterState, SwitchState, WebState } from "./platform";
import { collectRestorable, renderRestorable, type RestorableStatus } from "./restorable-status";

/**
 * `dr status`: both regions at a glance, and whether AWS matches the
 * config's `database.drState` and `dns.forceFailover` (a mismatch means the
 * config, and so the next deploy or runbook run, would fight what the
 * runbook did; the failover switch itself is never changed by a deploy).
 * Whatever could not be read is said so, with the reason ("could not be
 * read (...)", and `readErrors` in --json), never shown as empty or as
 * "none found".
 */

/** Something `dr status` could not read. */
export interface ReadError {
  /** What: "Route53 health checks", "failover switch ...", "us-east-2 web fleet ...", "us-east-2 database <id>". */
  readonly what: string;
  /** Why, with the cause when it is known (credentials, permissions, network). */
  readonly reason: string;
  /** The cause's kind (no-credentials, credentials-rejected, access-denied, network, throttled), when known. */
  readonly cause?: string;
}

export interface RegionStatus {
  readonly role: RegionRole;
  readonly region: string;
  readonly web: WebState;
  readonly database: DatabaseState;
  /** What the config's drState says the Writer should be. */
  readonly expectedDbRole: "writer" | "replica" | "any";
  /** Aurora mode: the region's own cluster as its region's RDS API describes it (null: could not be read; absent: RDS mode, or a platform without the read). */
  readonly cluster?: RegionalClusterState | null;
  /** Aurora mode: whether the region's cluster takes writes, as judged from the global cluster and the region's own view. */
  readonly auroraWrite?: AuroraWriteState;
}

/**
 * Aurora mode: whether a region's cluster takes writes. The global cluster's
 * writer does; a secondary member does not ("read-only": RDS API Reference,
 * SwitchoverGlobalCluster); a cluster removed from the global cluster does, on
 * its own: "The cluster becomes a standalone cluster with read-write
 * capability instead of being read-only and receiving data from a primary
 * cluster in a different Region" (RDS API Reference, RemoveFromGlobalCluster).
 */
export interface AuroraWriteState {
  /** true: it takes writes; false: it cannot; null: unknown (what decides it could not be read). */
  readonly writable: boolean | null;
  /** The global cluster's writer (DescribeGlobalClusters IsWriter). */
  readonly globalWriter: boolean;
  /** The cluster exists (a member, or found in its region); null: unknown. */
  readonly exists: boolean | null;
  /** One phrase: the cluster and what it is. */
  readonly how: string;
}

export interface DrStatus {
  readonly drState: string;
  readonly forceFailover: boolean;
  readonly healthChecks: readonly HealthCheckState[];
  /** The failover switch (null: dns disabled or could not be read). */
  readonly failoverSwitch: SwitchState | null;
  /** Aurora Global Database mode: the global cluster (members, writer, FailoverState, lag); null: RDS mode or could not be read. */
  readonly globalCluster?: GlobalClusterState | null;
  readonly regions: readonly RegionStatus[];
  /** Config vs reality: each one a sentence. Empty: they agree. */
  readonly mismatches: readonly string[];
  /** Things to look at that do not contradict the config. */
  readonly warnings: readonly string[];
  /** What could not be read, and why; each of those fields is printed as "could not be read (<reason>)". */
  readonly readErrors: readonly ReadError[];
  /** Something could not be read (credentials rejected, a region down): the comparison is incomplete. */
  readonly incomplete: boolean;
  /** The verdict `dr status` exits with: mismatch (exit 3; a SPLIT BRAIN is one), incomplete (exit 4), agree (exit 0). */
  readonly verdict: "agree" | "mismatch" | "incomplete";
  /**
   * Each region's restorable window of the writer (point-in-time restore, restorable-status.ts). Its findings
   * (no replicated copy, the latest restorable time lagging more than runbook.maxRestorableLagMinutes) are
   * warnings: they do not change the verdict or the exit code; a window that could not be read is a read error.
   */
  readonly restorable?: RestorableStatus;
}

/** `dr status`'s exit code: 3 a mismatch (config vs AWS, a split brain), 4 something could not be read, 0 they agree. */
export function statusExitCode(s: Pick<DrStatus, "verdict">): number {
  return s.verdict === "mismatch" ? 3 : s.verdict === "incomplete" ? 4 : 0;
}

const UNREAD = "could not be read";

/**
 * Bound on each read of `dr status` (a read chains a few SDK calls, each
 * bounded by its own abort signal): the status never waits longer than this
 * for anything, and says what it could not read in time.
 */
export const STATUS_READ_TIMEOUT_MS = 60_000;

/** A read bounded by timeoutMs: its value, or fallback(the error) (a throw, or "no answer within N s"). Shared with readiness.ts. */
export async function settle<T>(p: Promise<T>, fallback: (e: Error) => T, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { name: "TimeoutError" })), timeoutMs);
      timer.unref?.();
    });
    p.catch(() => undefined);
    return await Promise.race([p, late]);
  } catch (e) {
    return fallback(e as Error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** A fleet that provably serves nothing: desired 0 and no instance left. */
function provablyFenced(w: WebState): boolean {
  return w.desiredCapacity === 0 && (w.runningInstances ?? 1) === 0;
}

/**
 * Aurora mode: the fleet can still serve (a healthy target behind the ALB, or
 * an ASG not provably fenced: desired above 0 or an instance still listed);
 * null: it could not be read.
 */
function fleetCanServe(w: WebState): boolean | null {
  if (w.desiredCapacity === null && w.healthyTargets === null) return null;
  if ((w.healthyTargets ?? 0) > 0) return true;
  if (w.desiredCapacity === null) return (w.runningInstances ?? 0) > 0;
  return !provablyFenced(w);
}

function fleetText(w: WebState): string {
  return `fleet desired ${w.desiredCapacity ?? "none (no such ASG)"}, ${w.runningInstances ?? "?"} instance(s), ${w.healthyTargets ?? "?"}/${w.totalTargets ?? "?"} targets healthy`;
}

/** The fence of a region's web fleet, as the runbook's fence steps send it (AwsPlatform.scaleWeb). */
function fenceCommand(config: ValidConfig, role: RegionRole): string {
  const n = names(config, role);
  return `aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0`;
}

export async function collectStatus(config: ValidConfig, platform: DrPlatform, opts: { readonly readTimeoutMs?: number } = {}): Promise<DrStatus> {
  const readTimeout = opts.readTimeoutMs ?? STATUS_READ_TIMEOUT_MS;
  const drState = config.database.drState;
  const gens = config.database.generations;
  // Filled as the reads settle; listed in a fixed order (health checks, the switch, then each region's web and database).
  const unreadAt: Array<ReadError | undefined> = [];
  const unread = (slot: number, what: string, e: Error): string => {
    const cause = platform.explain?.(e) ?? null;
    const reason = cause ? cause.summary : (e?.message ?? String(e));
    unreadAt[slot] = { what, reason, ...(cause ? { cause: cause.kind } : {}) };
    return reason;
  };
  const sw = failoverSwitch(config);
  const switchWhat = `failover switch (alarm ${sw.alarmName} in ${sw.region})`;
  const aurora = isAurora(config);
  const globalWhat = `Aurora global cluster ${globalClusterIdentifier(config)}`;
  // Aurora: one read of the global cluster gives both regions' databases (each member read in its own region).
  const globalRead: Promise<GlobalClusterState | null> = aurora
    ? settle(Promise.resolve().then(() => auroraOps({ platform }).globalCluster()), (e) => {
        unread(6, globalWhat, e);
        return null;
      }, readTimeout)
    : Promise.resolve(null);
  // Slots 7 and 8: each region's restorable window (restorable-status.ts), read beside the rest.
  const restorableRead = collectRestorable(config, platform, {
    settle: (p, what, slot, fallback) => settle(p, (e) => {
      unread(slot, what, e);
      return fallback;
    }, readTimeout),
    firstSlot: 7,
  });
  const [healthChecks, switchState, ...perRegion] = await Promise.all([
    settle(platform.healthChecks(), (e) => {
      unread(0, "Route53 health checks", e);
      return [] as HealthCheckState[];
    }, readTimeout),
    config.dns.enabled
      ? settle(platform.failoverSwitch(), (e) => {
          unread(1, switchWhat, e);
          return null;
        }, readTimeout)
      : Promise.resolve(null),
    ...REGION_ROLES.flatMap((role, i) => {
      const n = names(config, role);
      return [
        settle(platform.web(role), (e): WebState => ({
          role, healthyTargets: null, totalTargets: null, desiredCapacity: null, runningInstances: null,
          detail: `${UNREAD} (${unread(2 + 2 * i, `${n.region} web fleet (ASG ${n.asg}, target group ${n.targetGroup})`, e)})`,
        }), readTimeout),
        aurora
          ? platform.regionalCluster
            ? settle(platform.regionalCluster(role), (e) => {
                unread(3 + 2 * i, `${n.region} Aurora cluster ${regionClusterIdentifier(config, role)}`, e);
                return null;
              }, readTimeout)
            : Promise.resolve(undefined)
          : settle(platform.database(role, gens[role]), (e): DatabaseState => ({
          role, identifier: n.writer(gens[role]), dbRole: "unknown", status: null, source: null, lagSeconds: null, lagSampledAt: null, readers: [],
          detail: `${UNREAD} (${unread(3 + 2 * i, `${n.region} database ${n.writer(gens[role])} and its readers`, e)})`,
        }), readTimeout),
      ];
    }),
  ]);
  const globalCluster = await globalRead;
  const restorable = await restorableRead;
  const regions: RegionStatus[] = REGION_ROLES.map((role, i) => {
    if (aurora) {
      // drState names the global primary (AURORA_GLOBAL_PRIMARY); in failedOver the primary region is not deployed: anything goes there.
      const expected = AURORA_GLOBAL_PRIMARY[drState] === role ? "writer" : drState === "failedOver" && role === "primary" ? "any" : "replica";
      const cluster = perRegion[2 * i + 1] as RegionalClusterState | null | undefined;
      const write = auroraWriteState(config, role, globalCluster, cluster);
      return {
        role,
        region: config.regions[role].region,
        web: perRegion[2 * i] as WebState,
        database: memberAsDatabase(config, role, globalCluster, cluster, write),
        expectedDbRole: expected,
        ...(cluster !== undefined ? { cluster } : {}),
        auroraWrite: write,
      };
    }
    const topo = regionTopology(drState, role, gens[role]);
    // In failedOver the old primary is stale and not deployed: whatever it is, the config does not describe it.
    const expected = drState === "failedOver" && role === "primary" ? "any" : topo.writer === "replica" ? "replica" : "writer";
    return { role, region: config.regions[role].region, web: perRegion[2 * i] as WebState, database: perRegion[2 * i + 1] as DatabaseState, expectedDbRole: expected };
  });

  const mismatches: string[] = [];
  const warnings: string[] = [];
  if (aurora && globalCluster) auroraFindings(config, globalCluster, mismatches, warnings);
  if (aurora) auroraSplitBrain(config, regions, mismatches, warnings);
  for (const r of regions) {
    if (aurora) break; // compared as a whole by auroraFindings
    const db = r.database;
    if (r.expectedDbRole === "any") {
      if (db.dbRole === "writer" && db.isolated === false) {
        warnings.push(`${r.region}: the old writer ${db.identifier} is not isolated from the app (no ${"dr-isolated"} tag): \`dr failover --unplanned\` does it after the promotion, \`dr failback\` retires it`);
      }
      continue;
    }
    if (db.dbRole === "unknown") {
      // In readErrors; nothing to compare.
    } else if (db.dbRole !== r.expectedDbRole) {
      mismatches.push(
        `${r.region} (${r.role}): config database.drState "${drState}" (generation ${gens[r.role]}) expects ${db.identifier} to be a ${r.expectedDbRole}, AWS reports ${db.dbRole}` +
          (db.dbRole === "writer" && r.expectedDbRole === "replica" ? ` (it was promoted: set drState to "failedOver", docs/failover-runbook.md step 4)` : ""),
      );
    }
  }
  // Two writers: whatever the config says, at most one of them may have a fleet that can still serve (Aurora: auroraSplitBrain).
  const writers = aurora ? [] : regions.filter((r) => r.database.dbRole === "writer");
  if (writers.length > 1) {
    const serving = writers.filter((r) => r.web.desiredCapacity !== null && !provablyFenced(r.web));
    const unknown = writers.filter((r) => r.web.desiredCapacity === null);
    if (serving.length > 1) {
      mismatches.push(
        `SPLIT BRAIN: both regions have a standalone writer and a web fleet that can serve (${serving.map((r) => `${r.region}: ${r.database.identifier}, fleet desired ${r.web.desiredCapacity}, ${r.web.runningInstances ?? "?"} instance(s)`).join("; ")}): ` +
          `writes may land in either. Fence the old primary now: aws autoscaling update-auto-scaling-group --region ${serving[0].region} --auto-scaling-group-name ${names(config, serving[0].role).asg} --min-size 0 --desired-capacity 0 (the region Route53 does not send users to), then \`dr status\` again`,
      );
    } else if (serving.length === 1 && unknown.length) {
      warnings.push(`both regions have a standalone writer and ${unknown.map((r) => r.region).join(", ")}'s fleet could not be read: a split brain cannot be ruled out`);
    }
  }
  if (!config.dns.enabled) {
    warnings.push("dns.enabled is false: no health checks, no failover switch");
  } else if (switchState === null) {
    // In readErrors.
  } else if (switchState.alarmState === null) {
    warnings.push(`${switchWhat} was not found (dns stack not deployed?)`);
  } else if (switchState.forced === null) {
    warnings.push(
      `${switchWhat} has no position (${switchState.alarmState}: never written since it was created). Route53 treats it as released, but set it once so both switch checks settle: ${switchCommand(config, config.dns.forceFailover)}`,
    );
  } else if (switchState.forced !== config.dns.forceFailover) {
    mismatches.push(
      `${switchWhat}: config dns.forceFailover ${config.dns.forceFailover}, the switch is ${switchState.forced ? "forced (traffic goes to the secondary whatever its health)" : "released (traffic follows health)"}` +
        ` (${switchState.detail}): set dns.forceFailover to ${switchState.forced} to record it (no deploy changes the switch), or flip the switch: ${switchCommand(config, config.dns.forceFailover)}`,
    );
  }
  if (config.dns.enabled && healthChecks.length && !healthChecks.some((h) => h.role === "primary-gate")) {
    warnings.push("no Route53 health check tagged dr-health-check=primary-gate was found (dns stack not deployed?)");
  }
  for (const h of healthChecks) if (h.healthy === false && (h.role === "primary" || h.role === "secondary")) warnings.push(`Route53 ${h.role} check is unhealthy: ${h.detail}`);
  warnings.push(...restorable.findings);
  const readErrors = unreadAt.filter((e): e is ReadError => e !== undefined);
  const incomplete = readErrors.length > 0;
  const verdict = mismatches.length ? "mismatch" : incomplete ? "incomplete" : "agree";
  return { drState, forceFailover: config.dns.forceFailover, healthChecks, failoverSwitch: switchState, ...(aurora ? { globalCluster } : {}), regions, mismatches, warnings, readErrors, incomplete, verdict, restorable };
}

/**
 * Aurora mode: does the region's cluster take writes? From the global
 * cluster (its writer, or a secondary member) and, for a cluster it does not
 * list, the region's own DescribeDBClusters: a standalone cluster (no global
 * cluster named, or the global cluster gone) with a writer instance takes
 * writes on its own (RemoveFromGlobalCluster). Nothing is guessed: a global
 * cluster that could not be read leaves a cluster that is not provably absent
 * unknown.
 */
function auroraWriteState(config: ValidConfig, role: RegionRole, g: GlobalClusterState | null, c: RegionalClusterState | null | undefined): AuroraWriteState {
  const id = regionClusterIdentifier(config, role);
  const m = g?.found ? member(g, role) : undefined;
  if (m?.isWriter) return { writable: true, globalWriter: true, exists: true, how: `${id}, the global primary (writer of ${g!.identifier})` };
  if (m) return { writable: false, globalWriter: false, exists: true, how: `${id}, a secondary member of ${g!.identifier} (read-only, ${m.status ?? "status unknown"}, sync ${m.synchronizationStatus ?? "not reported"})` };
  if (c === null) return { writable: null, globalWriter: false, exists: null, how: `${id}: ${g?.found ? `not a member of ${g.identifier}, and ` : ""}${UNREAD} in its region` };
  if (c === undefined) return { writable: null, globalWriter: false, exists: null, how: `${id}: ${g?.found ? `not a member of ${g.identifier}` : UNREAD}` };
  if (!c.found) return { writable: false, globalWriter: false, exists: false, how: `${id}: no such cluster in ${c.region}` };
  if (!g) return { writable: null, globalWriter: false, exists: true, how: `${id} (${c.detail}): the global cluster ${UNREAD}, so whether it is a member is unknown` };
  if (g.found && c.globalClusterIdentifier === g.identifier) {
    return { writable: null, globalWriter: false, exists: true, how: `${id} names ${g.identifier} as its global cluster, which does not list it (${c.detail})` };
  }
  const writer = c.writerInstances.length > 0 && c.status !== "deleting" && c.status !== "stopped";
  const left = g.found ? `not a member of ${g.identifier}` : `${g.identifier} does not exist`;
  return {
    writable: writer,
    globalWriter: false,
    exists: true,
    how: writer
      ? `${id}, detached (${left}; ${c.globalClusterIdentifier ? `it names ${c.globalClusterIdentifier}` : "it names no global cluster"}): a standalone cluster that takes writes on its own (writer ${c.writerInstances.join(", ")}, ${c.status ?? "?"})`
      : `${id}, detached (${left}) with no writer instance (${c.status ?? "?"})`,
  };
}

/**
 * Aurora mode: the dangerous states the RDS mode reports as SPLIT BRAIN,
 * mapped to a global database.
 *
 * - Two clusters that take writes (the global primary and a detached one, or
 *   two detached ones), each with a fleet that can serve: SPLIT BRAIN.
 *   Detaching ("detach and promote") is the documented unplanned path, and
 *   AWS warns to "Make sure that application writes are sent to the correct
 *   Aurora DB cluster before, during, and after making these changes. Doing
 *   this avoids data inconsistencies among the DB clusters in the Aurora
 *   global database (split-brain issues)" (Aurora User Guide, "Recovering an
 *   Amazon Aurora global database from an unplanned outage").
 * - In failedOver, the old primary region's fleet still in service while its
 *   cluster is not the global primary: the runbook fenced that fleet (it stays
 *   at 0 until `dr failback`), and after a managed failover Aurora's own
 *   fencing of the old primary's writes is "a best-effort attempt" (Aurora
 *   User Guide, "Using switchover or failover in Amazon Aurora Global
 *   Database", managed failovers), so that fleet may still write where the
 *   writes are lost: SPLIT BRAIN RISK.
 *
 * Both are mismatches (exit 3) with the fence command; what could not be read
 * makes a warning that a split brain cannot be ruled out.
 */
function auroraSplitBrain(config: ValidConfig, regions: readonly RegionStatus[], mismatches: string[], warnings: string[]): void {
  const drState = config.database.drState;
  const want = AURORA_GLOBAL_PRIMARY[drState];
  const wantRegion = config.regions[want].region;
  const split = new Set<RegionRole>();
  const writers = regions.filter((r) => r.auroraWrite?.writable === true);
  if (writers.length > 1) {
    const serving = writers.filter((r) => fleetCanServe(r.web) === true);
    const unknown = writers.filter((r) => fleetCanServe(r.web) === null);
    // Fence the one the config does not name as the global primary (Route53 sends users to the other).
    const target = serving.find((r) => r.role !== want) ?? serving[0];
    if (serving.length > 1) {
      for (const r of serving) split.add(r.role);
      mismatches.push(
        `SPLIT BRAIN: both regions have an Aurora cluster that takes writes and a web fleet that can serve (${serving.map((r) => `${r.region}: ${r.auroraWrite!.how}; ${fleetText(r.web)}`).join(" | ")}): ` +
          `writes may land in either and the two diverge. Fence ${target.region} now (config database.drState "${drState}" names ${wantRegion} the global primary): ${fenceCommand(config, target.role)}, then \`dr status\` again`,
      );
    } else if (serving.length === 1 && unknown.length) {
      warnings.push(`both regions have an Aurora cluster that takes writes and ${unknown.map((r) => r.region).join(", ")}'s fleet ${UNREAD}: a split brain cannot be ruled out`);
    } else {
      for (const r of writers) {
        if (!r.auroraWrite!.globalWriter && fleetCanServe(r.web) === false) {
          warnings.push(
            `${r.region}: ${r.auroraWrite!.how}; its fleet is fenced: keep it so. Writes it took are not in the global cluster: snapshot it (aws rds create-db-cluster-snapshot --region ${r.region} --db-cluster-identifier ${regionClusterIdentifier(config, r.role)} --db-cluster-snapshot-identifier <name>) before the region is rebuilt (database.generations)`,
          );
        }
      }
    }
  }
  if (drState !== "failedOver") return;
  // failedOver: the old primary region's fleet stays fenced until `dr failback` (which sets drState "failback" first and brings it back read-only).
  const old = regions.find((r) => r.role !== want);
  const w = old?.auroraWrite;
  if (!old || !w || split.has(old.role) || w.globalWriter) return;
  const serves = fleetCanServe(old.web);
  if (serves === null) {
    if (w.exists !== false) warnings.push(`${old.region}'s fleet ${UNREAD} and its cluster is ${w.how}: whether the old primary still serves cannot be ruled out; fence it once its APIs answer: ${fenceCommand(config, old.role)}`);
    return;
  }
  if (!serves) return;
  const why =
    w.writable === true
      ? `which takes writes on its own: writes through that fleet land outside the global database`
      : w.exists === false
        ? `whose cluster is gone: the fleet serves without a database`
        : w.writable === false
          ? `which is no longer the global primary: after a switchover it is read-only and that fleet's writes fail; after a managed failover Aurora's fencing of the old primary's writes is only "a best-effort attempt" (Aurora User Guide, managed failovers), so writes through that fleet may still reach it, and are lost when Aurora rebuilds it as a secondary`
          : `whose role could not be read: a split brain cannot be ruled out`;
  mismatches.push(
    `${w.exists === false ? "OLD PRIMARY FLEET SERVING" : "SPLIT BRAIN RISK"}: config database.drState "failedOver" makes ${wantRegion} the only region that writes and keeps ${old.region}'s web fleet fenced until \`dr failback\`, ` +
      `but that fleet can still serve (${fleetText(old.web)}) beside ${w.how}, ${why}. Fence it now: ${fenceCommand(config, old.role)}, then \`dr status\` again ` +
      `(\`npm run dr -- failback\` brings it back, read-only, once ${regionClusterIdentifier(config, old.role)} is a secondary member in sync)`,
  );
}

/** A region's member of the global cluster, in the shape the per-region view reads (a cluster the global cluster does not list: from its region's own view). */
function memberAsDatabase(config: ValidConfig, role: RegionRole, g: GlobalClusterState | null, c: RegionalClusterState | null | undefined, write: AuroraWriteState): DatabaseState {
  const identifier = regionClusterIdentifier(config, role);
  const base = { role, identifier, lagSampledAt: null, readers: [] };
  if (!g) return { ...base, dbRole: write.exists === false ? "missing" : "unknown", status: c?.status ?? null, source: null, lagSeconds: null, detail: write.exists === false ? write.how : `${UNREAD} (see below)` };
  const m = member(g, role);
  if (!m) {
    const dbRole = write.writable === true ? "writer" : write.exists === false || c !== null ? "missing" : "unknown";
    return { ...base, dbRole, status: c?.status ?? null, source: null, lagSeconds: null, detail: g.found ? write.how : `${g.detail}; ${write.how}` };
  }
  const writer = g.members.find((x) => x.isWriter);
  const lag = m.rpoLagMs ?? m.replicationLagMs;
  return {
    ...base,
    dbRole: m.isWriter ? "writer" : "replica",
    status: m.status,
    source: m.isWriter ? null : (writer?.clusterArn ?? null),
    lagSeconds: lag === null ? null : lag / 1000,
    lagSampleAgeSeconds: m.lagSampleAgeSeconds,
    replicationStatus: m.synchronizationStatus,
    readers: (m.instances ?? []).map((i) => ({ identifier: i.identifier, status: i.status })),
    detail: m.detail,
  };
}

/** Aurora mode: the writer against drState (AURORA_GLOBAL_PRIMARY), an operation under way, members not in sync. */
function auroraFindings(config: ValidConfig, g: GlobalClusterState, mismatches: string[], warnings: string[]): void {
  const drState = config.database.drState;
  if (!g.found) {
    mismatches.push(`${g.detail}: config database.engine is "aurora-postgresql" (is the primary stack deployed?)`);
    return;
  }
  const want = AURORA_GLOBAL_PRIMARY[drState];
  const wantId = regionClusterIdentifier(config, want);
  const writer = g.members.find((m) => m.isWriter);
  if (!writer) {
    mismatches.push(`${g.identifier} has no writer member (${g.detail})`);
  } else if (writer.role !== want) {
    const hint =
      writer.role === "secondary" && drState === "normal"
        ? ` (a switchover or failover moved it: \`dr failover\` records drState "failedOver")`
        : writer.role === "primary" && drState !== "normal"
          ? ` (a switchover moved it back: set drState to "normal" once \`dr failback\` is done)`
          : "";
    mismatches.push(
      `Aurora global cluster ${g.identifier}: the writer is ${writer.clusterIdentifier} (${writer.region}${writer.role ? `, ${writer.role}` : ", a cluster the config does not name"}), config database.drState "${drState}" expects ${wantId} (${config.regions[want].region}, ${want})${hint}`,
    );
  }
  for (const role of REGION_ROLES) {
    if (!member(g, role) && !(drState === "failedOver" && role === "primary")) mismatches.push(`${regionClusterIdentifier(config, role)} (${config.regions[role].region}) is not a member of ${g.identifier}`);
  }
  if (g.failoverState) {
    const f = g.failoverState;
    warnings.push(`a ${f.isDataLossAllowed ? "failover" : "switchover"} is ${f.status} on ${g.identifier} (from ${f.fromClusterArn ?? "?"} to ${f.toClusterArn ?? "?"}): the roles are changing; look again when it is over`);
  }
  for (const m of g.members) {
    if (!m.isWriter && m.synchronizationStatus && m.synchronizationStatus !== "connected") warnings.push(`${m.clusterIdentifier} (${m.region}) is ${m.synchronizationStatus}: not in sync with the writer (a switchover to it is refused)`);
    if (!m.isWriter && m.status !== null && m.rpoLagMs === null && m.replicationLagMs === null) warnings.push(`${m.clusterIdentifier} (${m.region}): no AuroraGlobalDBRPOLag / ReplicationLag datapoint in the last 20 minutes`);
  }
}

function renderMember(m: GlobalMemberState): string {
  const lag = m.isWriter ? "" : `, replication lag ${m.replicationLagMs ?? "unknown"} ms, RPO lag ${m.rpoLagMs ?? "unknown"} ms${m.lagSampleAgeSeconds !== null ? ` (${Math.round(m.lagSampleAgeSeconds)} s old)` : ""}`;
  const inst = m.instances === null ? "instances could not be read" : m.instances.map((i) => `${i.identifier} ${i.status ?? "?"}${i.isClusterWriter ? " (writer)" : ""}`).join(", ");
  return `  ${m.clusterIdentifier} (${m.region}${m.role ? `, ${m.role}` : ""}): ${m.isWriter ? "WRITER (global primary)" : "secondary"}, ${m.status ?? "status unknown"}${m.isWriter ? "" : `, sync ${m.synchronizationStatus ?? "not reported"}`}${lag}; ${inst}`;
}

export function renderStatus(s: DrStatus): string[] {
  const hc = (h: HealthCheckState) =>
    `  ${h.role.padEnd(13)} ${h.healthy === null ? "unknown  " : h.healthy ? "healthy  " : "UNHEALTHY"} ${h.healthThreshold !== undefined ? `threshold ${h.healthThreshold}/${h.children ?? 1} child  ` : ""}${h.detail}`;
  const out = [`config: database.drState "${s.drState}", dns.forceFailover ${s.forceFailover}`, "", "Route53 health checks:"];
  const hcError = s.readErrors.find((e) => e.what === "Route53 health checks");
  if (hcError) out.push(`  ${UNREAD} (${hcError.reason})`);
  else out.push(...(s.healthChecks.length ? s.healthChecks.map(hc) : ["  none tagged dr-health-check for this project and environment (dns stack not deployed?)"]));
  const swError = s.readErrors.find((e) => e.what.startsWith("failover switch"));
  const sw = s.failoverSwitch;
  out.push(
    `failover switch: ${swError ? `${UNREAD} (${swError.reason})` : !sw ? "none (dns disabled)" : `${sw.forced === null ? "no position" : sw.forced ? "FORCED to the secondary" : "released (follows health)"}  (${sw.detail})`}`,
  );
  out.push("");
  if (s.globalCluster !== undefined) {
    const g = s.globalCluster;
    const gError = s.readErrors.find((e) => e.what.startsWith("Aurora global cluster"));
    if (gError || !g) out.push(`Aurora global cluster: ${UNREAD} (${gError?.reason ?? "?"})`);
    else if (!g.found) out.push(`Aurora global cluster: ${g.detail}`);
    else {
      const f = g.failoverState;
      out.push(`Aurora global cluster ${g.identifier}: ${g.status ?? "?"}; ${f ? `${f.isDataLossAllowed ? "FAILOVER" : "SWITCHOVER"} ${f.status} from ${f.fromClusterArn ?? "?"} to ${f.toClusterArn ?? "?"}` : "no switchover or failover under way"}`);
      out.push(...g.members.map(renderMember));
    }
    out.push("");
  }
  for (const r of s.regions) {
    const db = r.database;
    out.push(`${r.region} (${r.role}):`);
    if (s.globalCluster !== undefined) {
      out.push(`  database: ${r.auroraWrite?.how ?? `${db.identifier}: ${db.dbRole}`}  (config expects: ${r.expectedDbRole === "replica" ? "secondary member" : r.expectedDbRole})`);
      if (r.web.healthyTargets === null) out.push(`  web:      ${r.web.detail}`);
      else out.push(`  web:      ${r.web.healthyTargets}/${r.web.totalTargets ?? 0} targets healthy, fleet desired ${r.web.desiredCapacity ?? "none (no such ASG)"}, ${r.web.runningInstances ?? "?"} instance(s)  (${r.web.detail})`);
      continue;
    }
    if (r.web.healthyTargets === null) {
      out.push(`  web:      ${r.web.detail}`);
    } else {
      out.push(`  web:      ${r.web.healthyTargets}/${r.web.totalTargets ?? 0} targets healthy, fleet desired ${r.web.desiredCapacity ?? "none (no such ASG)"}, ${r.web.runningInstances ?? "?"} instance(s)  (${r.web.detail})`);
    }
    if (db.dbRole === "unknown") {
      out.push(`  database: ${db.identifier}: ${db.detail}  (config expects: ${r.expectedDbRole})`);
      continue;
    }
    const lag =
      db.lagSeconds !== null
        ? `, ${db.lagSeconds < 0 ? "ReplicaLag -1 (RDS cannot determine the lag: replication not active)" : `lag ${db.lagSeconds} s`}${db.lagSampledAt ? ` at ${new Date(db.lagSampledAt).toISOString()}` : ""}${db.lagSampleAgeSeconds != null ? ` (${Math.round(db.lagSampleAgeSeconds)} s old)` : ""}`
        : db.dbRole === "replica"
          ? ", lag unknown (no ReplicaLag datapoint in the last 20 minutes)"
          : "";
    const repl = db.replicationStatus ? `, read replication ${db.replicationStatus}` : "";
    const iso = db.isolated === true ? ", isolated from the app by the runbook" : "";
    out.push(`  database: ${db.identifier}: ${db.dbRole}${db.source ? ` of ${db.source}` : ""}, ${db.status ?? "no status"}${repl}${lag}${iso}  (config expects: ${r.expectedDbRole})`);
    for (const rd of db.readers) out.push(`            ${rd.identifier}: ${rd.status ?? "missing"}`);
  }
  if (s.restorable) out.push("", ...renderRestorable(s.restorable, s.readErrors));
  out.push("");
  if (s.mismatches.length) out.push("MISMATCH between config and AWS:", ...s.mismatches.map((m) => `  - ${m}`));
  else if (s.incomplete) out.push("no mismatch found in what could be read, but not everything could be read (below).");
  else out.push("config and AWS agree.");
  if (s.readErrors.length) out.push(`${UNREAD}:`, ...s.readErrors.map((e) => `  - ${e.what}: ${e.reason}`));
  if (s.warnings.length) out.push("warnings:", ...s.warnings.map((w) => `  - ${w}`));
  return out;
}
