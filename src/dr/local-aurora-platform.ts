import type { RegionRole, ValidConfig } from "../config";
import { LocalPlatform, type LocalDns, type LocalPlatformOptions, type LocalRegionSite } from "./local-platform";
import type { ClusterSnapshotState, GlobalActionAttempt, GlobalClusterState, GlobalDatabasePlatform, GlobalReadOptions } from "./platform";

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
}

/**
 * The runbook's platform in the drill's Aurora scenarios: the local adapter
 * (web fleets, Route53 stand-in, the app's probes) plus the global-database
 * calls of GlobalDatabasePlatform, so the same Aurora plans (aurora-plan.ts)
 * as on AWS drive real components.
 */
export class LocalAuroraPlatform extends LocalPlatform implements GlobalDatabasePlatform {
  constructor(
    config: ValidConfig,
    sites: Readonly<Record<RegionRole, LocalRegionSite>>,
    dns: LocalDns,
    opts: LocalPlatformOptions,
    private readonly aurora: LocalAurora,
  ) {
    super(config, sites, dns, opts);
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
