import { Construct } from "constructs";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

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
  /** Bucket ARN. */
  readonly bucketArn: string;
  /** The bucket policy (an ALB must depend on it before logging). */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "Bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    const pab = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "Ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketVersioningA(this, "Versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    // Deliberate exception to "customer-managed keys everywhere": ELB access
    // log delivery supports only SSE-S3 (AES256) on the target bucket; with
    // SSE-KMS the ALB cannot write its logs.
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const elb = new DataAwsElbServiceAccount(this, "ElbAccount");
    const doc = new DataAwsIamPolicyDocument(this, "PolicyDocument", {
      statement: [
        {
          sid: "ElbWritesAccessLogs",
          actions: ["s3:PutObject"],
          principals: [{ type: "AWS", identifiers: [elb.arn] }],
          resources: [`${bucket.arn}/${props.prefix}/AWSLogs/${props.accountId}/*`],
        },
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          principals: [{ type: "*", identifiers: ["*"] }],
          resources: [bucket.arn, `${bucket.arn}/*`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    this.policy = new S3BucketPolicy(this, "Policy", { bucket: bucket.id, policy: doc.json, dependsOn: [pab] });
  }
}
