/**
 * The outputs of a regional stack (stacks/regional-stack.ts): what the
 * runbook, the monitoring stacks and operators read from its state. Names and
 * order are part of the stack's contract (the synth matrix checks the bytes).
 */
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { RegionRole, ValidConfig } from "../src/config";
import type { DatabaseBackups } from "../src/database/backup-vault";
import type { BackupReplica } from "../src/database/backup-plan";
import type { DbCredentials } from "../src/database/credentials";
import type { DatabaseTier } from "../src/database/database-tier";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier } from "../src/database/aurora-contract";
import { AuroraGlobalTier } from "../src/database/aurora-tier";
import type { regionTopology } from "../src/database/topology";
import type { ReadinessChecker } from "../src/dr/readiness-checker";
import type { AlertTopic } from "../src/eks/alert-topic";
import type { EksMonitoringCluster } from "../src/eks/cluster";
import { kubeconfigCommand } from "../src/eks/contract";
import { eksApiTunnelCommand, type DeployRunner } from "../src/eks/deploy-runner";
import type { Naming } from "../src/lib/naming";
import type { Network } from "../src/network/network";
import type { RegionKey } from "../src/security/region-key";
import type { WebTier } from "../src/web/web-tier";

/** The parts of a regional stack its outputs name (RegionalStack's public fields). */
export interface RegionalOutputParts extends Construct {
  readonly key: RegionKey;
  readonly network: Network;
  readonly web: WebTier;
  readonly database: DatabaseTier | AuroraGlobalTier;
  readonly eks: EksMonitoringCluster;
  readonly deployRunner?: DeployRunner;
  readonly backupReplica?: BackupReplica;
  readonly backups?: DatabaseBackups;
  readonly readinessChecker?: ReadinessChecker;
}

/** What the outputs read besides the stack's parts. */
export interface RegionalOutputInputs {
  readonly config: ValidConfig;
  readonly role: RegionRole;
  readonly naming: Naming;
  readonly topology: ReturnType<typeof regionTopology>;
  readonly secretName: string;
  readonly credentials?: DbCredentials;
  readonly alerts: AlertTopic;
}

/** Declares the regional stack's outputs, in their order. */
export function addRegionalOutputs(stack: RegionalOutputParts, inputs: RegionalOutputInputs): void {
  const { config, role, naming, topology, secretName, credentials, alerts } = inputs;
  const rc = config.regions[role];
  const db = config.database;
  const out = (name: string, value: unknown, description: string) => new TerraformOutput(stack, name, { value, description });
  out("region", rc.region, "AWS region of this stack");
  out("availability_zones", rc.availabilityZones, "AZs with subnets, in subnet order");
  out("kms_key_arn", stack.key.keyArn, "The region's customer-managed KMS key");
  out("vpc_id", stack.network.vpcId, "VPC id");
  out("vpc_cidr", rc.vpcCidr, "VPC CIDR block");
  out("public_subnet_ids", stack.network.subnetIds.public, "Public subnets (ALB, NAT), in AZ order");
  out("private_app_subnet_ids", stack.network.subnetIds.privateApp, "Private app subnets (web servers, EKS), in AZ order");
  out("private_data_subnet_ids", stack.network.subnetIds.privateData, "Private data subnets (RDS), in AZ order");
  out("nat_gateway_ids", stack.network.natGatewayIds, "NAT gateways");
  out("flow_log_group", stack.network.flowLogGroupName, "CloudWatch log group of the VPC flow logs");
  const lb = stack.web.loadBalancer;
  out("alb_dns_name", lb.dnsName, "ALB DNS name (Route53 alias target)");
  out("alb_zone_id", lb.zoneId, "ALB hosted zone id (Route53 alias)");
  out("alb_arn", lb.arn, "ALB ARN");
  out("alb_arn_suffix", lb.arnSuffix, "ALB ARN suffix (CloudWatch dimension)");
  out("alb_scheme", lb.scheme, "Protocol clients use: https with a certificate, else http");
  out("target_group_arn", lb.targetGroupArn, "Web target group ARN");
  out("asg_name", stack.web.fleet.asgName, "Web Auto Scaling group name");
  out("web_role_arn", stack.web.fleet.roleArn, "Instance role of the web servers");
  out("alb_access_log_bucket", stack.web.accessLogBucketName, "S3 bucket of the ALB access logs");
  out("eks_cluster_name", stack.eks.clusterName, "EKS cluster of the monitoring stack");
  out("eks_cluster_arn", stack.eks.clusterArn, "EKS cluster ARN");
  out("eks_cluster_security_group_id", stack.eks.clusterSecurityGroupId, "Security group of the EKS control plane and nodes");
  out("alert_topic_arn", alerts.topicArn, "SNS topic of this region's Alertmanager (subscribe on-call here)");
  out("eks_addon_versions", stack.eks.addonVersions, "Managed add-on versions as installed (pin one in eks.addonVersions to change it)");
  out("eks_kubeconfig_command", kubeconfigCommand(rc.region, naming), "Adds the cluster to ~/.kube/config");
  if (stack.deployRunner) {
    out("eks_deploy_runner_asg_name", stack.deployRunner.asgName, "Auto Scaling group of the deploy runner (Session Manager tunnel host to the private API)");
    out("eks_tunnel_operator_policy_arn", stack.deployRunner.operatorPolicyArn, "Attach to the operators' role: opening the API tunnel through the deploy runner, nothing else");
    out("eks_api_tunnel_command", eksApiTunnelCommand(role), "Opens the tunnel to this region's API (keep it running during the monitoring deploy)");
  }
  if (stack.readinessChecker) {
    out("readiness_function_name", stack.readinessChecker.functionName, "DR readiness checker (Lambda; runs on runbook.readiness.schedule; docs/dr-runbook.md)");
    out("readiness_alarm_name", stack.readinessChecker.alarmName, "Alarm on the checker's Ready metric (to alert_topic_arn)");
  }
  out("dr_state", db.drState, "DR lifecycle state this stack was synthesized for");
  const database = stack.database;
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
    if (stack.backupReplica) {
      const rep = stack.backupReplica.replication;
      out("db_backup_replica_arn", rep.id, "Replicated automated backups in this region (RestoreDBInstanceToPointInTime SourceDBInstanceAutomatedBackupsArn)");
      out("db_backup_replica_source_arn", rep.sourceDbInstanceArn, "The writer (other region) whose automated backups are replicated here");
      out("db_backup_replica_kms_key_arn", rep.kmsKeyId, "This region's key that encrypts the replicated backups");
      out("db_backup_replica_parameter", stack.backupReplica.parameterName, "SSM parameter in this region with the same (read by dr restore while the other region is down)");
    }
  }
  out("db_secret_name", secretName, "Credentials secret name (replicated: the same name in both regions)");
  if (credentials) out("db_secret_arn", credentials.secretArn, "Credentials secret ARN in its home region");
  if (stack.backups) {
    out("db_backup_vault_arn", stack.backups.vault.arn, "AWS Backup vault of this region (its recovery points and the copies the other region's plan sends here)");
    if (stack.backups.plan) out("db_backup_plan_id", stack.backups.plan.id, "AWS Backup plan of the writing database (copies: the other region's vault in the Aurora mode, the isolated account's vault)");
  }
}
