// The offline plan's check of the runbook's resources (src/offline-plan/runbook-resources.ts) on hand-made plan
// changes shaped like terraform's JSON plan: it passes the planned bucket and role, and names what is missing or wrong.
import { resolveConfig } from "../../src/config";
import { RUNBOOK_ACTIONS, RUNBOOK_IMPLICIT_ACTIONS } from "../../src/dr/runbook-actions";
import { runbookResourceProblems } from "../../src/offline-plan/runbook-resources";
import type { PlanResourceChange } from "../../src/offline-plan/types";

const create = (type: string, after: Record<string, unknown>): PlanResourceChange => ({ address: `${type}.x`, mode: "managed", type, name: "x", change: { actions: ["create"], before: null, after } });
const OPS = "arn:aws:iam::123456789012:role/oncall";
const config = resolveConfig({ runbook: { role: { enabled: true, trustedPrincipalArns: [OPS] } } });
const trust = (mfa: boolean) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: OPS }, ...(mfa ? { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } } : {}) }] });
const policy = (actions: string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] });
const all = [...RUNBOOK_ACTIONS, ...RUNBOOK_IMPLICIT_ACTIONS.map((x) => x.action)];

describe("runbookResourceProblems", () => {
  it("passes a regional plan with its report bucket, and names a missing one", () => {
    expect(runbookResourceProblems("secondary", config, [create("aws_s3_bucket", { bucket: "drweb-prod-usw1-dr-reports", force_destroy: false })])).toEqual([]);
    expect(runbookResourceProblems("secondary", config, [create("aws_s3_bucket", { bucket: "drweb-prod-usw1-artifacts-1", force_destroy: false })])).toEqual(["the run-report bucket drweb-prod-usw1-dr-reports is planned 0 times (expected one create)"]);
    expect(runbookResourceProblems("primary", config, [create("aws_s3_bucket", { bucket: "drweb-prod-use2-dr-reports", force_destroy: true })])[0]).toMatch(/force_destroy true/);
  });

  it("passes the planned role with the provider's IAM JSON, and names extra or missing actions, other principals and MFA", () => {
    const ok = [create("aws_iam_role", { name: "drweb-prod-dr-runbook", max_session_duration: 14400, assume_role_policy: trust(true) }), create("aws_iam_role_policy", { policy: policy(all) })];
    expect(runbookResourceProblems("ci-identity", config, ok)).toEqual([]);
    const bad = [create("aws_iam_role", { name: "drweb-prod-dr-runbook", max_session_duration: 3600, assume_role_policy: trust(false) }), create("aws_iam_role_policy", { policy: policy([...all.filter((a) => a !== "rds:PromoteReadReplica"), "iam:PassRole"]) })];
    const p = runbookResourceProblems("ci-identity", config, bad);
    expect(p).toHaveLength(3);
    expect(p[0]).toMatch(/max_session_duration is 3600/);
    expect(p[1]).toMatch(/does not require MFA/);
    expect(p[2]).toMatch(/extra iam:PassRole; missing rds:PromoteReadReplica/);
    expect(runbookResourceProblems("ci-identity", config, [])).toEqual(["the runbook role drweb-prod-dr-runbook is planned 0 times (expected one create)"]);
    // Not enabled: nothing asked of the ci-identity stack.
    expect(runbookResourceProblems("ci-identity", resolveConfig({}), [])).toEqual([]);
  });
});
