/**
 * What the CI roles may do (docs/ci-identity.md "CI identity"). Pure data: the
 * ci-identity stack turns each group into one customer-managed policy, and
 * the tests read them directly.
 *
 * Sources: the Service Authorization Reference ("Actions, resources, and
 * condition keys for <service>", https://docs.aws.amazon.com/service-authorization/latest/reference/)
 * for which actions take a resource ARN and which condition keys apply; the
 * Terraform S3 backend documentation ("S3 Bucket Permissions", and for
 * use_lockfile the lock object <key>.tflock) for the state.
 */
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { REGION_ROLES } from "../config";
import { ciNamePrefix, projectBase } from "./contract";
import { reportBucketName } from "../dr/report-bucket";
import { runbookRoleName } from "../dr/runbook-role";
import { readinessCheckerName } from "../dr/readiness-checker";

import { planSecrets, readMetadata, readParameters } from "./plan-permissions";
import { ciRegions, cond, endpointsParameterArns, stateLocations, type CiPolicy, type CiPolicyScope } from "./policy-scope";

/** The plan role's policies and the shared scope, from their modules (importers keep one entry point). */
export { planPolicies, planSecretArns } from "./plan-permissions";
export { ciRegions, endpointsParameterArns, type CiPolicy, type CiPolicyScope } from "./policy-scope";

/** AWS managed policies the stacks attach to their roles (a test checks the synthesized app attaches no other). */
export const STACK_MANAGED_POLICIES = [
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonEKSClusterPolicy",
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonSSMManagedInstanceCore",
  "service-role/AmazonEBSCSIDriverPolicy",
  "service-role/AmazonRDSEnhancedMonitoringRole",
  "service-role/AWSBackupServiceRolePolicyForBackup",
] as const;

/** Services the stacks' roles are passed to (iam:PassedToService), from their trust policies. */
export const PASSED_TO_SERVICES = ["ec2.amazonaws.com", "eks.amazonaws.com", "pods.eks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com", "backup.amazonaws.com"] as const;

/** Service-linked roles AWS creates on first use of a service in the account (iam:AWSServiceName). */
export const SERVICE_LINKED_ROLES = ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com", "eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "rds.amazonaws.com"] as const;

/**
 * The IAM service prefix of every Terraform resource type the stacks
 * declare (aws_<x>_...). A test synthesizes the app in every mode and fails
 * on a type missing here, so a new kind of resource is not deployed by a
 * role that cannot create it.
 */
export const RESOURCE_SERVICE: Readonly<Record<string, string>> = {
  aws_acm_certificate: "acm", aws_acm_certificate_validation: "acm",
  aws_autoscaling_group: "autoscaling",
  aws_cloudwatch_log_group: "logs", aws_cloudwatch_metric_alarm: "cloudwatch",
  aws_db_instance: "rds", aws_db_parameter_group: "rds", aws_db_subnet_group: "rds", aws_db_instance_automated_backups_replication: "rds",
  aws_backup_vault: "backup", aws_backup_plan: "backup", aws_backup_selection: "backup", aws_backup_vault_lock_configuration: "backup", aws_backup_vault_policy: "backup",
  aws_rds_cluster: "rds", aws_rds_cluster_instance: "rds", aws_rds_global_cluster: "rds", aws_rds_cluster_parameter_group: "rds",
  aws_default_security_group: "ec2", aws_eip: "ec2", aws_flow_log: "ec2", aws_internet_gateway: "ec2", aws_launch_template: "ec2",
  aws_nat_gateway: "ec2", aws_route: "ec2", aws_route_table: "ec2", aws_route_table_association: "ec2", aws_security_group: "ec2",
  aws_subnet: "ec2", aws_vpc: "ec2", aws_vpc_security_group_egress_rule: "ec2", aws_vpc_security_group_ingress_rule: "ec2",
  aws_eks_addon: "eks", aws_eks_cluster: "eks", aws_eks_node_group: "eks", aws_eks_pod_identity_association: "eks", aws_eks_access_entry: "eks", aws_eks_access_policy_association: "eks",
  aws_iam_instance_profile: "iam", aws_iam_policy: "iam", aws_iam_role: "iam", aws_iam_role_policy: "iam", aws_iam_role_policy_attachment: "iam",
  aws_kms_alias: "kms", aws_kms_key: "kms",
  aws_lb: "elasticloadbalancing", aws_lb_listener: "elasticloadbalancing", aws_lb_target_group: "elasticloadbalancing",
  aws_route53_health_check: "route53", aws_route53_record: "route53", aws_route53_zone: "route53",
  aws_s3_bucket: "s3", aws_s3_bucket_lifecycle_configuration: "s3", aws_s3_bucket_ownership_controls: "s3", aws_s3_bucket_policy: "s3",
  aws_s3_bucket_public_access_block: "s3", aws_s3_bucket_server_side_encryption_configuration: "s3", aws_s3_bucket_versioning: "s3", aws_s3_object: "s3",
  aws_secretsmanager_secret: "secretsmanager", aws_secretsmanager_secret_version: "secretsmanager",
  aws_sns_topic: "sns", aws_sns_topic_subscription: "sns", aws_sns_topic_policy: "sns",
  aws_ssm_parameter: "ssm",
  aws_lambda_function: "lambda", aws_scheduler_schedule: "scheduler",
};

