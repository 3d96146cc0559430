import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";

export interface RegionKeyProps {
  /** Alias name without the "alias/" prefix. */
  readonly aliasName: string;
  /** Region the key lives in (for the CloudWatch Logs service principal). */
  readonly region: string;
  /** Account id that owns the key. */
  readonly accountId: string;
  /** AWS partition (aws, aws-us-gov, ...). */
  readonly partition: string;
  /** Days before a scheduled deletion takes effect (7..30). */
  readonly deletionWindowDays: number;
  /**
   * Extra key-policy statements for services that use the key through a
   * service-linked role (EC2 Auto Scaling for EBS, ...).
   * @default - none
   */
  readonly additionalStatements?: DataAwsIamPolicyDocumentStatement[];
  /**
   * Provider of the key's region.
   * @default - the stack's default provider
   */
  readonly provider?: TerraformProvider;
  /** @default - "Customer-managed key for <alias> (<region>): ..." */
  readonly description?: string;
}

/**
 * The region's customer-managed KMS key: one per region, rotation on, used
 * for every encryption at rest in that region (logs, EBS, RDS, EKS secrets,
 * S3). A cross-region replica is encrypted with the destination region's key.
 */
export class RegionKey extends Construct {
  /** ARN of the key. */
  readonly keyArn: string;
  /** Key id. */
  readonly keyId: string;
  /** "alias/<aliasName>". */
  readonly aliasArn: string;

  constructor(scope: Construct, id: string, props: RegionKeyProps) {
    super(scope, id);
    const root = `arn:${props.partition}:iam::${props.accountId}:root`;
    const provider = props.provider;
    const policy = new DataAwsIamPolicyDocument(this, "Policy", {
      provider,
      statement: [
        {
          // Delegates key use to IAM policies in this account (the AWS
          // default key policy); without it the key becomes unmanageable.
          sid: "AccountAdministers",
          actions: ["kms:*"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [root] }],
        },
        {
          sid: "CloudWatchLogsEncrypts",
          actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: [`logs.${props.region}.amazonaws.com`] }],
          condition: [
            {
              test: "ArnLike",
              variable: "kms:EncryptionContext:aws:logs:arn",
              values: [`arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*`],
            },
          ],
        },
        ...(props.additionalStatements ?? []),
      ],
    });
    const key = new KmsKey(this, "Key", {
      description: props.description ?? `Customer-managed key for ${props.aliasName} (${props.region}): logs, EBS, RDS, EKS secrets, S3`,
      provider,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
    });
    const alias = new KmsAlias(this, "Alias", { name: `alias/${props.aliasName}`, targetKeyId: key.keyId, provider });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
    this.aliasArn = alias.arn;
  }
}
