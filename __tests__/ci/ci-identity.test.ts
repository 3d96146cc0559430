/**
 * The ci-identity stack (src/ci/, stacks/ci-identity-stack.ts), from whole-app
 * synthesis. What IAM and STS do with it (GitHub's token, the conditions'
 * evaluation) is not run here: no AWS account; the offline plan
 * (`npm run plan:offline -- --only ci/ci-identity`) plans it with the real provider.
 */
import { REGION_ROLES } from "../../src/config";
import { applyEnvironment, CI_OUTPUTS, GITHUB_OIDC_HOST } from "../../src/ci/contract";
import { applyPolicies, planPolicies, planSecretArns, RESOURCE_SERVICE, STACK_MANAGED_POLICIES } from "../../src/ci/permissions";
import { GLOBAL_STACK_NAMES, stacksReaching } from "../../stacks/app";
import { synthApp, type StackJson } from "../helpers/synth";

const REPO = "acme/drweb";
const CI = { ci: { enabled: true, githubRepository: REPO } };
const S3 = { backend: { type: "s3", primaryBucket: { bucket: "acme-tf-use2", region: "us-east-2" }, secondaryBucket: { bucket: "acme-tf-usw1", region: "us-west-1" } } };

const docs = (st: StackJson) => st.data?.aws_iam_policy_document ?? {};
const docOf = (st: StackJson, ref: string) => docs(st)[/data\.aws_iam_policy_document\.([^.]+)\.json/.exec(ref)![1]];
const roleOf = (st: StackJson, kind: string) => Object.values(st.resource!.aws_iam_role).find((r: any) => r.tags?.["ci-role"] === kind) as any;
const trustOf = (st: StackJson, kind: string) => docOf(st, roleOf(st, kind).assume_role_policy).statement[0];
const cond = (s: any, variable: string) => s.condition.find((c: any) => c.variable === variable);

