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

/** Synthesizes every stack in memory (nothing written) and evaluates the policy. */
export function checkAppPolicy(app: App, config: ValidConfig): Finding[] {
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  for (const s of stacks) s.prepareStack();
  const json = Object.fromEntries(stacks.map((s) => [s.node.id, s.toTerraform() as StackJson]));
  return evaluatePolicy({ config, stacks: json }, collectSuppressions(app));
}

/**
 * Makes the policy part of every stack's validation, so any `app.synth()`
 * (cdktf synth, tests) fails with the violations of that stack. main.ts also
 * checks before synthesizing, so a violation writes no output at all.
 */
export function applyPolicy(app: App, config: ValidConfig): AppPolicy {
  let cached: Finding[] | undefined;
  const findings = () => (cached ??= checkAppPolicy(app, config));
  for (const stack of app.node.findAll().filter(TerraformStack.isStack)) {
    stack.node.addValidation({
      validate: () => {
        const text = formatViolations(findings().filter((f) => f.stack === stack.node.id));
        return text ? [`policy violations:\n${text}`] : [];
      },
    });
  }
  return { findings };
}

/** The policy of a built app; findings are computed once, on first use. */
export interface AppPolicy {
  findings(): Finding[];
}
