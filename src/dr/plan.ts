import type { RegionRole, ValidConfig } from "../config";
import { failoverBudget, failoverSwitch, healthCheckParameter, switchValue } from "../dns/contract";
import type { RestoreParams } from "./restore-params";
import { names } from "./names";
import { deployOnly, deployWithDependencies } from "./deploy-commands";
import type { Clock } from "./clock";
import type { Check, DatabaseState, DrPlatform, OutageState, WalPositions, WebState } from "./platform";

/**
 * The runbook's plans: ordered steps, each with its precondition, action,
 * wait condition, timeout and what to do if it fails. Plans are data: the
 * runner (runner.ts) executes them, `--dry-run` prints them, the journal
 * records them. The steps follow docs/failover-runbook.md "Database failover and failback
 * runbook"; the AWS calls behind them are in aws-platform.ts.
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
  readonly rollback?: Rollback;
}

/**
 * The ALB's idle timeout (src/web/load-balancer.ts, idleTimeout 60): the
 * longest a request can stay in flight through it without a byte moving, so
 * the longest after which an answer (an acknowledged write) can still reach a
 * client that sent it before the drain began.
 */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

/**
 * After the failover switch is forced: Route53 picks the switch up (bounded
 * here by interval x threshold: AWS does not document how often a
 * CLOUDWATCH_METRIC check reads its alarm, and a health change takes seconds
 * to reach Route53's DNS servers), resolvers may serve the cached PRIMARY
 * answer for the alias TTL, and a request sent just before can be answered up
 * to the ALB idle timeout later. The drain counts from force-dns's end, which
 * waits for Route 53's own view of the switch checks when it can be read
 * (switchConfirmed): then the pick-up term is margin; when only the alarm
 * confirmed it (us-east-1 not answering), it is the bound.
 */
export function clientDrainSeconds(config: ValidConfig): number {
  if (config.runbook.clientDrainSeconds !== undefined) return config.runbook.clientDrainSeconds;
  const b = failoverBudget(config);
  return b.detectionSeconds + b.ttlSeconds + ALB_IDLE_TIMEOUT_SECONDS;
}

export function paramsFromConfig(config: ValidConfig, operation: Operation, mode: Mode): PlanParams {
  return {
    operation,
    mode,
    generations: { ...config.database.generations },
    webSize: config.web.desiredCapacity,
    backupRetentionDays: config.database.backupRetentionDays,
    maxReplicaLagSeconds: config.runbook.maxReplicaLagSeconds,
    minOutageSeconds: config.runbook.minOutageSeconds,
    clientDrainSeconds: clientDrainSeconds(config),
  };
}


/** names() lives in names.ts (shared with the AWS adapter and the restore plans without an import cycle); re-exported for this file's importers. */
export { names };

const ok = (detail: string): Check => ({ ok: true, detail });
const no = (detail: string): Check => ({ ok: false, detail });
const fatal = (detail: string): Check => ({ ok: false, fatal: true, detail });
const fmtLag = (s: number | null) => (s === null ? "unknown" : s < 0 ? "-1 (RDS cannot determine it)" : `${s} s`);
const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

// --- WAL positions (the RPO-0 proofs) ----------------------------------------

