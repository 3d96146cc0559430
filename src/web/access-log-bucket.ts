import { Construct } from "constructs";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import type { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { suppressPolicy } from "../policy";
import { PrivateBucket } from "../security/private-bucket";

export interface AccessLogBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Key prefix the ALB writes under. */
  readonly prefix: string;
  /** Account id (the ALB writes to AWSLogs/<account>/...). */
  readonly accountId: string;
  /** Days before log objects expire. */
  readonly retentionDays: number;
}

/** An S3 bucket for ALB access logs: private, TLS-only, expiring. */
export class AccessLogBucket extends Construct {
  /** Bucket name. */
  readonly bucketName: string;
  /** The bucket policy (an ALB must depend on it before logging). */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const elb = new DataAwsElbServiceAccount(this, "ElbAccount");
    const bucket = new PrivateBucket(this, "Store", {
      bucketName: props.bucketName,
      // Deliberate exception to "customer-managed keys everywhere": ELB
      // access-log delivery supports only SSE-S3 (AES256) on the target
      // bucket; with SSE-KMS the ALB cannot write its logs.
      encryption: "AES256",
      expireDays: props.retentionDays,
      policyStatements: (arn) => [
        {
          sid: "ElbWritesAccessLogs",
          actions: ["s3:PutObject"],
          principals: [{ type: "AWS", identifiers: [elb.arn] }],
          resources: [`${arn}/${props.prefix}/AWSLogs/${props.accountId}/*`],
        },
      ],
    });
    suppressPolicy(
      bucket,
      "s3-encrypted-cmk",
      "ELB access-log delivery writes only to buckets encrypted with SSE-S3 (AES256); with SSE-KMS the ALB cannot deliver its logs. The bucket is private, TLS-only and expiring.",
    );
    this.bucketName = bucket.bucketName;
    this.policy = bucket.policy;
  }
}
