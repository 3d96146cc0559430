/**
 * Every policy rule against a compliant and a non-compliant fixture: small
 * synthesized-stack JSON documents, the shape `cdktf synth` writes.
 */
import { resolveConfig } from "../../src/config";
import { evaluatePolicy, RULES } from "../../src/policy";
import type { PolicyInput, StackJson } from "../../src/policy/types";

const CONFIG = resolveConfig({});
const KEY = "${aws_kms_key.Key.arn}";
const P = (region: string) => ({ aws: [{ region }] });

type Resources = Record<string, Record<string, any>>;
/** One stack in us-east-2 (or the region given) with a customer key. */
function stack(resource: Resources, opts: { region?: string; data?: Resources; terraform?: any; provider?: any } = {}): StackJson {
  return {
    terraform: opts.terraform ?? {},
    provider: opts.provider ?? P(opts.region ?? "us-east-2"),
    resource: { aws_kms_key: { Key: { enable_key_rotation: true } }, ...resource },
    data: opts.data ?? {},
  };
}
const one = (type: string, config: Record<string, any>, extra: Resources = {}, opts = {}): PolicyInput => ({ config: CONFIG, stacks: { primary: stack({ [type]: { R: config }, ...extra }, opts) } });

const lambda = (o: Record<string, any> = {}) => ({ function_name: "x-check", kms_key_arn: KEY, logging_config: { log_format: "Text", log_group: "${aws_cloudwatch_log_group.L.name}" }, reserved_concurrent_executions: 1, ...o });
const lt = (o: Record<string, any> = {}) => ({
  name: "x-web",
  image_id: "${data.aws_ssm_parameter.Ami.value}",
  metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1 },
  block_device_mappings: [{ device_name: "/dev/xvda", ebs: { encrypted: "true", kms_key_id: KEY } }],
  network_interfaces: [{ associate_public_ip_address: "false" }],
  ...o,
});
const db = (o: Record<string, any> = {}) => ({
  identifier: "p-db-g1-writer",
  instance_class: "db.t3.small",
  storage_encrypted: true,
  kms_key_id: KEY,
  performance_insights_enabled: true,
  performance_insights_kms_key_id: KEY,
  publicly_accessible: false,
  deletion_protection: true,
  skip_final_snapshot: false,
  final_snapshot_identifier: "p-db-final",
  backup_retention_period: 7,
  ...o,
});
const doc = (actions: string[]) => ({ Doc: { statement: [{ actions, resources: ["*"] }] } });
const lbWith = (lb: Record<string, any>, listeners: Record<string, any>) => ({
  aws_lb: { Lb: { drop_invalid_header_fields: true, access_logs: { enabled: true }, enable_deletion_protection: true, security_groups: ["${aws_security_group.Alb.id}"], ...lb } },
  aws_lb_listener: listeners,
  aws_security_group: { Alb: { description: "load balancer" }, Web: { description: "web servers" } },
});
const HTTPS = { port: 443, protocol: "HTTPS", load_balancer_arn: "${aws_lb.Lb.arn}", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", default_action: [{ type: "forward" }] };
const REDIRECT = { port: 80, protocol: "HTTP", load_balancer_arn: "${aws_lb.Lb.arn}", default_action: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }] };
const cluster = (o: Record<string, any> = {}) => ({
  version: "1.35",
  encryption_config: { resources: ["secrets"], provider: { key_arn: KEY } },
  enabled_cluster_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
  vpc_config: { endpoint_private_access: true, endpoint_public_access: false },
  ...o,
});

/**
 * Aurora Global Database mode (database.engine "aurora-postgresql"), shaped
 * as designed for issue 16 (src/database/aurora-contract.ts): the global
 * cluster in the primary stack; in each region a member cluster (the born
 * primary with the write-only master password, the secondary without) and a
 * writer + a reader.
 */
const AURORA = resolveConfig({ database: { engine: "aurora-postgresql" } });
const GLOBAL_ID = "p-prod-db-global";
const globalCluster = (o: Record<string, any> = {}) => ({ global_cluster_identifier: GLOBAL_ID, engine: "aurora-postgresql", engine_version: "16.6", storage_encrypted: true, deletion_protection: true, ...o });
const auroraCluster = (id: string, o: Record<string, any> = {}) => ({
  cluster_identifier: id,
  engine: "aurora-postgresql",
  engine_version: "16.6",
  global_cluster_identifier: GLOBAL_ID,
  storage_encrypted: true,
  kms_key_id: KEY,
  deletion_protection: true,
  backup_retention_period: 7,
  skip_final_snapshot: false,
  final_snapshot_identifier: `${id}-final`,
  enabled_cloudwatch_logs_exports: ["postgresql"],
  ...o,
});
const auroraInstance = (o: Record<string, any> = {}) => ({
  cluster_identifier: "${aws_rds_cluster.Cluster.id}",
  engine: "aurora-postgresql",
  instance_class: "db.r6g.large",
  publicly_accessible: false,
  performance_insights_enabled: true,
  performance_insights_kms_key_id: KEY,
  ca_cert_identifier: "rds-ca-rsa2048-g1",
  ...o,
});
/** A region's Aurora member: its cluster (resource Cluster) and a writer and a reader. */
const auroraMember = (prefix: string, cluster: Record<string, any> = {}, instance: Record<string, any> = {}): Resources => ({
  aws_rds_cluster: { Cluster: auroraCluster(`${prefix}-db-g1-cluster`, cluster) },
  aws_rds_cluster_instance: { I0: auroraInstance({ identifier: `${prefix}-db-g1-instance1`, ...instance }), I1: auroraInstance({ identifier: `${prefix}-db-g1-instance2`, ...instance }) },
});
const AURORA_DBS = {
  primary: {
    aws_rds_global_cluster: { Global: globalCluster() },
    ...auroraMember("p-use2", { global_cluster_identifier: "${aws_rds_global_cluster.Global.id}", master_username: "drweb", master_password_wo: "${ephemeral.aws_secretsmanager_secret_version.Pw.secret_string}", master_password_wo_version: 1, database_name: "drweb" }),
  },
  // Another stack: the global cluster is named by its identifier (from config).
  secondary: auroraMember("p-usw1"),
};
/** An in-region reader of the writer W (resource R), as DatabaseTier declares it: no key of its own. */
const reader = (o: Record<string, any> = {}) =>
  db({ identifier: "p-db-g1-reader1", replicate_source_db: "${aws_db_instance.W.identifier}", backup_retention_period: 0, skip_final_snapshot: true, final_snapshot_identifier: undefined, kms_key_id: undefined, ...o });
/** A stack with a writer W and its same-region reader R. */
const withReader = (readerO: Record<string, any> = {}, writerO: Record<string, any> = {}, extra: Resources = {}, opts = {}) =>
  one("aws_db_instance", reader(readerO), { aws_db_instance: { R: reader(readerO), W: db(writerO) }, ...extra }, opts);
const RDS_DBS = {
  primary: { aws_db_instance: { Writer: db({ identifier: "p-use2-db-g1-writer" }) } },
  secondary: { aws_db_instance: { Writer: db({ identifier: "p-usw1-db-g1-writer", replicate_source_db: "arn:aws:rds:us-east-2:123456789012:db:p-use2-db-g1-writer", skip_final_snapshot: true, final_snapshot_identifier: undefined }) } },
};

/** A GitHub OIDC trust statement as githubTrustStatement writes it, with one thing changed. */
function ghTrust(o: { aud?: string[] | undefined; sub?: string[] | undefined; subTest?: string } = { }): Record<string, any> {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const aud = has("aud") ? o.aud : ["sts.amazonaws.com"];
  const sub = has("sub") ? o.sub : ["repo:acme/drweb:pull_request", "repo:acme/drweb:ref:refs/heads/main"];
  return {
    Trust: {
      statement: [{
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: ["${aws_iam_openid_connect_provider.P.arn}"] }],
        condition: [
          ...(aud ? [{ test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: aud }] : []),
          ...(sub ? [{ test: o.subTest ?? "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: sub }] : []),
        ],
      }],
    },
  };
}
/** A CI role (tag ci-role) trusting GitHub, by a policy document or an inline JSON policy. */
const ghRole = (kind: string, trustDoc?: Record<string, any>, json?: string): PolicyInput =>
  one("aws_iam_role", { name: `drweb-prod-ci-${kind}`, tags: { "ci-role": kind }, assume_role_policy: json ?? "${data.aws_iam_policy_document.Trust.json}" }, { aws_iam_openid_connect_provider: { P: { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] } } }, { region: "us-west-1", data: trustDoc ? { aws_iam_policy_document: trustDoc } : {} });
