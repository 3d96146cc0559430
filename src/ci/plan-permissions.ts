/**
 * What the CI plan role may do (docs/ci-identity.md "CI identity"): read the
 * configuration of the project's resources (never their data), the state and
 * its lock, the secrets a plan opens, and publish the restorable-window
 * metrics. Pure data like permissions.ts (the apply role, which reuses
 * readMetadata, readParameters and planSecrets from here; the scope both are
 * written for: policy-scope.ts); the ci-identity stack turns each group into
 * one policy. Sources as in permissions.ts.
 */
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { REGION_ROLES } from "../config";
import { Naming } from "../lib/naming";
import { BACKUP_METRIC } from "../monitoring/backup-metric";
import { projectBase } from "./contract";
import { ciRegions, cond, endpointsParameterArns, stateLocations, stateRegions, type CiPolicy, type CiPolicyScope } from "./policy-scope";

/** Metadata reads a refresh needs (Describe/List and the Get calls of configuration, never of data). Most take no resource ARN: "*". */
export function readMetadata(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "ReadConfiguration",
    actions: [
      "acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate", "acm:GetCertificate",
      "autoscaling:Describe*",
      "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
      "ec2:Describe*", "ec2:GetLaunchTemplateData", "ec2:GetManagedPrefixListEntries", "ec2:GetSecurityGroupsForVpc",
      "eks:Describe*", "eks:List*",
      "elasticloadbalancing:Describe*",
      "iam:GetRole", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetInstanceProfile", "iam:GetOpenIDConnectProvider",
      "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListPolicyVersions", "iam:ListRoleTags", "iam:ListPolicyTags", "iam:ListOpenIDConnectProviderTags",
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags",
      "logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
      "rds:Describe*", "rds:ListTagsForResource",
      "backup:DescribeBackupVault", "backup:GetBackupPlan", "backup:GetBackupSelection", "backup:ListTags", "backup:GetBackupVaultAccessPolicy",
      "route53:GetHostedZone", "route53:ListHostedZones", "route53:ListHostedZonesByName", "route53:ListResourceRecordSets", "route53:GetHealthCheck", "route53:ListHealthChecks", "route53:ListTagsForResource", "route53:GetChange",
      "s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration", "s3:ListAllMyBuckets",
      "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets",
      "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic",
      "ssm:DescribeParameters", "ssm:ListTagsForResource",
      // The readiness checker (src/dr/readiness-checker.ts): what the provider reads of a function and a schedule.
      "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionConcurrency", "lambda:ListVersionsByFunction", "lambda:ListTags", "lambda:GetPolicy", "lambda:GetRuntimeManagementConfig",
      "scheduler:GetSchedule", "scheduler:ListTagsForResource",
    ],
    resources: ["*"],
    condition: [cond("StringEquals", "aws:RequestedRegion", ciRegions(s.config))],
  };
}

/** SSM parameters: the stacks' handoff values (/<base>/...), the database endpoints parameters (Aurora mode) and AWS's public ones (the AMI). */
export function readParameters(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement {
  const base = projectBase(s.config);
  return {
    sid: "ReadParameters",
    actions: ["ssm:GetParameter", "ssm:GetParameters"],
    // A refresh of aws_ssm_parameter reads its value with GetParameter (hashicorp/aws internal/service/ssm/parameter.go
    // resourceParameterRead, findParameterByName) and its metadata with DescribeParameters (readMetadata).
    resources: [`arn:${s.partition}:ssm:*:${s.accountId}:parameter/${base}/*`, ...endpointsParameterArns(s), `arn:${s.partition}:ssm:*::parameter/aws/service/*`],
    condition: [cond("StringEquals", "aws:RequestedRegion", ciRegions(s.config))],
  };
}

/**
 * The boot artefacts the regional stacks upload (aws_s3_object in
 * <regional>-artifacts-<account>, src/web/web-tier.ts): a refresh reads each
 * object's metadata with HeadObject (s3:GetObject) and its tags
 * (s3:GetObjectTagging). The app's code and wheels: no secret in them.
 */
function readArtifacts(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "ReadBootArtefacts",
    actions: ["s3:GetObject", "s3:GetObjectTagging"],
    resources: REGION_ROLES.map((r) => `arn:${s.partition}:s3:::${new Naming(s.config.project, s.config.environment, s.config.regions[r].region).regional}-artifacts-${s.accountId}/*`),
  };
}

/**
 * Reading the state, and the lock the plan takes: `terraform plan` locks
 * the state by default (-lock=true), and with use_lockfile the lock is the
 * object <key>.tflock, written and deleted beside the state (Terraform S3
 * backend: "use_lockfile"; the lock file needs s3:PutObject and
 * s3:DeleteObject on it). The plan keeps the lock so it never reads a state
 * an apply is writing; it may write nothing else.
 */
