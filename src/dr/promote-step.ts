import type { RegionRole, ValidConfig } from "../config";
import { names } from "./names";
import type { Check, DatabaseState } from "./platform";
import { requestsMayHaveBeenTaken, type Step, type StepContext } from "./plan-model";
import { errorText, fatal, no, ok } from "./check-helpers";

/** Promoting a replica: the request journaled as it goes, a dead target, and whether a promotion may have been requested. */

/**
 * One promotion request and what it got: kept in scratch (this run) and in
 * the journal (StepContext.note), so that a resumed run knows whether an
 * earlier one may have promoted. "requesting" is journaled right before the
 * platform is asked; then "requested" when the request was sent (taken,
 * already a writer, or no answer after it may have left: a timeout after
 * sending counts as possibly taken), "not-taken" when it provably was not
 * (RDS refused it, or it was not asked: the replica backing-up; a refused
 * connection before sending; a credentials or permission error).
 */
async function requestPromotion(ctx: StepContext, role: RegionRole, generation: number, stepId: string): Promise<string> {
  const key = `promotion:${stepId}`;
  const prev = ctx.scratch[key] as string | undefined;
  let outcome: string;
  let detail: string;
  ctx.note(stepId, "requesting", `promotion of the ${role} Writer (generation ${generation})`);
  try {
    const a = await ctx.platform.promote(role, generation, ctx.params.backupRetentionDays);
    outcome = a.outcome;
    detail = a.detail;
  } catch (e) {
    // Credentials or permissions: never taken; stop. Anything else (a timeout): AWS may have taken it.
    if (ctx.platform.explain?.(e)?.permanent) {
      ctx.note(stepId, "not-taken", `not sent or refused: ${errorText(e)}`);
      throw e;
    }
    outcome = "unknown";
    detail = `no answer (${errorText(e)}): the request may have been taken`;
  }
  const taken = outcome === "requested" || outcome === "already-writer" || outcome === "unknown";
  ctx.note(stepId, taken ? "requested" : "not-taken", `${outcome}: ${detail}`);
  // Requests in a row that could not be sent at all (the target's endpoint refuses connections): the wait stops after TARGET_DOWN_POLLS.
  const unsent = `promotion:${stepId}:unsent`;
  ctx.scratch[unsent] = outcome === "not-sent" ? ((ctx.scratch[unsent] as number | undefined) ?? 0) + 1 : 0;
  const state = outcome === "requested" || outcome === "already-writer" ? "requested" : outcome === "unknown" ? (prev === "requested" ? "requested" : "unknown") : (prev ?? (outcome === "not-sent" ? "not-sent" : "refused"));
  ctx.scratch[key] = state;
  return `${outcome}: ${detail}`;
}

/** Whether a promotion request of `stepId` may have reached the target (this run's scratch, then the journal): why, or null. */
function promotionMayHaveBeenTaken(ctx: StepContext, role: RegionRole, stepId: string): string | null {
  const state = ctx.scratch[`promotion:${stepId}`];
  if (state === "requested" || state === "unknown") return `a promotion of the ${role} Writer was requested (or may have been: ${state})`;
  return requestsMayHaveBeenTaken(ctx, stepId);
}

/** When the last promotion request of `stepId` was about to be sent (journal "requesting", epoch ms), null: none. */
function lastRequestAt(ctx: StepContext, stepId: string): number | null {
  const r = ctx.stepEvents(stepId).filter((e) => e.event === "requesting");
  return r.length ? r[r.length - 1].at : null;
}

/**
 * RDS DB instance statuses a replica does not leave by itself (RDS User Guide, "Viewing Amazon RDS DB instance
 * status"): it cannot be promoted from them, and waiting does not help.
 */
export const DEAD_DB_STATUSES: readonly string[] = ["failed", "deleting", "stopped", "stopping", "inaccessible-encryption-credentials", "incompatible-network", "incompatible-restore", "incompatible-parameters"];

/** The promotion target is gone or does not answer (local: no connection; AWS: no such instance, or a status it does not leave by itself). */
export function targetDown(db: DatabaseState): boolean {
  return db.dbRole === "missing" || db.dbRole === "unknown" || (db.status !== null && DEAD_DB_STATUSES.includes(db.status));
}

