import type { DrState, RegionRole } from "../config";
import { requestsMayHaveBeenTaken, type StepContext } from "./plan-model";
import type { Check } from "./platform";
import { DEAD_DB_STATUSES } from "./promote-step";
import { errorText, fatal, no, ok } from "./check-helpers";
import type { RestoreAttempt, RestoreWindow } from "./restore-platform";

/**
 * What both `dr restore` plans share (RDS mode, restore-plan.ts; Aurora mode, aurora-restore-plan.ts): the request,
 * identifier and window rules, and the journaled request that is never sent twice. Its own module so that neither
 * plan imports the other.
 */

const iso = (t: number | null) => (t === null ? "unknown" : new Date(t).toISOString());

/** RDS's longest DB instance identifier (RestoreDBInstanceToPointInTime TargetDBInstanceIdentifier: "1 to 63 letters, numbers, or hyphens"). */
export const RDS_IDENTIFIER_MAX = 63;

/** What `dr restore` was asked (cli.ts). */
export interface RestoreRequest {
  /** The time to restore to (epoch ms). */
  readonly toTime: number;
  /** Where to restore (default: the writer's region). */
  readonly region?: RegionRole;
}

export class RestoreRequestError extends Error {}

/** The region holding the writer in a DR state (src/database/topology.ts TOPOLOGY); null in failback (a rebuild is under way). */
export function writerRoleOf(state: DrState): RegionRole | null {
  return state === "normal" ? "primary" : state === "failedOver" ? "secondary" : null;
}

/** UTC yyyymmddhhmmss. */
export function runStamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** Why an RDS DB instance identifier is not valid, or null (the rules of TargetDBInstanceIdentifier / NewDBInstanceIdentifier). */
export function identifierProblem(id: string): string | null {
  if (id.length < 1 || id.length > RDS_IDENTIFIER_MAX) return `${id} is ${id.length} characters; RDS allows 1 to ${RDS_IDENTIFIER_MAX}`;
  if (!/^[a-z][a-z0-9-]*$/.test(id)) return `${id} must be lower-case letters, digits and hyphens, starting with a letter`;
  if (id.includes("--") || id.endsWith("-")) return `${id} has two hyphens in a row or ends with one`;
  return null;
}

/** Judges a window against the target time: the refusal names the window (earliest and latest restorable time, ISO). */
export function windowVerdict(w: RestoreWindow, toTime: number, writerId: string): Check {
  const where = `${writerId}'s ${w.source === "replicated" ? "replicated automated backups" : "automated backups"} readable in the ${w.region} region`;
  if (w.sourceRef === null) return no(`no restorable backups: ${where} were not found (${w.detail})`);
  const window = `the restorable window is ${iso(w.earliest)} (earliest restorable time) to ${iso(w.latest)} (latest restorable time)`;
  if (w.earliest === null || w.latest === null) return no(`${window}: not known yet (${w.detail}); the time ${iso(toTime)} cannot be checked against it`);
  if (toTime < w.earliest || toTime > w.latest) {
    return no(`--to-time ${iso(toTime)} is outside the restorable window of ${where}: ${window}. Give a time inside it (${w.detail})`);
  }
  return ok(`${iso(toTime)} is inside the restorable window of ${where}: ${window}, ${((w.latest - toTime) / 1000).toFixed(0)} s before the latest (source ${w.sourceRef})`);
}

/** How many refused rename requests in a row end the wait (a state race passes; a refusal that stays does not wait out the timeout). */
export const RENAME_REFUSALS = 3;

/**
 * One request that cannot be taken back (a restore, a rename) and what it got, journaled like a promotion
 * (plan-model.ts StepContext.note): "requesting" right before, then "requested" (taken, the target already there, or no
 * answer after it may have left) or "not-taken" (refused, never sent). A permanent cause (credentials,
 * permissions) is journaled not-taken and thrown.
 */
export async function journaledRequest(ctx: StepContext, stepId: string, what: string, send: () => Promise<RestoreAttempt>): Promise<RestoreAttempt> {
  ctx.note(stepId, "requesting", what);
  let a: RestoreAttempt;
  try {
    a = await send();
  } catch (e) {
    if (ctx.platform.explain?.(e)?.permanent) {
      ctx.note(stepId, "not-taken", `not sent or refused: ${errorText(e)}`);
      throw e;
    }
    a = { outcome: "unknown", detail: `no answer (${errorText(e)}): the request may have been taken` };
  }
  const taken = a.outcome === "requested" || a.outcome === "exists" || a.outcome === "unknown";
  ctx.note(stepId, taken ? "requested" : "not-taken", `${a.outcome}: ${a.detail}`);
  // Refusals in a row (an answer that took nothing: a state race, a name taken): a wait gives up after RENAME_REFUSALS.
  const refusals = `request:${stepId}:refusals`;
  ctx.scratch[refusals] = a.outcome === "refused" ? ((ctx.scratch[refusals] as number | undefined) ?? 0) + 1 : 0;
  const prev = ctx.scratch[`request:${stepId}`];
  ctx.scratch[`request:${stepId}`] = taken ? (a.outcome === "unknown" && prev === "taken" ? "taken" : a.outcome === "unknown" ? "unknown" : "taken") : prev === "taken" || prev === "unknown" ? prev : a.outcome;
  return a;
}

/** Whether a request of the step may have been taken (this run's scratch, then the journal): why, or null. */
export function mayHaveBeenTaken(ctx: StepContext, stepId: string): string | null {
  const s = ctx.scratch[`request:${stepId}`];
  if (s === "taken" || s === "unknown") return `a request of ${stepId} was taken (or may have been: ${s})`;
  return requestsMayHaveBeenTaken(ctx, stepId);
}

/**
 * A restore's target as its wait judges it (the RDS instance, the Aurora cluster): available; a status it does not
 * leave by itself (DEAD_DB_STATUSES: failed, incompatible-restore, ...) stops at once; not listed is fatal unless the
 * restore request `requestStep` sent may have been taken (then it is not listed yet).
 */
export function restoredTargetVerdict(ctx: StepContext, requestStep: string, targetId: string, t: { readonly found: boolean; readonly status: string | null; readonly detail: string }, availableDetail: string): Check {
  if (t.found && t.status === "available") return ok(availableDetail);
  if (t.found && t.status !== null && DEAD_DB_STATUSES.includes(t.status)) return fatal(`${targetId} is ${t.status} (${t.detail}): the restore failed; production was not touched`);
  if (t.found) return no(`${targetId}: ${t.status ?? "?"}`);
  const taken = mayHaveBeenTaken(ctx, requestStep);
  if (!taken) return fatal(`RDS did not take the restore (${String(ctx.scratch[`request:${requestStep}`] ?? "not sent")}; see the action above): ${targetId} does not exist; production was not touched`);
  return no(`${targetId} is not listed yet (${taken})`);
}