/** A PostgreSQL LSN (X/Y, hex) as a number. */
export function lsnValue(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not a WAL position: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/**
 * A message from the source's WAL sender must have arrived this long after
 * the fence (sinceMs), so that it was sent after it: a bound on the one-way
 * network delay between the regions (tens of milliseconds between us-east-2
 * and us-west-1; the reading is already early by the request's own latency).
 */
export const CATCH_UP_MARGIN_MS = 250;

/** The source still talks to the replica: a streaming WAL receiver that heard from it within its timeout. */
export function sourceAlive(p: WalPositions): boolean {
  return p.receiverStatus === "streaming" && p.lastMessageAgeSeconds !== null && (p.receiverTimeoutSeconds === null || p.lastMessageAgeSeconds < p.receiverTimeoutSeconds);
}

/**
 * Has the replica replayed everything the source acknowledged before
 * `sinceMs` (when writes stopped: the fence, or the end of the client drain)?
 *
 * The proof, from the replica's own view (pg_stat_wal_receiver): a message
 * from the source's WAL sender that left after sinceMs reports the source's
 * WAL end (latest_end_lsn: its flush position, or what it had sent when it
 * had nothing more), and the replica has received and replayed at least that
 * far. A commit is acknowledged only once flushed, so every acknowledged
 * write is below that end. "Left after sinceMs" without comparing clocks: the
 * replica gives the message's age on its own clock, and the request that read
 * it was sent at requestedAt on ours, so the message arrived after
 * requestedAt - age (minus the network delay, CATCH_UP_MARGIN_MS). An idle
 * source sends nothing by itself; the replica asks it after
 * wal_receiver_timeout / 2 of silence, so the proof comes within that.
 *
 * unplanned: when the source no longer talks (the receiver is not streaming,
 * or heard nothing within its timeout), nothing more can arrive: the replica
 * has all it will get once it has replayed what it received; what the source
 * acknowledged after that is the unplanned RPO.
 */
export function catchUpVerdict(p: WalPositions, sinceMs: number, mode: Mode): Check {
  if (!p.ok) return no(`positions could not be read: ${p.detail}`);
  if (p.inRecovery === false) return ok(`the database is already a writer (promoted earlier in this run): ${p.detail}`);
  if (p.replayPaused === true) return fatal(`WAL replay is paused on the replica (pg_is_wal_replay_paused()): it will not catch up until it is resumed (${p.detail})`);
  if (p.replayLsn === null || p.receiveLsn === null) return no(`the replica reports no received/replayed WAL position (${p.detail})`);
  const replay = lsnValue(p.replayLsn);
  const receive = lsnValue(p.receiveLsn);
  if (!sourceAlive(p)) {
    if (mode === "planned") {
      return no(
        p.receiverStatus === null
          ? `no WAL receiver visible on the replica (not connected, or the app's database user lacks pg_read_all_stats / pg_monitor): the catch-up cannot be proven (${p.detail})`
          : `the replica's WAL receiver is ${p.receiverStatus}, last message ${p.lastMessageAgeSeconds ?? "?"} s ago: the source is not streaming to it (${p.detail})`,
      );
    }
    if (replay < receive) return no(`the source no longer sends (receiver ${p.receiverStatus ?? "none"}); replaying what was received: replayed ${p.replayLsn} of ${p.receiveLsn}`);
    return ok(
      `the source no longer sends (receiver ${p.receiverStatus ?? "none"}${p.lastMessageAgeSeconds !== null ? `, last message ${p.lastMessageAgeSeconds.toFixed(1)} s ago` : ""}): ` +
        `everything received is replayed (${p.replayLsn}); writes the source acknowledged after what it sent are lost (unplanned RPO)`,
    );
  }
  const age = p.lastMessageAgeSeconds!;
  const sentAfter = p.requestedAt - age * 1000 - CATCH_UP_MARGIN_MS;
  if (sentAfter < sinceMs) {
    const ask = p.receiverTimeoutSeconds !== null ? `; the replica asks a silent source every ${p.receiverTimeoutSeconds / 2} s (wal_receiver_timeout / 2)` : "";
    return no(`waiting for a message from the source sent after writes stopped (the last one arrived ${age.toFixed(1)} s ago${ask})`);
  }
  if (p.senderLsn === null) return no(`the replica's WAL receiver does not show the source's position (${p.detail})`);
  const sender = lsnValue(p.senderLsn);
  if (receive < sender || replay < sender) return no(`the source's WAL ends at ${p.senderLsn}; the replica received ${p.receiveLsn}, replayed ${p.replayLsn}`);
  return ok(`the source's WAL ends at ${p.senderLsn} (a message sent after writes stopped, ${age.toFixed(1)} s ago) and the replica replayed ${p.replayLsn}: every acknowledged write is on the replica`);
}

/**
 * The WAL positions show the replica is not behind its source, busy or idle:
 * it streams from the source and heard from it within its
 * wal_receiver_timeout (sourceAlive), and it has received and replayed at
 * least the source's WAL end as that last message reported it
 * (pg_stat_wal_receiver.latest_end_lsn). A busy source's WAL sender reports
 * its end with every message, an idle one when the replica pings it (after
 * wal_receiver_timeout / 2 of silence), so this holds within one message of
 * the source's present.
 *
 * It is what keeps CloudWatch's ReplicaLag from vetoing a switchover at a quiet
 * hour: RDS computes a PostgreSQL replica's lag as the time since the last
 * replayed commit, so "If no user transactions are running on the source DB
 * instance, the associated PostgreSQL read replica reports a replication lag of
 * up to five minutes. The replica lag is calculated as currentTime -
 * lastCommitedTransactionTimestamp, which means that when no transactions are
 * being processed, the value of replica lag increases for a period of time
 * until the write-ahead log (WAL) segment switches" (RDS User Guide, "Working
 * with read replicas for Amazon RDS for PostgreSQL", limitations).
 */
export function replayedSourceEnd(p: WalPositions): Check {
  if (!p.ok) return no(`positions could not be read: ${p.detail}`);
  if (p.inRecovery === false) return ok(`the database is already a writer: ${p.detail}`);
  if (p.replayPaused === true) return no(`WAL replay is paused on the replica`);
  if (!sourceAlive(p)) return no(`the replica's WAL receiver is ${p.receiverStatus ?? "not visible"}${p.lastMessageAgeSeconds !== null ? `, last message ${p.lastMessageAgeSeconds.toFixed(1)} s ago` : ""}: it does not show the source's present`);
  if (p.senderLsn === null || p.receiveLsn === null || p.replayLsn === null) return no(`the replica reports no source, received or replayed WAL position (${p.detail})`);
  const sender = lsnValue(p.senderLsn);
  if (lsnValue(p.receiveLsn) < sender || lsnValue(p.replayLsn) < sender) return no(`the source's WAL ends at ${p.senderLsn} and the replica has received ${p.receiveLsn}, replayed ${p.replayLsn}: it is behind`);
  return ok(`the source's WAL ends at ${p.senderLsn} (a message ${p.lastMessageAgeSeconds!.toFixed(1)} s ago) and the replica has replayed ${p.replayLsn}: it is not behind`);
}

/** Why RDS's ReplicaLag is not trusted over the WAL positions (the preflight's and primary-in-sync's own words). */
const IDLE_LAG_NOTE = `RDS computes a PostgreSQL replica's ReplicaLag as the time since the last replayed commit: an idle source's replica "reports a replication lag of up to five minutes" (RDS User Guide)`;

/** How many pairs of WAL samples the planned preflight takes before it refuses (a paused replay is refused at once). */
export const PREFLIGHT_REPLAY_SAMPLES = 3;

/**
 * The planned preflight's replica check, on two samples taken a poll apart:
 * a paused replay, a replica that does not stream from its source, or WAL
 * received but not replayed with replay standing still is refused (the
 * catch-up after the fence would never come).
 */
export function replayVerdict(first: WalPositions, second: WalPositions): Check {
  for (const p of [first, second]) {
    if (!p.ok) return no(`positions could not be read through the entry point: ${p.detail}`);
    if (p.replayPaused === true) return no(`WAL replay is paused on the replica (pg_is_wal_replay_paused()): resume it (SELECT pg_wal_replay_resume()) or find who paused it`);
  }
  if (second.inRecovery === false) return ok(`already a writer: ${second.detail}`);
  if (second.receiverStatus === null) return no(`no WAL receiver visible on the replica (not connected, or the app's database user lacks pg_read_all_stats / pg_monitor): a switchover could not prove RPO 0 (${second.detail})`);
  if (!sourceAlive(second)) return no(`the replica's WAL receiver is ${second.receiverStatus}, last message ${second.lastMessageAgeSeconds ?? "?"} s ago: it is not streaming from the source`);
  if (!first.replayLsn || !second.replayLsn || !second.receiveLsn) return no(`no replay position reported (${second.detail})`);
  const backlog = lsnValue(second.receiveLsn) - lsnValue(second.replayLsn);
  if (backlog > 0n && lsnValue(second.replayLsn) <= lsnValue(first.replayLsn)) {
    return no(`WAL replay is not advancing: stuck at ${second.replayLsn} with ${backlog} bytes received and not replayed (a replay conflict, a long query on the replica, or I/O)`);
  }
  return ok(`streaming from the source; replayed ${second.replayLsn}, ${backlog} bytes received and not yet replayed${backlog > 0n ? ` (replay advanced from ${first.replayLsn})` : ""}`);
}

// --- step building blocks (shared by failover and failback) ---------------

/** The fleet is fenced: desired 0, no target left (healthy or draining) and no instance still running. */
export function fenced(w: WebState): boolean {
  return w.desiredCapacity === 0 && w.healthyTargets === 0 && w.totalTargets === 0 && w.runningInstances === 0;
}

/** A guard's fence condition: the role's fleet is still fenced, checked now (not taken from the journal). */
export async function stillFenced(ctx: StepContext, role: RegionRole): Promise<Check> {
  const f = await fenceHolds(ctx, role);
  return f.ok ? f : no(`the ${role} fleet is no longer fenced: ${f.detail}`);
}

export async function fenceHolds(ctx: StepContext, role: RegionRole): Promise<Check> {
  const w = await ctx.platform.web(role);
  return fenced(w) ? ok(`fenced: ${w.detail}`) : no(`not fenced: ${w.detail}`);
}

export function fenceStep(config: ValidConfig, id: string, role: RegionRole, why: string, liftedBy?: string): Step {
  const n = names(config, role);
  return {
    id,
    title: `Fence writes in ${n.region} (${role}): web fleet to zero`,
    by: "runbook",
    precondition: { text: "none (scaling a fleet to zero is safe to repeat)" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0 (local: stop the region's app instances)`,
      run: (ctx) => ctx.platform.scaleWeb(role, 0),
    },
    wait: {
      text: `the fleet's desired size is 0, target group ${n.targetGroup} has no target left (healthy or draining) and no instance of the fleet runs any more (in-flight requests have finished, so every acknowledged write is on the writer): ${why}`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: (ctx) => fenceHolds(ctx, role),
    },
    recheck: { text: `the ${n.region} fleet is still fenced (AWS, not the journal)`, check: (ctx) => fenceHolds(ctx, role), ...(liftedBy ? { until: liftedBy } : {}) },
    onFailure: `Instances still run in ${n.region}: look at the ASG's activities (aws autoscaling describe-scaling-activities --region ${n.region} --auto-scaling-group-name ${n.asg}) and for scale-in protection, then run the command again. To abort instead: scale back with --min-size ${config.web.minSize} --desired-capacity ${config.web.desiredCapacity}.`,
  };
}

/** Positions of the replica region through its entry point, judged for a catch-up since `sinceStep` was done. */
async function caughtUp(ctx: StepContext, replicaRole: RegionRole, sinceStep: string, mode: Mode): Promise<Check> {
  const since = ctx.eventAt(sinceStep, "done");
  if (since === null) return no(`${sinceStep} has not completed`);
  return catchUpVerdict(await ctx.platform.walPositions(replicaRole), since, mode);
}

function catchUpStep(config: ValidConfig, id: string, replicaRole: RegionRole, generation: number, fenceStepId: string, fencedRole: RegionRole): Step {
  const n = names(config, replicaRole);
  return {
    id,
    title: `Wait until ${n.writer(generation)} has replayed every write its source acknowledged (WAL positions)`,
    by: "runbook",
    precondition: {
      text: `the ${config.regions[fencedRole].region} fleet is fenced now (checked in AWS, not taken from the journal), so no write can be acknowledged any more`,
      check: (ctx) => fenceHolds(ctx, fencedRole),
    },
    action: { text: "none (waits)" },
    wait: {
      text:
        `GET ${config.web.readinessPath}?wal=1 through ${n.region}'s load balancer: a message from the source's WAL sender, sent after ${fenceStepId} was done, reports the source's WAL end ` +
        `(pg_stat_wal_receiver.latest_end_lsn) and the replica has received and replayed up to it (pg_last_wal_replay_lsn()); a paused replay fails at once`,
      timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
      until: async (ctx) => {
        const since = ctx.eventAt(fenceStepId, "done");
        if (since === null) return no(`${fenceStepId} has not completed`);
        const p = await ctx.platform.walPositions(replicaRole);
        const c = catchUpVerdict(p, since, "planned");
        if (c.ok || c.fatal || p.ok) return c;
        // A dead target cannot catch up: stop after a few polls (the fence is rolled back: nothing was promoted).
        const down = await targetDownVerdict(ctx, replicaRole, generation, id, (db) =>
          `the promotion target ${db.identifier} is down (${db.dbRole}, ${db.status ?? "?"}: ${db.detail}) for ${TARGET_DOWN_POLLS} polls in a row: it cannot catch up; no promotion was requested (last reading: ${c.detail})`,
        );
        return down ?? c;
      },
    },
    onFailure: `The replica did not show it has every write (or it is down: see the reason above). The runbook rolls the fence back by itself when no promotion was requested (below). To check by hand: on the source SELECT pg_current_wal_lsn(); on the replica SELECT pg_last_wal_replay_lsn(), pg_is_wal_replay_paused(); if replayed >= the source's position, run again with --confirm ${id}.`,
  };
}

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
async function targetDownVerdict(ctx: StepContext, role: RegionRole, generation: number, key: string, why: (db: DatabaseState) => string): Promise<Check | null> {
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
async function noPromotionRequested(ctx: StepContext, role: RegionRole, generation: number, stepId: string): Promise<Check> {
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

function promoteStep(config: ValidConfig, id: string, role: RegionRole, generation: number, guard: { readonly text: string; readonly check: (ctx: StepContext) => Promise<Check> }): Step {
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

/** The shell command that writes the switch by hand (what setForcedFailover does). */
export function switchCommand(config: ValidConfig, forced: boolean): string {
  const sw = failoverSwitch(config);
  const dims = Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",");
  return `aws cloudwatch put-metric-data --region ${sw.region} --namespace ${sw.namespace} --metric-name ${sw.metricName} --dimensions ${dims} --value ${switchValue(config, forced)} --storage-resolution 60`;
}

export async function switchIs(ctx: StepContext, forced: boolean): Promise<Check> {
  const st = await ctx.platform.failoverSwitch();
  return st.forced === forced ? ok(st.detail) : no(st.detail);
}

/** Scratch key: us-east-1 (Route 53's metrics) did not answer in this run; it is not asked again on the critical path. */
export const US_EAST_1_SILENT = "us-east-1:silent";

/** What confirmed the switch's position (SwitchConfirmation.by): the alarm and Route 53's own view of the switch checks, or the alarm alone. */
export type SwitchConfirmedBy = "route53" | "alarm-only";

/**
 * Has the failover switch reached `forced`, as far as it can be known?
 *
 * 1. The alarm (DescribeAlarms in the switch's region, us-west-1) is in the
 *    state the value puts it in: the datapoint arrived and the alarm evaluated it.
 * 2. Route 53's own view: the HealthCheckStatus metric (us-east-1) of the two
 *    checks that follow the alarm ("switch" unhealthy and "switch-forced"
 *    healthy while forced; the opposite when released), the newest datapoint
 *    of each at most MAX_VERDICT_AGE_SECONDS old on AWS's clock. Route 53
 *    "monitors the data stream for the corresponding alarm instead of
 *    monitoring the alarm state" (Route 53 Developer Guide, "How Amazon Route 53
 *    determines whether a health check is healthy"), and how often it reads it
 *    is not documented: the alarm's state alone does not show that Route 53 has
 *    followed. No Route 53 API is called (the check ids come from SSM in the
 *    handoff region).
 *
 * When Route 53's view cannot be read (us-east-1 does not answer, no
 * datapoint, a platform without it) the alarm alone confirms it, and the
 * result says so ("confirmed by the alarm only"); when it answers and still
 * shows the old position, the wait goes on (the step writes the value again).
 */
export async function switchConfirmed(ctx: StepContext, forced: boolean): Promise<Check & { readonly by?: SwitchConfirmedBy; readonly lagging?: boolean }> {
  const want = forced ? "forced" : "released";
  const st = await ctx.platform.failoverSwitch();
  if (st.forced !== forced) return { ok: false, detail: `the alarm is not ${forced ? "ALARM" : "OK"} yet (${st.detail})` };
  const alarmOnly = (why: string) => ({ ok: true, by: "alarm-only" as const, detail: `${want}: confirmed by the alarm only (${st.detail}); Route 53's view of the switch checks ${why}` });
  if (!ctx.platform.switchChecks) return alarmOnly(`cannot be read on the ${ctx.platform.name} platform`);
  if (ctx.scratch[US_EAST_1_SILENT]) return alarmOnly(`was not read: us-east-1 did not answer earlier in this run (${String(ctx.scratch[US_EAST_1_SILENT])})`);
  let r;
  try {
    r = await ctx.platform.switchChecks();
  } catch (e) {
    const cause = ctx.platform.explain?.(e);
    if (cause?.kind === "network") ctx.scratch[US_EAST_1_SILENT] = errorText(e);
    return alarmOnly(`could not be read (${cause ? cause.summary : errorText(e)})`);
  }
  if (r.switchHealthy === null || r.switchForcedHealthy === null) return alarmOnly(`has no datapoint (${r.detail})`);
  if (r.sampleAgeSeconds !== null && r.sampleAgeSeconds > MAX_VERDICT_AGE_SECONDS) return alarmOnly(`has no current datapoint (${r.detail})`);
  const follows = r.switchHealthy === !forced && r.switchForcedHealthy === forced;
  if (follows) return { ok: true, by: "route53", detail: `${want}: confirmed by the alarm and by Route 53's switch checks (${r.detail}; ${st.detail})` };
  return { ok: false, lagging: true, detail: `the alarm is ${forced ? "ALARM" : "OK"}, but Route 53's switch checks do not show it yet (${r.detail})` };
}

/**
 * The failover switch. `writer`: the region that must hold a writer first
 * (traffic goes where writes work); none for the unplanned failover, which
 * takes the gate before promoting so Route53 can never send users back to
 * a primary that comes back.
 */
export function gateStep(config: ValidConfig, id: string, forced: boolean, writer: { readonly role: RegionRole; readonly generation: number } | "before-promotion" | StepGuard): Step {
  const sw = failoverSwitch(config);
  const readSwitch = `aws cloudwatch describe-alarms --region ${sw.region} --alarm-names ${sw.alarmName}`;
  const s = names(config, "secondary");
  return {
    id,
    title: forced ? "Force DNS to the secondary (failover switch: forced)" : "Return DNS to health-based routing (failover switch: released)",
    by: "runbook",
    precondition:
      "check" in Object(writer)
        ? (writer as StepGuard)
        : writer === "before-promotion"
        ? {
            text: `the secondary's Writer is a replica or a writer (it is promoted once no client can write to the primary any more); the switch is taken first so that Route53 never sends users back to a primary that returns`,
            check: async (ctx) => {
              const db = await ctx.platform.database("secondary", ctx.params.generations.secondary);
              return db.dbRole === "replica" || db.dbRole === "writer" ? ok(`${db.identifier}: ${db.dbRole}`) : no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
            },
          }
        : {
            text: `${names(config, (writer as { role: RegionRole }).role).writer((writer as { generation: number }).generation)} is a writer, so traffic is sent where writes work`,
            check: async (ctx) => {
              const w = writer as { readonly role: RegionRole; readonly generation: number };
              const db = await ctx.platform.database(w.role, w.generation);
              return db.dbRole === "writer" ? ok(`${db.identifier}: writer`) : no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
            },
          },
    action: {
      text:
        `PutMetricData in ${sw.region}: ${sw.namespace} ${sw.metricName} = ${switchValue(config, forced)} (${switchCommand(config, forced)}); ` +
        `local: the resolver's switch. A data-plane call in ${sw.region}: no Route53 API, nothing in us-east-1, no deploy. ` +
        `Record it afterwards as "dns": { "forceFailover": ${forced} } in the config (what dr status compares the switch with; no deploy changes the switch)`,
      run: (ctx) => ctx.platform.setForcedFailover(forced),
    },
    wait: {
      text:
        (forced
          ? `the switch alarm ${sw.alarmName} (${sw.region}) is ALARM and Route 53's own view of its two switch checks follows it ("switch" unhealthy, "switch-forced" healthy: their HealthCheckStatus in us-east-1, ids from SSM in ${sw.region}), so PRIMARY is unhealthy and SECONDARY healthy whatever either region's health; resolvers get the SECONDARY answer once their cached answer expires (TTL)`
          : `the switch alarm ${sw.alarmName} (${sw.region}) is OK and Route 53's view of its two switch checks follows it ("switch" healthy, "switch-forced" unhealthy): Route53 answers PRIMARY again while the primary's check passes, once resolvers' cached answers expire`) +
        `. The value is written again once a minute while the alarm does not show it (a lost datapoint) or Route 53's checks lag behind it; when Route 53's view cannot be read (us-east-1 does not answer, no datapoint) the alarm alone confirms it and the step says "confirmed by the alarm only"`,
      timeoutSeconds: config.runbook.dnsTimeoutSeconds,
      until: async (ctx) => {
        const c = await switchConfirmed(ctx, forced);
        ctx.scratch[`switch:${id}:lagging`] = c.lagging === true;
        if (c.ok) ctx.scratch[`switch:${id}:by`] = c.by;
        return c;
      },
      retry: async (ctx, acting) => {
        // Once a switch period (60 s: the alarm evaluates one datapoint a minute) has passed since the last write
        // without the alarm showing the value (a lost datapoint), or with Route 53's checks still behind it: write it
        // again, so the alarm and the data stream Route 53 reads get a current datapoint (a repeated value changes
        // nothing: the alarm takes each minute's Maximum).
        const last = ctx.eventAt(id, "action") ?? 0;
        const lagging = ctx.scratch[`switch:${id}:lagging`] === true;
        if (ctx.clock.now() - last < sw.periodSeconds * 1000) return null;
        acting();
        return `written again (${lagging ? "Route 53's switch checks lag behind the alarm" : "the alarm does not show it"}): ${await ctx.platform.setForcedFailover(forced)}`;
      },
    },
    recheck: { text: `the switch is still ${forced ? "forced" : "released"} (alarm in ${s.region}, not the journal)`, check: (ctx) => switchIs(ctx, forced) },
    onFailure:
      `The same flip by hand: ${switchCommand(config, forced)}; then ${readSwitch} (StateValue ${forced ? "ALARM" : "OK"} within a minute or two) and Route 53's view of the switch checks: ` +
      `aws cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/Route53 --metric-name HealthCheckStatus --dimensions Name=HealthCheckId,Value=$(aws ssm get-parameter --region ${sw.region} --name ${healthCheckParameter(config, "switch")} --query Parameter.Value --output text) --statistics Minimum --period 60 --start-time <10 minutes ago> --end-time <now> ` +
      `(${forced ? "0 once forced" : "1 once released"}). If the alarm shows it and Route 53's checks never do, the checks do not follow the alarm (dns stack: the switch checks' alarm name and region). ` +
      `The alarm is created by the dns stack (${deployOnly("dns")}: only dns, which finds the regions' load balancers by the names they published, so the regional stacks it depends on are not redeployed mid-incident); it does not need us-east-1.` +
      (forced ? " Once it is ALARM, clients still on the primary have a cached answer (TTL) or resolve through a resolver that ignores TTLs." : " Traffic returns only while the primary's Route53 check passes (`dr status`)."),
  };
}

export function verifyStep(config: ValidConfig, id: string, role: RegionRole): Step {
  const n = names(config, role);
  return {
    id,
    title: `Verify ${n.region} (${role}) serves writes`,
    by: "runbook",
    precondition: { text: "none" },
    action: { text: "none (the wait writes a verification note)" },
    wait: {
      text: `GET ${config.web.readinessPath} through the region's load balancer answers 200 with db_role writer, and POST /api/notes answers 201`,
      timeoutSeconds: config.runbook.verifyTimeoutSeconds,
      until: async (ctx) => {
        const p = await ctx.platform.probe(role, { write: true });
        return p.ok && p.writable === true && p.wrote === true ? ok(p.detail) : no(p.detail);
      },
    },
    onFailure: `The app re-checks its database role every few seconds without a restart; if ${config.web.readinessPath} keeps reporting db_role replica, look at the instances' logs (journalctl -u drweb) for "db role changed" and at the writer endpoint in /etc/drweb/drweb.env.`,
  };
}

export function restoreFleetStep(config: ValidConfig, id: string, role: RegionRole, size: number): Step {
  const n = names(config, role);
  return {
    id,
    title: `Restore the web fleet in ${n.region} (${role}) to ${size}`,
    by: "runbook",
    precondition: { text: "none" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size ${config.web.minSize} --desired-capacity ${size}`,
      run: (ctx) => ctx.platform.scaleWeb(role, size),
    },
    wait: {
      text: `${size} healthy targets in ${n.targetGroup} (new instances install the app first: up to web.healthCheckGraceSeconds)`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds + config.web.healthCheckGraceSeconds,
      until: async (ctx) => {
        const w = await ctx.platform.web(role);
        return (w.healthyTargets ?? 0) >= size ? ok(w.detail) : no(w.detail);
      },
    },
    onFailure: `aws autoscaling describe-scaling-activities --region ${n.region} --auto-scaling-group-name ${n.asg}; an instance that never turns healthy: its console output / journalctl -u drweb.`,
  };
}

/** The planned switchover's roll-back: the fenced fleet back in service, the switch untouched. */
export function switchoverRollback(
  config: ValidConfig,
  opts: { fencedRole: RegionRole; replicaRole: RegionRole; replicaGeneration: number; promoteId: string; after: readonly string[]; size: number; safe?: StepGuard },
): Rollback {
  const f = names(config, opts.fencedRole);
  return {
    after: opts.after,
    text: `when ${opts.after.join(" or ")} fails and ${opts.safe ? opts.safe.text : "no promotion was requested"}: aws autoscaling update-auto-scaling-group --region ${f.region} --auto-scaling-group-name ${f.asg} --min-size ${config.web.minSize} --desired-capacity ${opts.size}, until a target is healthy; the failover switch is not touched`,
    safe: opts.safe ? opts.safe.check : (ctx) => noPromotionRequested(ctx, opts.replicaRole, opts.replicaGeneration, opts.promoteId),
    run: (ctx) => ctx.platform.scaleWeb(opts.fencedRole, opts.size),
    until: async (ctx) => {
      const w = await ctx.platform.web(opts.fencedRole);
      return (w.healthyTargets ?? 0) >= 1 ? ok(w.detail) : no(w.detail);
    },
    timeoutSeconds: config.runbook.fenceTimeoutSeconds + config.web.healthCheckGraceSeconds,
  };
}

/**
 * Deletion protection off on a region's instances of one generation, so the
 * next deploy can replace them (after `afterId`, whose completion it needs).
 */
export function retireStep(config: ValidConfig, id: string, role: RegionRole, generation: number, afterId: string, afterDone: string): Step {
  const n = names(config, role);
  return {
    id,
    title: `Let Terraform replace the g${generation} instances in ${n.region}: deletion protection off`,
    by: "runbook",
    precondition: { text: `${afterId} is done`, check: async (ctx) => (ctx.eventAt(afterId, "done") !== null ? ok(afterDone) : no(`${afterId} has not completed`)) },
    action: {
      text: `aws rds modify-db-instance --region ${n.region} --no-deletion-protection --apply-immediately on ${[n.writer(generation), ...n.readers(generation)].join(", ")}`,
      run: (ctx) => ctx.platform.allowDeletion(role, generation),
    },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: "Run the aws rds modify-db-instance commands by hand, then the command again.",
  };
}

// --- failover --------------------------------------------------------------

/** Route53's verdict must be no older than this (1-minute datapoints, published with a delay). */
export const MAX_VERDICT_AGE_SECONDS = 180;
/** A ReplicaLag datapoint older than this is not a reading of the replica now. */
export const MAX_LAG_AGE_SECONDS = 300;

function plannedPreflight(config: ValidConfig, params: PlanParams): Step {
  const s = names(config, "secondary");
  const gS = params.generations.secondary;
  return {
    id: "preflight",
    title: "Check the secondary can take over with no data loss",
    by: "runbook",
    precondition: {
      text:
        `${s.writer(gS)} is a replica (or already a writer after an interrupted run) whose replication is healthy (RDS status replicating; ReplicaLag known, not -1, sampled within ${MAX_LAG_AGE_SECONDS} s on AWS's clock, and <= runbook.maxReplicaLagSeconds (${params.maxReplicaLagSeconds} s) ` +
        `unless the WAL positions show the replica is not behind its source: an idle source's replica reports up to five minutes of lag) ` +
        `and whose WAL replay advances (${config.web.readinessPath}?wal=1 through ${s.region}'s load balancer, read twice a poll apart, up to 3 times: streaming from the source, replay not paused, not stuck behind received WAL)`,
      check: async (ctx) => {
        const db = await ctx.platform.database("secondary", gS);
        if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer: resuming after its promotion`);
        if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
        if (db.replicationStatus && db.replicationStatus !== "replicating") return no(`${db.identifier}: replication status "${db.replicationStatus}" (${db.detail})`);
        if (db.lagSeconds === null) return no(`${db.identifier}: replica lag unknown (${db.detail})`);
        if (db.lagSeconds < 0) return no(`${db.identifier}: ReplicaLag -1: RDS cannot determine the lag (replication not active, the replica in error or setting up)`);
        if (db.lagSampleAgeSeconds != null && db.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${db.identifier}: the latest ReplicaLag datapoint is ${Math.round(db.lagSampleAgeSeconds)} s old (AWS clock): no current reading`);
        // A lag above the threshold is judged against the WAL positions below, not refused on its own.
        const highLag = db.lagSeconds > params.maxReplicaLagSeconds ? `replica lag ${db.lagSeconds} s > ${params.maxReplicaLagSeconds} s (runbook.maxReplicaLagSeconds)` : null;
        // Two samples a poll apart; a refusal other than a paused replay is sampled again (up to
        // PREFLIGHT_REPLAY_SAMPLES pairs): one slow read or a replay that stood still for one poll on a busy
        // replica is not a reason to refuse a switchover (found by the drill under CPU load). This gate changes
        // nothing either way; the catch-up after the fence proves RPO 0 on its own.
        let r: Check = no("not sampled");
        let latest: WalPositions | null = null;
        const refused: string[] = [];
        for (let attempt = 1; attempt <= PREFLIGHT_REPLAY_SAMPLES; attempt++) {
          const first = await ctx.platform.walPositions("secondary");
          await ctx.clock.sleep(Math.min(ctx.pollMs, 10_000));
          const second = await ctx.platform.walPositions("secondary");
          latest = second;
          r = replayVerdict(first, second);
          if (r.ok || first.replayPaused === true || second.replayPaused === true) break;
          refused.push(r.detail);
        }
        const before = r.ok && refused.length ? ` (after ${refused.length} refused sample(s): ${refused.join("; ")})` : "";
        const tries = !r.ok && refused.length > 1 ? ` (${refused.length} samples a poll apart)` : "";
        if (!r.ok) return no(`${db.identifier}: ${highLag ? `${highLag}; ` : ""}${r.detail}${tries}`);
        if (highLag) {
          // CloudWatch says behind; the positions decide: an idle source inflates ReplicaLag, a replica really behind is refused.
          const proof = latest ? replayedSourceEnd(latest) : no("no WAL positions");
          if (!proof.ok) return no(`${db.identifier}: ${highLag}, and the WAL positions do not show it caught up: ${proof.detail}`);
          return ok(`${db.identifier}: replica, ${db.replicationStatus ?? "status n/a"}; CloudWatch ${highLag}, but ${proof.detail} (not a veto: ${IDLE_LAG_NOTE}); ${r.detail}${before}`);
        }
        return ok(`${db.identifier}: replica, lag ${fmtLag(db.lagSeconds)}, ${db.replicationStatus ?? "status n/a"}; ${r.detail}${before}`);
      },
    },
    action: { text: "none (records what it saw in the journal)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure:
      "Nothing was changed. Replication not healthy (lag, -1, status, replay paused or stuck): find what holds the replica (CloudWatch ReplicaLag, the replica's PostgreSQL log for replay conflicts, pg_is_wal_replay_paused()) and try again later, or, if the primary is failing, use --unplanned. Not a replica: see `dr status`.",
  };
}

/** Scratch key: whether the old primary region's APIs answered the drain's last read (this run only; the Aurora path reads it to decide whether to ask that region again). */
export const OLD_REGION_ANSWERED = "old-region:answered";

/**
 * Unplanned: the drain is over when the old fleet is provably fenced, or the
 * drain window since the switch has passed. Once the window has passed the old
 * region is not asked (nothing it says can change the verdict), and the window
 * is judged again after the read: a region in a brownout that takes a call's
 * whole bound to fail does not hold the drain past its window.
 */
export async function drained(ctx: StepContext): Promise<Check & { readonly web?: WebState }> {
  const since = ctx.eventAt("force-dns", "done");
  if (since === null) return no("force-dns has not completed");
  const windowMs = ctx.params.clientDrainSeconds * 1000;
  const passed = () => ctx.clock.now() - since >= windowMs;
  const windowDetail = `${ctx.params.clientDrainSeconds} s since the switch: no client can still hold the PRIMARY answer or a request in flight there`;
  if (passed()) return { ok: true, detail: `${windowDetail} (the old region is not asked)` };
  let web: WebState | undefined;
  let seen: string;
  try {
    web = await ctx.platform.web("primary");
    ctx.scratch[OLD_REGION_ANSWERED] = true;
    if (fenced(web)) return { ok: true, detail: `the old primary's fleet is fenced (${web.detail}): no client can write there`, web };
    seen = `old fleet not fenced (${web.detail})`;
  } catch (e) {
    ctx.scratch[OLD_REGION_ANSWERED] = false;
    seen = `old region's APIs do not answer (${errorText(e)})`;
  }
  if (passed()) return { ok: true, detail: `${windowDetail}; ${seen}`, ...(web ? { web } : {}) };
  const left = windowMs - (ctx.clock.now() - since);
  return { ok: false, detail: `${seen}; ${(left / 1000).toFixed(1)} s of the ${ctx.params.clientDrainSeconds} s drain left`, ...(web ? { web } : {}) };
}

/** Scratch key: when Route 53's verdict on the primary turned unhealthy (epoch ms, runbook clock), set by confirm-outage. */
export const OUTAGE_DETECTED_AT = "outage:detectedAt";

/** How a replica's replication reads before an unplanned failover: never "lag 0" without a WAL receiver (issue 25 point 8). */
export function unplannedReplicationReport(db: DatabaseState, now: number): string {
  const replay = db.lastReplayAt != null ? `last replayed commit ${new Date(db.lastReplayAt).toISOString()} (${Math.max(0, (now - db.lastReplayAt) / 1000).toFixed(1)} s ago)` : "last replayed commit unknown";
  const broken = (db.replicationStatus != null && db.replicationStatus !== "replicating") || (db.lagSeconds !== null && db.lagSeconds < 0);
  if (broken) {
    return (
      `${db.identifier}: replica; replication BROKEN (${db.replicationStatus ?? "ReplicaLag -1"}): no lag can be read; ${replay}. ` +
      `Writes the primary acknowledged after that commit are not on the replica (the RPO estimate follows the catch-up; whether it broke before the outage is judged against the outage's start)`
    );
  }
  return `${db.identifier}: replica, ${db.replicationStatus ?? "replication status n/a"}, last lag ${fmtLag(db.lagSeconds)}; ${replay} (writes acknowledged in that window may be lost)`;
}

/**
 * The unplanned RPO estimate, once the replica has replayed all it received from a source that no longer sends:
 * the outage's detection time (Route 53's verdict unhealthy since: confirm-outage; on a resumed or operator-confirmed
 * run, when confirm-outage was done: later, so the estimate only grows) minus the replica's last replayed commit.
 * Writes acknowledged in that window are lost; the window includes the detection delay (Route 53's interval x
 * threshold), so it overstates the loss by up to that much. When the last replayed commit is older than the outage's
 * start by more than the detection delay plus two check intervals, replication was broken before the outage (or the
 * primary took no writes): a warning.
 */
export async function rpoEstimate(ctx: StepContext, role: RegionRole, generation: number, config: ValidConfig): Promise<string> {
  const scratch = ctx.scratch[OUTAGE_DETECTED_AT] as number | undefined;
  const detectedAt = scratch ?? ctx.eventAt("confirm-outage", "done");
  let db: DatabaseState;
  try {
    db = await ctx.platform.database(role, generation);
  } catch (e) {
    return `RPO estimate: unknown (the replica's last replayed commit could not be read: ${errorText(e)})`;
  }
  if (db.lastReplayAt == null || detectedAt === null) return `RPO estimate: unknown (${db.lastReplayAt == null ? "the replica reports no last replayed commit" : "no outage detection time"})`;
  const seconds = Math.max(0, (detectedAt - db.lastReplayAt) / 1000);
  const hc = config.dns.healthCheck;
  const detection = failoverBudget(config).detectionSeconds;
  const brokenBefore = seconds > detection + 2 * hc.requestIntervalSeconds;
  return (
    `RPO estimate: ${seconds.toFixed(1)} s: writes the primary acknowledged after the replica's last replayed commit (${new Date(db.lastReplayAt).toISOString()}) ` +
    `and before the outage was detected (${new Date(detectedAt).toISOString()}${scratch === undefined ? ", when confirm-outage was done" : ", Route 53's verdict unhealthy since"}) are lost ` +
    `(an upper bound: it includes up to ${detection} s of detection delay)` +
    (brokenBefore
      ? `. WARNING: replication was already broken before the outage: the last replayed commit is ${seconds.toFixed(1)} s older than the outage's detection, more than detection takes (${detection} s + 2 check intervals), so the replica stopped receiving writes before the primary failed (or the primary took no writes then)`
      : "")
  );
}

/** What to do when Route 53's verdict cannot be read (confirm-outage). */
export const CONFIRM_OUTAGE_ADVICE =
  "Route 53 publishes its health-check metrics in us-east-1 only; when that does not answer, the verdict cannot be read, and the failover itself does not need it. " +
  "Check the primary yourself (its load balancer, `dr status`, the AWS Health Dashboard); if it is down, run the same command again with --confirm confirm-outage.";

/** Unplanned: Route53's verdict must show the primary down for runbook.minOutageSeconds without a break (nothing changes before). */
export function confirmOutageStep(config: ValidConfig, params: PlanParams): Step {
  const W = params.minOutageSeconds;
  return {
    id: "confirm-outage",
    title: `Confirm the primary has been down for ${W} s without a break (Route53's own verdict)`,
    by: "runbook",
    precondition: { text: "none (the wait reads Route53's verdict)" },
    action: { text: "none (nothing is changed before the outage is confirmed)" },
    wait: {
      text:
        `Route53's verdict on the primary check (its HealthCheckStatus metric, CloudWatch in us-east-1; the check's id from the dns stack's SSM parameter in ${config.regions.secondary.region}: no Route 53 API) has been unhealthy for ${W} s (runbook.minOutageSeconds) without a healthy sample, the newest sample at most ${MAX_VERDICT_AGE_SECONDS} s old on AWS's clock. ` +
        `If the verdict cannot be read (no answer from us-east-1, no id published) the step stops at once with nothing changed: confirm the outage yourself and run again with --confirm confirm-outage. ` +
        `A healthy verdict after an unhealthy one ends the run (a transient fault: nothing changed); a verdict still healthy after ${Math.min(MAX_VERDICT_AGE_SECONDS, Math.max(W, 1))} s ends it too (the primary answers: use --planned)`,
      timeoutSeconds: W + MAX_VERDICT_AGE_SECONDS + 300,
      until: async (ctx) => {
        // No answer is not a verdict: stop at the first network failure (each call already made its attempts within
        // its bound) with the way forward, instead of polling a region that does not answer for the whole timeout.
        // An answer that is not yet a sustained outage keeps the wait going.
        let o: OutageState;
        try {
          o = await ctx.platform.outage("primary");
        } catch (e) {
          const cause = ctx.platform.explain?.(e);
          if (cause?.kind !== "network") throw e;
          ctx.scratch[US_EAST_1_SILENT] = errorText(e);
          return fatal(`Route53's verdict could not be read: ${cause.summary}. Nothing was changed. ${CONFIRM_OUTAGE_ADVICE}`);
        }
        if (o.unreadable) return fatal(`Route53's verdict cannot be read: ${o.detail}. Nothing was changed. ${CONFIRM_OUTAGE_ADVICE}`);
        const startedAt = (ctx.scratch["outage:since"] ??= ctx.clock.now()) as number;
        if (o.healthy === true) {
          if (ctx.scratch["outage:seen"]) return { ...fatal(`the primary recovered (Route53 verdict healthy: ${o.detail}): a transient fault; nothing was changed and nothing will be`), transient: true };
          if (ctx.clock.now() - startedAt >= Math.min(MAX_VERDICT_AGE_SECONDS, Math.max(W, 1)) * 1000) return fatal(`Route53 sees the primary healthy (${o.detail}): the primary region answers; use --planned (RPO 0)`);
          return no(`Route53's newest verdict is still healthy (its 1-minute datapoints lag the checks): waiting for it to show the outage (${o.detail})`);
        }
        if (o.healthy === null) return no(`no verdict: ${o.detail}`);
        ctx.scratch["outage:seen"] = true;
        if (o.sampleAgeSeconds !== null && o.sampleAgeSeconds > MAX_VERDICT_AGE_SECONDS) return no(`the latest verdict is ${Math.round(o.sampleAgeSeconds)} s old: waiting for a current one (${o.detail})`);
        if (o.unhealthyForSeconds < W) return no(`unhealthy for ${Math.round(o.unhealthyForSeconds)} s of ${W} s: ${o.detail}`);
        // The outage's detection time (the RPO estimate's end): when Route 53's verdict turned unhealthy, on the runbook's clock.
        const detectedAt = ctx.clock.now() - o.unhealthyForSeconds * 1000; // AWS: from the newest datapoint's minute, so a little late (the estimate only grows)
        ctx.scratch[OUTAGE_DETECTED_AT] = detectedAt;
        return ok(`unhealthy for ${Math.round(o.unhealthyForSeconds)} s >= ${W} s: ${o.detail} (the outage detected: unhealthy since ${new Date(detectedAt).toISOString()})`);
      },
    },
    onFailure:
      `Nothing was changed. The primary recovered: no failover (if it keeps flapping, use --planned). The verdict cannot be read (us-east-1 impaired): check the primary yourself, then run again with --confirm confirm-outage (and --confirm preflight if needed).`,
  };
}

/**
 * The unplanned failover's verdict guard (VerdictGuard): Route 53's verdict
 * on the primary check (the same read as confirm-outage: HealthCheckStatus,
 * us-east-1, id from SSM; no Route 53 API), re-read right before the switch
 * is forced and before the old fleet is fenced. A healthy verdict (the
 * primary recovered while the run was suspended, or before a resumed run got
 * here) stops the run as transient: nothing was changed, or only the switch,
 * which is then released (the primary was never fenced and nothing was
 * promoted, so releasing it is the way back to normal). A verdict that cannot
 * be read now (us-east-1 not answering) or has no datapoint leaves the
 * verdict read by confirm-outage standing: the run goes on.
 */
export function verdictGuard(config: ValidConfig): VerdictGuard {
  const sw = failoverSwitch(config);
  return {
    text: `Route53's verdict on the primary check, read again right before the switch is forced and before the old fleet is fenced (and again if that read was not fresh: the run was suspended): healthy again stops the run as transient (exit 6)`,
    steps: ["force-dns", "fence-old-primary"],
    establishedBy: "confirm-outage",
    check: async (ctx) => {
      if (ctx.scratch[US_EAST_1_SILENT]) return ok(`not re-read: us-east-1 did not answer earlier in this run (${String(ctx.scratch[US_EAST_1_SILENT])}); the verdict read before stands`);
      let o: OutageState;
      try {
        o = await ctx.platform.outage("primary");
      } catch (e) {
        const cause = ctx.platform.explain?.(e);
        if (cause?.permanent) throw e;
        if (cause?.kind === "network") ctx.scratch[US_EAST_1_SILENT] = errorText(e);
        return ok(`could not be re-read (${cause ? cause.summary : errorText(e)}): the verdict read before stands`);
      }
      if (o.unreadable || o.healthy === null) return ok(`no current verdict (${o.detail}): the verdict read before stands`);
      if (o.healthy === true && (o.sampleAgeSeconds === null || o.sampleAgeSeconds <= MAX_VERDICT_AGE_SECONDS)) {
        return { ok: false, transient: true, detail: `the primary is healthy again (Route53 verdict: ${o.detail})` };
      }
      return ok(`still unhealthy (${o.detail})`);
    },
    undo: {
      text: `the failover switch released (PutMetricData ${sw.namespace} ${sw.metricName} = ${switchValue(config, false)} in ${sw.region}), until its alarm is OK`,
      run: async (ctx) => {
        const did = await ctx.platform.setForcedFailover(false);
        const deadline = ctx.clock.now() + config.runbook.dnsTimeoutSeconds * 1000;
        for (;;) {
          const c = await switchIs(ctx, false);
          if (c.ok) return `${did}; the switch alarm is OK again (${c.detail})`;
          if (ctx.clock.now() >= deadline) throw new Error(`the switch was written released (${did}) but its alarm did not show it within ${config.runbook.dnsTimeoutSeconds} s (${c.detail})`);
          await ctx.clock.sleep(ctx.pollMs);
        }
      },
    },
  };
}

/** Unplanned: the old primary's web fleet to zero wherever its APIs answer (a region that does not answer is covered by the drain). */
export function fenceOldPrimaryStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  return {
    id: "fence-old-primary",
    title: `Fence the old primary region wherever its APIs answer: web fleet to zero (${p.region})`,
    by: "runbook",
    precondition: { text: "none" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0; if ${p.region}'s APIs do not answer, recorded and retried by the next steps`,
      run: async (ctx) => {
        try {
          return await ctx.platform.scaleWeb("primary", 0);
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return `${p.region}'s APIs did not answer (${errorText(e)}): the drain below covers it and retries`;
        }
      },
    },
    wait: { text: "none (the drain waits for it)", timeoutSeconds: 0 },
    onFailure: "Credentials or permissions: fix them and run again (it resumes here).",
  };
}

/** Unplanned: no client can still write to the old primary (its fleet fenced, or the client drain since the switch has passed). */
export function drainStep(_config: ValidConfig, params: PlanParams): Step {
  const drain = params.clientDrainSeconds;
  const switchForced = { text: "the failover switch is forced now (alarm read in AWS)", check: (ctx: StepContext) => switchIs(ctx, true) };
  return {
    id: "drain",
    title: "Wait until no client can still write to the old primary",
    by: "runbook",
    precondition: switchForced,
    action: { text: "none (waits; retries the fence whenever the old region answers)" },
    wait: {
      text: `the old fleet is fenced (desired 0, no target, no instance running), or ${drain} s (runbook.clientDrainSeconds: Route53 interval x threshold + alias TTL + ALB idle timeout) have passed since the switch was forced`,
      timeoutSeconds: drain + 60,
      until: (ctx) => drained(ctx),
      retry: async (ctx, acting) => {
        // The wait's read just found the old region not answering: not asked twice in one poll (a brownout costs each call its whole bound).
        if (ctx.scratch[OLD_REGION_ANSWERED] === false) return null;
        let w: WebState;
        try {
          w = await ctx.platform.web("primary");
        } catch {
          return null; // the region does not answer: nothing to do yet
        }
        if (w.desiredCapacity === 0) return null;
        acting();
        return ctx.platform.scaleWeb("primary", 0);
      },
    },
    recheck: { text: "still drained: the old fleet fenced or the window passed", check: (ctx) => drained(ctx) },
    onFailure: "This wait ends by time at the latest; a failure here is the switch's (run again) or the clock's.",
  };
}

export function unplannedSteps(config: ValidConfig, params: PlanParams): Step[] {
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const switchForced = { text: "the failover switch is forced now (alarm read in AWS)", check: (ctx: StepContext) => switchIs(ctx, true) };
  return [
    {
      id: "preflight",
      title: "Record the secondary's replication state (the data at risk)",
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a replica (or already a writer after an interrupted run)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer: resuming after its promotion`);
          if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
          return ok(unplannedReplicationReport(db, ctx.clock.now()));
        },
      },
      action: { text: "none (records what it saw in the journal)" },
      wait: { text: "none", timeoutSeconds: 0 },
      onFailure: "Not a replica: see `dr status`.",
    },
    confirmOutageStep(config, params),
    gateStep(config, "force-dns", true, "before-promotion"),
    fenceOldPrimaryStep(config),
    drainStep(config, params),
    {
      id: "catch-up",
      title: `Let ${s.writer(gS)} replay what its source sent (all of it, when the source still talks)`,
      by: "runbook",
      precondition: switchForced,
      action: { text: "none (waits)" },
      wait: {
        text:
          `${config.web.readinessPath}?wal=1 through ${s.region}'s load balancer: if the source still streams, a message it sent after the drain reports its WAL end and the replica has replayed it; if not, the replica has replayed everything it received, ` +
          `and the RPO estimate is printed and journaled: the outage's detection time (Route 53's verdict unhealthy since) minus the replica's last replayed commit (local: pg_last_xact_replay_timestamp(); AWS: from its ReplicaLag). A paused replay fails at once; a replica that is down itself fails after ${TARGET_DOWN_POLLS} polls`,
        timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
        until: async (ctx) => {
          const since = ctx.eventAt("drain", "done");
          if (since === null) return no("drain has not completed");
          const p = await ctx.platform.walPositions("secondary");
          const c = catchUpVerdict(p, since, "unplanned");
          if (c.fatal) return c;
          if (!c.ok && !p.ok) {
            // The replica itself down is not "the source still streams": name it (issue 25 point 6).
            const down = await targetDownVerdict(ctx, "secondary", gS, "catch-up", (db) =>
              `the promotion target ${db.identifier} is down itself (${db.dbRole}, ${db.status ?? "?"}: ${db.detail}) for ${TARGET_DOWN_POLLS} polls in a row, not only the source: there is no replica to promote; nothing was promoted (last reading: ${c.detail})`,
            );
            return down ?? c;
          }
          if (!c.ok || p.inRecovery === false || sourceAlive(p)) return c;
          return ok(`${c.detail}; ${await rpoEstimate(ctx, "secondary", gS, config)}`);
        },
      },
      onFailure:
        `Nothing was promoted. Read the reason above: (a) "the promotion target ... is down itself": the replica in ${s.region} does not answer (or is gone) as well as the primary: bring it back (RDS: aws rds describe-events --region ${s.region} --source-type db-instance --source-identifier ${s.writer(gS)}; reboot it) and run the same command again, or restore ${s.region} from a snapshot; ` +
        `(b) "WAL replay is paused": resume it (SELECT pg_wal_replay_resume()) and run again; (c) a timeout while the source still streams: the replica could not be shown to have its last writes: check it (SELECT pg_last_wal_replay_lsn(), pg_is_wal_replay_paused()); to promote anyway (accepting the loss of what is not replayed), run again with --confirm catch-up.`,
    },
    promoteStep(config, "promote", "secondary", gS, {
      text: "the switch is forced and the drain holds (checked now)",
      check: async (ctx) => {
        const sw = await switchIs(ctx, true);
        if (!sw.ok) return no(`the failover switch is not forced (${sw.detail})`);
        const d = await drained(ctx);
        return d.ok ? ok(d.detail) : no(d.detail);
      },
    }),
    verifyStep(config, "verify", "secondary"),
    {
      id: "isolate-old-primary",
      title: `Fence and isolate the old primary (${p.region}), retried until its APIs answer`,
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a writer (the old writer is isolated only after the promotion: a replica would inherit the change)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          return db.dbRole === "writer" ? ok(`${db.identifier}: writer`) : no(`${db.identifier}: ${db.dbRole}`);
        },
      },
      action: { text: "none (the wait acts whenever the old region answers)" },
      wait: {
        text:
          `the ${p.region} fleet is fenced (desired 0, nothing running) and ${p.writer(gP)} is isolated from the app: a new random master password (aws rds modify-db-instance --master-user-password ... --apply-immediately; the app's secret no longer opens it) and the tag dr-isolated ` +
          `(local: the same on the app role); each poll retries what is missing`,
        timeoutSeconds: config.runbook.fenceTimeoutSeconds,
        until: async (ctx) => {
          const parts: string[] = [];
          let done = true;
          try {
            const w = await ctx.platform.web("primary");
            if (!fenced(w)) done = false;
            parts.push(`fleet ${fenced(w) ? "fenced" : "not fenced"} (${w.detail})`);
          } catch (e) {
            done = false;
            parts.push(`fleet: APIs do not answer (${errorText(e)})`);
          }
          try {
            const db = await ctx.platform.database("primary", gP);
            if (db.isolated !== true) done = false;
            parts.push(`${db.identifier}: ${db.dbRole}, ${db.isolated === true ? "isolated" : db.isolated === false ? "not isolated" : "isolation unknown"} (${db.detail})`);
          } catch (e) {
            if (ctx.platform.explain?.(e)?.permanent) throw e;
            done = false;
            parts.push(`${p.writer(gP)}: APIs do not answer (${errorText(e)})`);
          }
          return done ? ok(parts.join("; ")) : no(parts.join("; "));
        },
        retry: async (ctx, acting) => {
          const did: string[] = [];
          try {
            const w = await ctx.platform.web("primary");
            if (w.desiredCapacity !== 0) {
              acting();
              did.push(await ctx.platform.scaleWeb("primary", 0));
            }
          } catch {
            // not answering yet
          }
          let db: DatabaseState;
          try {
            db = await ctx.platform.database("primary", gP);
          } catch (e) {
            if (ctx.platform.explain?.(e)?.permanent) throw e;
            return did.length ? did.join("; ") : null;
          }
          if (db.isolated !== true && (db.dbRole === "writer" || db.dbRole === "replica")) {
            acting();
            try {
              did.push(await ctx.platform.isolateWriter("primary", gP));
            } catch (e) {
              if (ctx.platform.explain?.(e)?.permanent) throw e;
              did.push(`isolating ${db.identifier}: ${errorText(e)} (retried)`);
            }
          }
          return did.length ? did.join("; ") : null;
        },
      },
      onFailure:
        `The failover itself is done: ${s.writer(gS)} takes the writes and the switch keeps users on ${s.region}. What is missing is the old region's fence; it is retried each time you run the same command again (it resumes at this step). ` +
        `By hand when ${p.region} answers: aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0; aws rds modify-db-instance --region ${p.region} --db-instance-identifier ${p.writer(gP)} --master-user-password <random> --apply-immediately. If ${p.region} is lost for good: --confirm isolate-old-primary.`,
    },
  ];
}

/** Failover of the database and DNS from the primary region to the secondary. */
export function failoverPlan(config: ValidConfig, params: PlanParams): Plan {
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const planned = params.mode === "planned";
  const steps: Step[] = planned
    ? [
        plannedPreflight(config, params),
        fenceStep(config, "fence-primary", "primary", "no request reaches the old writer"),
        catchUpStep(config, "catch-up", "secondary", gS, "fence-primary", "primary"),
        promoteStep(config, "promote", "secondary", gS, {
          text: "the primary fleet is still fenced and the replica has caught up (both checked now, not taken from the journal)",
          check: async (ctx) => {
            const f = await stillFenced(ctx, "primary");
            if (!f.ok) return f;
            const c = await caughtUp(ctx, "secondary", "fence-primary", "planned");
            return c.ok ? ok(c.detail) : no(`not caught up: ${c.detail}`);
          },
        }),
        gateStep(config, "force-dns", true, { role: "secondary", generation: gS }),
        verifyStep(config, "verify", "secondary"),
      ]
    : unplannedSteps(config, params);

  const epilogue = [
    `Record the new state (docs/failover-runbook.md "Database failover and failback runbook", Failover step 4). In your config file (DR_CONFIG):`,
    `  "database": { "drState": "failedOver", "generations": { "primary": ${gP}, "secondary": ${gS} } },`,
    `  "dns": { "forceFailover": true }`,
    `then:`,
    `  npm run synth`,
    `  npx cdktf diff secondary     # expect outputs dr_state, db_writer_mode and one in-place update: ${s.writer(gS)}, declared as the replica without its source, now keeps a final snapshot on delete (skip_final_snapshot false, final_snapshot_identifier ${s.writer(gS)}-final: Terraform-only, no AWS call)`,
    `  ${deployOnly("secondary")}   # only secondary: what it depends on (${config.regions.primary.region}, the DNS zone) is not redeployed mid-incident, and this deploy needs neither`,
    `  npx cdktf diff dns           # expect no changes: the switch is a metric; Terraform manages only its alarm`,
    `Do not deploy primary while in failedOver.`,
  ];
  if (!planned) {
    epilogue.push(
      `${p.region} is fenced (web fleet at 0) and its old writer ${p.writer(gP)} is isolated (new random master password, tag dr-isolated): a diverged standalone database, kept as evidence.`,
      `If ${p.region} is lost for good:`,
      `  aws secretsmanager stop-replication-to-replica --region ${s.region} --secret-id ${config.project}-${config.environment}/db/master`,
    );
  } else {
    epilogue.push(`${p.region} is fenced (web fleet at 0) and its writer ${p.writer(gP)} takes no writes; fail back with \`dr failback\`.`);
  }
  return {
    title: `failover to ${s.region} (secondary), ${params.mode}`,
    params,
    steps,
    epilogue,
    ...(planned ? { rollback: switchoverRollback(config, { fencedRole: "primary", replicaRole: "secondary", replicaGeneration: gS, promoteId: "promote", after: ["catch-up", "promote"], size: params.webSize }) } : { verdict: verdictGuard(config) }),
  };
}

// --- failback --------------------------------------------------------------

/**
 * Failback (docs/failover-runbook.md "Failback to us-east-2"): rebuild the old primary as a
 * replica of the promoted secondary (generation bump, a deploy the operator
 * runs), switch over to it (planned: RPO 0), rebuild the secondary as its
 * replica (a second generation bump and deploy).
 */
export function failbackPlan(config: ValidConfig, params: PlanParams): Plan {
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const gP2 = gP + 1;
  const gS2 = gS + 1;
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const snapshotId = `${p.writer(gP)}-diverged`;
  const cfgCheck = (want: { drState: string; primary: number; secondary: number; forceFailover?: boolean }) => async (ctx: StepContext) => {
    const d = ctx.config.database;
    const bad: string[] = [];
    if (d.drState !== want.drState) bad.push(`database.drState is "${d.drState}", want "${want.drState}"`);
    if (d.generations.primary !== want.primary) bad.push(`database.generations.primary is ${d.generations.primary}, want ${want.primary}`);
    if (d.generations.secondary !== want.secondary) bad.push(`database.generations.secondary is ${d.generations.secondary}, want ${want.secondary}`);
    if (want.forceFailover !== undefined && ctx.config.dns.forceFailover !== want.forceFailover) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want ${want.forceFailover}`);
    return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
  };
  const replicaOf = (role: RegionRole, generation: number) => async (ctx: StepContext) => {
    const db = await ctx.platform.database(role, generation);
    return (db.dbRole === "replica" || db.dbRole === "writer") && db.status === "available"
      ? ok(`${db.identifier}: ${db.dbRole} of ${db.source ?? "-"}, available`)
      : no(`${db.identifier}: ${db.dbRole}, ${db.status ?? "?"} (${db.detail})`);
  };

  const steps: Step[] = [
    {
      id: "preflight",
      title: `Check the failed-over state: ${s.writer(gS)} writes, DNS forced to the secondary`,
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a writer; the failover switch is forced (alarm ${failoverSwitch(config).alarmName} in ${s.region} is ALARM)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          if (db.dbRole !== "writer") return no(`${db.identifier}: ${db.dbRole}: there is nothing to fail back from (see \`dr status\`)`);
          const sw = await ctx.platform.failoverSwitch();
          if (sw.forced !== true && ctx.eventAt("unforce-dns", "action") === null) return no(`the failover switch is not forced (${sw.detail}): traffic is not forced to the secondary`);
          return ok(`${db.identifier}: writer; switch ${sw.detail}`);
        },
      },
      action: { text: "none" },
      wait: { text: "none", timeoutSeconds: 0 },
      onFailure: "Run `dr status`; fail back only from the failedOver state.",
    },
    fenceStep(config, "fence-old-primary", "primary", `the diverged writer ${p.writer(gP)} takes no writes`, "restore-primary-fleet"),
    {
      id: "snapshot-old-primary",
      title: `Keep the evidence: snapshot ${p.writer(gP)} as ${snapshotId}`,
      by: "runbook",
      precondition: { text: "none" },
      action: {
        text: `aws rds create-db-snapshot --region ${p.region} --db-instance-identifier ${p.writer(gP)} --db-snapshot-identifier ${snapshotId} (skipped if it exists)`,
        run: (ctx) => ctx.platform.snapshot("primary", gP, snapshotId),
      },
      wait: {
        text: `snapshot ${snapshotId} is available (writes that never replicated are reconciled from it by hand)`,
        timeoutSeconds: config.runbook.promoteTimeoutSeconds,
        until: async (ctx) => {
          const st = await ctx.platform.snapshotStatus("primary", snapshotId);
          return st === "available" ? ok(`${snapshotId}: available`) : no(`${snapshotId}: ${st ?? "missing"}`);
        },
      },
      onFailure: `aws rds describe-db-snapshots --region ${p.region} --db-snapshot-identifier ${snapshotId}. If ${p.writer(gP)} is gone for good (region lost), run again with --confirm snapshot-old-primary.`,
    },
    retireStep(config, "retire-old-primary", "primary", gP, "snapshot-old-primary", "snapshot taken"),
    {
      id: "rebuild-primary",
      title: `Rebuild ${p.region} as a replica of ${s.writer(gS)} (generation ${gP2}): a deploy you run`,
      by: "operator",
      precondition: {
        text: `config: database.drState "failback", generations { primary: ${gP2}, secondary: ${gS} }, dns.forceFailover true`,
        check: cfgCheck({ drState: "failback", primary: gP2, secondary: gS, forceFailover: true }),
      },
      action: {
        text: `set "database": { "drState": "failback", "generations": { "primary": ${gP2}, "secondary": ${gS} } } (keep "dns": { "forceFailover": true }); npm run synth && npx cdktf diff primary (expect exactly: ${p.writer(gP)} destroyed with its final snapshot ${p.writer(gP)}-final, ${p.readers(gP).join(", ")} destroyed without one (skip_final_snapshot true in the diff: RDS refuses a final snapshot of a read replica; if it shows false, see docs/failover-runbook.md failback step 3), ${p.writer(gP2)} created as a cross-region replica of ${s.writer(gS)} plus ${p.readers(gP2).join(", ")}, the web launch template and Auto Scaling group updated (new endpoints); npm run plan:offline checks this plan); ${deployOnly("primary")} (only primary: ${s.writer(gS)}, its source, is named by ARN and already running, and the secondary and DNS-zone stacks it depends on do not change)`,
      },
      wait: { text: `${p.writer(gP2)} exists, is a replica of ${s.writer(gS)} and available (checked once: deploy, then run the command again)`, timeoutSeconds: 0, until: replicaOf("primary", gP2) },
      onFailure: "Set the config as shown, deploy primary, then run `dr failback` again: it resumes here.",
    },
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    {
      id: "primary-in-sync",
      title: `Wait until ${p.writer(gP2)} is within runbook.maxReplicaLagSeconds (or its WAL positions show it is not behind)`,
      by: "runbook",
      precondition: { text: "none" },
      action: { text: "none (waits)" },
      wait: {
        text:
          `ReplicaLag of ${p.writer(gP2)} known, not -1, a current datapoint, RDS status replicating, and <= ${params.maxReplicaLagSeconds} s ` +
          `or, above it, ${config.web.readinessPath}?wal=1 through ${p.region}'s load balancer shows the replica streaming and replayed up to its source's WAL end (an idle source's replica reports up to five minutes of lag)`,
        timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
        until: async (ctx) => {
          const db = await ctx.platform.database("primary", gP2);
          if (db.dbRole === "writer") return ok(`${db.identifier}: already a writer`);
          if (db.replicationStatus && db.replicationStatus !== "replicating") return no(`${db.identifier}: replication status "${db.replicationStatus}"`);
          if (db.lagSeconds === null || db.lagSeconds < 0) return no(`${db.identifier}: lag ${fmtLag(db.lagSeconds)}`);
          if (db.lagSampleAgeSeconds != null && db.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${db.identifier}: the latest ReplicaLag datapoint is ${Math.round(db.lagSampleAgeSeconds)} s old`);
          if (db.lagSeconds <= params.maxReplicaLagSeconds) return ok(`${db.identifier}: lag ${db.lagSeconds} s`);
          const proof = replayedSourceEnd(await ctx.platform.walPositions("primary"));
          return proof.ok
            ? ok(`${db.identifier}: CloudWatch lag ${db.lagSeconds} s > ${params.maxReplicaLagSeconds} s, but ${proof.detail} (not a veto: ${IDLE_LAG_NOTE})`)
            : no(`${db.identifier}: lag ${fmtLag(db.lagSeconds)}; WAL positions: ${proof.detail}`);
        },
      },
      onFailure: "A new replica first replays the backlog since it was created; wait and run again.",
    },
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from", "restore-secondary-fleet"),
    catchUpStep(config, "catch-up", "primary", gP2, "fence-secondary", "secondary"),
    promoteStep(config, "promote-primary", "primary", gP2, {
      text: "the secondary fleet is still fenced and the replica has caught up (both checked now, not taken from the journal)",
      check: async (ctx) => {
        const f = await stillFenced(ctx, "secondary");
        if (!f.ok) return f;
        const c = await caughtUp(ctx, "primary", "fence-secondary", "planned");
        return c.ok ? ok(c.detail) : no(`not caught up: ${c.detail}`);
      },
    }),
    gateStep(config, "unforce-dns", false, { role: "primary", generation: gP2 }),
    verifyStep(config, "verify-primary", "primary"),
    retireStep(config, "retire-old-secondary", "secondary", gS, "verify-primary", "primary verified"),
    {
      id: "rebuild-secondary",
      title: `Rebuild ${s.region} as a replica of ${p.writer(gP2)} (generation ${gS2}): a deploy you run`,
      by: "operator",
      precondition: {
        text: `config: database.drState "normal", generations { primary: ${gP2}, secondary: ${gS2} }, dns.forceFailover false`,
        check: cfgCheck({ drState: "normal", primary: gP2, secondary: gS2, forceFailover: false }),
      },
      action: {
        text: `set "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } }, "dns": { "forceFailover": false }; npm run synth && npx cdktf diff primary (expect the outputs dr_state and db_writer_mode and one in-place update: ${p.writer(gP2)}, promoted, now keeps a final snapshot on delete); ${deployWithDependencies(config, ["primary", "secondary", "dns"])} (the secondary: ${s.writer(gS)} destroyed with its final snapshot ${s.writer(gS)}-final (recorded by failover step 4's deploy), ${s.readers(gS).join(", ")} destroyed without one, ${s.writer(gS2)} and ${s.readers(gS2).join(", ")} created as replicas of ${p.writer(gP2)}, launch template and Auto Scaling group updated)`,
      },
      wait: { text: `${s.writer(gS2)} exists, is a replica of ${p.writer(gP2)} and available (checked once)`, timeoutSeconds: 0, until: replicaOf("secondary", gS2) },
      onFailure: "Set the config as shown, deploy, then run `dr failback` again: it resumes here.",
    },
    restoreFleetStep(config, "restore-secondary-fleet", "secondary", params.webSize),
  ];
  return {
    title: `failback to ${p.region} (primary)`,
    params,
    steps,
    rollback: switchoverRollback(config, { fencedRole: "secondary", replicaRole: "primary", replicaGeneration: gP2, promoteId: "promote-primary", after: ["catch-up", "promote-primary"], size: params.webSize }),
    epilogue: [
      `The final config (set during rebuild-secondary):`,
      `  "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
      `Snapshot ${snapshotId} in ${p.region} holds the writes the old primary took that never replicated: reconcile them by hand, then delete it.`,
    ],
  };
}
