import type { RegionRole } from "../config";

// The runbook's platform in Aurora Global Database mode (database.engine "aurora-postgresql"): the global cluster,
// its members, switchover and failover, each region's own cluster and its snapshots. DrPlatform (platform.ts) takes
// these as optional parts (Partial<GlobalDatabasePlatform>, Partial<RegionalClusterPlatform>), as restore-platform.ts.

/**
 * A member cluster of the global cluster, as the runbook sees it:
 * DescribeGlobalClusters' GlobalClusterMember (RDS API Reference,
 * GlobalClusterMember: DBClusterArn, IsWriter, Readers, SynchronizationStatus
 * "connected" | "pending-resync") joined with DescribeDBClusters in the
 * member's own region (Status) and the member's lag metrics.
 */
export interface GlobalMemberState {
  /** Which region of the config holds it (null: a member the config does not name). */
  readonly role: RegionRole | null;
  /** The member's region (from its ARN). */
  readonly region: string;
  readonly clusterIdentifier: string;
  readonly clusterArn: string;
  /** The global cluster's primary (read/write) member. */
  readonly isWriter: boolean;
  /** DescribeDBClusters Status (available, modifying, ...); null: could not be read (the region does not answer). */
  readonly status: string | null;
  /** GlobalClusterMember SynchronizationStatus: "connected" or "pending-resync"; null: not reported. */
  readonly synchronizationStatus: string | null;
  /** The writer member: ARNs of the secondary clusters it replicates to (GlobalClusterMember.Readers). */
  readonly readers: readonly string[];
  /** The member cluster's instances (DescribeDBInstances, filter db-cluster-id), null when they could not be read. */
  readonly instances: ReadonlyArray<{ readonly identifier: string; readonly status: string | null; readonly isClusterWriter: boolean }> | null;
  /** A secondary member: AuroraGlobalDBReplicationLag (ms), null when unknown (no datapoint) or the writer. */
  readonly replicationLagMs: number | null;
  /** A secondary member: AuroraGlobalDBRPOLag (ms: how much committed data a failover would lose), null when unknown or the writer. */
  readonly rpoLagMs: number | null;
  /** Age of the newest lag datapoint, on AWS's clock (s); null unknown. */
  readonly lagSampleAgeSeconds: number | null;
  /**
   * DescribeDBClusters EngineVersion (e.g. "16.6": major.minor), null when the
   * member was not read in its region. Managed switchover and failover need the
   * same major and minor version on both members (Aurora User Guide, "Using
   * switchover or failover in Amazon Aurora Global Database").
   */
  readonly engineVersion?: string | null;
  readonly detail: string;
}

/** GlobalCluster.FailoverState (RDS API Reference, FailoverState): empty unless a switchover or failover is pending or in progress. */
export interface GlobalFailoverState {
  /** pending, failing-over, switching-over or cancelling. */
  readonly status: string;
  readonly fromClusterArn: string | null;
  readonly toClusterArn: string | null;
  /** true: a failover (FailoverGlobalCluster AllowDataLoss); false: a switchover. */
  readonly isDataLossAllowed: boolean | null;
}

export interface GlobalClusterState {
  readonly identifier: string;
  /** false: DescribeGlobalClusters answered GlobalClusterNotFound. */
  readonly found: boolean;
  /** The global cluster's Status (available, ...). */
  readonly status: string | null;
  /** The global cluster's EngineVersion (DescribeGlobalClusters): what a member is compared with when the other member's region is not read. */
  readonly engineVersion?: string | null;
  /** The regions whose member was read there (DescribeDBClusters, instances, lag); absent: every member's. See GlobalReadOptions. */
  readonly readIn?: readonly string[];
  readonly members: readonly GlobalMemberState[];
  readonly failoverState: GlobalFailoverState | null;
  readonly detail: string;
}

