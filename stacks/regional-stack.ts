import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../src/config";
import { secretReadStatements } from "../src/database/app-access";
import { DbCredentials } from "../src/database/credentials";
import { DatabaseTier, dbIdentifier } from "../src/database/database-tier";
import { AURORA_GLOBAL_PRIMARY, auroraPasswordDelivery, globalClusterIdentifier, isAurora } from "../src/database/aurora-contract";
import { AuroraGlobalTier, type AuroraMasterCredentials } from "../src/database/aurora-tier";
import { BackupReplica, backupReplicaParameter, backupReplicationSource } from "../src/database/backup-plan";
import { backupVaultArn, backupVaultName, DatabaseBackups, WRITING_REGION } from "../src/database/backup-vault";
import { isolatedCopySettings, vaultLockSettings } from "../src/config/backup-settings";
import { CREDENTIALS_HOME, PASSWORD_ROTATION_STATE, rdsPasswordDelivery, regionTopology } from "../src/database/topology";
import { AlbHandoff, readParameter } from "../src/dns/handoff";
import { RegionCertificate } from "../src/dns/certificate";
import { albHandoffParameters, certificateValidationParameter, handoffRegion } from "../src/dns/contract";
import { EksMonitoringCluster } from "../src/eks/cluster";
import { AlertTopic } from "../src/eks/alert-topic";
import { alertTopicName, clusterName, deployRunnerName, kubeconfigCommand, monitoringNodeZones, regionKeyAlias, roleMetricDeployment } from "../src/eks/contract";
import { DeployRunner, eksApiTunnelCommand } from "../src/eks/deploy-runner";
import { MonitoringRoles } from "../src/eks/monitoring-roles";
import { Naming } from "../src/lib/naming";
import { ReadinessChecker, readinessAlarmKeyStatements } from "../src/dr/readiness-checker";
import type { ReadinessPackage } from "../src/dr/readiness-bundle";
import { managedTags } from "../src/lib/tags";
import { Network } from "../src/network/network";
import { forgetWithoutDestroying } from "../src/lib/escape-hatches";
import { holdPeerRegion, type PeerRegionHold } from "../src/lib/peer-region";
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

