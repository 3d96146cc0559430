/**
 * The runbook's IAM role as code (issue 28 point 2; docs/dr-runbook.md, "The runbook role"): the role operators
 * assume to run `dr` and that `dr readiness` simulates (runbook.roleArn). Its permissions are generated from
 * RUNBOOK_ACTIONS (src/dr/runbook-actions.ts), the one list of the runbook's AWS calls, plus the implicit KMS
 * actions (RUNBOOK_IMPLICIT_ACTIONS); an action without a resource scope below fails the synth.
 *
 * Resource scopes (Service Authorization Reference, "Actions, resources, and condition keys for <service>",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/):
 * - Describe*, List* and Get* reads the services authorize on "*" only (autoscaling:DescribeAutoScalingGroups,
 *   cloudwatch:DescribeAlarms/GetMetricData, elasticloadbalancing:Describe*, rds:Describe*, route53:ListHealthChecks):
 *   "*". The reads that take a resource (ssm:GetParameter(s), route53:GetHealthCheckStatus,
 *   route53:ListTagsForResources) are scoped like the writes.
 * - cloudwatch:PutMetricData has no resource type: "*" (its namespace condition key is not used: the readiness
 *   simulation passes no context, and a condition it cannot see would read as a denial).
 * - autoscaling:UpdateAutoScalingGroup: autoScalingGroup ARNs of the project's fleets (name <project>-<env>-*).
 * - rds writes (promote, modify, tag, snapshot, restore, global switchover/failover): the db, cluster,
 *   global-cluster, snapshot, cluster-snapshot ARNs of the project's names, the parameter and subnet groups a
 *   restore names (<project>-<env>-*), the default option group, and replicated automated backups
 *   (auto-backup:<id>, an id AWS generates).
 * - route53 health checks: healthcheck/<id> (ids AWS generates: every health check of the account).
 * - ssm: the runbook's parameters under /<project>-<env>/dr/ (the lease, the health-check ids: src/dns/contract.ts),
 *   and in the Aurora mode each region's database endpoints parameter in its own region
 *   (arn:<partition>:ssm:<region>:<account>:parameter/<project>-<env>-<region code>/db/endpoints: the restore's move
 *   reads and overwrites it, the failover guard reads it; src/database/endpoints-parameter.ts). SSM parameter ARNs
 *   drop the name's leading slash ("arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}":
 *   Service Authorization Reference, AWS Systems Manager, resource type parameter).
 * - s3:PutObject: dr-reports/* of the two run-report buckets (report-bucket.ts) only.
 * Every regional ARN names the DR pair's two regions (no condition keys: see PutMetricData).
 */
import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { REGION_ROLES, type ValidConfig } from "../config";
import { isAurora } from "../database/aurora-contract";
import { endpointsParameterName } from "../database/endpoints-parameter";
import { projectBase } from "../ci/contract";
import { REPORT_KEY_PREFIX, reportBucketName } from "./report-bucket";
import { RUNBOOK_ACTIONS, RUNBOOK_IMPLICIT_ACTIONS } from "./runbook-actions";

/** `<project>-<environment>-dr-runbook` (IAM role names: at most 64 characters, checked by the config). */
export function runbookRoleName(config: ValidConfig): string {
  return `${projectBase(config)}-dr-runbook`;
}

/** The stack output operators copy into runbook.roleArn. */
export const RUNBOOK_ROLE_OUTPUT = "runbook_role_arn";

type Scope = "any" | "fleets" | "databases" | "healthChecks" | "parameters" | "reports";

/** Every RUNBOOK_ACTIONS entry that is not a "*"-only read: its resource scope. */
const ACTION_SCOPES: Readonly<Record<string, Scope>> = {
  "autoscaling:UpdateAutoScalingGroup": "fleets",
  "cloudwatch:PutMetricData": "any",
  "rds:AddTagsToResource": "databases",
  "rds:CopyDBClusterSnapshot": "databases",
  // dr restore, Aurora mode (aurora-restore-plan.ts): the restored cluster and its instance, named <member>-pitr-<stamp>.
  "rds:CreateDBInstance": "databases",
  "rds:CreateDBSnapshot": "databases",
  "rds:FailoverGlobalCluster": "databases",
  "rds:ModifyDBInstance": "databases",
  "rds:PromoteReadReplica": "databases",
  "rds:RestoreDBClusterToPointInTime": "databases",
  "rds:RestoreDBInstanceToPointInTime": "databases",
  "rds:SwitchoverGlobalCluster": "databases",
  "route53:GetHealthCheckStatus": "healthChecks",
  "route53:ListTagsForResources": "healthChecks",
  "s3:PutObject": "reports",
  "ssm:DeleteParameter": "parameters",
  "ssm:GetParameter": "parameters",
  "ssm:GetParameters": "parameters",
  "ssm:PutParameter": "parameters",
};

/** The scope of one runbook action; throws for an action nobody scoped (a new entry in RUNBOOK_ACTIONS). */
export function scopeOf(action: string): Scope {
  const s = ACTION_SCOPES[action];
  if (s) return s;
  if (/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9]*$/.test(action)) return "any";
  throw new Error(`src/dr/runbook-role.ts: ${action} is in RUNBOOK_ACTIONS but has no resource scope. Fix: add it to ACTION_SCOPES (its resource types: Service Authorization Reference)`);
}

export interface RunbookPolicyScope {
  readonly config: ValidConfig;
  /** Partition expression or literal. */
  readonly partition: string;
  /** Account id expression or literal. */
  readonly accountId: string;
}

