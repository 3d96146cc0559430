import type { RegionRole, ValidConfig } from "../config";
import type { RestoreParams } from "./restore-params";
import type { Clock } from "./clock";
import type { Check, DrPlatform } from "./platform";

/**
 * The runbook's plan model: a plan is ordered steps, each with its
 * precondition, action, wait condition, timeout and what to do if it fails.
 * Plans are data: the runner (runner.ts) executes them, `--dry-run` prints
 * them, the journal records them. The steps follow docs/failover-runbook.md
 * "Database failover and failback runbook"; the AWS calls behind them are in
 * aws-platform.ts.
 *
 * Steps that protect data never trust the journal for the state of the
 * world: a fence, the failover switch and the catch-up are checked against
 * AWS when a later step relies on them, and again when a resumed run finds
 * them done (Step.recheck).
 */

export type Operation = "failover" | "failback" | "restore";
export type Mode = "planned" | "unplanned";

/** Fixed when a run starts and kept in the journal, so a resumed run acts on the same instances even after the config changed. */
export interface PlanParams {
  readonly operation: Operation;
  readonly mode: Mode;
  /** Database generations when the run started. */
  readonly generations: Readonly<Record<RegionRole, number>>;
  /** Web fleet size restored after a fence (web.desiredCapacity). */
  readonly webSize: number;
  readonly backupRetentionDays: number;
  readonly maxReplicaLagSeconds: number;
  /** Unplanned: how long Route53's verdict must have been unhealthy (runbook.minOutageSeconds). */
  readonly minOutageSeconds: number;
  /** Unplanned: how long after the switch a client may still write to the old primary (clientDrainSeconds()). */
  readonly clientDrainSeconds: number;
  /** `dr restore` only: the restore's target time, region and the names it uses (restore-params.ts RestoreParams). */
  readonly restore?: RestoreParams;
}

export interface StepContext {
  readonly platform: DrPlatform;
  readonly params: PlanParams;
  /** The current config (operator steps check what the operator changed in it). */
  readonly config: ValidConfig;
  /** When an earlier step recorded an event (epoch ms, the last one), from the journal. */
  eventAt(step: string, event: "done" | "action" | "acting"): number | null;
  /** Every time a step recorded an event (epoch ms), oldest first, from the journal (this run and the ones it resumed). */
  eventsAt(step: string, event: "done" | "action" | "acting"): number[];
  /** When this run started (epoch ms): journal events before it belong to a run this one resumed. */
  readonly runStartedAt: number;
  /** The step's journal events in order, with when (this run and the ones it resumed). */
  stepEvents(step: string): ReadonlyArray<{ readonly event: string; readonly at: number }>;
  /** The journal's format (journal.ts JOURNAL_FORMAT when this version wrote it; null: none recorded). */
  readonly journalFormat: number | null;
  /**
   * Journals one request the step cannot take back (a promotion, a switchover or a failover) as it goes:
   * "requesting" right before it may leave, then "requested" (it was sent: taken, or no answer after it left)
   * or "not-taken" (refused by the service, or it provably never left). A "requesting" without either (a run
   * cut off mid-call) counts as possibly taken (requestsMayHaveBeenTaken).
   */
  note(step: string, event: RequestEvent, detail: string): void;
  /** Per-run memory shared by steps (not journaled), e.g. what this run's promotion requests got. */
  readonly scratch: Record<string, unknown>;
  readonly clock: Clock;
  /** Milliseconds between two polls of a wait. */
  readonly pollMs: number;
}

/** Journal events of a request that cannot be taken back (StepContext.note). */
export type RequestEvent = "requesting" | "requested" | "not-taken";

/**
 * Whether the journal shows a request of `step` that may have been taken, in
 * this run or the runs it resumed (the journal's order, not timestamps): a
 * "requesting" answered by "requested", or by nothing (cut off mid-call: this
 * run's own requests are always answered before it goes on). A "requesting"
 * answered by "not-taken" (refused, or it never left) does not count.
 * Journals written before these events (format < 3) record only "acting"
 * before each action: there, any "acting" of the step by an earlier run
 * (before `runStartedAt`) counts, as it did. Returns why, or null.
 */
export function requestsMayHaveBeenTaken(ctx: Pick<StepContext, "stepEvents" | "journalFormat" | "runStartedAt">, step: string): string | null {
  const events = ctx.stepEvents(step);
  if ((ctx.journalFormat ?? 0) < 3) {
    return events.some((e) => e.event === "acting" && e.at < ctx.runStartedAt) ? `an earlier run of this journal (written before requests were journaled) acted in ${step}: whether it sent a request is unknown` : null;
  }
  let open = false;
  let sent = 0;
  let cut = 0;
  for (const e of events) {
    if (e.event === "requesting") {
      if (open) cut++;
      open = true;
    } else if (e.event === "requested") {
      if (open) sent++;
      open = false;
    } else if (e.event === "not-taken") {
      open = false;
    }
  }
  if (open) cut++;
  if (sent) return `the journal shows ${sent === 1 ? "a request" : `${sent} requests`} sent in ${step} (taken, or no answer after it left)`;
  if (cut) return `the journal shows a run cut off while sending a request in ${step}: whether it was taken is unknown`;
  return null;
}

