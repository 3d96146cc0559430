import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import type { ValidConfig } from "../config";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { AppBundle } from "./app-bundle";
import { AccessLogBucket } from "./access-log-bucket";
import { AppArtifact } from "./app-artifact";
import { SCRAPE_TAG } from "../eks/contract";
import { WebFleet } from "./fleet";
import { listenerPorts, LoadBalancer } from "./load-balancer";
import { WebSecurityGroups } from "./security-groups";

/** Web-tier settings: the `web` section of the config. */
export type WebSettings = Readonly<ValidConfig["web"]>;

export interface WebTierProps {
  /** Name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  /** Region of the tier. */
  readonly region: string;
  /** Account id. */
  readonly accountId: string;
  /** AWS partition. */
  readonly partition: string;
  /** VPC id and CIDR. */
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Public subnets (ALB) and private-app subnets (instances), one per AZ. */
  readonly publicSubnetIds: readonly string[];
  readonly appSubnetIds: readonly string[];
  /** The region's KMS key. */
  readonly kmsKeyArn: string;
  /** Web settings from config. */
  readonly settings: WebSettings;
  /** The app code shipped to the instances. */
  readonly bundle: AppBundle;
  /** App environment beyond what the tier sets itself (database endpoints, credentials source). */
  readonly appEnvironment: Readonly<Record<string, string>>;
  /**
   * ACM certificate for HTTPS.
   * @default - plain HTTP only (documented exception)
   */
  readonly certificateArn?: string;
  /**
   * The ALB port Route53's health checks reach (the dns stack's HTTPS checks).
   * @default - no health checks (no dns stack)
   */
  readonly route53HealthCheckPort?: number;
  /**
   * Extra instance-role permissions (e.g. reading the database secret).
   * @default - Session Manager only
   */
  readonly instancePolicyStatements?: DataAwsIamPolicyDocumentStatement[];
  /** Tags on the instances (the provider's default tags do not reach them). */
  readonly instanceTags: Readonly<Record<string, string>>;
  /**
   * What must exist before any instance boots (the Auto Scaling group's depends_on): e.g. the database endpoints
   * parameter the app reads when it starts (Aurora mode).
   * @default - nothing beyond what the launch template references
   */
  readonly bootDependsOn?: ITerraformDependable[];
}

/** The region's web tier: ALB -> 3 Flask servers in an Auto Scaling group. */
export class WebTier extends Construct {
  readonly securityGroups: WebSecurityGroups;
  readonly loadBalancer: LoadBalancer;
  readonly fleet: WebFleet;
  readonly accessLogBucketName: string;
  readonly artifact: AppArtifact;

  constructor(scope: Construct, id: string, props: WebTierProps) {
    super(scope, id);
    const s = props.settings;
    this.securityGroups = new WebSecurityGroups(this, "SecurityGroups", {
      namePrefix: props.namePrefix,
      region: props.region,
      route53HealthCheckPort: props.route53HealthCheckPort,
      vpcId: props.vpcId,
      vpcCidr: props.vpcCidr,
      ingressCidrs: s.ingressCidrs,
      listenerPorts: listenerPorts(props.certificateArn),
      appPort: s.appPort,
      metricsPort: s.metricsPort,
    });
    const logs = new AccessLogBucket(this, "AccessLogs", {
      bucketName: `${props.namePrefix}-alb-logs-${props.accountId}`,
      prefix: "alb",
      accountId: props.accountId,
      retentionDays: s.accessLogRetentionDays,
    });
    this.accessLogBucketName = logs.bucketName;
    this.loadBalancer = new LoadBalancer(this, "LoadBalancer", {
      namePrefix: props.namePrefix,
      vpcId: props.vpcId,
      subnetIds: props.publicSubnetIds,
      securityGroupId: this.securityGroups.albSecurityGroupId,
      appPort: s.appPort,
      livenessPath: s.livenessPath,
      certificateArn: props.certificateArn,
      deletionProtection: s.albDeletionProtection,
      accessLogs: { bucketName: logs.bucketName, prefix: "alb", bucketPolicy: logs.policy },
    });
    this.artifact = new AppArtifact(this, "Artifact", {
      bucketName: `${props.namePrefix}-artifacts-${props.accountId}`,
      kmsKeyArn: props.kmsKeyArn,
      bundle: props.bundle,
      region: props.region,
    });
    this.fleet = new WebFleet(this, "Fleet", {
      namePrefix: props.namePrefix,
      partition: props.partition,
      amiSsmParameter: s.amiSsmParameter,
      instanceType: s.instanceType,
      subnetIds: props.appSubnetIds,
      securityGroupId: this.securityGroups.webSecurityGroupId,
      kmsKeyArn: props.kmsKeyArn,
      rootVolumeGb: s.rootVolumeGb,
      bundle: props.bundle,
      archive: this.artifact.archive,
      wheels: this.artifact.wheels,
      environment: {
        DRWEB_REGION: props.region,
        DRWEB_PORT: String(s.appPort),
        DRWEB_METRICS_PORT: String(s.metricsPort),
        ...props.appEnvironment,
      },
      desiredCapacity: s.desiredCapacity,
      minSize: s.minSize,
      maxSize: s.maxSize,
      targetGroupArns: [this.loadBalancer.targetGroupArn],
      healthCheckGraceSeconds: s.healthCheckGraceSeconds,
      refreshMinHealthyPercentage: s.refreshMinHealthyPercentage,
      instanceTags: { ...props.instanceTags, [SCRAPE_TAG.key]: SCRAPE_TAG.value },
      additionalPolicyStatements: [
        ...this.artifact.readStatements(props.partition, props.region, props.accountId),
        ...(props.instancePolicyStatements ?? []),
      ],
      ...(props.bootDependsOn?.length ? { groupDependsOn: props.bootDependsOn } : {}),
    });
  }
}
