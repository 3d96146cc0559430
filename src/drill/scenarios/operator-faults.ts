/**
 * Faults of the operator's side (catalogue.ts SCENARIOS): the runbook process killed mid-run, suspended after its
 * verdict while the primary recovers, and started by several operators at once. Each function is one scenario's
 * fault and runbook runs (dispatch.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { killRegionAndScheduleReturn } from "../region-fault";
import { type ScenarioContext, type ScenarioRun, sleep } from "./context";

/** runbook-killed: SIGKILL of the runbook right after it sent the promotion; the same command again resumes. */
export async function runbookKilled(s: ScenarioContext): Promise<ScenarioRun> {
  const { maxMs, processes, env, cfg, next, runbook, spawnRunbook, mark, log, pending, extraChecks, whenJournal } = s;
  let outcome = "";
  mark("switchover requested");
  const first = next;
  pending.push(
    (async () => {
      await whenJournal("failover", "promote", "acting", maxMs);
      first.kill(processes);
      log("SIGKILL of the runbook process right after it sent the promotion");
    })(),
  );
  const second = spawnRunbook("failover", "planned", cfg);
  await runbook(first, "failover --planned (run 1)");
  await second.ready;
  const r = await runbook(second, "failover --planned (run 2, the same command again)");
  outcome = r?.ok ? `completed on a resumed run (skipped ${r.skipped.join(", ")})` : `failed at ${r?.failedStep}`;
  extraChecks.push([`the second run resumed the journal (${r?.resumed ? "resumed" : "started afresh"})`, r?.resumed === true]);
  const promotes = (fs.readFileSync(path.join(env.dir, "postgres-secondary.log"), "utf8").match(/received promote request/g) ?? []).length;
  extraChecks.push([`the replica was promoted once ("received promote request" ${promotes} time(s) in its log)`, promotes === 1]);
  return { outcome };
}

/** stale-verdict: the runbook suspended right after the outage is confirmed while the primary recovers. */
export async function staleVerdict(s: ScenarioContext): Promise<ScenarioRun> {
  const { stallMs, maxMs, processes, primary, sim, next, runbook, mark, log, pending, extraChecks, waitPrimaryUnhealthy, journalHas } = s;
  let outcome = "";
  // Issue 25 point 5: the runbook suspended (SIGSTOP: a laptop lid, a stalled terminal) right after the outage is
  // confirmed, at its DNS-switch step, while the primary recovers; resumed --stall seconds later.
  log(`SIGSTOP of the primary's postgres; the runbook suspended at its DNS-switch step for ${(stallMs / 1000).toFixed(1)} s while the primary resumes`);
  primary.freezeDb();
  mark("primary database frozen (SIGSTOP)");
  await waitPrimaryUnhealthy();
  const rb = next;
  pending.push(
    (async () => {
      // Polled every 5 ms (not waitFor's 100 ms): the suspension lands as close to the verdict as a second process can see it.
      const deadline = Date.now() + maxMs;
      while (!journalHas("failover", "confirm-outage", "done")) {
        if (Date.now() > deadline || rb.endedAt) return;
        await sleep(5);
      }
      processes.signal(rb.group, "SIGSTOP");
      mark("runbook process suspended (SIGSTOP) right after the outage was confirmed");
      primary.thawDb();
      mark("primary database resumed (SIGCONT)");
      await sleep(stallMs);
      const forcedDuring = sim.switchState().forced === true;
      processes.signal(rb.group, "SIGCONT");
      mark(`runbook process resumed (SIGCONT) after ${(stallMs / 1000).toFixed(1)} s (the switch was ${forcedDuring ? "already forced" : "not forced"} when it stopped)`);
      extraChecks.push([`the runbook was suspended after the verdict and resumed (the switch ${forcedDuring ? "already forced" : "not yet forced"} at the suspension)`, true]);
    })(),
  );
  const r = await runbook(rb, "failover --unplanned");
  outcome = r?.transient ? `transient: stopped at ${r.failedStep}, ${r.acted ? "the switch released again" : "nothing changed"}` : r?.ok ? "completed (a failover of a recovered primary)" : `failed at ${r?.failedStep}`;
  const w = await primary.webState().catch(() => null);
  extraChecks.push([`the primary's fleet was never fenced (desired ${w?.desired ?? "?"}, journal: ${journalHas("failover", "fence-old-primary", "acting") ? "fence sent" : "no fence"})`, !!w && w.desired > 0 && !journalHas("failover", "fence-old-primary", "acting")]);
  extraChecks.push([`no promotion was requested (journal: ${journalHas("failover", "promote", "acting") ? "promote acting" : "none"})`, !journalHas("failover", "promote", "acting")]);
  return { outcome };
}

