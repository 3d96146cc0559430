import { isTrue } from "../context";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Arguments that would store a secret value in the Terraform state. */
const STORED: Record<string, readonly string[]> = {
  aws_secretsmanager_secret_version: ["secret_string", "secret_binary"],
  kubernetes_secret_v1: ["data", "binary_data"],
  kubernetes_secret: ["data", "binary_data"],
  aws_db_instance: ["password"],
  aws_rds_cluster: ["master_password"],
};

/**
 * No secret value in code or in the Terraform state: write-only arguments only.
 *
 * An Aurora cluster of a global database cannot have its master password
 * managed by RDS in Secrets Manager ("Managing master user passwords with
 * Secrets Manager isn't supported for ... DB clusters that are part of an
 * Aurora global database":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations),
 * so its password comes the same way as the RDS mode's: master_password_wo
 * from the replicated secret.
 */
export const secretsWriteOnly: ResourceRule = {
  kind: "resource",
  id: "secrets-write-only",
  description: "Secret values (secret versions, Kubernetes secrets, database passwords) are written only through write-only arguments, never stored in state",
  fix: "generate the value with an ephemeral resource and pass it to secret_string_wo / data_wo / password_wo / master_password_wo with a version (an Aurora global database member: no manage_master_user_password)",
  resourceTypes: Object.keys(STORED),
  check(r) {
    const stored = STORED[r.type].filter((a) => r.config[a] !== undefined && r.config[a] !== null);
    if (stored.length) return fail(`sets ${stored.join(", ")}, which Terraform keeps in its state`);
    const globalMember = r.type === "aws_rds_cluster" && !!r.config.global_cluster_identifier;
    if (globalMember && isTrue(r.config.manage_master_user_password)) {
      return fail("sets manage_master_user_password on a member of an Aurora global database, which RDS does not support (Secrets Manager integration limitations)");
    }
    return COMPLIANT;
  },
};
