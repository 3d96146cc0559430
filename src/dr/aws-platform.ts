import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { randomBytes } from "node:crypto";
import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type GlobalCluster,
} from "@aws-sdk/client-rds";
import { GetHealthCheckStatusCommand, ListHealthChecksCommand, ListTagsForResourcesCommand, Route53Client, type HealthCheck } from "@aws-sdk/client-route-53";
import { DeleteParameterCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch, HEALTH_CHECK_ROLES, HEALTH_CHECK_TAG, type HealthCheckRole, handoffRegion, healthCheckParameter, runbookLeaseParameter, switchValue } from "../dns/contract";
import { classifyAwsError, failedBeforeConnecting } from "./aws-errors";
import { AwsRestore } from "./aws-restore";
import { AwsAuroraRestore, type ClusterProbe } from "./aws-aurora-restore";
import type { ClusterState } from "./aurora-restore-platform";
import { AwsReadiness } from "./aws-readiness";
import type { AwsClients } from "./aws-clients";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "./restore-platform";
import type { Clock } from "./clock";
import type { ResolvedCredentials } from "./credentials";
import { probeApp, readWalPositions } from "./http-probe";
import { holderIsDead, LeaseHeldError, type HeldLease, type LeaseHolder } from "./lease";
import { names } from "./names";
import { globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { REGION_ROLES } from "../config";
import type {
  AlarmRead,
  Check,
  ClusterSnapshotState,
  DatabaseState,
  DrPlatform,
  FailureCause,
  FleetCapacityState,
  PermissionDecision,
  SecretMetadata,
  StateBucketState,
  GlobalActionAttempt,
  GlobalClusterState,
  GlobalMemberState,
  GlobalReadOptions,
  HealthCheckState,
  OutageState,
  ProbeResult,
  PromotionAttempt,
  RegionalClusterState,
  SwitchChecksState,
  SwitchState,
  WalPositions,
  WebState,
} from "./platform";

/**
 * The runbook on AWS (SDK v3). Everything is found by name or tag from the
 * config (src/dns/contract.ts, dbIdentifier, the web tier's names), never
 * from Terraform state: in the outage that matters, the primary's state
 * bucket may be unreachable.
 */

// AwsClients (and Sender) live in aws-clients.ts: aws-restore.ts and aws-readiness.ts take them without importing this file.
export type { AwsClients };

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

/**
 * The newest verdict of a HealthCheckStatus series (newest first): Minimum 1
 * healthy; Maximum 0 unhealthy; a mixed minute changed in it, so it counts as
 * what it changed to (the opposite of the minute before; null without one).
 */
function newestVerdict(series: ReadonlyArray<{ min: number; max: number }>): boolean | null {
  const [latest, previous] = series;
  if (!latest) return null;
  if (latest.min >= 1) return true;
  if (latest.max === 0) return false;
  return previous === undefined ? null : previous.max === 0;
}

/** Route53 counts an endpoint healthy when more than 18% of its checkers report it healthy. */
export const ROUTE53_HEALTHY_FRACTION = 0.18;

interface FoundCheck {
  readonly role: HealthCheckRole;
  readonly check: HealthCheck;
}

function isNotFound(e: unknown, name: string): boolean {
  return typeof e === "object" && e !== null && (e as { name?: string }).name === name;
}

/** Tag the runbook puts on an old writer it isolated (value: when). */
export const ISOLATED_TAG = "dr-isolated";

/** A master password nobody knows: 40 characters of [A-Za-z0-9_-] (RDS refuses only "/", '"', "@" and spaces). */
function unknownPassword(): string {
  return randomBytes(30).toString("base64url");
}

export class AwsPlatform implements DrPlatform {
  readonly name = "aws";
  private readonly callTimeoutMs: number;
  private checkIds: Promise<ReadonlyMap<HealthCheckRole, string>> | undefined;
  private readonly walFn: typeof readWalPositions;
  /** `dr restore` (Aurora mode): the data check of a restored cluster (aws-aurora-restore.ts ClusterProbe); none: the control plane's answer. */
  private readonly clusterProbe: ClusterProbe | undefined;

  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients,
    private readonly clock: Clock,
    /** The HTTP check of a region's entry point (tests stub it: the ALB is not reachable from here). */
    private readonly probeFn: typeof probeApp = probeApp,
    opts: { readonly walFn?: typeof readWalPositions; readonly callTimeoutMs?: number; readonly clusterProbe?: ClusterProbe } = {},
  ) {
    this.callTimeoutMs = opts.callTimeoutMs ?? CALL_BOUNDS.callTimeoutMs;
    this.clusterProbe = opts.clusterProbe;
    this.walFn = opts.walFn ?? readWalPositions;
  }

  // --- dr restore (RestorePlatform): aws-restore.ts, with this adapter's bounded calls ---------
  private restoreOps: AwsRestore | undefined;
  private get restore(): AwsRestore {
    return (this.restoreOps ??= new AwsRestore(this.config, this.clients, this.clock, { send: (c, cmd, what) => this.send(c, cmd, what), sendRequest: (c, cmd, what) => this.sendRequest(c, cmd, what) }));
  }
  restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): Promise<RestoreWindow> {
    return this.restore.restorableWindow(region, writer);
  }
  restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): Promise<RestoreAttempt> {
    return this.restore.restoreToTime(region, window, toTime, target);
  }
  instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    return this.restore.instance(region, identifier);
  }
  renameInstance(region: RegionRole, from: string, to: string): Promise<RestoreAttempt> {
    return this.restore.renameInstance(region, from, to);
  }
  isolateInstance(region: RegionRole, identifier: string): Promise<string> {
    return this.restore.isolateInstance(region, identifier);
  }

  // --- dr restore, Aurora mode (AuroraRestorePlatform): aws-aurora-restore.ts, with this adapter's bounded calls ---
  private auroraRestoreOps: AwsAuroraRestore | undefined;
  private get auroraRestore(): AwsAuroraRestore {
    return (this.auroraRestoreOps ??= new AwsAuroraRestore(this.config, this.clients, this.clock, { send: (c, cmd, what) => this.send(c, cmd, what), sendRequest: (c, cmd, what) => this.sendRequest(c, cmd, what) }, this.clusterProbe));
  }
  clusterRestoreWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow> {
    return this.auroraRestore.clusterRestoreWindow(region, clusterId);
  }
  restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): Promise<RestoreAttempt> {
    return this.auroraRestore.restoreClusterToTime(region, sourceClusterId, toTime, target);
  }
  cluster(region: RegionRole, identifier: string): Promise<ClusterState> {
    return this.auroraRestore.cluster(region, identifier);
  }
  createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): Promise<RestoreAttempt> {
    return this.auroraRestore.createClusterInstance(region, clusterId, instanceId, instanceClass, templateClusterId);
  }
  verifyRestoredCluster(region: RegionRole, clusterId: string): Promise<Check> {
    return this.auroraRestore.verifyRestoredCluster(region, clusterId);
  }

  // --- readiness (readiness.ts): aws-readiness.ts, with this adapter's bounded calls -----------------
  private readinessOps: AwsReadiness | undefined;
  private get readiness(): AwsReadiness {
    return (this.readinessOps ??= new AwsReadiness(this.config, this.clients, { send: (c, cmd, what) => this.send(c, cmd, what) }));
  }
  fleetCapacity(role: RegionRole, size: number): Promise<FleetCapacityState> {
    return this.readiness.fleetCapacity(role, size);
  }
  simulateRunbookRole(roleArn: string, actions: readonly string[]): Promise<PermissionDecision[]> {
    return this.readiness.simulate(roleArn, actions);
  }
  stateBucket(bucket: string, region: string): Promise<StateBucketState> {
    return this.readiness.stateBucket(bucket, region);
  }
  describeSecret(secretId: string, region: string): Promise<SecretMetadata> {
    return this.readiness.describeSecret(secretId, region);
  }

  /** Credentials, permissions, network, throttling: aws-errors.ts. */
  explain(error: unknown): FailureCause | null {
    return classifyAwsError(error);
  }

  private region(role: RegionRole): string {
    return this.config.regions[role].region;
  }

  /**
   * The run report's alarms (run-report.ts): CloudWatch DescribeAlarms with StateValue ALARM in both regions, both
   * alarm types (without AlarmTypes "only metric alarms are returned, even if composite alarms exist"; composite
   * alarms need cloudwatch:DescribeAlarms scoped to "*": CloudWatch API Reference, DescribeAlarms), names starting
   * with this deployment's prefix (AlarmNamePrefix), at most 5 pages of 100. Each region is bounded by `timeoutMs`
   * (an AbortSignal on the call, one attempt's worth of the SDK's retries) and a region that does not answer is
   * listed as not read: the read never fails or delays a step (the runner reads the start's in the background).
   */
  async readAlarms(timeoutMs: number, roles: readonly RegionRole[] = REGION_ROLES): Promise<AlarmRead[]> {
    const prefix = `${this.config.project}-${this.config.environment}`;
    return Promise.all(
      roles.map(async (role): Promise<AlarmRead> => {
        const region = this.region(role);
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          const alarms: Array<{ name: string; since?: string; reason?: string }> = [];
          let token: string | undefined;
          for (let page = 0; page < 5; page++) {
            const out = (await this.clients.cloudwatch(region).send(
              new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix: prefix, MaxRecords: 100, ...(token ? { NextToken: token } : {}) }),
              { abortSignal: signal } as never,
            )) as { MetricAlarms?: Array<{ AlarmName?: string; StateUpdatedTimestamp?: Date; StateReason?: string }>; CompositeAlarms?: Array<{ AlarmName?: string; StateUpdatedTimestamp?: Date; StateReason?: string }>; NextToken?: string };
            for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
              alarms.push({ name: a.AlarmName ?? "?", ...(a.StateUpdatedTimestamp ? { since: new Date(a.StateUpdatedTimestamp).toISOString() } : {}), ...(a.StateReason ? { reason: a.StateReason.slice(0, 200) } : {}) });
            }
            token = out.NextToken;
            if (!token) break;
          }
          return { region, read: true, alarms };
        } catch (e) {
          const why = signal.aborted ? `no answer within ${Math.ceil(timeoutMs / 1000)} s` : (this.explain(e)?.summary ?? (e as Error)?.message ?? String(e));
          return { region, read: false, alarms: [], error: why };
        }
      }),
    );
  }

  /**
   * The run report's upload: S3 PutObject into `bucket` in the region of `role`. The object takes the bucket's default
   * encryption ("If a PUT Object request doesn't specify any server-side encryption, this default encryption will be
   * applied": S3 API Reference, ServerSideEncryptionRule), and a second run segment's upload replaces the object under
   * the same key (PutObject writes the whole object; with versioning on, the earlier one stays as a version).
   */
  async uploadReport(role: RegionRole, bucket: string, key: string, body: string, contentType: string): Promise<string> {
    const region = this.region(role);
    const s3 = this.clients.s3?.(region);
    if (!s3) throw new Error("no S3 client");
    await this.send(s3, new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), `S3 PutObject s3://${bucket}/${key} (${region})`);
    return `s3://${bucket}/${key} (${region})`;
  }

  /**
   * Every SDK call goes through here: bounded by an AbortSignal.timeout
   * (all attempts included), so a brownout fails the poll instead of hanging it.
   */
  private async send<T>(client: { send: (cmd: never, opts?: never) => Promise<unknown> }, command: unknown, what: string): Promise<T> {
    const signal = AbortSignal.timeout(this.callTimeoutMs);
    try {
      return (await client.send(command as never, { abortSignal: signal } as never)) as T;
    } catch (e) {
      if (signal.aborted) throw new CallTimeoutError(`${what}: no answer within ${this.callTimeoutMs / 1000} s (all attempts)`);
      throw e;
    }
  }

  /**
   * send() for a request that cannot be taken back (a promotion, a switchover
   * or failover): on failure, whether it may have reached the service
   * (trackAttempts, mayHaveBeenSent), which decides whether the journal keeps
   * it as possibly taken.
   */
  private async sendRequest<T>(client: { send: (cmd: never, opts?: never) => Promise<unknown> }, command: unknown, what: string): Promise<{ ok: true; out: T } | { ok: false; error: unknown; mayHaveBeenSent: boolean }> {
    const attempts = trackAttempts(command);
    try {
      return { ok: true, out: await this.send<T>(client, command, what) };
    } catch (e) {
      return { ok: false, error: e, mayHaveBeenSent: mayHaveBeenSent(e, attempts) };
    }
  }

  /** AWS's clock for a region (its last Date header), else ours: only used for a sample's age. */
  private awsNow(region: string): { now: number; source: string } {
    const t = this.clients.serverNow?.(region) ?? null;
    return t === null ? { now: this.clock.now(), source: "this host's clock (no answer from AWS yet)" } : { now: t, source: "AWS's clock" };
  }

  // --- Route53 -------------------------------------------------------------

  /** The dns stack's health checks, by their HEALTH_CHECK_TAG tag (and this deployment's project/environment tags). */
  private async findHealthChecks(): Promise<FoundCheck[]> {
    const all: HealthCheck[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send<{ HealthChecks?: HealthCheck[]; IsTruncated?: boolean; NextMarker?: string }>(this.clients.route53, new ListHealthChecksCommand({ Marker: marker, MaxItems: 100 }), "Route53 ListHealthChecks");
      all.push(...(page.HealthChecks ?? []));
      marker = page.IsTruncated ? page.NextMarker : undefined;
    } while (marker);
    const found: FoundCheck[] = [];
    for (let i = 0; i < all.length; i += 10) {
      const batch = all.slice(i, i + 10);
      const tags = await this.send<{ ResourceTagSets?: Array<{ ResourceId?: string; Tags?: Array<{ Key?: string; Value?: string }> }> }>(
        this.clients.route53,
        new ListTagsForResourcesCommand({ ResourceType: "healthcheck", ResourceIds: batch.map((h) => h.Id!) }),
        "Route53 ListTagsForResources",
      );
      for (const set of tags.ResourceTagSets ?? []) {
        const t = Object.fromEntries((set.Tags ?? []).map((x) => [x.Key ?? "", x.Value ?? ""]));
        const role = t[HEALTH_CHECK_TAG] as HealthCheckRole | undefined;
        if (!role || !(HEALTH_CHECK_ROLES as readonly string[]).includes(role)) continue;
        if (t.project !== undefined && t.project !== this.config.project) continue;
        if (t.environment !== undefined && t.environment !== this.config.environment) continue;
        const check = batch.find((h) => h.Id === set.ResourceId);
        if (check) found.push({ role, check });
      }
    }
    return found;
  }

  /**
   * The checkers' last single results (GetHealthCheckStatus): shown by `dr
   * status` as detail only. AWS: "This API is intended for use during
   * development to diagnose behavior. It doesn't support production use-cases
   * with high query rates that require immediate and actionable responses"
   * (Route 53 API Reference, GetHealthCheckStatus): no decision rests on it
   * (outage() reads Route53's own verdict, the HealthCheckStatus metric).
   */
  private async endpointHealth(id: string): Promise<{ healthy: boolean | null; detail: string }> {
    const st = await this.send<{ HealthCheckObservations?: Array<{ StatusReport?: { Status?: string } }> }>(this.clients.route53, new GetHealthCheckStatusCommand({ HealthCheckId: id }), "Route53 GetHealthCheckStatus");
    const obs = st.HealthCheckObservations ?? [];
    if (!obs.length) return { healthy: null, detail: "no checker observations yet" };
    const good = obs.filter((o) => (o.StatusReport?.Status ?? "").startsWith("Success")).length;
    return { healthy: good / obs.length > ROUTE53_HEALTHY_FRACTION, detail: `${good}/${obs.length} checkers report success` };
  }

  /** HealthCheckStatus datapoints (Route53 publishes them in us-east-1 only), 1-minute Minimum and Maximum, newest first. */
  private async metricSeries(id: string, minutes: number): Promise<Array<{ at: number; min: number; max: number }>> {
    const end = this.clock.now();
    const metric = { Namespace: "AWS/Route53", MetricName: "HealthCheckStatus", Dimensions: [{ Name: "HealthCheckId", Value: id }] };
    const out = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch("us-east-1"),
      new GetMetricDataCommand({
        // The window is generous on both sides: it is never compared with this host's clock, only its datapoints with each other and with AWS's clock.
        StartTime: new Date(end - (minutes + 10) * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "lo", ReturnData: true, MetricStat: { Metric: metric, Period: 60, Stat: "Minimum" } },
          { Id: "hi", ReturnData: true, MetricStat: { Metric: metric, Period: 60, Stat: "Maximum" } },
        ],
      }),
      "CloudWatch GetMetricData HealthCheckStatus (us-east-1)",
    );
    const lo = out.MetricDataResults?.find((r) => r.Id === "lo");
    const hi = out.MetricDataResults?.find((r) => r.Id === "hi");
    const byTime = new Map<number, { at: number; min: number; max: number }>();
    (hi?.Timestamps ?? []).forEach((t, i) => byTime.set(t.getTime(), { at: t.getTime(), min: hi!.Values![i], max: hi!.Values![i] }));
    (lo?.Timestamps ?? []).forEach((t, i) => {
      const e = byTime.get(t.getTime());
      if (e) e.min = lo!.Values![i];
      else byTime.set(t.getTime(), { at: t.getTime(), min: lo!.Values![i], max: lo!.Values![i] });
    });
    return [...byTime.values()].sort((a, b) => b.at - a.at);
  }

  /** Latest HealthCheckStatus datapoint: 1 healthy, 0 unhealthy. */
  private async metricHealth(id: string): Promise<{ value: number; at: number } | null> {
    const series = await this.metricSeries(id, 10);
    return series.length ? { value: series[0].min, at: series[0].at } : null;
  }

  /**
   * Route53's own verdict on the region's endpoint check: its HealthCheckStatus
   * metric ("1 indicates healthy, and 0 indicates unhealthy": Route 53
   * Developer Guide, "Monitoring health checks using CloudWatch"), 1-minute
   * datapoints. A minute whose Maximum is 0 was unhealthy throughout; the run
   * of such minutes ending at the newest datapoint is how long the outage has
   * lasted (timestamps compared with each other only). The newest minute:
   * Minimum 1 healthy; Maximum 0 unhealthy; mixed: the verdict changed in it,
   * so it counts as what it changed to (healthy after unhealthy minutes: the
   * primary is back; unhealthy after healthy ones: it just went down).
   */
  /**
   * The runbook's exclusive lease where every operator's machine sees it: an SSM String parameter in the handoff
   * (surviving) region, runbookLeaseParameter, created with PutParameter Overwrite=false. SSM API Reference,
   * PutParameter: "Overwrite: Overwrite an existing parameter. The default value is false." and
   * ParameterAlreadyExists: "The parameter already exists. You can't create duplicate parameters."
   * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html): of two runs creating
   * it, one gets ParameterAlreadyExists and reads the holder (GetParameter). A lease found holding this run's own
   * token (a PutParameter whose answer was lost) is this run's. A holder is taken over only when provably dead
   * (recorded on this host, its pid gone: lease.ts holderIsDead); otherwise the run is refused naming it.
   * Released with DeleteParameter, only while it still holds this run's token. Data-plane calls in the
   * surviving region (IAM: ssm:PutParameter, ssm:GetParameter, ssm:DeleteParameter on that parameter's ARN).
   */
  async acquireLease(holder: LeaseHolder): Promise<HeldLease> {
    const region = handoffRegion(this.config);
    const name = runbookLeaseParameter(this.config);
    const ssm = this.clients.ssm(region);
    const where = `SSM parameter ${name} (${region})`;
    const read = async (): Promise<LeaseHolder | null | "missing"> => {
      try {
        const out = await this.send<{ Parameter?: { Value?: string } }>(ssm, new GetParameterCommand({ Name: name }), `SSM GetParameter ${name} (${region})`);
        try {
          const h = JSON.parse(out.Parameter?.Value ?? "") as LeaseHolder;
          return typeof h.pid === "number" && typeof h.host === "string" ? h : null;
        } catch {
          return null;
        }
      } catch (e) {
        if ((e as { name?: string }).name === "ParameterNotFound") return "missing";
        throw e;
      }
    };
    const put = async (): Promise<boolean> => {
      try {
        await this.send(
          ssm,
          new PutParameterCommand({ Name: name, Value: JSON.stringify(holder), Type: "String", Overwrite: false, Description: "dr runbook lease: a failover/failback is running (deleted when it ends)" }),
          `SSM PutParameter ${name} (${region})`,
        );
        return true;
      } catch (e) {
        if ((e as { name?: string }).name === "ParameterAlreadyExists") return false;
        throw e;
      }
    };
    const held = (tookOverFrom?: LeaseHolder): HeldLease => ({
      where,
      holder,
      ...(tookOverFrom ? { tookOverFrom } : {}),
      release: async () => {
        const now = await read();
        if (now !== "missing" && now !== null && now.token === holder.token) await this.send(ssm, new DeleteParameterCommand({ Name: name }), `SSM DeleteParameter ${name} (${region})`);
      },
    });
    const clear = `aws ssm delete-parameter --region ${region} --name ${name}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await put()) return held();
      const h = await read();
      if (h === "missing") continue; // released meanwhile
      if (h !== null && h.token === holder.token) return held(); // our own earlier attempt took it
      if (!holderIsDead(h)) throw new LeaseHeldError(where, h, clear);
      await this.send(ssm, new DeleteParameterCommand({ Name: name }), `SSM DeleteParameter ${name} (${region})`).catch((e: unknown) => {
        if ((e as { name?: string }).name !== "ParameterNotFound") throw e;
      });
      if (await put()) return held(h ?? undefined);
    }
    const last = await read();
    throw new LeaseHeldError(where, last === "missing" ? null : last, clear);
  }

  async outage(role: RegionRole): Promise<OutageState> {
    // The check's id from the dns stack's SSM parameter in the handoff region (no Route 53 API), then only the metric.
    const ids = await this.healthCheckIds();
    const id = ids.get(role);
    if (!id) {
      return {
        healthy: null,
        unreadable: true,
        unhealthyForSeconds: 0,
        sampleAgeSeconds: null,
        detail: `no SSM parameter ${healthCheckParameter(this.config, role)} in ${handoffRegion(this.config)}: the dns stack publishes the health-check ids there (HealthCheckHandoff); deploy it (npx cdktf deploy dns)`,
      };
    }
    const minutes = Math.ceil(this.config.runbook.minOutageSeconds / 60) + 5;
    const series = await this.metricSeries(id, minutes);
    if (!series.length) return { healthy: null, unhealthyForSeconds: 0, sampleAgeSeconds: null, detail: `HealthCheckStatus of ${id} (us-east-1): no datapoint in the last ${minutes} minutes` };
    const [latest] = series;
    let run = 0;
    while (run < series.length && series[run].max === 0 && (run === 0 || series[run - 1].at - series[run].at === 60_000)) run++;
    const healthy = newestVerdict(series) ?? false;
    const { now, source } = this.awsNow("us-east-1");
    const age = Math.max(0, (now - (latest.at + 60_000)) / 1000);
    const unhealthyForSeconds = healthy ? 0 : run * 60;
    const recent = series.slice(0, 5).map((d) => `${new Date(d.at).toISOString().slice(11, 16)} ${d.min === d.max ? d.min : `${d.min}-${d.max}`}`).join(", ");
    return {
      healthy,
      unhealthyForSeconds,
      sampleAgeSeconds: age,
      detail: `Route53 HealthCheckStatus of the ${role} check ${id} (us-east-1; id from SSM in ${handoffRegion(this.config)}), per minute (newest first): ${recent}; ${run} whole unhealthy minute(s); newest ${Math.round(age)} s old on ${source}`,
    };
  }

  /**
   * The dns stack's health-check ids by role: it publishes each as an SSM
   * String parameter in the handoff region (stacks/dns-stack.ts,
   * HealthCheckHandoff; names: healthCheckParameter), so the recovery path
   * reads them with one GetParameters call in us-west-1 instead of Route 53's
   * ListHealthChecks / ListTagsForResources (Route 53's control plane, in
   * us-east-1: "you should not rely on the Route 53 control plane in your
   * recovery path", AWS Fault Isolation Boundaries whitepaper, "Global
   * services"). A name GetParameters does not find is left out of its
   * Parameters (it lists it under InvalidParameters): the role has no id.
   * Read once a run (the ids change only when the dns stack replaces a check).
   */
  private healthCheckIds(): Promise<ReadonlyMap<HealthCheckRole, string>> {
    this.checkIds ??= (async () => {
      const region = handoffRegion(this.config);
      const byName = new Map(HEALTH_CHECK_ROLES.map((role) => [healthCheckParameter(this.config, role), role] as const));
      const out = await this.send<{ Parameters?: Array<{ Name?: string; Value?: string }> }>(
        this.clients.ssm(region),
        new GetParametersCommand({ Names: [...byName.keys()] }),
        `SSM GetParameters health-check ids (${region})`,
      );
      const ids = new Map<HealthCheckRole, string>();
      for (const p of out.Parameters ?? []) {
        const role = byName.get(p.Name ?? "");
        if (role && p.Value) ids.set(role, p.Value);
      }
      return ids;
    })().catch((e: unknown) => {
      this.checkIds = undefined;
      throw e;
    });
    return this.checkIds;
  }

  /**
   * Route 53's own view of the two switch checks: the newest datapoint of each
   * one's HealthCheckStatus (us-east-1), ids from SSM (no Route 53 API). "When
   * you create a health check, Amazon Route 53 starts to send metrics and
   * dimensions once a minute to CloudWatch" (every type), HealthCheckStatus "1
   * indicates healthy, and 0 indicates unhealthy" (Route 53 Developer Guide,
   * "Amazon Route 53 metrics and dimensions"); the console's "Health check
   * status" graph is "the Route 53 assessment" ("Monitoring health checks
   * using CloudWatch"). How fast a CLOUDWATCH_METRIC check follows its alarm's
   * data stream is not documented; this is what shows that it has. Not run
   * against AWS here (no AWS account): the tests model it (fake-aws.ts).
   */
  async switchChecks(): Promise<SwitchChecksState> {
    const ids = await this.healthCheckIds();
    const sw = ids.get("switch");
    const forced = ids.get("switch-forced");
    if (!sw || !forced) throw new Error(`no SSM parameter ${healthCheckParameter(this.config, sw ? "switch-forced" : "switch")} in ${handoffRegion(this.config)}: the dns stack publishes the switch checks' ids there`);
    const [a, b] = await Promise.all([this.metricSeries(sw, 5), this.metricSeries(forced, 5)]);
    const { now, source } = this.awsNow("us-east-1");
    const ages = [a[0], b[0]].filter((d) => d !== undefined).map((d) => Math.max(0, (now - (d.at + 60_000)) / 1000));
    const text = (role: string, id: string, series: typeof a) =>
      `${role} ${id}: ${series.length ? series.slice(0, 3).map((d) => `${new Date(d.at).toISOString().slice(11, 16)} ${d.min === d.max ? d.min : `${d.min}-${d.max}`}`).join(", ") : "no datapoint"}`;
    return {
      switchHealthy: newestVerdict(a),
      switchForcedHealthy: newestVerdict(b),
      sampleAgeSeconds: ages.length === 2 ? Math.max(...ages) : null,
      detail: `Route 53 HealthCheckStatus (us-east-1), per minute, newest first: ${text("switch", sw, a)}; ${text("switch-forced", forced, b)}${ages.length ? ` (newest ${Math.round(Math.max(...ages))} s old on ${source})` : ""}`,
    };
  }

  async healthChecks(): Promise<HealthCheckState[]> {
    const found = await this.findHealthChecks();
    const byId = new Map(found.map((f) => [f.check.Id!, f]));
    // Endpoint checks: the checkers' last results (GetHealthCheckStatus), detail only.
    const endpoint = new Map<string, { healthy: boolean | null; detail: string }>();
    for (const f of found) {
      const t = f.check.HealthCheckConfig?.Type;
      if (t !== "CALCULATED" && t !== "CLOUDWATCH_METRIC") endpoint.set(f.check.Id!, await this.endpointHealth(f.check.Id!));
    }
    // Checks that follow an alarm: what the alarm state makes them (Route53
    // follows the alarm's data stream; with no data, the last known status,
    // which the alarm state keeps too: treat_missing_data "ignore").
    let switchState: SwitchState | undefined;
    const computed = async (id: string): Promise<{ healthy: boolean | null; detail: string }> => {
      const e = endpoint.get(id);
      if (e) return e;
      const cfg = byId.get(id)?.check.HealthCheckConfig;
      if (cfg?.Type === "CLOUDWATCH_METRIC") {
        switchState ??= await this.failoverSwitch();
        const alarm = cfg.AlarmIdentifier;
        const raw = switchState.alarmState === "OK" ? true : switchState.alarmState === "ALARM" ? false : null;
        const healthy = raw === null ? null : cfg.Inverted ? !raw : raw;
        return { healthy, detail: `follows alarm ${alarm?.Name ?? "?"} (${alarm?.Region ?? "?"}): ${switchState.alarmState ?? "missing"}${cfg.Inverted ? ", inverted" : ""}` };
      }
      if (cfg?.Type === "CALCULATED") {
        const children = cfg.ChildHealthChecks ?? [];
        const threshold = cfg.HealthThreshold ?? 1;
        let healthyChildren = 0;
        let unknown = 0;
        for (const c of children) {
          const r = byId.has(c) ? await computed(c) : await this.endpointHealth(c);
          if (r.healthy === null) unknown++;
          else if (r.healthy) healthyChildren++;
        }
        const verdict = healthyChildren >= threshold ? true : healthyChildren + unknown >= threshold ? null : false;
        const healthy = verdict === null ? null : cfg.Inverted ? !verdict : verdict;
        return { healthy, detail: `CALCULATED ${healthyChildren}/${children.length} children healthy${unknown ? ` (${unknown} unknown)` : ""}, threshold ${threshold} => ${healthy === null ? "unknown" : healthy ? "healthy" : "unhealthy"}` };
      }
      return this.endpointHealth(id);
    };
    const out: HealthCheckState[] = [];
    for (const f of found) {
      const cfg = f.check.HealthCheckConfig;
      const c = await computed(f.check.Id!);
      // Route53's own verdict for every check is the HealthCheckStatus metric (us-east-1): it wins over what is computed here.
      const metric = await this.metricHealth(f.check.Id!);
      const metricText = `CloudWatch HealthCheckStatus ${metric ? `${metric.value} at ${new Date(metric.at).toISOString()}` : "no datapoint"}`;
      if (cfg?.Type !== "CALCULATED" && cfg?.Type !== "CLOUDWATCH_METRIC") {
        out.push({ role: f.role, id: f.check.Id!, healthy: metric ? metric.value >= 1 : c.healthy, detail: `${cfg?.Type ?? "?"} ${cfg?.FullyQualifiedDomainName ?? ""}${cfg?.ResourcePath ?? ""}: ${metricText}; checkers' last results: ${c.detail}` });
        continue;
      }
      out.push({
        role: f.role,
        id: f.check.Id!,
        healthy: metric ? metric.value >= 1 : c.healthy,
        ...(cfg.Type === "CALCULATED" ? { healthThreshold: cfg.HealthThreshold ?? 1, children: cfg.ChildHealthChecks?.length ?? 0 } : {}),
        detail: `${c.detail}; ${metricText}`,
      });
    }
    return out;
  }

  // --- the failover switch (secondary region, no Route53 call) ----------------

  async failoverSwitch(): Promise<SwitchState> {
    const sw = failoverSwitch(this.config);
    const out = await this.send<{ MetricAlarms?: Array<{ StateValue?: string; StateUpdatedTimestamp?: Date }> }>(
      this.clients.cloudwatch(sw.region),
      new DescribeAlarmsCommand({ AlarmNames: [sw.alarmName], AlarmTypes: ["MetricAlarm"] }),
      `CloudWatch DescribeAlarms (${sw.region})`,
    );
    const alarm = out.MetricAlarms?.[0];
    if (!alarm) return { forced: null, alarmState: null, detail: `no alarm ${sw.alarmName} in ${sw.region} (is the dns stack deployed?)` };
    const state = alarm.StateValue ?? null;
    return {
      forced: state === "ALARM" ? true : state === "OK" ? false : null,
      alarmState: state,
      detail: `alarm ${sw.alarmName} (${sw.region}): ${state ?? "?"}${alarm.StateUpdatedTimestamp ? ` since ${alarm.StateUpdatedTimestamp.toISOString()}` : ""}${state === "INSUFFICIENT_DATA" ? " (the switch was never written since the alarm was created)" : ""}`,
    };
  }

  /**
   * PutMetricData of switchValue(forced) in the secondary region. The alarm
   * (and Route53) take the Maximum of each minute, so a value written into a
   * minute that already holds the other value would not count: then this
   * waits for the next minute first. Idempotent: writing the same value again
   * changes nothing.
   */
  async setForcedFailover(forced: boolean): Promise<string> {
    const sw = failoverSwitch(this.config);
    const cw = this.clients.cloudwatch(sw.region);
    const value = switchValue(this.config, forced);
    const periodMs = sw.periodSeconds * 1000;
    const dimensions = Object.entries(sw.dimensions).map(([Name, Value]) => ({ Name, Value }));
    const metric = { Namespace: sw.namespace, MetricName: sw.metricName, Dimensions: dimensions };
    let waited = "";
    const now = this.clock.now();
    const bucket = Math.floor(now / periodMs) * periodMs;
    const recent = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[] }> }>(
      cw,
      new GetMetricDataCommand({
        StartTime: new Date(bucket),
        EndTime: new Date(bucket + periodMs),
        MetricDataQueries: [
          { Id: "max", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Maximum" } },
          { Id: "min", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Minimum" } },
        ],
      }),
      `CloudWatch GetMetricData ${sw.metricName} (${sw.region})`,
    );
    const max = recent.MetricDataResults?.find((r) => r.Id === "max")?.Values?.[0];
    const min = recent.MetricDataResults?.find((r) => r.Id === "min")?.Values?.[0];
    const clash = forced ? min !== undefined && min < sw.forcedValue : max !== undefined && max >= sw.forcedValue;
    if (clash) {
      const ms = bucket + periodMs - now + 1000;
      await this.clock.sleep(ms);
      waited = ` (waited ${Math.round(ms / 1000)} s: this minute already held the other value)`;
    }
    await this.send(
      cw,
      new PutMetricDataCommand({ Namespace: sw.namespace, MetricData: [{ MetricName: sw.metricName, Dimensions: dimensions, Value: value, Timestamp: new Date(this.clock.now()), StorageResolution: 60 }] }),
      `CloudWatch PutMetricData ${sw.metricName} (${sw.region})`,
    );
    return `PutMetricData ${sw.namespace} ${sw.metricName} ${Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",")} = ${value} in ${sw.region}${waited} (${forced ? "forced to the secondary" : "follows health"})`;
  }

  // --- web tier --------------------------------------------------------------

  /**
   * The fleet: the ASG's desired size and its instances, the target group's
   * targets. An ASG lists an instance in every lifecycle state (Pending,
   * InService, Terminating, Terminating:Wait, ...) until it is terminated
   * ("Amazon EC2 Auto Scaling instance lifecycle", EC2 Auto Scaling User
   * Guide), so no instance listed means none of the fleet still runs.
   */
  async web(role: RegionRole): Promise<WebState> {
    const n = names(this.config, role);
    const asg = (
      await this.send<{ AutoScalingGroups?: Array<{ MinSize?: number; DesiredCapacity?: number; Instances?: Array<{ LifecycleState?: string }> }> }>(
        this.clients.autoscaling(n.region),
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [n.asg] }),
        `Auto Scaling DescribeAutoScalingGroups (${n.region})`,
      )
    ).AutoScalingGroups?.[0];
    const elb = this.clients.elbv2(n.region);
    const tg = (await this.send<{ TargetGroups?: Array<{ TargetGroupArn?: string }> }>(elb, new DescribeTargetGroupsCommand({ Names: [n.targetGroup] }), `ELBv2 DescribeTargetGroups (${n.region})`)).TargetGroups?.[0];
    if (!tg?.TargetGroupArn) throw new Error(`target group ${n.targetGroup} not found in ${n.region}`);
    const th =
      (await this.send<{ TargetHealthDescriptions?: Array<{ TargetHealth?: { State?: string } }> }>(elb, new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }), `ELBv2 DescribeTargetHealth (${n.region})`))
        .TargetHealthDescriptions ?? [];
    const states = th.map((t) => t.TargetHealth?.State ?? "unknown");
    const healthy = states.filter((s) => s === "healthy").length;
    const counts = [...new Set(states)].map((s) => `${states.filter((x) => x === s).length} ${s}`).join(", ");
    const instances = asg?.Instances ?? [];
    const life = [...new Set(instances.map((i) => i.LifecycleState ?? "?"))].map((s) => `${instances.filter((i) => (i.LifecycleState ?? "?") === s).length} ${s}`).join(", ");
    return {
      role,
      healthyTargets: healthy,
      totalTargets: th.length,
      desiredCapacity: asg ? (asg.DesiredCapacity ?? null) : null,
      runningInstances: asg ? instances.length : null,
      detail: `ASG ${n.asg}: ${asg ? `min ${asg.MinSize} desired ${asg.DesiredCapacity}, instances ${instances.length}${life ? ` (${life})` : ""}` : "not found"}; ${n.targetGroup}: ${counts || "no targets"}`,
    };
  }

  async scaleWeb(role: RegionRole, size: number): Promise<string> {
    const n = names(this.config, role);
    const min = Math.min(size, this.config.web.minSize);
    await this.send(this.clients.autoscaling(n.region), new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: n.asg, MinSize: min, DesiredCapacity: size }), `Auto Scaling UpdateAutoScalingGroup (${n.region})`);
    return `ASG ${n.asg} (${n.region}): min ${min}, desired ${size}`;
  }

  private async entryPoint(role: RegionRole): Promise<{ baseUrl: string; host?: string } | string> {
    const n = names(this.config, role);
    const lb = (await this.send<{ LoadBalancers?: Array<{ DNSName?: string }> }>(this.clients.elbv2(n.region), new DescribeLoadBalancersCommand({ Names: [n.alb] }), `ELBv2 DescribeLoadBalancers (${n.region})`)).LoadBalancers?.[0];
    if (!lb?.DNSName) return `load balancer ${n.alb} not found in ${n.region}`;
    // With dns enabled (or a certificate) the ALB listens on HTTPS with a certificate for the domain.
    const tls = this.config.dns.enabled || this.config.regions[role].certificateArn !== undefined;
    return { baseUrl: `${tls ? "https" : "http"}://${lb.DNSName}`, ...(this.config.dns.enabled ? { host: this.config.dns.domainName } : {}) };
  }

  async probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    const ep = await this.entryPoint(role);
    if (typeof ep === "string") return { ok: false, dbRole: null, writable: null, wrote: null, detail: ep };
    return this.probeFn({ ...ep, timeoutMs: 5_000 }, this.config.web.readinessPath, opts.write, `dr runbook verification ${new Date(this.clock.now()).toISOString()}`);
  }

  /** The app's view of its database's WAL positions, through the region's ALB (the database itself is private). */
  async walPositions(role: RegionRole): Promise<WalPositions> {
    const ep = await this.entryPoint(role);
    if (typeof ep === "string") {
      return { ok: false, inRecovery: null, lsn: null, receiveLsn: null, replayLsn: null, replayPaused: null, receiverStatus: null, senderLsn: null, lastMessageAgeSeconds: null, receiverTimeoutSeconds: null, requestedAt: this.clock.now(), detail: ep };
    }
    return this.walFn({ ...ep, timeoutMs: 5_000 }, this.config.web.readinessPath, () => this.clock.now());
  }

  // --- database ----------------------------------------------------------------

  private async describe(region: string, id: string): Promise<DBInstance | null> {
    try {
      return (await this.send<{ DBInstances?: DBInstance[] }>(this.clients.rds(region), new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), `RDS DescribeDBInstances ${id} (${region})`)).DBInstances?.[0] ?? null;
    } catch (e) {
      if (isNotFound(e, "DBInstanceNotFoundFault")) return null;
      throw e;
    }
  }

  /** Latest ReplicaLag datapoints (seconds), newest first (window generous on purpose: only AWS's clock judges their age). */
  private async replicaLag(region: string, id: string): Promise<Array<{ value: number; at: number }>> {
    const end = this.clock.now();
    const out = await this.send<{ MetricDataResults?: Array<{ Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch(region),
      new GetMetricDataCommand({
        StartTime: new Date(end - 20 * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [
          { Id: "lag", ReturnData: true, MetricStat: { Metric: { Namespace: "AWS/RDS", MetricName: "ReplicaLag", Dimensions: [{ Name: "DBInstanceIdentifier", Value: id }] }, Period: 60, Stat: "Maximum" } },
        ],
      }),
      `CloudWatch GetMetricData ReplicaLag ${id} (${region})`,
    );
    const r = out.MetricDataResults?.[0];
    return (r?.Values ?? []).map((value, i) => ({ value, at: r!.Timestamps![i].getTime() })).sort((a, b) => b.at - a.at);
  }

  /**
   * A Writer's state. For a replica: its replication status
   * (DescribeDBInstances StatusInfos, StatusType "read replication": replicating,
   * replication degraded, error, stopped, terminated: RDS User Guide,
   * "Monitoring read replication") and its latest ReplicaLag, with that
   * datapoint's age on AWS's clock. ReplicaLag -1 means "replication is
   * currently not active" (same guide, MySQL/MariaDB pages; RDS for PostgreSQL
   * publishes it too while the replica is in error or still setting up) and is
   * kept as -1, never read as 0. On RDS for PostgreSQL ReplicaLag is the time
   * since the last replayed commit, so a replica of an idle source "will
   * report a replication lag of up to five minutes" (RDS User Guide, "Working
   * with read replicas for Amazon RDS for PostgreSQL", limitations): it is
   * never the catch-up proof (WAL positions are: plan.ts catchUpVerdict).
   */
  async database(role: RegionRole, generation: number): Promise<DatabaseState> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const readers = await Promise.all(n.readers(generation).map(async (r) => ({ identifier: r, status: (await this.describe(n.region, r))?.DBInstanceStatus ?? null })));
    const inst = await this.describe(n.region, id);
    if (!inst) return { role, identifier: id, dbRole: "missing", status: null, source: null, lagSeconds: null, lagSampledAt: null, readers, detail: `no DB instance ${id} in ${n.region}` };
    const source = inst.ReadReplicaSourceDBInstanceIdentifier ?? null;
    let lagSeconds: number | null = null;
    let lagSampledAt: number | null = null;
    let lagSampleAgeSeconds: number | null = null;
    let lastReplayAt: number | null = null;
    const replication = inst.StatusInfos?.find((s) => s.StatusType === "read replication");
    if (source) {
      const lag = await this.replicaLag(n.region, id);
      if (lag.length) {
        ({ value: lagSeconds, at: lagSampledAt } = lag[0]);
        lagSampleAgeSeconds = Math.max(0, (this.awsNow(n.region).now - (lagSampledAt + 60_000)) / 1000);
      }
      // The last replayed commit: RDS for PostgreSQL's ReplicaLag is "currentTime - lastCommitedTransactionTimestamp"
      // (RDS User Guide, "Working with read replicas for Amazon RDS for PostgreSQL"), so the newest datapoint that is not
      // -1 ("replication is not active") gives it: the end of its minute minus the minute's Maximum. An early bound (the
      // Maximum is the minute's oldest view): an RPO estimate from it overstates the loss by up to a minute, never
      // understates it. On the datapoint's (AWS's) clock.
      const known = lag.find((d) => d.value >= 0);
      if (known) lastReplayAt = known.at + 60_000 - known.value * 1000;
    }
    const isolatedTag = inst.TagList?.find((t) => t.Key === ISOLATED_TAG);
    const passwordPending = inst.PendingModifiedValues?.MasterUserPassword !== undefined;
    const isolated = isolatedTag !== undefined && !passwordPending;
    return {
      role,
      identifier: id,
      dbRole: source ? "replica" : "writer",
      status: inst.DBInstanceStatus ?? null,
      source,
      lagSeconds,
      lagSampledAt,
      lagSampleAgeSeconds,
      replicationStatus: source ? (replication?.Status ?? null) : null,
      lastReplayAt,
      isolated,
      readers,
      detail:
        `${inst.DBInstanceStatus}${source ? ` replica of ${source}` : ""}` +
        (replication ? `; read replication ${replication.Status}${replication.Normal === false ? " (not normal)" : ""}${replication.Message ? `: ${replication.Message}` : ""}` : "") +
        (isolatedTag ? `; isolated by the runbook at ${isolatedTag.Value}${passwordPending ? " (password change still pending)" : ""}` : ""),
    };
  }

  /**
   * One PromoteReadReplica request, and what RDS answered. RDS refuses it
   * (InvalidDBInstanceState, "The DB instance isn't in a valid state") while
   * the replica is not available, e.g. "a read replica cannot be promoted to a
   * standalone instance when it is in the backing-up status" (RDS API
   * Reference, PromoteReadReplica); storage-optimization, modifying and
   * maintenance states are refused likewise. The step asks again at each poll
   * until RDS takes it, and never again once taken.
   *
   * What reached RDS decides what the journal keeps (plan.ts requestPromotion):
   * "not-sent" when the describe before it failed (PromoteReadReplica was not
   * attempted) or every attempt of it failed before connecting (a refused
   * connection, a name that does not resolve: failedBeforeConnecting); "refused"
   * on RDS's refusal or throttling (an answer: nothing taken); a failure after it
   * may have left (a timeout after sending, a reset) is thrown: the step records
   * it as possibly taken.
   */
  async promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<PromotionAttempt> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    let inst: DBInstance | null;
    try {
      inst = await this.describe(n.region, id);
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `DescribeDBInstances ${id} (${n.region}) failed (${(e as Error)?.message ?? String(e)}): PromoteReadReplica was not sent (asked again at the next poll)` };
    }
    if (!inst) return { outcome: "not-sent", detail: `no DB instance ${id} in ${n.region}: PromoteReadReplica was not sent` };
    if (!inst.ReadReplicaSourceDBInstanceIdentifier) return { outcome: "already-writer", detail: `${id} is already a standalone writer: not promoted again` };
    // RDS takes a promotion only from an available replica: not asked while it is in another state (it is asked again at the next poll).
    if (inst.DBInstanceStatus !== "available") return { outcome: "refused", detail: `${id} is ${inst.DBInstanceStatus}: RDS would refuse PromoteReadReplica now (a promotion under way, a backup, a modification): not sent, asked again at the next poll` };
    const what = `RDS PromoteReadReplica ${id} (${n.region})`;
    const r = await this.sendRequest(this.clients.rds(n.region), new PromoteReadReplicaCommand({ DBInstanceIdentifier: id, BackupRetentionPeriod: backupRetentionDays }), what);
    if (!r.ok) {
      const e = r.error;
      if (isNotFound(e, "InvalidDBInstanceStateFault")) return { outcome: "refused", detail: `RDS refused PromoteReadReplica ${id} while ${inst.DBInstanceStatus}: ${(e as Error).message} (asked again at the next poll)` };
      // An answer: the instance is gone (DBInstanceNotFound: "DBInstanceIdentifier doesn't refer to an existing DB instance",
      // RDS API Reference, PromoteReadReplica, Errors): nothing was taken.
      if (isNotFound(e, "DBInstanceNotFoundFault")) return { outcome: "refused", detail: `RDS answered PromoteReadReplica ${id} with DBInstanceNotFound: the replica is gone (${(e as Error).message}); nothing was taken` };
      const cause = classifyAwsError(e);
      if (cause?.kind === "throttled") return { outcome: "refused", detail: `RDS throttled PromoteReadReplica ${id} (${(e as Error)?.name}: ${(e as Error)?.message}): not taken, asked again at the next poll` };
      if (cause?.permanent) throw e;
      if (!r.mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${(e as Error)?.message ?? String(e)}: no connection was made): asked again at the next poll` };
      throw e;
    }
    return { outcome: "requested", detail: `PromoteReadReplica ${id} (${n.region}), backup retention ${backupRetentionDays} days: taken` };
  }

  /**
   * Isolates a diverged old writer from the app: a new master password nobody
   * knows (the app signs in with the master credentials from its secret, so
   * new connections fail; "Changing this parameter doesn't result in an outage
   * and the change is asynchronously applied as soon as possible. Between the
   * time of the request and the completion of the request, the
   * MasterUserPassword element exists in the PendingModifiedValues element":
   * RDS API Reference, ModifyDBInstance) and the tag dr-isolated, which is how
   * the state is read back (AWS, not the journal). Only after the promotion:
   * a replica would inherit the password. Reset it by hand to look inside.
   */
  async isolateWriter(role: RegionRole, generation: number): Promise<string> {
    const n = names(this.config, role);
    const id = n.writer(generation);
    const inst = await this.describe(n.region, id);
    if (!inst) return `no DB instance ${id} in ${n.region}: nothing to isolate`;
    const tagged = inst.TagList?.some((t) => t.Key === ISOLATED_TAG) ?? false;
    if (tagged) return `${id} is already isolated (tag ${ISOLATED_TAG})${inst.PendingModifiedValues?.MasterUserPassword !== undefined ? ": its password change is still pending" : ""}`;
    await this.send(this.clients.rds(n.region), new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: unknownPassword(), ApplyImmediately: true }), `RDS ModifyDBInstance ${id} (${n.region})`);
    await this.send(
      this.clients.rds(n.region),
      new AddTagsToResourceCommand({ ResourceName: inst.DBInstanceArn, Tags: [{ Key: ISOLATED_TAG, Value: new Date(this.clock.now()).toISOString() }] }),
      `RDS AddTagsToResource ${id} (${n.region})`,
    );
    return `${id} (${n.region}): master password replaced by one nobody knows (the app's secret no longer opens it), tagged ${ISOLATED_TAG}`;
  }

  async snapshot(role: RegionRole, generation: number, snapshotId: string): Promise<string> {
    const n = names(this.config, role);
    if ((await this.snapshotStatus(role, snapshotId)) !== null) return `snapshot ${snapshotId} exists: not taken again`;
    await this.send(this.clients.rds(n.region), new CreateDBSnapshotCommand({ DBInstanceIdentifier: n.writer(generation), DBSnapshotIdentifier: snapshotId }), `RDS CreateDBSnapshot (${n.region})`);
    return `CreateDBSnapshot ${snapshotId} of ${n.writer(generation)} (${n.region})`;
  }

  async snapshotStatus(role: RegionRole, snapshotId: string): Promise<string | null> {
    try {
      const out = await this.send<{ DBSnapshots?: Array<{ Status?: string }> }>(this.clients.rds(this.region(role)), new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }), `RDS DescribeDBSnapshots (${this.region(role)})`);
      return out.DBSnapshots?.[0]?.Status ?? null;
    } catch (e) {
      if (isNotFound(e, "DBSnapshotNotFoundFault")) return null;
      throw e;
    }
  }

  async allowDeletion(role: RegionRole, generation: number): Promise<string> {
    const n = names(this.config, role);
    const done: string[] = [];
    for (const id of [n.writer(generation), ...n.readers(generation)]) {
      const inst = await this.describe(n.region, id);
      if (!inst) {
        done.push(`${id}: gone`);
      } else if (!inst.DeletionProtection) {
        done.push(`${id}: already unprotected`);
      } else {
        await this.send(this.clients.rds(n.region), new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }), `RDS ModifyDBInstance ${id} (${n.region})`);
        done.push(`${id}: deletion protection off`);
      }
    }
    return done.join("; ");
  }

  // --- Aurora Global Database (database.engine "aurora-postgresql") -------------
  //
  // RDS API Reference: DescribeGlobalClusters, SwitchoverGlobalCluster,
  // FailoverGlobalCluster, FailoverState, GlobalClusterMember; Aurora User Guide,
  // "Using switchover or failover in Amazon Aurora Global Database"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).

  /** Region of a cluster ARN (arn:<partition>:rds:<region>:<account>:cluster:<id>). */
  private static arnRegion(arn: string): string {
    return arn.split(":")[3] ?? "";
  }

  private static arnId(arn: string): string {
    return arn.split(":").slice(6).join(":");
  }

  /**
   * DescribeGlobalClusters. A global cluster has no region of its own (its ARN
   * has none) and is described from any member's region: asked in the
   * secondary region first (the one a failover relies on), then the primary's
   * when the secondary's endpoint does not answer; with `only`, in that
   * region alone (the unplanned failover never waits on the failed region).
   */
  private async describeGlobal(roles: readonly RegionRole[] = ["secondary", "primary"]): Promise<GlobalCluster | null> {
    const id = globalClusterIdentifier(this.config);
    let lastError: unknown;
    for (const role of roles) {
      const region = this.region(role);
      try {
        const out = await this.send<{ GlobalClusters?: GlobalCluster[] }>(this.clients.rds(region), new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id }), `RDS DescribeGlobalClusters ${id} (${region})`);
        return out.GlobalClusters?.[0] ?? null;
      } catch (e) {
        if (isNotFound(e, "GlobalClusterNotFoundFault")) return null;
        const cause = classifyAwsError(e);
        if (cause?.permanent || cause?.kind !== "network") throw e;
        lastError = e;
      }
    }
    throw lastError;
  }

  /** Lag of a secondary member (ms): AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag, newest datapoint of each. */
  private async globalLag(region: string, clusterId: string, sourceRegion: string | null): Promise<{ replication: number | null; rpo: number | null; at: number | null }> {
    // Both metrics are cluster-level, in milliseconds, and published only in
    // the secondary Regions (Aurora User Guide, "Amazon CloudWatch metrics for
    // Amazon Aurora", cluster-level metrics). Aurora PostgreSQL global databases
    // are judged on AuroraGlobalDBRPOLag (same guide, "Using switchover or
    // failover": "For all versions of Aurora PostgreSQL-based global databases
    // ... view the AuroraGlobalDBRPOLag metric for all secondary DB clusters").
    // The dimensions: DBClusterIdentifier, and the pair DBClusterIdentifier +
    // SourceRegion ("Filters the data by the primary cluster in a global
    // database primary region", the RDS family's CloudWatch dimensions table).
    // Which of the two a datapoint carries is not stated per metric, so both are
    // asked in one call and the newest datapoint wins; no datapoint is "unknown",
    // never 0.
    const end = this.clock.now();
    const q = (qid: string, metric: string, withSource: boolean) => ({
      Id: qid,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: "AWS/RDS",
          MetricName: metric,
          Dimensions: [{ Name: "DBClusterIdentifier", Value: clusterId }, ...(withSource && sourceRegion ? [{ Name: "SourceRegion", Value: sourceRegion }] : [])],
        },
        Period: 60,
        Stat: "Maximum",
      },
    });
    const out = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[]; Timestamps?: Date[] }> }>(
      this.clients.cloudwatch(region),
      new GetMetricDataCommand({
        StartTime: new Date(end - 20 * 60_000),
        EndTime: new Date(end + 10 * 60_000),
        ScanBy: "TimestampDescending",
        MetricDataQueries: [q("repl", "AuroraGlobalDBReplicationLag", false), q("replsrc", "AuroraGlobalDBReplicationLag", true), q("rpo", "AuroraGlobalDBRPOLag", false), q("rposrc", "AuroraGlobalDBRPOLag", true)],
      }),
      `CloudWatch GetMetricData AuroraGlobalDB lag ${clusterId} (${region})`,
    );
    const newest = (...ids: string[]) => {
      let best: { value: number; at: number } | null = null;
      for (const r of out.MetricDataResults ?? []) {
        if (!ids.includes(r.Id ?? "")) continue;
        (r.Values ?? []).forEach((value, i) => {
          const at = r.Timestamps?.[i]?.getTime() ?? 0;
          if (!best || at > best.at) best = { value, at };
        });
      }
      return best as { value: number; at: number } | null;
    };
    const repl = newest("repl", "replsrc");
    const rpo = newest("rpo", "rposrc");
    const at = Math.max(repl?.at ?? 0, rpo?.at ?? 0);
    return { replication: repl?.value ?? null, rpo: rpo?.value ?? null, at: at || null };
  }

  /** A member cluster in its region (DescribeDBClusters) and its instances; null fields when the region does not answer. */
  private async memberCluster(region: string, clusterId: string): Promise<{ cluster: DBCluster | null; instances: GlobalMemberState["instances"]; error?: string }> {
    try {
      const c = (await this.send<{ DBClusters?: DBCluster[] }>(this.clients.rds(region), new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }), `RDS DescribeDBClusters ${clusterId} (${region})`)).DBClusters?.[0] ?? null;
      const insts = (
        await this.send<{ DBInstances?: DBInstance[] }>(
          this.clients.rds(region),
          new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: [clusterId] }] }),
          `RDS DescribeDBInstances db-cluster-id=${clusterId} (${region})`,
        )
      ).DBInstances ?? [];
      const writerIds = new Set((c?.DBClusterMembers ?? []).filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier));
      return { cluster: c, instances: insts.map((i) => ({ identifier: i.DBInstanceIdentifier ?? "?", status: i.DBInstanceStatus ?? null, isClusterWriter: writerIds.has(i.DBInstanceIdentifier) })) };
    } catch (e) {
      if (isNotFound(e, "DBClusterNotFoundFault")) return { cluster: null, instances: [], error: `no DB cluster ${clusterId} in ${region}` };
      if (classifyAwsError(e)?.permanent) throw e;
      return { cluster: null, instances: null, error: `${region} did not answer (${(e as Error)?.message ?? String(e)})` };
    }
  }

  /**
   * The global cluster, its members (each read in its own region: a member
   * whose region does not answer keeps what DescribeGlobalClusters said, with
   * status null) and the lag of each secondary member. With `only`, the
   * global cluster is described in that role's region and only that role's
   * member is read (its cluster, instances and lag: all in its own region);
   * the other member is listed as DescribeGlobalClusters gives it, not read.
   */
  async globalCluster(opts: GlobalReadOptions = {}): Promise<GlobalClusterState> {
    const identifier = globalClusterIdentifier(this.config);
    const only = opts.only;
    const g = await this.describeGlobal(only ? [only] : undefined);
    if (!g) return { identifier, found: false, status: null, members: [], failoverState: null, detail: `no global cluster ${identifier} (DescribeGlobalClusters: GlobalClusterNotFound)` };
    const writer = (g.GlobalClusterMembers ?? []).find((m) => m.IsWriter);
    const writerRegion = writer?.DBClusterArn ? AwsPlatform.arnRegion(writer.DBClusterArn) : null;
    const roleOf = (region: string, id: string) => REGION_ROLES.find((r) => this.region(r) === region && regionClusterIdentifier(this.config, r) === id) ?? null;
    const members = await Promise.all(
      (g.GlobalClusterMembers ?? []).map(async (m): Promise<GlobalMemberState> => {
        const arn = m.DBClusterArn ?? "";
        const region = AwsPlatform.arnRegion(arn);
        const id = AwsPlatform.arnId(arn);
        const role = roleOf(region, id);
        const isWriter = m.IsWriter === true;
        const sync = m.SynchronizationStatus ?? null;
        if (only && role !== only) {
          return {
            role, region, clusterIdentifier: id, clusterArn: arn, isWriter, status: null, synchronizationStatus: sync, readers: m.Readers ?? [], instances: null,
            replicationLagMs: null, rpoLagMs: null, lagSampleAgeSeconds: null, engineVersion: null,
            detail: `${id} (${region}): ${isWriter ? "writer (global primary)" : "secondary"}${sync ? `, sync ${sync}` : ""} (as DescribeGlobalClusters in ${this.region(only)} lists it; not read in ${region})`,
          };
        }
        const [mc, lag] = await Promise.all([
          this.memberCluster(region, id),
          isWriter
            ? Promise.resolve(null)
            : this.globalLag(region, id, writerRegion).catch((e: unknown) => {
                if (classifyAwsError(e)?.permanent) throw e;
                return null;
              }),
        ]);
        const age = lag?.at ? Math.max(0, (this.awsNow(region).now - (lag.at + 60_000)) / 1000) : null;
        const version = mc.cluster?.EngineVersion ?? null;
        return {
          role,
          region,
          clusterIdentifier: id,
          clusterArn: arn,
          isWriter,
          status: mc.cluster?.Status ?? null,
          synchronizationStatus: sync,
          readers: m.Readers ?? [],
          instances: mc.instances,
          replicationLagMs: lag?.replication ?? null,
          rpoLagMs: lag?.rpo ?? null,
          lagSampleAgeSeconds: age,
          engineVersion: version,
          detail:
            `${id} (${region}): ${isWriter ? "writer (global primary)" : "secondary"}, ${mc.cluster?.Status ?? (mc.error ? `status unknown: ${mc.error}` : "status unknown")}` +
            (version ? `, ${mc.cluster?.Engine ?? "engine"} ${version}` : "") +
            (sync ? `, sync ${sync}` : "") +
            (isWriter ? "" : lag ? `, replication lag ${lag.replication ?? "unknown"} ms, RPO lag ${lag.rpo ?? "unknown"} ms` : ", lag could not be read"),
        };
      }),
    );
    const fs = g.FailoverState;
    const failoverState = fs?.Status ? { status: fs.Status, fromClusterArn: fs.FromDbClusterArn ?? null, toClusterArn: fs.ToDbClusterArn ?? null, isDataLossAllowed: fs.IsDataLossAllowed ?? null } : null;
    return {
      identifier,
      found: true,
      status: g.Status ?? null,
      engineVersion: g.EngineVersion ?? null,
      ...(only ? { readIn: [this.region(only)] } : {}),
      members,
      failoverState,
      detail:
        `${identifier}: ${g.Status ?? "?"}${g.EngineVersion ? ` (${g.EngineVersion})` : ""}, ${members.length} member(s); writer ${writer?.DBClusterArn ?? "none"}` +
        (failoverState ? `; ${failoverState.isDataLossAllowed ? "failover" : "switchover"} ${failoverState.status} from ${failoverState.fromClusterArn ?? "?"} to ${failoverState.toClusterArn ?? "?"}` : "") +
        (only ? `; read in ${this.region(only)} only` : ""),
    };
  }

  /**
   * One SwitchoverGlobalCluster or FailoverGlobalCluster request, only when
   * needed: the target already the writer, or an operation toward it already
   * under way (FailoverState), sends nothing (a resumed run waits for it).
   * TargetDbClusterIdentifier is the target's ARN ("Use the Amazon Resource
   * Name (ARN) for the identifier so that Aurora can locate the cluster in its
   * Amazon Web Services Region": RDS API Reference, SwitchoverGlobalCluster,
   * FailoverGlobalCluster). A switchover is sent in the current primary's
   * region ("--region region_of_primary"), a failover in the target's (the
   * primary's may be down): Aurora User Guide, "Using switchover or failover".
   * A failover reads the global cluster in the target's region only (nothing
   * in the failed region: GlobalReadOptions).
   * Errors (both APIs: DBClusterNotFoundFault, GlobalClusterNotFoundFault,
   * InvalidDBClusterStateFault, InvalidGlobalClusterStateFault):
   * the two state faults are "refused" (refusal "state": nothing changed; the
   * step asks again, up to a cap: aurora-plan.ts MAX_GLOBAL_REFUSALS),
   * throttling likewise (refusal "throttled", not counted); the two not-found
   * faults end the step with the names it looked for. "not-sent" when the read
   * before the request failed or every SDK attempt of it failed before
   * connecting (mayHaveBeenSent): nothing can have been taken, and the journal
   * says so (aurora-plan.ts requestGlobal); a failure after it may have left is
   * thrown (possibly taken).
   */
  private async globalAction(kind: "switchover" | "failover", target: RegionRole): Promise<GlobalActionAttempt> {
    let g: GlobalClusterState;
    try {
      g = await this.globalCluster(kind === "failover" ? { only: target } : {});
    } catch (e) {
      // The read before the request failed: nothing was sent (credentials and permissions end the step).
      if (classifyAwsError(e)?.permanent || !classifyAwsError(e)) throw e;
      return { outcome: "not-sent", detail: `the global cluster could not be read before the ${kind} (${(e as Error)?.message ?? String(e)}): nothing was sent` };
    }
    if (!g.found) throw new Error(`${g.detail}: check database.engine and the project/environment names, and that the primary stack is deployed`);
    const targetId = regionClusterIdentifier(this.config, target);
    const t = g.members.find((m) => m.role === target);
    if (!t) throw new Error(`${targetId} (${this.region(target)}) is not a member of ${g.identifier} (members: ${g.members.map((m) => m.clusterArn).join(", ") || "none"}): deploy its regional stack first`);
    if (t.isWriter) return { outcome: "already-writer", detail: `${targetId} is already the writer of ${g.identifier}: nothing sent` };
    const fs = g.failoverState;
    if (fs && fs.status !== "cancelling") {
      if (fs.toClusterArn === t.clusterArn) return { outcome: "in-progress", detail: `a ${fs.isDataLossAllowed ? "failover" : "switchover"} to ${targetId} is already ${fs.status}: not requested again (waiting for it)` };
      throw new Error(`${g.identifier} has a ${fs.isDataLossAllowed ? "failover" : "switchover"} ${fs.status} toward ${fs.toClusterArn ?? "?"}, not toward ${targetId}: someone else is moving the primary; see aws rds describe-global-clusters`);
    }
    const current = g.members.find((m) => m.isWriter);
    const region = kind === "switchover" ? (current?.region ?? this.region(target)) : this.region(target);
    const input = { GlobalClusterIdentifier: g.identifier, TargetDbClusterIdentifier: t.clusterArn };
    const call = kind === "switchover" ? new SwitchoverGlobalClusterCommand(input) : new FailoverGlobalClusterCommand({ ...input, AllowDataLoss: true });
    const what = `${kind === "switchover" ? "SwitchoverGlobalCluster" : "FailoverGlobalCluster (AllowDataLoss)"} ${g.identifier} -> ${targetId} (${region})`;
    const sent = await this.sendRequest(this.clients.rds(region), call, `RDS ${what}`);
    if (!sent.ok) {
      const e = sent.error;
      const name = (e as { name?: string })?.name ?? "";
      const msg = (e as Error)?.message ?? String(e);
      if (name === "InvalidGlobalClusterStateFault" || name === "InvalidDBClusterStateFault") {
        return { outcome: "refused", refusal: "state", detail: `RDS refused ${what}: ${name}: ${msg} (target sync ${t.synchronizationStatus ?? "?"}, status ${t.status ?? "?"})` };
      }
      if (name === "GlobalClusterNotFoundFault") throw new Error(`RDS ${what}: the global cluster ${g.identifier} was not found in ${region} (${msg})`);
      if (name === "DBClusterNotFoundFault") throw new Error(`RDS ${what}: the target cluster ${t.clusterArn} was not found (${msg})`);
      if (classifyAwsError(e)?.kind === "throttled") return { outcome: "refused", refusal: "throttled", detail: `RDS throttled ${what} (${name}: ${msg}): not taken, asked again at the next poll` };
      if (!classifyAwsError(e)?.permanent && !sent.mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${msg}: no connection was made): nothing was taken` };
      throw e;
    }
    return { outcome: "requested", detail: `${what}: taken` };
  }

  switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.globalAction("switchover", target);
  }

  failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.globalAction("failover", target);
  }

  /**
   * The region's own cluster as its region's RDS API describes it (one
   * bounded DescribeDBClusters there): what `dr status` reads to see a
   * cluster that DescribeGlobalClusters no longer lists. DBCluster
   * GlobalClusterIdentifier "Contains a user-supplied global database cluster
   * identifier" and DBClusterMember IsClusterWriter "Indicates whether the
   * cluster member is the primary DB instance for the DB cluster" (RDS API
   * Reference, DBCluster, DBClusterMember). DBClusterNotFound is an answer
   * (found false); anything else (the region does not answer) is thrown, so
   * the status says it could not be read.
   */
  async regionalCluster(role: RegionRole): Promise<RegionalClusterState> {
    const region = this.region(role);
    const identifier = regionClusterIdentifier(this.config, role);
    let c: DBCluster | null;
    try {
      c = (await this.send<{ DBClusters?: DBCluster[] }>(this.clients.rds(region), new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }), `RDS DescribeDBClusters ${identifier} (${region})`)).DBClusters?.[0] ?? null;
    } catch (e) {
      if (!isNotFound(e, "DBClusterNotFoundFault")) throw e;
      c = null;
    }
    if (!c) return { role, region, identifier, found: false, status: null, globalClusterIdentifier: null, writerInstances: [], detail: `no DB cluster ${identifier} in ${region}` };
    const writerInstances = (c.DBClusterMembers ?? []).filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier ?? "?");
    const globalId = c.GlobalClusterIdentifier || null;
    return {
      role,
      region,
      identifier,
      found: true,
      status: c.Status ?? null,
      globalClusterIdentifier: globalId,
      writerInstances,
      detail: `${identifier} (${region}): ${c.Status ?? "?"}, ${globalId ? `global cluster ${globalId}` : "no global cluster"}, writer instance ${writerInstances.join(", ") || "none"}`,
    };
  }

  private static snapshotState(s: DBClusterSnapshot): ClusterSnapshotState {
    return { identifier: s.DBClusterSnapshotIdentifier ?? "?", status: s.Status ?? null, type: s.SnapshotType ?? null, createdAt: s.SnapshotCreateTime ? s.SnapshotCreateTime.getTime() : null };
  }

  /**
   * The region's member cluster's snapshots whose identifier starts with
   * `prefix`: DescribeDBClusterSnapshots with DBClusterIdentifier and no
   * SnapshotType ("If you don't specify a SnapshotType value, then both
   * automated and manual DB cluster snapshots are returned": RDS API
   * Reference, DescribeDBClusterSnapshots), every page (Marker).
   */
  async clusterSnapshots(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]> {
    const region = this.region(role);
    const clusterId = regionClusterIdentifier(this.config, role);
    const out: ClusterSnapshotState[] = [];
    let marker: string | undefined;
    do {
      let page: { DBClusterSnapshots?: DBClusterSnapshot[]; Marker?: string };
      try {
        page = await this.send(this.clients.rds(region), new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: clusterId, MaxRecords: 100, Marker: marker }), `RDS DescribeDBClusterSnapshots ${clusterId} (${region})`);
      } catch (e) {
        if (isNotFound(e, "DBClusterNotFoundFault") || isNotFound(e, "DBClusterSnapshotNotFoundFault")) return out;
        throw e;
      }
      for (const snap of page.DBClusterSnapshots ?? []) if ((snap.DBClusterSnapshotIdentifier ?? "").startsWith(prefix)) out.push(AwsPlatform.snapshotState(snap));
      marker = page.Marker;
    } while (marker);
    return out;
  }

  async clusterSnapshot(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null> {
    const region = this.region(role);
    try {
      const out = await this.send<{ DBClusterSnapshots?: DBClusterSnapshot[] }>(
        this.clients.rds(region),
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: identifier, SnapshotType: "manual" }),
        `RDS DescribeDBClusterSnapshots ${identifier} (${region})`,
      );
      const snap = out.DBClusterSnapshots?.[0];
      return snap ? AwsPlatform.snapshotState(snap) : null;
    } catch (e) {
      if (isNotFound(e, "DBClusterSnapshotNotFoundFault")) return null;
      throw e;
    }
  }

  /**
   * CopyDBClusterSnapshot in the same region: the source is named by its
   * identifier ("If the source snapshot is in the same Amazon Web Services
   * Region as the copy, specify a valid DB snapshot identifier"), no KmsKeyId
   * ("If you don't specify a value for KmsKeyId, then the copy of the DB
   * cluster snapshot is encrypted with the same KMS key as the source DB
   * cluster snapshot"), tags copied (RDS API Reference, CopyDBClusterSnapshot).
   * Nothing is sent when the target exists (idempotent).
   */
  async copyClusterSnapshot(role: RegionRole, source: string, target: string): Promise<string> {
    const region = this.region(role);
    const existing = await this.clusterSnapshot(role, target);
    if (existing) return `snapshot ${target} exists (${existing.status ?? "?"}): not copied again`;
    await this.send(
      this.clients.rds(region),
      new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: target, CopyTags: true }),
      `RDS CopyDBClusterSnapshot ${source} -> ${target} (${region})`,
    );
    return `CopyDBClusterSnapshot ${source} -> ${target} (${region}): a manual snapshot, kept until someone deletes it`;
  }
}
