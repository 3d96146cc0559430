import type { RegionRole } from "../config";
import type { HealthCheckRole } from "../dns/contract";
import type { HeldLease, LeaseHolder } from "./lease";
import type { GlobalDatabasePlatform, RegionalClusterPlatform } from "./global-database-platform";
import type { RestorePlatform } from "./restore-platform";

/**
 * What the runbook needs from the world, in DR terms. The orchestration
 * (the plans built by build-plan.ts, runner.ts, status.ts) knows nothing else: the AWS adapter
 * (aws-platform.ts) implements it with SDK v3 calls, the local adapter
 * (local-platform.ts) with PostgreSQL, HAProxy and the drill's resolver, so
 * the drill exercises the step logic production uses.
 */

/** The result of a check: ok or not, and what was seen (logged). */
export interface Check {
  readonly ok: boolean;
  readonly detail: string;
  /** A wait stops at once on this (polling again cannot make it true: a paused replay, a primary that recovered). */
  readonly fatal?: boolean;
  /** The fault was transient: the primary is healthy again, so the run stops (runner: outcome "transient", exit 6). */
  readonly transient?: boolean;
}

export interface HealthCheckState {
  readonly role: HealthCheckRole;
  /** Route53 health-check id (local: the role). */
  readonly id: string;
  /** true healthy, false unhealthy, null unknown (no data / error). */
  readonly healthy: boolean | null;
  /** CALCULATED checks: the child-health threshold. */
  readonly healthThreshold?: number;
  /** CALCULATED checks: how many children. */
  readonly children?: number;
  readonly detail: string;
}

/**
 * The forced-failover switch (src/dns/failover-switch.ts): a CloudWatch
 * alarm in the secondary region on the metric setForcedFailover writes.
 */
export interface SwitchState {
  /** true forced (alarm ALARM), false released (OK), null unknown (INSUFFICIENT_DATA: never written, or no such alarm). */
  readonly forced: boolean | null;
  /** The alarm's state (OK, ALARM, INSUFFICIENT_DATA), null when there is no such alarm. */
  readonly alarmState: string | null;
  readonly detail: string;
}

export interface WebState {
  readonly role: RegionRole;
  /** Healthy targets behind the region's load balancer (null: unknown). */
  readonly healthyTargets: number | null;
  /** Registered targets. */
  readonly totalTargets: number | null;
  /** Desired size of the web fleet (ASG desired capacity; local: instances meant to run). */
  readonly desiredCapacity: number | null;
  /**
   * Instances of the fleet that still exist, in any lifecycle state short of
   * terminated (AWS: the ASG's Instances, which keeps Pending, InService,
   * Terminating... until an instance is terminated; local: app processes still
   * running). null: unknown. A fence is done only at 0.
   */
  readonly runningInstances: number | null;
  readonly detail: string;
}

export type DbRole = "writer" | "replica" | "missing" | "unknown";

export interface DatabaseState {
  readonly role: RegionRole;
  /** Instance identifier (dbIdentifier(...-writer)); local: a label. */
  readonly identifier: string;
  /** What the instance is now: writer, replica, missing (no such instance) or unknown (unreachable / error). */
  readonly dbRole: DbRole;
  /** RDS DBInstanceStatus (available, modifying, ...); local: running/stopped. */
  readonly status: string | null;
  /** For a replica: its source (an ARN or identifier). */
  readonly source: string | null;
  /** Replica lag in seconds (CloudWatch ReplicaLag; local: replay lag), null when not a replica or unknown. */
  readonly lagSeconds: number | null;
  /** When the lag was sampled (epoch ms, on the sample's source clock: CloudWatch's timestamp). */
  readonly lagSampledAt: number | null;
  /** Age of that sample in seconds on AWS's own clock (the Date of CloudWatch's answer), not the operator's; null: unknown. */
  readonly lagSampleAgeSeconds?: number | null;
  /**
   * The replication link as the service reports it (AWS: DescribeDBInstances
   * StatusInfos "read replication": replicating, replication degraded, error,
   * stopped, terminated; local: the WAL receiver's status); null: not a replica or unknown.
   */
  readonly replicationStatus?: string | null;
  /** The old writer was isolated from the app by the runbook (AWS: its dr-isolated tag and no pending password change; local: the app role's marker); null unknown. */
  readonly isolated?: boolean | null;
  /**
   * A replica: when the last transaction it replayed was committed on its source (epoch ms); null unknown or none.
   * Local: pg_last_xact_replay_timestamp(). AWS: derived from the newest ReplicaLag datapoint, which RDS for PostgreSQL
   * computes as "currentTime - lastCommitedTransactionTimestamp" (RDS User Guide, "Working with read replicas for Amazon
   * RDS for PostgreSQL"): the end of that datapoint's minute minus its Maximum, an early bound (the RPO is overstated by
   * up to a period, never understated).
   */
  readonly lastReplayAt?: number | null;
  /**
   * When the database server last started, on the runbook's clock (epoch ms); null when the platform does not expose it
   * (AWS). Local: pg_postmaster_start_time(). A promotion asked of a PostgreSQL server that then restarted is void: the
   * postmaster removes promote.signal at start (src/backend/postmaster/postmaster.c, PostmasterMain,
   * RemovePromoteSignalFiles: "the files can exist at server startup and must be removed in order to avoid an unexpected promotion").
   */
  readonly startedAt?: number | null;
  /** Identifiers and status of the in-region readers. */
  readonly readers: ReadonlyArray<{ readonly identifier: string; readonly status: string | null }>;
  readonly detail: string;
}

