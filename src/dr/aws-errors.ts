import type { FailureCause } from "./platform";

/**
 * What an error from an AWS SDK v3 call means when the cause is not the
 * step's business: no credentials, credentials AWS rejects, a principal
 * without permission, an endpoint that cannot be reached, throttling. The
 * runner prints this cause and its advice instead of the step's own advice
 * (which assumes the calls worked: "lag too high" is wrong advice for an
 * expired token), and `dr status` names it next to what could not be read.
 *
 * How the SDK reports them (read in node_modules, @aws-sdk 3.1142.0):
 * - a service error is a ServiceException whose `name` is the error code
 *   the service returned and whose `$metadata.httpStatusCode` is set
 *   (query-protocol services such as RDS, Auto Scaling, ELBv2 return codes
 *   like `ExpiredToken`; JSON services `ExpiredTokenException`);
 * - the credential chain throws `CredentialsProviderError` (and the SSO
 *   token provider `TokenProviderError`), @smithy/core/config, before any
 *   request is sent ("Could not load credentials from any providers", "The
 *   SSO session associated with this profile has expired ...");
 * - @smithy/node-http-handler names connection and socket timeouts
 *   `TimeoutError`; other socket failures keep Node's `code` (ECONNREFUSED,
 *   ENOTFOUND, ...) and have no `$metadata.httpStatusCode`.
 * The codes are AWS's "Common Errors" of every API, e.g.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonErrors.html and
 * https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html
 * (ExpiredToken[Exception], InvalidClientTokenId, UnrecognizedClientException,
 * IncompleteSignature, MissingAuthenticationToken: 403 / 400; AccessDenied[Exception],
 * NotAuthorized; ThrottlingException).
 */

/** Credentials that were sent but that AWS does not accept (expired, unknown key, wrong secret). */
const REJECTED = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "AuthFailure",
  "InvalidToken",
]);

/** Valid credentials whose principal may not make the call (IAM policy, SCP, permission boundary). */
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "NotAuthorized", "UnauthorizedException"]);

const THROTTLED = new Set(["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "PriorRequestNotComplete", "RequestThrottled"]);

/** Node socket error codes: the endpoint was not reached (DNS, routing, refused, reset). */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "EPIPE", "ECONNABORTED"]);

const CREDENTIALS_FIX =
  "Give the command credentials for the account: `aws sso login --profile <profile>` then `export AWS_PROFILE=<profile>`, or export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN); check them with `aws sts get-caller-identity`. Then run the same command again (a run that changed something resumes from its journal; one that did not starts afresh). See docs/dr-runbook.md, Credentials.";

interface ErrorLike {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function fields(e: unknown): ErrorLike {
  return typeof e === "object" && e !== null ? (e as ErrorLike) : { message: String(e) };
}

/** The cause of an AWS SDK error, or null when it is about the step itself (a missing instance, a bad state). */
export function classifyAwsError(e: unknown): FailureCause | null {
  const { name = "", code = "", message = "", $metadata } = fields(e);
  const status = $metadata?.httpStatusCode;
  const what = `${name || code || "Error"}: ${message}`;
  if (name === "CredentialsProviderError" || name === "TokenProviderError") {
    return {
      kind: "no-credentials",
      summary: `no usable AWS credentials: the SDK's credential chain failed (${message})`,
      advice: CREDENTIALS_FIX,
      permanent: true,
    };
  }
  if (REJECTED.has(name)) {
    return {
      kind: "credentials-rejected",
      summary: `AWS rejected the credentials (${what}): they are expired, revoked or not this account's`,
      advice: `Refresh the credentials (an expired SSO session: \`aws sso login\`; temporary keys: get new ones). ${CREDENTIALS_FIX}`,
      permanent: true,
    };
  }
  if (DENIED.has(name) || (status === 401 || status === 403)) {
    return {
      kind: "access-denied",
      summary: `AWS refused the call: the credentials are valid but the principal is not allowed (${what})`,
      advice:
        "Use a principal with the runbook's permissions (docs/dr-runbook.md, Credentials: SSM GetParameters on the dns stack's health-check id parameters and PutParameter, GetParameter, DeleteParameter on the runbook's lease parameter in the secondary region, CloudWatch GetMetricData, PutMetricData and DescribeAlarms, RDS, Auto Scaling, ELBv2 in both regions; Route53 reads for `dr status`); the message names the action and the principal. Then run the same command again.",
      permanent: true,
    };
  }
  if (THROTTLED.has(name)) {
    return {
      kind: "throttled",
      summary: `AWS throttled the calls (${what}) after the SDK's retries`,
      advice: "Wait a minute (something else may be calling the same API heavily) and run the same command again.",
      permanent: false,
    };
  }
  if (status === undefined && (name === "TimeoutError" || NETWORK_CODES.has(code) || NETWORK_CODES.has(name))) {
    return {
      kind: "network",
      summary: `the AWS endpoint could not be reached (${what})`,
      advice:
        "Check this host's network, DNS and proxy (HTTPS_PROXY) to the region's endpoints. If the region itself is down, steps that need it cannot run: a failover with --unplanned needs only the secondary region and Route53. Run the same command again when the endpoint answers.",
      permanent: false,
    };
  }
  return null;
}

/** Socket error codes raised before a connection exists: nothing of the request reached the endpoint. */
const NOT_CONNECTED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

/**
 * The call failed before any connection to the endpoint was made, so the
 * request provably never left this host: a refused connection, a name that
 * does not resolve, an unreachable network, a connect timeout, or no
 * credentials to sign it with. Read in node_modules (@smithy/node-http-handler
 * 4.14.2): socket errors keep Node's `code` and `syscall` ("connect",
 * "getaddrinfo"; the handler renames ECONNRESET, EPIPE and ETIMEDOUT errors
 * "TimeoutError" but keeps both), and its own connect timeout says "did not
 * establish a connection" (setConnectionTimeout). Anything else (an answer, a
 * reset or a timeout after connecting, an abort mid-request) may have reached
 * the service: false.
 */
export function failedBeforeConnecting(e: unknown): boolean {
  const f = fields(e);
  const { name = "", code = "", message = "", $metadata } = f;
  const syscall = (e as { syscall?: string } | null)?.syscall ?? "";
  if (name === "CredentialsProviderError" || name === "TokenProviderError") return true;
  if ($metadata?.httpStatusCode !== undefined) return false;
  if (NOT_CONNECTED_CODES.has(code) || syscall === "connect" || syscall === "getaddrinfo") return true;
  if (/^(connect|getaddrinfo) E[A-Z]+/.test(message)) return true;
  return name === "TimeoutError" && message.includes("did not establish a connection");
}
