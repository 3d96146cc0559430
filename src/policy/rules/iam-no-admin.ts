import { policyStatements } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

const ADMIN_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;
const WILDCARD = (a: string) => a === "*" || a === "*:*" || a === "iam:*" || a === "sts:*";

/** Least privilege: no wildcard admin in any identity policy. */
export const iamNoAdmin: ResourceRule = {
  kind: "resource",
  id: "iam-no-admin",
  description: "No IAM identity policy grants wildcard admin (*, iam:*, sts:*) and no role gets AdministratorAccess, PowerUserAccess or IAMFullAccess",
  fix: "grant the specific actions the workload calls, scoped to its resources",
  resourceTypes: ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_role_policy_attachment", "aws_iam_user_policy", "aws_iam_group_policy"],
  check(r, ctx) {
    if (r.type === "aws_iam_role_policy_attachment") {
      return ADMIN_POLICIES.test(String(r.config.policy_arn)) ? fail(`attaches ${String(r.config.policy_arn).split("/").pop()}`) : COMPLIANT;
    }
    const statements = policyStatements(ctx, r.stack, r.config.policy) ?? (() => {
      try {
        return ([] as any[]).concat(JSON.parse(r.config.policy).Statement ?? []).map((s: any) => ({ effect: s.Effect, actions: [].concat(s.Action ?? []) }));
      } catch {
        return [];
      }
    })();
    for (const s of statements) {
      if ((s.effect ?? "Allow") !== "Allow") continue;
      const bad = ((s.actions ?? []) as string[]).find(WILDCARD);
      if (bad) return fail(`allows "${bad}"`);
    }
    return COMPLIANT;
  },
};
