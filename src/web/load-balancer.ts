import { Construct } from "constructs";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import type { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { listenerPorts as portsFor } from "../lib/alb-ingress";

/** TLS 1.3 policy (TLS 1.2 still negotiated for older clients, no CBC/SHA1 ciphers). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface LoadBalancerProps {
  /** Name prefix, e.g. drweb-prod-use2 (ALB names are at most 32 characters). */
  readonly namePrefix: string;
  /** VPC id. */
  readonly vpcId: string;
  /** Public subnets, one per AZ. */
  readonly subnetIds: readonly string[];
  /** The ALB's security group. */
  readonly securityGroupId: string;
  /** App port on the instances. */
  readonly appPort: number;
  /** Liveness path for the target group health check. */
  readonly livenessPath: string;
  /**
   * ACM certificate for the HTTPS listener.
   * @default - no certificate: plain HTTP on port 80 only
   */
  readonly certificateArn?: string;
  /** Deletion protection on the ALB. */
  readonly deletionProtection: boolean;
  /** Access-log bucket and prefix. */
  readonly accessLogs: { readonly bucketName: string; readonly prefix: string; readonly bucketPolicy: S3BucketPolicy };
}

/** Listener ports the ALB opens for a given certificate setting. */
export function listenerPorts(certificateArn: string | undefined): number[] {
  return portsFor(certificateArn !== undefined);
}

/**
 * The region's Application Load Balancer: public subnets, invalid headers
 * dropped, access logs, and either HTTPS (TLS 1.3 policy) with HTTP
 * redirected to it, or, without a certificate, plain HTTP.
 */
export class LoadBalancer extends Construct {
  /** ALB DNS name. */
  readonly dnsName: string;
  /** ALB hosted zone id (for Route53 alias records). */
  readonly zoneId: string;
  /** ALB ARN. */
  readonly arn: string;
  /** ALB ARN suffix (CloudWatch dimension). */
  readonly arnSuffix: string;
  /** Target group ARN. */
  readonly targetGroupArn: string;
  /** "https" with a certificate, else "http". */
  readonly scheme: "http" | "https";

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const alb = new Lb(this, "Alb", {
      name: albName(props.namePrefix),
      loadBalancerType: "application",
      internal: false,
      ipAddressType: "ipv4",
      subnets: [...props.subnetIds],
      securityGroups: [props.securityGroupId],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: props.deletionProtection,
      idleTimeout: 60,
      accessLogs: { bucket: props.accessLogs.bucketName, prefix: props.accessLogs.prefix, enabled: true },
      dependsOn: [props.accessLogs.bucketPolicy],
    });
    const tg = new LbTargetGroup(this, "TargetGroup", {
      name: targetGroupName(props.namePrefix),
      port: props.appPort,
      protocol: "HTTP",
      targetType: "instance",
      vpcId: props.vpcId,
      deregistrationDelay: "30",
      healthCheck: {
        enabled: true,
        path: props.livenessPath,
        protocol: "HTTP",
        port: "traffic-port",
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
      },
    });
    const forward = [{ type: "forward", targetGroupArn: tg.arn }];
    if (props.certificateArn) {
      new LbListener(this, "Https", {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: props.certificateArn,
        defaultAction: forward,
      });
      new LbListener(this, "Http", {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: "HTTP",
        defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      });
    } else {
      // Deliberate, documented choice: with no certificate configured the ALB
      // serves plain HTTP so the stack deploys and can be tested before DNS
      // and ACM exist. Production sets regions.<role>.certificateArn (or the
      // dns stack's certificates) and gets HTTPS with HTTP redirected.
      new LbListener(this, "Http", { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultAction: forward });
    }
    this.dnsName = alb.dnsName;
    this.zoneId = alb.zoneId;
    this.arn = alb.arn;
    this.arnSuffix = alb.arnSuffix;
    this.targetGroupArn = tg.arn;
    this.scheme = props.certificateArn ? "https" : "http";
  }
}

/** Name of a region's ALB (ELB names are at most 32 characters). */
export function albName(namePrefix: string): string {
  return `${namePrefix}-alb`.slice(0, 32);
}

/** Name of a region's web target group (at most 32 characters). */
export function targetGroupName(namePrefix: string): string {
  return `${namePrefix}-web`.slice(0, 32);
}
