import { Construct } from "constructs";
import { AutoscalingGroup } from "@cdktf/provider-aws/lib/autoscaling-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";

/**
 * Amazon Linux 2023 (x86_64) as an SSM public parameter. The launch template
 * names it as `resolve:ssm:<parameter>`, which EC2 resolves each time an
 * instance launches ("Use a Systems Manager parameter instead of an AMI ID",
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html):
 * the Terraform configuration never changes with a new AMI, so no deploy
 * (a DR deploy included) replaces the runner because an AMI was published.
 * AL2023 AMIs ship the SSM Agent preinstalled
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ami-preinstalled-agent.html).
 */
export const DEPLOY_RUNNER_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/** The Session Manager document that forwards a local port to a host:port reachable from the instance. */
export const PORT_FORWARDING_DOCUMENT = "AWS-StartPortForwardingSessionToRemoteHost";

/** Tag on the runner instance that the operator policy's ssm:resourceTag condition matches. */
export const TUNNEL_TAG_KEY = "eks-api-tunnel";

export interface DeployRunnerProps {
  /** Name of the Auto Scaling group, security group, role and instances (src/eks/contract.ts deployRunnerName). */
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly vpcId: string;
  /** Private app subnets (NAT egress to the Systems Manager endpoints), one per AZ. */
  readonly subnetIds: readonly string[];
  /** An x86_64 instance type. */
  readonly instanceType: string;
  /** The region's customer-managed key (root volume). */
  readonly kmsKeyArn: string;
  /** The cluster the tunnel leads to (the operator policy may describe it). */
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Tags of the instance and its volume. */
  readonly instanceTags: Readonly<Record<string, string>>;
}

/**
 * A Session Manager tunnel host to the cluster's private API endpoint: one
 * instance (Auto Scaling group of 1, any private app subnet) on IMDSv2 with
 * a CMK-encrypted root volume, no public IP, no SSH key, sshd stopped and no
 * inbound rule; out only HTTPS (to the Systems Manager endpoints through the
 * NAT gateways, and to the API endpoint inside the VPC). Operators run
 * `aws ssm start-session --document-name AWS-StartPortForwardingSessionToRemoteHost`
 * against it (scripts/eks-api-tunnel.ts) and deploy from their own machine
 * with their own credentials: the runner's role holds only
 * AmazonSSMManagedInstanceCore, so a session on it grants nothing in AWS or
 * in the cluster. (A runner that ran `cdktf deploy` itself would need
 * cluster-admin, Secrets Manager writes, the region key, the state bucket
 * and the chart repository, handed to anyone who can open a session on it.)
 *
 * It also creates the managed policy operators need to open the tunnel,
 * and nothing more: StartSession on this runner only, with the
 * port-forwarding document only (ssm:SessionDocumentAccessCheck refuses the
 * default shell document), ending their own sessions (by the session tag
 * AWS sets, which works for IAM users and assumed roles alike), finding the instance,
 * and reading the cluster's endpoint. Session Manager policies:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-quickstart.html
 * tag conditions: https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html
 * and ssm:SessionDocumentAccessCheck:
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-default-session-document.html
 */
export class DeployRunner extends Construct {
  /** Security group of the runner (the cluster admits 443 from it). */
  readonly securityGroupId: string;
  /** Auto Scaling group name (the tunnel script finds the instance by it). */
  readonly asgName: string;
  /** Instance role ARN. */
  readonly roleArn: string;
  /** ARN of the managed policy operators attach to open the tunnel. */
  readonly operatorPolicyArn: string;

