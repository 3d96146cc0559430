import { Construct } from "constructs";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { PrivateBucket } from "../security/private-bucket";
import type { AppBundle } from "./app-bundle";

export interface AppArtifactProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** The region's key (SSE-KMS). */
  readonly kmsKeyArn: string;
  /** The app bundle to publish. */
  readonly bundle: AppBundle;
}

/**
 * The web app archive (exactly the tested code, as a deterministic .tar.gz)
 * published to a private, KMS-encrypted bucket in this region. The object
 * key carries the bundle's hash, so a changed app is a new key, new user
 * data and a new launch-template version. (The archive is larger than EC2's
 * 16 KB user-data limit, so it cannot travel inside the user data.)
 */
export class AppArtifact extends Construct {
  readonly bucketName: string;
  readonly objectKey: string;
  readonly objectArn: string;

  constructor(scope: Construct, id: string, props: AppArtifactProps) {
    super(scope, id);
    const store = new PrivateBucket(this, "Store", { bucketName: props.bucketName, encryption: { kmsKeyArn: props.kmsKeyArn } });
    this.objectKey = `app/drweb-${props.bundle.sha256}.tar.gz`;
    const object = new S3Object(this, "Archive", {
      bucket: store.bucket.id,
      key: this.objectKey,
      contentBase64: props.bundle.archiveBase64,
      contentType: "application/gzip",
      serverSideEncryption: "aws:kms",
      kmsKeyId: props.kmsKeyArn,
      bucketKeyEnabled: true,
    });
    this.bucketName = store.bucketName;
    this.objectArn = `${store.bucketArn}/${object.key}`;
  }

  /** What an instance needs to fetch exactly this archive. */
  readStatements(partition: string, region: string, accountId: string): DataAwsIamPolicyDocumentStatement[] {
    return [
      { sid: "FetchAppArchive", actions: ["s3:GetObject"], resources: [this.objectArn] },
      {
        sid: "DecryptAppArchive",
        actions: ["kms:Decrypt"],
        resources: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] }],
      },
    ];
  }
}