describe("CiIdentityStack", () => {
  it("is not built with the default config (ci.enabled false)", () => {
    const { stacks } = synthApp({});
    expect(Object.keys(stacks)).not.toContain(GLOBAL_STACK_NAMES.ciIdentity);
  });

  it("creates the stack named ci-identity with its only provider in the secondary region and its state in the secondary's bucket", () => {
    const { stacks, drApp } = synthApp({ ...CI, ...S3 });
    const st = stacks["ci-identity"];
    expect(st.provider!.aws.map((p: any) => p.region)).toEqual(["us-west-1"]);
    expect(st.terraform.backend.s3).toMatchObject({ bucket: "acme-tf-usw1", region: "us-west-1", key: "drweb/prod/ci-identity.tfstate", encrypt: true, use_lockfile: true });
    // Nothing of it reaches the primary region (or us-east-1).
    expect(stacksReaching(drApp.ciIdentity!.node.root, "us-east-2")).not.toContain("ci-identity");
    expect(stacksReaching(drApp.ciIdentity!.node.root, "us-east-1")).not.toContain("ci-identity");
  });

  it("creates GitHub's OIDC provider with the sts.amazonaws.com audience and no thumbprint", () => {
    const st = synthApp(CI).stacks["ci-identity"];
    const providers = Object.values(st.resource!.aws_iam_openid_connect_provider);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(providers[0]).not.toHaveProperty("thumbprint_list");
  });

  it("looks the provider up by URL instead when ci.createOidcProvider is false", () => {
    const st = synthApp({ ci: { ...CI.ci, createOidcProvider: false } }).stacks["ci-identity"];
    expect(st.resource!.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.values(st.data!.aws_iam_openid_connect_provider)).toEqual([expect.objectContaining({ url: "https://token.actions.githubusercontent.com" })]);
    expect(JSON.stringify(trustOf(st, "plan").principals)).toContain("data.aws_iam_openid_connect_provider.");
  });

  it("outputs plan_role_arn, apply_role_arn and oidc_provider_arn", () => {
    const st = synthApp(CI).stacks["ci-identity"];
    expect(Object.keys(st.output!).sort()).toEqual(Object.values(CI_OUTPUTS).sort());
    expect(String(st.output!.plan_role_arn.value)).toBe(`\${aws_iam_role.${Object.entries(st.resource!.aws_iam_role).find(([, r]: any) => r.tags["ci-role"] === "plan")![0]}.arn}`);
  });

  it("lets the plan role be assumed by the repository's pull requests and its main branch, with StringEquals on aud and sub", () => {
    const st = synthApp(CI).stacks["ci-identity"];
    const t = trustOf(st, "plan");
    expect(t.actions).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(cond(t, `${GITHUB_OIDC_HOST}:aud`)).toEqual({ test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:aud`, values: ["sts.amazonaws.com"] });
    expect(cond(t, `${GITHUB_OIDC_HOST}:sub`)).toEqual({ test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:sub`, values: ["repo:acme/drweb:pull_request", "repo:acme/drweb:ref:refs/heads/main"] });
  });

  it("trusts ci.planEnvironment instead of every pull request when it is set", () => {
    const st = synthApp({ ci: { ...CI.ci, planEnvironment: "plan" } }).stacks["ci-identity"];
    expect(cond(trustOf(st, "plan"), `${GITHUB_OIDC_HOST}:sub`).values).toEqual(["repo:acme/drweb:environment:plan", "repo:acme/drweb:ref:refs/heads/main"]);
  });

  it("lets the apply role be assumed only from the apply-<stack> environment of every other stack of the app", () => {
    for (const overrides of [CI, { ...CI, dns: { createZone: true } }, { ...CI, dns: { enabled: false } }]) {
      const { stacks } = synthApp(overrides);
      const others = Object.keys(stacks).filter((s) => s !== "ci-identity");
      const sub = cond(trustOf(stacks["ci-identity"], "apply"), `${GITHUB_OIDC_HOST}:sub`);
      expect(sub.test).toBe("StringEquals");
      expect([...sub.values].sort()).toEqual(others.map((s) => `repo:acme/drweb:environment:${applyEnvironment(s)}`).sort());
    }
  });

  it("gives the apply role sessions of ci.applyMaxSessionSeconds (4 h by default) and the plan role 1 h", () => {
    const st = synthApp(CI).stacks["ci-identity"];
    expect(roleOf(st, "apply").max_session_duration).toBe(14400);
    expect(roleOf(st, "plan").max_session_duration).toBe(3600);
  });

  it("passes every policy rule, the CI rules finding both roles and every policy", () => {
    const { drApp } = synthApp({ ...CI, ...S3 });
    const f = drApp.policy.findings().filter((x) => x.stack === "ci-identity");
    expect(f.filter((x) => x.status === "non-compliant")).toEqual([]);
    expect(f.filter((x) => x.ruleId === "ci-oidc-trust" && x.status === "compliant")).toHaveLength(2);
    expect(f.filter((x) => x.ruleId === "ci-role-scoped" && x.status === "compliant")).toHaveLength(planPolicies(scope()).length + applyPolicies(scope()).length);
  });

  it("denies the apply role every IAM action on the CI roles, their policies and the OIDC provider", () => {
    const st = synthApp(CI).stacks["ci-identity"];
    const deny = Object.values(docs(st)).flatMap((d: any) => d.statement).find((s: any) => s.effect === "Deny");
    expect(deny.actions).toEqual(["iam:*"]);
    expect(deny.resources.join(" ")).toMatch(/:role\/drweb-prod-ci-\*.*:policy\/drweb-prod-ci-\*.*aws_iam_openid_connect_provider/);
    // and the names the apply role may manage do include the CI roles' prefix: the Deny is what keeps them out
    expect(roleOf(st, "apply").name).toBe("drweb-prod-ci-apply");
  });
});

function scope() {
  return { config: synthApp({ ...CI, ...S3 }).config, partition: "aws", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" };
}

/** A policy document as IAM stores it (what its 6,144-character quota counts, without whitespace). */
function iamJson(statements: any[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? "Allow",
      Action: s.actions,
      Resource: s.resources,
      ...(s.condition?.length ? { Condition: Object.fromEntries(s.condition.map((c: any) => [c.test, { [c.variable]: c.values }])) } : {}),
    })),
  });
}

