import { REGION_ROLES, type RegionRole, type ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, regionClusterIdentifier } from "../database/aurora-contract";
import { member } from "./aurora-global";
import { names } from "./names";
import type { DatabaseState, WebState } from "./platform";
import type { GlobalClusterState, GlobalMemberState, RegionalClusterState } from "./global-database-platform";
import { provablyFenced, UNREAD, type AuroraWriteState, type RegionStatus } from "./status-model";

// `dr status` in Aurora mode (database.engine "aurora-postgresql"; status.ts calls these): whether each region's
// cluster takes writes, the split brain between two writable clusters, the global cluster's findings, and how a
// member is shown.

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

/**
 * Aurora mode: does the region's cluster take writes? From the global
 * cluster (its writer, or a secondary member) and, for a cluster it does not
 * list, the region's own DescribeDBClusters: a standalone cluster (no global
 * cluster named, or the global cluster gone) with a writer instance takes
 * writes on its own (RemoveFromGlobalCluster). Nothing is guessed: a global
 * cluster that could not be read leaves a cluster that is not provably absent
 * unknown.
 */
export function auroraWriteState(config: ValidConfig, role: RegionRole, g: GlobalClusterState | null, c: RegionalClusterState | null | undefined): AuroraWriteState {
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
export function auroraSplitBrain(config: ValidConfig, regions: readonly RegionStatus[], mismatches: string[], warnings: string[]): void {
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
export function memberAsDatabase(config: ValidConfig, role: RegionRole, g: GlobalClusterState | null, c: RegionalClusterState | null | undefined, write: AuroraWriteState): DatabaseState {
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
export function auroraFindings(config: ValidConfig, g: GlobalClusterState, mismatches: string[], warnings: string[]): void {
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

export function renderMember(m: GlobalMemberState): string {
  const lag = m.isWriter ? "" : `, replication lag ${m.replicationLagMs ?? "unknown"} ms, RPO lag ${m.rpoLagMs ?? "unknown"} ms${m.lagSampleAgeSeconds !== null ? ` (${Math.round(m.lagSampleAgeSeconds)} s old)` : ""}`;
  const inst = m.instances === null ? "instances could not be read" : m.instances.map((i) => `${i.identifier} ${i.status ?? "?"}${i.isClusterWriter ? " (writer)" : ""}`).join(", ");
  return `  ${m.clusterIdentifier} (${m.region}${m.role ? `, ${m.role}` : ""}): ${m.isWriter ? "WRITER (global primary)" : "secondary"}, ${m.status ?? "status unknown"}${m.isWriter ? "" : `, sync ${m.synchronizationStatus ?? "not reported"}`}${lag}; ${inst}`;
}
