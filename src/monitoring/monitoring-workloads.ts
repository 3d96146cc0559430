import { Construct } from "constructs";
import { Fn, type ITerraformDependable } from "cdktf";
import { DataAwsSnsTopic } from "@cdktf/provider-aws/lib/data-aws-sns-topic";
import { Release } from "@cdktf/provider-helm/lib/release";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { stringify } from "yaml";
import type { ValidConfig } from "../config";
import { MONITORING_RELEASE } from "../eks/contract";
import { GrafanaAdmin } from "./grafana-admin";
import { type DashboardFile, type RuleGroup, terraformLiteral } from "./repo-files";
import { alertmanagerConfig, type AuroraLagSource, cloudwatchExporterValues, DASHBOARD_LABEL, type HelmValues, kubePrometheusStackValues, type RoleMetricSource } from "./values";

/** Chart names in the prometheus-community repository. */
export const CHARTS = { kubePrometheusStack: "kube-prometheus-stack", cloudwatchExporter: "prometheus-cloudwatch-exporter" } as const;

/** Helm release name of the CloudWatch exporter. */
export const CLOUDWATCH_EXPORTER_RELEASE = "cloudwatch-exporter";

export interface MonitoringWorkloadsProps {
  /** AWS region of the cluster. */
  readonly region: string;
  /** The `monitoring` section of the config. */
  readonly monitoring: ValidConfig["monitoring"];
  /** Port of the web servers' metrics endpoint (config web.metricsPort). */
  readonly metricsPort: number;
  /** ARN of the region's KMS key: EBS volumes and the Grafana admin secret. */
  readonly kmsKeyArn: string;
  /** Name of the gp3 storage class this creates (cluster-wide). */
  readonly storageClassName: string;
  /** AZs of the monitoring node groups: volumes are created only there. */
  readonly volumeZones: readonly string[];
  /** Secrets Manager name of the Grafana admin login. */
  readonly grafanaAdminSecretName: string;
  /** Alert-rule groups (monitoring/rules/drweb-alerts.yaml). */
  readonly ruleGroups: readonly RuleGroup[];
  /** Grafana dashboards (monitoring/dashboards/*.json). */
  readonly dashboards: readonly DashboardFile[];
  /** Name of the region's alert topic (created by the regional stack; found by name). */
  readonly alertTopicName: string;
  /** The database-role metric of both regions the CloudWatch exporter reads (split-brain alert). */
  readonly roleMetric: RoleMetricSource;
  /** Aurora Global Database mode: this region's member cluster, whose global lag the exporter reads instead of RDS ReplicaLag. */
  readonly auroraGlobal?: AuroraLagSource;
}

/** Helm `values` from a values object: YAML, with Terraform's template characters escaped. */
function helmValues(values: HelmValues): string[] {
  return [terraformLiteral(stringify(values, { lineWidth: 0 }))];
}

/** "drweb-web-red" -> "DrwebWebRed" (a stable construct id per dashboard file). */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

/**
 * What runs in a region's EKS cluster for monitoring: kube-prometheus-stack
 * (Prometheus, Alertmanager, Grafana, the operator, kube-state-metrics,
 * node-exporter) with the drweb scrape job and alert rules, the CloudWatch
 * exporter for the replication lag (RDS ReplicaLag, or the Aurora global
 * lag in that mode), the drweb Grafana dashboards, a
 * KMS-encrypted gp3 storage class for their volumes, and the Grafana admin
 * login. Uses the stack's Kubernetes and Helm providers.
 */
export class MonitoringWorkloads extends Construct {
  /** Namespace everything runs in. */
  readonly namespace: string;
  /** The kube-prometheus-stack release. */
  readonly release: Release;
  /** The CloudWatch exporter release. */
  readonly cloudwatchExporter: Release;
  /** The Grafana admin credentials. */
  readonly grafanaAdmin: GrafanaAdmin;

