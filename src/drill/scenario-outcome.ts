import type { AlertReport } from "./live-alerts";
import type { ScenarioMetrics } from "./report";

/** What a scenario run returns (runner.ts runScenario, pitr-scenario.ts runPitrScenario) for drill.ts's report. */
export interface ScenarioOutcome {
  metrics: ScenarioMetrics;
  checks: Array<[string, boolean]>;
  chart: string;
  runbookLog: string[];
  journal: unknown[];
  resolverEvents: Array<{ t: number; what: string }>;
  alerts: AlertReport;
}