/**
 * Route53's own verdict on an endpoint over time (AWS: the HealthCheckStatus
 * metric of the endpoint's health check, us-east-1; local: the stand-in's
 * aggregated checker verdict), not a checker's single last result.
 */
export interface OutageState {
  /** The latest verdict: true healthy, false unhealthy, null no data. */
  readonly healthy: boolean | null;
  /**
   * The verdict cannot be read at all and polling again cannot change that (AWS: no health-check id published
   * for the role: the dns stack's SSM parameter is missing): a wait stops at once instead of running to its timeout.
   */
  readonly unreadable?: boolean;
  /** How long the verdict has been unhealthy without a break, measured on the verdict's own clock (0 when healthy or unknown). */
  readonly unhealthyForSeconds: number;
  /** Age of the latest verdict sample, on the source's own clock (AWS: the Date of CloudWatch's answer minus the datapoint's timestamp); null unknown. */
  readonly sampleAgeSeconds: number | null;
  readonly detail: string;
}

/**
 * Route 53's own view of the two health checks that follow the failover
 * switch's alarm ("switch": healthy while traffic follows health;
 * "switch-forced": healthy while forced): AWS: each check's HealthCheckStatus
 * metric in us-east-1 (Route 53 publishes its metrics there only), the check
 * ids read from the dns stack's SSM parameters in the handoff region; no
 * Route 53 API. What Route 53 acts on is this, not the alarm's state: "Route 53
 * monitors the data stream for the corresponding alarm instead of monitoring
 * the alarm state" (Route 53 Developer Guide, "How Amazon Route 53 determines
 * whether a health check is healthy").
 */
export interface SwitchChecksState {
  /** The newest verdict on the "switch" check: true healthy (not forced), false unhealthy (forced), null no datapoint. */
  readonly switchHealthy: boolean | null;
  /** The newest verdict on the "switch-forced" check: true healthy (forced), false unhealthy, null no datapoint. */
  readonly switchForcedHealthy: boolean | null;
  /** Age of the older of the two newest datapoints, on AWS's clock (s); null unknown. */
  readonly sampleAgeSeconds: number | null;
  readonly detail: string;
}

/**
 * Where a region's database stands in the WAL, read through the region's
 * entry point (GET <readinessPath>?wal=1 of the web app: the only path to the
 * database the runbook has on AWS). LSNs are PostgreSQL's text form (X/Y).
 */
export interface WalPositions {
  /** The entry point answered with positions. */
  readonly ok: boolean;
  /** The database behind the region's writer endpoint is in recovery (a replica). */
  readonly inRecovery: boolean | null;
  /** A writer's current WAL position. */
  readonly lsn: string | null;
  /** A replica: last WAL position received and flushed, and last replayed. */
  readonly receiveLsn: string | null;
  readonly replayLsn: string | null;
  readonly replayPaused: boolean | null;
  /** The replica's WAL receiver: its status (streaming, ...), null when it has none (or may not see it: pg_read_all_stats). */
  readonly receiverStatus: string | null;
  /** The source's WAL end as of the last message its WAL sender sent (pg_stat_wal_receiver.latest_end_lsn). */
  readonly senderLsn: string | null;
  /** How long ago (seconds, on the replica's clock) that message arrived. */
  readonly lastMessageAgeSeconds: number | null;
  /** The replica's wal_receiver_timeout (s): it pings a silent sender after half of it and gives up after it. */
  readonly receiverTimeoutSeconds: number | null;
  /** When the request was sent (runbook clock, epoch ms): the answer describes a moment after it. */
  readonly requestedAt: number;
  readonly detail: string;
}

/** What a promotion request got. */
export interface PromotionAttempt {
  /**
   * requested: the service accepted it; already-writer: nothing sent; refused: the service said not now (e.g.
   * backing-up), or the adapter did not ask because the service would (nothing taken); not-sent: the request
   * provably never reached the service (its endpoint refused the connection, the name did not resolve, the
   * connection timed out before it was made: nothing taken); unknown: no answer after it may have left (it may
   * have been accepted).
   */
  readonly outcome: "requested" | "already-writer" | "refused" | "not-sent" | "unknown";
  readonly detail: string;
}