/** Read and write the state (and its lock) of this project's stacks only. */
function applyState(s: CiPolicyScope): DataAwsIamPolicyDocumentStatement[] {
  const locs = stateLocations(s.config);
  if (!locs.length) return [];
  return [
    { sid: "ListState", actions: ["s3:ListBucket"], resources: locs.map((l) => `arn:${s.partition}:s3:::${l.bucket}`), condition: [cond("StringLike", "s3:prefix", [...new Set(locs.map((l) => `${l.prefix}/*`))])] },
    { sid: "WriteState", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: locs.map((l) => `arn:${s.partition}:s3:::${l.bucket}/${l.prefix}/*`) },
  ];
}

/** Bucket and object ARNs of the buckets the stacks create: <project>-<env>-*, and the run-report buckets wherever runbook.reportBucket names them. */
export function projectBucketArns(s: Pick<CiPolicyScope, "config" | "partition">): string[] {
  const base = projectBase(s.config);
  const names = [`${base}-*`, ...REGION_ROLES.map((r) => reportBucketName(s.config, r)).filter((n) => !n.startsWith(`${base}-`))];
  return [...new Set(names)].flatMap((n) => [`arn:${s.partition}:s3:::${n}`, `arn:${s.partition}:s3:::${n}/*`]);
}

/**
 * The apply role: what the stacks create, scoped to the project's names
 * (<project>-<environment>-*, src/lib/naming.ts) where the service names
 * resources by name, to the project's tags where it supports
 * aws:RequestTag / aws:ResourceTag, and to the stacks' regions everywhere.
 */