export interface Step {
  readonly id: string;
  readonly title: string;
  /** "runbook": the command performs the action; "operator": a person runs it (a deploy), the command checks the result. */
  readonly by: "runbook" | "operator";
  readonly precondition: { readonly text: string; readonly check?: (ctx: StepContext) => Promise<Check> };
  readonly action: { readonly text: string; readonly run?: (ctx: StepContext) => Promise<string> };
  /**
   * timeoutSeconds 0: checked once (operator steps: do it, then run the command again).
   * retry: called after each poll that was not ok; it may act again (idempotently: a refused promotion,
   * a fence whose region answers again): it calls acting() right before it sends anything (journaled),
   * and returns what it did, or null when it did nothing.
   */
  readonly wait: {
    readonly text: string;
    readonly until?: (ctx: StepContext) => Promise<Check>;
    readonly timeoutSeconds: number;
    readonly retry?: (ctx: StepContext, acting: () => void) => Promise<string | null>;
  };
  /**
   * Checked against the world when a resumed run finds the step done in the
   * journal: if it no longer holds (someone restored a fenced fleet), the step
   * runs again instead of being skipped.
   */
  readonly recheck?: {
    readonly text: string;
    readonly check: (ctx: StepContext) => Promise<Check>;
    /** A later step that ends what this one established (a fleet restored on purpose): once it is done, nothing is re-checked. */
    readonly until?: string;
  };
  readonly onFailure: string;
}

/** A check with the sentence that describes it (a step's precondition, a roll-back's safety). */
export interface StepGuard {
  readonly text: string;
  readonly check: (ctx: StepContext) => Promise<Check>;
}

/**
 * What the runner does by itself when a step after a fence fails (planned
 * switchover): put the fenced fleet back, so a failed switchover costs the
 * time it took to notice, not an outage until an operator acts. Only when
 * rolling back cannot split the brain: no promotion was (or may have been)
 * requested, checked against the world.
 */
export interface Rollback {
  /** Failures of these steps trigger it. */
  readonly after: readonly string[];
  readonly text: string;
  /** Whether rolling back is safe now. */
  readonly safe: (ctx: StepContext) => Promise<Check>;
  readonly run: (ctx: StepContext) => Promise<string>;
  readonly until: (ctx: StepContext) => Promise<Check>;
  readonly timeoutSeconds: number;
}

/**
 * The unplanned failover's outage verdict, read again right before each
 * change while it still decides anything (issue 25 point 5): a run suspended
 * (a laptop lid, a stalled terminal, SIGSTOP) between the verdict and its
 * first change, or resumed from its journal, must not act on a verdict the
 * world has since contradicted. The runner re-reads it right before the
 * action of each step in `steps` (until the last of them has acted), again
 * when the read itself was not fresh (the run was suspended while reading).
 */
export interface VerdictGuard {
  readonly text: string;
  /** The steps whose actions it guards, in order; once the last one has acted the verdict no longer decides anything (a fenced fleet makes the primary's check fail). */
  readonly steps: readonly string[];
  /** The step that established the verdict: a --confirm of it (the operator confirmed the outage) turns the guard off. */
  readonly establishedBy: string;
  /** ok: the outage holds, or the verdict cannot be read now (the verdict that was read stands); transient: the primary is healthy again. */
  readonly check: (ctx: StepContext) => Promise<Check>;
  /** Puts back what the guarded steps already changed (the switch released), when the primary recovered after the first of them acted. */
  readonly undo: { readonly text: string; readonly run: (ctx: StepContext) => Promise<string> };
}

export interface Plan {
  readonly title: string;
  readonly params: PlanParams;
  readonly steps: readonly Step[];
  /** Unplanned failovers: the outage verdict re-read before each change it still decides (VerdictGuard). */
  readonly verdict?: VerdictGuard;
  /** Printed at the end (and by --dry-run): the config change and the deploy commands that record the new state. */
  readonly epilogue: readonly string[];
  /**
   * The epilogue with what only the finished run knows (the Aurora restore's move: the restored cluster's endpoints,
   * read from AWS), printed instead of `epilogue` when every step is done; `epilogue` (placeholders where the values
   * go) is what --dry-run prints. If it cannot be read, `epilogue` is printed with the reason.
   */
  readonly finalEpilogue?: (ctx: StepContext) => Promise<readonly string[]>;
  readonly rollback?: Rollback;
}