/** What a regional stack does while the other region is marked unreachable. */
export interface PeerRegionOutage extends PeerRegionHold {
  /** Blocks of this region's resources that point there, held as the state has them. */
  readonly blocksHeld: readonly string[];
  /** Reads there that are skipped, and where the value comes from instead. */
  readonly notRead: readonly string[];
  /** Where the peer provider's own STS calls go instead. */
  readonly stsRegion: string;
}

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

    this.key = new RegionKey(this, "RegionKey", {
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

    // The region's run-report bucket (docs/dr-runbook.md, "Run reports"): the
    // runbook uploads each run's report to the region it activated.
    this.reportBucket = new ReportBucket(this, "RunReports", { bucketName: reportBucketName(config, role), kmsKeyArn: this.key.keyArn });

    this.network = new Network(this, "Network", {
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

    // --- Database: what this region's Writer is in the current DR state.
    const db = config.database;
    const generation = db.generations[role];
    const topology = regionTopology(db.drState, role, generation);
    const secretName = `${naming.base}/db/master`;
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
    if (topology.sourceRole) this.replicatesFrom = topology.sourceRole;
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
      this.database = tier;
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
        this.backupReplica = new BackupReplica(this, "BackupReplica", {
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
      this.database = tier;
      dbHosts = { writer: tier.writer.address, reader: tier.readers[0].address };
    }

    // AWS Backup (src/database/backup-vault.ts): in the Aurora mode, the
    // cross-region copy of the global primary's cluster; in either mode, the
    // copy into another account's locked vault (backups.isolatedCopy).
    const isolated = isolatedCopySettings(config);
    const auroraCopies = isAurora(config) && config.backups.crossRegion.enabled;
    if (isolated || auroraCopies) {
      const writes = WRITING_REGION[db.drState] === role;
      const other = config.regions[REGION_ROLES.find((r) => r !== role)!];
      const database = this.database;
      this.backups = new DatabaseBackups(this, "DatabaseBackups", {
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

    // TLS: the configured certificate, else (with the dns stack) an ACM
    // certificate for the domain in this region, validated through the one
    // validation record the dns-zone stack owns (src/dns/certificate.ts).
    const handoffProvider = () => (rc.region === handoffRegion(config) ? undefined : peerRegion());
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

    // The app verifies the database's certificate (verify-full) with the CA
    // bundle it ships: it must hold this region's root.
    requireRdsRoot(props.appBundle, rc.region);
    const pairRegions = REGION_ROLES.map((r) => config.regions[r].region);
    this.web = new WebTier(this, "Web", {
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
        DB_ENGINE: db.engine,
        DB_NAME: db.dbName,
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
      ],
      certificateArn,
      // The dns stack health-checks each ALB over HTTPS on 443
      // (src/dns/failover-records.ts); __tests__/web/web-tier.test.ts checks
      // that the port admitted here is the port checked there.
      route53HealthCheckPort: config.dns.enabled ? ROUTE53_HEALTH_CHECK_PORT : undefined,
      instanceTags: tags,
    });

    if (config.dns.enabled) {
      new AlbHandoff(this, "AlbHandoff", {
        names: albHandoffParameters(config, role),
        dnsName: this.web.loadBalancer.dnsName,
        zoneId: this.web.loadBalancer.zoneId,
        provider: handoffProvider(),
      });
    }

    // --- Monitoring cluster (the monitoring stacks deploy into it)
    const appSubnets = this.network.subnetIds.privateApp;
    this.eks = new EksMonitoringCluster(this, "Eks", {
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
    // The supported path to the private API from anywhere (monitoring/README.md).
    if (config.eks.deployRunner.enabled) {
      this.deployRunner = new DeployRunner(this, "DeployRunner", {
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
      this.eks.allowApiFrom("ApiFromDeployRunner", this.deployRunner.securityGroupId, "Kubernetes API (private endpoint) from the deploy runner's Session Manager tunnel");
    }
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
    if (props.readinessPackage) {
      this.readinessChecker = new ReadinessChecker(this, "ReadinessChecker", {
        config,
        lambdaPackage: props.readinessPackage,
        region: rc.region,
        accountId: account.accountId,
        partition: partition.partition,
        kmsKeyArn: this.key.keyArn,
        alertTopicArn: alerts.topicArn,
      });
    }
    this.web.securityGroups.allowMetricsFrom("MetricsFromEks", this.eks.clusterSecurityGroupId, "Prometheus metrics from the monitoring cluster's pods and nodes");

    this.database.allowClient("PostgresFromWeb", this.web.securityGroups.webSecurityGroupId, "PostgreSQL from the web servers");

    // Everything this stack manages in the unreachable region is held as
    // the state has it (nothing is sent there); a read there is refused at
    // synth time (src/lib/peer-region.ts).
    if (peerUnreachable && peerProvider) {
      this.peerRegionOutage = {
        ...holdPeerRegion(this, peerProvider, peer.region),
        blocksHeld: credentials ? [`the replica block (${peer.region}) of the credentials secret ${secretName}`] : [],
        notRead:
          config.dns.enabled && !rc.certificateArn
            ? [`the ACM validation record's FQDN the dns-zone stack publishes (SSM ${certificateValidationParameter(config)} in ${peer.region}): taken from this certificate's own domain_validation_options instead`]
            : [],
        stsRegion: rc.region,
      };
    }

    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("region", rc.region, "AWS region of this stack");
    out("availability_zones", rc.availabilityZones, "AZs with subnets, in subnet order");
    out("kms_key_arn", this.key.keyArn, "The region's customer-managed KMS key");
    out("vpc_id", this.network.vpcId, "VPC id");
    out("vpc_cidr", rc.vpcCidr, "VPC CIDR block");
    out("public_subnet_ids", this.network.subnetIds.public, "Public subnets (ALB, NAT), in AZ order");
    out("private_app_subnet_ids", this.network.subnetIds.privateApp, "Private app subnets (web servers, EKS), in AZ order");
    out("private_data_subnet_ids", this.network.subnetIds.privateData, "Private data subnets (RDS), in AZ order");
    out("nat_gateway_ids", this.network.natGatewayIds, "NAT gateways");
    out("flow_log_group", this.network.flowLogGroupName, "CloudWatch log group of the VPC flow logs");
    const lb = this.web.loadBalancer;
    out("alb_dns_name", lb.dnsName, "ALB DNS name (Route53 alias target)");
    out("alb_zone_id", lb.zoneId, "ALB hosted zone id (Route53 alias)");
    out("alb_arn", lb.arn, "ALB ARN");
    out("alb_arn_suffix", lb.arnSuffix, "ALB ARN suffix (CloudWatch dimension)");
    out("alb_scheme", lb.scheme, "Protocol clients use: https with a certificate, else http");
    out("target_group_arn", lb.targetGroupArn, "Web target group ARN");
    out("asg_name", this.web.fleet.asgName, "Web Auto Scaling group name");
    out("web_role_arn", this.web.fleet.roleArn, "Instance role of the web servers");
    out("alb_access_log_bucket", this.web.accessLogBucketName, "S3 bucket of the ALB access logs");
    out("eks_cluster_name", this.eks.clusterName, "EKS cluster of the monitoring stack");
    out("eks_cluster_arn", this.eks.clusterArn, "EKS cluster ARN");
    out("eks_cluster_security_group_id", this.eks.clusterSecurityGroupId, "Security group of the EKS control plane and nodes");
    out("alert_topic_arn", alerts.topicArn, "SNS topic of this region's Alertmanager (subscribe on-call here)");
    out("eks_addon_versions", this.eks.addonVersions, "Managed add-on versions as installed (pin one in eks.addonVersions to change it)");
    out("eks_kubeconfig_command", kubeconfigCommand(rc.region, naming), "Adds the cluster to ~/.kube/config");
    if (this.deployRunner) {
      out("eks_deploy_runner_asg_name", this.deployRunner.asgName, "Auto Scaling group of the deploy runner (Session Manager tunnel host to the private API)");
      out("eks_tunnel_operator_policy_arn", this.deployRunner.operatorPolicyArn, "Attach to the operators' role: opening the API tunnel through the deploy runner, nothing else");
      out("eks_api_tunnel_command", eksApiTunnelCommand(role), "Opens the tunnel to this region's API (keep it running during the monitoring deploy)");
    }
    if (this.readinessChecker) {
      out("readiness_function_name", this.readinessChecker.functionName, "DR readiness checker (Lambda; runs on runbook.readiness.schedule; docs/dr-runbook.md)");
      out("readiness_alarm_name", this.readinessChecker.alarmName, "Alarm on the checker's Ready metric (to alert_topic_arn)");
    }
    out("dr_state", db.drState, "DR lifecycle state this stack was synthesized for");
    const database = this.database;
    if (database instanceof AuroraGlobalTier) {
      out("db_engine", db.engine, "Database engine: aurora-postgresql (Aurora Global Database)");
      out("db_global_cluster_identifier", globalClusterIdentifier(config), "Aurora global cluster (its members: this region's cluster and the other region's)");
      out("db_global_primary", AURORA_GLOBAL_PRIMARY[db.drState], "Region role whose cluster is the global primary in this DR state (AWS changes it on switchover/failover)");
      out("db_cluster_identifier", database.cluster.clusterIdentifier, "This region's member cluster");
      out("db_cluster_arn", database.cluster.arn, "This region's member cluster ARN (the target of a switchover or failover)");
      out("db_cluster_endpoint", database.cluster.endpoint, "Cluster (writer) endpoint as DescribeDBClusters reports it: empty while this region's cluster is a secondary member (db_writer_endpoint is the name, in every state)");
      out("db_writer_endpoint", database.appWriterHost, "The host the web tier writes through, in every DR state: this cluster's cluster endpoint (resolves to the writer while this region's cluster is the global primary; no DNS name while it is a secondary member, and the app is then read-only)");
      out("db_reader_endpoint", database.appReaderHost, "Reader endpoint of this region's cluster");
      out("db_instance_identifiers", database.instances.map((i) => i.identifier), "Instances of this region's cluster");
    } else {
      out("db_writer_mode", topology.writer, "How this region's Writer is declared: source, replica or promoted");
      out("db_writer_endpoint", database.writer.address, "Writer (or promotable replica) address");
      out("db_writer_identifier", database.writer.identifier, "Writer instance identifier");
      out("db_writer_arn", database.writer.arn, "Writer instance ARN");
      out("db_reader_endpoint", database.readers[0].address, "Reader address");
      out("db_reader_identifiers", database.readers.map((r) => r.identifier), "Reader instance identifiers");
      out("db_reader_arns", database.readers.map((r) => r.arn), "Reader instance ARNs");
      if (this.backupReplica) {
        const rep = this.backupReplica.replication;
        out("db_backup_replica_arn", rep.id, "Replicated automated backups in this region (RestoreDBInstanceToPointInTime SourceDBInstanceAutomatedBackupsArn)");
        out("db_backup_replica_source_arn", rep.sourceDbInstanceArn, "The writer (other region) whose automated backups are replicated here");
        out("db_backup_replica_kms_key_arn", rep.kmsKeyId, "This region's key that encrypts the replicated backups");
        out("db_backup_replica_parameter", this.backupReplica.parameterName, "SSM parameter in this region with the same (read by dr restore while the other region is down)");
      }
    }
    out("db_secret_name", secretName, "Credentials secret name (replicated: the same name in both regions)");
    if (credentials) out("db_secret_arn", credentials.secretArn, "Credentials secret ARN in its home region");
    if (this.backups) {
      out("db_backup_vault_arn", this.backups.vault.arn, "AWS Backup vault of this region (its recovery points and the copies the other region's plan sends here)");
      if (this.backups.plan) out("db_backup_plan_id", this.backups.plan.id, "AWS Backup plan of the writing database (copies: the other region's vault in the Aurora mode, the isolated account's vault)");
    }
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
