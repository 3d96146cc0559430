import { createContext } from "./context";
import { RULES } from "./rules";
import type { PolicyInput, PolicyRule, ResourceView, StackAnchor, Verdict } from "./types";

/** A deliberate exception, attached in code next to the resource. */
export interface Suppression {
  /** Construct path it covers (and everything below it). */
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
}

export type FindingStatus = "compliant" | "non-compliant" | "suppressed" | "not-applicable";

export interface Finding {
  readonly ruleId: string;
  readonly stack: string;
  readonly address: string;
  readonly path: string;
  readonly status: FindingStatus;
  /** What is wrong (non-compliant, suppressed). */
  readonly message?: string;
  /** The fix (non-compliant). */
  readonly fix?: string;
  /** Why it is accepted (suppressed). */
  readonly reason?: string;
}

function covers(s: Suppression, path: string): boolean {
  return path === s.path || path.startsWith(`${s.path}/`);
}

/**
 * Runs every rule over the synthesized app. Pure: the same input gives the
 * same findings. Throws when a suppression names a rule that does not exist
 * (a typo would otherwise silently suppress nothing).
 */
export function evaluatePolicy(input: PolicyInput, suppressions: readonly Suppression[] = [], rules: readonly PolicyRule[] = RULES): Finding[] {
  const known = new Set(rules.map((r) => r.id));
  const unknown = suppressions.filter((s) => !known.has(s.ruleId));
  if (unknown.length) {
    throw new Error(`Policy suppression for unknown rule(s): ${unknown.map((s) => `${s.ruleId} at ${s.path}`).join(", ")}. Fix: use one of ${[...known].join(", ")}`);
  }
  const ctx = createContext(input);
  const findings: Finding[] = [];
  const record = (rule: PolicyRule, r: ResourceView | StackAnchor, v: Verdict) => {
    const base = { ruleId: rule.id, stack: r.stack, address: r.address, path: r.path };
    if (v.status !== "non-compliant") {
      findings.push({ ...base, status: v.status });
      return;
    }
    const s = suppressions.find((x) => x.ruleId === rule.id && covers(x, r.path));
    findings.push(s ? { ...base, status: "suppressed", message: v.message, reason: s.reason } : { ...base, status: "non-compliant", message: v.message, fix: rule.fix });
  };
  for (const rule of rules) {
    if (rule.kind === "resource") {
      for (const type of rule.resourceTypes) for (const r of ctx.resources(type)) record(rule, r, rule.check(r, ctx));
    } else {
      for (const { resource, verdict } of rule.check(ctx)) record(rule, resource, verdict);
    }
  }
  return findings;
}

/** Violations formatted one per line: stack, address, rule, message, fix. */
export function formatViolations(findings: readonly Finding[]): string {
  return findings
    .filter((f) => f.status === "non-compliant")
    .map((f) => `  - [${f.stack}] ${f.address} (${f.path})\n      ${f.ruleId}: ${f.message}\n      Fix: ${f.fix}`)
    .join("\n");
}

/** The suppressions that took effect, for the synth output and the report. */
export function formatSuppressions(findings: readonly Finding[]): string {
  return findings
    .filter((f) => f.status === "suppressed")
    .map((f) => `  - [${f.stack}] ${f.address}: ${f.ruleId} suppressed: ${f.reason} (finding: ${f.message})`)
    .join("\n");
}

/** Rules x stacks: pass, FAIL (n), suppressed (n) or n/a. */
export function policyTable(findings: readonly Finding[], rules: readonly PolicyRule[] = RULES): string {
  const stacks = [...new Set(findings.map((f) => f.stack))].sort();
  const cell = (ruleId: string, stack: string) => {
    const fs = findings.filter((f) => f.ruleId === ruleId && f.stack === stack);
    const bad = fs.filter((f) => f.status === "non-compliant").length;
    const sup = fs.filter((f) => f.status === "suppressed").length;
    if (bad) return `FAIL (${bad})`;
    if (sup) return `suppressed (${sup})`;
    return fs.some((f) => f.status === "compliant") ? "pass" : "n/a";
  };
  const rows = rules.map((r) => [r.id, ...stacks.map((s) => cell(r.id, s))]);
  const header = ["rule", ...stacks];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