export function applyPolicies(s: CiPolicyScope): CiPolicy[] {
  const { partition: p, accountId: a, config } = s;
  const base = projectBase(config);
  const regions = cond("StringEquals", "aws:RequestedRegion", ciRegions(config));
  const projectTag = config.project;
  const ci = ciNamePrefix(config);
  const dns = config.dns;
  return [
    {
      suffix: "read",
      description: "CI apply: read what a refresh reads (as the plan role), and the stacks' parameters",
      statements: [readMetadata(s), readParameters(s), ...applyState(s), ...planSecrets(s).filter((x) => x.sid !== "DecryptPlannedSecrets" && x.sid !== "ReadPlannedSecrets")],
    },
    {
      suffix: "network",
      description: "CI apply: VPC, subnets, routes, security groups, launch templates, load balancers, auto scaling groups",
      statements: [
        {
          // EC2's network and instance actions: most create actions
          // authorize on resource ids that do not exist yet and on others
          // (CreateSubnet: vpc and subnet; RunInstances through auto
          // scaling: image, subnet, security-group, volume, ...), and tag
          // conditions hold only where the action tags on create (Service
          // Authorization Reference, Amazon EC2): scoped to the regions,
          // not to resources. docs/ci-identity.md "CI identity" lists this as broad.
          sid: "Ec2",
          actions: [
            "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
            "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
            "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress", "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
            "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
            "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
            "ec2:CreateLaunchTemplate", "ec2:CreateLaunchTemplateVersion", "ec2:DeleteLaunchTemplate", "ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplateVersions",
            "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:CreateTags", "ec2:DeleteTags", "ec2:RunInstances", "ec2:TerminateInstances",
          ],
          resources: ["*"],
          condition: [regions],
        },
        {
          sid: "LoadBalancers",
          actions: ["elasticloadbalancing:Create*", "elasticloadbalancing:Delete*", "elasticloadbalancing:Modify*", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets"],
          resources: [
            `arn:${p}:elasticloadbalancing:*:${a}:loadbalancer/app/${base}-*`,
            `arn:${p}:elasticloadbalancing:*:${a}:targetgroup/${base}-*`,
            `arn:${p}:elasticloadbalancing:*:${a}:listener/app/${base}-*`,
            `arn:${p}:elasticloadbalancing:*:${a}:listener-rule/app/${base}-*`,
          ],
          condition: [regions],
        },
        {
          sid: "AutoScaling",
          actions: ["autoscaling:CreateAutoScalingGroup", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags", "autoscaling:SetInstanceProtection", "autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh", "autoscaling:PutLifecycleHook", "autoscaling:DeleteLifecycleHook"],
          resources: [`arn:${p}:autoscaling:*:${a}:autoScalingGroup:*:autoScalingGroupName/${base}-*`],
          condition: [regions],
        },
      ],
    },
    {
      suffix: "data",
      description: "CI apply: databases, keys, secrets, buckets, topics, logs, alarms and parameters named or tagged for the project",
      statements: [
        {
          sid: "Databases",
          actions: ["rds:Create*", "rds:Delete*", "rds:Modify*", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:PromoteReadReplica", "rds:RebootDBInstance", "rds:RemoveFromGlobalCluster", "rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster", "rds:StartDBInstanceAutomatedBackupsReplication", "rds:StopDBInstanceAutomatedBackupsReplication"],
          resources: [
            `arn:${p}:rds:*:${a}:db:${base}-*`, `arn:${p}:rds:*:${a}:cluster:${base}-*`, `arn:${p}:rds::${a}:global-cluster:${base}-*`,
            `arn:${p}:rds:*:${a}:pg:${base}-*`, `arn:${p}:rds:*:${a}:cluster-pg:${base}-*`, `arn:${p}:rds:*:${a}:subgrp:${base}-*`,
            `arn:${p}:rds:*:${a}:snapshot:${base}-*`, `arn:${p}:rds:*:${a}:cluster-snapshot:${base}-*`, `arn:${p}:rds:*:${a}:og:default:*`,
          ],
          condition: [regions],
        },
        // KMS CreateKey takes no resource; it carries the provider's default
        // tags (aws:RequestTag). Every other key action needs the project tag
        // on the key (aws:ResourceTag); aliases are named.
        { sid: "CreateKeys", actions: ["kms:CreateKey", "kms:TagResource"], resources: ["*"], condition: [regions, cond("StringEquals", "aws:RequestTag/project", [projectTag])] },
        {
          sid: "ManageProjectKeys",
          actions: ["kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReplicateKey"],
          resources: [`arn:${p}:kms:*:${a}:key/*`],
          condition: [regions, cond("StringEquals", "aws:ResourceTag/project", [projectTag])],
        },
        { sid: "KeyAliases", actions: ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"], resources: [`arn:${p}:kms:*:${a}:alias/${base}-*`], condition: [regions] },
        {
          sid: "Secrets",
          actions: ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:ReplicateSecretToRegions", "secretsmanager:RemoveRegionsFromReplication", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:RestoreSecret", "secretsmanager:ListSecretVersionIds"],
          resources: [`arn:${p}:secretsmanager:*:${a}:secret:${base}/*`, `arn:${p}:secretsmanager:*:${a}:secret:${base}-*`],
          condition: [regions],
        },
        // The project's buckets (<project>-<env>-*), and the run-report buckets when runbook.reportBucket names them otherwise (src/dr/report-bucket.ts).
        { sid: "ProjectBuckets", actions: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: projectBucketArns(s) },
        { sid: "Topics", actions: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"], resources: [`arn:${p}:sns:*:${a}:${base}-*`], condition: [regions] },
        { sid: "LogGroups", actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"], resources: [`arn:${p}:logs:*:${a}:log-group:/aws/eks/${base}-*`, `arn:${p}:logs:*:${a}:log-group:/vpc/${base}-*`], condition: [regions] },
        { sid: "Alarms", actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"], resources: [`arn:${p}:cloudwatch:*:${a}:alarm:${base}-*`], condition: [regions] },
        // AWS Backup (src/database/backup-vault.ts): the vaults are named <regional prefix>-db-backups; a plan's and a
        // selection's ARNs carry ids AWS generates (Service Authorization Reference, AWS Backup: backup-plan
        // resource type), so those take the regions condition only. CreateBackupVault also needs
        // backup-storage:MountCapsule and a grant on the vault's key (AWS Backup Developer Guide, "Create a backup vault").
        // The vaults' lock and access policy (backups.vaultLock, docs/backups.md): Put/Delete of each, on the
        // project's vaults only (Service Authorization Reference, AWS Backup: these four take the backupVault
        // resource type). The apply role is the one principal meant to hold Put/DeleteBackupVaultAccessPolicy: the
        // vault policy does not deny them (backup-vault.ts VAULT_DENIED_ACTIONS says why). The plan role reads
        // both through DescribeBackupVault (the lock's min/max) and GetBackupVaultAccessPolicy (readMetadata).
        {
          sid: "BackupVaults",
          actions: [
            "backup:CreateBackupVault", "backup:DeleteBackupVault", "backup:TagResource", "backup:UntagResource",
            "backup:PutBackupVaultLockConfiguration", "backup:DeleteBackupVaultLockConfiguration", "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy",
          ],
          resources: [`arn:${p}:backup:*:${a}:backup-vault:${base}-*`],
          condition: [regions],
        },
        {
          sid: "BackupPlans",
          actions: ["backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:CreateBackupSelection", "backup:DeleteBackupSelection", "backup:TagResource", "backup:UntagResource", "backup-storage:MountCapsule"],
          resources: ["*"],
          condition: [regions],
        },
        { sid: "Parameters", actions: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"], resources: [`arn:${p}:ssm:*:${a}:parameter/${base}/*`], condition: [regions] },
        // The database endpoints parameters (Aurora mode), what the provider calls for aws_ssm_parameter
        // (hashicorp/aws internal/service/ssm/parameter.go): create and update are PutParameter (with Tags on create,
        // which also needs ssm:AddTagsToResource: "To create an SSM parameter, you must have the ... permissions
        // ssm:PutParameter and ssm:AddTagsToResource", CloudFormation User Guide, AWS::SSM::Parameter), tag changes AddTagsToResource / RemoveTagsFromResource (the generated updateTags), delete
        // DeleteParameter; reads are GetParameter (ReadParameters), DescribeParameters and ListTagsForResource
        // (readMetadata). Each region's own folder only, /<regional prefix>/db/*.
        ...(endpointsParameterArns(s).length
          ? [{ sid: "DbEndpointsParameters", actions: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"], resources: endpointsParameterArns(s) }]
          : []),
      ],
    },
    {
      suffix: "identity",
      description: "CI apply: the stacks' IAM roles and EKS clusters (never the CI identity itself)",
      statements: [
        {
          sid: "ProjectRoles",
          actions: [
            "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
            "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile",
            "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy", "iam:UntagPolicy",
          ],
          resources: [`arn:${p}:iam::${a}:role/${base}-*`, `arn:${p}:iam::${a}:instance-profile/${base}-*`, `arn:${p}:iam::${a}:policy/${base}-*`],
        },
        {
          sid: "AttachKnownPolicies",
          actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
          resources: [`arn:${p}:iam::${a}:role/${base}-*`],
          condition: [cond("ArnEquals", "iam:PolicyARN", STACK_MANAGED_POLICIES.map((n) => `arn:${p}:iam::aws:policy/${n}`))],
        },
        { sid: "AttachProjectPolicies", actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"], resources: [`arn:${p}:iam::${a}:role/${base}-*`], condition: [cond("ArnLike", "iam:PolicyARN", [`arn:${p}:iam::${a}:policy/${base}-*`])] },
        { sid: "PassProjectRoles", actions: ["iam:PassRole"], resources: [`arn:${p}:iam::${a}:role/${base}-*`], condition: [cond("StringEquals", "iam:PassedToService", [...PASSED_TO_SERVICES])] },
        { sid: "ServiceLinkedRoles", actions: ["iam:CreateServiceLinkedRole"], resources: [`arn:${p}:iam::${a}:role/aws-service-role/*`], condition: [cond("StringEquals", "iam:AWSServiceName", [...SERVICE_LINKED_ROLES])] },
        {
          // The CI identity is created by hand (docs/ci-identity.md "CI identity"): a
          // pipeline that could change its own roles or their policies could
          // give itself anything. The runbook's role lives in the same
          // hand-applied stack (src/dr/runbook-role.ts): a pipeline that could
          // rewrite its trust policy could assume it.
          sid: "NotTheCiIdentity",
          effect: "Deny",
          actions: ["iam:*"],
          resources: [`arn:${p}:iam::${a}:role/${ci}-*`, `arn:${p}:iam::${a}:policy/${ci}-*`, `arn:${p}:iam::${a}:role/${runbookRoleName(config)}`, s.oidcProviderArn],
        },
        {
          sid: "Clusters",
          actions: ["eks:CreateCluster", "eks:DeleteCluster", "eks:UpdateClusterConfig", "eks:UpdateClusterVersion", "eks:TagResource", "eks:UntagResource", "eks:CreateNodegroup", "eks:DeleteNodegroup", "eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion", "eks:CreateAddon", "eks:DeleteAddon", "eks:UpdateAddon", "eks:CreatePodIdentityAssociation", "eks:DeletePodIdentityAssociation", "eks:UpdatePodIdentityAssociation", "eks:CreateAccessEntry", "eks:DeleteAccessEntry", "eks:UpdateAccessEntry", "eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy", "eks:AssociateEncryptionConfig"],
          resources: [
            `arn:${p}:eks:*:${a}:cluster/${base}-*`, `arn:${p}:eks:*:${a}:nodegroup/${base}-*`, `arn:${p}:eks:*:${a}:addon/${base}-*`,
            `arn:${p}:eks:*:${a}:podidentityassociation/${base}-*`, `arn:${p}:eks:*:${a}:access-entry/${base}-*`,
          ],
          condition: [regions],
        },
      ],
    },
    ...(config.runbook.readiness.enabled ? [readinessCheckerApply(s)] : []),
    {
      suffix: "dns",
      description: "CI apply: certificates, health checks and the application's records",
      statements: [
        { sid: "Certificates", actions: ["acm:RequestCertificate", "acm:DeleteCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions"], resources: ["*"], condition: [regions] },
        // Health checks take no name (healthcheck/<uuid>): account-wide.
        { sid: "HealthChecks", actions: ["route53:CreateHealthCheck", "route53:UpdateHealthCheck", "route53:DeleteHealthCheck", "route53:ChangeTagsForResource"], resources: ["*"] },
        {
          // Only the application's name and ACM's validation records under
          // it (route53:ChangeResourceRecordSetsNormalizedRecordNames:
          // Route 53 Developer Guide, "Using IAM policy conditions for
          // fine-grained access control", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html:
          // values lower case, no trailing dot: dns.domainName is stored so).
          sid: "AppRecords",
          actions: ["route53:ChangeResourceRecordSets"],
          resources: [dns.zoneId ? `arn:${p}:route53:::hostedzone/${dns.zoneId}` : `arn:${p}:route53:::hostedzone/*`],
          condition: [cond("ForAllValues:StringLike", "route53:ChangeResourceRecordSetsNormalizedRecordNames", [dns.domainName, `_*.${dns.domainName}`])],
        },
        ...(dns.createZone ? [{ sid: "Zone", actions: ["route53:CreateHostedZone", "route53:DeleteHostedZone", "route53:ChangeTagsForResource"], resources: ["*"] }] : []),
      ],
    },
  ];
}

/**
 * The apply role and the readiness checker (src/dr/readiness-checker.ts): its function, schedule and log group by
 * name, and iam:PassRole of exactly its two roles, each to its one service (the function's role to Lambda on
 * CreateFunction/UpdateFunctionConfiguration, the schedule's to EventBridge Scheduler on CreateSchedule/UpdateSchedule:
 * "Granting a user permissions to pass a role to an AWS service", IAM User Guide; Scheduler "Set up the execution
 * role"). The roles themselves, their inline policies and the alarm are covered by the identity and data groups
 * (<project>-<environment>-* names).
 */
function readinessCheckerApply(s: CiPolicyScope): CiPolicy {
  const { partition: p, accountId: a, config } = s;
  const name = readinessCheckerName(config);
  const region = config.regions.secondary.region;
  const regions = cond("StringEquals", "aws:RequestedRegion", [region]);
  return {
    suffix: "readiness",
    description: "CI apply: the DR readiness checker (Lambda function, EventBridge Scheduler schedule, log group) and passing its two roles",
    statements: [
      {
        sid: "ReadinessFunction",
        actions: ["lambda:CreateFunction", "lambda:DeleteFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency", "lambda:TagResource", "lambda:UntagResource"],
        resources: [`arn:${p}:lambda:${region}:${a}:function:${name}`],
        condition: [regions],
      },
      {
        sid: "ReadinessSchedule",
        actions: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:TagResource", "scheduler:UntagResource"],
        resources: [`arn:${p}:scheduler:${region}:${a}:schedule/default/${name}`],
        condition: [regions],
      },
      {
        sid: "ReadinessLogGroup",
        actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"],
        resources: [`arn:${p}:logs:${region}:${a}:log-group:/aws/lambda/${name}`, `arn:${p}:logs:${region}:${a}:log-group:/aws/lambda/${name}:*`],
        condition: [regions],
      },
      { sid: "PassReadinessFunctionRole", actions: ["iam:PassRole"], resources: [`arn:${p}:iam::${a}:role/${name}`], condition: [cond("StringEquals", "iam:PassedToService", ["lambda.amazonaws.com"])] },
      { sid: "PassReadinessSchedulerRole", actions: ["iam:PassRole"], resources: [`arn:${p}:iam::${a}:role/${name}-scheduler`], condition: [cond("StringEquals", "iam:PassedToService", ["scheduler.amazonaws.com"])] },
    ],
  };
}
