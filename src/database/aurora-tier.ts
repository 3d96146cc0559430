import { Construct } from "constructs";
import { Fn } from "cdktf";
import { RdsCluster, type RdsClusterConfig } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { RdsGlobalCluster } from "@cdktf/provider-aws/lib/rds-global-cluster";
import type { RegionRole } from "../config";
import { AURORA_ENGINE, auroraClusterIdentifier, auroraInstanceCount, auroraInstanceIdentifier } from "./aurora-contract";
import { AuroraOfferingCheck } from "./aurora-offering";
import { allowDatabaseClient, databaseSecurityGroup, databaseSubnetGroup, enhancedMonitoringRole, POSTGRES_TLS_AND_LOGGING, type DatabaseSettings } from "./database-tier";

export interface AuroraGlobalTierProps {
  /** Regional name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  readonly partition: string;
  /** The stack's region and its role (the plan-time offering check names regions.<role>.region). */
  readonly region: string;
  readonly role: RegionRole;
  readonly vpcId: string;
  readonly dataSubnetIds: readonly string[];
  /** This region's KMS key: the cluster's storage and Performance Insights. */
  readonly kmsKeyArn: string;
  readonly settings: DatabaseSettings;
  /** Part of the identifiers; bumped when the region's cluster is rebuilt. */
  readonly generation: number;
  /** The global cluster identifier (src/database/aurora-contract.ts globalClusterIdentifier). */
  readonly globalClusterIdentifier: string;
  /**
   * Declare the global cluster in this stack (the credentials home's stack
   * only: one owner). The other region's cluster names it by identifier.
   */
  readonly ownsGlobalCluster: boolean;
  /**
   * The master credentials this cluster declares
   * (src/database/aurora-contract.ts auroraPasswordDelivery), from the
   * project's replicated secret: Aurora's own Secrets Manager management of
   * the password is not supported for "DB clusters that are part of an
   * Aurora global database" (Aurora User Guide, "Password management with
   * Amazon Aurora and AWS Secrets Manager", Limitations). The born primary:
   * master user, database name and the write-only password; a later
   * generation of the credentials home's cluster in "normal": the password
   * alone (a rotation's delivery); absent for a cluster that joins as a
   * secondary.
   * @default - none
   */
  readonly masterCredentials?: AuroraMasterCredentials;
}

/** A member cluster's master credentials (AuroraGlobalTierProps.masterCredentials). */
export interface AuroraMasterCredentials {
  /** Master user and database name: the born primary only (creation settings). */
  readonly username?: string;
  readonly dbName?: string;
  /** Expression of the password read back from the secret version (write-only). */
  readonly passwordExpression: string;
  readonly passwordVersion: number;
  /** The version does not move (drState not "normal": the writer is the other region's). */
  readonly held?: boolean;
}

/**
 * Explicit operation timeouts (hashicorp/aws 5.100.0 defaults: aws_rds_cluster
 * create/update/delete 120m; aws_rds_cluster_instance 90m, provider docs
 * "Timeouts"). A secondary member is seeded from the primary's storage
 * across regions, so its creation grows with the data; chosen, not
 * measured.
 */
export const AURORA_CLUSTER_TIMEOUTS = { create: "240m", update: "120m", delete: "120m" } as const;
export const AURORA_INSTANCE_TIMEOUTS = { create: "120m", update: "90m", delete: "90m" } as const;

/**
 * What AWS changes on a member cluster and Terraform must not fight:
 * - replication_source_identifier: set by Aurora on a secondary member
 *   (provider docs, rds_cluster "replication_source_identifier": "If DB
 *   Cluster is part of a Global Cluster, use the lifecycle configuration
 *   block ignore_changes argument to prevent Terraform from showing
 *   differences for this argument").
 * - engine_version: the global cluster owns the version; an upgrade of it
 *   upgrades every member (provider docs, rds_global_cluster "Upgrading
 *   Engine Versions", whose example ignores engine_version on the members).
 */