/** two-operators: three failovers 0-400 ms apart; exactly one runs, the others are refused naming it. */
export async function twoOperators(s: ScenarioContext): Promise<ScenarioRun> {
  const { returnAfterMs, env, primary, cfg, next, runbook, spawnRunbook, mark, log, pending, extraChecks, waitPrimaryUnhealthy, journalDir, otherJournalDirs } = s;
  let outcome = "";
  // Issue 25 point 7: three failovers 0-400 ms apart, as two or three operators would start them: run 2 with its own
  // journal folder (another laptop), run 3 sharing run 1's. Exactly one runs; the others are refused naming it.
  log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; then three dr failover --unplanned runs 0-400 ms apart");
  killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
  const laptop2 = path.join(env.dir, "journal-laptop2");
  otherJournalDirs.push(laptop2);
  const second = spawnRunbook("failover", "unplanned", cfg, [], laptop2);
  const third = spawnRunbook("failover", "unplanned", cfg);
  await Promise.all([second.ready, third.ready]);
  await waitPrimaryUnhealthy();
  const started = [
    runbook(next, "failover --unplanned (operator 1)"),
    (async () => {
      await sleep(0);
      return runbook(second, "failover --unplanned (operator 2, own journal folder, +0 ms)");
    })(),
    (async () => {
      await sleep(400);
      return runbook(third, "failover --unplanned (operator 3, the same journal folder, +400 ms)");
    })(),
  ];
  const results = await Promise.all(started);
  const procs = [next, second, third];
  const winners = results.map((r, i) => ({ r, p: procs[i] })).filter((x) => x.r && !x.r.refused);
  const refused = results.map((r, i) => ({ r, p: procs[i] })).filter((x) => x.r?.refused);
  const winner = winners.length === 1 ? winners[0] : null;
  extraChecks.push([`exactly one run went ahead (${winners.length}) and the others were refused (${refused.length} of 2)`, winners.length === 1 && refused.length === 2]);
  extraChecks.push([
    `each refusal names the run that holds the lease (pid ${winner?.p.pid ?? "?"}): ${refused.map((x) => `pid ${x.r?.holderPid ?? "?"}`).join(", ")}`,
    !!winner && refused.length === 2 && refused.every((x) => x.r?.holderPid === winner.p.pid && (x.r?.failure ?? "").includes(`pid ${winner.p.pid}`)),
  ]);
  // A live journal is never archived: run 1's folder holds one journal (the winner's, if it is run 1 or 3), run 2's folder at most its own.
  const files = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".jsonl")) : []);
  extraChecks.push([`no journal was archived or written by a refused run (${files(journalDir).join(", ") || "none"} | ${files(laptop2).join(", ") || "none"})`, files(journalDir).length + files(laptop2).length === 1]);
  const promotes = (fs.readFileSync(path.join(env.dir, "postgres-secondary.log"), "utf8").match(/received promote request/g) ?? []).length;
  extraChecks.push([`the replica was promoted once ("received promote request" ${promotes} time(s) in its log)`, promotes === 1]);
  outcome = winner?.r?.ok ? `completed by one run (operator ${procs.indexOf(winner.p) + 1}); ${refused.length} refused naming its pid` : `failed: ${winner ? `the run that went ahead stopped at ${winner.r?.failedStep}` : `${winners.length} runs went ahead`}`;
  return { outcome };
}
