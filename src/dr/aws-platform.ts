import type { RegionRole, ValidConfig } from "../config";
import { REGION_ROLES } from "../config";
import type { AwsClients } from "./aws-clients";
import { classifyAwsError } from "./aws-errors";
import { AwsAuroraGlobal } from "./aws-aurora-global";
import { AwsAuroraRestore, type ClusterProbe } from "./aws-aurora-restore";
import { AwsEndpointsParameter } from "./aws-endpoints-parameter";
import { AwsFailoverSwitch } from "./aws-failover-switch";
import { AwsHealthChecks } from "./aws-health-checks";
import { AwsLease } from "./aws-lease";
import { AwsRdsInstances } from "./aws-rds-instances";
import { AwsReadiness } from "./aws-readiness";
import { AwsRestore } from "./aws-restore";
import { AwsRunReport } from "./aws-run-report";
import { CALL_BOUNDS, CallTimeoutError, mayHaveBeenSent, trackAttempts } from "./aws-sdk-calls";
import type { AdapterCalls, SdkSender, SentRequest } from "./aws-service";
import { AwsWebFleet } from "./aws-web-fleet";
import type { ClusterState } from "./aurora-restore-platform";
import type { DbEndpoints } from "../database/endpoints-parameter";
import type { EndpointsParameterPlatform, EndpointsParameterState } from "./endpoints-parameter-platform";
import type { Clock } from "./clock";
import { probeApp, readWalPositions } from "./http-probe";
import type { HeldLease, LeaseHolder } from "./lease";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "./restore-platform";
import type {
  AlarmRead,
  Check,
  DatabaseState,
  DrPlatform,
  FailureCause,
  FleetCapacityState,
  HealthCheckState,
  OutageState,
  PermissionDecision,
  ProbeResult,
  PromotionAttempt,
  SecretMetadata,
  StateBucketState,
  SwitchChecksState,
  SwitchState,
  WalPositions,
  WebState,
} from "./platform";
import type {
  ClusterSnapshotState,
  GlobalActionAttempt,
  GlobalClusterState,
  GlobalReadOptions,
  RegionalClusterState,
} from "./global-database-platform";

/**
 * The runbook on AWS (SDK v3). Everything is found by name or tag from the
 * config (src/dns/contract.ts, dbIdentifier, the web tier's names), never
 * from Terraform state: in the outage that matters, the primary's state
 * bucket may be unreachable.
 *
 * This class is the DrPlatform the runbook sees: it bounds every SDK call
 * (send, sendRequest; aws-sdk-calls.ts) and delegates each concern to the
 * part that holds its AWS calls and their citations:
 * - Route 53's verdicts and the dns stack's health checks: aws-health-checks.ts
 * - the failover switch (CloudWatch, secondary region): aws-failover-switch.ts
 * - the runbook lease (SSM, handoff region): aws-lease.ts
 * - the web tier (Auto Scaling, ELBv2, the app through its ALB): aws-web-fleet.ts
 * - RDS for PostgreSQL instances: aws-rds-instances.ts
 * - Aurora Global Database: aws-aurora-global.ts
 * - the run report's alarms and upload: aws-run-report.ts
 * - `dr restore` (RDS, Aurora) and readiness: aws-restore.ts, aws-aurora-restore.ts, aws-readiness.ts
 * - the Aurora mode's database endpoints parameter (SSM, each region its own): aws-endpoints-parameter.ts
 */