/** A CI role's managed policy (tag ci-role) with these statements. */
const ciPolicy = (kind: string, statement: any[]): PolicyInput =>
  one("aws_iam_policy", { name: `drweb-prod-ci-${kind}-x`, tags: { "ci-role": kind }, policy: "${data.aws_iam_policy_document.Doc.json}" }, {}, { region: "us-west-1", data: { aws_iam_policy_document: { Doc: { statement } } } });

/** An AWS Backup plan as src/database/backup-vault.ts declares it. */
const PLAN = (rule: Record<string, any> = {}) => ({ name: "p", rule: [{ rule_name: "daily", target_vault_name: "v", lifecycle: { delete_after: 7 }, copy_action: [{ destination_vault_arn: "arn:aws:backup:us-west-1:210987654321:backup-vault:x", lifecycle: { delete_after: 35 } }], ...rule }] });
/** The secondary stack's replication of the primary writer's automated backups (src/database/backup-plan.ts). */
const BACKUP_REPLICA = (o: Record<string, any> = {}): Resources => ({
  aws_db_instance_automated_backups_replication: { Rep: { source_db_instance_arn: "arn:aws:rds:us-east-2:123456789012:db:p-use2-db-g1-writer", kms_key_id: KEY, retention_period: 7, ...o } },
});
/** backups.isolatedCopy named (the locked vault of another account), and its vault's ARN. */
const ISOLATED = resolveConfig({ backups: { isolatedCopy: { enabled: true, accountId: "210987654321", vaultName: "drweb-isolated" } } });
const ISOLATED_VAULT = "arn:aws:backup:us-west-1:210987654321:backup-vault:drweb-isolated";
/** backups.minRetentionDays 14 (with every retention of the config raised to match). */
/** An app vault with backups.vaultLock's lock (min = backups.minRetentionDays, governance) and deny-deletion policy, as src/database/backup-vault.ts builds it. */
const LOCKED_VAULT = (o: { vault?: Record<string, any>; lock?: Record<string, any> | null; actions?: string[]; principal?: string } = {}): Resources => ({
  aws_backup_vault: { R: { name: "v", kms_key_arn: KEY, force_destroy: false, ...o.vault } },
  ...(o.lock === null ? {} : { aws_backup_vault_lock_configuration: { Lock: { backup_vault_name: "${aws_backup_vault.R.name}", min_retention_days: 7, ...o.lock } } }),
  aws_backup_vault_policy: { Policy: { backup_vault_name: "${aws_backup_vault.R.name}", policy: "${data.aws_iam_policy_document.Deny.json}" } },
});
const DENY_DOC = (actions = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], principal = "*") => ({ aws_iam_policy_document: { Deny: { statement: [{ effect: "Deny", principals: [{ type: "AWS", identifiers: [principal] }], actions, resources: ["*"] }] } } });
const lockedVault = (o: Parameters<typeof LOCKED_VAULT>[0] = {}, config = CONFIG): PolicyInput => ({ config, stacks: { primary: stack(LOCKED_VAULT(o), { data: DENY_DOC(o.actions, o.principal) }) } });
const COMPLIANCE_LOCK = resolveConfig({ backups: { vaultLock: { mode: "compliance", changeableForDays: 7, maxRetentionDays: 35 } } });
const NO_LOCK = resolveConfig({ backups: { vaultLock: { enabled: false } } });
const MIN14 = resolveConfig({ database: { backupRetentionDays: 14 }, backups: { minRetentionDays: 14, crossRegion: { retentionDays: 14 } } });
/** A region's AWS Backup vault, keyed with the stack's region key (src/database/backup-vault.ts). */
const AURORA_VAULT = (prefix: string): Resources => ({ aws_backup_vault: { Vault: { name: `${prefix}-db-backups`, kms_key_arn: KEY, force_destroy: false } } });
/** The us-east-2 vault and a plan of the global cluster copying into vault <prefix>-db-backups in `region`. */
const AURORA_BACKUP = (prefix: string, region: string): Resources => ({
  ...AURORA_VAULT("p-use2"),
  aws_backup_plan: { Plan: { name: "p-use2-db", rule: [{ rule_name: "daily", target_vault_name: "${aws_backup_vault.Vault.name}", lifecycle: { delete_after: 7 }, copy_action: [{ destination_vault_arn: `arn:aws:backup:${region}:\${data.aws_caller_identity.Account.account_id}:backup-vault:${prefix}-db-backups`, lifecycle: { delete_after: 7 } }] }] } },
});
/** Two regional stacks (us-east-2, us-west-1) built from the same parts, with a database of either mode. */
function pairOf(dbs: { primary: Resources; secondary: Resources }, secondaryOverrides: Resources, primaryOverrides: Resources, config: typeof CONFIG): PolicyInput {
  const regional = (region: string, cidr: string, database: Resources, o: Resources) =>
    stack(
      {
        aws_vpc: { Vpc: { cidr_block: cidr } },
        aws_launch_template: { Web: lt({ instance_type: "t3.micro" }) },
        aws_autoscaling_group: { Asg: { min_size: 3, desired_capacity: 3, max_size: 6 } },
        aws_eks_cluster: { Eks: cluster() },
        aws_eks_node_group: { Nodes: { instance_types: ["t3.medium"], scaling_config: { desired_size: 2, min_size: 2, max_size: 3 } } },
        ...database,
        ...o,
      },
      { region },
    );
  return {
    config,
    stacks: {
      primary: regional("us-east-2", "10.10.0.0/16", dbs.primary, primaryOverrides),
      secondary: regional("us-west-1", "10.20.0.0/16", dbs.secondary, secondaryOverrides),
    },
  };
}
/** The RDS mode's pair. */
const pair = (secondaryOverrides: Resources = {}, primaryOverrides: Resources = {}, config = CONFIG) => pairOf(RDS_DBS, secondaryOverrides, primaryOverrides, config);
/** The Aurora mode's pair. */
const auroraPair = (secondaryOverrides: Resources = {}, primaryOverrides: Resources = {}, config = AURORA) => pairOf(AURORA_DBS, secondaryOverrides, primaryOverrides, config);
/** A key of the other region in a us-east-2 stack (provider alias "peer" in us-west-1). */
const PEER = { extra: { aws_kms_key: { Key: { enable_key_rotation: true }, Peer: { provider: "aws.peer", enable_key_rotation: true } } }, opts: { provider: { aws: [{ region: "us-east-2" }, { alias: "peer", region: "us-west-1" }] } } };
/** The Aurora pair with the secondary stack's cluster declared under a provider of another region. */
function secondaryClusterIn(region: string): PolicyInput {
  const input = auroraPair();
  const secondary = input.stacks.secondary;
  return {
    ...input,
    stacks: {
      ...input.stacks,
      secondary: {
        ...secondary,
        provider: { aws: [...(secondary.provider!.aws as any[]), { alias: "other", region }] },
        resource: { ...secondary.resource, aws_rds_cluster: { Cluster: { ...secondary.resource!.aws_rds_cluster.Cluster, provider: "aws.other" } } },
      },
    },
  };
}
/** An Aurora cluster (R) with its two instances, in one stack. */
const clusterWith = (o: Record<string, any> = {}, instances: Record<string, any> = { I0: auroraInstance({ cluster_identifier: "${aws_rds_cluster.R.id}" }), I1: auroraInstance({ cluster_identifier: "${aws_rds_cluster.R.id}" }) }) =>
  one("aws_rds_cluster", auroraCluster("p-use2-db-g1-cluster", o), { aws_rds_cluster_instance: instances });

const failoverRecords = (primary: Record<string, any>, secondary?: Record<string, any>) => ({
  aws_route53_record: {
    Primary: { name: "www.x.io", type: "A", zone_id: "Z1", set_identifier: "p", failover_routing_policy: { type: "PRIMARY" }, health_check_id: "${aws_route53_health_check.Gate.id}", ...primary },
    ...(secondary ? { Secondary: { name: "www.x.io", type: "A", zone_id: "Z1", set_identifier: "s", failover_routing_policy: { type: "SECONDARY" }, ...secondary } } : {}),
  },
});

/**
 * The Aurora pair's endpoints parameters and web instance roles (AURORA config: drweb-prod), with one thing changed
 * in the primary stack: its parameter's config, or the web role's SSM statement.
 */
