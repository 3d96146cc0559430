import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Arguments that would store a secret value in the Terraform state. */
const STORED: Record<string, readonly string[]> = {
  aws_secretsmanager_secret_version: ["secret_string", "secret_binary"],
  kubernetes_secret_v1: ["data", "binary_data"],
  kubernetes_secret: ["data", "binary_data"],
  aws_db_instance: ["password"],
};

/** No secret value in code or in the Terraform state: write-only arguments only. */
export const secretsWriteOnly: ResourceRule = {
  kind: "resource",
  id: "secrets-write-only",
  description: "Secret values (secret versions, Kubernetes secrets, database passwords) are written only through write-only arguments, never stored in state",
  fix: "generate the value with an ephemeral resource and pass it to secret_string_wo / data_wo / password_wo with a version",
  resourceTypes: Object.keys(STORED),
  check(r) {
    const stored = STORED[r.type].filter((a) => r.config[a] !== undefined && r.config[a] !== null);
    return stored.length ? fail(`sets ${stored.join(", ")}, which Terraform keeps in its state`) : COMPLIANT;
  },
};
