/**
 * The Aurora mode's database endpoints parameter as the regional stacks declare it (whole-app synthesis), and the
 * seam with its contract (src/database/endpoints-parameter.ts): the synthesized value, evaluated with stand-ins for
 * the apply-time endpoints (__tests__/helpers/endpoints-value.ts), goes through the REAL parseEndpoints, and the
 * user data's DB_ENDPOINTS_PARAMETER is the name endpointsParameterName gives. What SSM does with it is not run here
 * (no AWS account); the offline plan plans it with the real provider (aurora-restore-recorded).
 */
import { REGION_ROLES } from "../../src/config";
import { applyPolicies, endpointsParameterArns, planPolicies } from "../../src/ci/permissions";
import { regionClusterIdentifier } from "../../src/database/aurora-contract";
import { ENDPOINTS_PARAMETER_ENV, endpointsParameterName, parseEndpoints } from "../../src/database/endpoints-parameter";
import { endpointsValueLiteral, STAND_IN_PORT } from "../helpers/endpoints-value";
import { resourceList, resources, synthApp, userDataEnv, webLaunchTemplate, type StackJson } from "../helpers/synth";

const AURORA = { database: { engine: "aurora-postgresql" } };
const RESTORED_ID = "drweb-prod-use2-db-g1-cluster-pitr-20260101t1200";
const RESTORED = {
  region: "primary",
  identifier: RESTORED_ID,
  writerEndpoint: `${RESTORED_ID}.cluster-c0ffee123abc.us-east-2.rds.amazonaws.com`,
  readerEndpoint: `${RESTORED_ID}.cluster-ro-c0ffee123abc.us-east-2.rds.amazonaws.com`,
};
const AURORA_RESTORED = { database: { engine: "aurora-postgresql", restoredCluster: RESTORED } };

const params = (st: StackJson) => resourceList(st, "aws_ssm_parameter").filter((p) => typeof p.name === "string" && p.name.endsWith("/db/endpoints"));
/** The address (type.name) of the stack's endpoints parameter. */
const paramAddress = (st: StackJson) => `aws_ssm_parameter.${Object.entries(resources(st, "aws_ssm_parameter")).find(([, p]) => (p as any).name.endsWith("/db/endpoints"))![0]}`;
/** The statements of the web instance role's inline policy. */
function webRoleStatements(st: StackJson): any[] {
  const role = Object.entries(resources(st, "aws_iam_role")).find(([, r]) => typeof (r as any).name === "string" && (r as any).name.endsWith("-web"))!;
  const policies = resourceList(st, "aws_iam_role_policy").filter((p) => String(p.role).includes(`aws_iam_role.${role[0]}.`));
  return policies.flatMap((p) => st.data!.aws_iam_policy_document[/data\.aws_iam_policy_document\.([^.]+)\.json/.exec(p.policy)![1]].statement);
}

