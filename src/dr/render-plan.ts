import type { Journal } from "./journal";
import type { Plan, Step } from "./plan-model";

/** A plan as text: what `--dry-run` prints and a run logs before it starts. */

function describe(step: Step, i: number, n: number, done: boolean): string[] {
  const timeout = !step.wait.until ? "" : step.wait.timeoutSeconds ? ` (timeout ${step.wait.timeoutSeconds} s)` : " (checked once)";
  return [
    `${i + 1}/${n} ${step.id}${done ? "  [done: skipped on resume]" : ""}${step.by === "operator" ? "  [operator step]" : ""}`,
    `    ${step.title}`,
    `    precondition: ${step.precondition.text}`,
    `    action:       ${step.action.text}`,
    `    wait:         ${step.wait.text}${timeout}`,
    ...(step.recheck ? [`    on resume:    re-checked, not taken from the journal: ${step.recheck.text}`] : []),
    `    if it fails:  ${step.onFailure}`,
  ];
}

export function renderPlan(plan: Plan, journal?: Journal): string[] {
  const out = [`Plan: ${plan.title}`, `Parameters: ${JSON.stringify(plan.params)}`, ""];
  plan.steps.forEach((s, i) => out.push(...describe(s, i, plan.steps.length, journal?.isDone(s.id) ?? false), ""));
  if (plan.rollback) out.push(`Automatic roll-back: ${plan.rollback.text}`, "");
  if (plan.verdict) out.push(`Outage verdict re-read before each change it decides (${plan.verdict.steps.join(", ")}): ${plan.verdict.text}; if the switch was already forced: ${plan.verdict.undo.text}`, "");
  out.push("At the end:", ...plan.epilogue.map((l) => `  ${l}`));
  return out;
}
