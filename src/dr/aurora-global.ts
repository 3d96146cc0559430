import type { RegionRole, ValidConfig } from "../config";
import { globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { switchCommand } from "./switch-step";
import { names } from "./names";
import type { StepContext, StepGuard } from "./plan-model";
import type { GlobalClusterState, GlobalDatabasePlatform, GlobalMemberState, GlobalReadOptions } from "./platform";
import { ok, no } from "./check-helpers";

/** Reading the Aurora global cluster: its members, their lag and the operation under way, and the guards built on them (aurora-plan.ts describes the mode). */

/**
 * How many times RDS may refuse a switchover (planned) or a failover
 * (unplanned) with InvalidGlobalClusterStateFault / InvalidDBClusterStateFault,
 * one request a poll, before the step gives up: a refusal that does not clear
 * (engine patch levels that differ, a cluster in maintenance) ends the step in
 * about two poll intervals instead of keeping the fleet fenced for
 * runbook.promoteTimeoutSeconds; a planned switchover is then rolled back
 * (nothing was taken). Throttling is not counted (it clears by itself).
 */
export const MAX_GLOBAL_REFUSALS = 3;

/** The platform's global-database calls, or a clear error (the RDS drill's local platform has none; LocalAuroraPlatform has them). */
export function auroraOps(ctx: Pick<StepContext, "platform">): GlobalDatabasePlatform {
  const p = ctx.platform;
  if (!p.globalCluster || !p.switchoverGlobal || !p.failoverGlobal) {
    throw new Error(
      `database.engine is "aurora-postgresql", but the ${p.name} platform has no Aurora Global Database calls (globalCluster, switchoverGlobal, failoverGlobal): the Aurora plans run against AWS, or in the drill's Aurora scenarios against its Aurora stand-in (LocalAuroraPlatform, npm run drill -- --scenario aurora-planned,...). Use one of those, or engine "postgres" for the RDS drill`,
    );
  }
  return p as unknown as GlobalDatabasePlatform;
}

export const member = (g: GlobalClusterState, role: RegionRole): GlobalMemberState | undefined => g.members.find((m) => m.role === role);

export const other = (role: RegionRole): RegionRole => (role === "primary" ? "secondary" : "primary");

/** The lag a switchover or failover is judged on (ms): AuroraGlobalDBRPOLag, else AuroraGlobalDBReplicationLag. */
export function lagMs(m: GlobalMemberState): number | null {
  return m.rpoLagMs ?? m.replicationLagMs;
}

/** An operation toward the target is pending or running (a cancelled one is not). */
export function underWayToward(g: GlobalClusterState, m: GlobalMemberState): boolean {
  return g.failoverState !== null && g.failoverState.status !== "cancelling" && g.failoverState.toClusterArn === m.clusterArn;
}

export function describeOp(g: GlobalClusterState): string {
  const f = g.failoverState;
  return f ? `a ${f.isDataLossAllowed ? "failover" : "switchover"} ${f.status} from ${f.fromClusterArn ?? "?"} to ${f.toClusterArn ?? "?"}` : "no switchover or failover under way";
}

/** "16.6" of "16.6", "16.6.2" or "16.6.aurora..." (Aurora PostgreSQL versions are major.minor; a patch level is not in EngineVersion). */
export function majorMinor(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/** The manual (detach and promote) path, printed where a managed failover is impossible. */
export function detachAndPromote(config: ValidConfig, target: RegionRole): string {
  const t = regionClusterIdentifier(config, target);
  const region = config.regions[target].region;
  const o = names(config, other(target));
  return (
    `The managed path is closed; AWS's manual failover ("detach and promote", Aurora User Guide, "Performing manual failovers for Aurora global databases") is: ` +
    `(1) stop writes to the old primary: the switch forced (${switchCommand(config, true)}), its fleet at zero where its APIs answer (aws autoscaling update-auto-scaling-group --region ${o.region} --auto-scaling-group-name ${o.asg} --min-size 0 --desired-capacity 0), and runbook.clientDrainSeconds waited out; ` +
    `(2) aws rds remove-from-global-cluster --region ${region} --global-cluster-identifier ${globalClusterIdentifier(config)} --db-cluster-identifier <ARN of ${t}> ` +
    `("The cluster becomes a standalone cluster with read-write capability": RDS API Reference, RemoveFromGlobalCluster); it then writes on its own cluster endpoint, which the global writer endpoint does not follow; ` +
    `(3) check writes through ${region}'s load balancer (\`dr status\`); the old primary stays fenced: it is still the primary of the old global cluster and must never take writes again. ` +
    `Rebuilding the global database afterwards is a new global cluster around ${t} (a generation bump: docs/dr-runbook.md, "Detach and promote").`
  );
}

/**
 * What can be known before anything changes that makes AWS refuse a managed
 * switchover or failover to `t` (Aurora User Guide, "Using switchover or
 * failover in Amazon Aurora Global Database"):
 * - "You can perform managed cross-Region switchovers [and failovers] with
 *   Aurora Global Database only if the primary and secondary DB clusters have
 *   the same major and minor engine versions": t's EngineVersion against the
 *   source member's (read in its region) or, when that region is not read
 *   (the unplanned path), the global cluster's EngineVersion;
 * - "Before you can perform a switchover or failover to a headless secondary
 *   Aurora DB cluster, you must add a DB instance to it": t has an available
 *   instance.
 * Patch levels that must match are not visible in EngineVersion: a refusal
 * for them is capped (MAX_GLOBAL_REFUSALS).
 */
export function managedMoveBlockers(g: GlobalClusterState, t: GlobalMemberState, source?: GlobalMemberState): string[] {
  const out: string[] = [];
  if (t.instances !== null) {
    if (t.instances.length === 0) out.push(`${t.clusterIdentifier} is headless (no DB instance): "Before you can perform a switchover or failover to a headless secondary Aurora DB cluster, you must add a DB instance to it"`);
    else if (!t.instances.some((i) => i.status === "available")) out.push(`${t.clusterIdentifier} has no available DB instance (${t.instances.map((i) => `${i.identifier} ${i.status ?? "?"}`).join(", ")}): none can be promoted to its writer`);
  }
  const theirs = source?.engineVersion ?? g.engineVersion ?? null;
  const whose = source?.engineVersion ? `${source.clusterIdentifier}'s` : `the global cluster's`;
  if (t.engineVersion && theirs && majorMinor(t.engineVersion) !== majorMinor(theirs)) {
    out.push(`${t.clusterIdentifier} runs ${t.engineVersion}, ${whose} is ${theirs}: managed switchover and failover need "the same major and minor engine versions"`);
  }
  return out;
}

/** The target region's member is the global cluster's writer. */
export function writerGuard(config: ValidConfig, role: RegionRole, read: GlobalReadOptions = {}): StepGuard {
  const id = regionClusterIdentifier(config, role);
  return {
    text: `${id} (${config.regions[role].region}) is the global cluster's writer, so traffic is sent where the database writes`,
    check: async (ctx) => {
      const g = await auroraOps(ctx).globalCluster(read);
      const m = member(g, role);
      return m?.isWriter ? ok(`${id}: writer, ${m.status ?? "?"}`) : no(`${id}: ${m ? "secondary" : "not a member"} (${g.detail})`);
    },
  };
}
