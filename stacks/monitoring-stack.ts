import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsKmsAlias } from "@cdktf/provider-aws/lib/data-aws-kms-alias";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../src/config";
import { alertTopicName, clusterName, EKS_API_TUNNEL_LOCAL_PORT, kubeconfigCommand, MONITORING_RELEASE, monitoringNodeZones, regionKeyAlias, roleMetricDeployment } from "../src/eks/contract";
import { Naming } from "../src/lib/naming";
import { managedTags } from "../src/lib/tags";
import { ClusterAccess } from "../src/monitoring/cluster-access";
import { GRAFANA_ADMIN_USER } from "../src/monitoring/grafana-admin";
import { CLOUDWATCH_EXPORTER_RELEASE, MonitoringWorkloads } from "../src/monitoring/monitoring-workloads";
import { engineMonitoringContent } from "../src/monitoring/engine-content";
import { withBackupRules } from "../src/monitoring/repo-files";
import { grafanaServiceName, prometheusServiceName } from "../src/monitoring/values";
import { configureBackend, requireTerraformVersion } from "./backend";

export interface MonitoringStackProps {
  /** The validated configuration. */
  readonly config: ValidConfig;
  /** Which region of the DR pair this stack monitors. */
  readonly role: RegionRole;
  /** Project root: the local backend's state files and monitoring/ (rules, dashboards). */
  readonly projectRoot: string;
}

/**
 * The monitoring workloads on one region's EKS cluster. `primary-monitoring`
 * and `secondary-monitoring` are this class instantiated twice. Everything
 * the regional stack created (cluster, KMS key) is found by name through
 * data sources, never through the regional stack's state: the cluster is not
 * created in this stack (Kubernetes/Helm providers configured from a cluster
 * of the same stack fail at plan time), and this region's monitoring must
 * be deployable while the other region's state is unreachable.
 */
export class MonitoringStack extends TerraformStack {
  /** The role this stack plays. */
  readonly role: RegionRole;
  /** AWS region. */
  readonly region: string;
  /** Name of the EKS cluster it deploys into. */
  readonly clusterName: string;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    const { config, role } = props;
    const rc = config.regions[role];
    const naming = new Naming(config.project, config.environment, rc.region);
    this.role = role;
    this.region = rc.region;
    this.clusterName = clusterName(naming);

    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: role });
    const tags = managedTags(config, role);
    new AwsProvider(this, "Aws", { region: rc.region, defaultTags: [{ tags }] });
    new ClusterAccess(this, "ClusterAccess", { clusterName: this.clusterName, region: rc.region, tunnelLocalPort: EKS_API_TUNNEL_LOCAL_PORT[role] });
    const key = new DataAwsKmsAlias(this, "RegionKey", { name: `alias/${regionKeyAlias(naming)}` });

    const m = config.monitoring;
    // Rules, dashboards and the exporter's lag source for the database engine (RDS or Aurora).
    const content = engineMonitoringContent(config, role, props.projectRoot);
    const workloads = new MonitoringWorkloads(this, "Monitoring", {
      region: rc.region,
      monitoring: m,
      metricsPort: config.web.metricsPort,
      kmsKeyArn: key.targetKeyArn,
      storageClassName: `${config.project}-gp3-encrypted`,
      volumeZones: monitoringNodeZones(rc.availabilityZones, config.eks.nodeZoneCount),
      grafanaAdminSecretName: `${naming.regional}/grafana/admin`,
      // Plus the restorable-window alerts (monitoring/rules/drweb-backup-alerts.yaml), both modes.
      ruleGroups: withBackupRules(content.ruleGroups, props.projectRoot),
      dashboards: content.dashboards,
      alertTopicName: alertTopicName(naming),
      // Both regions' database roles, from this region's CloudWatch (each
      // region's web servers publish into both): the split-brain alert.
      roleMetric: { deployment: roleMetricDeployment(naming), regions: REGION_ROLES.map((r) => config.regions[r].region) },
      auroraGlobal: content.auroraGlobal,
    });

    const grafanaSvc = grafanaServiceName(MONITORING_RELEASE);
    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("region", rc.region, "AWS region of this stack");
    out("cluster_name", this.clusterName, "EKS cluster the monitoring runs in");
    out("kubeconfig_command", kubeconfigCommand(rc.region, naming), "Adds the cluster to ~/.kube/config");
    out("namespace", m.namespace, "Kubernetes namespace of the monitoring stack");
    out("helm_release_name", workloads.release.name, "Helm release of kube-prometheus-stack");
    out("helm_chart_version", m.chart.version, "Pinned kube-prometheus-stack chart version");
    out("cloudwatch_exporter_release_name", CLOUDWATCH_EXPORTER_RELEASE, "Helm release of prometheus-cloudwatch-exporter");
    out("cloudwatch_exporter_chart_version", m.cloudwatchExporter.chartVersion, "Pinned prometheus-cloudwatch-exporter chart version");
    out("grafana_service", grafanaSvc, "Grafana service (port 80)");
    out("grafana_port_forward_command", `kubectl -n ${m.namespace} port-forward svc/${grafanaSvc} 3000:80`, "Then open http://localhost:3000");
    out("prometheus_port_forward_command", `kubectl -n ${m.namespace} port-forward svc/${prometheusServiceName(MONITORING_RELEASE)} 9090:9090`, "Then open http://localhost:9090");
    out("grafana_admin_user", GRAFANA_ADMIN_USER, "Grafana admin login name");
    out("grafana_admin_secret_name", workloads.grafanaAdmin.awsSecretName, "Secrets Manager secret holding the Grafana admin login (JSON: username, password)");
    out("grafana_admin_secret_arn", workloads.grafanaAdmin.awsSecretArn, "ARN of that secret");
  }
}
