/**
 * The AWS actions the `dr` runbook sends (failover, failback, restore, status), in ONE place: the readiness check
 * simulates them against the runbook's role (iam:SimulatePrincipalPolicy, readiness.ts), the docs' permission list
 * (docs/dr-runbook.md, "readiness", between the runbook-actions markers) must equal it, and a test
 * (__tests__/dr/runbook-actions.test.ts) checks that every SDK Command class the AWS adapter's code sends
 * (src/dr/aws-*.ts but aws-readiness.ts) is in it.
 *
 * IAM action names are the API operation names with the service prefix (Service Authorization Reference: "Actions
 * defined by Amazon RDS" rds:PromoteReadReplica, ...; Auto Scaling "autoscaling:", Elastic Load Balancing v2
 * "elasticloadbalancing:", CloudWatch "cloudwatch:", Route 53 "route53:", Systems Manager "ssm:").
 */

/** SDK v3 client package -> IAM service prefix. */
export const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  "@aws-sdk/client-auto-scaling": "autoscaling",
  "@aws-sdk/client-cloudwatch": "cloudwatch",
  "@aws-sdk/client-elastic-load-balancing-v2": "elasticloadbalancing",
  "@aws-sdk/client-rds": "rds",
  "@aws-sdk/client-route-53": "route53",
  "@aws-sdk/client-ssm": "ssm",
  "@aws-sdk/client-ec2": "ec2",
  "@aws-sdk/client-iam": "iam",
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-secrets-manager": "secretsmanager",
};

/**
 * Operations whose IAM action is not named after them: HeadBucket is authorized by s3:ListBucket (S3 API Reference,
 * HeadBucket: "To use this operation, you must have permissions to perform the s3:ListBucket action"; the Service Authorization Reference has no
 * s3:HeadBucket action).
 */
const ACTION_OVERRIDES: Readonly<Record<string, string>> = { "@aws-sdk/client-s3 HeadBucketCommand": "s3:ListBucket" };

/** The IAM action of an SDK Command class of a client package (DescribeDBInstancesCommand -> rds:DescribeDBInstances). */
export function actionOf(pkg: string, commandClass: string): string {
  const override = ACTION_OVERRIDES[`${pkg} ${commandClass}`];
  if (override) return override;
  const prefix = SERVICE_PREFIX[pkg];
  if (!prefix) throw new Error(`no IAM service prefix for ${pkg}: add it to SERVICE_PREFIX in src/dr/runbook-actions.ts`);
  return `${prefix}:${commandClass.replace(/Command$/, "")}`;
}

/** Every action the runbook's AWS adapter sends (aws-platform.ts, aws-restore.ts), sorted. */
export const RUNBOOK_ACTIONS: readonly string[] = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:UpdateAutoScalingGroup",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:GetMetricData",
  "cloudwatch:PutMetricData",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "rds:AddTagsToResource",
  "rds:CopyDBClusterSnapshot",
  "rds:CreateDBInstance",
  "rds:CreateDBSnapshot",
  "rds:DescribeDBClusterSnapshots",
  "rds:DescribeDBClusters",
  "rds:DescribeDBInstanceAutomatedBackups",
  "rds:DescribeDBInstances",
  "rds:DescribeDBSnapshots",
  "rds:DescribeGlobalClusters",
  "rds:FailoverGlobalCluster",
  "rds:ModifyDBInstance",
  "rds:PromoteReadReplica",
  "rds:RestoreDBClusterToPointInTime",
  "rds:RestoreDBInstanceToPointInTime",
  "rds:SwitchoverGlobalCluster",
  "route53:GetHealthCheckStatus",
  "route53:ListHealthChecks",
  "route53:ListTagsForResources",
  // The run report's upload (runbook.reportBucket; run-report.ts): never gates a step.
  "s3:PutObject",
  "ssm:DeleteParameter",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:PutParameter",
];

/**
 * What the readiness check itself sends beyond the runbook's reads (aws-readiness.ts): the launch template and
 * AMI of the standby fleet, and the simulation of the runbook's role. Not the runbook's: its role need not have them.
 */
export const READINESS_ACTIONS: readonly string[] = [
  "ec2:DescribeImages",
  "ec2:DescribeLaunchTemplateVersions",
  "iam:SimulatePrincipalPolicy",
  // HeadBucket is authorized by s3:ListBucket (ACTION_OVERRIDES).
  "s3:GetBucketVersioning",
  "s3:ListBucket",
  "secretsmanager:DescribeSecret",
];

/**
 * Actions the runbook needs that no SDK call of it names: AWS services call them with the caller's credentials.
 * Not in RUNBOOK_ACTIONS (the adapter never sends them, and the readiness simulation passes no kms:ViaService
 * context); the runbook role (runbook-role.ts) allows them through the named service only.
 * - kms:CreateGrant, kms:DescribeKey through RDS: RestoreDBInstanceToPointInTime, CreateDBSnapshot and
 *   CopyDBClusterSnapshot create RDS resources encrypted with the region's customer-managed key; "To create an RDS
 *   resource using a customer managed key, a user must have permissions to call the following operations on the
 *   customer managed key: kms:CreateGrant, kms:DescribeKey", with the tip to limit CreateGrant by kms:ViaService
 *   (RDS User Guide, "AWS KMS key management", Authorizing use of a customer managed key).
 * - kms:GenerateDataKey through S3: the report upload (s3:PutObject) into a bucket encrypted with SSE-KMS
 *   ("To upload an object encrypted with an AWS KMS key to Amazon S3, you need kms:GenerateDataKey": S3 User Guide,
 *   "Using server-side encryption with AWS KMS keys (SSE-KMS)", Permissions).
 */
export const RUNBOOK_IMPLICIT_ACTIONS: readonly { readonly action: string; readonly viaService: "rds" | "s3" }[] = [
  { action: "kms:CreateGrant", viaService: "rds" },
  { action: "kms:DescribeKey", viaService: "rds" },
  { action: "kms:GenerateDataKey", viaService: "s3" },
];
