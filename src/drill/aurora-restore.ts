// `dr restore` in the Aurora mode on the drill's real PostgreSQL (issue 26, the move): the "AWS side" of the
// runbook's AuroraRestorePlatform calls (src/dr/local-aurora-platform.ts). The point-in-time restore is the RDS
// mode's (src/drill/pitr.ts: continuous WAL archiving of the primary, a base backup, a new server replaying the
// archive up to recovery_target_time, then promoted), here presented as Aurora presents it:
//  - RestoreDBClusterToPointInTime creates a NEW standalone cluster from the source cluster's continuous backups,
//    in the source's region; it has no DB instance: "You can create DB instances only after the
//    RestoreDBClusterToPointInTime operation has completed and the DB cluster is available" (RDS API Reference,
//    RestoreDBClusterToPointInTime); the time must be inside the window DescribeDBClusters reports
//    (EarliestRestorableTime / LatestRestorableTime), else InvalidRestoreFault;
//  - the cluster's endpoints are `<id>.cluster-<suffix>.<region>.rds.amazonaws.com` and `...cluster-ro-...` (Aurora
//    User Guide, "Types of Aurora endpoints"); here they resolve (the drill's hosts file) once its writer instance
//    exists: before it a connection has nowhere to go.
// What is the drill's choice: the restored "cluster" is the restored PostgreSQL on its own loopback address and the
// region's port; the instance is available as soon as CreateDBInstance is taken (its server already runs); only the
// primary member's WAL is archived (the window of any other cluster is empty, said so).
import type { RegionRole, ValidConfig } from "../../src/config";
import { globalClusterIdentifier, regionClusterIdentifier } from "../../src/database/aurora-contract";
import { restoredClusterState, type ClusterState } from "../../src/dr/aurora-restore-platform";
import type { LocalAuroraRestore } from "../../src/dr/local-aurora-platform";
import { psql } from "../../src/dr/local-platform";
import type { Check } from "../../src/dr/platform";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "../../src/dr/restore-platform";
import { type AuroraSim, clusterEndpoints } from "./aurora";
import type { DrillEnvironment } from "./environment";
import type { PitrSim } from "./pitr";

interface Restored {
  readonly region: RegionRole;
  readonly source: string;
  readonly toTime: number;
  readonly requestedAt: number;
  instance: string | null;
}

export class AuroraRestoreSim implements LocalAuroraRestore {
  /** The restored clusters by identifier. */
  readonly restored = new Map<string, Restored>();
  readonly events: Array<{ at: number; what: string }> = [];

  constructor(
    private readonly env: DrillEnvironment,
    private readonly config: ValidConfig,
    private readonly aurora: AuroraSim,
    private readonly pitr: PitrSim,
  ) {}

  private note(what: string): void {
    this.events.push({ at: Date.now(), what });
    this.aurora.note(what);
  }

  private api(region: RegionRole): void {
    if (!this.env.regions[region].apiUp) {
      throw Object.assign(new Error(`connect ETIMEDOUT: ${this.config.regions[region].region}'s APIs do not answer (the region is down)`), { name: "TimeoutError" });
    }
  }

  private here(region: RegionRole): string {
    return this.config.regions[region].region;
  }

  /** The member cluster of `region` when `id` names it. */
  private member(region: RegionRole, id: string): boolean {
    return regionClusterIdentifier(this.config, region) === id;
  }

  private memberInstance(region: RegionRole): string {
    return `${regionClusterIdentifier(this.config, region).replace(/-cluster$/, "")}-instance1`;
  }

  /** The archive's window (pitr.ts), when `clusterId` is the primary member (the one the drill archives). */
  private async archiveWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow | null> {
    if (region !== "primary" || !this.member("primary", clusterId)) return null;
    const w = await this.pitr.restorableWindow("primary", { role: "primary", generation: this.config.database.generations.primary });
    return w.sourceRef ? w : null;
  }

