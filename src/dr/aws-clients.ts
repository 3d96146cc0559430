import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { Route53Client } from "@aws-sdk/client-route-53";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";

// The SDK clients the runbook's AWS adapter (aws-platform.ts) and its restore and readiness parts (aws-restore.ts,
// aws-readiness.ts) send through: their own module, so those parts need not import the adapter (no import cycle).

/** The extra clients (optional in AwsClients: stubs of the runbook tests need not have them). */
export interface ReadinessClients {
  ec2?(region: string): Pick<EC2Client, "send">;
  readonly iam?: Pick<IAMClient, "send">;
  /** Secrets Manager in a region (the secrets check's DescribeSecret). */
  secretsmanager?(region: string): Pick<SecretsManagerClient, "send">;
}

export type Sender<C> = Pick<C, Extract<keyof C, "send">>;

/** The SDK clients the adapter uses; tests pass stubs (ec2 and iam, ReadinessClients: the readiness check's only). */
export interface AwsClients extends ReadinessClients {
  /** Route53 (a global service, endpoint in us-east-1). */
  readonly route53: Sender<Route53Client>;
  /** CloudWatch in a region (us-east-1 holds Route53's metrics; each region its RDS metrics; the secondary the failover switch). */
  cloudwatch(region: string): Sender<CloudWatchClient>;
  /** SSM Parameter Store in a region (the handoff region holds the dns stack's health-check ids). */
  ssm(region: string): Sender<SSMClient>;
  rds(region: string): Sender<RDSClient>;
  elbv2(region: string): Sender<ElasticLoadBalancingV2Client>;
  autoscaling(region: string): Sender<AutoScalingClient>;
  /** S3 in a region: the run report's upload (runbook.reportBucket). Absent: reports are not uploaded. */
  s3?(region: string): Sender<S3Client>;
  /**
   * AWS's clock (epoch ms) as the last answer from a region's endpoint gave it
   * (its HTTP Date header, advanced by the time elapsed here since), or null
   * before any answer: CloudWatch timestamps are compared with this, never
   * with the operator's clock (which may be minutes off: SigV4 tolerates 5).
   */
  serverNow?(region: string): number | null;
}