/** What a SwitchoverGlobalCluster / FailoverGlobalCluster request got. */
export interface GlobalActionAttempt {
  /**
   * requested: AWS took it; already-writer: the target is the writer, nothing sent;
   * in-progress: a switchover/failover toward the target is under way, nothing sent (a resumed run waits for it);
   * refused: AWS said not now (InvalidGlobalClusterState / InvalidDBClusterState, throttling), nothing changed;
   * not-sent: the request provably never reached AWS (the read before it failed, or its endpoint could not be
   * connected to), nothing changed;
   * unknown: no answer after it may have left (it may have been taken).
   */
  readonly outcome: "requested" | "already-writer" | "in-progress" | "refused" | "not-sent" | "unknown";
  /** A refusal: "state" (InvalidGlobalClusterStateFault / InvalidDBClusterStateFault: AWS judged the clusters) or "throttled" (transient). */
  readonly refusal?: "state" | "throttled";
  readonly detail: string;
}

/**
 * What a read of the global cluster asks. `only`: DescribeGlobalClusters is
 * asked in that role's region alone, and only that role's member is read in
 * its region (the other member keeps what DescribeGlobalClusters said, with
 * status null): the unplanned failover's critical path reads the surviving
 * region only, so a region in a brownout costs it nothing.
 */
export interface GlobalReadOptions {
  readonly only?: RegionRole;
}

/** A DB cluster snapshot (DescribeDBClusterSnapshots). */
export interface ClusterSnapshotState {
  readonly identifier: string;
  /** available, creating, copying, ... */
  readonly status: string | null;
  /** automated (system snapshots such as rds:unplanned-global-failover-...) or manual. */
  readonly type: string | null;
  /** SnapshotCreateTime (epoch ms), null unknown. */
  readonly createdAt: number | null;
}

/**
 * The global-database calls (AWS adapter only; optional so the local drill
 * platform need not implement them: an Aurora plan on a platform without them
 * fails with a clear message, see aurora-plan.ts auroraOps).
 */
export interface GlobalDatabasePlatform {
  /** DescribeGlobalClusters, each member's DescribeDBClusters / DescribeDBInstances, the secondaries' lag metrics (or less: GlobalReadOptions). */
  globalCluster(opts?: GlobalReadOptions): Promise<GlobalClusterState>;
  /** SwitchoverGlobalCluster to the target region's member (no data loss). Idempotent: see GlobalActionAttempt. */
  switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt>;
  /** FailoverGlobalCluster to the target region's member with AllowDataLoss (unplanned). Idempotent likewise. */
  failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt>;
  /** The region's member cluster's snapshots whose identifier starts with `prefix` (DescribeDBClusterSnapshots in that region, automated and manual). Optional: the failback step says when a platform has none. */
  clusterSnapshots?(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]>;
  /** CopyDBClusterSnapshot in the role's region (same key, tags copied); nothing sent when `target` exists. Returns what it did. */
  copyClusterSnapshot?(role: RegionRole, source: string, target: string): Promise<string>;
  /** One DB cluster snapshot by identifier in the role's region (manual), null when there is none. */
  clusterSnapshot?(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null>;
}

/**
 * A region's own Aurora cluster as that region's RDS API describes it
 * (DescribeDBClusters in the cluster's region), read by `dr status` beside
 * the global cluster: it is how a cluster that is no longer a member (detached
 * by RemoveFromGlobalCluster, which makes it "a standalone cluster with
 * read-write capability": RDS API Reference, RemoveFromGlobalCluster) is seen
 * at all, since DescribeGlobalClusters lists members only.
 */
export interface RegionalClusterState {
  readonly role: RegionRole;
  readonly region: string;
  /** The config's cluster identifier for the region (regionClusterIdentifier). */
  readonly identifier: string;
  /** false: DescribeDBClusters answered DBClusterNotFound in the region. */
  readonly found: boolean;
  /** DBCluster Status (available, ...); null when not found. */
  readonly status: string | null;
  /** DBCluster GlobalClusterIdentifier: the global cluster it says it belongs to; null: none reported. */
  readonly globalClusterIdentifier: string | null;
  /** DBClusterMembers with IsClusterWriter (the instance a standalone cluster writes through). */
  readonly writerInstances: readonly string[];
  readonly detail: string;
}

/** Optional read of the Aurora mode's `dr status` (AWS adapter; a platform without it is read through the global cluster alone). */
export interface RegionalClusterPlatform {
  /** DescribeDBClusters of the region's cluster, in its own region (one bounded call). */
  regionalCluster(role: RegionRole): Promise<RegionalClusterState>;
}
