import type { DrState, RegionRole, ValidConfig } from "../config";
import { Naming } from "../lib/naming";
import { dbIdentifier } from "./database-tier";
import { CREDENTIALS_HOME } from "./topology";

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