/**
 * How many polls in a row the promotion target must be down before a wait stops (fail fast): one poll is not a
 * verdict (a restart, a slow answer under load), a whole timeout is an outage paid for nothing.
 */
export const TARGET_DOWN_POLLS = 3;

/**
 * Counts the polls in a row the target was seen down (scratch, per key): fatal once it has been down for
 * TARGET_DOWN_POLLS polls (a missing instance at once: it does not come back), with `why` naming the cause; null
 * while it is up or not yet down long enough.
 */
export async function targetDownVerdict(ctx: StepContext, role: RegionRole, generation: number, key: string, why: (db: DatabaseState) => string): Promise<Check | null> {
  let db: DatabaseState;
  try {
    db = await ctx.platform.database(role, generation);
  } catch {
    return null; // the API did not answer: that is not the target being down
  }
  const k = `target-down:${key}`;
  if (!targetDown(db)) {
    ctx.scratch[k] = 0;
    return null;
  }
  const n = ((ctx.scratch[k] as number | undefined) ?? 0) + 1;
  ctx.scratch[k] = n;
  if (db.dbRole === "missing" || n >= TARGET_DOWN_POLLS) return fatal(why(db));
  return null;
}

/**
 * Whether putting the fenced fleet back is safe: nothing provably reached the promotion target, or it is a plain
 * replica again after any request that may have.
 *
 * - No request may have been taken (none sent, or each refused or never left: requestsMayHaveBeenTaken): a replica
 *   never asked to promote cannot become a writer, whatever state it is in now (dead, gone, unreachable). Refused
 *   only when it is a writer anyway, or RDS shows it modifying/rebooting (someone else may be promoting it).
 * - A request may have been taken: only a plain replica whose server restarted after the last request is proof no
 *   promotion is pending (PostgreSQL removes promote.signal at start: DatabaseState.startedAt). A platform that
 *   does not report restarts (AWS) keeps the fence: an accepted PromoteReadReplica cannot be recalled.
 */
export async function noPromotionRequested(ctx: StepContext, role: RegionRole, generation: number, stepId: string): Promise<Check> {
  const state = ctx.scratch[`promotion:${stepId}`];
  const mayHave = promotionMayHaveBeenTaken(ctx, role, stepId);
  const db: DatabaseState = await ctx.platform.database(role, generation);
  if (!mayHave) {
    if (db.dbRole === "writer") return no(`${db.identifier} is a writer although no promotion request of this runbook reached it (someone else promoted it): putting the old fleet back would give two writers`);
    // A promotion shows as modifying (then rebooting) until the replica has no source any more.
    if (db.dbRole === "replica" && (db.status === "modifying" || db.status === "rebooting")) return no(`${db.identifier} is replica, ${db.status}: it may be promoting (not by this runbook)`);
    const refusedBefore = ctx.stepEvents(stepId).some((e) => e.event === "not-taken" && e.at < ctx.runStartedAt);
    const none = `no promotion was requested${state === "refused" || state === "not-sent" || refusedBefore ? " (every request was refused or never left)" : ""}`;
    if (db.dbRole === "replica") return ok(`${db.identifier} is still a replica, ${db.status}; ${none}`);
    return ok(`${db.identifier} is ${db.dbRole}, ${db.status ?? "?"} (${db.detail}); ${none}: a replica never asked to promote cannot become a writer`);
  }
  const last = lastRequestAt(ctx, stepId);
  if (db.dbRole === "replica" && db.status === "available" && db.startedAt != null && last !== null && db.startedAt > last) {
    return ok(
      `${mayHave}, but ${db.identifier} is a plain replica again: its server started at ${new Date(db.startedAt).toISOString()}, after the last request (${new Date(last).toISOString()}), ` +
        `and a pending promotion does not survive a restart (PostgreSQL removes promote.signal at start)`,
    );
  }
  return no(`${mayHave}: putting the old fleet back could give two writers (${db.identifier}: ${db.dbRole}, ${db.status ?? "?"}${db.dbRole === "replica" && db.startedAt == null ? "; whether a pending promotion is void cannot be read here" : ""})`);
}

