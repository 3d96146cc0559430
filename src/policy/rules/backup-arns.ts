/**
 * ARN parsing shared by the backup rules (dr-db-backups-replicated,
 * backup-retention-minimum, backup-copies-destination-key,
 * backup-vault-protected). Not a rule.
 */
import type { ResourceView } from "../types";

/** Every element of a block list (cdktf writes a list of blocks as an array). */
export const blocks = (v: unknown): Array<Record<string, any>> => (Array.isArray(v) ? v : v ? [v] : []).filter((x) => x && typeof x === "object");

/** Region and identifier of the instance an automated-backups replication copies, from its source ARN. */
export function replicationSource(r: ResourceView): { region: string; identifier: string } | undefined {
  const m = /:rds:([a-z0-9-]+):[^:]*:db:([^:]+)$/.exec(String(r.config.source_db_instance_arn ?? ""));
  return m ? { region: m[1], identifier: m[2] } : undefined;
}

/**
 * Region, account and name of an AWS Backup vault from its ARN
 * (arn:<partition>:backup:<region>:<account>:backup-vault:<name>; the account
 * may be a Terraform expression, e.g. the caller identity's).
 */
export function vaultOf(arn: unknown): { region: string; account: string; name: string } | undefined {
  const m = /^arn:[^:]+:backup:([a-z0-9-]+):(.*):backup-vault:([A-Za-z0-9_-]+)$/.exec(String(arn ?? ""));
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

/** The region of a literal KMS key ARN (arn:<partition>:kms:<region>:...), if the value is one. */
export function kmsArnRegion(value: unknown): string | undefined {
  return /^arn:[^:]+:kms:([a-z0-9-]+):/.exec(String(value ?? ""))?.[1];
}
