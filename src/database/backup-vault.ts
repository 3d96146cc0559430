import { Construct } from "constructs";
import { BackupPlan, type BackupPlanRuleCopyAction } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupVaultPolicy } from "@cdktf/provider-aws/lib/backup-vault-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { DrState, RegionRole } from "../config";
import type { VaultLockSettings } from "../config/backup-settings";

/**
 * The region whose database takes writes in each DR state: the RDS Writer
 * that is not a replica and is deployed (src/database/topology.ts; in
 * failedOver the old us-east-2 writer is fenced and its stack not deployed),
 * and in the Aurora mode the global primary (aurora-contract.ts
 * AURORA_GLOBAL_PRIMARY, the same table). AWS Backup backs up that database.
 */
export const WRITING_REGION: Readonly<Record<DrState, RegionRole>> = {
  normal: "primary",
  failedOver: "secondary",
  failback: "secondary",
};

/** Name of a region's local backup vault, e.g. drweb-prod-use2-db-backups (deterministic: the other region's stack names it in its copy rule). */
export function backupVaultName(regionalPrefix: string): string {
  return `${regionalPrefix}-db-backups`;
}

/** An AWS Backup vault ARN, named from config (the vault may be in another region or account). */
export function backupVaultArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:backup:${region}:${accountId}:backup-vault:${name}`;
}

export interface DatabaseBackupsProps {
  /** Name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  readonly partition: string;
  /** This region's customer key: the local vault's encryption. */
  readonly kmsKeyArn: string;
  /** Days the local recovery points are kept. */
  readonly localRetentionDays: number;
  /**
   * Vault Lock and the deny-deletion access policy on the vault (backups.vaultLock).
   * @default - neither (a vault any principal allowed backup:DeleteRecoveryPoint can empty)
   */
  readonly lock?: VaultLockSettings;
  /**
   * The database to back up (an RDS instance or Aurora cluster ARN), when
   * this region writes in the current DR state.
   * @default - no plan here: only the vault (kept in every state, so a DR transition never deletes a vault with recovery points)
   */
  readonly backup?: {
    readonly resourceArn: string;
    /** When, in UTC (an AWS Backup cron expression). */
    readonly schedule: string;
    /** Where each recovery point is copied, and for how long. */
    readonly copies: ReadonlyArray<{ readonly vaultArn: string; readonly retentionDays: number }>;
  };
}

/**
 * AWS Backup for the database: a vault in this region (this region's key),
 * and, where the database writes, a daily plan whose rule copies each
 * recovery point to other vaults: the other region's vault (the Aurora
 * mode's cross-region copy: "AWS Backup re-encrypts your copy using the
 * customer managed key of your destination vault", AWS Backup Developer
 * Guide, "Creating backup copies across AWS Regions") and, with
 * backups.isolatedCopy, a vault in another account ("your accounts must
 * belong to the same organization in the AWS Organizations service"; "if
 * your resources are encrypted with a customer managed key, you must share
 * this customer managed key with the destination account", "Creating backup
 * copies across AWS accounts"; the region key's policy does, in
 * stacks/regional-stack.ts). A copy of a continuous backup "becomes a
 * snapshot (periodic) backup ... PITR is not available for these copies"
 * (AWS Backup Developer Guide, "Backup and tag copy"), so the plan takes
 * snapshots: each copy restores to the time it was taken (RPO: the schedule,
 * one day), not to any point in time.
 * The vault's force_destroy stays off: DeleteBackupVault refuses a vault
 * with recovery points, so a destroy cannot take the backups with it.
 * With `lock` (backups.vaultLock) the vault also gets AWS Backup Vault Lock
 * and an access policy denying recovery-point deletion to every principal
 * (docs/backups.md).
 */
export class DatabaseBackups extends Construct {
  readonly vault: BackupVault;
  readonly plan?: BackupPlan;
  readonly lock?: BackupVaultLockConfiguration;
  readonly vaultPolicy?: BackupVaultPolicy;

  constructor(scope: Construct, id: string, props: DatabaseBackupsProps) {
    super(scope, id);
    this.vault = new BackupVault(this, "Vault", { name: backupVaultName(props.namePrefix), kmsKeyArn: props.kmsKeyArn, forceDestroy: false });
    // The role is kept in every state too (IAM's control plane is in
    // us-east-1: nothing on the way to a failover should create one).
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["backup.amazonaws.com"] }] }],
    });
    const role = new IamRole(this, "Role", { name: `${props.namePrefix}-db-backup`, description: "AWS Backup backs up and copies the database", assumeRolePolicy: trust.json });
    new IamRolePolicyAttachment(this, "RolePolicy", { role: role.name, policyArn: `arn:${props.partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup` });
    if (props.lock) {
      // Declared in every DR state with the vault (a transition never
      // replaces them: docs/backups.md "Vault lock"). Every argument of
      // aws_backup_vault_lock_configuration is ForceNew (hashicorp/aws
      // internal/service/backup/vault_lock_configuration.go): a change of
      // min/max/changeable_for_days is a DeleteBackupVaultLockConfiguration
      // then a Put, which a compliance lock past its lock date refuses.
      this.lock = new BackupVaultLockConfiguration(this, "Lock", {
        backupVaultName: this.vault.name,
        minRetentionDays: props.lock.minRetentionDays,
        maxRetentionDays: props.lock.maxRetentionDays,
        changeableForDays: props.lock.changeableForDays,
      });
      this.vaultPolicy = new BackupVaultPolicy(this, "Policy", { backupVaultName: this.vault.name, policy: vaultDenyDeletionPolicy(this, "PolicyDocument").json });
    }
    if (!props.backup) return;
    const copyAction: BackupPlanRuleCopyAction[] = props.backup.copies.map((c) => ({ destinationVaultArn: c.vaultArn, lifecycle: { deleteAfter: c.retentionDays } }));
    this.plan = new BackupPlan(this, "Plan", {
      name: `${props.namePrefix}-db`,
      rule: [{ ruleName: "daily", targetVaultName: this.vault.name, schedule: props.backup.schedule, lifecycle: { deleteAfter: props.localRetentionDays }, copyAction }],
    });
    new BackupSelection(this, "Selection", { name: `${props.namePrefix}-db`, planId: this.plan.id, iamRoleArn: role.arn, resources: [props.backup.resourceArn] });
  }
}

/**
 * The backup actions the vault access policy denies to every principal
 * (backups.vaultLock): deleting a recovery point and shortening its
 * lifecycle. Recovery points leave the vault only by their lifecycle
 * expiring (the plan's delete_after). AWS Config's managed rule
 * backup-recovery-point-manual-deletion-disabled looks for a Deny with
 * "backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle, and
 * backup:PutBackupVaultAccessPolicy" and "Principal": "*"; this policy
 * leaves backup:PutBackupVaultAccessPolicy (and Delete...) OUT on purpose: a
 * Deny on it to "*" would refuse Terraform's own next change of the policy
 * (explicit deny in a resource policy wins over the apply role's allow,
 * IAM User Guide "Policy evaluation logic"), so the policy could never be
 * changed or removed, nor the stack destroyed. Who may change the policy
 * is IAM's job: only the CI apply role holds those two actions, on the
 * project's vaults (src/ci/permissions.ts). docs/backups.md.
 * "Unlike other IAM-based policies, AWS Backup access policies don't support
 * a wildcard in the Action key" (AWS Backup Developer Guide, "Vault access
 * policies"): the actions are listed one by one.
 */
export const VAULT_DENIED_ACTIONS = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"] as const;

function vaultDenyDeletionPolicy(scope: Construct, id: string): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: [{ sid: "DenyRecoveryPointDeletion", effect: "Deny", principals: [{ type: "AWS", identifiers: ["*"] }], actions: [...VAULT_DENIED_ACTIONS], resources: ["*"] }],
  });
}
