import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { RegionRole, ValidConfig } from "../src/config";
import { Naming } from "../src/lib/naming";
import { Network } from "../src/network/network";
import { RegionKey } from "../src/security/region-key";
import type { AppBundle } from "../src/web/app-bundle";
import { autoScalingKeyStatements } from "../src/web/fleet";
import { WebTier } from "../src/web/web-tier";
import { configureBackend, requireTerraformVersion } from "./backend";

export interface RegionalStackProps {
  /** The validated configuration. */
  readonly config: ValidConfig;
  /** Which region of the DR pair this stack builds. */
  readonly role: RegionRole;
  /** Project root (for the local backend's state files). */
  readonly projectRoot: string;
  /** The web app as shipped to the instances. */
  readonly appBundle: AppBundle;
}

/**
 * One region of the DR pair. `primary` and `secondary` are this class
 * instantiated twice; what differs between them comes from config.
 */
export class RegionalStack extends TerraformStack {
  /** The role this stack plays. */
  readonly role: RegionRole;
  /** AWS region. */
  readonly region: string;
  /** The region's customer-managed key. */
  readonly key: RegionKey;
  /** The region's network. */
  readonly network: Network;
  /** The region's web tier (ALB + Auto Scaling group). */
  readonly web: WebTier;

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id);
    const { config, role } = props;
    const rc = config.regions[role];
    this.role = role;
    this.region = rc.region;
    const naming = new Naming(config.project, config.environment, rc.region);

    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: role }, props.projectRoot);
    const tags = {
      ...config.tags,
      project: config.project,
      environment: config.environment,
      "dr-role": role,
      "managed-by": "cdktf",
    };
    new AwsProvider(this, "Aws", { region: rc.region, defaultTags: [{ tags }] });
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");

    this.key = new RegionKey(this, "RegionKey", {
      aliasName: naming.regional,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      deletionWindowDays: config.kms.deletionWindowDays,
      additionalStatements: autoScalingKeyStatements(account.accountId, partition.partition),
    });

    this.network = new Network(this, "Network", {
      namePrefix: naming.regional,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      vpcCidr: rc.vpcCidr,
      availabilityZones: rc.availabilityZones,
      subnetNewBits: config.network.subnetNewBits,
      subnetSlotsPerTier: config.network.subnetSlotsPerTier,
      natGateways: config.network.natGateways,
      kmsKeyArn: this.key.keyArn,
      flowLogRetentionDays: config.network.flowLogs.retentionDays,
      flowLogTrafficType: config.network.flowLogs.trafficType,
    });

    this.web = new WebTier(this, "Web", {
      namePrefix: naming.regional,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      vpcId: this.network.vpcId,
      vpcCidr: rc.vpcCidr,
      publicSubnetIds: this.network.subnetIds.public,
      appSubnetIds: this.network.subnetIds.privateApp,
      kmsKeyArn: this.key.keyArn,
      settings: config.web,
      bundle: props.appBundle,
      appEnvironment: {},
      certificateArn: rc.certificateArn,
      instanceTags: tags,
    });

    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("region", rc.region, "AWS region of this stack");
    out("availability_zones", rc.availabilityZones, "AZs with subnets, in subnet order");
    out("kms_key_arn", this.key.keyArn, "The region's customer-managed KMS key");
    out("vpc_id", this.network.vpcId, "VPC id");
    out("vpc_cidr", rc.vpcCidr, "VPC CIDR block");
    out("public_subnet_ids", this.network.subnetIds.public, "Public subnets (ALB, NAT), in AZ order");
    out("private_app_subnet_ids", this.network.subnetIds.privateApp, "Private app subnets (web servers, EKS), in AZ order");
    out("private_data_subnet_ids", this.network.subnetIds.privateData, "Private data subnets (RDS), in AZ order");
    out("nat_gateway_ids", this.network.natGatewayIds, "NAT gateways");
    out("flow_log_group", this.network.flowLogGroupName, "CloudWatch log group of the VPC flow logs");
    const lb = this.web.loadBalancer;
    out("alb_dns_name", lb.dnsName, "ALB DNS name (Route53 alias target)");
    out("alb_zone_id", lb.zoneId, "ALB hosted zone id (Route53 alias)");
    out("alb_arn", lb.arn, "ALB ARN");
    out("alb_arn_suffix", lb.arnSuffix, "ALB ARN suffix (CloudWatch dimension)");
    out("alb_scheme", lb.scheme, "Protocol clients use: https with a certificate, else http");
    out("target_group_arn", lb.targetGroupArn, "Web target group ARN");
    out("asg_name", this.web.fleet.asgName, "Web Auto Scaling group name");
    out("web_role_arn", this.web.fleet.roleArn, "Instance role of the web servers");
    out("alb_access_log_bucket", this.web.accessLogBucketName, "S3 bucket of the ALB access logs");
  }
}
