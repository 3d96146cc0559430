import { Construct } from "constructs";
import type { ValidConfig } from "../config";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { WriterMode } from "./topology";

/** Database settings: the `database` section of the config. */
export type DatabaseSettings = Readonly<ValidConfig["database"]>;

export interface DatabaseTierProps {
  /** Name prefix, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  /** AWS partition. */
  readonly partition: string;
  /** VPC and its private-data subnets. */
  readonly vpcId: string;
  readonly dataSubnetIds: readonly string[];
  /** This region's KMS key (storage and Performance Insights). */
  readonly kmsKeyArn: string;
  /** Settings from config. */
  readonly settings: DatabaseSettings;
  /** How the Writer is declared in the current DR state. */
  readonly writerMode: WriterMode;
  /** Part of the identifiers; bumped when the region is rebuilt as a replica. */
  readonly generation: number;
  /**
   * ARN of the other region's Writer, for writerMode "replica".
   * @default - none (required for "replica")
   */
  readonly sourceArn?: string;
  /**
   * The master password (write-only, ephemeral): required for writerMode
   * "source"; for "promoted", the rotation's delivery to the writer that a
   * failback left (src/database/topology.ts rdsPasswordDelivery). `held`:
   * the version does not move (drState not "normal").
   * @default - none (required for "source"; a promoted Writer then carries no password)
   */
  readonly masterPassword?: { readonly expression: string; readonly version: number; readonly held?: boolean };
}

/**
 * PostgreSQL writer-or-promotable instance plus in-region readers. The
 * Writer is Multi-AZ in every mode (AWS-native automatic failover inside
 * the region, and a promoted replica that is already highly available), has
 * backups on (a replication source, and a replica ready to become one), and
 * is encrypted with this region's key (a cross-region replica included).
 */
export class DatabaseTier extends Construct {
  /** The Writer (or promotable replica). */
  readonly writer: DbInstance;
  /** In-region readers, replicas of the Writer. */
  readonly readers: DbInstance[];
  /** The database security group. */
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: DatabaseTierProps) {
    super(scope, id);
    const s = props.settings;
    const major = s.engineVersion.split(".")[0];

    const sg = databaseSecurityGroup(this, props.namePrefix, props.vpcId);
    this.securityGroupId = sg.id;
    const subnets = databaseSubnetGroup(this, props.namePrefix, props.dataSubnetIds);
    const params = new DbParameterGroup(this, "Parameters", {
      name: `${props.namePrefix}-postgres${major}`,
      family: `postgres${major}`,
      description: "drweb PostgreSQL: TLS required, slow queries and connections logged",
      parameter: [
        ...POSTGRES_TLS_AND_LOGGING,
        // Replicas answer long reads without cancelling them immediately.
        { name: "max_standby_streaming_delay", value: "30000" },
      ],
    });

    const monitoringRoleArn = enhancedMonitoringRole(this, props.namePrefix, props.partition, s.monitoringIntervalSeconds);

    const identifier = (name: string) => dbIdentifier(props.namePrefix, props.generation, name);
    /** What every instance shares, whatever its role. */
    const common = (name: string): DbInstanceConfig => ({
      identifier: identifier(name),
      instanceClass: s.instanceClass,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      maxAllocatedStorage: s.maxAllocatedStorageGb,
      vpcSecurityGroupIds: [sg.id],
      parameterGroupName: params.name,
      publiclyAccessible: false,
      deletionProtection: true,
      copyTagsToSnapshot: true,
      timeouts: DB_INSTANCE_TIMEOUTS,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: "rds-ca-rsa2048-g1",
      performanceInsightsEnabled: s.performanceInsights,
      performanceInsightsKmsKeyId: s.performanceInsights ? props.kmsKeyArn : undefined,
      performanceInsightsRetentionPeriod: s.performanceInsights ? 7 : undefined,
      monitoringInterval: s.monitoringIntervalSeconds,
      monitoringRoleArn,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    });

    const writerConfig: DbInstanceConfig = {
      ...common("writer"),
      ...finalSnapshot(props.writerMode === "replica" ? "replica" : "standalone", identifier("writer")),
      multiAz: true,
      backupRetentionPeriod: s.backupRetentionDays,
      backupWindow: "03:00-04:00",
      maintenanceWindow: "sun:05:00-sun:06:00",
      ...writerModeConfig(props, subnets.name, s),
      // Outside drState "normal" a bump of masterPasswordVersion must reach
      // neither the secret nor this instance (src/database/topology.ts
      // PASSWORD_ROTATION_STATE): the old source in failedOver is the
      // diverged, isolated writer, whose password must stay unknown.
      ...(props.masterPassword?.held ? { lifecycle: { ignoreChanges: ["password_wo_version"] } } : {}),
    };
    this.writer = new DbInstance(this, generationId("Writer", props.generation), writerConfig);

    this.readers = Array.from({ length: s.readersPerRegion }, (_, i) => {
      const name = readerMember(i);
      return new DbInstance(this, generationId(`Reader${i}`, props.generation), {
        ...sameRegionReplica(common(name)),
        ...finalSnapshot("replica", identifier(name)),
        // Same region: the source is named by identifier.
        replicateSourceDb: this.writer.identifier,
        multiAz: false,
        backupRetentionPeriod: 0,
      });
    });
  }

  /** Admits a client security group on 5432 (the only ingress the database has). */
  allowClient(id: string, securityGroupId: string, description: string): void {
    allowDatabaseClient(this, id, this.securityGroupId, securityGroupId, description);
  }
}

