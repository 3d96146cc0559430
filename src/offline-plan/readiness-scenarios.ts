/**
 * The readiness checker (src/dr/readiness-checker.ts) in the offline plan matrix: in every DR state the secondary
 * stack's plan from nothing creates it (function, schedule, alarm, both roles, log group), and a runbook deploy of
 * the secondary stack never destroys or replaces any of it; its function is updated in place, package only
 * (filename, source_code_hash; last_modified follows), exactly when the config it carries changed (the drState, a generation, ...: the
 * checker compares AWS with the config it was deployed with).
 */
import type { ValidConfig } from "../../src/config";
import { checkerConfig } from "../../src/dr/readiness-bundle";
import { readinessCheckerName } from "../../src/dr/readiness-checker";
import { kindOf, type ChangeRule, type Expectation } from "./expectations";
import type { PlanResourceChange } from "./types";

/** The stack the checker lives in. */
const STACK = "secondary";

/** What a plan from nothing of the stack must create for the checker (type -> count). */
function expectedResources(config: ValidConfig): Record<string, number> {
  return config.runbook.readiness.enabled
    ? { aws_lambda_function: 1, aws_scheduler_schedule: 1, aws_cloudwatch_metric_alarm: 1 }
    : { aws_lambda_function: 0, aws_scheduler_schedule: 0 };
}

const isChecker = (rc: PlanResourceChange) => rc.address.includes("ReadinessChecker_");

/** Problems of a DR state's plan from nothing: the checker's resources, each created once, in the secondary stack only. */
export function readinessStateProblems(stack: string, config: ValidConfig, changes: readonly PlanResourceChange[]): string[] {
  const mine = changes.filter((rc) => rc.mode === "managed" && isChecker(rc));
  if (stack !== STACK) return mine.length ? [`the readiness checker planned in the ${stack} stack: ${mine.map((r) => r.address).join(", ")}`] : [];
  const problems: string[] = [];
  for (const [type, n] of Object.entries(expectedResources(config))) {
    const created = mine.filter((rc) => rc.type === type && kindOf(rc.change.actions) === "create");
    if (created.length !== n) problems.push(`readiness checker: expected ${n} ${type} created, the plan creates ${created.length}`);
  }
  if (config.runbook.readiness.enabled) {
    const fn = mine.find((rc) => rc.type === "aws_lambda_function");
    const name = readinessCheckerName(config);
    if (fn && (fn.change.after as Record<string, unknown> | null)?.function_name !== name) problems.push(`readiness checker: function named ${JSON.stringify((fn.change.after as Record<string, unknown>)?.function_name)}, expected ${name}`);
    for (const t of ["aws_iam_role", "aws_cloudwatch_log_group"]) {
      const n = mine.filter((rc) => rc.type === t && kindOf(rc.change.actions) === "create").length;
      const want = t === "aws_iam_role" ? 2 : 1;
      if (n !== want) problems.push(`readiness checker: expected ${want} ${t} created, the plan creates ${n}`);
    }
  }
  return problems;
}

/**
 * A runbook deploy's expectation with the checker's promise added: in the secondary stack, when the config it
 * carries changes, its function is updated (package only); otherwise nothing of it changes (checkPlan fails any
 * change it was not promised, a destroy of its log group as DATA LOSS).
 */
export function withReadinessChecker(expect: Expectation, stack: string, from: ValidConfig, to: ValidConfig): Expectation {
  if (stack !== STACK || !from.runbook.readiness.enabled || !to.runbook.readiness.enabled) return expect;
  if (JSON.stringify(checkerConfig(from)) === JSON.stringify(checkerConfig(to))) return expect;
  const rule: ChangeRule = {
    what: `readiness checker ${readinessCheckerName(to)}: its package carries the new config`,
    type: "aws_lambda_function",
    kind: "update",
    match: isChecker,
    // last_modified: computed by Lambda on every code update (unknown in the plan).
    attributes: ["filename", "last_modified", "source_code_hash"],
  };
  return { ...expect, changes: [...expect.changes, rule] };
}
