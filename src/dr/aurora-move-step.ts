import type { RegionRole, ValidConfig } from "../config";
import { globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { OLD_REGION_ANSWERED } from "./unplanned-steps";
import { MAX_LAG_AGE_SECONDS } from "./wal-verdicts";
import { requestsMayHaveBeenTaken, type PlanParams, type Step, type StepContext, type StepGuard } from "./plan-model";
import type { Check, GlobalClusterState, GlobalReadOptions } from "./platform";
import { ok, no, fatal, errorText } from "./check-helpers";
import { MAX_GLOBAL_REFUSALS, auroraOps, member, other, lagMs, underWayToward, describeOp, detachAndPromote, managedMoveBlockers } from "./aurora-global";

/** The Aurora managed move (SwitchoverGlobalCluster / FailoverGlobalCluster): the planned preflight, the requests journaled as they go, and the step that moves the writer (aurora-plan.ts describes the mode). */

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
export function noSwitchoverRequested(config: ValidConfig, stepId: string, writerRole: RegionRole): StepGuard {
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
export function switchoverPreflight(config: ValidConfig, params: PlanParams, target: RegionRole): Step {
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
export function moveStep(config: ValidConfig, id: string, mode: "planned" | "unplanned", target: RegionRole, guard: StepGuard): Step {
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
