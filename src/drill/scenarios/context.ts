/**
 * What a scenario's function (dispatch.ts) gets from the runner (../runner.ts): the started environment and its
 * Route53 stand-in, the first runbook process (loaded during the warm-up), the helpers that spawn and run runbooks,
 * mark the timeline and wait on the journal; and what it gives back (its outcome, and where its RTO counts from).
 */
import type { ValidConfig } from "../../config";
import type { Mode, Operation } from "../../dr/plan-model";
import type { AuroraSim } from "../aurora";
import type { DrillOptions, ScaleOver } from "../drill-options";
import type { DrillEnvironment, DrillRegion } from "../environment";
import type { Processes } from "../processes";
import type { readinessExpectation } from "../readiness";
import type { Route53Sim } from "../resolver";
import type { RunbookProcess } from "../runbook-run";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A runbook run's result (null: the process was killed or crashed before it reported). */
export type RunbookResult = Awaited<RunbookProcess["done"]>["result"];

export interface ScenarioContext {
  readonly name: string;
  readonly scale: number;
  readonly freezeMs: DrillOptions["freezeMs"];
  readonly returnAfterMs: DrillOptions["returnAfterMs"];
  readonly downMs: DrillOptions["downMs"];
  readonly cutMs: DrillOptions["cutMs"];
  readonly stallMs: DrillOptions["stallMs"];
  readonly maxMs: DrillOptions["maxMs"];
  readonly processes: Processes;
  readonly env: DrillEnvironment;
  readonly primary: DrillRegion;
  readonly secondary: DrillRegion;
  /** The project's config for this scenario (Aurora: auroraDrillConfig's), unscaled. */
  readonly base: ValidConfig;
  /** base on the drill's time scale. */
  readonly cfg: ValidConfig;
  readonly scaledConfig: (c: ValidConfig, over?: ScaleOver) => ValidConfig;
  readonly sim: Route53Sim;
  /** The alias records' TTL, scaled (ms). */
  readonly ttlMs: number;
  /** The first runbook process, loaded during the warm-up (failover, planned or unplanned by the scenario). */
  readonly next: RunbookProcess;
  /** Runs a pre-spawned runbook process to its end (or until killed); throws if it crashed. */
  readonly runbook: (p: RunbookProcess, label: string) => Promise<RunbookResult>;
  readonly spawnRunbook: (operation: Operation | "status", mode: Mode, cfg: ValidConfig, confirm?: string[], ownJournalDir?: string) => RunbookProcess;
  /** Marks the timeline (at: epoch ms, default now). */
  readonly mark: (label: string, at?: number) => void;
  readonly log: (line: string) => void;
  /** Background tasks, awaited before the checks. */
  readonly pending: Array<Promise<void>>;
  /** The scenario's own checks, reported with the common ones. */
  readonly extraChecks: Array<[string, boolean]>;
  /** `dr readiness` on the local platform at a moment of the scenario: its verdict is an extra check. */
  readonly readiness: (label: string, c: ValidConfig, expect: Parameters<typeof readinessExpectation>[2]) => Promise<void>;
  /** Waits until the Route53 stand-in declares the primary unhealthy, and marks it. */
  readonly waitPrimaryUnhealthy: () => Promise<void>;
  readonly whenJournal: (operation: Operation, step: string, event: string, timeoutMs: number) => Promise<void>;
  readonly journalHas: (operation: Operation, step: string, event: string) => boolean;
  /** Aurora: a run that stopped at its record step runs again with the state recorded. */
  readonly recordAndResume: (r: RunbookResult, operation: Operation, mode: Mode, label: string) => Promise<RunbookResult>;
  readonly journalDir: string;
  /** Journal folders of runbooks that do not share journalDir (two-operators: a second operator's laptop). */
  readonly otherJournalDirs: string[];
  readonly auroraSim: AuroraSim | null;
  /** Epoch ms -> ms since the scenario's traffic started. */
  readonly rel: (abs: number) => number;
  /** The sustained-outage window, scaled (seconds). */
  readonly W: number;
}

/** What a scenario's runs leave for the runner's checks. */
export interface ScenarioRun {
  /** The runbook's outcome in words; checked against the catalogue's expectation by its prefix. */
  readonly outcome: string;
  /** Where the RTO counts from, when not the start of the scenario's fault (ms since the traffic started). */
  readonly eventAt?: number;
  /** The journal step whose "acting" starts the switch back (failbacks: the RTO is measured from there). */
  readonly switchBackFrom?: string;
  /** Rows of the writer the failback's switch back fenced, read before the operator's rebuild wipes it. */
  readonly fencedBefore?: Set<string> | null;
  /** A promotion outside the runbook (split-brain), epoch ms. */
  readonly manualPromotedAt?: number;
}
