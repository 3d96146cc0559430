import { Construct } from "constructs";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { PrivateBucket } from "../security/private-bucket";
import type { AppBundle } from "./app-bundle";
import type { ObjectVersion } from "./user-data";
import { WHEEL_TARGET } from "./wheelhouse";

export interface AppArtifactProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** The region's key (SSE-KMS). */
  readonly kmsKeyArn: string;
  /** The app bundle (and its wheel archive) to publish. */
  readonly bundle: AppBundle;
  /** Region of the bucket (instances fetch from it). */
  readonly region: string;
}

/** S3 key of the app archive: one key, a new object VERSION per release. */
export const APP_ARCHIVE_KEY = "app/drweb.tar.gz";
/** S3 key of the wheel archive: one key, a new version when the lock changes. */
export const WHEELS_ARCHIVE_KEY = `app/wheels-cp${WHEEL_TARGET.pythonVersion.replace(".", "")}-${WHEEL_TARGET.architecture}.tar`;

/**
 * The web app archive (exactly the tested code, as a deterministic .tar.gz)
 * and its dependencies' wheel archive, published to a private, versioned,
 * KMS-encrypted bucket in this region. (The app archive is larger than EC2's
 * 16 KB user-data limit, so it cannot travel inside the user data.)
 *
 * Old releases stay fetchable, which rollbacks and every older launch-template
 * version need:
 * - each archive lives at ONE key and a release is a new object version
 *   (content changes update aws_s3_object in place: PutObject, and the
 *   provider marks version_id as changing). Deliberately not a key per
 *   release: replacing an aws_s3_object in a versioned bucket deletes ALL
 *   versions of the old key (hashicorp/terraform-provider-aws,
 *   internal/service/s3/object.go resourceObjectDelete ->
 *   deleteAllObjectVersions when version_id is set), so the archive of the
 *   previous launch-template version would be gone;
 * - the user data names the exact version_id, so an instance gets exactly the
 *   release its launch-template version was made for, and the launch template
 *   depends on the upload (it cannot roll out before the object exists);
 * - the bucket keeps noncurrent versions (no noncurrent expiration);
 * - the instance role may read any version of exactly these two keys, and
 *   only by version (Amazon S3 API Reference, GetObject, versionId: "If you
 *   include a versionId in your request header, you must have the
 *   s3:GetObjectVersion permission ... The s3:GetObject permission is not
 *   required in this scenario").
 */
export class AppArtifact extends Construct {
  readonly bucketName: string;
  /** The app archive, as the user data fetches it. */
  readonly archive: ObjectVersion;
  /** The wheel archive, as the user data fetches it. */
  readonly wheels: ObjectVersion;
  private readonly objectArns: string[];

  constructor(scope: Construct, id: string, props: AppArtifactProps) {
    super(scope, id);
    const store = new PrivateBucket(this, "Store", {
      bucketName: props.bucketName,
      encryption: { kmsKeyArn: props.kmsKeyArn },
      retainNoncurrentVersions: true,
    });
    const encrypted = { serverSideEncryption: "aws:kms", kmsKeyId: props.kmsKeyArn, bucketKeyEnabled: true } as const;
    const archive = new S3Object(this, "Archive", {
      bucket: store.bucket.id,
      key: APP_ARCHIVE_KEY,
      contentBase64: props.bundle.archiveBase64,
      contentType: "application/gzip",
      metadata: { "bundle-sha256": props.bundle.sha256 },
      ...encrypted,
      // Uploads only once the bucket policy (TLS only) is in place.
      dependsOn: [store.policy],
    });
    // 23 MB of wheels: a file the plan uploads, not a string in the Terraform
    // JSON and state. Referenced where `npm run wheels` built it (absolute
    // path, like the local backend's state path) rather than as a
    // TerraformAsset: an asset is copied into every stack's folder at every
    // synth (2 x 23 MB, ~0.2 s of each synth and test). source_hash makes a
    // new lock a new object version.
    const wheels = new S3Object(this, "Wheels", {
      bucket: store.bucket.id,
      key: WHEELS_ARCHIVE_KEY,
      source: props.bundle.wheelhouse.archivePath,
      sourceHash: props.bundle.wheelhouse.sha256,
      contentType: "application/x-tar",
      ...encrypted,
      dependsOn: [store.policy],
    });
    this.bucketName = store.bucketName;
    this.archive = { bucket: store.bucketName, key: archive.key, versionId: archive.versionId, sha256: props.bundle.archiveSha256, region: props.region };
    this.wheels = { bucket: store.bucketName, key: wheels.key, versionId: wheels.versionId, sha256: props.bundle.wheelhouse.sha256, region: props.region };
    this.objectArns = [`${store.bucketArn}/${APP_ARCHIVE_KEY}`, `${store.bucketArn}/${WHEELS_ARCHIVE_KEY}`];
  }

  /** What an instance needs to fetch these archives, in any of their versions. */
  readStatements(partition: string, region: string, accountId: string): DataAwsIamPolicyDocumentStatement[] {
    return [
      { sid: "FetchAppArchive", actions: ["s3:GetObjectVersion"], resources: this.objectArns },
      {
        sid: "DecryptAppArchive",
        actions: ["kms:Decrypt"],
        resources: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`s3.${region}.amazonaws.com`] }],
      },
    ];
  }
}
