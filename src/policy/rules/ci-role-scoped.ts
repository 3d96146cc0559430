import { BACKUP_METRIC } from "../../monitoring/backup-metric";
import { policyStatements } from "../context";
import { COMPLIANT, fail, NOT_APPLICABLE, type ResourceRule } from "../types";

/** Verbs of a read: the plan role may call nothing else, apart from the state lock. */
const READ = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9*]*$/;

/**
 * The CI roles' policies (tagged ci-role): no service-wide wildcard (`*`,
 * `<service>:*`) in an Allow; no IAM write on "*" without a condition; and
 * the plan role (ci-role=plan) only reads, except the state lock object
 * (<key>.tflock: s3:PutObject/DeleteObject), KMS Decrypt and PutMetricData
 * conditioned on the restorable-window namespace (dr status --publish-metrics),
 * and reads no secret value on "*".
 */
export const ciRoleScoped: ResourceRule = {
  kind: "resource",
  id: "ci-role-scoped",
  description: "A CI role's policy allows no service-wide wildcard action, no IAM write on * without a condition; the plan role only reads (plus the state's .tflock) and reads secret values by ARN",
  fix: "list the actions the stacks need, on the project's ARNs (src/ci/permissions.ts); keep the plan role to Describe/List/Get",
  resourceTypes: ["aws_iam_policy"],
  check(r, ctx) {
    const role = r.config.tags?.["ci-role"];
    if (role !== "plan" && role !== "apply") return NOT_APPLICABLE;
    const statements = policyStatements(ctx, r.stack, r.config.policy);
    if (!statements) return fail("the policy is not an aws_iam_policy_document of this stack, so it cannot be checked");
    for (const s of statements) {
      if ((s.effect ?? "Allow") !== "Allow") continue;
      const actions = ([] as string[]).concat(s.actions ?? []);
      const resources = ([] as string[]).concat(s.resources ?? []);
      const wide = actions.find((a) => a === "*" || /^[a-z0-9-]+:\*$/.test(a));
      if (wide) return fail(`allows "${wide}" (statement ${s.sid ?? "?"})`);
      const iamWrite = actions.find((a) => a.startsWith("iam:") && !READ.test(a));
      if (iamWrite && resources.includes("*") && !(s.condition ?? []).length) return fail(`allows ${iamWrite} on "*" without a condition (statement ${s.sid ?? "?"})`);
      if (role === "plan") {
        for (const a of actions) {
          if (a === "secretsmanager:GetSecretValue" && resources.some((x) => x === "*" || x.endsWith(":secret:*"))) return fail(`reads every secret's value (statement ${s.sid ?? "?"})`);
          if (READ.test(a) || a === "kms:Decrypt" || a === "secretsmanager:GetSecretValue") continue;
          if ((a === "s3:PutObject" || a === "s3:DeleteObject") && resources.length > 0 && resources.every((x) => x.endsWith(".tflock"))) continue;
          if (a === "kms:GenerateDataKey" && (s.condition ?? []).some((c: any) => c.variable === "kms:ViaService")) continue;
          // dr status --publish-metrics (nightly): only into the restorable-window namespace (src/ci/plan-permissions.ts publishRestorableWindow).
          if (a === "cloudwatch:PutMetricData" && (s.condition ?? []).some((c: any) => c.test === "StringEquals" && c.variable === "cloudwatch:namespace" && JSON.stringify(c.values) === JSON.stringify([BACKUP_METRIC.namespace]))) continue;
          return fail(`the plan role allows ${a}, which is not a read (statement ${s.sid ?? "?"})`);
        }
      }
    }
    return COMPLIANT;
  },
};
