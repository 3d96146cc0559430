import type { DrState, RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { deployOnly, deployWithDependencies } from "./deploy-commands";
import { confirmOutageStep, drained, drainStep, fenceOldPrimaryStep, verdictGuard, OLD_REGION_ANSWERED } from "./unplanned-steps";
import { fenced, fenceHolds, stillFenced, fenceStep } from "./fence-steps";
import { gateStep, switchCommand, switchIs } from "./switch-step";
import { MAX_LAG_AGE_SECONDS } from "./wal-verdicts";
import { names } from "./names";
import { requestsMayHaveBeenTaken, type Plan, type PlanParams, type Step, type StepContext, type StepGuard } from "./plan-model";
import { restoreFleetStep, switchoverRollback, verifyStep } from "./shared-steps";
import type { Check, ClusterSnapshotState, GlobalClusterState, GlobalDatabasePlatform, GlobalMemberState, GlobalReadOptions } from "./platform";

/**
 * The runbook's plans in the Aurora Global Database mode
 * (`database.engine: "aurora-postgresql"`, src/database/aurora-contract.ts):
 * the database moves by AWS's managed operations on the global cluster, not
 * by promoting a read replica:
 *
 * - planned failover and failback: SwitchoverGlobalCluster, which "waits for
 *   the target secondary Region clusters to be fully synchronized with the
 *   primary Region cluster" before the old primary becomes read-only, so no
 *   data is lost (RPO 0);
 * - unplanned failover: a switchover too when the old primary still answers
 *   after the drain (only its web tier failed: RPO 0, no storage rebuild),
 *   else FailoverGlobalCluster with AllowDataLoss, which "doesn't wait for
 *   data to synchronize": writes not yet replicated (the RPO lag at the time)
 *   are lost; "Aurora attempts to take a snapshot of the old storage volume
 *   at the point of failure" named
 *   `rds:unplanned-global-failover-<old primary cluster>-<timestamp>` before it
 *   adds the old primary Region back as a secondary when it recovers (the
 *   failback copies that snapshot to a manual one: keep-lost-writes).
 * (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
 * Database": https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html)
 *
 * Writes resume without a deploy: the app finds where it may write at run
 * time (docs/aurora.md "Aurora Global Database mode", endpoints), so each plan checks
 * writes through the new primary region's entry point right after the move
 * (`verify`, as the RDS mode), and only then asks the operator to record the
 * new drState (an operator step whose deploy changes outputs, no launch
 * template: no instance is replaced). Between the fault and the first write
 * the unplanned path makes no Terraform run and reads the global cluster in
 * the surviving region only (GlobalReadOptions `only`): docs/dr-runbook.md
 * lists each call and its region.
 *
 * The safety rules are the RDS path's, with its own step builders (plan.ts):
 * fence the old writer's fleet before a switchover (rolled back by itself when
 * nothing was taken), a sustained outage by Route53's verdict and the switch
 * plus the client drain before a failover.
 */

const ok = (detail: string): Check => ({ ok: true, detail });
const no = (detail: string): Check => ({ ok: false, detail });
const fatal = (detail: string): Check => ({ ok: false, fatal: true, detail });
const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

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

const other = (role: RegionRole): RegionRole => (role === "primary" ? "secondary" : "primary");

/** The lag a switchover or failover is judged on (ms): AuroraGlobalDBRPOLag, else AuroraGlobalDBReplicationLag. */
function lagMs(m: GlobalMemberState): number | null {
  return m.rpoLagMs ?? m.replicationLagMs;
}

/** An operation toward the target is pending or running (a cancelled one is not). */
function underWayToward(g: GlobalClusterState, m: GlobalMemberState): boolean {
  return g.failoverState !== null && g.failoverState.status !== "cancelling" && g.failoverState.toClusterArn === m.clusterArn;
}

function describeOp(g: GlobalClusterState): string {
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

// --- requests ----------------------------------------------------------------

type MoveKind = "switchover" | "failover";

/** Scratch keys of a move step (per run, not journaled). */
const keys = (stepId: string) => ({
  /** requested (or may have been: unknown), refused, cancelled: what this run's requests got overall. */
  state: `global:${stepId}`,
  /** The kind of the last request sent. */
  kind: `global:${stepId}:kind`,
  /** A switchover request got no answer or could not be sent (which of the two; unplanned: the failover is sent next, if nothing is under way). */
  switchoverUnanswered: `global:${stepId}:switchoverUnanswered`,
  refused: (kind: MoveKind) => `global:${stepId}:refused:${kind}`,
  lastRefusal: `global:${stepId}:lastRefusal`,
});

/**
 * Sends (or not: see GlobalActionAttempt) a switchover or failover and records what it got, like requestPromotion:
 * in scratch (this run) and in the journal ("requesting" before, then "requested" when it was sent or may have
 * been: taken, already the writer, an operation toward the target under way, no answer after it left; "not-taken"
 * when AWS refused it or it provably never left), so a resumed run rolls back only when nothing may have been taken.
 */
async function requestGlobal(ctx: StepContext, kind: MoveKind, target: RegionRole, stepId: string): Promise<string> {
  const k = keys(stepId);
  const prev = ctx.scratch[k.state] as string | undefined;
  let outcome: string;
  let detail: string;
  ctx.note(stepId, "requesting", `${kind} toward the ${target} cluster`);
  try {
    const ops = auroraOps(ctx);
    const a = kind === "switchover" ? await ops.switchoverGlobal(target) : await ops.failoverGlobal(target);
    outcome = a.outcome;
    detail = a.detail;
    if (a.outcome === "refused" && a.refusal !== "throttled") {
      ctx.scratch[k.refused(kind)] = ((ctx.scratch[k.refused(kind)] as number | undefined) ?? 0) + 1;
      ctx.scratch[k.lastRefusal] = a.detail;
    }
  } catch (e) {
    // Credentials, permissions, a global cluster or target that does not exist: stop (nothing was taken); a server
    // error (5xx) after the request reached AWS stops the step too, but counts as possibly taken. No answer: AWS may have taken it.
    if (ctx.platform.explain?.(e)?.permanent || !ctx.platform.explain?.(e)) {
      const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
      const maybeTaken = status !== undefined && status >= 500;
      if (maybeTaken) ctx.scratch[k.state] = "unknown";
      ctx.note(stepId, maybeTaken ? "requested" : "not-taken", `${kind} ${maybeTaken ? `answered with a server error (HTTP ${status}): it may have been taken` : "not sent or refused"}: ${errorText(e)}`);
      throw e;
    }
    outcome = "unknown";
    detail = `no answer (${errorText(e)}): the request may have been taken`;
    if (kind === "switchover") ctx.scratch[k.switchoverUnanswered] = "got no answer";
  }
  // A switchover that could not be sent to the old primary's region: the unplanned path goes on with the failover.
  if (outcome === "not-sent" && kind === "switchover") ctx.scratch[k.switchoverUnanswered] = "could not be sent";
  ctx.scratch[k.kind] = kind;
  const taken = outcome === "requested" || outcome === "already-writer" || outcome === "in-progress";
  ctx.note(stepId, taken || outcome === "unknown" ? "requested" : "not-taken", `${kind} ${outcome}: ${detail}`);
  ctx.scratch[k.state] = taken ? "requested" : outcome === "unknown" ? (prev === "requested" ? "requested" : "unknown") : prev === "requested" || prev === "unknown" ? prev : "refused";
  return `${kind} ${outcome}: ${detail}`;
}

/** Roll-back safety: no switchover was (or may have been) requested, and the global cluster still has its writer where it was. */
function noSwitchoverRequested(config: ValidConfig, stepId: string, writerRole: RegionRole): StepGuard {
  const id = regionClusterIdentifier(config, writerRole);
  return {
    text: `no switchover was requested (or every request was refused) and ${id} is still the writer with no operation under way`,
    check: async (ctx) => {
      const state = ctx.scratch[keys(stepId).state];
      if (state === "requested" || state === "unknown") return no(`a switchover was requested (or may have been: ${state}): putting the old fleet back could send writes to a cluster that is being demoted`);
      const journaled = requestsMayHaveBeenTaken(ctx, stepId);
      if (journaled) return no(`${journaled}: putting the old fleet back could send writes to a cluster that is being demoted`);
      const g = await auroraOps(ctx).globalCluster();
      if (g.failoverState) return no(`${describeOp(g)}: not rolling back under it`);
      const w = member(g, writerRole);
      if (!w?.isWriter) return no(`${id} is not the writer any more (${g.detail})`);
      return ok(`${id} is still the writer, ${describeOp(g)}; no switchover was requested${state === "refused" ? " (every request was refused)" : ""}`);
    },
  };
}

/**
 * Unplanned: a switchover when the old primary still answers and the target
 * is in sync at a small lag (only the old region's web tier failed: RPO 0 and
 * no storage rebuild), else a failover with data loss. Reads the target in its
 * own region (lean), and the old primary in its region only when the drain saw
 * that region answer (or did not run in this process): a region that did not
 * answer is not asked again on the critical path.
 */
async function chooseUnplanned(ctx: StepContext, config: ValidConfig, target: RegionRole, stepId: string): Promise<{ kind: MoveKind; why: string }> {
  const k = keys(stepId);
  const src = other(target);
  const sRegion = config.regions[src].region;
  const failover = (why: string) => ({ kind: "failover" as const, why: `failover with data loss: ${why}` });
  if (ctx.scratch[k.refused("switchover")]) return failover(`the switchover was refused (${ctx.scratch[k.lastRefusal] as string})`);
  if (ctx.scratch[k.state] === "cancelled") return failover(`Aurora cancelled the switchover`);
  // Sent only when no operation shows under way in the surviving region's view (the step reads it first).
  if (ctx.scratch[k.switchoverUnanswered]) return failover(`the switchover request to ${sRegion} ${String(ctx.scratch[k.switchoverUnanswered])}, and no operation shows under way`);
  const ops = auroraOps(ctx);
  const g = await ops.globalCluster({ only: target });
  const t = member(g, target);
  if (!t) return failover(`${regionClusterIdentifier(config, target)} is not listed (${g.detail})`);
  if (t.synchronizationStatus !== "connected") return failover(`${t.clusterIdentifier} is ${t.synchronizationStatus ?? "not reported"}, not connected (a switchover would be refused)`);
  const lag = lagMs(t);
  if (lag === null) return failover(`${t.clusterIdentifier}'s lag is unknown`);
  if (t.lagSampleAgeSeconds !== null && t.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return failover(`${t.clusterIdentifier}'s latest lag datapoint is ${Math.round(t.lagSampleAgeSeconds)} s old`);
  if (lag > ctx.params.maxReplicaLagSeconds * 1000) return failover(`${t.clusterIdentifier}'s RPO lag ${lag} ms > runbook.maxReplicaLagSeconds`);
  if (ctx.scratch[OLD_REGION_ANSWERED] === false) return failover(`${sRegion} did not answer during the drain (not asked again)`);
  let gs: GlobalClusterState;
  try {
    gs = await ops.globalCluster({ only: src });
  } catch (e) {
    if (ctx.platform.explain?.(e)?.permanent) throw e;
    return failover(`${sRegion}'s RDS API did not answer (${errorText(e)})`);
  }
  const s = member(gs, src);
  if (!s?.isWriter) return failover(`${regionClusterIdentifier(config, src)} is not the writer as ${sRegion} sees it (${gs.detail})`);
  if (s.status !== "available") return failover(`${s.clusterIdentifier} is ${s.status ?? "unreadable"} in ${sRegion}`);
  if (!(s.instances ?? []).some((i) => i.isClusterWriter && i.status === "available")) return failover(`${s.clusterIdentifier} has no available writer instance`);
  return {
    kind: "switchover",
    why: `switchover (RPO 0, no storage rebuild): ${s.clusterIdentifier} still answers in ${sRegion} (${s.status}, writer instance available) and ${t.clusterIdentifier} is connected at RPO lag ${lag} ms`,
  };
}

// --- steps -------------------------------------------------------------------

/** Planned: can the target take over with no data loss (checked before anything changes). */
function switchoverPreflight(config: ValidConfig, params: PlanParams, target: RegionRole): Step {
  const tId = regionClusterIdentifier(config, target);
  const sId = regionClusterIdentifier(config, other(target));
  const maxMs = params.maxReplicaLagSeconds * 1000;
  return {
    id: "preflight",
    title: `Check ${tId} (${config.regions[target].region}) can take over with no data loss`,
    by: "runbook",
    precondition: {
      text:
        `global cluster ${globalClusterIdentifier(config)}: no switchover or failover under way (FailoverState empty), ${sId} the writer, both members available, ` +
        `the same major.minor engine version on both, ${tId} with an available DB instance (not headless), ` +
        `${tId} SynchronizationStatus connected and its AuroraGlobalDBRPOLag known, <= runbook.maxReplicaLagSeconds (${params.maxReplicaLagSeconds} s) and sampled within ${MAX_LAG_AGE_SECONDS} s on AWS's clock ` +
        `(or, resuming: ${tId} already the writer, or a switchover toward it under way)`,
      check: async (ctx) => {
        const g = await auroraOps(ctx).globalCluster();
        if (!g.found) return no(g.detail);
        const t = member(g, target);
        const s = member(g, other(target));
        if (!t) return no(`${tId} is not a member of ${g.identifier} (${g.detail}): deploy its regional stack first`);
        if (t.isWriter) return ok(`${tId} is already the writer: resuming after the switchover`);
        if (underWayToward(g, t)) return ok(`${describeOp(g)}: resuming (the switchover step waits for it)`);
        if (g.failoverState) return no(`${describeOp(g)}: wait for it to end (aws rds describe-global-clusters --global-cluster-identifier ${g.identifier})`);
        if (!s?.isWriter) return no(`${sId} is not the writer (${g.detail}): see \`dr status\``);
        for (const m of [s, t]) if (m.status !== "available") return no(`${m.clusterIdentifier}: status ${m.status ?? "unknown"} (${m.detail}): a switchover needs both clusters available`);
        const blockers = managedMoveBlockers(g, t, s);
        if (blockers.length) return no(`AWS would refuse the switchover: ${blockers.join("; ")}`);
        if (t.synchronizationStatus !== "connected") return no(`${tId}: SynchronizationStatus ${t.synchronizationStatus ?? "not reported"}, not connected: it is not in sync with the primary (a switchover would be refused)`);
        const lag = lagMs(t);
        if (lag === null) return no(`${tId}: lag unknown (no AuroraGlobalDBRPOLag / ReplicationLag datapoint in the last 20 minutes in ${t.region})`);
        if (t.lagSampleAgeSeconds !== null && t.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${tId}: the latest lag datapoint is ${Math.round(t.lagSampleAgeSeconds)} s old (AWS clock): no current reading`);
        if (lag > maxMs) return no(`${tId}: RPO lag ${lag} ms > ${maxMs} ms (runbook.maxReplicaLagSeconds): the switchover would wait that long with writes fenced`);
        return ok(
          `${tId}: secondary, ${t.status}, ${t.engineVersion ?? "version ?"}, sync connected, RPO lag ${t.rpoLagMs ?? "?"} ms, replication lag ${t.replicationLagMs ?? "?"} ms; ${sId}: writer, ${s.status}, ${s.engineVersion ?? "version ?"}`,
        );
      },
    },
    action: { text: "none (records what it saw in the journal)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure:
      "Nothing was changed. A member not available or not in sync (pending-resync), a lag above runbook.maxReplicaLagSeconds, or an operation under way: see `dr status` and aws rds describe-global-clusters, wait and try again; if the primary region is failing, use --unplanned. " +
      "Engine versions that differ: upgrade the lower one first (Aurora User Guide, \"Upgrading an Amazon Aurora global database\": minor upgrades of the secondary clusters first); a headless secondary: add an instance (deploy its regional stack).",
  };
}

/**
 * The move of the global cluster's primary to `target`, idempotent and
 * resumable: the target already the writer is done, an operation toward it
 * under way is waited for (no second request), a refused request is asked
 * again at each poll up to MAX_GLOBAL_REFUSALS state refusals, then the step
 * fails (a planned switchover is rolled back: nothing was taken).
 *
 * planned: SwitchoverGlobalCluster; refused while the target is not in sync
 * ends the step at once; a cancelled one too.
 * unplanned: reads the surviving region only; a switchover when the old
 * primary still answers (chooseUnplanned), else FailoverGlobalCluster with
 * AllowDataLoss; a refused or cancelled switchover falls back to the failover.
 */
function moveStep(config: ValidConfig, id: string, mode: "planned" | "unplanned", target: RegionRole, guard: StepGuard): Step {
  const tId = regionClusterIdentifier(config, target);
  const gId = globalClusterIdentifier(config);
  const tRegion = config.regions[target].region;
  const fromRegion = config.regions[other(target)].region;
  const k = keys(id);
  const read: GlobalReadOptions = mode === "unplanned" ? { only: target } : {};
  const capped: MoveKind = mode === "planned" ? "switchover" : "failover";
  const arn = `$(aws rds describe-db-clusters --region ${tRegion} --db-cluster-identifier ${tId} --query 'DBClusters[0].DBClusterArn' --output text)`;
  const switchoverCli = `aws rds switchover-global-cluster --region ${fromRegion} --global-cluster-identifier ${gId} --target-db-cluster-identifier ${arn}`;
  const failoverCli = `aws rds failover-global-cluster --region ${tRegion} --global-cluster-identifier ${gId} --target-db-cluster-identifier ${arn} --allow-data-loss`;
  const request = async (ctx: StepContext): Promise<string> => {
    if (mode === "planned") return requestGlobal(ctx, "switchover", target, id);
    const choice = await chooseUnplanned(ctx, config, target, id);
    return `${choice.why}; ${await requestGlobal(ctx, choice.kind, target, id)}`;
  };
  const done = async (ctx: StepContext): Promise<Check> => {
    const g = await auroraOps(ctx).globalCluster(read);
    const t = member(g, target);
    if (!t) return no(`${tId} is not a member of ${gId} (${g.detail})`);
    const taken = ctx.scratch[k.state];
    if (g.failoverState?.status === "cancelling") {
      if (mode === "unplanned" && g.failoverState.isDataLossAllowed === false) {
        ctx.scratch[k.state] = "cancelled";
        return no(`${describeOp(g)}: Aurora is cancelling the switchover (the old primary stopped answering?); the failover with data loss follows once it is over`);
      }
      return fatal(`${describeOp(g)}: Aurora is cancelling the ${mode === "planned" ? "switchover" : "failover"} and returning both clusters to their previous roles`);
    }
    const idle = !t.isWriter && !g.failoverState && taken !== "requested" && taken !== "unknown";
    if (mode === "planned" && idle && t.synchronizationStatus !== "connected") {
      return fatal(`RDS refused the switchover and ${tId} is not in sync (SynchronizationStatus ${t.synchronizationStatus ?? "not reported"}): nothing was changed`);
    }
    const refusals = (ctx.scratch[k.refused(capped)] as number | undefined) ?? 0;
    if (idle && refusals >= MAX_GLOBAL_REFUSALS) {
      return fatal(
        `RDS refused the ${capped} ${refusals} times in a row (last: ${ctx.scratch[k.lastRefusal] as string}): nothing was taken, and asking again until runbook.promoteTimeoutSeconds would not change AWS's answer` +
          (mode === "planned" ? "" : `. ${detachAndPromote(config, target)}`),
      );
    }
    if (!t.isWriter || t.status !== "available") return no(`${tId}: ${t.isWriter ? "writer" : "secondary"}, ${t.status ?? "?"}; ${describeOp(g)}`);
    // A switchover also demotes the old primary: done once no operation is left. A failover is done once the target
    // writes ("As soon as the new primary writer is promoted and available, the new primary Region's cluster can handle
    // read and write operations": Aurora User Guide); the old primary rejoins when its region recovers, later.
    if (g.failoverState && g.failoverState.isDataLossAllowed !== true) return no(`${tId}: writer, available; ${describeOp(g)}`);
    return ok(`${tId}: writer, available; ${describeOp(g)}`);
  };
  return {
    id,
    title:
      mode === "planned"
        ? `Switch the global cluster's primary over to ${tId} (${tRegion}): managed switchover, no data loss`
        : `Move the global cluster's primary to ${tId} (${tRegion}): a switchover if the old primary still answers (no data loss), else a managed failover that allows data loss`,
    by: "runbook",
    precondition: {
      text: `${tId} is a member (already the writer, or an operation toward it under way, when resuming); ${guard.text}`,
      check: async (ctx) => {
        const g = await auroraOps(ctx).globalCluster(read);
        const t = member(g, target);
        if (!t) return no(`${tId} is not a member of ${gId} (${g.detail})`);
        if (t.isWriter) return ok(`${tId}: already the writer`);
        if (underWayToward(g, t)) return ok(`${describeOp(g)}: resuming`);
        const c = await guard.check(ctx);
        return c.ok ? ok(`${tId}: secondary, ${t.status ?? "?"}; ${c.detail}`) : no(c.detail);
      },
    },
    action: {
      text:
        (mode === "planned"
          ? `${switchoverCli}; Aurora first waits for ${tId} to be fully synchronized, then makes the old primary read-only and promotes ${tId} (RPO 0); `
          : `when the old primary still answers in ${fromRegion} (its cluster available with its writer instance, read once, and not when the drain saw ${fromRegion} not answering) and ${tId} is connected with a current RPO lag <= runbook.maxReplicaLagSeconds: ${switchoverCli} (RPO 0, no storage rebuild); ` +
            `otherwise, or once a switchover was refused or cancelled: ${failoverCli}; Aurora does not wait for ${tId} to synchronize: writes the old primary committed and had not replicated (its RPO lag at the time, recorded by preflight) are lost to the new primary; ` +
            `they stay in the snapshot rds:unplanned-global-failover-${regionClusterIdentifier(config, other(target))}-<timestamp> that Aurora attempts of the old volume before it adds ${fromRegion} back as a secondary (dr failback copies it: keep-lost-writes); `) +
        `requested again at every poll while AWS refuses it, up to ${MAX_GLOBAL_REFUSALS} refusals; never again once taken, or while one toward ${tId} is under way (a resumed run waits for it)`,
      run: async (ctx) => {
        const g = await auroraOps(ctx).globalCluster(read);
        const t = member(g, target);
        if (t?.isWriter) return `${tId} is already the writer: nothing sent`;
        if (t && underWayToward(g, t)) {
          ctx.scratch[k.state] = "requested";
          return `${describeOp(g)}: nothing sent (waiting for it)`;
        }
        return request(ctx);
      },
    },
    wait: {
      text:
        `${tId} is the writer (IsWriter) and its cluster status available; after a switchover FailoverState is empty too (the old primary demoted; after a failover the old primary rejoins later, when its region recovers); ` +
        (mode === "planned" ? `a cancelled switchover, or one refused while ${tId} is not in sync, fails at once; ` : `a cancelled switchover is followed by the failover; `) +
        `${MAX_GLOBAL_REFUSALS} refusals end the step`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: done,
      retry: async (ctx, acting) => {
        if (ctx.scratch[k.state] === "requested") return null;
        const g = await auroraOps(ctx).globalCluster(read);
        const t = member(g, target);
        if (!t || t.isWriter || g.failoverState) return null;
        acting();
        return request(ctx);
      },
    },
    onFailure:
      `aws rds describe-global-clusters --global-cluster-identifier ${gId} (FailoverState, members' SynchronizationStatus) and aws rds describe-events --region ${tRegion} --source-type db-cluster --source-identifier ${tId}. ` +
      (mode === "planned"
        ? `Refused (not in sync, ${MAX_GLOBAL_REFUSALS} refusals: engine patch levels, maintenance): nothing was changed and the fence is rolled back; fix the cause (\`dr status\`) and run again. A switchover, once taken, completes or is cancelled by Aurora: run the same command again to keep waiting (it does not request twice).`
        : `A failover, once taken, cannot be undone: run the same command again to keep waiting (it does not request twice). Do not switch over or fail over to another cluster meanwhile. Refused ${MAX_GLOBAL_REFUSALS} times: ${detachAndPromote(config, target)}`),
  };
}

/** The region's entry point answers with a writable database (the app's readiness, no write). */
function writableThrough(config: ValidConfig, role: RegionRole): { text: string; check: (ctx: StepContext) => Promise<Check> } {
  return {
    text: `GET ${config.web.readinessPath} through ${config.regions[role].region}'s load balancer still answers 200 with the database writable (the deploy replaced nothing)`,
    check: async (ctx) => {
      const p = await ctx.platform.probe(role, { write: false });
      return p.ok && p.writable === true ? ok(p.detail) : no(`${p.detail} (db_role ${p.dbRole ?? "?"})`);
    },
  };
}

/**
 * The operator records the new DR state after the verification (as the RDS
 * mode records it after `verify`): the config and a deploy that changes the
 * stacks' outputs only (the app finds its writer at run time: no launch
 * template, no instance replaced). Checked: the config, then once that the
 * region still takes writes.
 */
function recordStep(config: ValidConfig, id: string, want: { readonly drState: DrState; readonly forceFailover: boolean }, command: string, diff: string): Step {
  const writer = AURORA_GLOBAL_PRIMARY[want.drState];
  const w = names(config, writer);
  const todo = `set "database": { "drState": "${want.drState}" }, "dns": { "forceFailover": ${want.forceFailover} } in your config (DR_CONFIG; generations unchanged); npm run synth && ${diff}; ${command}`;
  const until = writableThrough(config, writer);
  return {
    id,
    title: `Record drState "${want.drState}" (config and a deploy you run; writes already resumed in ${w.region}: the deploy replaces no instance)`,
    by: "operator",
    precondition: {
      text: `config: database.drState "${want.drState}", dns.forceFailover ${want.forceFailover}`,
      check: async (ctx) => {
        const bad: string[] = [];
        if (ctx.config.database.drState !== want.drState) bad.push(`database.drState is "${ctx.config.database.drState}", want "${want.drState}"`);
        if (ctx.config.dns.forceFailover !== want.forceFailover) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want ${want.forceFailover}`);
        return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
      },
    },
    action: { text: todo },
    wait: { text: `${until.text} (checked once: deploy, then run the same command again)`, timeoutSeconds: 0, until: until.check },
    onFailure: `Writes already go to ${w.region}; this records it. Do this, then run the same command again (it resumes here): ${todo}`,
  };
}

function failoverRecord(config: ValidConfig): Step {
  return recordStep(
    config,
    "record-failed-over",
    { drState: "failedOver", forceFailover: true },
    `${deployOnly("secondary")} (only secondary: in failedOver the regional stacks do not depend on each other, and ${config.regions.primary.region} is not deployed in this state)`,
    `npx cdktf diff secondary (expect the outputs dr_state and the role outputs only: no change to the web launch template or Auto Scaling group, no change to the clusters: AWS moved the primary)`,
  );
}

/** Unplanned, after the failover: the old primary's fleet fenced, retried until its region answers (Aurora's own write fencing is best effort). */
function fenceOldFleetStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  return {
    id: "fence-old-primary-fleet",
    title: `Keep the old primary's web fleet at zero (${p.region}), retried until its APIs answer`,
    by: "runbook",
    precondition: { text: "none" },
    action: { text: "none (the wait acts whenever the old region answers)" },
    wait: {
      text:
        `the ${p.region} fleet is fenced (desired 0, no target, nothing running): Aurora's own write fencing of the old primary is "a best-effort attempt" (Aurora User Guide, managed failovers), ` +
        `so no app instance may keep writing there; each poll retries the scale-in`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: async (ctx) => {
        try {
          return await fenceHolds(ctx, "primary");
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return no(`${p.region}'s APIs do not answer (${errorText(e)})`);
        }
      },
      retry: async (ctx, acting) => {
        try {
          const w = await ctx.platform.web("primary");
          if (w.desiredCapacity === 0 || fenced(w)) return null;
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return null;
        }
        acting();
        return ctx.platform.scaleWeb("primary", 0);
      },
    },
    onFailure:
      `The failover itself is done: ${regionClusterIdentifier(config, "secondary")} takes the writes. What is missing is the old region's fence; run the same command again when ${p.region} answers (it resumes here), ` +
      `or by hand: aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0. If ${p.region} is lost for good: --confirm fence-old-primary-fleet.`,
  };
}

/** Prefix of the system snapshot Aurora attempts of the old primary's volume before it rebuilds it after a failover with data loss. */
export function failoverSnapshotPrefix(clusterId: string): string {
  return `rds:unplanned-global-failover-${clusterId}`;
}

/**
 * The manual copy's identifier: 1 to 63 letters, digits or hyphens, a letter
 * first, no two hyphens in a row, none at the end (RDS API Reference,
 * CopyDBClusterSnapshot, TargetDBClusterSnapshotIdentifier); derived from the
 * source's creation time (else its identifier's digits), so a rerun finds the
 * copy it made.
 */
export function keptSnapshotId(clusterId: string, source: ClusterSnapshotState): string {
  const digits = source.createdAt !== null ? new Date(source.createdAt).toISOString().replace(/\D/g, "").slice(0, 14) : source.identifier.replace(/\D/g, "").slice(-14);
  const suffix = `-lost-writes-${digits || "0"}`;
  const base = clusterId.slice(0, 63 - suffix.length);
  return `${base}${suffix}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/-{2,}/g, "-").replace(/^[^A-Za-z]+/, "").replace(/-+$/, "");
}

/**
 * Failback: the only copy of the writes an unplanned failover lost is AWS's
 * snapshot of the old volume, "a system snapshot that's subject to the backup
 * retention period configured on the old primary cluster. To preserve this
 * snapshot outside of the retention period, you can copy it to save it as a
 * manual snapshot" (Aurora User Guide, "Performing managed failovers"): the
 * runbook copies each one it finds, as the RDS failback's
 * snapshot-old-primary keeps the diverged writer's. None found (a planned
 * failover, or AWS's attempt failed): --confirm keep-lost-writes.
 */
function keepLostWritesStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const prefix = failoverSnapshotPrefix(pId);
  const calls = (ctx: StepContext) => {
    const ops = auroraOps(ctx);
    if (!ops.clusterSnapshots || !ops.copyClusterSnapshot || !ops.clusterSnapshot) throw new Error(`the ${ctx.platform.name} platform cannot list or copy DB cluster snapshots: copy ${prefix}-* by hand (aws rds copy-db-cluster-snapshot) and run again with --confirm keep-lost-writes`);
    return { list: ops.clusterSnapshots.bind(ops), copy: ops.copyClusterSnapshot.bind(ops), get: ops.clusterSnapshot.bind(ops) };
  };
  /** Copies every available source without a copy; returns what it did, or null when nothing was to do. */
  const copyMissing = async (ctx: StepContext, acting?: () => void): Promise<string | null> => {
    const c = calls(ctx);
    const did: string[] = [];
    for (const s of await c.list("primary", prefix)) {
      const target = keptSnapshotId(pId, s);
      if (s.status !== "available" || (await c.get("primary", target))) continue;
      acting?.();
      did.push(await c.copy("primary", s.identifier, target));
    }
    return did.length ? did.join("; ") : null;
  };
  return {
    id: "keep-lost-writes",
    title: `Keep the writes an unplanned failover lost: copy AWS's ${prefix}-* snapshot(s) (${p.region}) to manual snapshots`,
    by: "runbook",
    precondition: {
      text: `a ${prefix}-* snapshot exists in ${p.region} (Aurora attempts it when the old primary region recovers, before it rebuilds the cluster's volume; after a planned failover there is none: --confirm keep-lost-writes)`,
      check: async (ctx) => {
        const found = await calls(ctx).list("primary", prefix);
        if (!found.length) {
          return no(
            `no ${prefix}-* snapshot in ${p.region} (aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId}): ` +
              `after a planned failover (switchover) AWS takes none, and after an unplanned one it only "attempts" it; if either is the case, run again with --confirm keep-lost-writes`,
          );
        }
        return ok(found.map((s) => `${s.identifier} (${s.type ?? "?"}, ${s.status ?? "?"}) -> ${keptSnapshotId(pId, s)}`).join("; "));
      },
    },
    action: {
      text: `aws rds copy-db-cluster-snapshot --region ${p.region} --source-db-cluster-snapshot-identifier ${prefix}-<timestamp> --target-db-cluster-snapshot-identifier ${pId}-lost-writes-<its creation time> --copy-tags (same region, same KMS key; skipped if the copy exists; a source still creating is copied by the wait)`,
      // Never fails the step by itself: with --confirm keep-lost-writes (none to keep, or us-east-2 lost for good) the
      // operator has decided; without it the wait copies again at each poll.
      run: async (ctx) => {
        try {
          return (await copyMissing(ctx)) ?? "nothing to copy (every snapshot found has its copy, or none is available yet)";
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return `not copied now (${errorText(e)}): the wait tries again`;
        }
      },
    },
    wait: {
      text: `every ${prefix}-* snapshot has its manual copy ${pId}-lost-writes-<time>, available (restore it as a separate cluster to reconcile the lost writes by hand)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => {
        const c = calls(ctx);
        const found = await c.list("primary", prefix);
        if (!found.length) return no(`no ${prefix}-* snapshot any more (deleted by its retention?)`);
        const states: string[] = [];
        let all = true;
        for (const s of found) {
          const copy = await c.get("primary", keptSnapshotId(pId, s));
          if (copy?.status !== "available") all = false;
          states.push(`${keptSnapshotId(pId, s)}: ${copy ? (copy.status ?? "?") : `not copied yet (source ${s.status ?? "?"})`}`);
        }
        return all ? ok(states.join("; ")) : no(states.join("; "));
      },
      retry: (ctx, acting) => copyMissing(ctx, acting),
    },
    onFailure:
      `aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId}; copy by hand with aws rds copy-db-cluster-snapshot (a manual snapshot is kept until you delete it). ` +
      `If there is none (a planned failover, or AWS's attempt failed: its events, aws rds describe-events --region ${p.region} --source-type db-cluster), run again with --confirm keep-lost-writes.`,
  };
}

// --- plans ---------------------------------------------------------------------

function failoverEpilogue(config: ValidConfig, planned: boolean): string[] {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const out = [
    `Recorded during record-failed-over (config, DR_CONFIG), after writes had resumed in ${config.regions.secondary.region}:`,
    `  "database": { "drState": "failedOver" },`,
    `  "dns": { "forceFailover": true }`,
    `Check: npm run synth && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
    `Do not deploy primary while in failedOver: fail back with \`dr failback\` (it starts with drState "failback" and the primary stack deployed).`,
  ];
  if (planned) {
    out.push(`${pId} (${p.region}) is a secondary member of the global cluster, in sync (no data was lost); ${p.region}'s web fleet is fenced (at 0).`);
  } else {
    out.push(
      `If the move was a switchover (the journal's failover step says which), no data was lost and ${pId} is a secondary in sync. After a failover with data loss:`,
      `writes ${pId} committed and had not replicated when the failover was taken (its RPO lag then: see preflight in the journal) are not in the new primary.`,
      `When ${p.region} recovers, Aurora creates a new volume for ${pId} and adds it back as a secondary; before that it attempts a snapshot of the old volume at the point of failure (Aurora User Guide, managed failovers), subject to ${pId}'s backup retention. \`dr failback\` copies it (keep-lost-writes); to keep it sooner:`,
      `  aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId} --query "DBClusterSnapshots[?starts_with(DBClusterSnapshotIdentifier,'${failoverSnapshotPrefix(pId)}')]"`,
      `  aws rds copy-db-cluster-snapshot --region ${p.region} --source-db-cluster-snapshot-identifier <that identifier> --target-db-cluster-snapshot-identifier ${pId}-lost-writes-<time> --copy-tags`,
      `then restore it as a separate cluster and reconcile the lost writes by hand.`,
      `${p.region}'s web fleet is fenced (at 0) or will be by fence-old-primary-fleet once its APIs answer.`,
    );
  }
  return out;
}

/** Failover to the secondary region in the Aurora mode. */
export function auroraFailoverPlan(config: ValidConfig, params: PlanParams): Plan {
  const planned = params.mode === "planned";
  const s = names(config, "secondary");
  if (planned) {
    return {
      title: `failover to ${s.region} (secondary), planned: Aurora Global Database switchover`,
      params,
      steps: [
        switchoverPreflight(config, params, "secondary"),
        fenceStep(config, "fence-primary", "primary", "no request reaches the writer being switched away from"),
        moveStep(config, "switchover", "planned", "secondary", {
          text: "the primary fleet is still fenced (checked now, not taken from the journal)",
          check: (ctx) => stillFenced(ctx, "primary"),
        }),
        gateStep(config, "force-dns", true, writerGuard(config, "secondary")),
        verifyStep(config, "verify", "secondary"),
        failoverRecord(config),
      ],
      epilogue: failoverEpilogue(config, true),
      rollback: switchoverRollback(config, {
        fencedRole: "primary",
        replicaRole: "secondary",
        replicaGeneration: params.generations.secondary,
        promoteId: "switchover",
        after: ["switchover"],
        size: params.webSize,
        safe: noSwitchoverRequested(config, "switchover", "primary"),
      }),
    };
  }
  const sId = regionClusterIdentifier(config, "secondary");
  const lean: GlobalReadOptions = { only: "secondary" };
  return {
    title: `failover to ${s.region} (secondary), unplanned: Aurora Global Database switchover if the old primary answers, else managed failover (allows data loss)`,
    params,
    steps: [
      {
        id: "preflight",
        title: "Record the secondary member's state and RPO lag (the data at risk); refuse what AWS would refuse",
        by: "runbook",
        precondition: {
          text:
            `${sId} is a member of the global cluster (or already its writer after an interrupted run), read in ${s.region} only; it has an available DB instance and the global cluster's major.minor engine version ` +
            `(else a managed failover is impossible: nothing is changed and the detach-and-promote path is printed); its AuroraGlobalDBRPOLag is recorded: writes committed on the primary within that lag are lost by a failover with data loss`,
          check: async (ctx) => {
            const g = await auroraOps(ctx).globalCluster(lean);
            if (!g.found) return no(g.detail);
            const t = member(g, "secondary");
            if (!t) return no(`${sId} is not a member of ${g.identifier} (${g.detail})`);
            if (t.isWriter) return ok(`${sId} is already the writer: resuming after the failover`);
            const blockers = managedMoveBlockers(g, t);
            if (blockers.length) return no(`a managed failover to ${sId} is impossible: ${blockers.join("; ")}. ${detachAndPromote(config, "secondary")}`);
            return ok(
              `${sId}: secondary, ${t.status ?? "status unknown"}, ${t.engineVersion ?? "version ?"}, sync ${t.synchronizationStatus ?? "?"}; last RPO lag ${t.rpoLagMs ?? "unknown"} ms, replication lag ${t.replicationLagMs ?? "unknown"} ms` +
                `${t.lagSampleAgeSeconds !== null ? ` (${Math.round(t.lagSampleAgeSeconds)} s old)` : ""}: writes the primary committed within that window are lost by a failover with data loss; ${describeOp(g)}`,
            );
          },
        },
        action: { text: "none (records what it saw in the journal)" },
        wait: { text: "none", timeoutSeconds: 0 },
        onFailure:
          "Nothing was changed. Not a member, or the global cluster cannot be read in the secondary region: see `dr status`; if the secondary region's RDS API answers but this check cannot, --confirm preflight. " +
          "Engine versions that differ or a headless secondary: the managed failover is impossible, follow the detach-and-promote path printed above (docs/dr-runbook.md).",
      },
      confirmOutageStep(config, params),
      gateStep(config, "force-dns", true, {
        text: `${sId} is a member of the global cluster (read in ${s.region}; it is failed over to once no client can write to the primary any more); the switch is taken first so that Route53 never sends users back to a primary that returns`,
        check: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster(lean);
          const t = member(g, "secondary");
          return t ? ok(`${sId}: ${t.isWriter ? "writer" : "secondary"}, ${t.status ?? "?"}`) : no(`${sId} is not a member (${g.detail})`);
        },
      }),
      fenceOldPrimaryStep(config),
      drainStep(config, params),
      moveStep(config, "failover", "unplanned", "secondary", {
        text: "the switch is forced and the drain holds (checked now)",
        check: async (ctx) => {
          const sw = await switchIs(ctx, true);
          if (!sw.ok) return no(`the failover switch is not forced (${sw.detail})`);
          const d = await drained(ctx);
          return d.ok ? ok(d.detail) : no(d.detail);
        },
      }),
      verifyStep(config, "verify", "secondary"),
      failoverRecord(config),
      fenceOldFleetStep(config),
    ],
    verdict: verdictGuard(config),
    epilogue: failoverEpilogue(config, false),
  };
}

/** Failback to the primary region in the Aurora mode: a switchover back, once its cluster is a secondary member in sync again. */
export function auroraFailbackPlan(config: ValidConfig, params: PlanParams): Plan {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const steps: Step[] = [
    {
      id: "deploy-primary",
      title: `Record drState "failback" and deploy ${p.region}: its cluster is a secondary member again (a deploy you run)`,
      by: "operator",
      precondition: {
        text: `config: database.drState "failback", dns.forceFailover true`,
        check: async (ctx) => {
          const bad: string[] = [];
          if (ctx.config.database.drState !== "failback") bad.push(`database.drState is "${ctx.config.database.drState}", want "failback"`);
          if (ctx.config.dns.forceFailover !== true) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want true`);
          return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
        },
      },
      action: {
        text:
          `set "database": { "drState": "failback" }, "dns": { "forceFailover": true } in your config (DR_CONFIG; generations unchanged); npm run synth && npx cdktf diff primary ` +
          `(no change to the global cluster or its members: AWS made ${pId} a secondary); ${deployWithDependencies(config, ["secondary", "primary"])} (in failback primary depends on secondary: both, in that order)`,
      },
      wait: {
        text:
          `${pId} is a secondary member of the global cluster, available, SynchronizationStatus connected (after a failover with data loss Aurora adds it back only once ${p.region} recovers, rebuilt on a new volume: "a few minutes to several hours"; a switchover left it so) ` +
          `(checked once: deploy, then run the same command again)`,
        timeoutSeconds: 0,
        until: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster();
          const m = member(g, "primary");
          if (!m) return no(`${pId} is not a member of ${g.identifier} (${g.detail}): Aurora adds it back when ${p.region} is available again`);
          if (m.isWriter) return ok(`${pId} is already the writer: resuming after the switchover back`);
          return m.status === "available" && m.synchronizationStatus === "connected" ? ok(m.detail) : no(`${m.detail}: not yet an available member in sync (after a failover Aurora rebuilds it: minutes to hours)`);
        },
      },
      onFailure: "Set the config as shown, deploy, then run `dr failback` again: it resumes here (and waits for Aurora to have rebuilt the old primary).",
    },
    keepLostWritesStep(config),
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    switchoverPreflight(config, params, "primary"),
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from", "restore-secondary-fleet"),
    moveStep(config, "switchover", "planned", "primary", {
      text: "the secondary fleet is still fenced (checked now, not taken from the journal)",
      check: (ctx) => stillFenced(ctx, "secondary"),
    }),
    gateStep(config, "unforce-dns", false, writerGuard(config, "primary")),
    verifyStep(config, "verify-primary", "primary"),
    restoreFleetStep(config, "restore-secondary-fleet", "secondary", params.webSize),
    recordStep(
      config,
      "record-normal",
      { drState: "normal", forceFailover: false },
      deployWithDependencies(config, ["primary", "secondary", "dns"]),
      `npx cdktf diff primary (expect the outputs dr_state and the role outputs only: no change to the web launch template or Auto Scaling group)`,
    ),
  ];
  return {
    title: `failback to ${p.region} (primary): Aurora Global Database switchover back`,
    params,
    steps,
    rollback: switchoverRollback(config, {
      fencedRole: "secondary",
      replicaRole: "primary",
      replicaGeneration: params.generations.primary,
      promoteId: "switchover",
      after: ["switchover"],
      size: params.webSize,
      safe: noSwitchoverRequested(config, "switchover", "secondary"),
    }),
    epilogue: [
      `The final config (set during record-normal, after writes had resumed in ${p.region}):`,
      `  "database": { "drState": "normal" },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
      `${regionClusterIdentifier(config, "secondary")} is a secondary member again (no data was lost by the switchover back).`,
      `The manual snapshots ${pId}-lost-writes-* (keep-lost-writes), if any, hold the writes the unplanned failover lost: restore one as a separate cluster, reconcile by hand, then delete it.`,
    ],
  };
}

export function auroraPlan(config: ValidConfig, params: PlanParams): Plan {
  return params.operation === "failover" ? auroraFailoverPlan(config, params) : auroraFailbackPlan(config, params);
}