describe("CI permissions", () => {
  it("fit IAM's 6,144-character limit of a managed policy, each of them, in every mode", () => {
    for (const extra of [{}, { dns: { createZone: true } }, { database: { engine: "aurora-postgresql" } }]) {
      const config = synthApp({ ...CI, ...S3, ...extra }).config;
      const s = { config, partition: "aws", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" };
      for (const p of [...planPolicies(s), ...applyPolicies(s)]) expect(iamJson(p.statements).length, p.suffix).toBeLessThan(6144);
      // 10 managed policies per role (IAM quota, default).
      expect(applyPolicies(s).length).toBeLessThanOrEqual(10);
    }
  });

  it("cover every resource type the stacks declare, in every mode, with a service the apply role may act on", () => {
    const applyServices = new Set(applyPolicies(scope()).flatMap((p) => p.statements).filter((s) => s.effect !== "Deny").flatMap((s) => s.actions ?? []).map((a) => a.split(":")[0]));
    for (const extra of [{}, { dns: { createZone: true } }, { database: { engine: "aurora-postgresql" } }, { database: { drState: "failedOver" }, dns: { forceFailover: true } }]) {
      const { stacks } = synthApp({ ...CI, ...extra });
      for (const [name, st] of Object.entries(stacks)) {
        if (name === "ci-identity") continue;
        for (const type of Object.keys(st.resource ?? {}).filter((t) => t.startsWith("aws_"))) {
          expect(RESOURCE_SERVICE[type], `${name}: ${type} has no service in src/ci/permissions.ts RESOURCE_SERVICE`).toBeDefined();
          expect(applyServices.has(RESOURCE_SERVICE[type]), `${type}: the apply role has no ${RESOURCE_SERVICE[type]} action`).toBe(true);
        }
      }
    }
  });

  it("let the apply role put and delete the vaults' lock and access policy on the project's vaults only, and the plan role read both (backups.vaultLock)", () => {
    const sts = applyPolicies(scope()).flatMap((p) => p.statements).filter((s) => s.effect !== "Deny");
    for (const action of ["backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy"]) {
      const grants = sts.filter((s) => (s.actions ?? []).includes(action));
      expect(grants.length, action).toBe(1);
      expect(grants[0].resources, action).toEqual(["arn:aws:backup:*:123456789012:backup-vault:drweb-prod-*"]);
    }
    const read = planPolicies(scope()).flatMap((p) => p.statements).flatMap((s) => s.actions ?? []);
    expect(read).toEqual(expect.arrayContaining(["backup:DescribeBackupVault", "backup:GetBackupVaultAccessPolicy"]));
  });

  it("let the apply role attach exactly the AWS managed policies the stacks attach", () => {
    const { stacks } = synthApp({ ...CI, database: { engine: "aurora-postgresql" } });
    const attached = new Set(
      Object.entries(stacks).filter(([n]) => n !== "ci-identity").flatMap(([, st]) => Object.values(st.resource?.aws_iam_role_policy_attachment ?? {}).map((a: any) => String(a.policy_arn).replace(/^.*:policy\//, ""))),
    );
    expect([...attached].sort()).toEqual([...STACK_MANAGED_POLICIES].sort());
  });

  it("let the plan role read the value of exactly the secrets the stacks read back during a plan", () => {
    const { stacks, config } = synthApp(CI);
    // Each stack with an ephemeral secret version reads its own secrets; the
    // database secret is replicated under the same name in the other region.
    const read = Object.values(stacks).flatMap((st: any) => (st.ephemeral?.aws_secretsmanager_secret_version ? Object.values(st.resource?.aws_secretsmanager_secret ?? {}).map((x: any) => x.name) : []));
    expect(read.length).toBeGreaterThan(0);
    const arns = planSecretArns({ config, partition: "aws", accountId: "123456789012" });
    for (const name of read) expect(arns.some((a) => a.endsWith(`:secret:${name}-??????`)), name).toBe(true);
    for (const role of REGION_ROLES) expect(arns).toContain(`arn:aws:secretsmanager:${config.regions[role].region}:123456789012:secret:drweb-prod/db/master-??????`);
    expect(arns.every((a) => !a.includes("*"))).toBe(true);
  });

  it("let the plan role read the objects a refresh reads (the regional stacks' boot artefacts) and no other bucket's", () => {
    const { stacks, config } = synthApp(CI);
    const statements = planPolicies({ ...scope(), config }).flatMap((p) => p.statements);
    const objectReads = statements.filter((s) => (s.actions ?? []).includes("s3:GetObject"));
    expect(objectReads.flatMap((s) => s.resources)).toEqual(["arn:aws:s3:::drweb-prod-use2-artifacts-123456789012/*", "arn:aws:s3:::drweb-prod-usw1-artifacts-123456789012/*"]);
    // Every aws_s3_object of the app is in one of those buckets.
    for (const role of REGION_ROLES) {
      const st = stacks[role];
      for (const o of Object.values(st.resource?.aws_s3_object ?? {}) as any[]) {
        const bucket = st.resource!.aws_s3_bucket[/aws_s3_bucket\.([^.]+)\./.exec(o.bucket)![1]].bucket;
        expect(bucket).toBe(`drweb-prod-${role === "primary" ? "use2" : "usw1"}-artifacts-\${data.aws_caller_identity.Account.account_id}`);
      }
    }
  });

  it("give the plan role the state read and only the lock object's write, with an S3 backend", () => {
    const config = synthApp({ ...CI, ...S3 }).config;
    const st = planPolicies({ ...scope(), config }).flatMap((p) => p.statements);
    const writes = st.filter((s) => (s.actions ?? []).some((a) => /^s3:(Put|Delete)/.test(a)));
    expect(writes.flatMap((s) => s.resources)).toEqual(["arn:aws:s3:::acme-tf-use2/drweb/prod/*.tflock", "arn:aws:s3:::acme-tf-usw1/drweb/prod/*.tflock"]);
    expect(st.find((s) => s.sid === "ReadState")!.resources).toEqual(["arn:aws:s3:::acme-tf-use2/drweb/prod/*", "arn:aws:s3:::acme-tf-usw1/drweb/prod/*"]);
  });
});

describe("CI permissions and the runbook's resources (src/dr/runbook-role.ts, src/dr/report-bucket.ts)", () => {
  const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);
  const matches = (s: any, action: string, resource: string) => s.actions.some((a: string) => glob(a.toLowerCase(), action.toLowerCase())) && s.resources.some((r: string) => glob(r, resource));
  const decide = (statements: any[], action: string, resource: string) =>
    statements.some((s) => s.effect === "Deny" && matches(s, action, resource)) ? "denied" : statements.some((s) => s.effect !== "Deny" && matches(s, action, resource)) ? "allowed" : "implicit";
  const applyStatements = (overrides: object = {}) => {
    const config = synthApp({ ...CI, ...overrides }).config;
    return applyPolicies({ config, partition: "aws", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }).flatMap((p) => p.statements);
  };

  it("denies the apply role every IAM action on the runbook role (hand-applied with the CI identity), which its project-role allow would otherwise reach", () => {
    const runbookRole = "arn:aws:iam::123456789012:role/drweb-prod-dr-runbook";
    const sts = applyStatements();
    for (const a of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole"]) expect(decide(sts, a, runbookRole), a).toBe("denied");
    expect(decide(sts.filter((s) => s.effect !== "Deny"), "iam:UpdateAssumeRolePolicy", runbookRole)).toBe("allowed");
    // The stacks' own roles stay the apply role's.
    expect(decide(sts, "iam:PutRolePolicy", "arn:aws:iam::123456789012:role/drweb-prod-use2-web")).toBe("allowed");
  });

  it("lets the apply role create and configure the run-report buckets, by the derived names and by runbook.reportBucket's", () => {
    for (const [overrides, name] of [[{}, "drweb-prod-usw1-dr-reports"], [{ runbook: { reportBucket: { secondary: "acme-dr-reports-usw1" } } }, "acme-dr-reports-usw1"]] as const) {
      const sts = applyStatements(overrides);
      for (const a of ["s3:CreateBucket", "s3:PutBucketVersioning", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketOwnershipControls"]) {
        expect(decide(sts, a, `arn:aws:s3:::${name}`), `${a} ${name}`).toBe("allowed");
      }
      expect(decide(sts, "s3:CreateBucket", "arn:aws:s3:::someone-elses-bucket")).toBe("implicit");
    }
  });
});
