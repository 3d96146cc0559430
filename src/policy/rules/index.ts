import type { PolicyRule } from "../types";
import { albHardened } from "./alb-hardened";
import { auroraClusterHardened } from "./aurora-cluster-hardened";
import { auroraEndpointsParameter } from "./aurora-endpoints-parameter";
import { ciOidcTrust } from "./ci-oidc-trust";
import { ciRoleScoped } from "./ci-role-scoped";
import { backupCopiesDestinationKey } from "./backup-copies-destination-key";
import { backupRetentionMinimum } from "./backup-retention-minimum";
import { backupVaultProtected } from "./backup-vault-protected";
import { drDbBackupsReplicated } from "./dr-db-backups-replicated";
import { drDbReplicated } from "./dr-db-replicated";
import { drFailoverPair } from "./dr-failover-pair";
import { drFailoverSwitch } from "./dr-failover-switch";
import { drNoHardcodedAmi } from "./dr-no-hardcoded-ami";
import { drRegionParity } from "./dr-region-parity";
import { drStatePlacement } from "./dr-state-placement";
import { drVpcCidrsDisjoint } from "./dr-vpc-cidrs-disjoint";
import { ebsEncryptedCmk } from "./ebs-encrypted-cmk";
import { helmChartPinned } from "./helm-chart-pinned";
import { eksClusterHardened } from "./eks-cluster-hardened";
import { iamNoAdmin } from "./iam-no-admin";
import { imdsv2Required } from "./imdsv2-required";
import { kmsRotation } from "./kms-rotation";
import { logGroupCmkRetention } from "./log-group-cmk-retention";
import { noPublicIp } from "./no-public-ip";
import { rdsEncryptedCmk } from "./rds-encrypted-cmk";
import { rdsProtected } from "./rds-protected";
import { rdsReplicaInheritsKey } from "./rds-replica-inherits-key";
import { s3EncryptedCmk } from "./s3-encrypted-cmk";
import { secretsAndTopicsCmk } from "./secrets-and-topics-cmk";
import { lambdaHardened } from "./lambda-hardened";
import { secretsWriteOnly } from "./secrets-write-only";
import { sgDescribed } from "./sg-described";
import { sgInternetIngress } from "./sg-internet-ingress";
import { vpcFlowLogs } from "./vpc-flow-logs";

/** Every rule, security first, then the DR rules no general scanner has. */
export const RULES: readonly PolicyRule[] = [
  ebsEncryptedCmk,
  rdsEncryptedCmk,
  rdsReplicaInheritsKey,
  logGroupCmkRetention,
  eksClusterHardened,
  s3EncryptedCmk,
  secretsAndTopicsCmk,
  lambdaHardened,
  kmsRotation,
  imdsv2Required,
  noPublicIp,
  sgInternetIngress,
  sgDescribed,
  albHardened,
  vpcFlowLogs,
  rdsProtected,
  backupVaultProtected,
  backupRetentionMinimum,
  backupCopiesDestinationKey,
  auroraClusterHardened,
  auroraEndpointsParameter,
  iamNoAdmin,
  ciOidcTrust,
  ciRoleScoped,
  secretsWriteOnly,
  helmChartPinned,
  drDbReplicated,
  drDbBackupsReplicated,
  drRegionParity,
  drFailoverPair,
  drFailoverSwitch,
  drVpcCidrsDisjoint,
  drNoHardcodedAmi,
  drStatePlacement,
];
