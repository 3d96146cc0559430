/**
 * The runbook's role as code (src/dr/runbook-role.ts, in the ci-identity stack) and the run-report buckets
 * (src/dr/report-bucket.ts, in each regional stack), read from the whole app's synthesized cdk.tf.json. The policy
 * is checked with IAM's evaluation rules for Action and Resource (case-sensitive `*`/`?` globs on ARNs, an explicit
 * allow needed; IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements: Resource") by a small
 * evaluator below: no AWS account here, so IAM itself is not called.
 */
import { RUNBOOK_ACTIONS, RUNBOOK_IMPLICIT_ACTIONS } from "../../src/dr/runbook-actions";
import { reportBucketName } from "../../src/dr/report-bucket";
import { runbookRoleName } from "../../src/dr/runbook-role";
import { KNOWN_REGIONS } from "../../src/config/regions";
import { regionCode } from "../../src/lib/naming";
import { resolveConfig } from "../../src/config";
import { GLOBAL_STACK_NAMES, stacksReaching } from "../../stacks/app";
import { synthApp, type StackJson } from "../helpers/synth";

const OPS = "arn:aws:iam::123456789012:role/oncall";
const ROLE = { runbook: { role: { enabled: true, trustedPrincipalArns: [OPS, "arn:aws:iam::123456789012:user/alice"] } } };
const ACCOUNT = "123456789012";

const docs = (st: StackJson) => st.data?.aws_iam_policy_document ?? {};
const docOf = (st: StackJson, ref: string) => docs(st)[/data\.aws_iam_policy_document\.([^.]+)\.json/.exec(ref)![1]];
const runbookRole = (st: StackJson) => Object.entries(st.resource!.aws_iam_role).find(([, r]: any) => r.name === "drweb-prod-dr-runbook") as [string, any] | undefined;

type Statement = { effect?: string; actions: string[]; resources: string[]; condition?: Array<{ test: string; variable: string; values: string[] }> };

/** The role's permission statements from the synthesized JSON, the partition and account expressions replaced by literals. */
function permissionStatements(st: StackJson): Statement[] {
  const [key] = runbookRole(st)!;
  const policies = Object.values(st.resource!.aws_iam_role_policy ?? {}).filter((p: any) => String(p.role).includes(`aws_iam_role.${key}.`));
  expect(policies).toHaveLength(1);
  const text = JSON.stringify(docOf(st, (policies[0] as any).policy).statement)
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, "aws")
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, ACCOUNT);
  expect(text).not.toContain("${");
  return JSON.parse(text);
}

const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);
/** IAM's decision for one request, conditions ignored (they are checked apart): an allow that matches, no deny. */
const allows = (sts: Statement[], action: string, resource: string) =>
  sts.some((s) => (s.effect ?? "Allow") === "Allow" && s.actions.some((a) => glob(a.toLowerCase(), action.toLowerCase())) && s.resources.some((r) => glob(r, resource))) &&
  !sts.some((s) => s.effect === "Deny" && s.actions.some((a) => glob(a.toLowerCase(), action.toLowerCase())) && s.resources.some((r) => glob(r, resource)));

/** A resource of the project each scoped action acts on, and one it must not reach. */
const PROJECT: Record<string, [string, string]> = {
  "autoscaling:UpdateAutoScalingGroup": ["arn:aws:autoscaling:us-west-1:123456789012:autoScalingGroup:0b5c:autoScalingGroupName/drweb-prod-usw1-web", "arn:aws:autoscaling:us-west-1:123456789012:autoScalingGroup:0b5c:autoScalingGroupName/billing-prod-web"],
  "rds:PromoteReadReplica": ["arn:aws:rds:us-west-1:123456789012:db:drweb-prod-usw1-db-g0", "arn:aws:rds:us-west-1:123456789012:db:billing-prod-db"],
  "rds:ModifyDBInstance": ["arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g1", "arn:aws:rds:eu-west-1:123456789012:db:drweb-prod-euw1-db"],
  "rds:RestoreDBInstanceToPointInTime": ["arn:aws:rds:us-west-1:123456789012:auto-backup:ab-7xq", "arn:aws:rds:us-west-1:123456789012:db:billing-prod-db"],
  "rds:SwitchoverGlobalCluster": ["arn:aws:rds::123456789012:global-cluster:drweb-prod-global", "arn:aws:rds::123456789012:global-cluster:billing-prod-global"],
  "ssm:PutParameter": ["arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod/dr/runbook/lease", "arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod/db/password"],
  "ssm:GetParameters": ["arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod/dr/dns/health-check/primary", "arn:aws:ssm:us-west-1:123456789012:parameter/other/x"],
  "s3:PutObject": ["arn:aws:s3:::drweb-prod-usw1-dr-reports/dr-reports/failover/2026.json", "arn:aws:s3:::drweb-prod-usw1-dr-reports/other/x"],
  "route53:GetHealthCheckStatus": ["arn:aws:route53:::healthcheck/abcd-1234", "arn:aws:route53:::hostedzone/Z123"],
};

