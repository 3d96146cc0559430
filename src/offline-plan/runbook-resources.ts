/**
 * The runbook's resources in the offline plan (issue 28): each regional stack's run-report bucket
 * (src/dr/report-bucket.ts) and, with runbook.role.enabled, the runbook role in the ci-identity stack
 * (src/dr/runbook-role.ts). Checked on the plan the real provider makes from an empty state: the policy documents
 * are the IAM JSON the provider rendered (data.aws_iam_policy_document), so the role's policy is read as IAM reads
 * it (Statement, Action, Resource), not as cdktf wrote it.
 */
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../../src/config";
import { reportBucketName } from "../../src/dr/report-bucket";
import { runbookRoleName } from "../../src/dr/runbook-role";
import { RUNBOOK_ACTIONS, RUNBOOK_IMPLICIT_ACTIONS } from "../../src/dr/runbook-actions";
import { STACK_NAMES } from "../../stacks/app";
import type { PlanResourceChange } from "./types";

const creates = (changes: readonly PlanResourceChange[], type: string) => changes.filter((c) => c.mode === "managed" && c.type === type && c.change.actions.join(",") === "create");
const list = (x: unknown): string[] => (x === undefined ? [] : Array.isArray(x) ? x.map(String) : [String(x)]);

/** What is wrong with the plan of `stack` about the runbook's resources (empty: nothing). */
export function runbookResourceProblems(stack: string, config: ValidConfig, changes: readonly PlanResourceChange[]): string[] {
  const problems: string[] = [];
  const role = REGION_ROLES.find((r: RegionRole) => STACK_NAMES[r] === stack);
  if (role) {
    const name = reportBucketName(config, role);
    const buckets = creates(changes, "aws_s3_bucket").filter((c) => c.change.after?.bucket === name);
    if (buckets.length !== 1) problems.push(`the run-report bucket ${name} is planned ${buckets.length} times (expected one create)`);
    else if (buckets[0].change.after?.force_destroy !== false) problems.push(`the run-report bucket ${name} is planned with force_destroy ${JSON.stringify(buckets[0].change.after?.force_destroy)} (expected false)`);
  }
  if (stack === "ci-identity" && config.runbook.role.enabled) {
    const name = runbookRoleName(config);
    const roles = creates(changes, "aws_iam_role").filter((c) => c.change.after?.name === name);
    if (roles.length !== 1) return [...problems, `the runbook role ${name} is planned ${roles.length} times (expected one create)`];
    const r = roles[0].change.after!;
    if (r.max_session_duration !== config.runbook.role.maxSessionSeconds) problems.push(`the runbook role's max_session_duration is ${r.max_session_duration}, not runbook.role.maxSessionSeconds ${config.runbook.role.maxSessionSeconds}`);
    if (typeof r.assume_role_policy !== "string") problems.push("the runbook role's trust policy is not known at plan time");
    else {
      const trust = JSON.parse(r.assume_role_policy).Statement as any[];
      const principals = trust.flatMap((s) => list(s.Principal?.AWS)).sort();
      if (JSON.stringify(principals) !== JSON.stringify([...config.runbook.role.trustedPrincipalArns].sort())) problems.push(`the runbook role trusts ${principals.join(", ")}, not runbook.role.trustedPrincipalArns`);
      const mfa = trust.every((s) => s.Condition?.Bool?.["aws:MultiFactorAuthPresent"] === "true");
      if (mfa !== config.runbook.role.requireMfa) problems.push(`the runbook role's trust ${mfa ? "requires" : "does not require"} MFA; runbook.role.requireMfa is ${config.runbook.role.requireMfa}`);
    }
    const policies = creates(changes, "aws_iam_role_policy");
    if (policies.length !== 1 || typeof policies[0].change.after?.policy !== "string") problems.push(`expected one inline policy of the runbook role with a policy known at plan time, found ${policies.length}`);
    else {
      const sts = JSON.parse(policies[0].change.after!.policy).Statement as any[];
      const actions = sts.filter((s) => s.Effect === "Allow").flatMap((s) => list(s.Action)).sort();
      const want = [...RUNBOOK_ACTIONS, ...RUNBOOK_IMPLICIT_ACTIONS.map((x) => x.action)].sort();
      if (JSON.stringify(actions) !== JSON.stringify(want)) problems.push(`the runbook role's policy allows ${actions.length} actions, not RUNBOOK_ACTIONS and the implicit KMS ones (${want.length}): extra ${actions.filter((a) => !want.includes(a)).join(", ") || "none"}; missing ${want.filter((a) => !actions.includes(a)).join(", ") || "none"}`);
    }
  }
  return problems;
}