/**
 * An in-region read replica's declaration: the shared one without
 * `kms_key_id`. RDS encrypts a read replica in its source's region with the
 * source's key and refuses the parameter for it: CreateDBInstanceReadReplica,
 * KmsKeyId: "If you create an encrypted read replica in the same AWS Region
 * as the source DB instance or Multi-AZ DB cluster, don't specify a value for
 * this parameter. A read replica in the same AWS Region is always encrypted
 * with the same KMS key as the source DB instance or cluster"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html;
 * a field report quotes "InvalidParameterCombination: Your request does not
 * require the KMS key parameter", issue 23). hashicorp/aws sends kms_key_id
 * to that call whenever it is set (internal/service/rds/instance.go,
 * resourceInstanceCreate, replicate_source_db branch, as read in the stored
 * provider source: `if v, ok := d.GetOk("kms_key_id"); ok { input.KmsKeyId =
 * ... }`), so it must be absent.
 * Readers deployed with it keep working: kms_key_id is optional and
 * computed (`terraform providers schema -json` of the pinned 5.100.0 binary)
 * and ForceNew (instance.go schema, "kms_key_id": Optional, Computed,
 * ForceNew, as read in the stored provider source; the v5.100.0 tree itself
 * was too large to fetch here), so an unset argument keeps the value in
 * state (the source's key, which RDS reports) and plans no change, let
 * alone a replacement: `npm run plan:offline -- --only
 * readers-kms-key-inherited` plans exactly that with the real provider.
 * The cross-region Writer keeps its own region's key (required there), and
 * the policy rule rds-replica-inherits-key refuses the argument on any
 * same-region replica.
 */
export function sameRegionReplica(config: DbInstanceConfig): DbInstanceConfig {
  const { kmsKeyId: _inherited, ...rest } = config;
  return rest;
}

/** Parameters of both engines' parameter groups: TLS required, connections and slow queries (over 1 s) logged. */
export const POSTGRES_TLS_AND_LOGGING = [
  { name: "rds.force_ssl", value: "1" },
  { name: "log_connections", value: "1" },
  { name: "log_disconnections", value: "1" },
  { name: "log_min_duration_statement", value: "1000" },
] as const;

/** The database's security group: no rule but the clients admitted by allowDatabaseClient. */
export function databaseSecurityGroup(scope: Construct, namePrefix: string, vpcId: string): SecurityGroup {
  return new SecurityGroup(scope, "SecurityGroup", {
    name: `${namePrefix}-db`,
    description: "PostgreSQL: port 5432 from the web tier only",
    vpcId,
    tags: { Name: `${namePrefix}-db` },
  });
}

