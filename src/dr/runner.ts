import * as path from "node:path";
import { Journal } from "./journal";
import { acquireFileLease, describeHolder, LeaseHeldError, LeaseNotTakenError, newHolder, track, type HeldLease } from "./lease";
import { buildPlan } from "./build-plan";
import { paramsFromConfig } from "./plan-params";
import type { Operation, PlanParams, Step, StepContext } from "./plan-model";
import type { Check, FailureCause } from "./platform";
import { restoreParamsFor, type RestoreParams } from "./restore-plan";
import { ALARM_READ_MS, alarmsNotAsked, readAlarmsBounded, RunReport, uploadReport, type SegmentOutcome } from "./run-report";
import { RunnerError, type RunOptions, type RunResult } from "./run-options";
import { suspensionWatch } from "./suspension-watch";
import { renderPlan } from "./render-plan";

/**
 * Executes a plan step by step: precondition, action, wait (polled until its
 * timeout), each logged with a timestamp and recorded in the journal. A run
 * that stops (a failed step, Ctrl-C) is resumed by running the same command
 * again: done steps are skipped, the interrupted one starts over from its
 * precondition (actions are idempotent). A run that stops before its first
 * action changed nothing: its journal is archived, so the next run (of any
 * mode) starts afresh instead of resuming it or being refused by it.
 *
 * When a call fails for a reason that is not the step's business (no
 * credentials, credentials rejected, no permission, the network:
 * DrPlatform.explain), the failure names that cause and its fix instead of
 * the step's own advice, and a wait stops at once on a cause polling cannot
 * fix instead of running to its timeout.
 */

/** The journal folder's lock file (lease.ts): one run per folder. */
export const LOCK_FILE = "dr.lock";

/** A verdict read that took longer than this (ms, the run's clock) is not fresh: the run may have been suspended while reading; it is read again. */
export const FRESH_VERDICT_MS = 2_000;

/**
 * Runs a plan (below) under the runbook's exclusive lease (issue 25 point 7),
 * taken before anything is read: the journal folder's lock file, then the
 * platform's lease in the surviving region (DrPlatform.acquireLease), so a
 * second operator's run, with its own journal folder or the same one, stops
 * with LeaseHeldError naming the holder, before it reads the journal or the
 * world. Released when the run ends (and by cli.ts on Ctrl-C). A dry run
 * reads only and takes none.
 */
export async function runRunbook(opts: RunOptions): Promise<RunResult> {
  if (opts.dryRun) return runUnderLease(opts, null);
  const dir = opts.journalDir ?? opts.config.runbook.journalDir;
  const holder = newHolder(`dr ${opts.operation}${opts.operation === "failover" ? ` (${opts.mode})` : ""}`, opts.clock.now());
  const leases: HeldLease[] = [];
  const release = async () => {
    for (const l of leases.reverse()) await l.release().catch((e: unknown) => opts.log(`${new Date(opts.clock.now()).toISOString()} could not release the lease ${l.where}: ${(e as Error)?.message ?? String(e)}`));
  };
  try {
    leases.push(track(await acquireFileLease(path.join(dir, LOCK_FILE), holder)));
    if (opts.platform.acquireLease) {
      try {
        leases.push(track(await opts.platform.acquireLease(holder)));
      } catch (e) {
        if (e instanceof LeaseHeldError) throw e;
        const cause = opts.platform.explain?.(e);
        throw new LeaseNotTakenError(`of the ${opts.platform.name} platform`, cause ? `${cause.summary}. ${cause.advice}` : ((e as Error)?.message ?? String(e)));
      }
    }
  } catch (e) {
    await release();
    throw e;
  }
  for (const l of leases) {
    opts.log(`${new Date(opts.clock.now()).toISOString()} lease taken: ${l.where}${l.tookOverFrom ? ` (taken over from a dead holder: ${describeHolder(l.tookOverFrom)})` : ""}`);
  }
  const watch = suspensionWatch();
  const sink: ReportSink = {};
  try {
    const r = await runUnderLease(opts, watch, sink);
    if (sink.report) await finishReport(opts, sink, r).catch((e: unknown) => opts.log(`${new Date(opts.clock.now()).toISOString()} could not finish the run report (the run's outcome stands): ${(e as Error)?.message ?? String(e)}`));
    return r;
  } catch (e) {
    // Interrupted by an error (a journal moved away, a hook's exception): the report says where it stopped.
    sink.report?.end("interrupted", { regions: null, note: "not read: the run stopped with an error" }, undefined, (e as Error)?.message ?? String(e));
    throw e;
  } finally {
    watch.stop();
    await release();
  }
}