  async clusterRestoreWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow> {
    this.api(region);
    const readAt = Date.now();
    if (!this.member(region, clusterId) && !this.restored.has(clusterId)) {
      return { region, source: "instance", sourceRef: null, earliest: null, latest: null, readAt, detail: `DBClusterNotFoundFault (drill stand-in): no DB cluster ${clusterId} in ${this.here(region)}` };
    }
    const w = await this.archiveWindow(region, clusterId);
    if (!w) return { region, source: "instance", sourceRef: clusterId, earliest: null, latest: null, readAt, detail: `${clusterId} (${this.here(region)}): no continuous backups in the drill (it archives the primary member's WAL only)` };
    return { ...w, region, source: "instance", sourceRef: clusterId, detail: `${clusterId} (${this.here(region)}): ${w.detail}` };
  }

  async restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): Promise<RestoreAttempt> {
    this.api(region);
    if (this.restored.has(target) || this.member("primary", target) || this.member("secondary", target)) return { outcome: "exists", detail: `DBClusterAlreadyExistsFault (drill stand-in): ${target} exists in ${this.here(region)}: nothing sent` };
    if (!this.member(region, sourceClusterId)) return { outcome: "refused", detail: `DBClusterNotFoundFault (drill stand-in): no DB cluster ${sourceClusterId} in ${this.here(region)}` };
    const w = await this.archiveWindow(region, sourceClusterId);
    if (!w) return { outcome: "refused", detail: `InvalidRestoreFault (drill stand-in): ${sourceClusterId} has no continuous backups in the drill` };
    // The same restore as the RDS mode's (the window checked again as it is now; a time outside is refused).
    const a = await this.pitr.restoreToTime(region, w, toTime, target);
    if (a.outcome !== "requested") return { ...a, detail: a.detail.replace("RestoreDBInstanceToPointInTime", "RestoreDBClusterToPointInTime") };
    this.restored.set(target, { region, source: sourceClusterId, toTime, requestedAt: Date.now(), instance: null });
    this.note(`RestoreDBClusterToPointInTime ${sourceClusterId} -> ${target} as of ${new Date(toTime).toISOString()} requested`);
    return { outcome: "requested", detail: `RestoreDBClusterToPointInTime (drill stand-in) ${target} from ${sourceClusterId} as of ${new Date(toTime).toISOString()}: creating (${a.detail})` };
  }

  /** The restored server's status as DescribeDBClusters reports a cluster (creating, available, incompatible-restore, stopped). */
  private async restoredStatus(region: RegionRole, id: string): Promise<{ status: string | null; detail: string }> {
    const i = await this.pitr.instance(region, id);
    return { status: i.status, detail: i.detail };
  }

  async cluster(region: RegionRole, identifier: string): Promise<ClusterState> {
    this.api(region);
    const port = this.env.regions[region].pgPort;
    if (this.member(region, identifier)) {
      const e = clusterEndpoints(identifier, this.here(region));
      const writer = this.aurora.writerRole() === region;
      const inst = this.memberInstance(region);
      return {
        identifier,
        found: true,
        status: "available",
        endpoint: e.cluster,
        readerEndpoint: e.reader,
        port,
        instances: [inst],
        writerInstance: writer ? inst : null,
        globalClusterIdentifier: globalClusterIdentifier(this.config),
        detail: `${identifier} (${this.here(region)}): available, ${writer ? `writer ${inst} (global primary)` : `secondary member, reader ${inst}`}, member of ${globalClusterIdentifier(this.config)}`,
      };
    }
    const r = this.restored.get(identifier);
    if (!r || r.region !== region) return { identifier, found: false, status: null, endpoint: null, port: null, instances: [], writerInstance: null, globalClusterIdentifier: null, detail: `DBClusterNotFoundFault (drill stand-in): no DB cluster ${identifier} in ${this.here(region)}` };
    const s = await this.restoredStatus(region, identifier);
    const e = clusterEndpoints(identifier, this.here(region));
    const instances = r.instance ? [r.instance] : [];
    return {
      identifier,
      found: true,
      status: s.status,
      endpoint: e.cluster,
      readerEndpoint: e.reader,
      port,
      instances,
      writerInstance: r.instance,
      globalClusterIdentifier: null,
      detail: `${identifier} (${this.here(region)}): ${s.status ?? "?"}, standalone, restored from ${r.source} as of ${new Date(r.toTime).toISOString()}, instances ${instances.join(", ") || "none"} (${s.detail})`,
    };
  }

  async createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): Promise<RestoreAttempt> {
    this.api(region);
    for (const [id, c] of this.restored) if (c.instance === instanceId) return { outcome: "exists", detail: `DBInstanceAlreadyExists (drill stand-in): ${instanceId} exists in ${id}: nothing sent` };
    const r = this.restored.get(clusterId);
    if (!r || r.region !== region) return { outcome: "refused", detail: `DBClusterNotFoundFault (drill stand-in): no DB cluster ${clusterId} in ${this.here(region)}` };
    const s = await this.restoredStatus(region, clusterId);
    if (s.status !== "available") return { outcome: "not-sent", detail: `${clusterId} is ${s.status}: instances are created once the cluster is available; not sent` };
    const at = this.pitr.address(clusterId);
    if (!at) return { outcome: "refused", detail: `${clusterId} has no server (drill)` };
    r.instance = instanceId;
    // The endpoints now lead somewhere: the writer instance's address, as Aurora's DNS names it.
    const e = clusterEndpoints(clusterId, this.here(region));
    this.aurora.addHosts({ [e.cluster]: [at.address], [e.reader]: [at.address] });
    this.note(`CreateDBInstance ${instanceId} (${instanceClass}) in ${clusterId}; ${e.cluster} -> ${at.address}:${at.port}`);
    return { outcome: "requested", detail: `CreateDBInstance (drill stand-in) ${instanceId} in ${clusterId}, ${instanceClass}, parameter group of ${templateClusterId}'s writer: available at ${at.address}:${at.port}` };
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    this.api(region);
    if (identifier === this.memberInstance(region)) return { identifier, found: true, status: "available", isolated: null, detail: `${identifier} (${this.here(region)}): available, in ${regionClusterIdentifier(this.config, region)}` };
    for (const [id, c] of this.restored) {
      if (c.region !== region || c.instance !== identifier) continue;
      const s = await this.restoredStatus(region, id);
      return { identifier, found: true, status: s.status, isolated: null, detail: `${identifier} (${this.here(region)}): ${s.status ?? "?"}, in ${id}` };
    }
    return { identifier, found: false, status: null, detail: `DBInstanceNotFound (drill stand-in): ${identifier} in ${this.here(region)}` };
  }

  /** As the AWS adapter checks it (cluster, writer instance, endpoint), then the data: a writer (not in recovery) whose app table answers. */
  async verifyRestoredCluster(region: RegionRole, clusterId: string): Promise<Check> {
    const s = await restoredClusterState(this, region, clusterId);
    if (!s.ok) return s;
    const c = { ...s.cluster, endpoint: s.endpoint, writerInstance: s.writerInstance };
    const at = this.pitr.address(clusterId)!;
    try {
      const out = await psql(at.port, "SELECT pg_is_in_recovery(), (SELECT count(*) FROM notes)", "drweb", 5_000, at.address);
      const [rec, n] = out.split("|");
      if (rec !== "f") return { ok: false, detail: `${clusterId} (${c.endpoint}) is still in recovery` };
      return { ok: true, detail: `${clusterId}: available, writer ${c.writerInstance}, endpoint ${c.endpoint}:${c.port}; probe: a writer, ${n} notes` };
    } catch (e) {
      return { ok: false, detail: `${clusterId} (${c.endpoint}): probe failed: ${(e as Error).message}` };
    }
  }

  /** The restored cluster's server (for the drill's checks). */
  address(clusterId: string): { address: string; port: number } | null {
    return this.pitr.address(clusterId);
  }
}
