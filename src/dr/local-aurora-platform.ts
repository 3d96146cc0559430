import type { RegionRole, ValidConfig } from "../config";
import type { DbEndpoints } from "../database/endpoints-parameter";
import type { AuroraRestorePlatform, ClusterState } from "./aurora-restore-platform";
import type { EndpointsParameterPlatform, EndpointsParameterState } from "./endpoints-parameter-platform";
import { LocalPlatform, type LocalDns, type LocalPlatformOptions, type LocalRegionSite } from "./local-platform";
import type { Check, ClusterSnapshotState, GlobalActionAttempt, GlobalClusterState, GlobalDatabasePlatform, GlobalReadOptions } from "./platform";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "./restore-platform";

type MaybePromise<T> = T | Promise<T>;

/**
 * The Aurora Global Database's control plane on the local drill
 * (src/drill/aurora.ts serves it): the global cluster's state, the
 * managed switchover and failover, the cluster snapshots. The managed
 * operations run on the drill's side, as they run on AWS's: the storage-level
 * fence of the old primary, the promotion, the endpoints moved in the app's
 * hosts file. Calls to a region whose APIs are down throw, as the AWS calls
 * time out.
 */
export interface LocalAurora {
  globalCluster(opts?: GlobalReadOptions): MaybePromise<GlobalClusterState>;
  switchoverGlobal(target: RegionRole): MaybePromise<GlobalActionAttempt>;
  failoverGlobal(target: RegionRole): MaybePromise<GlobalActionAttempt>;
  clusterSnapshots(role: RegionRole, prefix: string): MaybePromise<ClusterSnapshotState[]>;
  clusterSnapshot(role: RegionRole, identifier: string): MaybePromise<ClusterSnapshotState | null>;
  copyClusterSnapshot(role: RegionRole, source: string, target: string): MaybePromise<string>;
  /** The database endpoints parameter of a region (the drill's parameters file, src/dr/local-endpoints-parameter.ts). */
  endpointsParameter?(region: RegionRole): MaybePromise<EndpointsParameterState>;
  putEndpointsParameter?(region: RegionRole, value: DbEndpoints): MaybePromise<RestoreAttempt>;
}

/**
 * `dr restore` in the Aurora mode on the local drill (src/drill/aurora-restore.ts serves it): a point-in-time restore
 * of the writer member into a NEW cluster on real PostgreSQL (the RDS mode's WAL archive, base backup and
 * recovery_target_time, src/drill/pitr.ts), its writer instance, and the restored cluster's endpoints in the app's
 * hosts file. Calls to a region whose APIs are down throw, as the AWS calls time out.
 */
export interface LocalAuroraRestore {
  clusterRestoreWindow(region: RegionRole, clusterId: string): MaybePromise<RestoreWindow>;
  restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): MaybePromise<RestoreAttempt>;
  cluster(region: RegionRole, identifier: string): MaybePromise<ClusterState>;
  createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): MaybePromise<RestoreAttempt>;
  instance(region: RegionRole, identifier: string): MaybePromise<InstanceState>;
  verifyRestoredCluster(region: RegionRole, clusterId: string): MaybePromise<Check>;
}

/**
 * The runbook's platform in the drill's Aurora scenarios: the local adapter
 * (web fleets, Route53 stand-in, the app's probes) plus the global-database
 * calls of GlobalDatabasePlatform, so the same Aurora plans (aurora-plan.ts)
 * as on AWS drive real components; and `dr restore`'s Aurora calls
 * (AuroraRestorePlatform, when the drill gives a LocalAuroraRestore) and the
 * database endpoints parameter (EndpointsParameterPlatform: the drill's
 * parameters file, src/dr/local-endpoints-parameter.ts), both in a region's
 * own stand-in, so aurora-restore-plan.ts's move runs on real components too.
 */
export class LocalAuroraPlatform extends LocalPlatform implements GlobalDatabasePlatform, AuroraRestorePlatform, EndpointsParameterPlatform {
  constructor(
    config: ValidConfig,
    sites: Readonly<Record<RegionRole, LocalRegionSite>>,
    dns: LocalDns,
    opts: LocalPlatformOptions,
    private readonly aurora: LocalAurora,
    /** The drill's Aurora restore calls; none: `dr restore` fails naming what is missing. */
    private readonly restore: LocalAuroraRestore | null = null,
  ) {
    super(config, sites, dns, opts);
  }

  private restoreCalls(): LocalAuroraRestore {
    if (!this.restore) throw new Error("this drill scenario has no Aurora restore stand-in (src/drill/aurora-restore.ts): run dr restore in the aurora-pitr-restore scenarios");
    return this.restore;
  }

  async clusterRestoreWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow> {
    return this.restoreCalls().clusterRestoreWindow(region, clusterId);
  }

  async restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): Promise<RestoreAttempt> {
    return this.restoreCalls().restoreClusterToTime(region, sourceClusterId, toTime, target);
  }

  async cluster(region: RegionRole, identifier: string): Promise<ClusterState> {
    return this.restoreCalls().cluster(region, identifier);
  }

  async createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): Promise<RestoreAttempt> {
    return this.restoreCalls().createClusterInstance(region, clusterId, instanceId, instanceClass, templateClusterId);
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    return this.restoreCalls().instance(region, identifier);
  }

  async verifyRestoredCluster(region: RegionRole, clusterId: string): Promise<Check> {
    return this.restoreCalls().verifyRestoredCluster(region, clusterId);
  }

  async endpointsParameter(region: RegionRole): Promise<EndpointsParameterState> {
    if (!this.aurora.endpointsParameter) throw new Error("the drill's Aurora stand-in serves no endpoints parameter");
    return this.aurora.endpointsParameter(region);
  }

  async putEndpointsParameter(region: RegionRole, value: DbEndpoints): Promise<RestoreAttempt> {
    if (!this.aurora.putEndpointsParameter) throw new Error("the drill's Aurora stand-in serves no endpoints parameter");
    return this.aurora.putEndpointsParameter(region, value);
  }

  async globalCluster(opts?: GlobalReadOptions): Promise<GlobalClusterState> {
    return this.aurora.globalCluster(opts ?? {});
  }

  async switchoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.aurora.switchoverGlobal(target);
  }

  async failoverGlobal(target: RegionRole): Promise<GlobalActionAttempt> {
    return this.aurora.failoverGlobal(target);
  }

  async clusterSnapshots(role: RegionRole, prefix: string): Promise<ClusterSnapshotState[]> {
    return this.aurora.clusterSnapshots(role, prefix);
  }

  async clusterSnapshot(role: RegionRole, identifier: string): Promise<ClusterSnapshotState | null> {
    return this.aurora.clusterSnapshot(role, identifier);
  }

  async copyClusterSnapshot(role: RegionRole, source: string, target: string): Promise<string> {
    return this.aurora.copyClusterSnapshot(role, source, target);
  }
}