/** The journal's name for an operation: failover and failback are separate operations. */
export function journalName(operation: Operation): string {
  return operation;
}

/** The run's report (run-report.ts) once the journal is started or resumed, and its alarm read at the start. */
interface ReportSink {
  report?: RunReport;
  startAlarms?: Promise<void>;
}

/** Ends the report's segment: the alarms at the end (bounded), the outcome, the upload; prints where it is and the RTO. */
async function finishReport(opts: RunOptions, sink: ReportSink, r: RunResult): Promise<void> {
  const report = sink.report!;
  const log = (msg: string) => opts.log(`${new Date(opts.clock.now()).toISOString()} ${msg}`);
  const outcome: SegmentOutcome = r.ok ? "done" : r.rolledBack ? "rolled back" : r.transient ? "transient" : "failed";
  const [end] = await Promise.all([readAlarmsBounded(opts.platform, opts.config, ALARM_READ_MS, alarmsNotAsked(report.data, opts.mode, r.ok)), sink.startAlarms]);
  report.end(outcome, end, r.failedStep, r.failure);
  const up = await uploadReport(report, opts.platform, opts.config);
  report.uploaded(up);
  log(`report: ${report.file.md} (and .json): RTO ${report.data.rto.text}`);
  const firing = (end.regions ?? []).map((x) => (x.read ? `${x.region} ${x.alarms.length ? x.alarms.map((a) => a.name).join(", ") : "none"}` : `${x.region} could not be read`));
  log(`report: alarms firing at the end: ${firing.length ? firing.join("; ") : (end.note ?? "not read")}`);
  log(`report: ${up}`);
}

