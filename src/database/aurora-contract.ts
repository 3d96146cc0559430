import type { DrState, RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";
import { dbIdentifier } from "./database-tier";
import { CREDENTIALS_HOME, PASSWORD_ROTATION_STATE } from "./topology";

/**
 * The Aurora Global Database mode (`database.engine: "aurora-postgresql"`):
 * the names and roles that the stacks, the `dr` runbook, the monitoring and
 * the policy share. Everything here is derived from config, so any side can
 * name the other region's cluster without reading its Terraform state (which
 * may be in the region that is down).
 *
 * Topology: one `aws_rds_global_cluster`, owned by the credentials home's
 * stack (the primary region's); in each region one `aws_rds_cluster` member
 * with 1 + readersPerRegion `aws_rds_cluster_instance`s (the seed's "2
 * clusters, 4 instances" with the default of one reader).
 */

export const AURORA_ENGINE = "aurora-postgresql";

/** True in the Aurora Global Database mode. */
export function isAurora(config: Pick<ValidConfig, "database">): boolean {
  return config.database.engine === AURORA_ENGINE;
}

/** Global cluster identifier, e.g. drweb-prod-db-global (one per project and environment). */
export function globalClusterIdentifier(config: Pick<ValidConfig, "project" | "environment">): string {
  return `${config.project}-${config.environment}-db-global`;
}

/** A region's member cluster identifier, e.g. drweb-prod-use2-db-g1-cluster. */
export function auroraClusterIdentifier(regionalPrefix: string, generation: number): string {
  return dbIdentifier(regionalPrefix, generation, "cluster");
}

/** The i-th (0-based) instance of a region's cluster, e.g. drweb-prod-use2-db-g1-instance1. */
export function auroraInstanceIdentifier(regionalPrefix: string, generation: number, index: number): string {
  return dbIdentifier(regionalPrefix, generation, `instance${index + 1}`);
}

/** Instances per member cluster: one that writes (in the primary cluster) plus the readers. */
export function auroraInstanceCount(settings: Pick<ValidConfig["database"], "readersPerRegion">): number {
  return 1 + settings.readersPerRegion;
}

/**
 * Which region's cluster is the global cluster's primary (the writer) in
 * each DR state:
 *
 * | state      | global primary | the other region's cluster                                  |
 * | ---------- | -------------- | ----------------------------------------------------------- |
 * | normal     | primary        | secondary member (read-only)                                |
 * | failedOver | secondary      | down, or rejoined by Aurora as a secondary (not deployed)   |
 * | failback   | secondary      | secondary member again, in sync (deployed)                  |
 *
 * The membership itself is changed by AWS (SwitchoverGlobalCluster,
 * FailoverGlobalCluster), never by Terraform: no cluster's declaration
 * depends on the state, so a plan after a switchover or failover is clean.
 * Failback is a switchover back to the primary region, then "normal".
 */
export const AURORA_GLOBAL_PRIMARY: Readonly<Record<DrState, RegionRole>> = {
  normal: "primary",
  failedOver: "secondary",
  failback: "secondary",
};

/**
 * The cluster that created the global database's data: the credentials
 * home's first generation. It alone is declared with the master user,
 * password and database name; every other cluster (the secondary's, and
 * any rebuilt generation) joined as a secondary and is declared without
 * them, whatever its role is now.
 */
export function auroraBornPrimary(role: RegionRole, generation: number): boolean {
  return role === CREDENTIALS_HOME && generation === 1;
}

/** Member cluster identifier of a region in the config. */
export function regionClusterIdentifier(config: ValidConfig, role: RegionRole): string {
  const rc = config.regions[role];
  return auroraClusterIdentifier(new Naming(config.project, config.environment, rc.region).regional, config.database.generations[role]);
}

/** ARN of a region's member cluster (SwitchoverGlobalCluster / FailoverGlobalCluster take the target's ARN). */
export function regionClusterArn(config: ValidConfig, role: RegionRole, partition: string, accountId: string): string {
  return `arn:${partition}:rds:${config.regions[role].region}:${accountId}:cluster:${regionClusterIdentifier(config, role)}`;
}

/**
 * What a region's member cluster declares of the master credentials:
 * - "creator": the born primary (auroraBornPrimary): master user, database
 *   name and the write-only password, as it was created;
 * - "password": the write-only password alone, to deliver a rotation: the
 *   credentials home's cluster of a later generation, in "normal" only. It
 *   joined the global database as a secondary member (created without
 *   credentials: CreateDBCluster refuses a password for one, "Cannot specify
 *   password for cross region replication cluster", quoted in
 *   crossplane-contrib/provider-aws#1668) and writes once the runbook has
 *   switched back; by "normal" it exists, so the password reaches it by
 *   ModifyDBCluster (hashicorp/aws internal/service/rds/cluster.go,
 *   resourceClusterUpdate: `if d.HasChange("master_password_wo_version")`
 *   sets MasterUserPassword). master_username stays undeclared: optional
 *   and computed (`terraform providers schema -json`, 5.100.0) and ForceNew
 *   (cluster.go schema), so unset it keeps the value AWS reports and plans
 *   nothing; master_password_wo needs only its version (RequiredWith
 *   master_password_wo_version; cluster.go as stored here is a write-only-era
 *   version, not necessarily v5.100.0: the offline plan's
 *   aurora-switchback-primary runs the real 5.100.0 plan of it).
 * - "none": the other region's cluster, and the credentials home's later
 *   generation outside "normal" (it may be created then, as a secondary).
 * A global database's master password is set on its primary cluster and the
 * secondary clusters follow by storage replication (their users are the
 * primary's), so the password goes to the credentials home's cluster only,
 * and only in "normal", where that cluster is the global primary.
 * `held`: outside "normal" a declared version does not move (lifecycle
 * ignore_changes; the secret version likewise), src/database/topology.ts
 * PASSWORD_ROTATION_STATE.
 */
export function auroraPasswordDelivery(state: DrState, role: RegionRole, generation: number): { readonly declares: "creator" | "password" | "none"; readonly held: boolean } {
  const held = state !== PASSWORD_ROTATION_STATE;
  if (auroraBornPrimary(role, generation)) return { declares: "creator", held };
  return { declares: role === CREDENTIALS_HOME && !held ? "password" : "none", held };
}
