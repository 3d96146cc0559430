/**
 * The planned switchover and the faults that hit one (catalogue.ts SCENARIOS): the runbook's preflight, its
 * roll-back when the target fails mid-run. Each function is one scenario's fault and runbook runs (dispatch.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { psql } from "../../dr/local-platform";
import { type ScenarioContext, type ScenarioRun } from "./context";

/** planned: readiness before and with the standby fleet unable to start, then dr failover --planned. */
export async function plannedSwitchover(s: ScenarioContext): Promise<ScenarioRun> {
  const { secondary, cfg, next, runbook, mark, log, readiness, rel } = s;
  let outcome = "";
  let eventAt: number | undefined;
  // Readiness before the switchover: ready; then with the standby fleet unable to start: not ready (then repaired).
  await readiness("before the switchover", cfg, { ready: true });
  secondary.fleetCannotStart = "its launch template's AMI is deregistered";
  await readiness("while the standby fleet cannot start", cfg, { ready: false, failing: "standby-fleet" });
  secondary.fleetCannotStart = null;
  eventAt = rel(Date.now());
  log("planned switchover: dr failover --to secondary --planned (local platform)");
  mark("switchover requested");
  const r = await runbook(next, "failover --planned");
  outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
  return { outcome, eventAt };
}

/** replica-paused: the replica's replay paused before the switchover; the preflight refuses. */
export async function replicaPaused(s: ScenarioContext): Promise<ScenarioRun> {
  const { secondary, cfg, next, runbook, mark, readiness } = s;
  let outcome = "";
  await psql(secondary.pgPort, "SELECT pg_wal_replay_pause()");
  mark("replica replay paused (pg_wal_replay_pause)");
  await readiness("while the replica's replay is paused", cfg, { ready: false, failing: "replica-replay" });
  const r = await runbook(next, "failover --planned");
  outcome = r?.ok ? "completed (a switchover)" : r?.failedStep === "preflight" && !r.acted ? "refused at the preflight (nothing changed)" : `failed at ${r?.failedStep}`;
  await psql(secondary.pgPort, "SELECT pg_wal_replay_resume()");
  await readiness("after the replay resumed", cfg, { ready: true });
  return { outcome };
}

/** replica-paused-late: the replay paused after the preflight; the switchover rolls back. */
export async function replicaPausedLate(s: ScenarioContext): Promise<ScenarioRun> {
  const { maxMs, secondary, next, runbook, mark, pending, whenJournal } = s;
  let outcome = "";
  pending.push(
    (async () => {
      await whenJournal("failover", "fence-primary", "started", maxMs);
      await psql(secondary.pgPort, "SELECT pg_wal_replay_pause()");
      mark("replica replay paused (pg_wal_replay_pause), after the preflight");
    })(),
  );
  mark("switchover requested");
  const r = await runbook(next, "failover --planned");
  outcome = r?.rolledBack ? `rolled back after ${r.failedStep} (fleet restored, switch untouched)` : r?.ok ? "completed (a switchover)" : `failed at ${r?.failedStep} (fence kept)`;
  await psql(secondary.pgPort, "SELECT pg_wal_replay_resume()");
  return { outcome };
}

/** target-killed, target-killed-before-promote: the replica killed at the runbook's hook; the switchover rolls back fast. */
export async function targetKilled(s: ScenarioContext): Promise<ScenarioRun> {
  const { name, secondary, cfg, next, runbook, mark, extraChecks, journalDir } = s;
  let outcome = "";
  // The runbook stops at the hook (right after the fence: before the catch-up; or right before the promotion request) while the replica is killed.
  let killedAt: number | null = null;
  next.onHook = () => {
    if (killedAt !== null) return;
    secondary.killDb();
    killedAt = Date.now();
    mark(name === "target-killed" ? "replica's PostgreSQL killed right after the fence" : "replica's PostgreSQL killed just before pg_promote");
  };
  mark("switchover requested");
  const r = await runbook(next, "failover --planned");
  outcome = r?.rolledBack ? `rolled back after ${r.failedStep} (fleet restored, switch untouched)` : r?.ok ? "completed (a switchover)" : `failed at ${r?.failedStep} (fence kept)`;
  // Fail fast: the roll-back began long before the step's timeout.
  const timeout = name === "target-killed" ? cfg.runbook.catchUpTimeoutSeconds : cfg.runbook.promoteTimeoutSeconds;
  const rbFile = path.join(journalDir, "failover.jsonl");
  const lines = fs.existsSync(rbFile) ? fs.readFileSync(rbFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { step?: string; event?: string; at?: string; detail?: string }) : [];
  const rollbackAt = lines.find((l) => l.step === "rollback" && l.event === "started")?.at;
  const took = killedAt !== null && rollbackAt ? (Date.parse(rollbackAt) - killedAt) / 1000 : null;
  extraChecks.push([`the replica was killed at the hook (${killedAt !== null ? "killed" : "never reached"})`, killedAt !== null]);
  extraChecks.push([
    `the runbook stopped fast: the roll-back began ${took === null ? "?" : took.toFixed(1)} s after the kill (the ${name === "target-killed" ? "catch-up" : "promote"} step's timeout is ${timeout} s)`,
    took !== null && took < timeout / 2,
  ]);
  const requests = lines.filter((l) => l.step === "promote" && (l.event === "requesting" || l.event === "requested" || l.event === "not-taken")).map((l) => l.event);
  if (name === "target-killed") extraChecks.push([`no promotion request was sent (journal: ${requests.join(", ") || "none"})`, requests.length === 0]);
  else extraChecks.push([`every promotion request found the target down and was journaled not-taken (journal: ${requests.join(", ")})`, requests.length >= 2 && !requests.includes("requested")]);
  return { outcome };
}