  constructor(scope: Construct, id: string, props: MonitoringWorkloadsProps) {
    super(scope, id);
    const m = props.monitoring;
    const namespace = new NamespaceV1(this, "Namespace", {
      metadata: { name: m.namespace, labels: { "app.kubernetes.io/part-of": "drweb-monitoring" } },
    });
    this.namespace = namespace.metadata.name;

    // EBS volumes (ebs.csi.aws.com, the EKS add-on) as gp3 encrypted with
    // the region's key; bound where the pod is scheduled (EBS is per AZ),
    // and only in the AZs that have a monitoring node group of their own
    // (src/eks/cluster.ts), so a volume's AZ always keeps a node for it.
    // allowedTopologies restricts where volumes are provisioned, and with
    // WaitForFirstConsumer the scheduler places the pod of an unbound claim
    // only on a node those topologies allow (Kubernetes, "Storage Classes",
    // https://kubernetes.io/docs/concepts/storage/storage-classes/#allowed-topologies).
    // The EBS CSI driver reports topology.kubernetes.io/zone for its nodes
    // and provisions in it (WellKnownZoneTopologyKey, kubernetes-sigs/aws-ebs-csi-driver
    // pkg/driver: NodeGetInfo, pickAvailabilityZone).
    const storageClass = new StorageClassV1(this, "StorageClass", {
      metadata: { name: props.storageClassName },
      storageProvisioner: "ebs.csi.aws.com",
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      allowedTopologies: { matchLabelExpressions: [{ key: "topology.kubernetes.io/zone", values: [...props.volumeZones] }] },
      parameters: { type: "gp3", encrypted: "true", kmsKeyId: props.kmsKeyArn, "csi.storage.k8s.io/fstype": "ext4" },
    });

    this.grafanaAdmin = new GrafanaAdmin(this, "GrafanaAdmin", {
      awsSecretName: props.grafanaAdminSecretName,
      kmsKeyArn: props.kmsKeyArn,
      namespace: this.namespace,
      kubernetesSecretName: "grafana-admin",
      passwordVersion: m.grafana.adminPasswordVersion,
      recoveryWindowDays: m.grafana.secretRecoveryWindowDays,
    });

    const values = kubePrometheusStackValues({
      region: props.region,
      monitoring: m,
      metricsPort: props.metricsPort,
      storageClassName: props.storageClassName,
      grafanaAdminSecretName: this.grafanaAdmin.kubernetesSecretName,
      ruleGroups: props.ruleGroups,
    });
    const alertTopic = new DataAwsSnsTopic(this, "AlertTopic", { name: props.alertTopicName });
    const dependsOn: ITerraformDependable[] = [storageClass, this.grafanaAdmin.kubernetesSecret];
    this.release = new Release(this, "KubePrometheusStack", {
      name: MONITORING_RELEASE,
      repository: m.chart.repository,
      chart: CHARTS.kubePrometheusStack,
      version: m.chart.version,
      namespace: this.namespace,
      createNamespace: false,
      values: [
        ...helmValues(values),
        // Rendered by Terraform: it carries the alert topic's ARN, known at
        // plan time (a token cannot pass through the escaped literal above).
        Fn.yamlencode({ alertmanager: { config: alertmanagerConfig(alertTopic.arn, props.region) } }),
      ],
      // CRDs, webhooks and the first volume attachments take a while on
      // two small nodes.
      timeout: 900,
      maxHistory: 5,
      dependsOn,
    });

    // After kube-prometheus-stack: its ServiceMonitor needs the CRD.
    this.cloudwatchExporter = new Release(this, "CloudwatchExporter", {
      name: CLOUDWATCH_EXPORTER_RELEASE,
      repository: m.chart.repository,
      chart: CHARTS.cloudwatchExporter,
      version: m.cloudwatchExporter.chartVersion,
      namespace: this.namespace,
      createNamespace: false,
      values: helmValues(cloudwatchExporterValues({ region: props.region, scrapeIntervalSeconds: m.prometheus.scrapeIntervalSeconds, roleMetric: props.roleMetric, auroraGlobal: props.auroraGlobal })),
      timeout: 600,
      maxHistory: 5,
      dependsOn: [this.release],
    });

    const ids = new Set<string>();
    for (const d of props.dashboards) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(d.name)) {
        throw new Error(`dashboard file ${d.fileName}: name it in lower case letters, digits and "-" (it names a ConfigMap)`);
      }
      const cid = `Dashboard${pascalCase(d.name)}`;
      if (ids.has(cid)) throw new Error(`dashboard file ${d.fileName}: another file has the same name apart from punctuation`);
      ids.add(cid);
      new ConfigMapV1(this, cid, {
        metadata: { name: `dashboard-${d.name}`, namespace: this.namespace, labels: { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value } },
        data: { [d.fileName]: terraformLiteral(d.json) },
      });
    }
  }
}
