import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { RDSClient } from "@aws-sdk/client-rds";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClients } from "./aws-clients";
import { failedBeforeConnecting } from "./aws-errors";
import type { ResolvedCredentials } from "./credentials";

// The AWS adapter's SDK calls, bounded: the real clients (sdkClients), every call's bounds (CALL_BOUNDS), and whether a
// failed request may have reached the service (trackAttempts, mayHaveBeenSent). AwsPlatform (aws-platform.ts) sends
// every call through these and lends them to its service parts (aws-service.ts).

/** Every SDK call's bounds (sdkClients and AwsPlatform). */
export interface CallBounds {
  /** Per attempt: connection (ms). */
  readonly connectionTimeoutMs: number;
  /** Per attempt: from sending to the response headers, and socket idle (ms); throwOnRequestTimeout makes it an error. */
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  /** The whole call, all attempts and back-offs (ms): an AbortSignal.timeout on each send. */
  readonly callTimeoutMs: number;
}

/**
 * 3 attempts x (3 s connect + 10 s answer) plus the SDK's back-off stays
 * under the 25 s a call may take in all; a step's poll makes a handful of
 * calls, and the runner bounds each poll by the step's time left, so no wait
 * overruns its timeout by more than one poll interval.
 */
export const CALL_BOUNDS: CallBounds = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 3, callTimeoutMs: 25_000 };

/** The adapter's AbortSignal timeouts surface as this (classified as a network cause: the endpoint did not answer in time). */
export class CallTimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/** The real clients, and the credentials they sign with. */
export interface SdkClients extends AwsClients {
  /**
   * Resolves the credentials the clients of `region` use: that client's own
   * provider (`config.credentials()`, the SDK's default chain, memoized and
   * bound to the client's config as the signer calls it; read in
   * node_modules/@aws-sdk/core/dist-cjs/submodules/httpAuthSchemes/index.js).
   */
  credentials(region: string): Promise<ResolvedCredentials>;
}

/**
 * Real clients, bounded: the pinned @smithy/node-http-handler (4.14.2) only
 * logs a warning when `requestTimeout` passes unless `throwOnRequestTimeout`
 * is set (node_modules/@smithy/node-http-handler/dist-cjs/index.js,
 * setRequestTimeout), and sets no socket timeout by default, so an endpoint
 * that accepts connections and never answers would hang `send()`: both are
 * set here, and AwsPlatform adds an AbortSignal.timeout to every call
 * (`abortSignal` in the handler options: the handler destroys the request and
 * the retry strategy does not retry an abort). A middleware keeps each
 * region's last Date header (AWS's clock).
 */
export function sdkClients(opts: { readonly bounds?: CallBounds; readonly endpoint?: string } = {}): SdkClients {
  const b = opts.bounds ?? CALL_BOUNDS;
  const common = {
    maxAttempts: b.maxAttempts,
    requestHandler: { connectionTimeout: b.connectionTimeoutMs, requestTimeout: b.requestTimeoutMs, socketTimeout: b.requestTimeoutMs, throwOnRequestTimeout: true },
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
  const dates = new Map<string, { server: number; local: number }>();
  const cache = new Map<string, unknown>();
  type Stack = { middlewareStack: { add: (mw: unknown, opts: { step: string; name: string; override: boolean }) => void } };
  const track = <T>(region: string, client: T): T => {
    (client as unknown as Stack).middlewareStack.add(
      (next: (args: unknown) => Promise<{ response?: { headers?: Record<string, string> } }>) => async (args: unknown) => {
        const out = await next(args);
        const t = Date.parse(out.response?.headers?.date ?? "");
        if (!Number.isNaN(t)) dates.set(region, { server: t, local: Date.now() });
        return out;
      },
      { step: "deserialize", name: "drServerDate", override: true },
    );
    return client;
  };
  const get = <T>(key: string, region: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, track(region, make()));
    return cache.get(key) as T;
  };
  const rds = (region: string) => get(`rds:${region}`, region, () => new RDSClient({ ...common, region }));
  return {
    route53: track("us-east-1", new Route53Client({ ...common, region: "us-east-1" })),
    cloudwatch: (region) => get(`cw:${region}`, region, () => new CloudWatchClient({ ...common, region })),
    ssm: (region) => get(`ssm:${region}`, region, () => new SSMClient({ ...common, region })),
    rds,
    credentials: (region) => rds(region).config.credentials(),
    elbv2: (region) => get(`elb:${region}`, region, () => new ElasticLoadBalancingV2Client({ ...common, region })),
    autoscaling: (region) => get(`asg:${region}`, region, () => new AutoScalingClient({ ...common, region })),
    ec2: (region) => get(`ec2:${region}`, region, () => new EC2Client({ ...common, region })),
    // IAM is a global service: its endpoint is in us-east-1 (the readiness check's SimulatePrincipalPolicy).
    iam: track("us-east-1", new IAMClient({ ...common, region: "us-east-1" })),
    s3: (region) => get(`s3:${region}`, region, () => new S3Client({ ...common, region })),
    secretsmanager: (region) => get(`sm:${region}`, region, () => new SecretsManagerClient({ ...common, region })),
    serverNow: (region) => {
      const d = dates.get(region);
      return d ? d.server + (Date.now() - d.local) : null;
    },
  };
}

/** An attempt the SDK made that got an answer (any HTTP response). */
const ANSWERED = Symbol("answered");

/**
 * Records every attempt the SDK makes of one command, and how it ended: a
 * middleware in the `deserialize` step runs inside the SDK's retry loop (the
 * retry middleware is in `finalizeRequest`, the step before: read in
 * node_modules/@smithy/core/dist-cjs/submodules/retry/index.js, which calls
 * `next(args)` once per attempt), so it sees each attempt's answer or error.
 * A command sent through a stub (tests) records nothing.
 */
export function trackAttempts(command: unknown): Array<unknown> {
  const attempts: unknown[] = [];
  type Stack = { middlewareStack?: { add: (mw: unknown, opts: { step: string; name: string; priority: string; override: boolean }) => void } };
  (command as Stack).middlewareStack?.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      try {
        const out = await next(args);
        attempts.push(ANSWERED);
        return out;
      } catch (e) {
        attempts.push(e);
        throw e;
      }
    },
    { step: "deserialize", name: "drAttempts", priority: "high", override: true },
  );
  return attempts;
}

/**
 * Whether a failed call may have reached the service: some attempt got an
 * answer or failed after it may have connected (a reset, a request timeout, an
 * abort mid-request). Only when every attempt failed before connecting
 * (failedBeforeConnecting) did nothing leave this host. With no attempt
 * recorded (a stub, or a failure before the first attempt) the final error
 * decides alone.
 */
export function mayHaveBeenSent(error: unknown, attempts: readonly unknown[]): boolean {
  if (!attempts.length) return !failedBeforeConnecting(error);
  return attempts.some((a) => a === ANSWERED || !failedBeforeConnecting(a));
}
