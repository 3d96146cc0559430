import type { ValidConfig } from "../config";
import type { Clock } from "./clock";
import type { Mode, Operation, Plan, Step } from "./plan-model";
import type { DrPlatform, FailureCause } from "./platform";
import type { RestoreRequest } from "./restore-plan";

/** What `dr` asks the runner for (RunOptions) and what a run ends with (RunResult); runner.ts runs it. */

export interface RunOptions {
  readonly config: ValidConfig;
  readonly platform: DrPlatform;
  readonly operation: Operation;
  readonly mode: Mode;
  readonly clock: Clock;
  /** Log sink: one line per call, already timestamped. */
  readonly log: (line: string) => void;
  /** Folder of the journal (config.runbook.journalDir unless given). */
  readonly journalDir?: string;
  /** Print the plan, change nothing (no AWS call that changes anything, no journal written). */
  readonly dryRun?: boolean;
  /** Steps whose checks (precondition and wait) the operator confirms by hand. */
  readonly confirm?: readonly string[];
  /** Archive an unfinished journal and start over. */
  readonly fresh?: boolean;
  /** Seconds between polls of a wait (config.runbook.pollIntervalSeconds unless given). */
  readonly pollSeconds?: number;
  /** `dr restore`: the time and region asked (restore-plan.ts); required for operation "restore". */
  readonly restore?: RestoreRequest;
  /** Called before each step (tests interrupt a run here). */
  readonly beforeStep?: (step: Step) => void | Promise<void>;
}

export interface RunResult {
  readonly ok: boolean;
  readonly plan: Plan;
  /** The step that failed (precondition false, action error or wait timeout). */
  readonly failedStep?: string;
  readonly failure?: string;
  /** Why the calls failed, when it was not the step's business (credentials, permissions, network). */
  readonly cause?: FailureCause;
  /** The run continued an unfinished journal. */
  readonly resumed: boolean;
  /** An action was sent in this run or the one it resumed: the journal is kept (and resumed by the next run). */
  readonly acted: boolean;
  /** Steps skipped because the journal had them done. */
  readonly skipped: readonly string[];
  readonly journalFile: string;
  /** A step after a fence failed and the runner put the fenced fleet back (Plan.rollback): nothing stays changed. */
  readonly rolledBack?: boolean;
  /**
   * The fault was transient: the primary was healthy again before the failover changed anything it could not put
   * back (confirm-outage saw it recover, or the verdict re-read before a change did: Plan.verdict). Nothing stays
   * changed (a forced switch was released). cli.ts: exit EXIT_TRANSIENT.
   */
  readonly transient?: boolean;
}

export class RunnerError extends Error {}
