import type { RegionRole } from "../config";
import type { DatabaseState, HealthCheckState, SwitchState, WebState } from "./platform";
import type { GlobalClusterState, RegionalClusterState } from "./global-database-platform";
import type { RestorableStatus } from "./restorable-status";
import type { EndpointsStatus } from "./endpoints-status";

// What `dr status` reports (status.ts collectStatus, renderStatus; the Aurora judgements in status-aurora.ts): its
// shape, and the two judgements both modes share.

/** Something `dr status` could not read. */
export interface ReadError {
  /** What: "Route53 health checks", "failover switch ...", "us-east-2 web fleet ...", "us-east-2 database <id>". */
  readonly what: string;
  /** Why, with the cause when it is known (credentials, permissions, network). */
  readonly reason: string;
  /** The cause's kind (no-credentials, credentials-rejected, access-denied, network, throttled), when known. */
  readonly cause?: string;
}

export interface RegionStatus {
  readonly role: RegionRole;
  readonly region: string;
  readonly web: WebState;
  readonly database: DatabaseState;
  /** What the config's drState says the Writer should be. */
  readonly expectedDbRole: "writer" | "replica" | "any";
  /** Aurora mode: the region's own cluster as its region's RDS API describes it (null: could not be read; absent: RDS mode, or a platform without the read). */
  readonly cluster?: RegionalClusterState | null;
  /** Aurora mode: whether the region's cluster takes writes, as judged from the global cluster and the region's own view. */
  readonly auroraWrite?: AuroraWriteState;
}

/**
 * Aurora mode: whether a region's cluster takes writes. The global cluster's
 * writer does; a secondary member does not ("read-only": RDS API Reference,
 * SwitchoverGlobalCluster); a cluster removed from the global cluster does, on
 * its own: "The cluster becomes a standalone cluster with read-write
 * capability instead of being read-only and receiving data from a primary
 * cluster in a different Region" (RDS API Reference, RemoveFromGlobalCluster).
 */
export interface AuroraWriteState {
  /** true: it takes writes; false: it cannot; null: unknown (what decides it could not be read). */
  readonly writable: boolean | null;
  /** The global cluster's writer (DescribeGlobalClusters IsWriter). */
  readonly globalWriter: boolean;
  /** The cluster exists (a member, or found in its region); null: unknown. */
  readonly exists: boolean | null;
  /** One phrase: the cluster and what it is. */
  readonly how: string;
}

export interface DrStatus {
  readonly drState: string;
  readonly forceFailover: boolean;
  readonly healthChecks: readonly HealthCheckState[];
  /** The failover switch (null: dns disabled or could not be read). */
  readonly failoverSwitch: SwitchState | null;
  /** Aurora Global Database mode: the global cluster (members, writer, FailoverState, lag); null: RDS mode or could not be read. */
  readonly globalCluster?: GlobalClusterState | null;
  readonly regions: readonly RegionStatus[];
  /** Config vs reality: each one a sentence. Empty: they agree. */
  readonly mismatches: readonly string[];
  /** Things to look at that do not contradict the config. */
  readonly warnings: readonly string[];
  /** What could not be read, and why; each of those fields is printed as "could not be read (<reason>)". */
  readonly readErrors: readonly ReadError[];
  /** Something could not be read (credentials rejected, a region down): the comparison is incomplete. */
  readonly incomplete: boolean;
  /** The verdict `dr status` exits with: mismatch (exit 3; a SPLIT BRAIN is one), incomplete (exit 4), agree (exit 0). */
  readonly verdict: "agree" | "mismatch" | "incomplete";
  /**
   * Each region's restorable window of the writer (point-in-time restore, restorable-status.ts). Its findings
   * (no replicated copy, the latest restorable time lagging more than runbook.maxRestorableLagMinutes) are
   * warnings: they do not change the verdict or the exit code; a window that could not be read is a read error.
   */
  readonly restorable?: RestorableStatus;
  /**
   * Aurora mode: the cluster each region's fleet uses, from its database endpoints parameter (endpoints-status.ts):
   * one naming a cluster the config does not record is a mismatch; a missing or invalid one, and a recorded restore
   * (failover refused), warnings; one that could not be read, a read error.
   */
  readonly endpoints?: readonly EndpointsStatus[];
}

/** How `dr status` says a read failed. */
export const UNREAD = "could not be read";

/** A fleet that provably serves nothing: desired 0 and no instance left. */
export function provablyFenced(w: WebState): boolean {
  return w.desiredCapacity === 0 && (w.runningInstances ?? 1) === 0;
}
