import type { RegionRole } from "../config";
import type { HealthCheckRole } from "../dns/contract";

/**
 * What the runbook needs from the world, in DR terms. The orchestration
 * (plan.ts, runner.ts, status.ts) knows nothing else: the AWS adapter
 * (aws-platform.ts) implements it with SDK v3 calls, the local adapter
 * (local-platform.ts) with PostgreSQL, HAProxy and the drill's resolver, so
 * the drill exercises the step logic production uses.
 */

/** The result of a check: ok or not, and what was seen (logged). */
export interface Check {
  readonly ok: boolean;
  readonly detail: string;
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
  /** When the lag was sampled (epoch ms). */
  readonly lagSampledAt: number | null;
  /** Identifiers and status of the in-region readers. */
  readonly readers: ReadonlyArray<{ readonly identifier: string; readonly status: string | null }>;
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

export interface DrPlatform {
  /** "aws" or "local": printed in logs. */
  readonly name: string;

  /** The cause of an error one of the methods below threw, or null when it is about the step itself (optional: the local adapter has none). */
  explain?(error: unknown): FailureCause | null;

  // Observations (never change anything).
  /** Route53's view (AWS: the Route53 API and the HealthCheckStatus metric in us-east-1; not needed to fail over). */
  healthChecks(): Promise<HealthCheckState[]>;
  /** Where the failover switch stands (AWS: DescribeAlarms in the secondary region). */
  failoverSwitch(): Promise<SwitchState>;
  web(role: RegionRole): Promise<WebState>;
  database(role: RegionRole, generation: number): Promise<DatabaseState>;
  /**
   * Whether the replica in `role` has replayed everything its source wrote,
   * judged on a sample taken at or after `sinceMs` (epoch ms; when writes
   * were fenced). AWS: a CloudWatch ReplicaLag datapoint of 0; local: LSNs.
   */
  replicaCaughtUp(role: RegionRole, generation: number, sinceMs: number): Promise<Check>;
  /** GET the readiness path through the region's entry point; with write, also POST a note. */
  probe(role: RegionRole, opts: { readonly write: boolean }): Promise<ProbeResult>;

  // Actions: each is idempotent (safe to repeat after an interruption).
  /** Set the web fleet's size: 0 fences writes (AWS: the ASG's min and desired; local: stop/start app instances). */
  scaleWeb(role: RegionRole, size: number): Promise<string>;
  /** Promote the region's replica Writer to a standalone writer; a no-op when it already is one or a promotion is under way. */
  promote(role: RegionRole, generation: number, backupRetentionDays: number): Promise<string>;
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
}
