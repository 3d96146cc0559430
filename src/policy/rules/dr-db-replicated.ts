import type { AppRule, PolicyContext, ResourceView, Verdict } from "../types";
import { COMPLIANT, fail, NOT_APPLICABLE } from "../types";

/** Cross-region replicas of a source instance: in another stack, sourced by an ARN ending in :db:<identifier>. */
function crossRegionReplicas(ctx: PolicyContext, source: ResourceView): ResourceView[] {
  return ctx
    .resources("aws_db_instance")
    .filter((r) => r.stack !== source.stack && typeof r.config.replicate_source_db === "string" && r.config.replicate_source_db.endsWith(`:db:${source.config.identifier}`));
}

/**
 * DR: every source database has a replica in the other region, encrypted
 * with a key of that region. Not applicable while failed over (nothing is
 * replicated until failback rebuilds the other region).
 */
export const drDbReplicated: AppRule = {
  kind: "app",
  id: "dr-db-replicated",
  description: "Every source database (writer) has a cross-region replica encrypted with a key in the replica's region",
  fix: "declare the other region's Writer as a replica of this writer (database.drState normal or failback) with kms_key_id = that region's key",
  check(ctx) {
    const sources = ctx.resources("aws_db_instance").filter((r) => !r.config.replicate_source_db);
    return sources.map((source) => {
      let verdict: Verdict;
      if (ctx.config.database.drState === "failedOver") {
        verdict = NOT_APPLICABLE;
      } else {
        const replicas = crossRegionReplicas(ctx, source);
        if (replicas.length === 0) verdict = fail(`${source.config.identifier} has no replica in another region`);
        else {
          const bad = replicas.find((rep) => {
            const key = ctx.deref(rep.stack, rep.config.kms_key_id);
            return key?.type !== "aws_kms_key" || ctx.regionOf(key) !== ctx.regionOf(rep);
          });
          verdict = bad ? fail(`the replica ${bad.config.identifier} is not encrypted with a key of its own region (${ctx.regionOf(bad)})`) : COMPLIANT;
        }
      }
      return { resource: source, verdict };
    });
  },
};
