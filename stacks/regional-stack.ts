/**
 * RegionalStack: one region of the DR pair, built in named steps that follow
 * the architecture table (docs/architecture.md): keys, network, database,
 * backups, TLS, web tier, DNS handoff, EKS, monitoring hooks, DR pieces. What
 * the steps share is in region-context.ts, the outputs in regional-outputs.ts,
 * the peer-region outage in peer-region-outage.ts.
 *
 * Length (~585 lines): the steps stay private methods of the class (each
 * creates constructs in the stack's scope, in the order the synthesized
 * output has them), and most of the lines are the comments that cite the AWS
 * behaviour each step relies on.
 */
import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../src/config";
import { addRegionalOutputs } from "./regional-outputs";
import { peerRegionOutage, type PeerRegionOutage } from "./peer-region-outage";
import type { DbHosts, RegionContext, RegionDatabase } from "./region-context";
import { secretReadStatements } from "../src/database/app-access";
import { DbCredentials } from "../src/database/credentials";
import { DatabaseTier, dbIdentifier } from "../src/database/database-tier";
import { auroraPasswordDelivery, globalClusterIdentifier, isAurora } from "../src/database/aurora-contract";
import { AuroraGlobalTier, type AuroraMasterCredentials } from "../src/database/aurora-tier";
import { EndpointsParameter } from "../src/database/endpoints-parameter-resource";
import { ENDPOINTS_PARAMETER_ENV } from "../src/database/endpoints-parameter";
import { BackupReplica, backupReplicaParameter, backupReplicationSource } from "../src/database/backup-plan";
import { backupVaultArn, backupVaultName, DatabaseBackups, WRITING_REGION } from "../src/database/backup-vault";
import { isolatedCopySettings, vaultLockSettings } from "../src/config/backup-settings";
import { CREDENTIALS_HOME, PASSWORD_ROTATION_STATE, rdsPasswordDelivery, regionTopology } from "../src/database/topology";
import { AlbHandoff, readParameter } from "../src/dns/handoff";
import { RegionCertificate } from "../src/dns/certificate";
import { albHandoffParameters, certificateValidationParameter, handoffRegion } from "../src/dns/contract";
import { EksMonitoringCluster } from "../src/eks/cluster";
import { AlertTopic } from "../src/eks/alert-topic";
import { alertTopicName, clusterName, deployRunnerName, monitoringNodeZones, regionKeyAlias, roleMetricDeployment } from "../src/eks/contract";
import { DeployRunner } from "../src/eks/deploy-runner";
import { MonitoringRoles } from "../src/eks/monitoring-roles";
import { Naming } from "../src/lib/naming";
import { ReadinessChecker, readinessAlarmKeyStatements } from "../src/dr/readiness-checker";
import type { ReadinessPackage } from "../src/dr/readiness-bundle";
import { managedTags } from "../src/lib/tags";
import { Network } from "../src/network/network";
import { forgetWithoutDestroying } from "../src/lib/escape-hatches";
import { RegionKey } from "../src/security/region-key";
import { ReportBucket, reportBucketName } from "../src/dr/report-bucket";
import type { AppBundle } from "../src/web/app-bundle";
import { autoScalingKeyStatements } from "../src/web/fleet";
import { ROUTE53_HEALTH_CHECK_PORT } from "../src/lib/alb-ingress";
import { requireRdsRoot } from "../src/web/rds-ca";
import { roleMetricEnvironment, roleMetricPublishStatements } from "../src/web/role-metric-access";
import { RDS_CA_BUNDLE_PATH } from "../src/web/user-data";
import { WebTier } from "../src/web/web-tier";
import { configureBackend, requireTerraformVersion } from "./backend";

/**
 * Terraform address of the ACM validation record as the regional stacks
 * declared it before the dns-zone stack owned it (construct path
 * Certificate/ValidationRecord; a test checks cdktf still allocates this
 * address for that path).
 */
export const LEGACY_VALIDATION_RECORD = "aws_route53_record.Certificate_ValidationRecord_2C573972";

export interface RegionalStackProps {
  /** The validated configuration. */
  readonly config: ValidConfig;
  /** Which region of the DR pair this stack builds. */
  readonly role: RegionRole;
  /** The web app as shipped to the instances. */
  readonly appBundle: AppBundle;
  /**
   * The readiness checker's deployment package (src/dr/readiness-bundle.ts): given to the stack of the region the
   * checker runs in (the secondary) when runbook.readiness.enabled.
   * @default - no readiness checker in this stack
   */
  readonly readinessPackage?: ReadinessPackage;
}

