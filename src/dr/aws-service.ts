import type { RegionRole, ValidConfig } from "../config";
import type { AwsClients } from "./aws-clients";
import type { Clock } from "./clock";

// The base of the AWS adapter's service parts (aws-health-checks.ts, aws-failover-switch.ts, aws-lease.ts,
// aws-web-fleet.ts, aws-rds-instances.ts, aws-aurora-global.ts, aws-run-report.ts): each sends through AwsPlatform's
// bounded calls (aws-platform.ts send, sendRequest; aws-sdk-calls.ts), lent to it here, so no part imports the adapter.

/** An SDK client as the adapter sends through it. */
export type SdkSender = { send: (cmd: never, opts?: never) => Promise<unknown> };

/** A request that cannot be taken back: its answer, or its error and whether it may have reached the service (aws-sdk-calls.ts mayHaveBeenSent). */
export type SentRequest<T> = { ok: true; out: T } | { ok: false; error: unknown; mayHaveBeenSent: boolean };

/** AwsPlatform's bounded calls, lent to each service part. */
export interface AdapterCalls {
  send<T>(client: SdkSender, command: unknown, what: string): Promise<T>;
  sendRequest<T>(client: SdkSender, command: unknown, what: string): Promise<SentRequest<T>>;
  /** AWS's clock for a region (its last Date header), else ours: only used for a sample's age. */
  awsNow(region: string): { now: number; source: string };
}

/** One AWS service's part of the adapter: the config, the clients, the clock and the adapter's bounded calls. */
export abstract class AwsService {
  constructor(
    protected readonly config: ValidConfig,
    protected readonly clients: AwsClients,
    protected readonly clock: Clock,
    private readonly calls: AdapterCalls,
  ) {}

  protected region(role: RegionRole): string {
    return this.config.regions[role].region;
  }

  protected send<T>(client: SdkSender, command: unknown, what: string): Promise<T> {
    return this.calls.send<T>(client, command, what);
  }

  protected sendRequest<T>(client: SdkSender, command: unknown, what: string): Promise<SentRequest<T>> {
    return this.calls.sendRequest<T>(client, command, what);
  }

  protected awsNow(region: string): { now: number; source: string } {
    return this.calls.awsNow(region);
  }
}

export function isNotFound(e: unknown, name: string): boolean {
  return typeof e === "object" && e !== null && (e as { name?: string }).name === name;
}