function endpointsPair(o: { param?: Record<string, any> | null; extraParam?: boolean; statement?: Record<string, any> | null } = {}): PolicyInput {
  const regional = (region: string, code: string, primary: boolean) => {
    const param = { name: `/drweb-prod-${code}/db/endpoints`, type: "String", tier: "Standard", value: "${jsonencode({})}", ...(primary ? o.param : {}) };
    const read = { sid: "ReadDbEndpoints", actions: ["ssm:GetParameter"], resources: [`arn:\${data.aws_partition.P.partition}:ssm:${region}:\${data.aws_caller_identity.A.account_id}:parameter/drweb-prod-${code}/db/endpoints`], ...(primary ? o.statement : {}) };
    const statements = [{ actions: ["secretsmanager:GetSecretValue"], resources: ["arn:aws:secretsmanager:*:1:secret:x"] }, ...(primary && o.statement === null ? [] : [read])];
    return stack(
      {
        aws_vpc: { Vpc: { cidr_block: primary ? "10.10.0.0/16" : "10.20.0.0/16" } },
        aws_ssm_parameter: {
          ...(primary && o.param === null ? {} : { Endpoints: param }),
          ...(primary && o.extraParam ? { Other: { name: `/drweb-prod-${code}-old/db/endpoints`, type: "String", tier: "Standard" } } : {}),
          Handoff: { name: "/drweb-prod/dr/primary/alb-dns-name", type: "String" },
        },
        aws_iam_role: { Web: { name: `drweb-prod-${code}-web` } },
        aws_iam_role_policy: { App: { role: "${aws_iam_role.Web.id}", policy: "${data.aws_iam_policy_document.App.json}" } },
      },
      { region, data: { aws_iam_policy_document: { App: { statement: statements } } } },
    );
  };
  return { config: AURORA, stacks: { primary: regional("us-east-2", "use2", true), secondary: regional("us-west-1", "usw1", false) } };
}

const s3Backend = (region: string, extra = {}) => ({ backend: { s3: { bucket: "b", region, key: "k", encrypt: true, use_lockfile: true, ...extra } } });

interface Case {
  readonly compliant: PolicyInput;
  readonly nonCompliant: PolicyInput;
  /** The message the non-compliant case must give. */
  readonly message: RegExp;
}

