import { TerraformStack, type App } from "cdktf";
import type { IConstruct } from "constructs";
import type { ValidConfig } from "../config";
import { evaluatePolicy, formatViolations, type Finding, type Suppression } from "./engine";
import type { StackJson } from "./types";

export { evaluatePolicy, formatSuppressions, formatViolations, policyTable, type Finding, type Suppression } from "./engine";
export { RULES } from "./rules";

const SUPPRESSION = "drweb:policy-suppression";

/**
 * Records a deliberate exception to a policy rule on a construct (and all
 * its children), with the reason a reviewer reads. Listed in every synth.
 */
export function suppressPolicy(scope: IConstruct, ruleId: string, reason: string): void {
  if (reason.trim().length < 20) {
    throw new Error(`suppressPolicy(${scope.node.path}, ${ruleId}): the reason must say why the exception is acceptable (20+ characters)`);
  }
  scope.node.addMetadata(SUPPRESSION, { ruleId, reason });
}

/** Every suppression in the construct tree. */
export function collectSuppressions(root: IConstruct): Suppression[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata.filter((m) => m.type === SUPPRESSION).map((m) => ({ path: c.node.path, ruleId: (m.data as any).ruleId, reason: (m.data as any).reason })),
  );
}

/**
 * Synthesizes every stack in memory (nothing written) and evaluates the
 * policy. `duringSynth`: called from a validation inside `app.synth()`,
 * where every stack is already prepared; each stack's JSON is then kept and
 * handed to the synthesizer instead of being computed a second time.
 */
export function checkAppPolicy(app: App, config: ValidConfig, duringSynth = false): Finding[] {
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  if (!duringSynth) for (const s of stacks) s.prepareStack();
  const json = Object.fromEntries(stacks.map((s) => [s.node.id, s.toTerraform() as StackJson]));
  if (duringSynth) {
    // Validations run after the last change to the tree: the JSON the
    // synthesizer would compute is this one.
    for (const s of stacks) s.toTerraform = () => json[s.node.id];
  }
  return evaluatePolicy({ config, stacks: json }, collectSuppressions(app));
}

/**
 * Makes the policy part of every stack's validation, so any `app.synth()`
 * (cdktf synth, main.ts, tests) fails on a violation anywhere in the app.
 * The first stack's validation runs before any stack is written, so a
 * violation leaves no half-written output.
 */
export function applyPolicy(app: App, config: ValidConfig): AppPolicy {
  let cached: Finding[] | undefined;
  const findings = (duringSynth = false) => (cached ??= checkAppPolicy(app, config, duringSynth));
  for (const stack of app.node.findAll().filter(TerraformStack.isStack)) {
    stack.node.addValidation({
      validate: () => {
        const text = formatViolations(findings(true));
        return text ? [`${POLICY_FAILURE}\n${text}`] : [];
      },
    });
  }
  return { findings: () => findings(false), hasRun: () => cached !== undefined };
}

/** First line of the validation error a policy violation raises. */
export const POLICY_FAILURE = "policy violations (stack, address, rule, message, fix):";

/** The policy of a built app; findings are computed once, on first use. */
export interface AppPolicy {
  findings(): Finding[];
  /** Whether the findings have been computed (by a synth or a call). */
  hasRun(): boolean;
}
