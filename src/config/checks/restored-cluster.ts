/**
 * Checks of database.restoredCluster (Aurora mode): the record of a `dr restore` that moved the app to a restored
 * cluster (docs/aurora.md, "The database endpoints parameter"). The stacks write these endpoints, as given, into the
 * region's database endpoints parameter, so a typo here would point the fleet at a host that does not exist (every
 * new instance then fails closed): the shape is checked before anything is planned.
 */
import type { CheckedConfig } from "../base-schema";
import type { DrState } from "../sections/database";
import type { RegionRole } from "../sections/network";
import { Naming } from "../../lib/naming";
import { crossIssue, type Ctx, type FieldPath } from "./issues";

/**
 * The region whose cluster is the Aurora global primary in each DR state. The same table as
 * src/database/aurora-contract.ts AURORA_GLOBAL_PRIMARY (the config layer may not import src/database;
 * __tests__/config/restored-cluster.test.ts checks the two are equal).
 */
export const RESTORE_REGION_BY_STATE: Readonly<Record<DrState, RegionRole>> = { normal: "primary", failedOver: "secondary", failback: "secondary" };

/**
 * An RDS DB cluster identifier: "Must contain from 1 to 63 letters, numbers, or hyphens. First character must be a
 * letter. Can't end with a hyphen or contain two consecutive hyphens" (Amazon RDS API Reference, CreateDBCluster,
 * DBClusterIdentifier; the same rules for RestoreDBClusterToPointInTime's DBClusterIdentifier).
 */
export function clusterIdentifierProblem(id: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(id)) return "1 to 63 letters, digits or hyphens, starting with a letter";
  if (id.includes("--")) return "no two consecutive hyphens";
  if (id.endsWith("-")) return "no hyphen at the end";
  return undefined;
}

/**
 * The member cluster identifier of a region (the same rule as src/database/aurora-contract.ts
 * regionClusterIdentifier, which the config layer may not import; the test compares them).
 */
export function memberClusterIdentifier(cfg: Pick<CheckedConfig, "project" | "environment" | "regions" | "database">, role: RegionRole): string {
  return `${new Naming(cfg.project, cfg.environment, cfg.regions[role].region).regional}-db-g${cfg.database.generations[role]}-cluster`;
}

/**
 * The expected shape of a cluster's built-in endpoint: `<identifier>.cluster-<id>.<region>.rds.amazonaws.com` (cluster,
 * i.e. writer, endpoint) and `<identifier>.cluster-ro-<id>.<region>.rds.amazonaws.com` (reader endpoint), where <id> is
 * "a unique identifier associated with your AWS account in a particular AWS Region" (Aurora User Guide, "Types of Aurora
 * endpoints" / "Amazon Aurora endpoint connections": `mydbcluster.cluster-c7tj4example.us-east-1.rds.amazonaws.com`,
 * `mydbcluster.cluster-ro-c7tj4example.us-east-1.rds.amazonaws.com`). RDS stores the identifier in lower case
 * (CreateDBCluster DBClusterIdentifier: "This parameter is stored as a lowercase string"), so the endpoint carries it so.
 * Returns the <id> label, or undefined when `host` does not have the shape.
 */
export function endpointAccountLabel(host: string, identifier: string, kind: "cluster" | "cluster-ro", region: string): string | undefined {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`^${esc(identifier.toLowerCase())}\\.${kind}-([a-z0-9]+)\\.${esc(region)}\\.rds\\.amazonaws\\.com$`).exec(host);
  return m?.[1];
}

export function checkRestoredCluster(cfg: CheckedConfig, ctx: Ctx): void {
  const r = cfg.database.restoredCluster;
  if (!r) return;
  const at = (...f: string[]): FieldPath => ["database", "restoredCluster", ...f];
  if (cfg.database.engine !== "aurora-postgresql") {
    crossIssue(
      ctx,
      at(),
      `restoredCluster records a dr restore of the Aurora mode (the app moved to a restored cluster through the database endpoints parameter); engine "${cfg.database.engine}" has no such parameter: RDS mode's dr restore renames the restored instance into the writer's place instead. Fix: remove database.restoredCluster, or set database.engine "aurora-postgresql"`,
      [["database", "engine"]],
    );
    return;
  }
  const expected = RESTORE_REGION_BY_STATE[cfg.database.drState];
  if (r.region !== expected) {
    crossIssue(
      ctx,
      at("region"),
      `"${r.region}" is not where the app writes in drState "${cfg.database.drState}": dr restore restores the global primary's cluster, which is the ${expected} region's (${cfg.regions[expected].region}). Fix: set database.restoredCluster.region to "${expected}" (as dr restore printed it), or correct database.drState`,
      [["database", "drState"]],
    );
    return;
  }
  const idProblem = clusterIdentifierProblem(r.identifier);
  if (idProblem) {
    ctx.addIssue({
      code: "custom",
      path: at("identifier"),
      message: `"${r.identifier}" is not an RDS DB cluster identifier (${idProblem}: RDS API Reference, CreateDBCluster DBClusterIdentifier). Fix: give the restored cluster's identifier as dr restore printed it, e.g. "${memberClusterIdentifier(cfg, expected)}-pitr-20260101t0000"`,
    });
    return;
  }
  for (const role of ["primary", "secondary"] as const) {
    const member = memberClusterIdentifier(cfg, role);
    if (r.identifier.toLowerCase() === member) {
      crossIssue(
        ctx,
        at("identifier"),
        `"${r.identifier}" is the ${role} region's member cluster of the global database, not a restored cluster: the endpoints parameter already names it without restoredCluster. Fix: give the restored cluster's identifier (dr restore creates "${member}-pitr-<stamp>"), or remove database.restoredCluster to point the fleet back at the member`,
        [["database", "generations", role]],
      );
      return;
    }
  }
  const region = cfg.regions[expected].region;
  const id = r.identifier.toLowerCase();
  const writerLabel = endpointAccountLabel(r.writerEndpoint, r.identifier, "cluster", region);
  if (!writerLabel) {
    crossIssue(
      ctx,
      at("writerEndpoint"),
      `"${r.writerEndpoint}" is not the cluster (writer) endpoint of ${id} in ${region}: Aurora names it ${id}.cluster-<id>.${region}.rds.amazonaws.com (Aurora User Guide, "Types of Aurora endpoints"). Fix: copy it from dr restore's output or 'aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${id} --query "DBClusters[0].Endpoint"'`,
      [["regions", expected, "region"]],
    );
  }
  const readerLabel = endpointAccountLabel(r.readerEndpoint, r.identifier, "cluster-ro", region);
  if (!readerLabel) {
    crossIssue(
      ctx,
      at("readerEndpoint"),
      `"${r.readerEndpoint}" is not the reader endpoint of ${id} in ${region}: Aurora names it ${id}.cluster-ro-<id>.${region}.rds.amazonaws.com (Aurora User Guide, "Types of Aurora endpoints"). Fix: copy it from dr restore's output or 'aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${id} --query "DBClusters[0].ReaderEndpoint"'`,
      [["regions", expected, "region"]],
    );
  }
  if (writerLabel && readerLabel && writerLabel !== readerLabel) {
    ctx.addIssue({
      code: "custom",
      path: at("readerEndpoint"),
      params: { uses: [at("writerEndpoint")] },
      message: `the reader endpoint's account label "${readerLabel}" differs from the writer endpoint's "${writerLabel}"; both endpoints of a cluster carry the same one (Aurora User Guide, "Types of Aurora endpoints"). Fix: copy both from the same 'aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${id}'`,
    });
  }
}
