import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import type { AppBundle } from "./app-bundle";
import { renderUserData, type ObjectVersion } from "./user-data";

export interface WebFleetProps {
  /** Name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  /** AWS partition. */
  readonly partition: string;
  /** SSM public parameter naming the AMI; EC2 resolves it in this region at each launch. */
  readonly amiSsmParameter: string;
  /** EC2 instance type. */
  readonly instanceType: string;
  /** Private-app subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  /** Security group of the instances. */
  readonly securityGroupId: string;
  /** KMS key ARN for the root volumes. */
  readonly kmsKeyArn: string;
  /** Root volume size in GiB. */
  readonly rootVolumeGb: number;
  /** The app code to install (exactly what the Python tests test). */
  readonly bundle: AppBundle;
  /** The app archive's object version the instances fetch. */
  readonly archive: ObjectVersion;
  /** The wheel archive's object version the instances install from. */
  readonly wheels: ObjectVersion;
  /** Environment of the app (written to its environment file). */
  readonly environment: Readonly<Record<string, string>>;
  /** ASG sizes. */
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Target groups the instances register with. */
  readonly targetGroupArns: readonly string[];
  /** Seconds before ELB health checks count for a new instance. */
  readonly healthCheckGraceSeconds: number;
  /** Minimum healthy percentage during an instance refresh. */
  readonly refreshMinHealthyPercentage: number;
  /** Tags for the instances and their volumes. */
  readonly instanceTags: Readonly<Record<string, string>>;
  /**
   * Extra permissions of the instance role (e.g. reading the database secret).
   * @default - none beyond Session Manager
   */
  readonly additionalPolicyStatements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * Resources the Auto Scaling group waits for (depends_on), so no instance boots before they exist.
   * @default - none
   */
  readonly groupDependsOn?: ITerraformDependable[];
}

/**
 * The web servers: an instance role (Session Manager instead of SSH keys),
 * a launch template (IMDSv2 only, encrypted gp3 root, no public IP, user
 * data that installs the app) and an Auto Scaling group over every AZ that
 * replaces instances by rolling refresh whenever the template changes.
 */
export class WebFleet extends Construct {
  /** ASG name. */
  readonly asgName: string;
  /** Instance role ARN. */
  readonly roleArn: string;
  /** Instance role name. */
  readonly roleName: string;
  /** Launch template id. */
  readonly launchTemplateId: string;

  constructor(scope: Construct, id: string, props: WebFleetProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "Role", {
      name: `${props.namePrefix}-web`,
      description: "Web servers: Session Manager and what the app needs, nothing else",
      assumeRolePolicy: trust.json,
    });
    this.roleArn = role.arn;
    this.roleName = role.name;
    new IamRolePolicyAttachment(this, "SessionManager", {
      role: role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });
    if (props.additionalPolicyStatements?.length) {
      const doc = new DataAwsIamPolicyDocument(this, "AppPermissions", { statement: props.additionalPolicyStatements });
      new IamRolePolicy(this, "AppPolicy", { name: "app", role: role.id, policy: doc.json });
    }
    const profile = new IamInstanceProfile(this, "InstanceProfile", { name: `${props.namePrefix}-web`, role: role.name });

    // AMI ids differ per region, and the image must not be resolved at PLAN
    // time: a data source would make a deploy that only records a DR state
    // (failedOver, failback) also roll the surviving fleet whenever AWS has
    // published a newer AMI. "resolve:ssm:<parameter>" as the image id is
    // resolved by EC2 at each launch, in the launching region (EC2 API,
    // RequestLaunchTemplateData.ImageId: "a Systems Manager parameter ...
    // will resolve to the ID of the AMI at instance launch"; EC2 Auto Scaling
    // User Guide, "Use AWS Systems Manager parameters instead of AMI IDs in
    // launch templates"). Auto Scaling's service-linked role may read it
    // (AutoScalingServiceRolePolicy, statement SystemsManagerParameterManagement:
    // ssm:GetParameters). New instances (scale-out, replacement, an app
    // release) get the newest AMI; running ones are never rolled for it.
    const imageId = `resolve:ssm:${props.amiSsmParameter}`;

