import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type DBInstance,
  type RestoreDBClusterToPointInTimeMessage,
} from "@aws-sdk/client-rds";
import type { RegionRole, ValidConfig } from "../config";
import { AURORA_ENGINE } from "../database/aurora-contract";
import { restoredClusterState, type AuroraRestorePlatform, type ClusterState } from "./aurora-restore-platform";
import { classifyAwsError } from "./aws-errors";
import type { AwsClients } from "./aws-clients";
import type { AdapterCalls } from "./aws-service";
import { RESTORED_TO_TAG } from "./aws-restore";
import type { Clock } from "./clock";
import type { Check } from "./platform";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "./restore-platform";

/**
 * AuroraRestorePlatform on AWS (`dr restore` in the Aurora Global Database mode), mixed into AwsPlatform (which lends
 * it its bounded send and its request tracking). Only the restore region is called (the writer member's region).
 * Each behaviour relied on, from the RDS API Reference:
 *
 * - The window: DescribeDBClusters DBCluster EarliestRestorableTime ("The earliest time to which a database can be
 *   restored with point-in-time restore") and LatestRestorableTime ("The latest time to which a database can be
 *   restored with point-in-time restore").
 * - The restore, RestoreDBClusterToPointInTime: "Restores a DB cluster to an arbitrary point in time. Users can
 *   restore to any point in time before LatestRestorableTime for up to BackupRetentionPeriod days. The target DB
 *   cluster is created from the source DB cluster with the same configuration as the original DB cluster, except
 *   that the new DB cluster is created with the default DB security group"; so the subnet group (DBSubnetGroup), the
 *   security groups, the cluster parameter group, the KMS key (KmsKeyId: "If you don't specify a value for the
 *   KmsKeyId parameter, then the following occurs: If the DB cluster is encrypted, then the restored DB cluster is
 *   encrypted using the KMS key that was used to encrypt the source DB cluster": given explicitly anyway), the port and the log exports are copied from the source, with
 *   DeletionProtection true, its tags plus dr-restored-to, RestoreType "full-copy" (a copy-on-write clone would share
 *   the damaged cluster's volume: "copy-on-write - The new DB cluster is restored as a clone of the source DB
 *   cluster").
 * - "For Aurora, this operation only restores the DB cluster, not the DB instances for that DB cluster. You must
 *   invoke the CreateDBInstance operation to create DB instances for the restored DB cluster, specifying the
 *   identifier of the restored DB cluster in DBClusterIdentifier. You can create DB instances only after the
 *   RestoreDBClusterToPointInTime operation has completed and the DB cluster is available": CreateDBInstance is sent
 *   only once DescribeDBClusters says available, with Engine aurora-postgresql, the configured class and the DB
 *   parameter group of the source's writer instance (CreateDBInstance DBParameterGroupName; an Aurora instance
 *   takes its network and storage from its cluster).
 * - Faults: DBClusterAlreadyExistsFault / DBInstanceAlreadyExists (the name is taken: "exists"), the rest as
 *   aws-restore.ts's RestoreAttempt rules (a 4xx refusal "refused", throttling "refused", a permanent cause thrown, no
 *   connection "not-sent", else "unknown": it may have been taken).
 */

type Send = AdapterCalls["send"];
type SendRequest = AdapterCalls["sendRequest"];

/**
 * A data-level check of the restored cluster through its endpoint (a SQL connection and a read). Injected: the
 * runbook host usually cannot reach a cluster in private subnets; without one the verify step says the data check
 * is the operator's (with the endpoint), and passes on the control plane's answer alone.
 */
export type ClusterProbe = (target: { readonly region: string; readonly clusterId: string; readonly endpoint: string; readonly port: number | null }) => Promise<Check>;

const reservedTag = (k: string | undefined) => !k || k.startsWith("aws:");

export class AwsAuroraRestore implements AuroraRestorePlatform {
  constructor(
    private readonly config: ValidConfig,
    private readonly clients: AwsClients,
    private readonly clock: Clock,
    private readonly io: { readonly send: Send; readonly sendRequest: SendRequest },
    private readonly probe?: ClusterProbe,
  ) {}

  private region(role: RegionRole): string {
    return this.config.regions[role].region;
  }

  private async describeCluster(region: string, id: string): Promise<DBCluster | null> {
    try {
      return (await this.io.send<{ DBClusters?: DBCluster[] }>(this.clients.rds(region), new DescribeDBClustersCommand({ DBClusterIdentifier: id }), `RDS DescribeDBClusters ${id} (${region})`)).DBClusters?.[0] ?? null;
    } catch (e) {
      if ((e as { name?: string })?.name === "DBClusterNotFoundFault") return null;
      throw e;
    }
  }

