// The nightly `dr status --publish-metrics` (issue 26 point 4): the workflow runs it with the plan role, the plan
// role may PutMetricData into the restorable-window namespace only, and the ci-role-scoped policy rule allows that
// write and no other. IAM's evaluation is not run here (no AWS account): these check the policy documents.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { planPolicies } from "../../src/ci/permissions";
import { BACKUP_METRIC } from "../../src/monitoring/backup-metric";
import { ciRoleScoped } from "../../src/policy/rules/ci-role-scoped";
import { synthApp } from "../helpers/synth";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const CI = { ci: { enabled: true, githubRepository: "acme/drweb" } };

/** ci-role-scoped on one plan-role policy made of these statements. */
function checkPlan(statements: unknown[]) {
  const r = { type: "aws_iam_policy", stack: "ci-identity", config: { tags: { "ci-role": "plan" }, policy: "${data.aws_iam_policy_document.p.json}" } };
  const ctx = { deref: () => ({ type: "data.aws_iam_policy_document", config: { statement: statements } }) };
  return (ciRoleScoped.check as (r: unknown, ctx: unknown) => { status: string; message?: string })(r, ctx);
}

describe("dr status --publish-metrics in the nightly workflow", () => {
  it("the dr-status job runs it with the plan role", () => {
    const n = parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "nightly.yml"), "utf8"));
    const steps = n.jobs["dr-status"].steps as Array<{ run?: string; uses?: string; with?: Record<string, string> }>;
    expect(steps.some((s) => /npm run --silent dr -- status --json --publish-metrics > status\/status\.json/.test(s.run ?? ""))).toBe(true);
    expect(steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]).toBe("${{ vars.DRWEB_PLAN_ROLE_ARN }}");
  });

  it("the plan role may PutMetricData only into Drweb/Backup, only in the DR pair's regions", () => {
    const config = synthApp(CI).config;
    const statements = planPolicies({ config, partition: "aws", accountId: "123456789012" } as never).flatMap((p) => p.statements);
    const puts = statements.filter((s) => (s.actions ?? []).includes("cloudwatch:PutMetricData"));
    expect(puts).toHaveLength(1);
    expect(puts[0]).toEqual({
      sid: "PublishRestorableWindow",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "cloudwatch:namespace", values: [BACKUP_METRIC.namespace] },
        { test: "StringEquals", variable: "aws:RequestedRegion", values: ["us-east-2", "us-west-1"] },
      ],
    });
    expect(checkPlan(statements).status).toBe("compliant");
  });

  it("ci-role-scoped refuses a plan-role PutMetricData without that namespace condition (another namespace: the split-brain alert's Drweb)", () => {
    const put = (condition: unknown[]) => [{ sid: "P", actions: ["cloudwatch:PutMetricData"], resources: ["*"], condition }];
    expect(checkPlan(put([])).status).toBe("non-compliant");
    expect(checkPlan(put([{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["Drweb"] }])).status).toBe("non-compliant");
    expect(checkPlan(put([{ test: "StringLike", variable: "cloudwatch:namespace", values: ["Drweb/*"] }])).status).toBe("non-compliant");
    expect(checkPlan(put([{ test: "StringEquals", variable: "cloudwatch:namespace", values: [BACKUP_METRIC.namespace] }])).status).toBe("compliant");
  });
});
