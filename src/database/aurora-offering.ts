import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { DataAwsRdsEngineVersion } from "@cdktf/provider-aws/lib/data-aws-rds-engine-version";
import { DataAwsRdsOrderableDbInstance } from "@cdktf/provider-aws/lib/data-aws-rds-orderable-db-instance";
import { AURORA_GLOBAL_CLASS_FAMILIES } from "../config/sections/database";
import type { RegionRole } from "../config/sections/network";
import { AURORA_ENGINE } from "./aurora-contract";

export interface AuroraOfferingCheckProps {
  /** The region the stack deploys to. */
  readonly region: string;
  /** Its role (the config field regions.<role>.region names it). */
  readonly role: RegionRole;
  /** database.engineVersion (major.minor). */
  readonly engineVersion: string;
  /** database.instanceClass. */
  readonly instanceClass: string;
}

/**
 * Classes the instance-class lookup falls back to when the configured one is
 * not offered: the large size of every family Aurora Global Database runs on
 * (src/config/sections/database.ts), then the burstable ones every Aurora PostgreSQL
 * version lists. They are never deployed: they only give the provider a row
 * to return, so the postcondition (not the provider's own error) reports the
 * configured class with its config field.
 */
export const FALLBACK_CLASSES: readonly string[] = [...AURORA_GLOBAL_CLASS_FAMILIES.map((f) => `db.${f}.large`), "db.t4g.medium", "db.t3.medium"];

/**
 * A plan-time check that this region offers what the Aurora mode's config
 * asks for: the engine version, with Aurora Global Database support, and the
 * instance class for that version, with Global Database support. Without it
 * a region that lacks either is found by CreateGlobalCluster, CreateDBCluster
 * or CreateDBInstance halfway through an apply (the other region's
 * resources, and this region's network and fleet, already created).
 *
 * How the provider answers (hashicorp/aws 5.100.0; the error strings below
 * are in the provider binary of the offline mirror, and the source is
 * internal/service/rds/engine_version_data_source.go and
 * orderable_instance_data_source.go):
 * - aws_rds_engine_version with `version` set sends it as
 *   DescribeDBEngineVersions EngineVersion and fails with its own "no RDS
 *   engine versions found" when the region has no such version, which names
 *   no config field. So the lookup names it first in `preferred_versions`,
 *   followed by the region's default version (a second lookup with
 *   `default_only`): "preferred versions" keeps the listed order and returns
 *   the first one found, so the answer is the configured version when the
 *   region has it, else the default, and the postcondition reports the
 *   missing version with its config field.
 * - aws_rds_orderable_db_instance likewise fails with its own "no RDS
 *   Orderable DB Instance Options found matching criteria" when
 *   `instance_class` matches nothing; with `preferred_instance_classes` it
 *   returns the first listed class that has a row ("if we have a match, we
 *   can stop searching"), so the configured class comes first and
 *   FALLBACK_CLASSES after it. Only if none of them is offered does the
 *   provider's own "no RDS Orderable DB Instance Options found matching
 *   preferred_instance_classes: [...]" (which lists the configured class
 *   first) stop the plan.
 * - supports_global_databases is not given as a filter (a filter would drop
 *   the configured class's row and return a fallback): it is read from the
 *   answer, so "not offered" and "offered, but not for Global Database" get
 *   their own messages.
 *
 * The cluster, its instances and the global cluster depend on `checks`; the
 * instance-class lookup reads the engine-version lookup's answer, so it runs
 * only once the version passed. AWS APIs: DescribeDBEngineVersions
 * (SupportsGlobalDatabases: "Indicates whether you can use Aurora global
 * databases with a specific DB engine version") and
 * DescribeOrderableDBInstanceOptions (SupportsGlobalDatabases: "Indicates
 * whether you can use Aurora global databases with a specific combination of
 * other DB engine attributes"), RDS API Reference, DBEngineVersion and
 * OrderableDBInstanceOption.
 */
export class AuroraOfferingCheck extends Construct {
  /** The lookups whose postconditions must pass before anything of the database is planned. */
  readonly checks: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: AuroraOfferingCheckProps) {
    super(scope, id);
    const v = props.engineVersion;
    const cls = props.instanceClass;
    const where = `${props.region} (regions.${props.role}.region)`;
    const listVersions = `aws rds describe-db-engine-versions --engine ${AURORA_ENGINE} --region ${props.region} --query "DBEngineVersions[?SupportsGlobalDatabases].EngineVersion"`;
    const listClasses = `aws rds describe-orderable-db-instance-options --engine ${AURORA_ENGINE} --engine-version ${v} --region ${props.region} --query "OrderableDBInstanceOptions[?SupportsGlobalDatabases].DBInstanceClass"`;

    // The region's default version (one row; `latest` picks one should the
    // API list several, instead of the provider's "multiple RDS engine
    // versions" error).
    const regionDefault = new DataAwsRdsEngineVersion(this, "RegionDefaultVersion", { engine: AURORA_ENGINE, defaultOnly: true, latest: true });
    const version = new DataAwsRdsEngineVersion(this, "EngineVersion", {
      engine: AURORA_ENGINE,
      preferredVersions: [v, regionDefault.version],
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.version == ${JSON.stringify(v)}}`,
            errorMessage: `database.engineVersion: Aurora PostgreSQL ${v} is not offered in ${where} (DescribeDBEngineVersions lists no such version there; its default is \${self.version}). Fix: set database.engineVersion to a version both regions offer with Global Database support, listed by: ${listVersions}`,
          },
          {
            condition: `\${self.version != ${JSON.stringify(v)} || self.supports_global_databases}`,
            errorMessage: `database.engineVersion: Aurora PostgreSQL ${v} in ${where} does not support Aurora Global Database (DescribeDBEngineVersions SupportsGlobalDatabases is false), so this region's cluster could not be a member of the global cluster. Fix: set database.engineVersion to a version both regions offer with Global Database support, listed by: ${listVersions}`,
          },
        ],
      },
    });

    const instanceClass = new DataAwsRdsOrderableDbInstance(this, "InstanceClass", {
      engine: AURORA_ENGINE,
      // The version just checked: this lookup waits for that check.
      engineVersion: version.version,
      preferredInstanceClasses: [cls, ...FALLBACK_CLASSES.filter((c) => c !== cls)],
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.instance_class == ${JSON.stringify(cls)}}`,
            errorMessage: `database.instanceClass: ${cls} is not offered for Aurora PostgreSQL ${v} in ${where} (DescribeOrderableDBInstanceOptions has no row for it; \${self.instance_class} is offered). Fix: set database.instanceClass to a class both regions offer for Aurora Global Database, listed by: ${listClasses}`,
          },
          {
            condition: `\${self.instance_class != ${JSON.stringify(cls)} || self.supports_global_databases}`,
            errorMessage: `database.instanceClass: ${cls} is offered for Aurora PostgreSQL ${v} in ${where}, but not for Aurora Global Database (DescribeOrderableDBInstanceOptions SupportsGlobalDatabases is false). Fix: set database.instanceClass to a class both regions offer for Aurora Global Database, listed by: ${listClasses}`,
          },
        ],
      },
    });
    this.checks = [version, instanceClass];
  }
}