export class AwsPlatform implements DrPlatform, EndpointsParameterPlatform {
  readonly name = "aws";
  private readonly callTimeoutMs: number;
  /** `dr restore` (Aurora mode): the data check of a restored cluster (aws-aurora-restore.ts ClusterProbe); none: the control plane's answer. */
  private readonly clusterProbe: ClusterProbe | undefined;
  private readonly calls: AdapterCalls = {
    send: (c, cmd, what) => this.send(c, cmd, what),
    sendRequest: (c, cmd, what) => this.sendRequest(c, cmd, what),
    awsNow: (region) => this.awsNow(region),
  };
  private readonly healthChecksPart: AwsHealthChecks;
  private readonly switchPart: AwsFailoverSwitch;
  private readonly leasePart: AwsLease;
  private readonly webPart: AwsWebFleet;
  private readonly rdsPart: AwsRdsInstances;
  private readonly auroraPart: AwsAuroraGlobal;
  private readonly reportPart: AwsRunReport;
  private readonly endpointsPart: AwsEndpointsParameter;

  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients,
    private readonly clock: Clock,
    /** The HTTP check of a region's entry point (tests stub it: the ALB is not reachable from here). */
    probeFn: typeof probeApp = probeApp,
    opts: { readonly walFn?: typeof readWalPositions; readonly callTimeoutMs?: number; readonly clusterProbe?: ClusterProbe } = {},
  ) {
    this.callTimeoutMs = opts.callTimeoutMs ?? CALL_BOUNDS.callTimeoutMs;
    this.clusterProbe = opts.clusterProbe;
    const parts = [config, clients, clock, this.calls] as const;
    this.switchPart = new AwsFailoverSwitch(...parts);
    // Through this adapter's own failoverSwitch (as before the split: a test or wrapper that replaces it is what the checks read).
    this.healthChecksPart = new AwsHealthChecks(...parts, () => this.failoverSwitch());
    this.leasePart = new AwsLease(...parts);
    this.webPart = new AwsWebFleet(...parts, probeFn, opts.walFn ?? readWalPositions);
    this.rdsPart = new AwsRdsInstances(...parts);
    this.auroraPart = new AwsAuroraGlobal(...parts);
    this.reportPart = new AwsRunReport(...parts);
    this.endpointsPart = new AwsEndpointsParameter(...parts);
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

  // --- the Aurora mode's database endpoints parameter (EndpointsParameterPlatform): aws-endpoints-parameter.ts ---
  endpointsParameter(region: RegionRole): Promise<EndpointsParameterState> {
    return this.endpointsPart.endpointsParameter(region);
  }
  putEndpointsParameter(region: RegionRole, value: DbEndpoints): Promise<RestoreAttempt> {
    return this.endpointsPart.putEndpointsParameter(region, value);
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

  // --- the run report (run-report.ts): aws-run-report.ts ---------------------------------------
  readAlarms(timeoutMs: number, roles: readonly RegionRole[] = REGION_ROLES): Promise<AlarmRead[]> {
    return this.reportPart.readAlarms(timeoutMs, roles);
  }
  uploadReport(role: RegionRole, bucket: string, key: string, body: string, contentType: string): Promise<string> {
    return this.reportPart.uploadReport(role, bucket, key, body, contentType);
  }

  /**
   * Every SDK call goes through here: bounded by an AbortSignal.timeout
   * (all attempts included), so a brownout fails the poll instead of hanging it.
   */
  private async send<T>(client: SdkSender, command: unknown, what: string): Promise<T> {
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
  private async sendRequest<T>(client: SdkSender, command: unknown, what: string): Promise<SentRequest<T>> {
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

  // --- the runbook lease (SSM, handoff region): aws-lease.ts -------------------------------------
  acquireLease(holder: LeaseHolder): Promise<HeldLease> {
    return this.leasePart.acquireLease(holder);
  }

  // --- Route 53's verdicts and the dns stack's checks: aws-health-checks.ts -----------------------
  outage(role: RegionRole): Promise<OutageState> {
    return this.healthChecksPart.outage(role);
  }
  switchChecks(): Promise<SwitchChecksState> {
    return this.healthChecksPart.switchChecks();
  }
  healthChecks(): Promise<HealthCheckState[]> {
    return this.healthChecksPart.healthChecks();
  }

  // --- the failover switch (secondary region, no Route53 call): aws-failover-switch.ts -----------
  failoverSwitch(): Promise<SwitchState> {
    return this.switchPart.failoverSwitch();
  }
  setForcedFailover(forced: boolean): Promise<string> {
    return this.switchPart.setForcedFailover(forced);
  }

  // --- web tier: aws-web-fleet.ts ------------------------------------------------------------------
  web(role: RegionRole): Promise<WebState> {
    return this.webPart.web(role);
  }
  scaleWeb(role: RegionRole, size: number): Promise<string> {
    return this.webPart.scaleWeb(role, size);
  }
  probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult> {
    return this.webPart.probe(role, opts);
  }
  walPositions(role: RegionRole): Promise<WalPositions> {
    return this.webPart.walPositions(role);
  }

  // --- database (RDS for PostgreSQL): aws-rds-instances.ts -------------------------------------------
  database(role: RegionRole, generation: number): Promise<DatabaseState> {
    return this.rdsPart.database(role, generation);
  }
  promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<PromotionAttempt> {
    return this.rdsPart.promote(role, generation, backupRetentionDays);
  }
  isolateWriter(role: RegionRole, generation: number): Promise<string> {
    return this.rdsPart.isolateWriter(role, generation);
  }
  snapshot(role: RegionRole, generation: number, snapshotId: string): Promise<string> {
    return this.rdsPart.snapshot(role, generation, snapshotId);
  }
  snapshotStatus(role: RegionRole, snapshotId: string): Promise<string | null> {
    return this.rdsPart.snapshotStatus(role, snapshotId);
  }
  allowDeletion(role: RegionRole, generation: number): Promise<string> {
    return this.rdsPart.allowDeletion(role, generation);
  }

  // --- Aurora Global Database (database.engine "aurora-postgresql"): aws-aurora-global.ts ---------
  globalCluster(opts: GlobalReadOptions = {}): Promise<GlobalClusterState> {
    return this.auroraPart.globalCluster(opts);
  }
  switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.auroraPart.switchoverGlobal(target);
  }
  failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.auroraPart.failoverGlobal(target);
  }
  regionalCluster(role: RegionRole): Promise<RegionalClusterState> {
    return this.auroraPart.regionalCluster(role);
  }
  clusterSnapshots(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]> {
    return this.auroraPart.clusterSnapshots(role, prefix);
  }
  clusterSnapshot(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null> {
    return this.auroraPart.clusterSnapshot(role, identifier);
  }
  copyClusterSnapshot(role: RegionRole, source: string, target: string): Promise<string> {
    return this.auroraPart.copyClusterSnapshot(role, source, target);
  }
}
