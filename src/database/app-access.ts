import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

export interface AppAccessProps {
  readonly partition: string;
  readonly accountId: string;
  /** The region the app runs in: it reads the secret (or its replica) there. */
  readonly region: string;
  /** Name of the credentials secret (same name in both regions). */
  readonly secretName: string;
}

/** ARN pattern of the secret (or its replica) in one region; Secrets Manager appends 6 random characters. */
export function secretArnPattern(p: AppAccessProps): string {
  return `arn:${p.partition}:secretsmanager:${p.region}:${p.accountId}:secret:${p.secretName}-??????`;
}

/**
 * The web servers' access to the database credentials: read exactly this
 * secret in their own region, and decrypt only through Secrets Manager for
 * that secret (whichever key of the region encrypts it).
 */
export function secretReadStatements(p: AppAccessProps): DataAwsIamPolicyDocumentStatement[] {
  const arn = secretArnPattern(p);
  return [
    { sid: "ReadDbCredentials", actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: [arn] },
    {
      sid: "DecryptDbCredentials",
      actions: ["kms:Decrypt"],
      resources: [`arn:${p.partition}:kms:${p.region}:${p.accountId}:key/*`],
      condition: [
        { test: "StringEquals", variable: "kms:ViaService", values: [`secretsmanager.${p.region}.amazonaws.com`] },
        { test: "StringLike", variable: "kms:EncryptionContext:SecretARN", values: [arn] },
      ],
    },
  ];
}
