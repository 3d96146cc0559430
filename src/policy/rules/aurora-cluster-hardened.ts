import { AURORA_ENGINE } from "../../database/aurora-contract";
import { RDS_CA_FAMILY } from "../../web/rds-ca";
import { names } from "../context";
import type { PolicyContext, ResourceView } from "../types";
import { COMPLIANT, fail, type ResourceRule } from "../types";

/**
 * The CA the web servers verify the database with: the app ships AWS's
 * global bundle and synth refuses a region whose root of RDS_CA_FAMILY the
 * bundle lacks (src/web/rds-ca.ts requireRdsRoot). An instance must present
 * a certificate of that CA: its identifier is the family's, e.g.
 * "RSA2048 G1" -> rds-ca-rsa2048-g1 (the CAs and their identifiers:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html,
 * "Certificate authorities").
 * Left unset, the instance gets the region's default CA, which AWS may change.
 */
export const TRUSTED_CA_IDENTIFIER = `rds-ca-${RDS_CA_FAMILY.toLowerCase().replace(/ /g, "-")}`;

/** The log the cluster must export to CloudWatch (Aurora PostgreSQL exports "postgresql"; "instance" and "iam-db-auth-error" are optional). */
const REQUIRED_LOG = "postgresql";

/** An Aurora cluster's instances: those whose cluster_identifier names it. */
export function clusterInstances(ctx: PolicyContext, cluster: ResourceView): ResourceView[] {
  return ctx.resources("aws_rds_cluster_instance", cluster.stack).filter((i) => names(ctx, i.stack, i.config.cluster_identifier, cluster, "cluster_identifier"));
}

/**
 * Aurora Global Database mode, what the shared RDS rules do not cover:
 * - global cluster: engine aurora-postgresql (the engine this app runs on);
 * - cluster: the PostgreSQL log exported to CloudWatch (what an incident
 *   review reads when the instance is gone); a writer and at least one
 *   reader, so that Aurora has an in-region failover target ("Aurora
 *   automatically fails over to an Aurora Replica in case the primary DB
 *   instance becomes unavailable":
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.html)
 *   and a secondary region keeps read capacity;
 * - instance: presents the CA the app's bundle is checked to trust
 *   (DB_SSLMODE=verify-full fails against any other).
 */
export const auroraClusterHardened: ResourceRule = {
  kind: "resource",
  id: "aurora-cluster-hardened",
  description:
    "Aurora: the global cluster runs aurora-postgresql; each cluster exports the postgresql log to CloudWatch and has a writer and at least one reader; each instance presents the CA the app's bundle trusts",
  fix: `global cluster engine = "${AURORA_ENGINE}"; cluster enabled_cloudwatch_logs_exports includes "${REQUIRED_LOG}" and 1 + database.readersPerRegion (>= 1) aws_rds_cluster_instance; instance ca_cert_identifier = "${TRUSTED_CA_IDENTIFIER}"`,
  resourceTypes: ["aws_rds_global_cluster", "aws_rds_cluster", "aws_rds_cluster_instance"],
  check(r, ctx) {
    const c = r.config;
    if (r.type === "aws_rds_global_cluster") return c.engine === AURORA_ENGINE ? COMPLIANT : fail(`engine is ${c.engine ?? "unset"}, not ${AURORA_ENGINE}`);
    if (r.type === "aws_rds_cluster_instance") {
      return c.ca_cert_identifier === TRUSTED_CA_IDENTIFIER ? COMPLIANT : fail(`ca_cert_identifier is ${c.ca_cert_identifier ?? "unset (the region's default CA)"}, not ${TRUSTED_CA_IDENTIFIER}, the CA whose roots the app's bundle is checked to hold`);
    }
    const logs = Array.isArray(c.enabled_cloudwatch_logs_exports) ? c.enabled_cloudwatch_logs_exports : [];
    if (!logs.includes(REQUIRED_LOG)) return fail(`the ${REQUIRED_LOG} log is not exported to CloudWatch (enabled_cloudwatch_logs_exports)`);
    const n = clusterInstances(ctx, r).length;
    if (n < 2) return fail(`${c.cluster_identifier} has ${n} instance(s): it needs a writer and at least one reader (an in-region failover target)`);
    return COMPLIANT;
  },
};