    const tagSpec = (resourceType: string) => ({ resourceType, tags: { ...props.instanceTags, Name: `${props.namePrefix}-web` } });
    const lt = new LaunchTemplate(this, "LaunchTemplate", {
      name: `${props.namePrefix}-web`,
      description: `Flask web server, app bundle ${props.bundle.sha256.slice(0, 12)}`,
      imageId,
      instanceType: props.instanceType,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      networkInterfaces: [
        {
          deviceIndex: 0,
          associatePublicIpAddress: "false",
          deleteOnTermination: "true",
          securityGroups: [props.securityGroupId],
        },
      ],
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeType: "gp3",
            volumeSize: props.rootVolumeGb,
            encrypted: "true",
            kmsKeyId: props.kmsKeyArn,
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      userData: renderUserData(props.archive, props.wheels, props.bundle.sha256, props.environment),
      tagSpecifications: [tagSpec("instance"), tagSpec("volume"), tagSpec("network-interface")],
      tags: { "app-bundle-sha256": props.bundle.sha256 },
    });
    this.launchTemplateId = lt.id;

    const asg = new AutoscalingGroup(this, "Group", {
      name: webAsgName(props.namePrefix),
      vpcZoneIdentifier: [...props.subnetIds],
      desiredCapacity: props.desiredCapacity,
      minSize: props.minSize,
      maxSize: props.maxSize,
      healthCheckType: "ELB",
      healthCheckGracePeriod: props.healthCheckGraceSeconds,
      targetGroupArns: [...props.targetGroupArns],
      // A new template version (an app release: new archive version in the
      // user data) rolls the fleet. Terraform starts the instance refresh and
      // does not wait for it ("This resource does not wait for the instance
      // refresh to complete", provider docs, aws_autoscaling_group).
      launchTemplate: { id: lt.id, version: lt.latestVersion.toString() },
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: props.refreshMinHealthyPercentage,
          instanceWarmup: String(props.healthCheckGraceSeconds),
          // Auto rollback is not supported when the launch template's ImageId
          // is a Systems Manager parameter (EC2 Auto Scaling API Reference,
          // RefreshPreferences.AutoRollback and RollbackInstanceRefresh: "A
          // rollback is not supported ... The Auto Scaling group has a launch
          // template that uses an AWS Systems Manager parameter instead of an
          // AMI ID for the ImageId property"). A failed release is rolled back
          // by deploying the previous version, or by pointing the group at
          // the previous launch-template version: every version can still
          // fetch its own archive (AppArtifact). docs/web-tier.md "Web tier".
          autoRollback: false,
        },
      },
      enabledMetrics: ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances"],
      defaultInstanceWarmup: props.healthCheckGraceSeconds,
      // A fleet that never serves fails the deploy instead of looping:
      // on CREATION Terraform waits until this many instances are healthy in
      // the target group, and on timeout fails and taints the group ("If new
      // instances don't pass the ELB's health checks for any reason, the
      // Terraform apply will time out, and the ASG will be marked as
      // tainted", provider docs, "Waiting for ELB Capacity"). min_elb_capacity
      // has "no effect on ASG updates", deliberately: an update starts an
      // instance refresh Terraform does not wait for (the old instances are
      // still healthy when it looks), and wait_for_elb_capacity would make
      // every update wait for EXACTLY N healthy targets, so a deploy that only
      // records a DR state (failedOver, failback) would fail, or hang for the
      // timeout, whenever the surviving fleet is short of an instance.
      minElbCapacity: props.desiredCapacity,
      // Boot (dnf python3.11, offline pip install) + ELB grace and checks.
      waitForCapacityTimeout: "15m",
      tag: Object.entries({ ...props.instanceTags, Name: `${props.namePrefix}-web` }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      ...(props.groupDependsOn?.length ? { dependsOn: props.groupDependsOn } : {}),
    });
    this.asgName = asg.name;
  }
}

/** Name of a region's web Auto Scaling group. */
export function webAsgName(namePrefix: string): string {
  return `${namePrefix}-web`;
}

/**
 * Key-policy statements letting EC2 Auto Scaling's service-linked role use
 * the region's key for encrypted EBS volumes (the two statements of AWS's
 * "Required KMS key policy for use with encrypted volumes"). Principal "*"
 * is narrowed to that role by aws:PrincipalArn and the account: naming the
 * role as principal fails while it does not exist yet (the account's first
 * Auto Scaling group creates it).
 */
export function autoScalingKeyStatements(accountId: string, partition: string): DataAwsIamPolicyDocumentStatement[] {
  const slr = `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const onlySlr = [
    { test: "StringEquals", variable: "kms:CallerAccount", values: [accountId] },
    { test: "ArnEquals", variable: "aws:PrincipalArn", values: [slr] },
  ];
  return [
    {
      sid: "AutoScalingUsesKeyForEbs",
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: ["*"] }],
      condition: onlySlr,
    },
    {
      sid: "AutoScalingGrantsForEbs",
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: ["*"] }],
      condition: [...onlySlr, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
    },
  ];
}
