import type { RegionRole } from "../config";
import type { Check } from "./platform";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "./restore-platform";

/**
 * What `dr restore` needs from the world in the Aurora Global Database mode (database.engine "aurora-postgresql"),
 * beside DrPlatform: the writer member cluster's restorable window, a point-in-time restore into a NEW cluster, a DB
 * instance in it, and a check that the restored cluster answers. Optional on DrPlatform: a platform without it fails
 * `dr restore` with a clear message before anything runs (aurora-restore-plan.ts). AWS: aws-aurora-restore.ts.
 */

/** A DB cluster by identifier (the restored cluster, the member it was restored from). */
export interface ClusterState {
  readonly identifier: string;
  /** false: the region answered that there is no such cluster. */
  readonly found: boolean;
  /** DBCluster Status (creating, available, ...); null when not found. */
  readonly status: string | null;
  /** The cluster (writer) endpoint and port, once the service reports them. */
  readonly endpoint: string | null;
  readonly port: number | null;
  /** The reader endpoint, once the service reports it (DBCluster ReaderEndpoint); optional for platforms that predate the move. */
  readonly readerEndpoint?: string | null;
  /** DB instances of the cluster (DBClusterMembers) and the one that writes. */
  readonly instances: readonly string[];
  readonly writerInstance: string | null;
  /** The global cluster it is a member of (null: standalone). */
  readonly globalClusterIdentifier: string | null;
  readonly detail: string;
}

export interface AuroraRestorePlatform {
  /** The restorable window of a region's cluster `clusterId` (DescribeDBClusters EarliestRestorableTime, LatestRestorableTime); sourceRef the cluster identifier. */
  clusterRestoreWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow>;
  /** Restore `sourceClusterId` to `toTime` (epoch ms) into a new cluster `target` with the source's network, parameter group, KMS key and tags. Idempotent: an existing target sends nothing. */
  restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): Promise<RestoreAttempt>;
  /** One cluster by identifier (never throws for "not found"). */
  cluster(region: RegionRole, identifier: string): Promise<ClusterState>;
  /** Create the DB instance `instanceId` in `clusterId` (class `instanceClass`, the parameter group of `templateClusterId`'s writer instance). Idempotent. */
  createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): Promise<RestoreAttempt>;
  /** One DB instance by identifier (RestorePlatform.instance). */
  instance(region: RegionRole, identifier: string): Promise<InstanceState>;
  /** The restored cluster answers: available, an available writer instance, an endpoint, and the platform's data probe where it has one. */
  verifyRestoredCluster(region: RegionRole, clusterId: string): Promise<Check>;
}

/**
 * The restored cluster's own state as `dr restore` judges it before any data probe (verifyRestoredCluster of the AWS
 * adapter and of the drill's stand-in): listed, available, an available writer instance, an endpoint.
 */
export async function restoredClusterState(
  p: Pick<AuroraRestorePlatform, "cluster" | "instance">,
  region: RegionRole,
  clusterId: string,
): Promise<{ readonly ok: false; readonly detail: string } | { readonly ok: true; readonly cluster: ClusterState; readonly endpoint: string; readonly writerInstance: string }> {
  const c = await p.cluster(region, clusterId);
  if (!c.found) return { ok: false, detail: c.detail };
  if (c.status !== "available") return { ok: false, detail: `${clusterId}: ${c.status}` };
  if (!c.writerInstance) return { ok: false, detail: `${clusterId} has no writer instance yet (${c.detail})` };
  const w = await p.instance(region, c.writerInstance);
  if (w.status !== "available") return { ok: false, detail: `${clusterId}'s writer ${c.writerInstance}: ${w.status ?? "not listed"}` };
  if (!c.endpoint) return { ok: false, detail: `${clusterId} reports no endpoint yet` };
  return { ok: true, cluster: c, endpoint: c.endpoint, writerInstance: c.writerInstance };
}