  private async describeInstance(region: string, id: string): Promise<DBInstance | null> {
    try {
      return (await this.io.send<{ DBInstances?: DBInstance[] }>(this.clients.rds(region), new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), `RDS DescribeDBInstances ${id} (${region})`)).DBInstances?.[0] ?? null;
    } catch (e) {
      if ((e as { name?: string })?.name === "DBInstanceNotFoundFault") return null;
      throw e;
    }
  }

  async clusterRestoreWindow(region: RegionRole, clusterId: string): Promise<RestoreWindow> {
    const here = this.region(region);
    const readAt = this.clock.now();
    const c = await this.describeCluster(here, clusterId);
    if (!c) return { region, source: "instance", sourceRef: null, earliest: null, latest: null, readAt, detail: `no DB cluster ${clusterId} in ${here}` };
    const earliest = c.EarliestRestorableTime?.getTime() ?? null;
    const latest = c.LatestRestorableTime?.getTime() ?? null;
    const t = (x: number | null) => (x === null ? "none" : new Date(x).toISOString());
    return { region, source: "instance", sourceRef: c.DBClusterIdentifier ?? clusterId, earliest, latest, readAt, detail: `${clusterId} (${here}): EarliestRestorableTime ${t(earliest)}, LatestRestorableTime ${t(latest)}, backup retention ${c.BackupRetentionPeriod ?? "?"} days` };
  }

  async restoreClusterToTime(region: RegionRole, sourceClusterId: string, toTime: number, target: string): Promise<RestoreAttempt> {
    const here = this.region(region);
    let src: DBCluster | null;
    try {
      if (await this.describeCluster(here, target)) return { outcome: "exists", detail: `${target} exists in ${here}: not requested again` };
      src = await this.describeCluster(here, sourceClusterId);
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `reading ${here} before the restore failed (${(e as Error)?.message ?? String(e)}): RestoreDBClusterToPointInTime was not sent` };
    }
    if (!src) return { outcome: "not-sent", detail: `no DB cluster ${sourceClusterId} in ${here} to restore from: nothing sent` };
    const tags = (src.TagList ?? []).filter((t) => !reservedTag(t.Key) && t.Key !== "dr-isolated" && t.Key !== RESTORED_TO_TAG);
    const input: RestoreDBClusterToPointInTimeMessage = {
      DBClusterIdentifier: target,
      SourceDBClusterIdentifier: sourceClusterId,
      RestoreToTime: new Date(toTime),
      RestoreType: "full-copy",
      DBSubnetGroupName: src.DBSubnetGroup,
      VpcSecurityGroupIds: (src.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!).filter(Boolean),
      DBClusterParameterGroupName: src.DBClusterParameterGroup,
      ...(src.KmsKeyId ? { KmsKeyId: src.KmsKeyId } : {}),
      ...(src.Port ? { Port: src.Port } : {}),
      ...(src.EnabledCloudwatchLogsExports?.length ? { EnableCloudwatchLogsExports: src.EnabledCloudwatchLogsExports } : {}),
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      Tags: [...tags, { Key: RESTORED_TO_TAG, Value: new Date(toTime).toISOString() }],
    };
    const what = `RDS RestoreDBClusterToPointInTime ${target} (${here})`;
    const r = await this.io.sendRequest(this.clients.rds(here), new RestoreDBClusterToPointInTimeCommand(input), what);
    if (r.ok) return { outcome: "requested", detail: `${what} from ${sourceClusterId} as of ${new Date(toTime).toISOString()}: taken` };
    return failed(r.error, r.mayHaveBeenSent, what, target, "DBClusterAlreadyExistsFault");
  }

  async cluster(region: RegionRole, identifier: string): Promise<ClusterState> {
    const here = this.region(region);
    const c = await this.describeCluster(here, identifier);
    if (!c) return { identifier, found: false, status: null, endpoint: null, port: null, instances: [], writerInstance: null, globalClusterIdentifier: null, detail: `no DB cluster ${identifier} in ${here}` };
    const instances = (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? "?");
    const writerInstance = (c.DBClusterMembers ?? []).find((m) => m.IsClusterWriter)?.DBInstanceIdentifier ?? null;
    return {
      identifier,
      found: true,
      status: c.Status ?? null,
      endpoint: c.Endpoint ?? null,
      port: c.Port ?? null,
      // DBCluster ReaderEndpoint: "The reader endpoint for the DB cluster" (RDS API Reference, DBCluster): the move writes it to the endpoints parameter.
      readerEndpoint: c.ReaderEndpoint ?? null,
      instances,
      writerInstance,
      globalClusterIdentifier: c.GlobalClusterIdentifier || null,
      detail: `${identifier} (${here}): ${c.Status ?? "?"}, instances ${instances.join(", ") || "none"}${writerInstance ? `, writer ${writerInstance}` : ""}${c.GlobalClusterIdentifier ? `, member of ${c.GlobalClusterIdentifier}` : ", standalone"}`,
    };
  }

  async createClusterInstance(region: RegionRole, clusterId: string, instanceId: string, instanceClass: string, templateClusterId: string): Promise<RestoreAttempt> {
    const here = this.region(region);
    let c: ClusterState;
    let tmplInstance: DBInstance | null = null;
    try {
      if (await this.describeInstance(here, instanceId)) return { outcome: "exists", detail: `${instanceId} exists in ${here}: not requested again` };
      c = await this.cluster(region, clusterId);
      const t = await this.cluster(region, templateClusterId);
      const tw = t.writerInstance ?? t.instances[0];
      if (tw) tmplInstance = await this.describeInstance(here, tw);
    } catch (e) {
      if (classifyAwsError(e)?.permanent) throw e;
      return { outcome: "not-sent", detail: `reading ${here} before CreateDBInstance failed (${(e as Error)?.message ?? String(e)}): not sent` };
    }
    if (!c.found) return { outcome: "not-sent", detail: `no DB cluster ${clusterId} in ${here}: CreateDBInstance not sent` };
    // "You can create DB instances only after the RestoreDBClusterToPointInTime operation has completed and the DB cluster is available."
    if (c.status !== "available") return { outcome: "not-sent", detail: `${clusterId} is ${c.status}: RDS creates its instances only once it is available; not sent (asked again at the next poll)` };
    const paramGroup = tmplInstance?.DBParameterGroups?.[0]?.DBParameterGroupName;
    const what = `RDS CreateDBInstance ${instanceId} in ${clusterId} (${here})`;
    const r = await this.io.sendRequest(
      this.clients.rds(here),
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: instanceId,
        DBClusterIdentifier: clusterId,
        Engine: AURORA_ENGINE,
        DBInstanceClass: instanceClass,
        ...(paramGroup ? { DBParameterGroupName: paramGroup } : {}),
        PubliclyAccessible: false,
        ...(tmplInstance?.CACertificateIdentifier ? { CACertificateIdentifier: tmplInstance.CACertificateIdentifier } : {}),
        Tags: [{ Key: "dr-restored-cluster", Value: clusterId }],
      }),
      what,
    );
    if (r.ok) return { outcome: "requested", detail: `${what}, ${instanceClass}${paramGroup ? `, parameter group ${paramGroup}` : " (no template instance: the default parameter group)"}: taken` };
    return failed(r.error, r.mayHaveBeenSent, what, instanceId, "DBInstanceAlreadyExistsFault");
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    const here = this.region(region);
    const i = await this.describeInstance(here, identifier);
    if (!i) return { identifier, found: false, status: null, detail: `no DB instance ${identifier} in ${here}` };
    return { identifier, found: true, status: i.DBInstanceStatus ?? null, detail: `${identifier} (${here}): ${i.DBInstanceStatus ?? "?"}${i.DBClusterIdentifier ? `, in ${i.DBClusterIdentifier}` : ""}` };
  }

  async verifyRestoredCluster(region: RegionRole, clusterId: string): Promise<Check> {
    const here = this.region(region);
    const s = await restoredClusterState(this, region, clusterId);
    if (!s.ok) return s;
    const base = `${clusterId} (${here}): available, writer ${s.writerInstance} available, endpoint ${s.endpoint}:${s.cluster.port ?? "?"}`;
    if (!this.probe) return { ok: true, detail: `${base}; the data is not checked from the runbook host (no cluster probe): check the rows with psql -h ${s.endpoint}` };
    const p = await this.probe({ region: here, clusterId, endpoint: s.endpoint, port: s.cluster.port });
    return p.ok ? { ok: true, detail: `${base}; probe: ${p.detail}` } : { ok: false, ...(p.fatal ? { fatal: true } : {}), detail: `${base}; probe: ${p.detail}` };
  }
}

/** How a failed request ends (aws-restore.ts's rules); also the endpoints parameter's PutParameter (aws-endpoints-parameter.ts). */
export function failed(e: unknown, mayHaveBeenSent: boolean, what: string, target: string, existsFault: string): RestoreAttempt {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (err?.name === existsFault) return { outcome: "exists", detail: `${what}: ${target} already exists (${err.message})` };
  const cause = classifyAwsError(e);
  if (cause?.permanent) throw e;
  if (cause?.kind === "throttled") return { outcome: "refused", detail: `${what} throttled (${err?.name}): not taken, asked again` };
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return { outcome: "refused", detail: `${what} refused: ${err?.name}: ${err?.message}` };
  if (!mayHaveBeenSent) return { outcome: "not-sent", detail: `${what} could not be sent (${err?.message ?? String(e)}: no connection was made)` };
  return { outcome: "unknown", detail: `${what}: no answer (${err?.message ?? String(e)}): it may have been taken` };
}