const MEMBER_IGNORED = ["replication_source_identifier", "engine_version"];
/**
 * The born primary's creation-only settings (ForceNew in the provider):
 * after a switchover or failover the cluster is a secondary member, and what
 * DescribeDBClusters reports for them then is not something this project can
 * check here; ignoring them keeps a role change from ever planning a
 * replacement of the cluster that holds the data. The password stays
 * managed (master_password_wo_version).
 */
const BORN_PRIMARY_IGNORED = ["master_username", "database_name"];

/**
 * The member cluster's ignore list: MEMBER_IGNORED, the born primary's
 * creation settings, and, outside drState "normal", the password version:
 * the writer is then the other region's cluster, and a rotation waits for
 * "normal" (src/database/topology.ts PASSWORD_ROTATION_STATE; the secret
 * version is held the same way).
 */
function memberIgnored(creds: AuroraMasterCredentials | undefined): string[] {
  return [...MEMBER_IGNORED, ...(creds?.username !== undefined ? BORN_PRIMARY_IGNORED : []), ...(creds?.held ? ["master_password_wo_version"] : [])];
}

/** The reader endpoint's label in an Aurora endpoint name (Aurora User Guide, "Reader endpoints for Amazon Aurora": `mydbcluster.cluster-ro-c7tj4example.us-east-1.rds.amazonaws.com`). */
export const AURORA_READER_LABEL = ".cluster-ro-";
/** The cluster (writer) endpoint's label (Aurora User Guide, "Cluster endpoints for Amazon Aurora": `mydbcluster.cluster-c7tj4example.us-east-1.rds.amazonaws.com`). */
export const AURORA_CLUSTER_LABEL = ".cluster-";

/**
 * A member cluster's cluster (writer) endpoint, as a Terraform expression
 * derived from its reader endpoint, so that it is the same in every DR state.
 *
 * Not the provider's `endpoint` attribute: the provider sets it from
 * DescribeDBClusters `Endpoint` (hashicorp/aws internal/service/rds/cluster.go
 * resourceClusterRead, `d.Set(names.AttrEndpoint, dbc.Endpoint)`; the
 * version stored here, not necessarily v5.100.0), which for a secondary
 * member of a global database is not returned ("if the cluster is secondary
 * in a global database cluster, it'll only have a ReaderEndpoint, even though
 * the cluster technically has a (nonfunctional) writer endpoint",
 * hashicorp/terraform-provider-aws#14219). Reading it would make the web
 * tier's user data, and so the launch template, change at the first refresh
 * after a switchover: a fleet roll on the recovery path.
 *
 * Both built-in endpoints of a cluster are `<cluster id>.cluster[-ro]-<id>.
 * <region>.rds.amazonaws.com` (the two pages above), where the identifier
 * "is a unique identifier associated with your AWS account in a particular
 * AWS Region" (Aurora User Guide, "Considerations for custom endpoints in
 * Amazon Aurora", about the same identifier in `cluster-custom-`). The
 * reader endpoint exists on every member and "isn't affected after a global
 * database failover" (AWS Database Blog, "Automate Amazon Aurora Global
 * Database endpoint management"). The cluster's postcondition checks the
 * shape on every plan.
 */
export function auroraClusterEndpoint(readerEndpoint: string): string {
  return Fn.replace(readerEndpoint, AURORA_READER_LABEL, AURORA_CLUSTER_LABEL);
}

/**
 * One region's member of the Aurora Global Database: a provisioned
 * aurora-postgresql cluster joined to the global cluster, encrypted with
 * this region's key, with 1 + readersPerRegion instances (Aurora picks the
 * writer among them in the primary region; in-region failover is Aurora's
 * own, to an instance in another AZ). The global cluster's membership and
 * roles are changed by AWS (switchover, failover) and change nothing here.
 */