/**
 * One region of the DR pair. `primary` and `secondary` are this class
 * instantiated twice; what differs between them comes from config.
 */
export class RegionalStack extends TerraformStack {
  /** The role this stack plays. */
  readonly role: RegionRole;
  /** AWS region. */
  readonly region: string;
  /** The region's customer-managed key. */
  readonly key: RegionKey;
  /** The region's run-report bucket (src/dr/report-bucket.ts). */
  readonly reportBucket: ReportBucket;
  /** The region's network. */
  readonly network: Network;
  /** The region's web tier (ALB + Auto Scaling group). */
  readonly web: WebTier;
  /** The region's database: RDS for PostgreSQL (writer-or-promotable instance + readers) or its Aurora Global Database member. */
  readonly database: DatabaseTier | AuroraGlobalTier;
  /** Aurora mode: the database endpoints parameter the region's fleet reads (src/database/endpoints-parameter.ts). */
  readonly endpointsParameter?: EndpointsParameter;
  /** The region's EKS cluster for Prometheus and Grafana. */
  readonly eks: EksMonitoringCluster;
  /** The Session Manager tunnel host to that cluster's API (eks.deployRunner.enabled). */
  readonly deployRunner?: DeployRunner;
  /** The other region's writer's automated backups replicated into this region (RDS mode; src/database/backup-plan.ts), if any in this DR state. */
  readonly backupReplica?: BackupReplica;
  /** AWS Backup vault (and, where the database writes, its plan): Aurora's cross-region copies and the isolated copies. */
  readonly backups?: DatabaseBackups;
  /** The deployed readiness checker (runbook.readiness; the secondary region's stack only). */
  readonly readinessChecker?: ReadinessChecker;
  /** The stack whose database this one replicates in the current DR state, if any. */
  readonly replicatesFrom?: RegionRole;
  /**
   * With the other region marked unreachable (regions.<peer>.unreachable):
   * what this stack keeps there, held as its state has it.
   */
  readonly peerRegionOutage?: PeerRegionOutage;

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id);
    const { config, role } = props;
    const rc = config.regions[role];
    this.role = role;
    this.region = rc.region;
    const naming = new Naming(config.project, config.environment, rc.region);

    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: role });
    const tags = managedTags(config, role);
    new AwsProvider(this, "Aws", { region: rc.region, defaultTags: [{ tags }] });
    // The other region of the pair, for what this stack keeps there (the
    // secret's replica key, the ALB handoff); created on first use.
    const peer = config.regions[REGION_ROLES.find((r) => r !== role)!];
    // The other region is down (an outage): nothing of this stack may read
    // or write there (docs/deploy-and-state.md "Deploying the primary while the secondary
    // region is down"). Only the secondary can be marked so (src/config/checks/network.ts, checkUnreachable).
    const peerUnreachable = peer.unreachable === true;
    let peerProvider: AwsProvider | undefined;
    const peerRegion = () =>
      (peerProvider ??= new AwsProvider(this, "AwsPeerRegion", {
        alias: "peer",
        region: peer.region,
        defaultTags: [{ tags }],
        // The provider's own STS calls when it is configured (credential
        // validation and the account id: GetCallerIdentity; a provider-level
        // assume_role) go to this stack's region instead of the unreachable
        // one: sts_region, "The region where AWS STS operations will take
        // place" (hashicorp/aws 5.100.0 provider schema, `terraform providers
        // schema -json`); hashicorp/aws-sdk-go-base clients.go stsClient sets
        // `opts.Region = c.StsRegion`, used by GetAwsConfig and
        // GetAwsAccountIDAndPartition (terraform-provider-aws
        // internal/conns/config.go, ConfigureProvider). Credentials the SDK
        // resolves through STS itself (a profile's role_arn) are not covered
        // (docs/deploy-and-state.md "Deploying the primary while the secondary region is down").
        ...(peerUnreachable ? { stsRegion: rc.region } : {}),
      }));
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    // TLS and the ALB handoff reach the handoff region through the peer provider unless it is this one.
    const handoffProvider = () => (rc.region === handoffRegion(config) ? undefined : peerRegion());
    const ctx: RegionContext = { config, role, rc, naming, tags, peer, peerUnreachable, peerRegion, handoffProvider, account, partition, secretName: `${naming.base}/db/master` };

    // The steps below follow the architecture table (docs/architecture.md), in the order their constructs are created.
    this.key = this.addRegionKey(ctx, props);
    // The region's run-report bucket (docs/dr-runbook.md, "Run reports"): the
    // runbook uploads each run's report to the region it activated.
    this.reportBucket = new ReportBucket(this, "RunReports", { bucketName: reportBucketName(config, role), kmsKeyArn: this.key.keyArn });
    this.network = this.addNetwork(ctx);
    const data = this.addDatabase(ctx);
    this.database = data.database;
    if (data.replicatesFrom) this.replicatesFrom = data.replicatesFrom;
    if (data.backupReplica) this.backupReplica = data.backupReplica;
    const backups = this.addBackups(ctx);
    if (backups) this.backups = backups;
    if (data.database instanceof AuroraGlobalTier) this.endpointsParameter = this.addEndpointsParameter(ctx, data.database);
    const certificateArn = this.addCertificate(ctx);
    this.web = this.addWebTier(ctx, props, data.dbHosts, certificateArn, this.endpointsParameter);
    if (config.dns.enabled) this.addAlbHandoff(ctx);
    this.eks = this.addEks(ctx);
    const deployRunner = this.addDeployRunner(ctx);
    if (deployRunner) this.deployRunner = deployRunner;
    const alerts = this.addMonitoringHooks(ctx);
    if (props.readinessPackage) this.readinessChecker = this.addReadinessChecker(ctx, props.readinessPackage, alerts);
    this.web.securityGroups.allowMetricsFrom("MetricsFromEks", this.eks.clusterSecurityGroupId, "Prometheus metrics from the monitoring cluster's pods and nodes");

    this.database.allowClient("PostgresFromWeb", this.web.securityGroups.webSecurityGroupId, "PostgreSQL from the web servers");

    // Everything this stack manages in the unreachable region is held as
    // the state has it (nothing is sent there); a read there is refused at
    // synth time (src/lib/peer-region.ts).
    if (peerUnreachable && peerProvider) this.peerRegionOutage = peerRegionOutage(this, ctx, peerProvider, data.credentials);

    addRegionalOutputs(this, { config, role, naming, topology: data.topology, secretName: ctx.secretName, credentials: data.credentials, alerts });
  }

  /** Keys: the region's customer-managed key (and who may use it besides the account). */
  private addRegionKey(ctx: RegionContext, props: RegionalStackProps): RegionKey {
    const { config, rc, naming, account, partition } = ctx;
    return new RegionKey(this, "RegionKey", {
      aliasName: regionKeyAlias(naming),
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      deletionWindowDays: config.kms.deletionWindowDays,
      additionalStatements: [
        ...autoScalingKeyStatements(account.accountId, partition.partition),
        ...isolatedCopyKeyStatements(isolatedCopySettings(config)?.accountId, partition.partition),
        // The readiness alarm publishes to the alert topic this key encrypts (src/dr/readiness-checker.ts).
        ...(props.readinessPackage ? readinessAlarmKeyStatements(account.accountId) : []),
      ],
    });

  }

  /** Network: the VPC, its subnet tiers, NAT and flow logs. */
  private addNetwork(ctx: RegionContext): Network {
    const { config, rc, naming, account, partition } = ctx;
    return new Network(this, "Network", {
      namePrefix: naming.regional,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      vpcCidr: rc.vpcCidr,
      availabilityZones: rc.availabilityZones,
      subnetNewBits: config.network.subnetNewBits,
      subnetSlotsPerTier: config.network.subnetSlotsPerTier,
      natGateways: config.network.natGateways,
      kmsKeyArn: this.key.keyArn,
      flowLogRetentionDays: config.network.flowLogs.retentionDays,
      flowLogTrafficType: config.network.flowLogs.trafficType,
    });
  }

  /** Database: what this region's Writer is in the current DR state (RDS for PostgreSQL or the Aurora Global Database member), and the credentials secret in its home region. */
  private addDatabase(ctx: RegionContext): RegionDatabase {
    const { config, role, rc, naming, peer, peerUnreachable, peerRegion, account, partition, secretName } = ctx;
    // --- Database: what this region's Writer is in the current DR state.
    const db = config.database;
    const generation = db.generations[role];
    const topology = regionTopology(db.drState, role, generation);
    let credentials: DbCredentials | undefined;
    if (role === CREDENTIALS_HOME) {
      // The credentials secret lives here and is replicated to the peer
      // region, encrypted there by a key this stack creates in that region
      // (the peer stack's own key would make the two stacks depend on each
      // other).
      const replicaKey = new RegionKey(this, "SecretReplicaKey", {
        aliasName: `${new Naming(config.project, config.environment, peer.region).regional}-secrets`,
        region: peer.region,
        accountId: account.accountId,
        partition: partition.partition,
        deletionWindowDays: config.kms.deletionWindowDays,
        provider: peerRegion(),
        description: `Encrypts the ${peer.region} replica of ${secretName}`,
      });
      credentials = new DbCredentials(this, "DbCredentials", {
        secretName,
        username: db.masterUsername,
        kmsKeyArn: this.key.keyArn,
        replicaRegion: peer.region,
        replicaKmsKeyArn: replicaKey.keyArn,
        passwordVersion: db.masterPasswordVersion,
        recoveryWindowDays: db.secretRecoveryWindowDays,
        replicaHeld: peerUnreachable,
        // Rotation only where the writer gets it (PASSWORD_ROTATION_STATE).
        holdPasswordVersion: db.drState !== PASSWORD_ROTATION_STATE,
      });
    }
    const replicatesFrom = topology.sourceRole;
    let database: DatabaseTier | AuroraGlobalTier;
    let backupReplica: BackupReplica | undefined;
    let dbHosts: { readonly writer: string; readonly reader: string };
    /** What either database tier takes from this region. */
    const dbPlacement = {
      namePrefix: naming.regional,
      partition: partition.partition,
      vpcId: this.network.vpcId,
      dataSubnetIds: this.network.subnetIds.privateData,
      kmsKeyArn: this.key.keyArn,
      settings: db,
      generation,
    };
    if (isAurora(config)) {
      // Aurora Global Database (src/database/aurora-contract.ts): the same
      // deploy order as the RDS mode (replicatesFrom: the region whose
      // cluster this one joins, in the current DR state).
      const tier = new AuroraGlobalTier(this, "Database", {
        ...dbPlacement,
        region: rc.region,
        role,
        globalClusterIdentifier: globalClusterIdentifier(config),
        ownsGlobalCluster: role === CREDENTIALS_HOME,
        masterCredentials: auroraMasterCredentials(auroraPasswordDelivery(db.drState, role, generation), credentials, db),
      });
      database = tier;
      dbHosts = { writer: tier.appWriterHost, reader: tier.appReaderHost };
    } else {
      // Named, not read from the source stack's state: that state may be in
      // the region that is down, and the dependency reverses in failback.
      const writerArn = (of: RegionRole) => {
        const src = config.regions[of];
        const srcPrefix = new Naming(config.project, config.environment, src.region).regional;
        return `arn:${partition.partition}:rds:${src.region}:${account.accountId}:db:${dbIdentifier(srcPrefix, db.generations[of], "writer")}`;
      };
      const sourceArn = topology.sourceRole ? writerArn(topology.sourceRole) : undefined;
      // The other region's writer's automated backups, replicated into this
      // region with this region's key (src/database/backup-plan.ts: which
      // writer in each DR state).
      const backupSource = config.backups.crossRegion.enabled ? backupReplicationSource(db.drState, role) : undefined;
      if (backupSource) {
        backupReplica = new BackupReplica(this, "BackupReplica", {
          sourceDbInstanceArn: writerArn(backupSource),
          sourceGeneration: db.generations[backupSource],
          sourceRegion: config.regions[backupSource].region,
          kmsKeyArn: this.key.keyArn,
          retentionDays: config.backups.crossRegion.retentionDays,
          parameterName: backupReplicaParameter(naming.base),
        });
      }
      // The credentials home's Writer gets the password whenever it writes
      // (born source or promoted after a failback), held outside "normal".
      const delivery = rdsPasswordDelivery(db.drState, role, generation);
      const tier = new DatabaseTier(this, "Database", {
        ...dbPlacement,
        writerMode: topology.writer,
        sourceArn,
        masterPassword: delivery.declared && credentials ? { expression: credentials.passwordExpression, version: credentials.passwordVersion, held: delivery.held } : undefined,
      });
      database = tier;
      dbHosts = { writer: tier.writer.address, reader: tier.readers[0].address };
    }
    return { database, replicatesFrom, backupReplica, credentials, dbHosts, topology };
  }

  /** Backups: the AWS Backup vault and, where the database writes, its plan (Aurora's cross-region copies, the isolated copies). */
  private addBackups(ctx: RegionContext): DatabaseBackups | undefined {
    const { config, role, naming, account, partition } = ctx;
    const db = config.database;
    // AWS Backup (src/database/backup-vault.ts): in the Aurora mode, the
    // cross-region copy of the global primary's cluster; in either mode, the
    // copy into another account's locked vault (backups.isolatedCopy).
    const isolated = isolatedCopySettings(config);
    const auroraCopies = isAurora(config) && config.backups.crossRegion.enabled;
    if (isolated || auroraCopies) {
      const writes = WRITING_REGION[db.drState] === role;
      const other = config.regions[REGION_ROLES.find((r) => r !== role)!];
      const database = this.database;
      return new DatabaseBackups(this, "DatabaseBackups", {
        namePrefix: naming.regional,
        partition: partition.partition,
        kmsKeyArn: this.key.keyArn,
        localRetentionDays: config.backups.crossRegion.retentionDays,
        lock: vaultLockSettings(config),
        backup: writes
          ? {
              resourceArn: database instanceof AuroraGlobalTier ? database.cluster.arn : database.writer.arn,
              schedule: config.backups.isolatedCopy.schedule,
              copies: [
                ...(auroraCopies ? [{ vaultArn: backupVaultArn(partition.partition, other.region, account.accountId, backupVaultName(new Naming(config.project, config.environment, other.region).regional)), retentionDays: config.backups.crossRegion.retentionDays }] : []),
                ...(isolated ? [{ vaultArn: backupVaultArn(partition.partition, isolated.region, isolated.accountId, isolated.vaultName), retentionDays: isolated.retentionDays }] : []),
              ],
            }
          : undefined,
      });
    }
    return undefined;
  }

  /**
   * Database endpoints parameter (Aurora mode): which cluster this region's fleet uses, read by the app when it
   * starts; `dr restore` overwrites it to move the app to a restored cluster, database.restoredCluster records that
   * (src/database/endpoints-parameter-resource.ts).
   */
  private addEndpointsParameter(ctx: RegionContext, tier: AuroraGlobalTier): EndpointsParameter {
    return new EndpointsParameter(this, "DatabaseEndpoints", { config: ctx.config, role: ctx.role, tier });
  }

  /** TLS: the ALB's certificate ARN, if any. */
  private addCertificate(ctx: RegionContext): string | undefined {
    const { config, rc, peerUnreachable, handoffProvider } = ctx;
    // TLS: the configured certificate, else (with the dns stack) an ACM
    // certificate for the domain in this region, validated through the one
    // validation record the dns-zone stack owns (src/dns/certificate.ts).
    const certificateArn =
      rc.certificateArn ??
      (config.dns.enabled
        ? new RegionCertificate(this, "Certificate", {
            domainName: config.dns.domainName,
            // The handoff region unreachable: the record the certificate
            // itself asks for (the same one, src/dns/certificate.ts), read
            // from this region's ACM.
            validationRecordFqdn: peerUnreachable && handoffProvider() ? undefined : readParameter(this, "CertificateValidationRecord", certificateValidationParameter(config), handoffProvider()),
          }).certificateArn
        : undefined);
    // This stack used to manage the validation record itself (both regional
    // stacks did, with allow_overwrite): forget it without deleting it, so
    // the dns-zone stack's record is never destroyed by a regional deploy.
    forgetWithoutDestroying(this, [LEGACY_VALIDATION_RECORD]);
    return certificateArn;
  }

  /** Web tier: the ALB and the Auto Scaling group of the Flask app. */
  private addWebTier(ctx: RegionContext, props: RegionalStackProps, dbHosts: DbHosts, certificateArn: string | undefined, endpoints: EndpointsParameter | undefined): WebTier {
    const { config, rc, naming, tags, account, partition, secretName } = ctx;
    // The app verifies the database's certificate (verify-full) with the CA
    // bundle it ships: it must hold this region's root.
    requireRdsRoot(props.appBundle, rc.region);
    const pairRegions = REGION_ROLES.map((r) => config.regions[r].region);
    return new WebTier(this, "Web", {
      namePrefix: naming.regional,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      vpcId: this.network.vpcId,
      vpcCidr: rc.vpcCidr,
      publicSubnetIds: this.network.subnetIds.public,
      appSubnetIds: this.network.subnetIds.privateApp,
      kmsKeyArn: this.key.keyArn,
      settings: config.web,
      bundle: props.appBundle,
      appEnvironment: {
        DB_WRITER_HOST: dbHosts.writer,
        DB_READER_HOST: dbHosts.reader,
        DB_PORT: "5432",
        // What the endpoints are: with aurora-postgresql the app reads an
        // inactive cluster endpoint (no DNS name) as "this cluster is a
        // secondary member" and takes its role from the reader endpoint
        // (webapp/drweb/db.py Database.role). The same in every DR state.
        DB_ENGINE: config.database.engine,
        // Aurora mode: the app reads which cluster it uses (writer, reader, port) from this region's endpoints
        // parameter when it starts, and refuses to fall back to DB_WRITER_HOST / DB_READER_HOST above when the
        // parameter is set but unreadable (webapp/drweb). The NAME, not the endpoints: a restore move overwrites the
        // parameter, and the launch template (its user data) stays the same, so recording it replaces no instance.
        ...(endpoints ? { [ENDPOINTS_PARAMETER_ENV]: endpoints.name } : {}),
        DB_NAME: config.database.dbName,
        DB_AUTH: "secretsmanager",
        // The secret's NAME: GetSecretValue's SecretId is "the ARN or name of
        // the secret" (AWS Secrets Manager API Reference, GetSecretValue), and
        // the name resolves to the replica in the secondary region, whose ARN
        // (random 6-character suffix) this stack cannot know: the secret is
        // created by the primary stack, whose state may be unreadable in a
        // failover. webapp/drweb/config.py accepts a name or an ARN; the
        // contract is tested end to end in __tests__/web/app-contract.test.ts.
        DB_SECRET_ID: secretName,
        DB_SECRET_REGION: rc.region,
        // TLS verified against the RDS CA bundle shipped in the app bundle
        // (the instances use the rds-ca-rsa2048-g1 CA, src/database): libpq
        // verify-full checks the chain and that the certificate names the
        // endpoint it connects to.
        DB_SSLMODE: "verify-full",
        DB_SSLROOTCERT: RDS_CA_BUNDLE_PATH,
        // The database role, put into the CloudWatch of both regions: each
        // region's monitoring reads the other region's role from its own
        // CloudWatch for the split-brain alert (src/eks/contract.ts DB_ROLE_METRIC).
        ...roleMetricEnvironment(pairRegions, roleMetricDeployment(naming)),
      },
      instancePolicyStatements: [
        ...secretReadStatements({ partition: partition.partition, accountId: account.accountId, region: rc.region, secretName }),
        ...roleMetricPublishStatements(pairRegions),
        ...(endpoints ? endpoints.readStatements({ partition: partition.partition, accountId: account.accountId, region: rc.region }) : []),
      ],
      // The parameter exists before any instance boots and reads it (the app fails closed without it).
      ...(endpoints ? { bootDependsOn: [endpoints.parameter] } : {}),
      certificateArn,
      // The dns stack health-checks each ALB over HTTPS on 443
      // (src/dns/failover-records.ts); __tests__/web/web-tier.test.ts checks
      // that the port admitted here is the port checked there.
      route53HealthCheckPort: config.dns.enabled ? ROUTE53_HEALTH_CHECK_PORT : undefined,
      instanceTags: tags,
    });
  }

  /** DNS: the ALB's name and zone published for the dns stack (in the handoff region). */
  private addAlbHandoff(ctx: RegionContext): void {
    const { config, role, handoffProvider } = ctx;
    new AlbHandoff(this, "AlbHandoff", {
      names: albHandoffParameters(config, role),
      dnsName: this.web.loadBalancer.dnsName,
      zoneId: this.web.loadBalancer.zoneId,
      provider: handoffProvider(),
    });
  }

  /** EKS: the monitoring cluster (the monitoring stacks deploy into it). */
  private addEks(ctx: RegionContext): EksMonitoringCluster {
    const { config, rc, naming, tags, partition } = ctx;
    const appSubnets = this.network.subnetIds.privateApp;
    return new EksMonitoringCluster(this, "Eks", {
      clusterName: clusterName(naming),
      namePrefix: naming.regional,
      region: rc.region,
      partition: partition.partition,
      subnetIds: appSubnets,
      // Subnets are in AZ order (src/network/network.ts).
      nodeZones: monitoringNodeZones(rc.availabilityZones, config.eks.nodeZoneCount).map((zone, i) => ({ zone, subnetId: appSubnets[i] })),
      kmsKeyArn: this.key.keyArn,
      settings: config.eks,
      nodeTags: tags,
    });
  }

  /** EKS: the deploy runner, the supported path to the private API from anywhere (monitoring/README.md). */
  private addDeployRunner(ctx: RegionContext): DeployRunner | undefined {
    const { config, rc, naming, tags, account, partition } = ctx;
    const appSubnets = this.network.subnetIds.privateApp;
    if (!config.eks.deployRunner.enabled) return undefined;
    const runner = new DeployRunner(this, "DeployRunner", {
      name: deployRunnerName(naming),
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      vpcId: this.network.vpcId,
      subnetIds: appSubnets,
      instanceType: config.eks.deployRunner.instanceType,
      kmsKeyArn: this.key.keyArn,
      clusterName: this.eks.clusterName,
      clusterArn: this.eks.clusterArn,
      instanceTags: tags,
    });
    this.eks.allowApiFrom("ApiFromDeployRunner", runner.securityGroupId, "Kubernetes API (private endpoint) from the deploy runner's Session Manager tunnel");
    return runner;
  }

  /** Monitoring hooks: the alert topic and the Pod Identity roles of Prometheus, Alertmanager and Grafana. */
  private addMonitoringHooks(ctx: RegionContext): AlertTopic {
    const { config, rc, naming } = ctx;
    const alerts = new AlertTopic(this, "Alerts", { name: alertTopicName(naming), kmsKeyArn: this.key.keyArn, email: config.monitoring.alertmanager.email });
    new MonitoringRoles(this, "MonitoringRoles", {
      alertTopicArn: alerts.topicArn,
      kmsKeyArn: this.key.keyArn,
      namePrefix: naming.regional,
      region: rc.region,
      clusterName: this.eks.clusterName,
      clusterArn: this.eks.clusterArn,
      namespace: config.monitoring.namespace,
    });
    return alerts;
  }

  /** DR pieces: the readiness checker (runbook.readiness; the secondary region's stack only). */
  private addReadinessChecker(ctx: RegionContext, lambdaPackage: ReadinessPackage, alerts: AlertTopic): ReadinessChecker {
    const { config, rc, account, partition } = ctx;
    return new ReadinessChecker(this, "ReadinessChecker", {
      config,
      lambdaPackage,
      region: rc.region,
      accountId: account.accountId,
      partition: partition.partition,
      kmsKeyArn: this.key.keyArn,
      alertTopicArn: alerts.topicArn,
    });
  }
}

/** The Aurora member cluster's master credentials for its delivery role (src/database/aurora-contract.ts auroraPasswordDelivery). */
function auroraMasterCredentials(
  delivery: ReturnType<typeof auroraPasswordDelivery>,
  credentials: DbCredentials | undefined,
  db: ValidConfig["database"],
): AuroraMasterCredentials | undefined {
  if (delivery.declares === "none" || !credentials) return undefined;
  const password = { passwordExpression: credentials.passwordExpression, passwordVersion: credentials.passwordVersion, held: delivery.held };
  return delivery.declares === "creator" ? { ...password, username: db.masterUsername, dbName: db.dbName } : password;
}

/**
 * The region key shared with the isolated backup account: AWS Backup's
 * cross-account copy of a resource "encrypted with a customer managed key"
 * needs that key shared with the destination account (AWS Backup Developer
 * Guide, "Creating backup copies across AWS accounts"). Use of the key
 * only, no administration; none without an isolated account.
 */
function isolatedCopyKeyStatements(accountId: string | undefined, partition: string) {
  if (!accountId) return [];
  return [
    {
      sid: "IsolatedBackupAccountCopies",
      actions: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
      resources: ["*"],
      principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
    },
  ];
}
