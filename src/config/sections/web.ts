/**
 * The config's web section: the Flask web tier (Auto Scaling group behind an ALB).
 */
import { z } from "zod";
import { count, port, urlPath } from "./fields";

export const webSchema = z.strictObject({
  /** EC2 instance type of the web fleet (x86_64: the shipped wheels). */
  instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.micro" }),
  /** Instances the web fleet of each region runs (Auto Scaling group desired capacity; minSize..maxSize). */
  desiredCapacity: count(),
  /** Fewest instances of each region's web fleet. */
  minSize: count(),
  /** Most instances of each region's web fleet. */
  maxSize: count(),
  /** Port gunicorn serves the app on (ALB -> instances). */
  appPort: port,
  /** Port of the Prometheus metrics endpoint (VPC only, never the ALB). */
  metricsPort: port,
  /** Liveness path: the ALB target group's health check. */
  livenessPath: urlPath,
  /** Deep readiness path (database reachable): Route53's health check. */
  readinessPath: urlPath,
  /** SSM public parameter naming the AMI: resolved by EC2 in each region at each launch (`resolve:ssm:`), never hard-coded, never at plan time; x86_64 only (the shipped wheels). */
  amiSsmParameter: z.string().startsWith("/aws/service/", { message: "must be an AWS public SSM parameter under /aws/service/. Fix: e.g. /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }),
  /** Root volume size (GiB), gp3, encrypted with the region's key. */
  rootVolumeGb: z.number().int().min(8).max(1024),
  /** CIDRs allowed to reach the ALB's listeners (Route53 health checkers are admitted on 443 when the dns stack is on); must fit the security-group rule quota (at most 17 CIDRs with HTTPS and the dns stack: 60 inbound rules per security group). */
  ingressCidrs: z.array(z.string()).min(1),
  /** ALB deletion protection. */
  albDeletionProtection: z.boolean(),
  /** Days the ALB access logs are kept in their bucket. */
  accessLogRetentionDays: count(),
  /** Seconds a new instance gets to install the app before ELB health counts. */
  healthCheckGraceSeconds: z.number().int().min(60).max(3600),
  /** Minimum healthy percentage during an instance refresh. */
  refreshMinHealthyPercentage: z.number().int().min(0).max(100),
});