export interface ProbeResult {
  /** The region's entry point answered /readyz with 200 (and, if asked, took a write). */
  readonly ok: boolean;
  readonly dbRole: string | null;
  readonly writable: boolean | null;
  /** A write was attempted and answered 201. */
  readonly wrote: boolean | null;
  readonly detail: string;
}

/**
 * Why a call failed when the cause is not the step's business (no
 * credentials, credentials rejected, no permission, the network): the runner
 * prints it instead of the step's own advice, `dr status` next to what it
 * could not read.
 */
export interface FailureCause {
  /** no-credentials, credentials-rejected, access-denied, network or throttled. */
  readonly kind: "no-credentials" | "credentials-rejected" | "access-denied" | "network" | "throttled";
  /** One line: what happened, with the error code. */
  readonly summary: string;
  /** What to do about it. */
  readonly advice: string;
  /** Polling again cannot fix it (credentials, permissions): a wait stops at once instead of running to its timeout. */
  readonly permanent: boolean;
}

/** The alarms firing in one region (or alarm source) when a `dr` run started or ended (run-report.ts). */
export interface AlarmRead {
  /** Where they were read: the region's name (AWS: CloudWatch in that region; local: the drill's Prometheus, per region label). */
  readonly region: string;
  /** false: the source did not answer (in time): `error` says why, `alarms` is empty. */
  readonly read: boolean;
  readonly alarms: ReadonlyArray<{ readonly name: string; readonly since?: string; readonly reason?: string }>;
  readonly error?: string;
}

export interface DrPlatform extends Partial<GlobalDatabasePlatform>, Partial<RegionalClusterPlatform>, Partial<RestorePlatform> {
  /** "aws" or "local": printed in logs. */
  readonly name: string;

  /** The cause of an error one of the methods below threw, or null when it is about the step itself (optional: the local adapter has none). */
  explain?(error: unknown): FailureCause | null;

  /**
   * The runbook's exclusive lease where every operator sees it, in the surviving region (AWS: an SSM parameter in the
   * secondary region created with Overwrite=false; local: a lock file in a folder the drill's runbooks share).
   * Throws LeaseHeldError (lease.ts) naming the holder when another run holds it. Optional: without it, only the
   * journal folder's lock file guards (runner.ts).
   */
  acquireLease?(holder: LeaseHolder): Promise<HeldLease>;

  // Observations (never change anything).
  /**
   * The alarms firing in each region now (AWS: CloudWatch DescribeAlarms, StateValue ALARM, in both regions; local:
   * the drill's alert source), in the regions of `roles`. Read by the run report at the start and end of a run; never
   * gates a step. Each region answers or is listed as not read within `timeoutMs`. Absent: no alarm source.
   */
  readAlarms?(timeoutMs: number, roles: readonly RegionRole[]): Promise<AlarmRead[]>;
  /** Uploads a run report to a bucket in a region (AWS: S3 PutObject). Returns what it did; throws when it failed. */
  uploadReport?(role: RegionRole, bucket: string, key: string, body: string, contentType: string): Promise<string>;
  /** Route53's view for `dr status` (AWS: the Route53 API, its control plane in us-east-1, and the HealthCheckStatus metric in us-east-1; not on the recovery path). */
  healthChecks(): Promise<HealthCheckState[]>;
  /** Where the failover switch stands (AWS: DescribeAlarms in the secondary region). */
  failoverSwitch(): Promise<SwitchState>;
  /**
   * Route 53's own view of the switch checks (AWS: their HealthCheckStatus metric, us-east-1; ids from SSM in the
   * handoff region). Optional: a platform without it has the switch confirmed by its alarm only (and says so).
   */
  switchChecks?(): Promise<SwitchChecksState>;
  web(role: RegionRole): Promise<WebState>;
  database(role: RegionRole, generation: number): Promise<DatabaseState>;
  /**
   * Route53's verdict on the region's endpoint check over time (the unplanned failover's sustained-outage rule).
   * AWS: the check's id from the dns stack's SSM parameter in the handoff region, then its HealthCheckStatus metric
   * (CloudWatch, us-east-1); no Route 53 API. Throws when a call gets no answer (the step stops at once).
   */
  outage(role: RegionRole): Promise<OutageState>;
  /** WAL positions of the region's database through its entry point (/readyz?wal=1). */
  walPositions(role: RegionRole): Promise<WalPositions>;
  /** GET the readiness path through the region's entry point; with write, also POST a note. */
  probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult>;