  constructor(scope: Construct, id: string, props: DeployRunnerProps) {
    super(scope, id);
    const p = props.partition;

    const sg = new SecurityGroup(this, "SecurityGroup", {
      name: props.name,
      description: "EKS deploy runner (Session Manager tunnel host): no inbound; HTTPS out only",
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    this.securityGroupId = sg.id;
    // Terraform removes the default allow-all egress of a new group; this is
    // the only way out. The VPC's DNS resolver and the instance metadata
    // service are not filtered by security groups.
    new VpcSecurityGroupEgressRule(this, "HttpsOut", {
      securityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      description: "HTTPS to the Systems Manager endpoints (through NAT) and to the EKS API endpoint in the VPC",
    });

    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "Role", {
      name: props.name,
      description: "EKS deploy runner: Session Manager only (operators tunnel through it with their own credentials)",
      assumeRolePolicy: trust.json,
    });
    this.roleArn = role.arn;
    new IamRolePolicyAttachment(this, "SessionManager", { role: role.name, policyArn: `arn:${p}:iam::aws:policy/AmazonSSMManagedInstanceCore` });
    const profile = new IamInstanceProfile(this, "InstanceProfile", { name: props.name, role: role.name });

    const tags = { ...props.instanceTags, Name: props.name, [TUNNEL_TAG_KEY]: props.clusterName };
    const tagSpec = (resourceType: string) => ({ resourceType, tags });
    const template = new LaunchTemplate(this, "LaunchTemplate", {
      name: props.name,
      description: "EKS deploy runner: Session Manager only, IMDSv2, CMK-encrypted root, no public IP",
      imageId: `resolve:ssm:${DEPLOY_RUNNER_AMI_PARAMETER}`,
      instanceType: props.instanceType,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true", securityGroups: [sg.id] }],
      blockDeviceMappings: [
        {
          // AL2023's root device; 8 GiB is the AMI's snapshot size.
          deviceName: "/dev/xvda",
          ebs: { volumeType: "gp3", volumeSize: 8, encrypted: "true", kmsKeyId: props.kmsKeyArn, deleteOnTermination: "true" },
        },
      ],
      // No key pair and no inbound rule already; stop sshd as well.
      userData: Buffer.from("#!/bin/bash\nsystemctl disable --now sshd.service sshd.socket || true\n").toString("base64"),
      tagSpecifications: [tagSpec("instance"), tagSpec("volume"), tagSpec("network-interface")],
    });

    const asg = new AutoscalingGroup(this, "Group", {
      name: props.name,
      vpcZoneIdentifier: [...props.subnetIds],
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      healthCheckType: "EC2",
      launchTemplate: { id: template.id, version: template.latestVersion.toString() },
      // A changed template (instance type) replaces the one instance.
      instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 0 } },
      tag: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
    });
    this.asgName = asg.name;

    const operator = new DataAwsIamPolicyDocument(this, "OperatorPermissions", {
      statement: [
        {
          sid: "TunnelThroughThisRunnerOnly",
          actions: ["ssm:StartSession"],
          resources: [`arn:${p}:ec2:${props.region}:${props.accountId}:instance/*`],
          condition: [
            { test: "StringEquals", variable: `ssm:resourceTag/${TUNNEL_TAG_KEY}`, values: [props.clusterName] },
            // Refuse the default shell document (SSM-SessionManagerRunShell)
            // unless a document is named and allowed below.
            { test: "BoolIfExists", variable: "ssm:SessionDocumentAccessCheck", values: ["true"] },
          ],
        },
        {
          sid: "WithThePortForwardingDocumentOnly",
          actions: ["ssm:StartSession"],
          resources: [`arn:${p}:ssm:${props.region}::document/${PORT_FORWARDING_DOCUMENT}`],
          condition: [{ test: "BoolIfExists", variable: "ssm:SessionDocumentAccessCheck", values: ["true"] }],
        },
        {
          sid: "EndOwnSessions",
          actions: ["ssm:TerminateSession", "ssm:ResumeSession"],
          // Only the caller's own sessions, for every kind of caller. A
          // session's id starts with the caller's NAME (an IAM user's name,
          // an assumed role's session name), never with aws:userid (an IAM
          // user's unique id AIDA..., an assumed role's AROA...:<session
          // name>), so a resource pattern session/${aws:userid}-* matches no
          // session at all. Session Manager tags each session with
          // aws:ssmmessages:session-id, and AWS documents the condition
          // below as the method that "works for all accounts, including
          // those that use federated IDs": "The other resource tag is
          // aws:ssmmessages:session-id, with a value in the format of
          // role-id:caller-specified-role-name" and, "for cases where the
          // caller type is AssumedRole. You can use the {aws:userid}
          // variable for the value you supply for aws:ssmmessages:session-id"
          // (for an IAM user the value is the user's id, which is its
          // aws:userid). AWS Systems Manager User Guide, "Additional sample
          // IAM policies for Session Manager", "Allow a user to end only
          // sessions they started", method 2 (tags supplied by AWS):
          // https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html
          // &{...}: the aws provider's spelling of an IAM policy variable.
          resources: [`arn:${p}:ssm:${props.region}:${props.accountId}:session/*`],
          condition: [{ test: "StringLike", variable: "ssm:resourceTag/aws:ssmmessages:session-id", values: ["&{aws:userid}"] }],
        },
        {
          sid: "FindTheRunner",
          actions: ["ec2:DescribeInstances"],
          resources: ["*"],
          condition: [{ test: "StringEquals", variable: "aws:RequestedRegion", values: [props.region] }],
        },
        { sid: "ReadTheEndpoint", actions: ["eks:DescribeCluster"], resources: [props.clusterArn] },
      ],
    });
    this.operatorPolicyArn = new IamPolicy(this, "OperatorPolicy", {
      name: `${props.name}-operator`,
      description: `Open a Session Manager tunnel to the ${props.clusterName} API through its deploy runner, nothing else`,
      policy: operator.json,
    }).arn;
  }
}

/** The command that opens a region's API tunnel (scripts/eks-api-tunnel.ts), as the docs and outputs print it. */
export function eksApiTunnelCommand(role: string): string {
  return `npx tsx scripts/eks-api-tunnel.ts ${role}`;
}
