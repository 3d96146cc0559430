import type { ValidConfig } from "../config";
import type { DrPlatform } from "./platform";
import { runReadiness, type ReadinessResult } from "./readiness";
import { publishReadiness, type MetricSink, type PublishedReadiness } from "./readiness-metrics";

/**
 * The readiness checker's handler (issue 28 point 1): event in, metrics out. DEPLOYED through
 * src/dr/readiness-lambda.ts (the Lambda entry that builds these deps from the package's config, the real SDK
 * clients and CloudWatch), bundled at synth (readiness-bundle.ts) and scheduled by the secondary stack
 * (readiness-checker.ts; docs/dr-runbook.md, "The deployed checker"). The event (EventBridge Scheduler's input) may name the runbook's role
 * (roleArn, else config.runbook.roleArn). Whatever the checks find, the handler publishes and returns the result; it
 * throws only when the metrics could not be published (so the invocation counts as failed and Lambda's own Errors
 * metric shows it).
 */
export interface ReadinessEvent {
  readonly roleArn?: string;
}

export interface ReadinessHandlerDeps {
  readonly config: ValidConfig;
  readonly platform: DrPlatform;
  readonly sink: MetricSink;
  readonly readTimeoutMs?: number;
  readonly now?: () => number;
}

export interface ReadinessHandlerResult {
  readonly result: ReadinessResult;
  readonly published: PublishedReadiness;
}

export function readinessHandler(deps: ReadinessHandlerDeps): (event?: ReadinessEvent | null) => Promise<ReadinessHandlerResult> {
  return async (event) => {
    const result = await runReadiness(deps.config, deps.platform, {
      ...(event?.roleArn ? { roleArn: event.roleArn } : {}),
      ...(deps.readTimeoutMs !== undefined ? { readTimeoutMs: deps.readTimeoutMs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    const published = await publishReadiness(deps.config, result, deps.sink);
    if (published.error) throw new Error(`readiness: PutMetricData in ${published.region} failed: ${published.error}`);
    return { result, published };
  };
}
