import * as fs from "node:fs";
import * as path from "node:path";
import { configSchema, type ValidConfig } from "../config";
import { realClock, type Clock } from "./clock";
import type { AwsClients } from "./aws-clients";
import { AwsPlatform } from "./aws-platform";
import { sdkClients } from "./aws-sdk-calls";
import { readinessHandler, type ReadinessEvent, type ReadinessHandlerResult } from "./readiness-handler";
import { cloudWatchSink, type MetricSink } from "./readiness-metrics";

/**
 * The readiness checker's DEPLOYED Lambda entry (issue 28 point 1): `index.handler` of the function the secondary
 * regional stack creates (src/dr/readiness-checker.ts), bundled by esbuild at synth (src/dr/readiness-bundle.ts).
 * It builds readinessHandler's deps from what the asset carries, at the edge:
 * - the config: READINESS_CONFIG_FILE next to the bundle (the validated config of the synth that built the asset,
 *   validated again here by the same schema: a file that does not match fails the invocation with the field named);
 * - the platform: the runbook's AWS adapter (AwsPlatform) with bounded SDK clients, each in the region of what it
 *   reads (the secondary's in the function's region; the primary's in us-east-2, which may be down: each such read
 *   then says "could not be read" and the check is -1, never a hang: CALL_BOUNDS + READINESS_READ_TIMEOUT_MS);
 * - the sink: CloudWatch PutMetricData in the secondary region (readiness-metrics.ts readinessRegion).
 * Credentials: the execution role's, from the Lambda environment (the SDK's default chain reads
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN that Lambda sets: "Defined runtime environment
 * variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export const READINESS_CONFIG_FILE = "readiness-config.json";

/** The embedded config, validated; a clear error naming the file and the fields otherwise. */
export function loadEmbeddedConfig(file: string): ValidConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`readiness checker: cannot read its config ${file} (${(e as Error).message}). Fix: synthesize and deploy the secondary stack again (the asset carries the config)`);
  }
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const fields = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`readiness checker: its config ${file} is not valid (${fields}). Fix: synthesize and deploy the secondary stack again with this version of the code`);
  }
  return r.data;
}

export interface ReadinessLambdaOptions {
  /** Default: READINESS_CONFIG_FILE next to this module (the bundle's folder, /var/task). */
  readonly configFile?: string;
  /** Default: sdkClients() (the real, bounded clients). Tests pass stubs. */
  readonly clients?: AwsClients;
  /** Default: CloudWatch PutMetricData through clients.cloudwatch. */
  readonly sink?: MetricSink;
  /** Default: the real clock (tests pass the stubs' fake clock). */
  readonly clock?: Clock;
  /** The HTTP check of an entry point and the WAL-position read (AwsPlatform's; tests stub them: no ALB here). */
  readonly probe?: ConstructorParameters<typeof AwsPlatform>[3];
  readonly walFn?: NonNullable<ConstructorParameters<typeof AwsPlatform>[4]>["walFn"];
}

/** Builds the Lambda handler from the asset's config and the real (or given) clients. */
export function createReadinessLambda(opts: ReadinessLambdaOptions = {}): (event?: ReadinessEvent | null) => Promise<ReadinessHandlerResult> {
  const config = loadEmbeddedConfig(opts.configFile ?? path.join(__dirname, READINESS_CONFIG_FILE));
  const clients = opts.clients ?? sdkClients();
  const clock = opts.clock ?? realClock;
  const platform = new AwsPlatform(config, clients, clock, opts.probe, opts.walFn ? { walFn: opts.walFn } : {});
  const sink = opts.sink ?? cloudWatchSink((region) => clients.cloudwatch(region));
  return readinessHandler({ config, platform, sink, now: () => clock.now() });
}

let built: ((event?: ReadinessEvent | null) => Promise<ReadinessHandlerResult>) | undefined;

/**
 * Lambda's entry: built once per execution environment (the config read and the clients made at the first
 * invocation, reused after). Returns a summary (Lambda logs it for a synchronous invoke; the Scheduler invokes
 * asynchronously and ignores it); throws only when the metrics could not be published (readinessHandler).
 */
export async function handler(event?: ReadinessEvent | null): Promise<{ ready: boolean; drState: string; standby: string; checks: Array<{ id: string; status: string; detail: string; fix: string | null }> }> {
  built ??= createReadinessLambda();
  const { result } = await built(event);
  const summary = { ready: result.ready, drState: result.drState, standby: result.standby, checks: result.checks.map((c) => ({ id: c.id, status: c.status, detail: c.detail, fix: c.fix })) };
  // One JSON line in the function's log group: what failed and how to fix it, next to the metric that alarmed.
  console.log(JSON.stringify(summary));
  return summary;
}
