import { names, regionalStacks, regionKeyProblem } from "../context";
import type { AppRule, PolicyContext, ResourceView, StackAnchor, Verdict } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";

type Finding = { resource: ResourceView | StackAnchor; verdict: Verdict };

/** Cross-region replicas of a source instance: in another stack, sourced by an ARN ending in :db:<identifier>. */
function crossRegionReplicas(ctx: PolicyContext, source: ResourceView): ResourceView[] {
  return ctx
    .resources("aws_db_instance")
    .filter((r) => r.stack !== source.stack && typeof r.config.replicate_source_db === "string" && r.config.replicate_source_db.endsWith(`:db:${source.config.identifier}`));
}

/** Why a copy of the data is not encrypted with a key of its own region, if it is not. */
function foreignKey(ctx: PolicyContext, copy: ResourceView, noun: string, id: string): string | undefined {
  return regionKeyProblem(ctx, copy, copy.config.kms_key_id, noun) ? `the ${noun} ${id} is not encrypted with a key of its own region (${ctx.regionOf(copy)})` : undefined;
}

/**
 * RDS shape: every source instance has a replica in another region. Not
 * applicable while failed over (nothing is replicated until failback
 * rebuilds the other region).
 */
function rdsShape(ctx: PolicyContext): Finding[] {
  const sources = ctx.resources("aws_db_instance").filter((r) => !r.config.replicate_source_db);
  return sources.map((source) => {
    if (ctx.config.database.drState === "failedOver") return { resource: source, verdict: NOT_APPLICABLE };
    const replicas = crossRegionReplicas(ctx, source);
    if (replicas.length === 0) return { resource: source, verdict: fail(`${source.config.identifier} has no replica in another region`) };
    const bad = replicas.map((rep) => foreignKey(ctx, rep, "replica", rep.config.identifier)).find(Boolean);
    return { resource: source, verdict: bad ? fail(bad) : COMPLIANT };
  });
}

/**
 * Aurora Global Database shape: one global cluster, and in each region of the
 * pair a member cluster joined to it (global_cluster_identifier naming it),
 * encrypted with a key of its own region. Judged in every DR state: the
 * members are declared alike whatever AWS has made primary (switchover and
 * failover change no declaration, src/database/aurora-contract.ts), so a
 * missing member is always a declaration error. Every other cluster of the
 * app is flagged: data outside the global database has no copy in the other
 * region.
 */
function auroraShape(ctx: PolicyContext): Finding[] {
  const globals = ctx.resources("aws_rds_global_cluster");
  const clusters = ctx.resources("aws_rds_cluster");
  const memberOf = (c: ResourceView, g: ResourceView) => names(ctx, c.stack, c.config.global_cluster_identifier, g, "global_cluster_identifier");
  const findings: Finding[] = globals.map((g) => {
    const id = g.config.global_cluster_identifier;
    if (globals.length !== 1) return { resource: g, verdict: fail(`${globals.length} global clusters (${globals.map((x) => x.config.global_cluster_identifier).join(", ")}): the app has exactly one`) };
    const regions = [ctx.config.regions.primary.region, ctx.config.regions.secondary.region];
    const missing = regions.filter((region) => !clusters.some((c) => ctx.regionOf(c) === region && memberOf(c, g)));
    return { resource: g, verdict: missing.length ? fail(`no member cluster in ${missing.join(" and ")} joined to ${id} (global_cluster_identifier)`) : COMPLIANT };
  });
  for (const c of clusters) {
    const id = c.config.cluster_identifier;
    const joined = globals.length === 1 && memberOf(c, globals[0]);
    const bad = !joined ? `the cluster ${id} is not a member of the app's global cluster: its data has no copy in the other region` : foreignKey(ctx, c, "cluster", id);
    findings.push({ resource: c, verdict: bad ? fail(bad) : COMPLIANT });
  }
  return findings;
}

/**
 * DR: the database has a copy in the other region, in one of the two
 * shapes the app builds (database.engine): RDS for PostgreSQL with a
 * cross-region replica of every source, or an Aurora global database with a
 * member in each region. An app with regional stacks and neither shape fails
 * (it is not "nothing to check").
 */
export const drDbReplicated: AppRule = {
  kind: "app",
  id: "dr-db-replicated",
  description:
    "The database is replicated to the other region: every RDS source has a cross-region replica, or one Aurora global cluster has a member cluster in each region; each copy encrypted with a key of its own region",
  fix: "postgres: declare the other region's Writer as a replica of this writer (database.drState normal or failback) with kms_key_id = that region's key; aurora-postgresql: one aws_rds_global_cluster and in each region an aws_rds_cluster with global_cluster_identifier = its identifier and kms_key_id = that region's key",
  check(ctx) {
    const findings = [...rdsShape(ctx), ...auroraShape(ctx)];
    if (findings.length) return findings;
    const { primary, secondary } = regionalStacks(ctx);
    const stack = primary ?? secondary;
    if (!stack) return [];
    const anchor: StackAnchor = { stack, address: "database", path: stack };
    return [{ resource: anchor, verdict: fail("no database to fail over: neither an RDS instance (aws_db_instance) nor an Aurora global cluster (aws_rds_global_cluster)") }];
  },
};
