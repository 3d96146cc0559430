import { Construct } from "constructs";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import type { Postcondition } from "cdktf";
import { StackFileAsset } from "../lib/stack-asset";
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
    // Uploads only once the bucket policy (TLS only) and versioning are in
    // place. Ordering after aws_s3_bucket_versioning is necessary but not
    // sufficient: its create returns once GetBucketVersioning answers with
    // any status (Enabled, Suspended or Disabled) three times in a row
    // (hashicorp/aws 5.x, internal/service/s3/bucket_versioning.go:
    // resourceBucketVersioningCreate -> resourceBucketVersioningRead ->
    // waitForBucketVersioningStatus, Target bucketVersioningStatus_Values(),
    // ContinuousTargetOccurence 3, Delay 1 s; read in the provider's 5.x
    // source, these functions are in the 5.100.0 binary), while S3 documents "If you
    // enable versioning on a bucket for the first time, it might take up to
    // 15 minutes for the change to be fully propagated ... Write operations
    // issued before this conversion is complete may apply to unversioned
    // objects" (Amazon S3 User Guide, "Enabling versioning on buckets").
    // Hence the postcondition below.
    const ordered = [store.policy, store.versioning];
    const archive = new S3Object(this, "Archive", {
      bucket: store.bucket.id,
      key: APP_ARCHIVE_KEY,
      contentBase64: props.bundle.archiveBase64,
      contentType: "application/gzip",
      metadata: { "bundle-sha256": props.bundle.sha256 },
      ...encrypted,
      dependsOn: ordered,
      lifecycle: { postcondition: [versionedUpload(props.region)] },
    });
    // 23 MB of wheels: a file the apply uploads, not a string in the
    // Terraform JSON and state. Shipped inside the stack's folder
    // (assets/<id>/<sha256>/wheels.tar, a path relative to it: StackFileAsset)
    // so cdktf.out/ is self-contained: a pipeline that synthesizes in one job
    // and applies in another, or an apply from another checkout, finds it.
    // source_hash makes a new lock a new object version.
    const wheelsAsset = new StackFileAsset(this, "WheelsAsset", { sourcePath: props.bundle.wheelhouse.archivePath, sha256: props.bundle.wheelhouse.sha256 });
    const wheels = new S3Object(this, "Wheels", {
      bucket: store.bucket.id,
      key: WHEELS_ARCHIVE_KEY,
      source: wheelsAsset.path,
      sourceHash: props.bundle.wheelhouse.sha256,
      contentType: "application/x-tar",
      ...encrypted,
      dependsOn: ordered,
      lifecycle: {
        // The provider opens `source` only on apply; checked at plan, so a
        // stack folder copied without its assets/ (or an altered archive)
        // stops before anything changes. Terraform runs in the stack folder,
        // which relative paths resolve against (path.module is "." there;
        // Terraform refuses a condition that refers to nothing: "The
        // condition expression must refer to at least one object from
        // elsewhere in the configuration").
        precondition: [
          {
            condition: `\${try(filesha256("\${path.module}/${wheelsAsset.path}"), "") == ${JSON.stringify(props.bundle.wheelhouse.sha256)}}`,
            errorMessage:
              `The web app's wheel archive ${wheelsAsset.path} is missing from this stack's folder, or its bytes differ from what synth checked (sha256 ${props.bundle.wheelhouse.sha256}): ` +
              "the apply uploads it from there. Fix: copy the whole stack folder (cdk.tf.json with its assets/ folder), or synthesize again (npm run synth) and apply that output.",
          },
        ],
        postcondition: [versionedUpload(props.region)],
      },
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

/**
 * Postcondition of an uploaded release: S3 gave it a version id. After the
 * upload the provider reads the object back (HeadObject) and stores its
 * VersionId as version_id (hashicorp/aws
 * internal/service/s3/object.go: resourceObjectUpload -> resourceObjectRead,
 * d.Set("version_id", output.VersionId); the same in the 4.x and 6.x
 * sources read, and these functions are in the 5.100.0 binary): "" when S3 returns none (an
 * unversioned bucket), "null" for an object written before versioning took
 * effect ("Objects that are stored in an Amazon S3 bucket before you set the
 * versioning state have a version ID of null", S3 User Guide, "Working with
 * objects in a versioning-enabled bucket"). Either would reach the user data:
 * an empty --version-id fetches nothing (every instance fails to boot and the
 * Auto Scaling group times out after 15 minutes), and the "null" version is
 * overwritten by the next unversioned write, so a launch template would no
 * longer name one immutable release. Checked on apply right after the upload
 * (the launch template, which reads version_id, is not changed then) and at
 * every later plan (the value is known from state), so a deployment whose
 * object was written unversioned cannot plan until it is repaired.
 * coalesce() skips null and "": all three bad values become "null".
 *
 * The repair must not destroy older releases: replacing (or tainting) the
 * object deletes EVERY version of its key (resourceObjectDelete ->
 * deleteAllObjectVersions when version_id is set, and "null" is set), which
 * older launch-template versions still fetch. Instead a copy with new
 * metadata makes Terraform upload the release again, in place (a changed
 * `metadata` is a content change: PutObject, a new version), which deletes
 * nothing.
 */
function versionedUpload(region: string): Postcondition {
  return {
    condition: '${coalesce(self.version_id, "null") != "null"}',
    errorMessage:
      `S3 stored s3://\${self.bucket}/\${self.key} without a version id (version_id is empty or "null"): it was written before the bucket's versioning took effect ` +
      `(S3 propagates a first-time enable for up to 15 minutes; writes before then "may apply to unversioned objects"). Nothing that reads its version (the launch ` +
      `template) is changed until it has one: instances could not fetch it by version. Fix: wait 15 minutes after versioning was enabled on the bucket, then run ` +
      `\`aws s3api copy-object --region ${region} --bucket \${self.bucket} --key \${self.key} --copy-source \${self.bucket}/\${self.key} --metadata-directive REPLACE --metadata reupload=1\`` +
      ` and deploy again: Terraform sees the changed metadata and uploads this release once more as a new, versioned object. ` +
      `Never replace or taint this object (-replace, terraform taint): that deletes every version of the key, older releases included. See docs/web-tier.md "Web tier" (boot artefacts written unversioned).`,
  };
}