function planState(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement[] {
  const locs = stateLocations(s.config);
  if (!locs.length) return [];
  return [
    { sid: "ListState", actions: ["s3:ListBucket"], resources: locs.map((l) => `arn:${s.partition}:s3:::${l.bucket}`), condition: [cond("StringLike", "s3:prefix", [...new Set(locs.map((l) => `${l.prefix}/*`))])] },
    { sid: "ReadState", actions: ["s3:GetObject"], resources: locs.map((l) => `arn:${s.partition}:s3:::${l.bucket}/${l.prefix}/*`) },
    { sid: "LockState", actions: ["s3:PutObject", "s3:DeleteObject"], resources: locs.map((l) => `arn:${s.partition}:s3:::${l.bucket}/${l.prefix}/*.tflock`) },
  ];
}

/**
 * The secrets a plan reads: each stack that writes a generated password
 * reads it back through the ephemeral aws_secretsmanager_secret_version
 * (src/security/generated-login.ts), which Terraform opens during plan too;
 * the ephemeral aws_secretsmanager_random_password calls
 * GetRandomPassword, which takes no resource ("*": Service Authorization
 * Reference, AWS Secrets Manager). Exactly the database master credentials
 * (the same name in both regions: replicated) and each region's Grafana
 * admin login, with Secrets Manager's 6-character suffix.
 */
export function planSecretArns(s: Pick<CiPolicyScope, "config" | "partition" | "accountId">): string[] {
  const base = projectBase(s.config);
  return REGION_ROLES.flatMap((role) => {
    const region = s.config.regions[role].region;
    const regional = new Naming(s.config.project, s.config.environment, region).regional;
    return [`arn:${s.partition}:secretsmanager:${region}:${s.accountId}:secret:${base}/db/master-??????`, `arn:${s.partition}:secretsmanager:${region}:${s.accountId}:secret:${regional}/grafana/admin-??????`];
  });
}

export function planSecrets(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement[] {
  const arns = planSecretArns(s);
  return [
    { sid: "ReadPlannedSecrets", actions: ["secretsmanager:GetSecretValue"], resources: arns },
    { sid: "GeneratePasswords", actions: ["secretsmanager:GetRandomPassword"], resources: ["*"], condition: [cond("StringEquals", "aws:RequestedRegion", ciRegions(s.config))] },
    {
      sid: "DecryptPlannedSecrets",
      actions: ["kms:Decrypt"],
      resources: [`arn:${s.partition}:kms:*:${s.accountId}:key/*`],
      condition: [
        cond("StringEquals", "kms:ViaService", REGION_ROLES.map((r) => `secretsmanager.${s.config.regions[r].region}.amazonaws.com`)),
        cond("StringLike", "kms:EncryptionContext:SecretARN", arns),
      ],
    },
    ...(stateLocations(s.config).length
      ? [{
          sid: "DecryptState",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: [`arn:${s.partition}:kms:*:${s.accountId}:key/*`],
          // Only through S3, for a state bucket encrypted with a customer key (SSE-KMS).
          condition: [cond("StringEquals", "kms:ViaService", stateRegions(s.config).map((r) => `s3.${r}.amazonaws.com`))],
        }]
      : []),
  ];
}

/** The plan role: read-only, the state (with its lock), the secrets a plan reads. */
export function planPolicies(s: CiPolicyScope): CiPolicy[] {
  return [
    { suffix: "read", description: "CI plan: read the configuration of the project's resources (no data)", statements: [readMetadata(s), readParameters(s), readArtifacts(s)] },
    { suffix: "state", description: "CI plan: read the state (and take its lock), and the secrets a plan reads", statements: [...planState(s), ...planSecrets(s)] },
    { suffix: "status", description: "CI plan: the nightly dr status --publish-metrics puts the restorable-window metrics (CloudWatch namespace Drweb/Backup only)", statements: [publishRestorableWindow(s)] },
  ];
}

/**
 * `dr status --publish-metrics` (the nightly dr-status job, plan role): PutMetricData into the
 * restorable-window namespace only, in the DR pair's regions (each region's window into its own
 * CloudWatch). PutMetricData has no resource ARN ("*"); the namespace is its condition key
 * cloudwatch:namespace (CloudWatch User Guide, "Using condition keys to limit access to CloudWatch
 * namespaces"), so the role cannot write the web servers' Drweb/DatabaseRole metric (the split-brain
 * alert's source) nor any other. Whoever may assume the plan role (the repository's pull requests,
 * main) can therefore write Drweb/Backup datapoints: at worst it hides or raises the backup alerts
 * until the next nightly run; it reaches no backup (docs/dr-runbook.md, "dr status").
 */
function publishRestorableWindow(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "PublishRestorableWindow",
    actions: ["cloudwatch:PutMetricData"],
    resources: ["*"],
    condition: [cond("StringEquals", "cloudwatch:namespace", [BACKUP_METRIC.namespace]), cond("StringEquals", "aws:RequestedRegion", REGION_ROLES.map((r) => s.config.regions[r].region))],
  };
}
