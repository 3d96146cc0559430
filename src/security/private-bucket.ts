import { Construct } from "constructs";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";

export interface PrivateBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /**
   * KMS key for SSE-KMS; "AES256" only where a service cannot write to a
   * KMS-encrypted bucket (write the reason next to the call).
   */
  readonly encryption: { readonly kmsKeyArn: string } | "AES256";
  /**
   * Days before objects expire.
   * @default - never
   */
  readonly expireDays?: number;
  /**
   * Keep noncurrent object versions forever (an artifact store whose old
   * versions are still referenced, e.g. by old launch-template versions).
   * @default - noncurrent versions expire after 30 days
   */
  readonly retainNoncurrentVersions?: boolean;
  /**
   * Extra bucket-policy statements (the TLS-only deny is always there).
   * @default - none
   */
  readonly policyStatements?: (bucketArn: string) => DataAwsIamPolicyDocumentStatement[];
}

/** An S3 bucket that is private, versioned, encrypted and TLS-only. */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The bucket policy (dependents that write to the bucket wait for it). */
  readonly policy: S3BucketPolicy;
  /**
   * The versioning configuration: writers whose objects must be versioned
   * depend on it (S3 may still write unversioned objects for up to 15
   * minutes after versioning is first enabled: see AppArtifact).
   */
  readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "Bucket", { bucket: props.bucketName, forceDestroy: false });
    this.bucket = bucket;
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
    this.versioning = new S3BucketVersioningA(this, "Versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket: bucket.id,
      rule: [
        props.encryption === "AES256"
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.encryption.kmsKeyArn }, bucketKeyEnabled: true },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "housekeeping",
          status: "Enabled",
          filter: [{ prefix: "" }],
          ...(props.expireDays ? { expiration: [{ days: props.expireDays }] } : {}),
          ...(props.retainNoncurrentVersions ? {} : { noncurrentVersionExpiration: [{ noncurrentDays: 30 }] }),
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const doc = new DataAwsIamPolicyDocument(this, "PolicyDocument", {
      statement: [
        ...(props.policyStatements?.(bucket.arn) ?? []),
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
