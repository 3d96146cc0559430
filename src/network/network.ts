import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { planSubnets, type SubnetTier } from "./subnet-plan";

export interface NetworkProps {
  /** Name prefix for the VPC and its parts, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  /** Region of the VPC (for the flow-log role's trust condition). */
  readonly region: string;
  /** Account id (for the flow-log role's trust condition). */
  readonly accountId: string;
  /** AWS partition. */
  readonly partition: string;
  /** VPC CIDR block. */
  readonly vpcCidr: string;
  /** AZs to create subnets in; checked against the account's AZs at plan time. */
  readonly availabilityZones: readonly string[];
  /** Bits added to the VPC prefix per subnet. */
  readonly subnetNewBits: number;
  /** Subnet slots reserved per tier. */
  readonly subnetSlotsPerTier: number;
  /** "perAz": a NAT gateway in every AZ; "single": one in the first AZ. */
  readonly natGateways: "perAz" | "single";
  /** KMS key ARN encrypting the flow-log group. */
  readonly kmsKeyArn: string;
  /** Flow-log retention in days (a CloudWatch Logs period). */
  readonly flowLogRetentionDays: number;
  /** Traffic recorded by the flow log. */
  readonly flowLogTrafficType: "ALL" | "ACCEPT" | "REJECT";
}

/**
 * A three-tier VPC: public subnets (ALB, NAT gateways), private-app subnets
 * (web servers, EKS nodes; egress through NAT) and private-data subnets
 * (databases; no route to the internet at all), in every configured AZ.
 */
export class Network extends Construct {
  /** VPC id. */
  readonly vpcId: string;
  /** VPC CIDR block. */
  readonly vpcCidr: string;
  /** Subnet ids per tier, in AZ order. */
  readonly subnetIds: Readonly<Record<SubnetTier, string[]>>;
  /** NAT gateway ids (one per AZ, or one). */
  readonly natGatewayIds: string[];
  /** Flow-log group name. */
  readonly flowLogGroupName: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const azs = props.availabilityZones;
    const n = (suffix: string) => ({ Name: `${props.namePrefix}-${suffix}` });

    // Plan-time check that the configured AZs exist and are available in
    // this account (AZ letters differ per account; us-west-1 often has two).
    new DataAwsAvailabilityZones(this, "AvailableZones", {
      state: "available",
      lifecycle: {
        postcondition: [
          {
            condition: `\${length(setsubtract(${JSON.stringify(azs)}, self.names)) == 0}`,
            errorMessage: `Configured availability zones ${azs.join(", ")} are not all available to this account in ${props.region}. Fix: set regions.<role>.availabilityZones in the config to AZs listed by 'aws ec2 describe-availability-zones --region ${props.region}'.`,
          },
        ],
      },
    });

    const vpc = new Vpc(this, "Vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: n("vpc"),
    });
    this.vpcId = vpc.id;
    this.vpcCidr = vpc.cidrBlock;

    // Strip the default security group of all rules: nothing may use it.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", { vpcId: vpc.id, ingress: [], egress: [], tags: n("default-deny") });

    const igw = new InternetGateway(this, "InternetGateway", { vpcId: vpc.id, tags: n("igw") });

    const subnetIds: Record<SubnetTier, string[]> = { public: [], privateApp: [], privateData: [] };
    const subnets: Record<SubnetTier, Subnet[]> = { public: [], privateApp: [], privateData: [] };
    const tierLabel: Record<SubnetTier, string> = { public: "public", privateApp: "app", privateData: "data" };
    for (const p of planSubnets(props.vpcCidr, azs, props.subnetNewBits, props.subnetSlotsPerTier)) {
      const idx = azs.indexOf(p.az);
      const s = new Subnet(this, `${capitalize(p.tier)}Subnet${idx}`, {
        vpcId: vpc.id,
        availabilityZone: p.az,
        cidrBlock: p.cidr,
        mapPublicIpOnLaunch: false,
        tags: {
          ...n(`${tierLabel[p.tier]}-${p.az}`),
          Tier: p.tier,
          // Lets the AWS load balancer controller / EKS find subnets by role.
          ...(p.tier === "public" ? { "kubernetes.io/role/elb": "1" } : {}),
          ...(p.tier === "privateApp" ? { "kubernetes.io/role/internal-elb": "1" } : {}),
        },
      });
      subnets[p.tier].push(s);
      subnetIds[p.tier].push(s.id);
    }
    this.subnetIds = subnetIds;

    const publicRt = new RouteTable(this, "PublicRouteTable", { vpcId: vpc.id, tags: n("public") });
    new Route(this, "PublicDefaultRoute", { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    subnets.public.forEach((s, i) => new RouteTableAssociation(this, `PublicRouteTableAssociation${i}`, { subnetId: s.id, routeTableId: publicRt.id }));

    const natCount = props.natGateways === "perAz" ? azs.length : 1;
    const nats: NatGateway[] = [];
    for (let i = 0; i < natCount; i++) {
      const eip = new Eip(this, `NatEip${i}`, { domain: "vpc", tags: n(`nat-${azs[i]}`) });
      nats.push(
        new NatGateway(this, `NatGateway${i}`, {
          allocationId: eip.allocationId,
          subnetId: subnets.public[i].id,
          tags: n(`nat-${azs[i]}`),
          dependsOn: [igw],
        }),
      );
    }
    this.natGatewayIds = nats.map((g) => g.id);

    // One private-app route table per AZ, each to its own AZ's NAT gateway
    // (or to the single one), so losing an AZ does not cut egress elsewhere.
    subnets.privateApp.forEach((s, i) => {
      const rt = new RouteTable(this, `AppRouteTable${i}`, { vpcId: vpc.id, tags: n(`app-${azs[i]}`) });
      new Route(this, `AppDefaultRoute${i}`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id });
      new RouteTableAssociation(this, `AppRouteTableAssociation${i}`, { subnetId: s.id, routeTableId: rt.id });
    });

    // Data subnets: local routes only (databases never need the internet).
    const dataRt = new RouteTable(this, "DataRouteTable", { vpcId: vpc.id, tags: n("data") });
    subnets.privateData.forEach((s, i) => new RouteTableAssociation(this, `DataRouteTableAssociation${i}`, { subnetId: s.id, routeTableId: dataRt.id }));

    // VPC flow logs -> KMS-encrypted CloudWatch log group with retention.
    const logGroup = new CloudwatchLogGroup(this, "FlowLogGroup", {
      name: `/vpc/${props.namePrefix}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.flowLogGroupName = logGroup.name;
    const trust = new DataAwsIamPolicyDocument(this, "FlowLogTrust", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          // Confused-deputy protection: only flow logs of this account/region.
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] },
            { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:${props.partition}:ec2:${props.region}:${props.accountId}:vpc-flow-log/*`] },
          ],
        },
      ],
    });
    const role = new IamRole(this, "FlowLogRole", {
      name: `${props.namePrefix}-vpc-flow-logs`,
      description: "Delivers this VPC's flow logs to its CloudWatch log group",
      assumeRolePolicy: trust.json,
    });
    const perms = new DataAwsIamPolicyDocument(this, "FlowLogPermissions", {
      statement: [
        {
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [logGroup.arn, `${logGroup.arn}:*`],
        },
      ],
    });
    new IamRolePolicy(this, "FlowLogRolePolicy", { name: "deliver-flow-logs", role: role.id, policy: perms.json });
    new FlowLog(this, "FlowLog", {
      vpcId: vpc.id,
      trafficType: props.flowLogTrafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: n("flow-log"),
    });
  }
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