/** The runbook role's permission statements: exactly RUNBOOK_ACTIONS (scoped) and RUNBOOK_IMPLICIT_ACTIONS. */
export function runbookPolicyStatements(s: RunbookPolicyScope): DataAwsIamPolicyDocumentStatement[] {
  const { config, partition: p, accountId: a } = s;
  const base = projectBase(config);
  const regions = REGION_ROLES.map((r) => config.regions[r].region);
  const inRegions = (f: (region: string) => string[]) => regions.flatMap(f);
  const resources: Record<Scope, string[]> = {
    any: ["*"],
    fleets: inRegions((r) => [`arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:*:autoScalingGroupName/${base}-*`]),
    databases: [
      ...inRegions((r) => [
        `arn:${p}:rds:${r}:${a}:db:${base}-*`,
        `arn:${p}:rds:${r}:${a}:cluster:${base}-*`,
        `arn:${p}:rds:${r}:${a}:snapshot:${base}-*`,
        `arn:${p}:rds:${r}:${a}:cluster-snapshot:${base}-*`,
        `arn:${p}:rds:${r}:${a}:pg:${base}-*`,
        // RestoreDBClusterToPointInTime names the member's cluster parameter group (resource type cluster-pg).
        `arn:${p}:rds:${r}:${a}:cluster-pg:${base}-*`,
        `arn:${p}:rds:${r}:${a}:subgrp:${base}-*`,
        `arn:${p}:rds:${r}:${a}:og:default:*`,
        `arn:${p}:rds:${r}:${a}:auto-backup:*`,
      ]),
      // Global clusters have no region in their ARN.
      `arn:${p}:rds::${a}:global-cluster:${base}-*`,
    ],
    // Route 53 is global: health-check ARNs have no region or account.
    healthChecks: [`arn:${p}:route53:::healthcheck/*`],
    parameters: [
      ...inRegions((r) => [`arn:${p}:ssm:${r}:${a}:parameter/${base}/dr/*`]),
      // Aurora mode: each region's endpoints parameter, in its own region only (RDS mode: none, the role unchanged).
      ...(isAurora(config) ? REGION_ROLES.map((role) => `arn:${p}:ssm:${config.regions[role].region}:${a}:parameter${endpointsParameterName(config, role)}`) : []),
    ],
    reports: REGION_ROLES.map((r) => `arn:${p}:s3:::${reportBucketName(config, r)}/${REPORT_KEY_PREFIX}*`),
  };
  const byScope = new Map<Scope, string[]>();
  for (const action of RUNBOOK_ACTIONS) byScope.set(scopeOf(action), [...(byScope.get(scopeOf(action)) ?? []), action]);
  const sid: Record<Scope, string> = { any: "ReadAndMetrics", fleets: "ScaleFleets", databases: "Databases", healthChecks: "HealthChecks", parameters: "Parameters", reports: "UploadReports" };
  const statements: DataAwsIamPolicyDocumentStatement[] = [...byScope.entries()].map(([scope, actions]) => ({ sid: sid[scope], effect: "Allow", actions, resources: resources[scope] }));
  for (const via of ["rds", "s3"] as const) {
    const actions = RUNBOOK_IMPLICIT_ACTIONS.filter((x) => x.viaService === via).map((x) => x.action);
    statements.push({
      sid: via === "rds" ? "KeysThroughRds" : "KeysThroughS3",
      effect: "Allow",
      actions,
      resources: inRegions((r) => [`arn:${p}:kms:${r}:${a}:key/*`]),
      condition: [{ test: "StringEquals", variable: "kms:ViaService", values: regions.map((r) => `${via}.${r}.amazonaws.com`) }],
    });
  }
  return statements;
}

/**
 * The trust policy: sts:AssumeRole by the configured principals, with MFA unless turned off
 * (aws:MultiFactorAuthPresent: "Use this key to check whether multi-factor authentication (MFA) was used to
 * validate the temporary security credentials that made the request", IAM User Guide, "AWS global condition
 * context keys"; BoolIfExists is not used, so credentials without the key are refused).
 */
export function runbookTrustStatement(config: ValidConfig): DataAwsIamPolicyDocumentStatement {
  const r = config.runbook.role;
  return {
    sid: "Operators",
    effect: "Allow",
    actions: ["sts:AssumeRole"],
    principals: [{ type: "AWS", identifiers: [...r.trustedPrincipalArns] }],
    ...(r.requireMfa ? { condition: [{ test: "Bool", variable: "aws:MultiFactorAuthPresent", values: ["true"] }] } : {}),
  };
}

export interface RunbookRoleProps {
  /** The validated configuration (runbook.role.enabled, with trustedPrincipalArns). */
  readonly config: ValidConfig;
  /** Partition expression. */
  readonly partition: string;
  /** Account id expression. */
  readonly accountId: string;
}

/** The IAM role `<project>-<environment>-dr-runbook` with the runbook's permissions and nothing else. */
export class RunbookRole extends Construct {
  readonly roleArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: RunbookRoleProps) {
    super(scope, id);
    const { config } = props;
    const name = runbookRoleName(config);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", { statement: [runbookTrustStatement(config)] });
    const role = new IamRole(this, "Role", {
      name,
      description: "dr runbook (docs/dr-runbook.md): failover, failback, restore, status; assumed by operators",
      assumeRolePolicy: trust.json,
      maxSessionDuration: config.runbook.role.maxSessionSeconds,
    });
    const doc = new DataAwsIamPolicyDocument(this, "Permissions", { statement: runbookPolicyStatements({ config, partition: props.partition, accountId: props.accountId }) });
    // Inline: the role's policy lives and dies with it (IAM allows 10,240 characters of inline policy per role).
    new IamRolePolicy(this, "Actions", { name: "runbook-actions", role: role.id, policy: doc.json });
    this.roleArn = role.arn;
    this.roleName = role.name;
  }
}