export class AuroraGlobalTier extends Construct {
  readonly cluster: RdsCluster;
  readonly instances: RdsClusterInstance[];
  readonly globalCluster?: RdsGlobalCluster;
  readonly securityGroupId: string;
  /**
   * The host the web tier writes through: this cluster's own cluster (writer)
   * endpoint, in every DR state (auroraClusterEndpoint). It resolves to the
   * writer while the cluster is the global primary and has no DNS name while
   * it is a secondary member; the app tells the two apart at run time
   * (webapp/drweb/db.py Database.role), so a switchover or failover needs no
   * deploy. Never the other region's endpoint nor the global writer endpoint:
   * a region writes only to its own cluster (docs/aurora.md "Endpoints the app uses").
   */
  readonly appWriterHost: string;
  /** The host the web tier reads through: the cluster's reader endpoint. */
  readonly appReaderHost: string;

  constructor(scope: Construct, id: string, props: AuroraGlobalTierProps) {
    super(scope, id);
    const s = props.settings;
    const major = s.engineVersion.split(".")[0];
    const sg = databaseSecurityGroup(this, props.namePrefix, props.vpcId);
    this.securityGroupId = sg.id;
    const subnets = databaseSubnetGroup(this, props.namePrefix, props.dataSubnetIds);
    const params = new RdsClusterParameterGroup(this, "ClusterParameters", {
      name: `${props.namePrefix}-aurora-postgresql${major}`,
      family: `aurora-postgresql${major}`,
      description: "drweb Aurora PostgreSQL: TLS required, slow queries and connections logged",
      parameter: [
        ...POSTGRES_TLS_AND_LOGGING,
        ...(s.writeForwarding === "off" ? [] : [{ name: "apg_write_forward.consistency_mode", value: s.writeForwarding.toUpperCase() }]),
      ],
    });
    const monitoringRoleArn = enhancedMonitoringRole(this, props.namePrefix, props.partition, s.monitoringIntervalSeconds);
    // Plan-time: this region offers the version and the class, both with
    // Global Database support (src/database/aurora-offering.ts). Nothing of
    // the database is planned, let alone created, unless both pass.
    const offered = new AuroraOfferingCheck(this, "Offering", { region: props.region, role: props.role, engineVersion: s.engineVersion, instanceClass: s.instanceClass }).checks;

    if (props.ownsGlobalCluster) {
      // Created empty and encrypted; the born primary joins it and brings
      // the data (CreateGlobalCluster without SourceDBClusterIdentifier,
      // then CreateDBCluster with GlobalClusterIdentifier: Aurora User
      // Guide, "Creating an Amazon Aurora global database").
      this.globalCluster = new RdsGlobalCluster(this, "GlobalCluster", {
        globalClusterIdentifier: props.globalClusterIdentifier,
        engine: AURORA_ENGINE,
        engineVersion: s.engineVersion,
        storageEncrypted: true,
        deletionProtection: true,
        dependsOn: offered,
      });
    }

    const clusterId = auroraClusterIdentifier(props.namePrefix, props.generation);
    const creds = props.masterCredentials;
    const clusterConfig: RdsClusterConfig = {
      clusterIdentifier: clusterId,
      engine: AURORA_ENGINE,
      engineVersion: s.engineVersion,
      // A reference in the owner's stack orders the create; the other region names it.
      globalClusterIdentifier: this.globalCluster ? this.globalCluster.id : props.globalClusterIdentifier,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      dbClusterParameterGroupName: params.name,
      // A secondary member of an encrypted global database must name a key
      // of its own region (CreateDBCluster KmsKeyId: "in a different AWS
      // Region ... you must set KmsKeyId to a KMS key identifier that is
      // valid in the destination AWS Region").
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      backupRetentionPeriod: s.backupRetentionDays,
      preferredBackupWindow: "03:00-04:00",
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      deletionProtection: true,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${clusterId}-final`,
      enabledCloudwatchLogsExports: ["postgresql"],
      timeouts: AURORA_CLUSTER_TIMEOUTS,
      // Global write forwarding (database.writeForwarding): set on every
      // member, since roles swap; it takes effect on whichever is secondary
      // (Aurora User Guide, "Using write forwarding in an Aurora PostgreSQL
      // global database": 16 and later in all minor versions, 15.4+, 14.9+;
      // enabling it causes no downtime or reboot). The web app does not use
      // it: it writes only where its region is primary.
      ...(s.writeForwarding === "off" ? {} : { enableGlobalWriteForwarding: true }),
      ...(creds?.username !== undefined ? { masterUsername: creds.username, databaseName: creds.dbName } : {}),
      ...(creds
        ? {
            masterPasswordWo: creds.passwordExpression,
            masterPasswordWoVersion: creds.passwordVersion,
            // A new master password waits for the maintenance window unless
            // applied immediately: "Changing the master password in the AWS
            // Management Console is always applied immediately. However,
            // when you use the AWS CLI or RDS API, you can choose whether to
            // apply this change immediately or during the next scheduled
            // maintenance window" (Aurora User Guide, "Modifying an Amazon
            // Aurora DB cluster", note; read here in its docs.amazonaws.cn
            // edition, the English page as stored was cut before the note),
            // and hashicorp/aws sends ApplyImmediately =
            // d.Get("apply_immediately") (false when unset) with the
            // password (internal/service/rds/cluster.go,
            // resourceClusterUpdate). The secret holds the new password at
            // once, so the cluster must too. Every other modification a
            // deploy of this cluster makes is then applied at once as well,
            // which is what a deploy means here.
            applyImmediately: true,
          }
        : {}),
      lifecycle: {
        ignoreChanges: memberIgnored(creds),
        postcondition: [
          {
            // The web tier's writer host is derived from this name (auroraClusterEndpoint).
            condition: `\${strcontains(self.reader_endpoint, ${JSON.stringify(AURORA_READER_LABEL)})}`,
            errorMessage: `The reader endpoint of ${clusterId} (\${self.reader_endpoint}) does not have the documented shape <cluster>${AURORA_READER_LABEL}<id>.<region>.rds.amazonaws.com, from which the web tier's writer host (the cluster endpoint, <cluster>${AURORA_CLUSTER_LABEL}<id>...) is derived. Fix: compare with 'aws rds describe-db-cluster-endpoints --region ${props.region} --db-cluster-identifier ${clusterId}' and adapt auroraClusterEndpoint in src/database/aurora-tier.ts`,
          },
        ],
      },
      dependsOn: offered,
    };
    this.cluster = new RdsCluster(this, "Cluster", clusterConfig);

    this.instances = Array.from({ length: auroraInstanceCount(s) }, (_, i) => {
      return new RdsClusterInstance(this, `Instance${i}`, {
        identifier: auroraInstanceIdentifier(props.namePrefix, props.generation, i),
        clusterIdentifier: this.cluster.clusterIdentifier,
        engine: AURORA_ENGINE,
        instanceClass: s.instanceClass,
        dbSubnetGroupName: subnets.name,
        publiclyAccessible: false,
        // Same CA as the RDS mode: the app's bundle holds its roots (src/web/rds-ca.ts).
        caCertIdentifier: "rds-ca-rsa2048-g1",
        // Minor versions move with the global cluster's engine_version.
        autoMinorVersionUpgrade: false,
        // Every instance may become the writer (in-region failover picks by tier).
        promotionTier: i,
        copyTagsToSnapshot: true,
        performanceInsightsEnabled: s.performanceInsights,
        performanceInsightsKmsKeyId: s.performanceInsights ? props.kmsKeyArn : undefined,
        performanceInsightsRetentionPeriod: s.performanceInsights ? 7 : undefined,
        monitoringInterval: s.monitoringIntervalSeconds,
        monitoringRoleArn,
        timeouts: AURORA_INSTANCE_TIMEOUTS,
        dependsOn: offered,
      });
    });

    this.appReaderHost = this.cluster.readerEndpoint;
    this.appWriterHost = auroraClusterEndpoint(this.cluster.readerEndpoint);
  }

  /** Admits a client security group on 5432 (the only ingress the database has). */
  allowClient(id: string, securityGroupId: string, description: string): void {
    allowDatabaseClient(this, id, this.securityGroupId, securityGroupId, description);
  }
}
