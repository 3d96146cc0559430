import * as os from "node:os";
import * as path from "node:path";

/**
 * The up-front credential check of `dr status`, `dr failover` and `dr
 * failback` (not --dry-run): resolve the credentials the SDK clients would
 * sign with, before any step runs and before any journal is written, so a
 * missing login is reported as such (exit code 5) instead of as a failed
 * precondition with the step's advice.
 *
 * The provider is the SDK client's own (`client.config.credentials()`: the
 * default chain of @aws-sdk/credential-provider-node, memoized and bound to
 * the client's config, read in node_modules/@aws-sdk/core, 3.1142.0), so the
 * check resolves exactly what the calls would use. The chain, in order
 * (node_modules/@aws-sdk/credential-provider-node/dist-cjs/index.js;
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/setting-credentials-node.html):
 * environment variables (skipped when AWS_PROFILE is set), the shared
 * config/credentials files for AWS_PROFILE or "default" (static keys, IAM
 * Identity Center/SSO, assume-role, credential_process), a web identity token
 * file, then container credentials or the EC2 instance role (IMDS: 1 s
 * timeout, no retry by default, @smithy/credential-provider-imds).
 * Resolution may call the network (SSO portal, STS, IMDS), so it is bounded.
 */

/** Exit code of the dr command when no AWS credentials could be resolved. */
export const EXIT_NO_CREDENTIALS = 5;

/** Bound on resolving credentials (SSO, STS or IMDS not answering must not hang the command). */
export const CREDENTIALS_TIMEOUT_MS = 15_000;

/** What the check needs from resolved credentials (a structural subset of the SDK's AwsCredentialIdentity). */
export interface ResolvedCredentials {
  readonly accessKeyId: string;
  readonly expiration?: Date;
}

export type CredentialsProvider = () => Promise<ResolvedCredentials>;

export type CredentialsCheck =
  | { readonly ok: true; /** One line for the log: which key, temporary or not. */ readonly summary: string }
  | { readonly ok: false; readonly reason: string; /** The full message: what was tried, how to fix it. */ readonly report: readonly string[] };

class Timeout extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms / 1000} s (an SSO, STS or instance-metadata endpoint that does not respond?)`)), ms);
    timer.unref();
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** The access key as `aws configure list` shows it: the last four characters. */
function maskKey(id: string): string {
  return id.length > 4 ? `****${id.slice(-4)}` : "****";
}

/** Where each link of the chain looked, from the environment (what an operator checks first). */
export function chainReport(env: NodeJS.ProcessEnv = process.env): string[] {
  const set = (k: string) => (env[k] ? "set" : "not set");
  const profile = env.AWS_PROFILE || "default";
  const configFile = env.AWS_CONFIG_FILE || path.join(os.homedir(), ".aws", "config");
  const credsFile = env.AWS_SHARED_CREDENTIALS_FILE || path.join(os.homedir(), ".aws", "credentials");
  const imdsOff = !!env.AWS_EC2_METADATA_DISABLED && env.AWS_EC2_METADATA_DISABLED !== "false";
  const container = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  return [
    "What the AWS SDK's default credential chain tried, in order:",
    `  1. environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN): ${env.AWS_PROFILE ? "skipped because AWS_PROFILE is set" : `AWS_ACCESS_KEY_ID ${set("AWS_ACCESS_KEY_ID")}, AWS_SECRET_ACCESS_KEY ${set("AWS_SECRET_ACCESS_KEY")}`}`,
    `  2. profile "${profile}"${env.AWS_PROFILE ? " (AWS_PROFILE)" : " (AWS_PROFILE not set)"} in ${configFile} and ${credsFile}: static keys, IAM Identity Center (SSO), assume-role, credential_process`,
    `  3. web identity token (AWS_WEB_IDENTITY_TOKEN_FILE ${set("AWS_WEB_IDENTITY_TOKEN_FILE")}, AWS_ROLE_ARN ${set("AWS_ROLE_ARN")})`,
    `  4. ${container ? "container credentials (AWS_CONTAINER_CREDENTIALS_*_URI is set: ECS task role / EKS Pod Identity)" : imdsOff ? "EC2 instance role: skipped, AWS_EC2_METADATA_DISABLED is set" : "EC2 instance role (instance metadata service; no container credentials URI is set)"}`,
  ];
}

const FIX = [
  "Fix, then run the same command again (nothing was read or changed, no journal was written):",
  "  - IAM Identity Center: aws sso login --profile <profile> && export AWS_PROFILE=<profile>",
  "  - keys: export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... (and AWS_SESSION_TOKEN=... for temporary ones)",
  "  - on an EC2 instance or in a container: give it a role allowed to run the runbook",
  "  Check with: aws sts get-caller-identity",
  "  During an outage of the primary region, use credentials that do not depend on it (docs/dr-runbook.md, Credentials).",
];

/**
 * Resolves credentials once through `provider`, bounded by `timeoutMs`.
 * Credentials that come back already expired count as none.
 */
export async function checkCredentials(
  provider: CredentialsProvider,
  opts: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv; readonly now?: () => number } = {},
): Promise<CredentialsCheck> {
  const timeoutMs = opts.timeoutMs ?? CREDENTIALS_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  let reason: string;
  try {
    const c = await withTimeout(provider(), timeoutMs);
    if (!c?.accessKeyId) {
      reason = "the credential chain returned no access key";
    } else if (c.expiration && c.expiration.getTime() <= now()) {
      reason = `the credentials found (access key ${maskKey(c.accessKeyId)}) expired at ${c.expiration.toISOString()}`;
    } else {
      const life = c.expiration ? `temporary, expire at ${c.expiration.toISOString()}` : "long-term keys";
      return { ok: true, summary: `AWS credentials: access key ${maskKey(c.accessKeyId)} (${life})` };
    }
  } catch (e) {
    reason = e instanceof Timeout ? `resolving credentials timed out: ${e.message}` : (e as Error)?.message ?? String(e);
  }
  return {
    ok: false,
    reason,
    report: [`dr: no usable AWS credentials: ${reason}`, ...chainReport(opts.env ?? process.env), ...FIX, `(exit code ${EXIT_NO_CREDENTIALS})`],
  };
}
