/**
 * The Aurora mode's scenarios (catalogue.ts SCENARIOS): the global cluster's stand-in (../aurora.ts) moves the
 * writer; the runbook stops at its record step (an operator's deploy of outputs only) and resumes. Each function is
 * one scenario's fault and runbook runs (dispatch.ts).
 */
import { killRegionAndScheduleReturn } from "../region-fault";
import { type ScenarioContext, type ScenarioRun, sleep } from "./context";

/** aurora-planned: a managed switchover, recorded and resumed. */
export async function auroraPlanned(s: ScenarioContext): Promise<ScenarioRun> {
  const { next, runbook, mark, log, recordAndResume } = s;
  let outcome = "";
  log("Aurora planned switchover: dr failover --to secondary --planned (local Aurora platform)");
  mark("switchover requested");
  const r = await recordAndResume(await runbook(next, "failover --planned"), "failover", "planned", "failover --planned");
  outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** aurora-unplanned: a regional failure; a managed failover with data loss, the region back after it. */
export async function auroraUnplanned(s: ScenarioContext): Promise<ScenarioRun> {
  const { scale, returnAfterMs, maxMs, primary, next, runbook, mark, log, pending, extraChecks, waitPrimaryUnhealthy, whenJournal, recordAndResume, auroraSim } = s;
  let outcome = "";
  log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering");
  // The region returns --return-after after the fault, but not before the managed failover is done: a region back before the move
  // is a switchover (RPO 0, the runbook's choice when the old primary answers), which aurora-planned drills already.
  killRegionAndScheduleReturn(primary, {
    returnAfterMs,
    mark,
    pending,
    notBefore: () => whenJournal("failover", "failover", "done", maxMs).catch(() => undefined),
    minDownMs: 1000 * scale * 10,
  });
  await waitPrimaryUnhealthy();
  const r = await recordAndResume(await runbook(next, "failover --unplanned"), "failover", "unplanned", "failover --unplanned");
  extraChecks.push([`the move was a managed failover with data loss (the old region was down): ${auroraSim!.moves.join(", ") || "none"}`, auroraSim!.moves.includes("failover")]);
  outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** aurora-db-frozen: the primary's database stopped (SIGSTOP) until the managed failover is done. */
export async function auroraDbFrozen(s: ScenarioContext): Promise<ScenarioRun> {
  const { maxMs, primary, next, runbook, mark, log, pending, waitPrimaryUnhealthy, whenJournal, recordAndResume } = s;
  let outcome = "";
  log("SIGSTOP of the primary's postgres until the managed failover is done");
  primary.freezeDb();
  mark("primary database frozen (SIGSTOP)");
  await waitPrimaryUnhealthy();
  pending.push(
    (async () => {
      // Bounded: a failover still running after --max-seconds does not crash the drill; the database is resumed anyway (and the checks say what happened).
      const done = await whenJournal("failover", "failover", "done", maxMs).then(() => true, () => false);
      primary.thawDb();
      mark(done ? "primary database resumed (SIGCONT) right after the failover" : "primary database resumed (SIGCONT): the failover step was not done within --max-seconds");
    })(),
  );
  const r = await recordAndResume(await runbook(next, "failover --unplanned"), "failover", "unplanned", "failover --unplanned");
  outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** aurora-failback: a managed switchover, then the failback (no rebuild: the old primary stays a member). */
export async function auroraFailback(s: ScenarioContext): Promise<ScenarioRun> {
  const { base, scaledConfig, ttlMs, next, runbook, spawnRunbook, mark, recordAndResume, rel } = s;
  let outcome = "";
  let eventAt: number | undefined;
  let switchBackFrom: string | undefined;
  mark("switchover requested");
  const r1 = await recordAndResume(await runbook(next, "failover --planned"), "failover", "planned", "failover --planned");
  if (!r1?.ok) throw new Error(`the planned switchover before the failback failed at ${r1?.failedStep}`);
  await sleep(ttlMs + 1000);
  eventAt = rel(Date.now());
  mark("failback requested");
  // The operator records drState "failback" and deploys primary (no rebuild: Aurora keeps the old primary a secondary member in sync);
  // a switchover leaves no point-of-failure snapshot: keep-lost-writes confirmed.
  const failback = scaledConfig(base, { drState: "failback", forceFailover: true });
  const r2 = await recordAndResume(await runbook(spawnRunbook("failback", "planned", failback, ["keep-lost-writes"]), "failback"), "failback", "planned", "failback");
  outcome = r2?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r2?.failedStep}`;
  switchBackFrom = "fence-secondary";
  return { outcome, eventAt, switchBackFrom };
}
