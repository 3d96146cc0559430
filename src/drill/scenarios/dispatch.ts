/**
 * The drill's scenarios by name (catalogue.ts SCENARIOS has the same keys): each one's fault and runbook runs,
 * grouped by family in this folder. The runner (../runner.ts) sets up the environment, calls the scenario's
 * function, then reads the end state and checks it.
 */
import type { ScenarioName } from "../catalogue";
import { auroraDbFrozen, auroraFailback, auroraPlanned, auroraUnplanned } from "./aurora";
import type { ScenarioContext, ScenarioRun } from "./context";
import { failback } from "./failback";
import { runbookKilled, staleVerdict, twoOperators } from "./operator-faults";
import { appKilled, dbDown, dbFrozen, dbFrozenShort, primaryKilled, replicationCut, splitBrain } from "./primary-faults";
import { plannedSwitchover, replicaPaused, replicaPausedLate, targetKilled } from "./switchover";

export const SCENARIO_RUNS: Record<ScenarioName, (s: ScenarioContext) => Promise<ScenarioRun>> = {
  planned: plannedSwitchover,
  unplanned: primaryKilled,
  "db-killed": primaryKilled,
  "db-frozen": dbFrozen,
  "db-frozen-short": dbFrozenShort,
  "db-down": dbDown,
  "split-brain": splitBrain,
  "app-killed": appKilled,
  "replica-paused": replicaPaused,
  "replica-paused-late": replicaPausedLate,
  "runbook-killed": runbookKilled,
  "target-killed": targetKilled,
  "target-killed-before-promote": targetKilled,
  "replication-cut": replicationCut,
  "stale-verdict": staleVerdict,
  "two-operators": twoOperators,
  failback,
  "aurora-planned": auroraPlanned,
  "aurora-unplanned": auroraUnplanned,
  "aurora-db-frozen": auroraDbFrozen,
  "aurora-failback": auroraFailback,
};

/** Runs the named scenario's fault and runbook runs. */
export function runScenarioRuns(name: string, s: ScenarioContext): Promise<ScenarioRun> {
  const run = Object.prototype.hasOwnProperty.call(SCENARIO_RUNS, name) ? SCENARIO_RUNS[name as ScenarioName] : undefined;
  if (!run) throw new Error(`no scenario ${name}`);
  return run(s);
}