/** The subnet group: the private-data subnets of every AZ. */
export function databaseSubnetGroup(scope: Construct, namePrefix: string, dataSubnetIds: readonly string[]): DbSubnetGroup {
  return new DbSubnetGroup(scope, "SubnetGroup", {
    name: `${namePrefix}-db`,
    description: "Private-data subnets of every AZ",
    subnetIds: [...dataSubnetIds],
  });
}

/** The role RDS enhanced monitoring publishes with (none when the interval is 0): its ARN. */
export function enhancedMonitoringRole(scope: Construct, namePrefix: string, partition: string, intervalSeconds: number): string | undefined {
  if (intervalSeconds <= 0) return undefined;
  const trust = new DataAwsIamPolicyDocument(scope, "MonitoringTrust", {
    statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["monitoring.rds.amazonaws.com"] }] }],
  });
  const role = new IamRole(scope, "MonitoringRole", {
    name: `${namePrefix}-rds-monitoring`,
    description: "RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
    assumeRolePolicy: trust.json,
  });
  new IamRolePolicyAttachment(scope, "MonitoringPolicy", {
    role: role.name,
    policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
  });
  return role.arn;
}

/** Admits a client security group on 5432 (the only ingress the database has). */
export function allowDatabaseClient(scope: Construct, id: string, databaseSecurityGroupId: string, clientSecurityGroupId: string, description: string): void {
  new VpcSecurityGroupIngressRule(scope, id, {
    securityGroupId: databaseSecurityGroupId,
    description,
    ipProtocol: "tcp",
    fromPort: 5432,
    toPort: 5432,
    referencedSecurityGroupId: clientSecurityGroupId,
  });
}

/**
 * Explicit operation timeouts of every database instance. hashicorp/aws
 * 5.100.0's aws_db_instance defaults are create 40m, update 80m, delete 60m
 * (provider docs, website/docs/r/db_instance.html.markdown "Timeouts";
 * @cdktf/provider-aws lib/db-instance DbInstanceTimeouts). A cross-region
 * Multi-AZ read replica is seeded from a snapshot of the source that RDS
 * copies to the other region (RDS User Guide, "Creating a read replica in a
 * different AWS Region"), so its creation time grows with the data, and a
 * timed-out create leaves a tainted instance that the next apply destroys
 * and starts again (reasoned from the provider's behaviour, not measured). Promotion, storage scaling and a
 * final snapshot on delete take long too, so every operation gets headroom.
 */
export const DB_INSTANCE_TIMEOUTS = { create: "180m", update: "120m", delete: "90m" } as const;

/**
 * Final-snapshot settings of an instance by what it is now. RDS refuses a
 * final snapshot of a read replica: DeleteDBInstance, SkipFinalSnapshot: "If
 * you delete a read replica ..., you must enable this setting", and
 * FinalDBSnapshotIdentifier "Can't be specified when deleting a read replica"
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html;
 * hashicorp/terraform-provider-aws#4276). So a replica (every in-region
 * reader, and a cross-region Writer until it is promoted) is destroyed
 * without one: it holds no data of its own, its source keeps backups. A
 * standalone writer (a source, or a promoted replica) keeps its final
 * snapshot. Terraform destroys with the values in STATE, not config: the
 * value must have been applied by an earlier deploy before the apply that
 * destroys the instance (docs/failover-runbook.md; `npm run plan:offline` checks it).
 */
export function finalSnapshot(kind: "replica" | "standalone", identifier: string): Pick<DbInstanceConfig, "skipFinalSnapshot" | "finalSnapshotIdentifier"> {
  return kind === "replica" ? { skipFinalSnapshot: true } : { skipFinalSnapshot: false, finalSnapshotIdentifier: `${identifier}-final` };
}

