import { Construct } from "constructs";
import type { RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";
import { PrivateBucket } from "../security/private-bucket";

/** The S3 key prefix of every run report (run-report.ts reportKey): the runbook role may PutObject under it only. */
export const REPORT_KEY_PREFIX = "dr-reports/";

/**
 * The run-report bucket of a region (docs/dr-runbook.md, "Run reports"): runbook.reportBucket.<role> when set,
 * otherwise `<project>-<environment>-<region code>-dr-reports`. One function for the regional stack that creates it
 * and the runbook role that may write to it (runbook-role.ts). The runbook uploads only to runbook.reportBucket
 * (run-report.ts): set it to these names to turn the upload on.
 */
export function reportBucketName(config: ValidConfig, role: RegionRole): string {
  return config.runbook.reportBucket?.[role] ?? `${new Naming(config.project, config.environment, config.regions[role].region).regional}-dr-reports`;
}

export interface ReportBucketProps {
  /** The bucket's name (reportBucketName). */
  readonly bucketName: string;
  /** The region's customer-managed KMS key (SSE-KMS). */
  readonly kmsKeyArn: string;
}

/**
 * A region's run-report bucket: private, versioned, SSE-KMS with the region's key, TLS-only (PrivateBucket);
 * noncurrent versions expire after 30 days, current reports are kept (they are the record of each failover).
 * The runbook uploads with the runbook role's s3:PutObject under dr-reports/ (runbook-role.ts) and
 * kms:GenerateDataKey through S3 ("To upload an object encrypted with an AWS KMS key to Amazon S3, you need
 * kms:GenerateDataKey": S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)", Permissions).
 */
export class ReportBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);
    const store = new PrivateBucket(this, "Store", { bucketName: props.bucketName, encryption: { kmsKeyArn: props.kmsKeyArn } });
    this.bucketName = store.bucketName;
    this.bucketArn = store.bucketArn;
  }
}