async function runUnderLease(opts: RunOptions, watch: ReturnType<typeof suspensionWatch> | null, sink: ReportSink = {}): Promise<RunResult> {
  const { config, platform, clock } = opts;
  const journal = Journal.open(opts.journalDir ?? config.runbook.journalDir, journalName(opts.operation), clock);
  const stamp = () => new Date(clock.now()).toISOString();
  const log = (msg: string) => opts.log(`${stamp()} ${msg}`);

  // Resume or start: a resumed run uses the journal's parameters.
  let params: PlanParams;
  let resumed = false;
  const header = journal.inProgress && !opts.fresh ? journal.header : null;
  const startParams = (): PlanParams => {
    const base = paramsFromConfig(config, opts.operation, opts.mode);
    if (opts.operation !== "restore") return base;
    if (!opts.restore) throw new RunnerError("dr restore needs --to-time");
    return { ...base, restore: restoreParamsFor(config, opts.restore, clock.now()) };
  };
  if (header && opts.operation === "restore") {
    // A resumed restore acts on the instances its journal names: the same time and region, or --fresh.
    const was = (header.params as { restore?: RestoreParams }).restore;
    const want = opts.restore;
    if (was && want && (was.toTime !== want.toTime || (want.region ?? was.writerRole) !== was.region)) {
      throw new RunnerError(
        `an unfinished restore to ${was.toTimeIso} in the ${was.region} region is recorded in ${journal.file} (restored instance ${was.targetId}); run \`dr restore --to-time ${was.toTimeIso}${was.region !== was.writerRole ? ` --region ${was.region}` : ""}\` to resume it, or add --fresh to archive that journal and start this one`,
      );
    }
  }
  if (header) {
    if (header.mode !== opts.mode) {
      throw new RunnerError(
        `an unfinished ${header.operation} (${header.mode}) is recorded in ${journal.file}; run the same command (--${header.mode}) to resume it, or add --fresh to archive that journal and start a ${opts.mode} ${opts.operation}`,
      );
    }
    // Parameters added since the journal was written take the current config's value.
    params = { ...paramsFromConfig(config, opts.operation, opts.mode), ...(header.params as unknown as PlanParams) };
    resumed = true;
  } else {
    params = startParams();
  }
  const plan = buildPlan(config, params);

  if (opts.dryRun) {
    for (const line of renderPlan(plan, header ? journal : undefined)) opts.log(line);
    opts.log("");
    if (!header && journal.unfinished && !journal.acted) opts.log(`${journal.file} records an earlier run that changed nothing: a real run archives it and starts afresh.`);
    opts.log(header ? `Dry run: a real run would resume ${journal.file} (steps marked done are skipped). Nothing was changed.` : "Dry run: nothing was changed and no journal was written.");
    return { ok: true, plan, resumed, skipped: [], journalFile: journal.file, acted: false };
  }

  if (!header && journal.inProgress && opts.fresh) {
    const to = journal.archive();
    log(`archived the unfinished journal as ${to}`);
  } else if (!header && journal.unfinished && !journal.acted) {
    const h = journal.header!;
    const to = journal.archive();
    log(`the earlier ${h.operation} (${h.mode}) of ${h.at} changed nothing: its journal is archived as ${to}, not resumed`);
  }
  if (!resumed) {
    journal.start(opts.operation, opts.mode, params as unknown as Record<string, unknown>);
    log(`${plan.title}: started (platform ${platform.name}, journal ${journal.file})`);
  } else {
    log(`${plan.title}: resuming ${journal.file}`);
  }
  {
    // The run's report (run-report.ts): rewritten after every journal line; the alarms at the start read in the background.
    // A report that cannot be written is printed once and never stops the run (the journal is the record).
    let warned = false;
    const warn = (e: unknown) => {
      if (!warned) log(`could not write the run report (the run goes on; the journal is the record): ${(e as Error)?.message ?? String(e)}`);
      warned = true;
    };
    try {
      const report = RunReport.begin({ config, journalDir: opts.journalDir ?? config.runbook.journalDir, journal, plan, platform, operation: opts.operation, mode: opts.mode, resumed, clock });
      if (report.writeError) warn(report.writeError);
      sink.report = report;
      journal.onAppend = () => {
        if (!report.write()) warn(report.writeError);
      };
      sink.startAlarms = readAlarmsBounded(platform, config, ALARM_READ_MS, alarmsNotAsked(report.data, opts.mode, false))
        .then((a) => report.alarmsAtStart(a))
        .catch(() => undefined);
    } catch (e) {
      warn(e);
    }
  }

  const confirm = new Set(opts.confirm ?? []);
  const poll = Math.max(1, Math.round((opts.pollSeconds ?? config.runbook.pollIntervalSeconds) * 1000));
  const runStartedAt = clock.now();
  const ctx: StepContext = {
    platform,
    params,
    config,
    eventAt: (step, ev) => journal.eventAt(step, ev),
    eventsAt: (step, ev) => journal.eventsAt(step, ev),
    stepEvents: (step) => journal.stepEvents(step),
    journalFormat: journal.header?.format ?? null,
    note: (step, event, detail) => journal.record(step, event, detail),
    runStartedAt,
    scratch: {},
    clock,
    pollMs: poll,
  };
  const skipped: string[] = [];
  const n = plan.steps.length;

  const explain = (error: unknown): FailureCause | null => (error === undefined ? null : (platform.explain?.(error) ?? null));
  /**
   * A check that threw is a failed check that keeps its error (for explain).
   * Bounded: a check that has not answered by `deadline` (epoch ms) fails with
   * a timeout (the calls under it are bounded by their own abort signals; this
   * keeps a wait inside its step's budget whatever they do).
   */
  const safely = async (fn: () => Promise<Check>, deadline?: number): Promise<Check & { readonly error?: unknown }> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = fn();
      if (deadline === undefined) return await run;
      const ms = Math.max(1, deadline - clock.now());
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${Math.ceil(ms / 1000)} s (the step's time left)`), { name: "TimeoutError" })), ms);
        timer.unref?.();
      });
      run.catch(() => undefined); // a late failure after the timeout is not unhandled
      return await Promise.race([run, late]);
    } catch (e) {
      return { ok: false, detail: `error: ${(e as Error)?.message ?? String(e)}`, error: e };
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  /** Runs the plan's roll-back after `step` failed: true when the fenced fleet serves again. */
  const rollBack = async (step: Step, why: string): Promise<boolean | null> => {
    const rb = plan.rollback;
    if (!rb || !rb.after.includes(step.id)) return null;
    const tag = "[rollback]";
    journal.record("rollback", "started", `after ${step.id}: ${why}`);
    log(`${tag} ${step.id} failed after the fence: ${rb.text}`);
    const safe = await safely(() => rb.safe(ctx), clock.now() + Math.max(60_000, poll * 3));
    journal.record("rollback", "precondition", safe.detail);
    if (!safe.ok) {
      journal.record("rollback", "failed", `not safe: ${safe.detail}`);
      log(`${tag} NOT rolling back: ${safe.detail}`);
      return false;
    }
    log(`${tag} safe: ${safe.detail}`);
    journal.record("rollback", "acting");
    try {
      const what = await rb.run(ctx);
      journal.record("rollback", "action", what);
      log(`${tag} action: ${what}`);
    } catch (e) {
      journal.record("rollback", "failed", `action failed: ${(e as Error)?.message ?? String(e)}`);
      log(`${tag} FAILED to restore the fleet: ${(e as Error)?.message ?? String(e)}`);
      return false;
    }
    const deadline = clock.now() + rb.timeoutSeconds * 1000;
    for (;;) {
      const c = await safely(() => rb.until(ctx), deadline);
      if (c.ok) {
        journal.record("rollback", "done", c.detail);
        log(`${tag} done: ${c.detail}`);
        return true;
      }
      if (clock.now() >= deadline) {
        journal.record("rollback", "failed", `timed out: ${c.detail}`);
        log(`${tag} FAILED: the fleet did not serve again within ${rb.timeoutSeconds} s (${c.detail})`);
        return false;
      }
      await clock.sleep(Math.min(poll, Math.max(1, deadline - clock.now())));
    }
  };

  const fail = async (step: Step, why: string, error?: unknown, transient?: boolean): Promise<RunResult> => {
    const cause = explain(error);
    journal.record(step.id, "failed", cause ? `${why} [cause: ${cause.summary}]` : why);
    log(`[${step.id}] FAILED: ${why}`);
    if (cause) {
      // The step's own advice assumes the calls worked (e.g. "lag too high"): name the real cause instead.
      log(`[${step.id}] cause: ${cause.summary}`);
      log(`[${step.id}] what to do: ${cause.advice}`);
    } else if (transient) {
      log(`[${step.id}] what to do: nothing now: the primary is healthy again and this run changed nothing. If it fails again, run the same command again (it starts afresh); if it keeps flapping, use --planned.`);
    } else {
      log(`[${step.id}] what to do: ${step.onFailure}`);
    }
    const rolled = await rollBack(step, why);
    if (rolled === true) {
      journal.complete("rolled-back");
      log(`${plan.title}: ABORTED and rolled back. What was found: ${why}. The fenced fleet serves again and nothing else was changed (no promotion, the failover switch untouched): production is where it was. Fix the cause, then run the command again (it starts afresh).`);
      return { ok: false, plan, failedStep: step.id, failure: why, ...(cause ? { cause } : {}), resumed, skipped, journalFile: journal.file, acted: true, rolledBack: true };
    }
    if (rolled === false) log(`[${step.id}] the fence stays in place: see [rollback] above for why; restore the fleet by hand only once you know no promotion is under way`);
    const acted = journal.acted;
    if (acted) {
      log(`[${step.id}] the journal keeps the progress: run the same command again to resume from this step`);
    } else {
      const to = journal.archive();
      sink.report?.archived(to);
      log(`[${step.id}] nothing was changed by this run (no action was sent): its journal is archived as ${to}; the next run starts afresh, in either mode`);
    }
    return { ok: false, plan, failedStep: step.id, failure: why, ...(cause ? { cause } : {}), ...(transient ? { transient } : {}), resumed, skipped, journalFile: journal.file, acted };
  };

  // --- the verdict guard (Plan.verdict): the outage re-read right before each change it still decides ---
  const guard = plan.verdict;
  const guardOn = (step: Step): boolean =>
    !!guard && guard.steps.includes(step.id) && !confirm.has(guard.establishedBy) && journal.eventAt(guard.steps[guard.steps.length - 1], "acting") === null;
  /** Reads the verdict again before `step` acts: null to go on, or the run's end (transient, or the read failed for good). */
  const rereadVerdict = async (step: Step, tag: string): Promise<RunResult | null> => {
    const g = guard!;
    let c: Check & { readonly error?: unknown };
    for (let reads = 1; ; reads++) {
      const t0 = clock.now();
      const seen = watch?.count ?? 0;
      c = await safely(() => g.check(ctx), clock.now() + Math.max(60_000, poll * 3));
      const took = clock.now() - t0;
      const suspended = (watch?.count ?? 0) !== seen;
      if (c.ok && (took > FRESH_VERDICT_MS || suspended) && reads < 3) {
        log(`${tag} the verdict's read took ${(took / 1000).toFixed(1)} s${suspended ? ` (the run was suspended: a ${((watch?.longestMs ?? 0) / 1000).toFixed(1)} s jump of the monotonic clock)` : ""}: not fresh, reading it again right before acting`);
        continue;
      }
      break;
    }
    journal.record(step.id, "verdict", c.detail);
    if (c.ok) {
      log(`${tag} outage verdict re-read before acting: ${c.detail}`);
      return null;
    }
    if (!c.transient) return fail(step, `the outage verdict could not be re-read before acting: ${c.detail}`, c.error);
    log(`${tag} ${c.detail}: the fault was transient, the failover stops here`);
    if (!journal.acted) return fail(step, `${c.detail}: a transient fault; nothing was changed and nothing will be`, undefined, true);
    // The guarded steps already changed something (the switch): put it back, then end the run.
    log(`${tag} putting back what this failover changed: ${g.undo.text}`);
    journal.record("transient", "acting", g.undo.text);
    try {
      const what = await g.undo.run(ctx);
      journal.record("transient", "action", what);
      log(`[transient] ${what}`);
    } catch (e) {
      return fail(step, `${c.detail}; putting back what this failover changed failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
    journal.record(step.id, "failed", `${c.detail}: transient; undone: ${g.undo.text}`);
    journal.complete("transient");
    log(`${plan.title}: STOPPED, the fault was transient (${c.detail}). The failover switch is released again; no fleet was fenced and nothing was promoted: production is where it was. If the primary fails again, run the command again (it starts afresh).`);
    return { ok: false, plan, failedStep: step.id, failure: `${c.detail}: a transient fault; the switch was released again, nothing else was changed`, transient: true, resumed, skipped, journalFile: journal.file, acted: true };
  };

  // Once the world contradicted the journal (a re-check failed), no later "done" in the journal is trusted either: those steps run again (idempotently).
  let distrust = false;
  for (let i = 0; i < n; i++) {
    const step = plan.steps[i];
    const tag = `[${step.id}] ${i + 1}/${n}`;
    if (journal.isDone(step.id) && distrust && step.by === "runbook") {
      log(`${tag} done in the journal, but an earlier step had to run again: running it again too`);
    } else if (journal.isDone(step.id)) {
      if (step.recheck && !confirm.has(step.id) && !(step.recheck.until && journal.isDone(step.recheck.until))) {
        // Data-protecting steps: the journal says done, the world must still say so.
        const c = await safely(() => step.recheck!.check(ctx), clock.now() + Math.max(60_000, poll * 3));
        journal.record(step.id, "rechecked", `${c.ok ? "holds" : "no longer holds"}: ${c.detail}`);
        if (!c.ok) {
          distrust = true;
          log(`${tag} done in the journal, but ${step.recheck.text} does not hold any more (${c.detail}): running it again`);
        } else {
          skipped.push(step.id);
          log(`${tag} already done (journal; ${step.recheck.text}: ${c.detail}): skipped`);
          sink.report?.skip(step.id, `done in the journal; ${step.recheck.text}: ${c.detail}`);
          continue;
        }
      } else {
        skipped.push(step.id);
        log(`${tag} already done (journal): skipped`);
        sink.report?.skip(step.id, "done in the journal");
        continue;
      }
    }
    await opts.beforeStep?.(step);
    journal.record(step.id, "started");
    log(`${tag} ${step.title}`);

    // Precondition.
    if (confirm.has(step.id)) {
      journal.record(step.id, "confirmed", "checks confirmed by the operator (--confirm)");
      log(`${tag} precondition and wait confirmed by the operator (--confirm ${step.id})`);
    } else if (step.precondition.check) {
      const c = await safely(() => step.precondition.check!(ctx), clock.now() + Math.max(120_000, poll * 4));
      journal.record(step.id, "precondition", c.detail);
      log(`${tag} precondition ${c.ok ? "ok" : "NOT met"}: ${c.detail}`);
      if (!c.ok) return fail(step, `precondition not met: ${step.precondition.text} (${c.detail})`, c.error);
    }

    // Action.
    if (step.by === "operator") {
      log(`${tag} operator action: ${step.action.text}`);
    } else if (step.action.run) {
      if (guardOn(step)) {
        const stop = await rereadVerdict(step, tag);
        if (stop) return stop;
      }
      // Written before the call: an action cut off mid-call (Ctrl-C, a timeout after AWS took it) may have acted.
      journal.record(step.id, "acting");
      try {
        const what = await step.action.run(ctx);
        journal.record(step.id, "action", what);
        log(`${tag} action: ${what}`);
      } catch (e) {
        return fail(step, `action failed: ${(e as Error)?.message ?? String(e)}`, e);
      }
    }

    // Wait.
    let waited: string | undefined;
    if (step.wait.until && !confirm.has(step.id)) {
      const started = clock.now();
      const deadline = started + step.wait.timeoutSeconds * 1000;
      journal.record(step.id, "waiting", step.wait.text);
      log(`${tag} waiting (${step.wait.timeoutSeconds ? `up to ${step.wait.timeoutSeconds} s` : "checked once"}): ${step.wait.text}`);
      let last = "";
      for (;;) {
        // A poll never runs past the step's budget (a check waits at least one poll interval).
        const c = await safely(() => step.wait.until!(ctx), Math.max(deadline, clock.now() + poll));
        if (c.ok) {
          log(`${tag} wait ok after ${((clock.now() - started) / 1000).toFixed(1)} s: ${c.detail}`);
          waited = c.detail;
          break;
        }
        if (c.fatal) return fail(step, `${c.detail} (waiting for: ${step.wait.text})`, undefined, c.transient);
        if (explain(c.error)?.permanent) return fail(step, `stopped waiting for: ${step.wait.text} (${c.detail}): polling again cannot fix this`, c.error);
        if (c.detail !== last) log(`${tag} still waiting: ${c.detail}`);
        last = c.detail;
        if (clock.now() >= deadline) {
          const why = step.wait.timeoutSeconds
            ? `timed out after ${step.wait.timeoutSeconds} s waiting for: ${step.wait.text} (last: ${c.detail})`
            : `not done yet: ${step.wait.text} (${c.detail})`;
          return fail(step, why, c.error);
        }
        if (step.wait.retry) {
          // The wait may act again (a refused promotion, a fence whose region answers again): journaled like an action.
          let wrote = false;
          try {
            const did = await step.wait.retry(ctx, () => {
              if (!wrote) journal.record(step.id, "acting");
              wrote = true;
            });
            if (did !== null) {
              journal.record(step.id, "action", did);
              log(`${tag} action (retry): ${did}`);
            }
          } catch (e) {
            if (explain(e)?.permanent) return fail(step, `retrying the action failed: ${(e as Error)?.message ?? String(e)}`, e);
            log(`${tag} retry failed (polling on): ${(e as Error)?.message ?? String(e)}`);
          }
        }
        await clock.sleep(Math.min(poll, Math.max(1, deadline - clock.now())));
      }
    }
    // The done line keeps what the wait found (e.g. what confirmed the failover switch).
    journal.record(step.id, "done", waited);
    log(`${tag} done`);
  }
  journal.complete();
  log(`${plan.title}: all ${n} steps done`);
  const epilogue = plan.finalEpilogue
    ? await plan.finalEpilogue(ctx).catch((e: unknown) => [...plan.epilogue, `(the values in <...> above could not be read now: ${(e as Error)?.message ?? String(e)}; read them as the epilogue's commands say)`])
    : plan.epilogue;
  for (const line of epilogue) opts.log(line);
  return { ok: true, plan, resumed, skipped, journalFile: journal.file, acted: journal.acted };
}