/** Member name of the i-th (0-based) in-region reader: reader1, reader2, ... */
export function readerMember(index: number): string {
  return `reader${index + 1}`;
}

/**
 * Construct id of a database instance of one generation: "Writer",
 * "Reader0" for generation 1, "WriterG2", "Reader0G2" for generation 2, ...
 * A new generation is a rebuilt instance, so it must be a new Terraform
 * resource (a new address): Terraform then destroys the old instances and
 * creates the new ones. Under the same address the bump would be an
 * in-place update: `identifier` is updatable (ModifyDBInstance
 * NewDBInstanceIdentifier), so the diverged old writer would only be renamed,
 * and a changed `replicate_source_db` is refused on apply ("cannot elect new
 * source database for replication": hashicorp/terraform-provider-aws
 * v5.100.0, internal/service/rds/instance.go, resourceInstanceUpdate).
 * Generation 1 keeps the plain ids, so existing deployments keep their
 * state addresses. `npm run plan:offline` checks the rebuild with the real
 * provider (docs/offline-plan.md "Offline plan").
 */
export function generationId(member: string, generation: number): string {
  return generation === 1 ? member : `${member}G${generation}`;
}

/**
 * Identifier of a database instance, e.g. drweb-prod-use2-db-g1-writer.
 * Deterministic from config, so the other region can name this one's ARN
 * without reading this stack's state (which may be unreachable in an outage).
 */
export function dbIdentifier(regionalPrefix: string, generation: number, member: string): string {
  return `${regionalPrefix}-db-g${generation}-${member}`;
}

/** The Writer's declaration that depends on its mode (see topology.ts). */
function writerModeConfig(props: DatabaseTierProps, subnetGroupName: string, s: DatabaseSettings): Partial<DbInstanceConfig> {
  switch (props.writerMode) {
    case "source":
      if (!props.masterPassword) throw new Error("DatabaseTier: a source Writer needs masterPassword");
      return {
        engine: "postgres",
        engineVersion: s.engineVersion,
        allocatedStorage: s.allocatedStorageGb,
        dbName: s.dbName,
        username: s.masterUsername,
        passwordWo: props.masterPassword.expression,
        passwordWoVersion: props.masterPassword.version,
        dbSubnetGroupName: subnetGroupName,
      };
    case "replica":
      if (!props.sourceArn) throw new Error("DatabaseTier: a replica Writer needs sourceArn");
      // Cross-region: the source is named by ARN; the subnet group and the
      // key must be this region's.
      return { replicateSourceDb: props.sourceArn, dbSubnetGroupName: subnetGroupName };
    case "promoted":
      // Exactly the replica's declaration without its source: what a real
      // promotion changes, and nothing else; plus, in the credentials home,
      // the master password, so that a rotation after a failback reaches the
      // writer (issue 23: the secret would otherwise hold a password no
      // database has). Not ForceNew: password_wo_version null -> N is an
      // in-place update, ModifyDBInstance MasterUserPassword with the
      // password the secret holds (hashicorp/aws
      // internal/service/rds/instance.go, dbInstancePopulateModify: `if
      // d.HasChange("password_wo_version") { ... input.MasterUserPassword =
      // aws.String(passwordWO) }`, quoted from the main branch in
      // hashicorp/terraform-provider-aws#47904; password_wo came with #41366,
      // February 2025, before 5.100.0; an unset -> 1 change re-sends
      // the same password, terraform-aws-modules/terraform-aws-rds#626). The
      // first deploy after the switch back therefore sets the password the
      // instance already has (it replicated it from its source): harmless.
      // RDS applies it "asynchronously ... as soon as possible"
      // (ModifyDBInstance, MasterUserPassword) and regardless of
      // ApplyImmediately ("This change ignores the Apply immediately
      // setting", AWS re:Post knowledge center, reset-master-user-password-rds).
      return {
        dbSubnetGroupName: subnetGroupName,
        ...(props.masterPassword ? { passwordWo: props.masterPassword.expression, passwordWoVersion: props.masterPassword.version } : {}),
      };
  }
}
