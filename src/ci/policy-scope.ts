/**
 * What both CI roles' policies are built from (permissions.ts: the apply
 * role; plan-permissions.ts: the plan role): the scope a policy is written
 * for, the regions the stacks call, the state's locations and the Aurora
 * mode's endpoints parameters. Pure data.
 */
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { REGION_ROLES, type ValidConfig } from "../config";
import { isAurora } from "../database/aurora-contract";
import { endpointsParameterName } from "../database/endpoints-parameter";

export interface CiPolicyScope {
  readonly config: ValidConfig;
  /** `${data.aws_partition...partition}` of the stack, or a literal. */
  readonly partition: string;
  /** `${data.aws_caller_identity...account_id}`, or a literal. */
  readonly accountId: string;
  /** The ARN of the GitHub OIDC provider (denied to the apply role). */
  readonly oidcProviderArn: string;
}

/** One customer-managed policy: IAM allows 6,144 characters each (without whitespace), 10 per role by default. */
export interface CiPolicy {
  /** Suffix of the policy name: <project>-<environment>-ci-<role>-<suffix>. */
  readonly suffix: string;
  readonly description: string;
  readonly statements: DataAwsIamPolicyDocumentStatement[];
}

/**
 * Regions the stacks call: both of the DR pair, and us-east-1 (dns-alarms'
 * CloudWatch alarms; IAM's and Route 53's global endpoints sign for
 * us-east-1, which aws:RequestedRegion then reads).
 */
export function ciRegions(config: ValidConfig): string[] {
  return [...new Set([...REGION_ROLES.map((r) => config.regions[r].region), "us-east-1"])];
}

/** An IAM policy document condition (the provider's statement shape). */
export const cond = (test: string, variable: string, values: string[]) => ({ test, variable, values });

/**
 * The Aurora mode's database endpoints parameters (src/database/endpoints-parameter.ts): each region's own, named
 * /<regional prefix>/db/endpoints, so outside the /<base>/ path of the other parameters. Scoped to the folder
 * /<regional prefix>/db/* in that region only. None in the RDS mode.
 */
export function endpointsParameterArns(s: Pick<CiPolicyScope, "config" | "partition" | "accountId">): string[] {
  if (!isAurora(s.config)) return [];
  return REGION_ROLES.map((role) => {
    const folder = endpointsParameterName(s.config, role).replace(/\/[^/]+$/, "");
    return `arn:${s.partition}:ssm:${s.config.regions[role].region}:${s.accountId}:parameter${folder}/*`;
  });
}

/** The state objects of this project (bucket/keyPrefix/*), in both state buckets; none with the local backend. */
export function stateLocations(config: ValidConfig): Array<{ bucket: string; prefix: string }> {
  const b = config.backend;
  if (b.type !== "s3") return [];
  return [...new Map([b.primaryBucket, b.secondaryBucket].map((x) => [x.bucket, { bucket: x.bucket, prefix: b.keyPrefix }])).values()];
}

/** The regions of the state buckets (their SSE-KMS keys are used through S3 there); none with the local backend. */
export function stateRegions(config: ValidConfig): string[] {
  const b = config.backend;
  return b.type === "s3" ? [...new Set([b.primaryBucket.region, b.secondaryBucket.region])] : [];
}