export function promoteStep(config: ValidConfig, id: string, role: RegionRole, generation: number, guard: { readonly text: string; readonly check: (ctx: StepContext) => Promise<Check> }): Step {
  const n = names(config, role);
  const writer = n.writer(generation);
  return {
    id,
    title: `Promote ${writer} (${n.region}) to a standalone writer`,
    by: "runbook",
    precondition: {
      text: `${writer} exists and is a replica (or is already a writer: promoted earlier in this run); ${guard.text}`,
      check: async (ctx) => {
        const db = await ctx.platform.database(role, generation);
        if (db.dbRole === "writer") return ok(`${db.identifier}: already a writer, ${db.status}`);
        if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
        const g = await guard.check(ctx);
        return g.ok ? ok(`${db.identifier}: replica, ${db.status}; ${g.detail}`) : no(g.detail);
      },
    },
    action: {
      text:
        `aws rds promote-read-replica --region ${n.region} --db-instance-identifier ${writer} --backup-retention-period ${config.database.backupRetentionDays} (local: SELECT pg_promote()); ` +
        `requested again at every poll until RDS takes it (it refuses while the replica is backing-up, modifying, ...); never again once taken`,
      run: (ctx) => requestPromotion(ctx, role, generation, id),
    },
    wait: {
      text: `${writer} is a writer (no replication source) and available (aws rds wait db-instance-available)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => {
        const db = await ctx.platform.database(role, generation);
        if (db.dbRole === "writer" && db.status === "available") return ok(`${db.identifier}: writer, available`);
        const seen = `${db.identifier}: ${db.dbRole}, ${db.status ?? "?"}`;
        const mayHave = promotionMayHaveBeenTaken(ctx, role, id);
        const k = `target-down:${id}`;
        const unsent = (ctx.scratch[`promotion:${id}:unsent`] as number | undefined) ?? 0;
        if (!mayHave && unsent >= TARGET_DOWN_POLLS) {
          return fatal(`${seen}: ${unsent} promotion requests in a row could not be sent (the endpoint refuses connections or does not resolve) and none reached it: nothing was promoted; stopping now`);
        }
        if (!targetDown(db)) {
          ctx.scratch[k] = 0;
          const last = lastRequestAt(ctx, id);
          if (mayHave && db.dbRole === "replica" && db.startedAt != null && last !== null && db.startedAt > last) return no(`${seen}: a plain replica again (restarted after the last request: the request is void): asked again`);
          return no(seen);
        }
        if (mayHave) return no(`${seen} (${db.detail}); ${mayHave}: watching until it is promoted or a plain replica again (then asked again)`);
        // Nothing reached the target: fail fast (a planned switchover rolls the fence back) instead of waiting out the timeout.
        const n = ((ctx.scratch[k] as number | undefined) ?? 0) + 1;
        ctx.scratch[k] = n;
        if (db.dbRole === "missing" || n >= TARGET_DOWN_POLLS) {
          return fatal(`the promotion target ${seen} (${db.detail}) ${db.dbRole === "missing" ? "is gone" : `has been down for ${n} polls in a row`} and no promotion request reached it: nothing was promoted; stopping now`);
        }
        return no(`${seen} (${db.detail}): down (${n} of ${TARGET_DOWN_POLLS} polls before the step stops); no promotion request reached it`);
      },
      retry: async (ctx, acting) => {
        const db = await ctx.platform.database(role, generation);
        if (db.dbRole !== "replica") return null;
        if (ctx.scratch[`promotion:${id}`] === "requested") {
          // Taken by the service: never asked again, unless the server restarted since (a restart voids a pending promotion).
          const last = lastRequestAt(ctx, id);
          if (!(db.status === "available" && db.startedAt != null && last !== null && db.startedAt > last)) return null;
        }
        acting();
        return requestPromotion(ctx, role, generation, id);
      },
    },
    onFailure: `Look at aws rds describe-events --region ${n.region} --source-type db-instance --source-identifier ${writer}. Do not promote another instance. A promotion, once taken, cannot be undone: run the command again to keep waiting (it does not promote twice).`,
  };
}
