/**
 * Faults of the primary region (catalogue.ts SCENARIOS): its region or database killed, frozen, briefly down,
 * one app instance killed, replication cut before a regional failure, a split brain made by hand. Each function is
 * one scenario's fault and runbook runs (dispatch.ts).
 */
import { psql } from "../../dr/local-platform";
import { failoverBudget } from "../../dns/contract";
import { killRegionAndScheduleReturn } from "../region-fault";
import { waitFor } from "../host-tools";
import { type ScenarioContext, type ScenarioRun, sleep } from "./context";

/** unplanned (the whole region killed) and db-killed (its database only): dr failover --unplanned; the old primary returns later. */
export async function primaryKilled(s: ScenarioContext): Promise<ScenarioRun> {
  const { name, returnAfterMs, primary, next, runbook, mark, log, pending, waitPrimaryUnhealthy } = s;
  let outcome = "";
  if (name === "unplanned") {
    log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering");
    killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
  } else {
    log("SIGKILL of the primary's postgres; its apps and haproxy keep running");
    primary.killDb();
    mark("primary database killed (web tier up)");
    const returnAt = Date.now() + returnAfterMs;
    pending.push(
      (async () => {
        await sleep(Math.max(0, returnAt - Date.now()));
        await primary.restartDb();
        mark("the old primary database is back (restarted)");
      })(),
    );
  }
  await waitPrimaryUnhealthy();
  const r = await runbook(next, "failover --unplanned");
  outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** db-frozen: the primary's database stopped (SIGSTOP) until the replica is promoted. */
export async function dbFrozen(s: ScenarioContext): Promise<ScenarioRun> {
  const { maxMs, primary, next, runbook, mark, log, pending, waitPrimaryUnhealthy, whenJournal } = s;
  let outcome = "";
  log("SIGSTOP of the primary's postgres until the runbook has promoted the replica");
  primary.freezeDb();
  mark("primary database frozen (SIGSTOP)");
  await waitPrimaryUnhealthy();
  pending.push(
    (async () => {
      await whenJournal("failover", "promote", "done", maxMs);
      primary.thawDb();
      mark("primary database resumed (SIGCONT) right after the promotion");
    })(),
  );
  const r = await runbook(next, "failover --unplanned");
  outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** db-frozen-short: a freeze shorter than the sustained-outage window: no failover. */
export async function dbFrozenShort(s: ScenarioContext): Promise<ScenarioRun> {
  const { freezeMs, primary, next, runbook, mark, log, pending, waitPrimaryUnhealthy, W } = s;
  let outcome = "";
  log(`SIGSTOP of the primary's postgres for ${(freezeMs / 1000).toFixed(1)} s (the sustained-outage window is ${W} s)`);
  primary.freezeDb();
  mark("primary database frozen (SIGSTOP)");
  pending.push(
    (async () => {
      await sleep(freezeMs);
      primary.thawDb();
      mark(`primary database resumed (SIGCONT) after ${(freezeMs / 1000).toFixed(1)} s`);
    })(),
  );
  await waitPrimaryUnhealthy();
  const r = await runbook(next, "failover --unplanned");
  outcome = r?.ok ? "completed (a failover)" : r?.failedStep === "confirm-outage" && !r.acted ? "no failover: the primary recovered within the window (nothing changed)" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** db-down: the primary's database killed and restarted in its region; dr status afterwards. */
export async function dbDown(s: ScenarioContext): Promise<ScenarioRun> {
  const { downMs, maxMs, primary, cfg, sim, runbook, spawnRunbook, mark, log } = s;
  let outcome = "";
  log(`SIGKILL of the primary's postgres, restarted after ${(downMs / 1000).toFixed(1)} s (in-region recovery); no failover`);
  primary.killDb();
  mark("primary database killed (web tier up)");
  await sleep(downMs);
  await primary.restartDb();
  mark(`primary database restarted after ${(downMs / 1000).toFixed(1)} s`);
  await waitFor("Route53 to see the primary healthy again", maxMs, async () => sim.endpointHealthy("primary"));
  // The operator's check afterwards: config and AWS agree (no failover happened).
  const r = await runbook(spawnRunbook("status", "planned", cfg), "dr status");
  outcome = r?.ok ? "no failover: the database recovered in its region (dr status: config and reality agree)" : `dr status reports: ${r?.failure}`;
  return { outcome };
}

/** split-brain: the replica promoted by hand while the primary is frozen, then resumed; dr status must report it. */
export async function splitBrain(s: ScenarioContext): Promise<ScenarioRun> {
  const { scale, primary, secondary, cfg, runbook, spawnRunbook, mark, log, waitPrimaryUnhealthy } = s;
  let outcome = "";
  let manualPromotedAt: number | undefined;
  log("SIGSTOP of the primary's postgres; the replica promoted by hand (pg_promote), outside the runbook; then SIGCONT");
  primary.freezeDb();
  mark("primary database frozen (SIGSTOP)");
  await waitPrimaryUnhealthy();
  await psql(secondary.pgPort, "SELECT pg_promote()");
  manualPromotedAt = Date.now();
  mark("operator: replica promoted by hand (pg_promote), no fence, no switch");
  await sleep(1000);
  primary.thawDb();
  mark("primary database resumed (SIGCONT): two writers");
  // Both writers take writes while the alert's `for` runs; then the operator looks.
  await sleep(Math.max(3000, 2 * 60_000 * scale));
  const r = await runbook(spawnRunbook("status", "planned", cfg), "dr status");
  outcome = r && !r.ok && /SPLIT BRAIN/.test(r.failure ?? "") ? "split brain, reported by dr status" : `dr status did not report a split brain: ${r?.ok ? "ok" : r?.failure}`;
  return { outcome, manualPromotedAt };
}

/** app-killed: one gunicorn of the primary killed; the unplanned failover is refused (Route53 sees it healthy). */
export async function appKilled(s: ScenarioContext): Promise<ScenarioRun> {
  const { scale, primary, base, next, runbook, mark, log } = s;
  let outcome = "";
  log("SIGKILL of one gunicorn of the primary (app1)");
  primary.killApp("app1");
  mark("primary app1 killed");
  // The operator waits for the detection time, sees alerts (the app instance), and runs the unplanned failover anyway.
  await sleep(failoverBudget(base).detectionSeconds * 1000 * scale * 2);
  const r = await runbook(next, "failover --unplanned");
  outcome = r?.ok ? "completed (a failover)" : r?.failedStep === "confirm-outage" && !r.acted ? "refused: Route53 sees the primary healthy (nothing changed)" : `failed at ${r?.failedStep}`;
  return { outcome };
}

/** replication-cut: the replica's WAL receiver stopped, then a regional failure: the failover loses what the cut kept. */
export async function replicationCut(s: ScenarioContext): Promise<ScenarioRun> {
  const { returnAfterMs, cutMs, primary, secondary, next, runbook, mark, log, pending, waitPrimaryUnhealthy } = s;
  let outcome = "";
  // The replica's WAL receiver stops: no primary_conninfo (reloadable since PostgreSQL 13; the receiver exits on the change).
  await psql(secondary.pgPort, "ALTER SYSTEM SET primary_conninfo = ''");
  await psql(secondary.pgPort, "SELECT pg_reload_conf()");
  await waitFor("the replica's WAL receiver to stop", 10_000, async () => (await psql(secondary.pgPort, "SELECT count(*) FROM pg_stat_wal_receiver")) === "0");
  mark("replication cut (the replica's WAL receiver stopped)");
  await sleep(cutMs);
  log(`regional failure ${(cutMs / 1000).toFixed(1)} s after the cut: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering`);
  killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
  await waitPrimaryUnhealthy();
  const r = await runbook(next, "failover --unplanned");
  outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
  return { outcome };
}
