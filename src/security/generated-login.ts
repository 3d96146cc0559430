import type { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { SecretsmanagerSecret, type SecretsmanagerSecretConfig } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { ephemeralResource } from "../lib/escape-hatches";

export interface GeneratedLoginProps {
  /** Name of the ephemeral password resource (a Terraform address part). */
  readonly passwordName: string;
  /** Arguments of aws_secretsmanager_random_password (length, excluded characters, ...). */
  readonly passwordRules: Record<string, unknown>;
  /** The Secrets Manager secret holding {"username","password"}. */
  readonly secret: SecretsmanagerSecretConfig;
  readonly username: string;
  /** Bump to generate and write a new password (write-only values are sent when it changes). */
  readonly version: number;
  /**
   * Hold the stored version where it is: a changed `version` writes nothing
   * (lifecycle ignore_changes on secret_string_wo_version), for as long as
   * no consumer could take the new password (the database credentials
   * outside drState "normal": src/database/topology.ts PASSWORD_ROTATION_STATE).
   * @default false - a changed version writes a new password
   */
  readonly holdVersion?: boolean;
}

export interface GeneratedLogin {
  readonly secret: SecretsmanagerSecret;
  /**
   * Terraform expression (without `${}`) of the password read back from the
   * secret version this login wrote: the only form consumers get, so that a
   * write-only argument holds the same password as the secret even when its
   * apply is retried. (The generated value itself is not exported: it is
   * new at every run, and a consumer given it would split from the secret
   * after a partial apply, issue 23.)
   */
  readonly storedPassword: string;
}

/**
 * A login whose password Secrets Manager generates as an ephemeral value,
 * stored as JSON {"username","password"} through `secret_string_wo`: it is in
 * neither the code, the state nor a plan. Creates "Secret" and "Value" in
 * `scope`; callers pass `storedPassword` to their other write-only arguments.
 */
export function generatedLogin(scope: Construct, props: GeneratedLoginProps): GeneratedLogin {
  const password = ephemeralResource(scope, "aws_secretsmanager_random_password", props.passwordName, { password_length: 32, ...props.passwordRules }, "random_password");
  const secret = new SecretsmanagerSecret(scope, "Secret", props.secret);
  const value = new SecretsmanagerSecretVersion(scope, "Value", {
    secretId: secret.id,
    secretStringWo: `\${jsonencode({ username = ${JSON.stringify(props.username)}, password = ${password} })}`,
    secretStringWoVersion: props.version,
    provider: props.secret.provider,
    // Held: Terraform keeps the version in state, so the secret version is
    // not updated and nothing is written (`npm run plan:offline -- --only
    // rotation-deferred-failback-primary` plans it; its control without the
    // ignore list plans the write); the read-back below keeps naming the
    // version the consumers have.
    ...(props.holdVersion ? { lifecycle: { ignoreChanges: ["secret_string_wo_version"] } } : {}),
  });
  // The password as stored: the ephemeral aws_secretsmanager_secret_version
  // (in the pinned hashicorp/aws 5.100.0, `terraform providers schema -json`: secret_id, version_id ->
  // secret_string) reads exactly the version written above. Naming its
  // version_id orders the read after the write, so a consumer gets the value
  // the secret holds, never a fresh GetRandomPassword: if the consumer's
  // apply fails and is retried, the secret version is unchanged in state (its
  // secret_string_wo_version did not move), nothing is regenerated, and the
  // retry writes the same password again.
  const stored = ephemeralResource(
    scope,
    "aws_secretsmanager_secret_version",
    `${props.passwordName}Stored`,
    { secret_id: secret.id, version_id: value.versionId, ...(props.secret.provider ? { provider: providerRef(props.secret.provider) } : {}) },
    "secret_string",
  );
  return { secret, storedPassword: `jsondecode(${stored}).password` };
}

/** A provider's reference in Terraform JSON ("aws" or "aws.<alias>"). */
function providerRef(p: TerraformProvider): string {
  return p.alias ? `${p.terraformResourceType}.${p.alias}` : p.terraformResourceType;
}