  // Actions: each is idempotent (safe to repeat after an interruption).
  /** Set the web fleet's size: 0 fences writes (AWS: the ASG's min and desired; local: stop/start app instances). */
  scaleWeb(role: RegionRole, size: number): Promise<string>;
  /** Ask for the region's replica Writer to be promoted (one request; the step retries): what the service answered. */
  promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<PromotionAttempt>;
  /**
   * Isolate a diverged old writer from the app (after a promotion elsewhere:
   * never before, a replica would inherit it): AWS: a new random master
   * password (the app's secret no longer opens it) and a dr-isolated tag;
   * local: the same on the app role. Idempotent.
   */
  isolateWriter(role: RegionRole, generation: number): Promise<string>;
  /**
   * Flip the failover switch: write switchValue(forced) to its metric (AWS:
   * PutMetricData in the secondary region; no Route53 call, nothing in
   * us-east-1). Route53 follows it through the switch health checks.
   */
  setForcedFailover(forced: boolean): Promise<string>;
  /** Start a manual snapshot of the region's Writer (no-op if it exists); returns its status later via snapshotStatus. */
  snapshot(role: RegionRole, generation: number, snapshotId: string): Promise<string>;
  snapshotStatus(role: RegionRole, snapshotId: string): Promise<string | null>;
  /** Turn deletion protection off on the region's database instances of a generation (Terraform may then replace them). */
  allowDeletion(role: RegionRole, generation: number): Promise<string>;

  // Readiness (readiness.ts; optional: a platform without them has those checks "could not be read").
  /**
   * Whether the region's web fleet can reach `size` instances: AWS the ASG's MaxSize, its launch template resolvable
   * and the template's AMI available (aws-readiness.ts); local: the drill's stand-in says whether its app can start.
   */
  fleetCapacity?(role: RegionRole, size: number): Promise<FleetCapacityState>;
  /** iam:SimulatePrincipalPolicy of the runbook's role over `actions` (aws-readiness.ts). */
  simulateRunbookRole?(roleArn: string, actions: readonly string[]): Promise<PermissionDecision[]>;
  /** S3 HeadBucket (+ GetBucketVersioning) of a Terraform state bucket, from its region (aws-readiness.ts). */
  stateBucket?(bucket: string, region: string): Promise<StateBucketState>;
  /** Secrets Manager DescribeSecret (metadata only, never the value) of a secret in a region (aws-readiness.ts). */
  describeSecret?(secretId: string, region: string): Promise<SecretMetadata>;
}

/** What stateBucket() found: HeadBucket's answer (200 ok, 404 missing, 403 forbidden) and the versioning status. */
export interface StateBucketState {
  readonly access: "ok" | "missing" | "forbidden";
  /** GetBucketVersioning Status ("Enabled" | "Suspended"), "never enabled" when absent, null when not read. */
  readonly versioning: string | null;
  readonly detail: string;
}

/** What describeSecret() found (DescribeSecret; found false: ResourceNotFoundException). */
export interface SecretMetadata {
  readonly found: boolean;
  readonly arn: string | null;
  /** DeletedDate (ISO), set only when the secret is scheduled for deletion. */
  readonly deletedDate: string | null;
  /** PrimaryRegion: where the secret's primary is (a replica names another region). */
  readonly primaryRegion: string | null;
  /** ReplicationStatus (on the primary's description): each replica's region, Status (InSync | Failed | InProgress) and StatusMessage. */
  readonly replication: ReadonlyArray<{ readonly region: string; readonly status: string; readonly message: string | null }>;
}

/** What fleetCapacity() found. */
export interface FleetCapacityState {
  /** The fleet can be scaled to the size and its instances can launch. */
  readonly canReach: boolean;
  /** The ASG's MaxSize (local: null). */
  readonly maxSize: number | null;
  /** The AMI the launch template resolves to (local: null). */
  readonly imageId: string | null;
  readonly detail: string;
}

/** One action's decision of a policy simulation (IAM EvaluationResult: allowed | explicitDeny | implicitDeny). */
export interface PermissionDecision {
  readonly action: string;
  readonly decision: string;
}

// The Aurora Global Database mode's types live in global-database-platform.ts (import them from there). This thin
// re-export stays for the modules other helpers are splitting in parallel (aurora-plan.ts, the drill's aurora.ts,
// local-aurora-platform.ts and their tests still import them from here): drop it once they import the new module.
export type {
  ClusterSnapshotState,
  GlobalActionAttempt,
  GlobalClusterState,
  GlobalDatabasePlatform,
  GlobalFailoverState,
  GlobalMemberState,
  GlobalReadOptions,
  RegionalClusterPlatform,
  RegionalClusterState,
} from "./global-database-platform";
