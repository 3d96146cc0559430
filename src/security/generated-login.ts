import type { Construct } from "constructs";
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
}

export interface GeneratedLogin {
  readonly secret: SecretsmanagerSecret;
  /** Terraform expression of the password (without `${}`), for other write-only arguments of the same run. */
  readonly password: string;
}

/**
 * A login whose password Secrets Manager generates as an ephemeral value,
 * stored as JSON {"username","password"} through `secret_string_wo`: it is in
 * neither the code, the state nor a plan. Creates "Secret" and "Value" in
 * `scope`; callers pass `password` to their other write-only arguments.
 */
export function generatedLogin(scope: Construct, props: GeneratedLoginProps): GeneratedLogin {
  const password = ephemeralResource(scope, "aws_secretsmanager_random_password", props.passwordName, { password_length: 32, ...props.passwordRules }, "random_password");
  const secret = new SecretsmanagerSecret(scope, "Secret", props.secret);
  new SecretsmanagerSecretVersion(scope, "Value", {
    secretId: secret.id,
    secretStringWo: `\${jsonencode({ username = ${JSON.stringify(props.username)}, password = ${password} })}`,
    secretStringWoVersion: props.version,
    provider: props.secret.provider,
  });
  return { secret, password };
}