describe("RunbookRole", () => {
  it("builds the ci-identity stack with only the runbook role when ci is off, its provider in the secondary region, and outputs runbook_role_arn", () => {
    const { stacks, drApp } = synthApp(ROLE);
    const st = stacks[GLOBAL_STACK_NAMES.ciIdentity];
    expect(st).toBeDefined();
    expect(st.provider!.aws.map((p: any) => p.region)).toEqual(["us-west-1"]);
    expect(st.resource!.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.values(st.resource!.aws_iam_role).map((r: any) => r.name)).toEqual(["drweb-prod-dr-runbook"]);
    const [key] = runbookRole(st)!;
    expect(Object.keys(st.output!)).toEqual(["runbook_role_arn"]);
    expect(st.output!.runbook_role_arn.value).toBe(`\${aws_iam_role.${key}.arn}`);
    expect(stacksReaching(drApp.ciIdentity!.node.root, "us-east-2")).not.toContain("ci-identity");
    // With the CI identity on too, both live in the one stack.
    const both = synthApp({ ...ROLE, ci: { enabled: true, githubRepository: "acme/drweb" } }).stacks["ci-identity"];
    expect(Object.values(both.resource!.aws_iam_role).map((r: any) => r.name).sort()).toEqual(["drweb-prod-ci-apply", "drweb-prod-ci-plan", "drweb-prod-dr-runbook"]);
    expect(Object.keys(both.output!)).toContain("runbook_role_arn");
    // Off by default: no role anywhere.
    expect(synthApp({}).stacks["ci-identity"]).toBeUndefined();
  });

  it("allows exactly RUNBOOK_ACTIONS and the implicit KMS actions, no action wildcard, every one an Allow", () => {
    const sts = permissionStatements(synthApp(ROLE).stacks["ci-identity"]);
    const actions = sts.flatMap((s) => s.actions).sort();
    expect(actions).toEqual([...RUNBOOK_ACTIONS, ...RUNBOOK_IMPLICIT_ACTIONS.map((x) => x.action)].sort());
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions.filter((a) => /[*?]/.test(a))).toEqual([]);
    expect(sts.every((s) => (s.effect ?? "Allow") === "Allow")).toBe(true);
  });

  it("scopes each write to the project's resources in the two regions, and leaves \"*\" to reads and PutMetricData only", () => {
    const sts = permissionStatements(synthApp(ROLE).stacks["ci-identity"]);
    for (const action of RUNBOOK_ACTIONS) {
      const any = allows(sts, action, "arn:aws:rds:eu-west-1:999999999999:db:someone-else");
      // Only the reads that have no resource type, and PutMetricData (none either), may act on anything.
      expect(any, action).toBe(/^[a-z0-9-]+:(Describe|List|Get)/.test(action) && !["ssm:GetParameter", "ssm:GetParameters", "route53:GetHealthCheckStatus", "route53:ListTagsForResources"].includes(action) || action === "cloudwatch:PutMetricData");
    }
    for (const [action, [mine, other]] of Object.entries(PROJECT)) {
      expect(RUNBOOK_ACTIONS, action).toContain(action);
      expect(allows(sts, action, mine), `${action} on ${mine}`).toBe(true);
      expect(allows(sts, action, other), `${action} on ${other}`).toBe(false);
    }
    // The report buckets: PutObject only (no read, no delete), in both regions' buckets.
    const bucket = reportBucketName(resolveConfig({}), "primary");
    expect(bucket).toBe("drweb-prod-use2-dr-reports");
    expect(allows(sts, "s3:PutObject", `arn:aws:s3:::${bucket}/dr-reports/failback/x.md`)).toBe(true);
    for (const a of ["s3:GetObject", "s3:DeleteObject", "s3:ListBucket"]) expect(allows(sts, a, `arn:aws:s3:::${bucket}/dr-reports/failback/x.md`), a).toBe(false);
    // KMS only through RDS (grants for encrypted restores and snapshots) and S3 (the encrypted report upload), in the two regions.
    const kms = sts.filter((s) => s.actions.some((a) => a.startsWith("kms:")));
    expect(kms.map((s) => s.condition)).toEqual([
      [{ test: "StringEquals", variable: "kms:ViaService", values: ["rds.us-east-2.amazonaws.com", "rds.us-west-1.amazonaws.com"] }],
      [{ test: "StringEquals", variable: "kms:ViaService", values: ["s3.us-east-2.amazonaws.com", "s3.us-west-1.amazonaws.com"] }],
    ]);
    expect(allows(sts, "kms:CreateGrant", "arn:aws:kms:eu-west-1:123456789012:key/k")).toBe(false);
    expect(allows(sts, "kms:Decrypt", "arn:aws:kms:us-west-1:123456789012:key/k")).toBe(false);
  });

  it("Aurora mode: ssm:GetParameter and ssm:PutParameter reach each region's database endpoints parameter in its own region only; RDS mode: none", () => {
    const aurora = permissionStatements(synthApp({ ...ROLE, database: { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" } }).stacks["ci-identity"]);
    for (const action of ["ssm:GetParameter", "ssm:PutParameter"]) {
      expect(allows(aurora, action, "arn:aws:ssm:us-east-2:123456789012:parameter/drweb-prod-use2/db/endpoints"), action).toBe(true);
      expect(allows(aurora, action, "arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod-usw1/db/endpoints"), action).toBe(true);
      // Not the other region's name in a region, not another project's, not another parameter of the region prefix.
      expect(allows(aurora, action, "arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod-use2/db/endpoints"), action).toBe(false);
      expect(allows(aurora, action, "arn:aws:ssm:us-east-2:123456789012:parameter/billing-prod-use2/db/endpoints"), action).toBe(false);
      expect(allows(aurora, action, "arn:aws:ssm:us-east-2:123456789012:parameter/drweb-prod-use2/db/password"), action).toBe(false);
    }
    const rds = permissionStatements(synthApp(ROLE).stacks["ci-identity"]);
    expect(allows(rds, "ssm:PutParameter", "arn:aws:ssm:us-east-2:123456789012:parameter/drweb-prod-use2/db/endpoints")).toBe(false);
  });

  it("is trusted by the configured principals only, with MFA by default, for runbook.role.maxSessionSeconds", () => {
    const st = synthApp(ROLE).stacks["ci-identity"];
    const [, role] = runbookRole(st)!;
    expect(role.max_session_duration).toBe(14400);
    const trust = docOf(st, role.assume_role_policy).statement;
    expect(trust).toEqual([
      {
        sid: "Operators",
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "AWS", identifiers: [OPS, "arn:aws:iam::123456789012:user/alice"] }],
        condition: [{ test: "Bool", variable: "aws:MultiFactorAuthPresent", values: ["true"] }],
      },
    ]);
    const noMfa = synthApp({ runbook: { role: { ...ROLE.runbook.role, requireMfa: false, maxSessionSeconds: 3600 } } }).stacks["ci-identity"];
    const [, r2] = runbookRole(noMfa)!;
    expect(r2.max_session_duration).toBe(3600);
    expect(docOf(noMfa, r2.assume_role_policy).statement[0].condition).toBeUndefined();
  });

  it("rejects trusted principals that are not IAM user, role or root ARNs, a role without any, and naming the field and the fix", () => {
    expect(() => resolveConfig({ runbook: { role: { enabled: true, trustedPrincipalArns: [OPS, "arn:aws:sts::123456789012:assumed-role/oncall/bob"] } } })).toThrow(
      /runbook\.role\.trustedPrincipalArns\[1\].*"arn:aws:sts::123456789012:assumed-role\/oncall\/bob" is not an IAM user, role or account-root ARN.*Fix: give arn:aws:iam::<12-digit account>:role\/<name>/s,
    );
    expect(() => resolveConfig({ runbook: { role: { enabled: true, trustedPrincipalArns: ["oncall"] } } })).toThrow(/runbook\.role\.trustedPrincipalArns\[0\]/);
    expect(() => resolveConfig({ runbook: { role: { enabled: true } } })).toThrow(/runbook\.role\.trustedPrincipalArns.*missing: nobody could assume the runbook role\. Fix: list the IAM ARNs/s);
    expect(() => resolveConfig({ runbook: { role: { enabled: true, trustedPrincipalArns: [OPS], maxSessionSeconds: 600 } } })).toThrow(/runbook\.role\.maxSessionSeconds: must be 3600-43200/);
    // Accepted: account root, a role with a path.
    expect(resolveConfig({ runbook: { role: { enabled: true, trustedPrincipalArns: ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/ops/oncall"] } } }).runbook.role.enabled).toBe(true);
  });
});

describe("ReportBucket", () => {
  it("creates each region's run-report bucket: SSE-KMS with the region's key, versioned, public access blocked, TLS only", () => {
    const { stacks } = synthApp({});
    for (const [stack, name] of [["primary", "drweb-prod-use2-dr-reports"], ["secondary", "drweb-prod-usw1-dr-reports"]] as const) {
      const st = stacks[stack];
      const [key] = Object.entries(st.resource!.aws_s3_bucket).find(([, b]: any) => b.bucket === name)!;
      const on = (type: string) => Object.values(st.resource![type]).filter((r: any) => r.bucket === `\${aws_s3_bucket.${key}.id}`) as any[];
      expect(on("aws_s3_bucket_versioning")[0].versioning_configuration.status).toBe("Enabled");
      const sse = on("aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default;
      expect(sse.sse_algorithm).toBe("aws:kms");
      expect(sse.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.RegionKey_[^.]+\.arn\}$/);
      expect(on("aws_s3_bucket_public_access_block")[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      const policy = docOf(st, on("aws_s3_bucket_policy")[0].policy).statement;
      expect(policy).toContainEqual(expect.objectContaining({ sid: "DenyInsecureTransport", effect: "Deny", condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] }));
      expect(on("aws_s3_bucket_lifecycle_configuration")[0].rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
    }
  });

  it("takes runbook.reportBucket.<role> as the bucket's name, and the runbook role writes there", () => {
    const cfg = { ...ROLE, runbook: { ...ROLE.runbook, reportBucket: { secondary: "acme-dr-reports-usw1" } } };
    const { stacks } = synthApp(cfg);
    expect(Object.values(stacks.secondary.resource!.aws_s3_bucket).map((b: any) => b.bucket)).toContain("acme-dr-reports-usw1");
    expect(Object.values(stacks.primary.resource!.aws_s3_bucket).map((b: any) => b.bucket)).toContain("drweb-prod-use2-dr-reports");
    const sts = permissionStatements(stacks["ci-identity"]);
    expect(allows(sts, "s3:PutObject", "arn:aws:s3:::acme-dr-reports-usw1/dr-reports/failover/x.json")).toBe(true);
    expect(allows(sts, "s3:PutObject", "arn:aws:s3:::drweb-prod-usw1-dr-reports/dr-reports/failover/x.json")).toBe(false);
  });

  it("the longest names the config allows fit IAM's 64-character role names and S3's 63-character bucket names", () => {
    const longest = resolveConfig({ project: "p".repeat(21), environment: "e".repeat(21) });
    expect(() => resolveConfig({ project: "p".repeat(22) })).toThrow(/project: must be 2-21 characters/);
    expect(() => resolveConfig({ environment: "e".repeat(22) })).toThrow(/environment: must be 2-21 characters/);
    const code = Math.max(...KNOWN_REGIONS.map((r) => regionCode(r).length));
    expect(reportBucketName(longest, "primary").length - regionCode(longest.regions.primary.region).length + code).toBeLessThanOrEqual(63);
    expect(runbookRoleName(longest).length).toBeLessThanOrEqual(64);
  });
});

describe("the runbook role's policy size", () => {
  it("fits IAM's 10,240 characters of inline policy per role (without whitespace), with long names", () => {
    const st = synthApp({ project: "p".repeat(21), environment: "e".repeat(21), runbook: { role: { enabled: true, trustedPrincipalArns: [OPS] } } }).stacks["ci-identity"];
    const sts = JSON.parse(JSON.stringify(docs(st)[Object.keys(docs(st)).find((k) => k.includes("Permissions"))!].statement).replace(/\$\{[^}]+\}/g, "aws-us-gov-123456789012"));
    const iam = JSON.stringify({ Version: "2012-10-17", Statement: sts.map((s: Statement & { sid?: string }) => ({ Sid: s.sid, Effect: "Allow", Action: s.actions, Resource: s.resources, ...(s.condition ? { Condition: { StringEquals: { "kms:ViaService": s.condition[0].values } } } : {}) })) });
    expect(iam.length).toBeLessThan(10240);
  });
});