describe("the database endpoints parameter (Aurora mode)", () => {
  it.each(REGION_ROLES)("the %s stack creates one, named for its region, a Standard String with a description, naming its member cluster's endpoints", (role) => {
    const app = synthApp(AURORA);
    const st = app.stacks[role];
    const region = app.config.regions[role].region;
    const ps = params(st);
    expect(ps).toHaveLength(1);
    const p = ps[0];
    expect(p).toMatchObject({ name: endpointsParameterName(app.config, role), type: "String", tier: "Standard" });
    expect(p.name).toBe(role === "primary" ? "/drweb-prod-use2/db/endpoints" : "/drweb-prod-usw1/db/endpoints");
    expect(p.description).toMatch(/member cluster, or the restored cluster/);
    expect(p.provider).toBeUndefined(); // the stack's own region
    const cluster = regionClusterIdentifier(app.config, role);
    expect(parseEndpoints(endpointsValueLiteral(st, p.value, region))).toEqual({
      cluster,
      writer: `${cluster}.cluster-c9akciq32lzp.${region}.rds.amazonaws.com`,
      reader: `${cluster}.cluster-ro-c9akciq32lzp.${region}.rds.amazonaws.com`,
      port: STAND_IN_PORT,
    });
    // The writer is derived from the reader endpoint, never the provider's `endpoint` (empty on a secondary member).
    expect(p.value).not.toMatch(/\.endpoint\b/);
  });

  it.each(REGION_ROLES)("gives the %s fleet the parameter's name (the seam: endpointsParameterName), keeps DB_WRITER_HOST / DB_READER_HOST, and boots it after the parameter exists", (role) => {
    const app = synthApp(AURORA);
    const st = app.stacks[role];
    const env = userDataEnv(st);
    expect(env[ENDPOINTS_PARAMETER_ENV]).toBe(endpointsParameterName(app.config, role));
    expect(env.DB_WRITER_HOST).toMatch(/^replace\(aws_rds_cluster\./);
    expect(env.DB_READER_HOST).toMatch(/^aws_rds_cluster\.[A-Za-z0-9_]+\.reader_endpoint$/);
    const asg = resourceList(st, "aws_autoscaling_group").find((g) => String(g.name).endsWith("-web"))!;
    expect(asg.depends_on).toEqual([paramAddress(st)]);
  });

  it.each(REGION_ROLES)("lets the %s instances read exactly that parameter (GetParameter on its ARN, no wildcard) and change none", (role) => {
    const st = synthApp(AURORA).stacks[role];
    const ssm = webRoleStatements(st).filter((s) => s.actions.some((a: string) => a.startsWith("ssm:")));
    const name = String(params(st)[0].name).slice(1);
    const region = synthApp(AURORA).config.regions[role].region;
    // The ARN built from the name (not the resource's arn: the policy would then wait for every update of the parameter).
    expect(ssm).toEqual([{ sid: "ReadDbEndpoints", actions: ["ssm:GetParameter"], resources: [`arn:\${data.aws_partition.Partition.partition}:ssm:${region}:\${data.aws_caller_identity.Account.account_id}:parameter/${name}`] }]);
  });

  it("is not in the RDS mode (no parameter, no variable, no SSM statement, no wait)", () => {
    const app = synthApp();
    for (const role of REGION_ROLES) {
      const st = app.stacks[role];
      expect(params(st)).toEqual([]);
      expect(userDataEnv(st)[ENDPOINTS_PARAMETER_ENV]).toBeUndefined();
      expect(webRoleStatements(st).filter((s) => s.actions.some((a: string) => a.startsWith("ssm:")))).toEqual([]);
      expect(resourceList(st, "aws_autoscaling_group").every((g) => g.depends_on === undefined)).toBe(true);
    }
  });
});

describe("database.restoredCluster recorded (after a dr restore moved the app)", () => {
  it("names the restored cluster's endpoints in its region's parameter (the seam: the value parseEndpoints reads), with the member's port", () => {
    const app = synthApp(AURORA_RESTORED);
    const st = app.stacks.primary;
    const p = params(st)[0];
    expect(p.name).toBe("/drweb-prod-use2/db/endpoints");
    expect(parseEndpoints(endpointsValueLiteral(st, p.value, "us-east-2"))).toEqual({ cluster: RESTORED_ID, writer: RESTORED.writerEndpoint, reader: RESTORED.readerEndpoint, port: STAND_IN_PORT });
    // The user data still names the parameter, found by the contract's function.
    expect(userDataEnv(st)[ENDPOINTS_PARAMETER_ENV]).toBe(endpointsParameterName(app.config, "primary"));
  });

  it("leaves the other region's parameter on its member cluster", () => {
    const a = synthApp(AURORA).stacks.secondary;
    const b = synthApp(AURORA_RESTORED).stacks.secondary;
    expect(params(b)).toEqual(params(a));
  });

  it("changes nothing in either region but that parameter's value (the launch template, the ASG and the clusters stay byte-equal)", () => {
    const a = synthApp(AURORA).stacks;
    const b = synthApp(AURORA_RESTORED).stacks;
    for (const role of REGION_ROLES) {
      expect(webLaunchTemplate(b[role])).toEqual(webLaunchTemplate(a[role]));
      for (const type of ["aws_autoscaling_group", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_rds_global_cluster", "aws_iam_role_policy"]) expect(resources(b[role], type), `${role} ${type}`).toEqual(resources(a[role], type));
    }
    const strip = (st: StackJson) => {
      const copy = JSON.parse(JSON.stringify(st));
      for (const p of Object.values(copy.resource.aws_ssm_parameter) as any[]) if (p.name.endsWith("/db/endpoints")) delete p.value;
      return copy;
    };
    expect(strip(b.primary)).toEqual(strip(a.primary));
  });
});

describe("CI permissions for the endpoints parameters", () => {
  const scope = (config: any) => ({ config, partition: "aws", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" });
  const CI = { ci: { enabled: true, githubRepository: "acme/drweb" } };

  it("let the apply role create, update, tag and delete each region's parameter in its own folder only, and the plan role read it (Aurora mode)", () => {
    const app = synthApp({ ...CI, ...AURORA });
    const apply = applyPolicies(scope(app.config)).flatMap((p) => p.statements);
    const writes = apply.filter((s) => s.effect !== "Deny" && (s.resources ?? []).some((r) => r.includes("/db/")) && !(s.actions ?? []).every((a) => a.startsWith("ssm:Get")));
    expect(writes).toEqual([
      {
        sid: "DbEndpointsParameters",
        actions: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
        resources: ["arn:aws:ssm:us-east-2:123456789012:parameter/drweb-prod-use2/db/*", "arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod-usw1/db/*"],
      },
    ]);
    // Every endpoints parameter the stacks declare is inside those folders, in its own region.
    for (const role of REGION_ROLES) {
      const name = params(app.stacks[role])[0].name as string;
      const arn = `arn:aws:ssm:${app.config.regions[role].region}:123456789012:parameter${name}`;
      expect(writes[0].resources!.some((r) => arn.startsWith(r.slice(0, -1)))).toBe(true);
    }
    const read = planPolicies(scope(app.config)).flatMap((p) => p.statements).find((s) => s.sid === "ReadParameters")!;
    expect(read.resources).toEqual(expect.arrayContaining(endpointsParameterArns(scope(app.config))));
  });

  it("add nothing in the RDS mode", () => {
    const app = synthApp(CI);
    expect(endpointsParameterArns(scope(app.config))).toEqual([]);
    expect(applyPolicies(scope(app.config)).flatMap((p) => p.statements).some((s) => s.sid === "DbEndpointsParameters")).toBe(false);
  });
});