const CASES: Record<string, Case[]> = {
  "ebs-encrypted-cmk": [
    { compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ block_device_mappings: [{ ebs: { encrypted: "false" } }] })), message: /not encrypted/ },
    { compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ block_device_mappings: [{ ebs: { encrypted: "true" } }] })), message: /no customer-managed key/ },
    { compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ block_device_mappings: undefined })), message: /no block device mapping/ },
  ],
  "rds-encrypted-cmk": [
    { compliant: one("aws_db_instance", db()), nonCompliant: one("aws_db_instance", db({ storage_encrypted: false })), message: /storage_encrypted/ },
    { compliant: one("aws_db_instance", db()), nonCompliant: one("aws_db_instance", db({ performance_insights_kms_key_id: undefined })), message: /Performance Insights/ },
    {
      compliant: one("aws_db_instance", db()),
      nonCompliant: one("aws_db_instance", db({ kms_key_id: "${aws_kms_key.Peer.arn}" }), { aws_kms_key: { Key: { enable_key_rotation: true }, Peer: { provider: "aws.peer", enable_key_rotation: true } } }, { provider: { aws: [{ region: "us-east-2" }, { alias: "peer", region: "us-west-1" }] } }),
      message: /the key is in us-west-1, the instance in us-east-2/,
    },
    // A same-region reader names no key (RDS encrypts it with its source's,
    // CreateDBInstanceReadReplica KmsKeyId): it is judged on its source.
    { compliant: withReader(), nonCompliant: withReader({}, { kms_key_id: undefined }), message: /a read replica of p-db-g1-writer, whose kms_key_id is not a customer-managed key of this stack/ },
    { compliant: withReader(), nonCompliant: withReader({}, { storage_encrypted: false }), message: /a read replica of p-db-g1-writer, whose storage is not encrypted/ },
    {
      compliant: withReader(),
      nonCompliant: withReader({}, { kms_key_id: "${aws_kms_key.Peer.arn}" }, PEER.extra, PEER.opts),
      message: /a read replica of p-db-g1-writer, whose kms_key_id is not its region's: the key is in us-west-1, the instance in us-east-2/,
    },
    // Named by a bare identifier (same region by definition) that the app does not declare: nothing to judge it by.
    { compliant: withReader({ replicate_source_db: "p-db-g1-writer" }), nonCompliant: withReader({ replicate_source_db: "other-db" }), message: /a read replica of other-db, a source in its own region that the app does not declare/ },
    // Aurora: each member cluster with its own region's key, Performance
    // Insights of its instances likewise, the global cluster encrypted.
    { compliant: clusterWith(), nonCompliant: clusterWith({ storage_encrypted: false }), message: /storage_encrypted is not true/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ kms_key_id: undefined }), message: /kms_key_id is not a customer-managed key of this stack/ },
    { compliant: clusterWith(), nonCompliant: one("aws_rds_cluster", auroraCluster("p-use2-db-g1-cluster", { kms_key_id: "${aws_kms_key.Peer.arn}" }), PEER.extra, PEER.opts), message: /the key is in us-west-1, the cluster in us-east-2/ },
    { compliant: one("aws_rds_cluster_instance", auroraInstance()), nonCompliant: one("aws_rds_cluster_instance", auroraInstance({ performance_insights_kms_key_id: undefined })), message: /Performance Insights is on without a customer-managed key of the instance's region/ },
    {
      compliant: one("aws_rds_cluster_instance", auroraInstance({ performance_insights_enabled: false, performance_insights_kms_key_id: undefined })),
      nonCompliant: one("aws_rds_cluster_instance", auroraInstance({ performance_insights_kms_key_id: "${aws_kms_key.Peer.arn}" }), PEER.extra, PEER.opts),
      message: /Performance Insights .*the key is in us-west-1, the instance in us-east-2/,
    },
    { compliant: one("aws_rds_global_cluster", globalCluster()), nonCompliant: one("aws_rds_global_cluster", globalCluster({ storage_encrypted: false })), message: /storage_encrypted is not true/ },
  ],
  "rds-replica-inherits-key": [
    // The field report: RDS refuses KmsKeyId on a same-region read replica.
    { compliant: withReader(), nonCompliant: withReader({ kms_key_id: KEY }), message: /kms_key_id is set on a read replica of a source in its own region \(us-east-2\): CreateDBInstanceReadReplica refuses a KmsKeyId there/ },
    // By ARN of its own region, or by bare identifier: same region too.
    { compliant: withReader({ replicate_source_db: "arn:aws:rds:us-east-2:1:db:p-db-g1-writer" }), nonCompliant: withReader({ replicate_source_db: "arn:aws:rds:us-east-2:1:db:p-db-g1-writer", kms_key_id: KEY }), message: /kms_key_id is set on a read replica/ },
    { compliant: withReader({ replicate_source_db: "p-db-g1-writer" }), nonCompliant: withReader({ replicate_source_db: "p-db-g1-writer", kms_key_id: KEY }), message: /kms_key_id is set on a read replica/ },
    {
      // The cross-region Writer keeps (and needs) its own region's key.
      compliant: pair({ aws_db_instance: { Writer: RDS_DBS.secondary.aws_db_instance.Writer, Reader: reader({ identifier: "p-usw1-db-g1-reader1", replicate_source_db: "${aws_db_instance.Writer.identifier}" }) } }),
      nonCompliant: pair({ aws_db_instance: { Writer: RDS_DBS.secondary.aws_db_instance.Writer, Reader: reader({ identifier: "p-usw1-db-g1-reader1", replicate_source_db: "${aws_db_instance.Writer.identifier}", kms_key_id: KEY }) } }),
      message: /kms_key_id is set on a read replica of a source in its own region \(us-west-1\)/,
    },
  ],
  "log-group-cmk-retention": [
    { compliant: one("aws_cloudwatch_log_group", { kms_key_id: KEY, retention_in_days: 90 }), nonCompliant: one("aws_cloudwatch_log_group", { retention_in_days: 90 }), message: /no customer-managed key/ },
    { compliant: one("aws_cloudwatch_log_group", { kms_key_id: KEY, retention_in_days: 90 }), nonCompliant: one("aws_cloudwatch_log_group", { kms_key_id: KEY }), message: /no retention/ },
  ],
  "eks-cluster-hardened": [
    { compliant: one("aws_eks_cluster", cluster()), nonCompliant: one("aws_eks_cluster", cluster({ encryption_config: undefined })), message: /secrets are not envelope-encrypted/ },
    { compliant: one("aws_eks_cluster", cluster()), nonCompliant: one("aws_eks_cluster", cluster({ enabled_cluster_log_types: ["api"] })), message: /log types off: audit, authenticator/ },
    {
      compliant: one("aws_eks_cluster", cluster({ vpc_config: { endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"] } })),
      nonCompliant: one("aws_eks_cluster", cluster({ vpc_config: { endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ["0.0.0.0/0"] } })),
      message: /public API endpoint is open to the internet/,
    },
  ],
  "s3-encrypted-cmk": [
    {
      compliant: one("aws_s3_bucket", {}, { aws_s3_bucket_server_side_encryption_configuration: { E: { bucket: "${aws_s3_bucket.R.id}", rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY } }] } } }),
      nonCompliant: one("aws_s3_bucket", {}, { aws_s3_bucket_server_side_encryption_configuration: { E: { bucket: "${aws_s3_bucket.R.id}", rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] } } }),
      message: /default encryption is AES256/,
    },
    { compliant: one("aws_s3_bucket", {}, { aws_s3_bucket_server_side_encryption_configuration: { E: { bucket: "${aws_s3_bucket.R.id}", rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY } }] } } }), nonCompliant: one("aws_s3_bucket", {}), message: /no default encryption/ },
  ],
  "secrets-topics-cmk": [
    { compliant: one("aws_secretsmanager_secret", { kms_key_id: KEY }), nonCompliant: one("aws_secretsmanager_secret", {}), message: /no customer-managed key \(kms_key_id\)/ },
    { compliant: one("aws_secretsmanager_secret", { kms_key_id: KEY, replica: [{ region: "us-west-1", kms_key_id: KEY }] }), nonCompliant: one("aws_secretsmanager_secret", { kms_key_id: KEY, replica: [{ region: "us-west-1" }] }), message: /replica in us-west-1/ },
    {
      compliant: one("aws_sns_topic", { kms_master_key_id: "${data.aws_kms_alias.K.target_key_arn}" }, {}, { data: { aws_kms_alias: { K: { name: "alias/drweb" } } } }),
      nonCompliant: one("aws_sns_topic", { kms_master_key_id: "${data.aws_kms_alias.K.target_key_arn}" }, {}, { data: { aws_kms_alias: { K: { name: "alias/aws/sns" } } } }),
      message: /kms_master_key_id/,
    },
  ],
  "lambda-hardened": [
    { compliant: one("aws_lambda_function", lambda()), nonCompliant: one("aws_lambda_function", lambda({ kms_key_arn: undefined })), message: /kms_key_arn/ },
    { compliant: one("aws_lambda_function", lambda()), nonCompliant: one("aws_lambda_function", lambda({ logging_config: { log_format: "Text" } })), message: /logging_config\.log_group/ },
    { compliant: one("aws_lambda_function", lambda()), nonCompliant: one("aws_lambda_function", lambda({ reserved_concurrent_executions: undefined })), message: /reserved concurrency/ },
  ],
  "kms-rotation": [{ compliant: one("aws_kms_key", { enable_key_rotation: true }), nonCompliant: one("aws_kms_key", { enable_key_rotation: false }), message: /rotation is off/ }],
  "imdsv2-required": [{ compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ metadata_options: { http_tokens: "optional" } })), message: /http_tokens is optional/ }],
  "no-public-ip": [
    { compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ network_interfaces: [{ associate_public_ip_address: "true" }] })), message: /gets a public IP/ },
    { compliant: one("aws_subnet", { map_public_ip_on_launch: false }), nonCompliant: one("aws_subnet", { map_public_ip_on_launch: true }), message: /assigns public IPs/ },
  ],
  "sg-internet-ingress": [
    {
      compliant: { config: CONFIG, stacks: { primary: stack({ ...lbWith({}, {}), aws_vpc_security_group_ingress_rule: { R: { security_group_id: "${aws_security_group.Alb.id}", cidr_ipv4: "0.0.0.0/0", from_port: 443, to_port: 443, ip_protocol: "tcp" } } }) } },
      nonCompliant: { config: CONFIG, stacks: { primary: stack({ ...lbWith({}, {}), aws_vpc_security_group_ingress_rule: { R: { security_group_id: "${aws_security_group.Web.id}", cidr_ipv4: "0.0.0.0/0", from_port: 22, to_port: 22, ip_protocol: "tcp" } } }) } },
      message: /opens ports 22-22 to the internet on a group that is not a load balancer's/,
    },
    {
      compliant: { config: CONFIG, stacks: { primary: stack({ ...lbWith({}, {}), aws_vpc_security_group_ingress_rule: { R: { security_group_id: "${aws_security_group.Alb.id}", cidr_ipv4: "10.0.0.0/8", from_port: 8443, to_port: 8443, ip_protocol: "tcp" } } }) } },
      nonCompliant: { config: CONFIG, stacks: { primary: stack({ ...lbWith({}, {}), aws_vpc_security_group_ingress_rule: { R: { security_group_id: "${aws_security_group.Alb.id}", cidr_ipv4: "0.0.0.0/0", from_port: 8443, to_port: 8443, ip_protocol: "tcp" } } }) } },
      message: /a load balancer may open only 80 and 443/,
    },
  ],
  "sg-described": [
    { compliant: one("aws_vpc_security_group_egress_rule", { description: "web to the database" }), nonCompliant: one("aws_vpc_security_group_egress_rule", {}), message: /no description/ },
    { compliant: one("aws_security_group", { description: "web servers" }), nonCompliant: one("aws_security_group", { description: "Managed by Terraform" }), message: /no description/ },
  ],
  "alb-hardened": [
    { compliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: HTTPS, R: REDIRECT })) } }, nonCompliant: { config: CONFIG, stacks: { primary: stack(lbWith({ drop_invalid_header_fields: false }, { H: HTTPS, R: REDIRECT })) } }, message: /invalid header/ },
    { compliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: HTTPS, R: REDIRECT })) } }, nonCompliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: { ...HTTPS, ssl_policy: "ELBSecurityPolicy-2016-08" }, R: REDIRECT })) } }, message: /not a TLS 1\.2\+ policy/ },
    { compliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: HTTPS, R: REDIRECT })) } }, nonCompliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: HTTPS, R: { ...REDIRECT, default_action: [{ type: "forward" }] } })) } }, message: /HTTP listener 80 serves traffic instead of redirecting/ },
    { compliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, { H: HTTPS, R: REDIRECT })) } }, nonCompliant: { config: CONFIG, stacks: { primary: stack(lbWith({ access_logs: { enabled: false } }, {})) } }, message: /access logs are off/ },
    { compliant: { config: CONFIG, stacks: { primary: stack(lbWith({}, {})) } }, nonCompliant: { config: CONFIG, stacks: { primary: stack(lbWith({ enable_deletion_protection: false }, {})) } }, message: /deletion protection is off/ },
  ],
  "vpc-flow-logs": [{ compliant: one("aws_vpc", { cidr_block: "10.0.0.0/16" }, { aws_flow_log: { F: { vpc_id: "${aws_vpc.R.id}" } } }), nonCompliant: one("aws_vpc", { cidr_block: "10.0.0.0/16" }), message: /no flow log/ }],
  "rds-protected": [
    { compliant: one("aws_db_instance", db()), nonCompliant: one("aws_db_instance", db({ publicly_accessible: true })), message: /publicly accessible/ },
    { compliant: one("aws_db_instance", db()), nonCompliant: one("aws_db_instance", db({ deletion_protection: false })), message: /deletion protection is off/ },
    { compliant: one("aws_db_instance", db()), nonCompliant: one("aws_db_instance", db({ skip_final_snapshot: true })), message: /a standalone writer without a final snapshot/ },
    {
      // RDS refuses a final snapshot of a read replica (DeleteDBInstance): a
      // replica that asks for one cannot be destroyed.
      compliant: one("aws_db_instance", db({ replicate_source_db: "arn:aws:rds:us-east-2:1:db:p-db-g1-writer", skip_final_snapshot: true, final_snapshot_identifier: undefined })),
      nonCompliant: one("aws_db_instance", db({ replicate_source_db: "arn:aws:rds:us-east-2:1:db:p-db-g1-writer" })),
      message: /a read replica with skip_final_snapshot = false: RDS refuses a final snapshot of a read replica, so it could never be destroyed/,
    },
    {
      compliant: one("aws_db_instance", db({ replicate_source_db: "${aws_db_instance.W.identifier}", backup_retention_period: 0, skip_final_snapshot: true, final_snapshot_identifier: undefined }), { aws_db_instance: { R: db({ replicate_source_db: "${aws_db_instance.W.identifier}", backup_retention_period: 0, skip_final_snapshot: true, final_snapshot_identifier: undefined }), W: db() } }),
      nonCompliant: one("aws_db_instance", db({ replicate_source_db: "${aws_db_instance.W.identifier}", backup_retention_period: 0, skip_final_snapshot: true }), { aws_db_instance: { R: db({ replicate_source_db: "${aws_db_instance.W.identifier}", backup_retention_period: 0, skip_final_snapshot: true }), W: db() } }),
      message: /final_snapshot_identifier on a read replica/,
    },
    {
      // An in-region reader may have no backups; a writer may not.
      compliant: one("aws_db_instance", db({ backup_retention_period: 0, replicate_source_db: "${aws_db_instance.W.identifier}", skip_final_snapshot: true, final_snapshot_identifier: undefined }), { aws_db_instance: { R: db({ backup_retention_period: 0, replicate_source_db: "${aws_db_instance.W.identifier}", skip_final_snapshot: true, final_snapshot_identifier: undefined }), W: db() } }),
      nonCompliant: one("aws_db_instance", db({ backup_retention_period: 0 })),
      message: /automated backups are off/,
    },
    // Aurora: the cluster holds the data; instances private; global cluster protected.
    { compliant: clusterWith(), nonCompliant: clusterWith({ deletion_protection: false }), message: /deletion protection is off/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ backup_retention_period: 0 }), message: /automated backups are off/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ backup_retention_period: undefined }), message: /automated backups are off/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ skip_final_snapshot: true, final_snapshot_identifier: undefined }), message: /an Aurora cluster without a final snapshot on delete/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ final_snapshot_identifier: undefined }), message: /an Aurora cluster without a final snapshot on delete/ },
    { compliant: one("aws_rds_cluster_instance", auroraInstance()), nonCompliant: one("aws_rds_cluster_instance", auroraInstance({ publicly_accessible: true })), message: /publicly accessible/ },
    { compliant: one("aws_rds_global_cluster", globalCluster()), nonCompliant: one("aws_rds_global_cluster", globalCluster({ deletion_protection: false })), message: /deletion protection is off/ },
  ],
  "iam-no-admin": [
    { compliant: one("aws_iam_role_policy", { policy: "${data.aws_iam_policy_document.Doc.json}" }, {}, { data: { aws_iam_policy_document: doc(["ec2:DescribeInstances"]) } }), nonCompliant: one("aws_iam_role_policy", { policy: "${data.aws_iam_policy_document.Doc.json}" }, {}, { data: { aws_iam_policy_document: doc(["iam:*"]) } }), message: /allows "iam:\*"/ },
    { compliant: one("aws_iam_role_policy_attachment", { policy_arn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }), nonCompliant: one("aws_iam_role_policy_attachment", { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" }), message: /attaches AdministratorAccess/ },
    { compliant: one("aws_iam_policy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] }) }), nonCompliant: one("aws_iam_policy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*" }] }) }), message: /allows "\*"/ },
  ],
  "ci-oidc-trust": [
    { compliant: ghRole("plan", ghTrust()), nonCompliant: ghRole("plan", ghTrust({ sub: undefined })), message: /no token\.actions\.githubusercontent\.com:sub condition: any GitHub repository/ },
    { compliant: ghRole("plan", ghTrust()), nonCompliant: ghRole("plan", ghTrust({ aud: undefined })), message: /does not pin token\.actions\.githubusercontent\.com:aud/ },
    { compliant: ghRole("plan", ghTrust()), nonCompliant: ghRole("plan", ghTrust({ subTest: "StringLike", sub: ["repo:acme/*"] })), message: /compared with StringLike/ },
    { compliant: ghRole("plan", ghTrust()), nonCompliant: ghRole("plan", ghTrust({ sub: ["repo:acme/drweb:*"] })), message: /subject "repo:acme\/drweb:\*" is not one exact repository/ },
    { compliant: ghRole("plan", ghTrust()), nonCompliant: ghRole("plan", ghTrust({ sub: ["repo:acme/drweb:pull_request", "repo:other/drweb:pull_request"] })), message: /subjects of several repositories/ },
    { compliant: ghRole("apply", ghTrust({ sub: ["repo:acme/drweb:environment:apply-primary"] })), nonCompliant: ghRole("apply", ghTrust({ sub: ["repo:acme/drweb:environment:apply-primary", "repo:acme/drweb:ref:refs/heads/main"] })), message: /apply role trusts "repo:acme\/drweb:ref:refs\/heads\/main", which no environment/ },
    {
      // An inline JSON trust policy is read too.
      compliant: ghRole("plan", undefined, JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/drweb:pull_request" } } }] })),
      nonCompliant: ghRole("plan", undefined, JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } } }] })),
      message: /no token\.actions\.githubusercontent\.com:sub condition/,
    },
  ],
  "ci-role-scoped": [
    { compliant: ciPolicy("apply", [{ actions: ["rds:CreateDBInstance"], resources: ["arn:aws:rds:*:1:db:drweb-prod-*"] }]), nonCompliant: ciPolicy("apply", [{ actions: ["rds:*"], resources: ["*"] }]), message: /allows "rds:\*"/ },
    { compliant: ciPolicy("apply", [{ actions: ["iam:CreateRole"], resources: ["arn:aws:iam::1:role/drweb-prod-*"] }]), nonCompliant: ciPolicy("apply", [{ actions: ["iam:CreateRole"], resources: ["*"] }]), message: /allows iam:CreateRole on "\*" without a condition/ },
    { compliant: ciPolicy("plan", [{ actions: ["ec2:Describe*", "s3:GetObject"], resources: ["*"] }]), nonCompliant: ciPolicy("plan", [{ actions: ["ec2:CreateVpc"], resources: ["*"] }]), message: /plan role allows ec2:CreateVpc, which is not a read/ },
    { compliant: ciPolicy("plan", [{ actions: ["s3:PutObject", "s3:DeleteObject"], resources: ["arn:aws:s3:::b/drweb/prod/*.tflock"] }]), nonCompliant: ciPolicy("plan", [{ actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/drweb/prod/*"] }]), message: /plan role allows s3:PutObject/ },
    { compliant: ciPolicy("plan", [{ actions: ["secretsmanager:GetSecretValue"], resources: ["arn:aws:secretsmanager:us-east-2:1:secret:drweb-prod/db/master-??????"] }]), nonCompliant: ciPolicy("plan", [{ actions: ["secretsmanager:GetSecretValue"], resources: ["*"] }]), message: /reads every secret's value/ },
  ],
  "secrets-write-only": [
    { compliant: one("aws_secretsmanager_secret_version", { secret_string_wo: "${ephemeral.x.y.z}", secret_string_wo_version: 1 }), nonCompliant: one("aws_secretsmanager_secret_version", { secret_string: "hunter2" }), message: /sets secret_string, which Terraform keeps in its state/ },
    { compliant: one("kubernetes_secret_v1", { data_wo: { "admin-password": "${ephemeral.x.y.z}" } }), nonCompliant: one("kubernetes_secret_v1", { data: { "admin-password": "admin" } }), message: /sets data/ },
    { compliant: one("aws_db_instance", db({ password_wo: "${ephemeral.x.y.z}" })), nonCompliant: one("aws_db_instance", db({ password: "changeme" })), message: /sets password/ },
    {
      compliant: one("aws_rds_cluster", auroraCluster("c", { master_username: "drweb", master_password_wo: "${ephemeral.x.y.z}", master_password_wo_version: 1 })),
      nonCompliant: one("aws_rds_cluster", auroraCluster("c", { master_username: "drweb", master_password: "changeme" })),
      message: /sets master_password, which Terraform keeps in its state/,
    },
    {
      // Secrets Manager-managed master passwords are not supported for
      // clusters of an Aurora global database (AWS: Secrets Manager
      // integration limitations).
      compliant: one("aws_rds_cluster", auroraCluster("c", { global_cluster_identifier: undefined, manage_master_user_password: true })),
      nonCompliant: one("aws_rds_cluster", auroraCluster("c", { master_username: "drweb", manage_master_user_password: true })),
      message: /manage_master_user_password on a member of an Aurora global database, which RDS does not support/,
    },
  ],
  "helm-chart-pinned": [
    { compliant: one("helm_release", { repository: "https://charts.example", version: "79.7.1" }), nonCompliant: one("helm_release", { repository: "https://charts.example", version: "^79.0.0" }), message: /chart version \^79\.0\.0 is not exact/ },
    { compliant: one("helm_release", { repository: "https://charts.example", version: "79.7.1" }), nonCompliant: one("helm_release", { repository: "http://charts.example", version: "79.7.1" }), message: /not HTTPS/ },
  ],
  "aurora-endpoints-parameter": [
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ param: null }), message: /primary declares 0 database endpoints parameter\(s\) \(none\); it needs exactly one, \/drweb-prod-use2\/db\/endpoints/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ extraParam: true }), message: /primary declares 2 database endpoints parameter/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ param: { name: "/drweb-prod-usw1/db/endpoints" } }), message: /named \/drweb-prod-usw1\/db\/endpoints, not \/drweb-prod-use2\/db\/endpoints/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ param: { type: "SecureString" } }), message: /type SecureString, tier Standard; it must be a String of the Standard tier/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ statement: null }), message: /has no ssm:GetParameter on \/drweb-prod-use2\/db\/endpoints/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ statement: { actions: ["ssm:GetParameter", "ssm:PutParameter"] } }), message: /is granted ssm:GetParameter, ssm:PutParameter; it may only read/ },
    { compliant: endpointsPair(), nonCompliant: endpointsPair({ statement: { resources: ["arn:aws:ssm:us-east-2:1:parameter/*"] } }), message: /names \["arn:aws:ssm:us-east-2:1:parameter\/\*"\], not exactly the endpoints parameter's ARN/ },
    // the other region's parameter, or the parameter by reference (also exact)
    { compliant: endpointsPair({ statement: { resources: ["${aws_ssm_parameter.Endpoints.arn}"] } }), nonCompliant: endpointsPair({ statement: { resources: ["arn:aws:ssm:us-west-1:1:parameter/drweb-prod-use2/db/endpoints"] } }), message: /not exactly the endpoints parameter's ARN \(arn:<partition>:ssm:us-east-2:<account>:parameter\/drweb-prod-use2\/db\/endpoints\)/ },
  ],
  "aurora-cluster-hardened": [
    { compliant: one("aws_rds_global_cluster", globalCluster()), nonCompliant: one("aws_rds_global_cluster", globalCluster({ engine: "aurora-mysql" })), message: /engine is aurora-mysql, not aurora-postgresql/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ enabled_cloudwatch_logs_exports: ["instance"] }), message: /the postgresql log is not exported to CloudWatch/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ enabled_cloudwatch_logs_exports: undefined }), message: /the postgresql log is not exported to CloudWatch/ },
    {
      // A writer alone: no in-region failover target, no reader.
      compliant: clusterWith(),
      nonCompliant: clusterWith({}, { I0: auroraInstance({ cluster_identifier: "${aws_rds_cluster.R.id}" }), I1: auroraInstance({ cluster_identifier: "${aws_rds_cluster.Other.id}" }) }),
      message: /p-use2-db-g1-cluster has 1 instance\(s\): it needs a writer and at least one reader/,
    },
    {
      // Instances named by the literal identifier count too (and only the cluster's).
      compliant: clusterWith({}, { I0: auroraInstance({ cluster_identifier: "p-use2-db-g1-cluster" }), I1: auroraInstance({ cluster_identifier: "p-use2-db-g1-cluster" }) }),
      nonCompliant: clusterWith({}, { I0: auroraInstance({ cluster_identifier: "p-use2-db-g2-cluster" }), I1: auroraInstance({ cluster_identifier: "p-use2-db-g2-cluster" }) }),
      message: /has 0 instance\(s\)/,
    },
    { compliant: one("aws_rds_cluster_instance", auroraInstance()), nonCompliant: one("aws_rds_cluster_instance", auroraInstance({ ca_cert_identifier: undefined })), message: /ca_cert_identifier is unset \(the region's default CA\), not rds-ca-rsa2048-g1/ },
    { compliant: one("aws_rds_cluster_instance", auroraInstance()), nonCompliant: one("aws_rds_cluster_instance", auroraInstance({ ca_cert_identifier: "rds-ca-2019" })), message: /ca_cert_identifier is rds-ca-2019/ },
  ],
  "dr-db-replicated": [
    {
      compliant: pair(),
      nonCompliant: pair({ aws_db_instance: { Writer: db({ identifier: "p-usw1-db-g1-writer" }) } }),
      message: /p-use2-db-g1-writer has no replica in another region/,
    },
    {
      compliant: pair(),
      nonCompliant: pair({ aws_db_instance: { Writer: db({ identifier: "p-usw1-db-g1-writer", replicate_source_db: "arn:aws:rds:us-east-2:123456789012:db:p-use2-db-g1-writer", kms_key_id: "${aws_kms_key.Peer.arn}" }) }, aws_kms_key: { Key: { enable_key_rotation: true }, Peer: { provider: "aws.peer" } } }),
      message: /not encrypted with a key of its own region/,
    },
    // Neither shape: not "nothing to check".
    { compliant: pair(), nonCompliant: pair({ aws_db_instance: {} }, { aws_db_instance: {} }), message: /no database to fail over: neither an RDS instance .* nor an Aurora global cluster/ },
    // Aurora: a member in each region, joined to the one global cluster.
    { compliant: auroraPair(), nonCompliant: auroraPair(auroraMember("p-usw1", { global_cluster_identifier: undefined })), message: /no member cluster in us-west-1 joined to p-prod-db-global[\s\S]*the cluster p-usw1-db-g1-cluster is not a member of the app's global cluster/ },
    { compliant: auroraPair(), nonCompliant: auroraPair(auroraMember("p-usw1", { global_cluster_identifier: "p-prod-db-global2" })), message: /no member cluster in us-west-1 joined to p-prod-db-global/ },
    { compliant: auroraPair(), nonCompliant: auroraPair({ aws_rds_cluster: {}, aws_rds_cluster_instance: {} }), message: /no member cluster in us-west-1 joined to p-prod-db-global/ },
    {
      compliant: auroraPair(),
      // Membership is by region (the provider's), not by stack name.
      nonCompliant: secondaryClusterIn("us-east-2"),
      message: /no member cluster in us-west-1/,
    },
    { compliant: auroraPair(), nonCompliant: auroraPair({ ...auroraMember("p-usw1"), aws_rds_global_cluster: { Global: globalCluster({ global_cluster_identifier: "p-prod-db-global-west" }) } }), message: /2 global clusters \(p-prod-db-global, p-prod-db-global-west\): the app has exactly one/ },
    {
      compliant: auroraPair(),
      nonCompliant: auroraPair({ ...auroraMember("p-usw1", { kms_key_id: "${aws_kms_key.Peer.arn}" }), aws_kms_key: { Key: { enable_key_rotation: true }, Peer: { provider: "aws.peer" } } }),
      message: /the cluster p-usw1-db-g1-cluster is not encrypted with a key of its own region \(us-west-1\)/,
    },
    { compliant: auroraPair(), nonCompliant: auroraPair({}, { ...AURORA_DBS.primary, aws_rds_global_cluster: {} }), message: /the cluster p-use2-db-g1-cluster is not a member of the app's global cluster/ },
  ],
  "backup-vault-protected": [
    { compliant: lockedVault(), nonCompliant: lockedVault({ vault: { force_destroy: true } }), message: /vault v has force_destroy/ },
    // backups.vaultLock (on in prod, the default): a lock with the configured retention and a deny-deletion policy.
    { compliant: lockedVault(), nonCompliant: lockedVault({ lock: null }), message: /vault v has no aws_backup_vault_lock_configuration \(backups.vaultLock is on\)/ },
    { compliant: lockedVault(), nonCompliant: lockedVault({ lock: { min_retention_days: 1 } }), message: /vault v's lock has min_retention_days 1 \(backups.vaultLock: 7\)/ },
    { compliant: lockedVault({ lock: { changeable_for_days: 7, max_retention_days: 35 } }, COMPLIANCE_LOCK), nonCompliant: lockedVault({}, COMPLIANCE_LOCK), message: /max_retention_days unset \(backups.vaultLock: 35\), changeable_for_days unset \(backups.vaultLock mode compliance: 7\)/ },
    { compliant: lockedVault(), nonCompliant: lockedVault({ actions: ["backup:DeleteRecoveryPoint"] }), message: /vault v's access policy does not deny backup:UpdateRecoveryPointLifecycle to every principal/ },
    { compliant: lockedVault(), nonCompliant: lockedVault({ principal: "arn:aws:iam::123456789012:role/x" }), message: /does not deny backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle to every principal/ },
    // Off: a bare vault passes.
    { compliant: { ...one("aws_backup_vault", { name: "v", kms_key_arn: KEY, force_destroy: false }), config: NO_LOCK }, nonCompliant: one("aws_backup_vault", { name: "v", kms_key_arn: KEY, force_destroy: false }), message: /no aws_backup_vault_lock_configuration/ },
    // With backups.isolatedCopy named, the plan must copy into that (locked, other-account) vault.
    {
      compliant: { ...one("aws_backup_plan", PLAN({ copy_action: [{ destination_vault_arn: ISOLATED_VAULT, lifecycle: { delete_after: 35 } }] })), config: ISOLATED },
      nonCompliant: { ...one("aws_backup_plan", PLAN()), config: ISOLATED },
      message: /AWS Backup plan p does not copy into the isolated vault drweb-isolated of account 210987654321 in us-west-1 \(backups.isolatedCopy\)/,
    },
  ],
  "backup-retention-minimum": [
    { compliant: pair(BACKUP_REPLICA()), nonCompliant: pair(BACKUP_REPLICA(), { aws_db_instance: { Writer: db({ identifier: "p-use2-db-g1-writer", backup_retention_period: 1 }) } }), message: /p-use2-db-g1-writer keeps its automated backups 1 days, below backups.minRetentionDays \(7\)/ },
    { compliant: pair(BACKUP_REPLICA()), nonCompliant: pair(BACKUP_REPLICA({ retention_period: 3 })), message: /replicated backups of p-use2-db-g1-writer are kept 3 days, below backups.minRetentionDays \(7\)/ },
    { compliant: one("aws_backup_plan", PLAN()), nonCompliant: one("aws_backup_plan", PLAN({ lifecycle: { delete_after: 1 } })), message: /rule daily keeps recovery points 1 days, below backups.minRetentionDays \(7\)/ },
    { compliant: one("aws_backup_plan", PLAN()), nonCompliant: one("aws_backup_plan", PLAN({ copy_action: [{ destination_vault_arn: "arn:aws:backup:us-west-1:210987654321:backup-vault:x", lifecycle: { delete_after: 2 } }] })), message: /keeps its copy in arn:aws:backup:us-west-1:210987654321:backup-vault:x 2 days/ },
    { compliant: clusterWith(), nonCompliant: clusterWith({ backup_retention_period: 3 }), message: /p-use2-db-g1-cluster keeps its automated backups 3 days, below backups.minRetentionDays \(7\)/ },
    // The minimum is the config's: 7-day copies fail a 14-day minimum.
    { compliant: pair(BACKUP_REPLICA({ retention_period: 14 }), { aws_db_instance: { Writer: db({ identifier: "p-use2-db-g1-writer", backup_retention_period: 14 }) } }, MIN14), nonCompliant: pair(BACKUP_REPLICA(), { aws_db_instance: { Writer: db({ identifier: "p-use2-db-g1-writer", backup_retention_period: 14 }) } }, MIN14), message: /kept 7 days, below backups.minRetentionDays \(14\)/ },
  ],
  "backup-copies-destination-key": [
    // A key ARN of the source region on the copy in us-west-1.
    { compliant: pair(BACKUP_REPLICA()), nonCompliant: pair(BACKUP_REPLICA({ kms_key_id: "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-4000-8000-000000000001" })), message: /the replicated backups of p-use2-db-g1-writer in us-west-1 is encrypted with a key of us-east-2/ },
    {
      compliant: pair(BACKUP_REPLICA()),
      nonCompliant: pair({ ...BACKUP_REPLICA({ kms_key_id: "${aws_kms_key.Peer.arn}" }), aws_kms_key: { Key: { enable_key_rotation: true }, Peer: { provider: "aws.peer" } } }),
      message: /the replicated backups of p-use2-db-g1-writer in us-west-1 is not encrypted with a customer key of that region/,
    },
    { compliant: one("aws_backup_vault", { name: "v", kms_key_arn: KEY }), nonCompliant: one("aws_backup_vault", { name: "v" }), message: /vault v in us-east-2 is not encrypted with a customer key of that region/ },
    // The Aurora copy into the other region's vault, which the secondary stack declares (with its key).
    { compliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_BACKUP("p-usw1", "us-west-1")), nonCompliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_BACKUP("elsewhere", "us-west-1")), message: /copies into vault elsewhere-db-backups in us-west-1, which no stack of the app declares/ },
  ],
  "dr-db-backups-replicated": [
    // The primary writer's backups replicated into us-west-1 by the secondary stack, with its key.
    { compliant: pair(BACKUP_REPLICA()), nonCompliant: pair(), message: /p-use2-db-g1-writer's automated backups are not replicated to another region/ },
    // A copy in the source's own region is no copy against a region loss.
    { compliant: pair(BACKUP_REPLICA()), nonCompliant: pair({}, BACKUP_REPLICA()), message: /backups of p-use2-db-g1-writer are replicated into their own region us-east-2/ },
    // Aurora: the global primary's AWS Backup plan copies into the other region's vault.
    { compliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_BACKUP("p-usw1", "us-west-1")), nonCompliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_BACKUP("p-use2", "us-east-2")), message: /AWS Backup plan p-use2-db copies into no vault of another region/ },
    { compliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_BACKUP("p-usw1", "us-west-1")), nonCompliant: auroraPair(AURORA_VAULT("p-usw1"), AURORA_VAULT("p-use2")), message: /no AWS Backup plan backs up the global database p-prod-db-global/ },
  ],
  "dr-region-parity": [
    { compliant: pair(), nonCompliant: pair({ aws_launch_template: { Web: lt({ instance_type: "t3.nano" }) } }), message: /web instance type differs/ },
    { compliant: pair(), nonCompliant: pair({ aws_autoscaling_group: { Asg: { min_size: 1, desired_capacity: 1, max_size: 2 } } }), message: /web fleet size/ },
    { compliant: pair(), nonCompliant: pair({ aws_eks_cluster: { Eks: cluster({ version: "1.34" }) } }), message: /Kubernetes version differs/ },
    { compliant: pair(), nonCompliant: pair({ aws_eks_node_group: { Nodes: { instance_types: ["t3.medium"], scaling_config: { desired_size: 1, min_size: 1, max_size: 1 } } } }), message: /EKS node group/ },
    { compliant: pair(), nonCompliant: pair({ aws_db_instance: { Writer: db({ identifier: "p-usw1-db-g1-writer", instance_class: "db.t3.micro", replicate_source_db: "arn:aws:rds:us-east-2:1:db:p-use2-db-g1-writer" }) } }), message: /database instance classes differ/ },
    // Aurora: a secondary smaller than the primary cannot take its load.
    { compliant: auroraPair(), nonCompliant: auroraPair(auroraMember("p-usw1", {}, { instance_class: "db.r6g.large" }), auroraMember("p-use2", {}, { instance_class: "db.r6g.xlarge" })), message: /database instance classes differs?: primary .*db\.r6g\.xlarge.*, secondary .*db\.r6g\.large/ },
  ],
  "dr-failover-pair": [
    { compliant: one("aws_kms_key", { enable_key_rotation: true }, failoverRecords({}, {})), nonCompliant: one("aws_kms_key", { enable_key_rotation: true }, failoverRecords({})), message: /no SECONDARY A record for www\.x\.io/ },
    { compliant: one("aws_kms_key", { enable_key_rotation: true }, failoverRecords({}, {})), nonCompliant: one("aws_kms_key", { enable_key_rotation: true }, failoverRecords({ health_check_id: undefined }, {})), message: /PRIMARY record has no health check/ },
  ],
  "dr-failover-switch": [
    { compliant: dnsPair(), nonCompliant: dnsPair({ secondaryTargetHealth: true }), message: /no state of sw makes SECONDARY absolute: e\.g\. .* Route53 answers PRIMARY/ },
    { compliant: dnsPair(), nonCompliant: dnsPair({ secondaryCheck: "S" }), message: /no state of sw makes SECONDARY absolute/ },
    { compliant: dnsPair(), nonCompliant: dnsPair({ alarmRegion: "us-east-1" }), message: /follows an alarm in us-east-1/ },
    { compliant: dnsPair(), nonCompliant: dnsPair({ extraProvider: "us-east-1" }), message: /provider in us-east-1: flipping or planning it would need a region that may be down/ },
  ],
  "dr-vpc-cidrs-disjoint": [{ compliant: pair(), nonCompliant: pair({ aws_vpc: { Vpc: { cidr_block: "10.10.128.0/20" } } }), message: /10\.10\.128\.0\/20 overlaps 10\.10\.0\.0\/16/ }],
  "dr-no-hardcoded-ami": [
    { compliant: one("aws_launch_template", lt()), nonCompliant: one("aws_launch_template", lt({ image_id: "ami-0123456789abcdef0" })), message: /literal ami-0123456789abcdef0/ },
    {
      compliant: one("aws_launch_template", lt({ image_id: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" })),
      nonCompliant: one("aws_instance", { image_id: "ami-0fedcba9876543210" }),
      message: /literal ami-0fedcba9876543210/,
    },
  ],
  "dr-state-placement": [
    {
      compliant: { config: CONFIG, stacks: { primary: stack({}, { terraform: s3Backend("us-east-2") }), secondary: stack({}, { region: "us-west-1", terraform: s3Backend("us-west-1") }) } },
      nonCompliant: { config: CONFIG, stacks: { primary: stack({}, { terraform: s3Backend("us-east-2") }), secondary: stack({}, { region: "us-west-1", terraform: s3Backend("us-east-2") }) } },
      message: /state in us-east-2, the primary region/,
    },
    {
      compliant: { config: CONFIG, stacks: { primary: stack({}, { terraform: s3Backend("us-east-2") }) } },
      nonCompliant: { config: CONFIG, stacks: { primary: stack({}, { terraform: s3Backend("us-east-2", { use_lockfile: false }) }) } },
      message: /not encrypted or not locked/,
    },
  ],
};

/** A dns stack's failover pair as FailoverRecords builds it (us-west-1), with one thing changed. */
function dnsPair(o: { secondaryTargetHealth?: boolean; secondaryCheck?: string; alarmRegion?: string; extraProvider?: string } = {}): PolicyInput {
  const ref = (n: string) => `\${aws_route53_health_check.${n}.id}`;
  const tag = (role: string) => ({ "dr-health-check": role });
  const sw = (role: string, inverted?: boolean) => ({
    type: "CLOUDWATCH_METRIC",
    cloudwatch_alarm_name: "${aws_cloudwatch_metric_alarm.Sw.alarm_name}",
    cloudwatch_alarm_region: o.alarmRegion ?? "us-west-1",
    insufficient_data_health_status: "LastKnownStatus",
    ...(inverted ? { invert_healthcheck: true } : {}),
    tags: tag(role),
  });
  const record = (type: string, check: string, target: string, eth: boolean) => ({ name: "www.x.io", type: "A", zone_id: "Z1", set_identifier: type, failover_routing_policy: { type }, health_check_id: ref(check), alias: { name: target, zone_id: "Z2", evaluate_target_health: eth } });
  const st = stack(
    {
      aws_cloudwatch_metric_alarm: { Sw: { alarm_name: "sw" } },
      aws_route53_health_check: {
        P: { type: "HTTPS", fqdn: "${data.aws_ssm_parameter.P.value}", tags: tag("primary") },
        S: { type: "HTTPS", fqdn: "${data.aws_ssm_parameter.S.value}", tags: tag("secondary") },
        Sw: sw("switch"),
        SwF: sw("switch-forced", true),
        PG: { type: "CALCULATED", child_healthchecks: [ref("P"), ref("Sw")], child_health_threshold: 2, tags: tag("primary-gate") },
        SG: { type: "CALCULATED", child_healthchecks: [ref("S"), ref("SwF")], child_health_threshold: 1, tags: tag("secondary-gate") },
      },
      aws_route53_record: {
        Pr: record("PRIMARY", "PG", "${data.aws_ssm_parameter.P.value}", true),
        Sr: record("SECONDARY", o.secondaryCheck ?? "SG", "${data.aws_ssm_parameter.S.value}", o.secondaryTargetHealth ?? false),
      },
    },
    { provider: { aws: [{ region: "us-west-1" }, ...(o.extraProvider ? [{ alias: "x", region: o.extraProvider }] : [])] } },
  );
  return { config: CONFIG, stacks: { dns: st } };
}

describe("policy rules", () => {
  it("has a compliant and a non-compliant case for every rule", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const r of RULES) {
      expect(r.description.length, r.id).toBeGreaterThan(20);
      expect(r.fix.length, r.id).toBeGreaterThan(10);
    }
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      (CASES[rule.id] ?? []).forEach((c, i) => {
        it(`case ${i + 1}: passes the compliant fixture and fails the other with its message`, () => {
          const good = evaluatePolicy(c.compliant, [], [rule]);
          expect(good.filter((f) => f.status === "compliant").length).toBeGreaterThan(0);
          expect(good.filter((f) => f.status === "non-compliant")).toEqual([]);
          const bad = evaluatePolicy(c.nonCompliant, [], [rule]).filter((f) => f.status === "non-compliant");
          expect(bad.length).toBeGreaterThan(0);
          expect(bad.map((f) => f.message).join("\n")).toMatch(c.message);
          expect(bad[0].fix).toBe(rule.fix);
        });
      });
    });
  }

  it("marks the DR replication rule not applicable while failed over", () => {
    const failedOver = resolveConfig({ database: { drState: "failedOver" } });
    const input = pair({ aws_db_instance: { Writer: db({ identifier: "p-usw1-db-g1-writer" }) } }, {}, failedOver);
    const findings = evaluatePolicy(input, [], RULES.filter((r) => r.id === "dr-db-replicated"));
    expect(findings.map((f) => f.status)).toEqual(["not-applicable", "not-applicable"]);
  });

  it("judges the Aurora shape in every DR state (members are declared alike whatever AWS made primary)", () => {
    const rule = RULES.filter((r) => r.id === "dr-db-replicated");
    for (const drState of ["normal", "failedOver", "failback"] as const) {
      const config = resolveConfig({ database: { engine: "aurora-postgresql", drState } });
      const good = evaluatePolicy(auroraPair({}, {}, config), [], rule);
      expect(good.map((f) => `${f.address}:${f.status}`).sort(), drState).toEqual(["aws_rds_cluster.Cluster:compliant", "aws_rds_cluster.Cluster:compliant", "aws_rds_global_cluster.Global:compliant"]);
      const bad = evaluatePolicy(auroraPair(auroraMember("p-usw1", { global_cluster_identifier: undefined }), {}, config), [], rule).filter((f) => f.status === "non-compliant");
      expect(bad.map((f) => f.message), drState).toContain("no member cluster in us-west-1 joined to p-prod-db-global (global_cluster_identifier)");
    }
  });

  it("passes the Aurora pair on every database rule, each finding something to judge", () => {
    const ids = ["rds-encrypted-cmk", "rds-protected", "aurora-cluster-hardened", "secrets-write-only", "dr-db-replicated", "dr-region-parity"];
    const findings = evaluatePolicy(auroraPair(), [], RULES.filter((r) => ids.includes(r.id)));
    expect(findings.filter((f) => f.status === "non-compliant")).toEqual([]);
    for (const id of ids) expect(findings.some((f) => f.ruleId === id && f.status === "compliant"), id).toBe(true);
    // Every Aurora resource of both regions is judged by the resource rules.
    const judged = (type: string) => new Set(findings.filter((f) => f.address.startsWith(`${type}.`)).map((f) => `${f.stack}:${f.address}`));
    expect([...judged("aws_rds_cluster_instance")].sort()).toEqual(["primary:aws_rds_cluster_instance.I0", "primary:aws_rds_cluster_instance.I1", "secondary:aws_rds_cluster_instance.I0", "secondary:aws_rds_cluster_instance.I1"]);
    expect([...judged("aws_rds_global_cluster")]).toEqual(["primary:aws_rds_global_cluster.Global"]);
  });
});
