import { stringify } from "yaml";
import type { ValidConfig } from "../config";
import { BACKUP_METRIC, BACKUP_METRIC_RANGE_SECONDS } from "./backup-metric";
import { ALERTMANAGER_SERVICE_ACCOUNT, CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT, DB_ROLE_METRIC, MONITORING_RELEASE, PROMETHEUS_SERVICE_ACCOUNT, SCRAPE_TAG, WEB_SCRAPE_JOB } from "../eks/contract";
import type { RuleGroup } from "./repo-files";

/** Requests and limits of one container. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * Container resources sized for two t3.medium nodes (2 vCPU and about
 * 3.3 GiB allocatable each, shared with the EKS system pods): the requests
 * add up to about 2 GiB and 0.6 vCPU, so the monitoring stack fits with a
 * node to spare for rescheduling. Memory limits leave each component room
 * above its request without letting one starve a node.
 */
export const MONITORING_RESOURCES = {
  prometheus: { requests: { cpu: "200m", memory: "1Gi" }, limits: { cpu: "1", memory: "1536Mi" } },
  alertmanager: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
  grafana: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  /** Grafana's dashboard/data-source sidecars (each). */
  grafanaSidecar: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
  operator: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
  /** The operator's config-reloader sidecar in the Prometheus and Alertmanager pods. */
  configReloader: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  /** The short-lived job that creates the operator's admission-webhook certificate. */
  admissionWebhookJob: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  kubeStateMetrics: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "192Mi" } },
  /** Per node (a DaemonSet). */
  nodeExporter: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
  /** A JVM: the heap is a share of the memory limit. */
  cloudwatchExporter: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "384Mi" } },
} as const satisfies Record<string, ContainerResources>;

/** Label (and value) the Grafana sidecar loads dashboards ConfigMaps by (the chart's default). */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;

/** Name under which the alert rules are deployed (PrometheusRule <release>-<name>). */
export const RULES_NAME = "drweb-alerts";

/** Keys of the Grafana admin secret (the Grafana chart's defaults for admin.existingSecret). */
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

/** Service name of Grafana in kube-prometheus-stack: <release>-grafana, port 80. */
export function grafanaServiceName(release: string = MONITORING_RELEASE): string {
  return `${release}-grafana`;
}

/** Service name of Prometheus in kube-prometheus-stack: <release>-prometheus, port 9090. */
export function prometheusServiceName(release: string = MONITORING_RELEASE): string {
  return `${release}-prometheus`;
}

/** Helm values, as Helm reads them (a YAML document). */
export type HelmValues = Record<string, unknown>;

export interface KubePrometheusStackValuesProps {
  /** AWS region of the cluster: EC2 discovery region and `region` label. */
  readonly region: string;
  /** The `monitoring` section of the config. */
  readonly monitoring: ValidConfig["monitoring"];
  /** Port of the web servers' metrics endpoint (config web.metricsPort). */
  readonly metricsPort: number;
  /** Storage class of every persistent volume (gp3, KMS-encrypted). */
  readonly storageClassName: string;
  /** Secret holding the Grafana admin user and password (GRAFANA_ADMIN_KEYS). */
  readonly grafanaAdminSecretName: string;
  /** Alert-rule groups to deploy as a PrometheusRule. */
  readonly ruleGroups: readonly RuleGroup[];
}

/** A persistent volume claim template on the given class. */
function volumeClaimSpec(storageClassName: string, sizeGb: number) {
  return { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${sizeGb}Gi` } } };
}

/** How often EC2 service discovery re-lists the instances (the drill scales it like its other timings). */
export const WEB_SD_REFRESH_SECONDS = 60;

/**
 * What the web scrape job makes of each discovered target. EC2 service
 * discovery sets the address to the instance's private IP and the
 * configured port by default, and offers `__meta_ec2_instance_id`,
 * `__meta_ec2_availability_zone` and `__meta_ec2_region` (Prometheus
 * configuration reference, `<ec2_sd_config>`:
 * https://prometheus.io/docs/prometheus/latest/configuration/configuration/#ec2_sd_config,
 * "The private IP address is used by default"). Every series gets `region`
 * (the alert rules group by it), `instance` = the EC2 instance id and
 * `availability_zone`. The local drill (src/drill/prometheus.ts) runs
 * these same rules on targets that carry the same meta labels, so what the
 * alert rules see there is what they see here.
 */
export const WEB_SCRAPE_RELABEL_CONFIGS: ReadonlyArray<Record<string, unknown>> = [
  { source_labels: ["__meta_ec2_instance_id"], target_label: "instance" },
  { source_labels: ["__meta_ec2_availability_zone"], target_label: "availability_zone" },
  { source_labels: ["__meta_ec2_region"], target_label: "region" },
];

/**
 * The web servers' scrape job with a given discovery: its name (the alert
 * rules select on it) and its relabelling. `discovery` holds the service
 * discovery keys (`ec2_sd_configs` here, `file_sd_configs` in the drill).
 */
export function webScrapeJobWith(discovery: Record<string, unknown>): Record<string, unknown> {
  return { job_name: WEB_SCRAPE_JOB, ...discovery, relabel_configs: WEB_SCRAPE_RELABEL_CONFIGS.map((c) => ({ ...c })) };
}

/**
 * The EC2 service-discovery scrape job of the web servers: instances tagged
 * SCRAPE_TAG and running, in this region only, scraped on their private IP
 * at the metrics port, labelled by WEB_SCRAPE_RELABEL_CONFIGS.
 */
export function webScrapeJob(region: string, metricsPort: number): Record<string, unknown> {
  return webScrapeJobWith({
    ec2_sd_configs: [
      {
        region,
        port: metricsPort,
        refresh_interval: `${WEB_SD_REFRESH_SECONDS}s`,
        filters: [
          { name: `tag:${SCRAPE_TAG.key}`, values: [SCRAPE_TAG.value] },
          { name: "instance-state-name", values: ["running"] },
        ],
      },
    ],
  });
}

/**
 * Service settings of Grafana: a ClusterIP service (reached with kubectl
 * port-forward) or an internal NLB limited to the allowed CIDRs. The NLB
 * annotations are those of the in-tree AWS cloud provider (EKS without the
 * AWS Load Balancer Controller), plus the controller's scheme annotation so
 * it stays internal if the controller is added later.
 */
export function grafanaService(grafana: ValidConfig["monitoring"]["grafana"]): Record<string, unknown> {
  if (grafana.exposure === "portForward") return { type: "ClusterIP" };
  return {
    type: "LoadBalancer",
    annotations: {
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    },
    loadBalancerSourceRanges: [...grafana.allowedCidrs],
  };
}

/**
 * Values of the kube-prometheus-stack chart for one region's cluster. A pure
 * function of its inputs, so what is deployed can be unit-tested.
 */
export function kubePrometheusStackValues(p: KubePrometheusStackValuesProps): HelmValues {
  const m = p.monitoring;
  const interval = `${m.prometheus.scrapeIntervalSeconds}s`;
  const r = MONITORING_RESOURCES;
  return {
    // EKS runs the control plane: controller manager, scheduler and etcd
    // cannot be scraped, and kube-proxy's metrics listen on the node's
    // loopback. Without these their "...Down" alerts would always fire.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    defaultRules: {
      rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
    },
    // The drweb alert rules: the chart labels the PrometheusRule with
    // release=<release name>, which the ruleSelector below selects.
    additionalPrometheusRulesMap: { [RULES_NAME]: { groups: p.ruleGroups } },
    prometheusOperator: {
      resources: r.operator,
      prometheusConfigReloader: { resources: r.configReloader },
      admissionWebhooks: { patch: { resources: r.admissionWebhookJob } },
    },
    prometheus: {
      // Named so the regional stack's EKS Pod Identity association (EC2
      // discovery permissions) applies to these pods.
      serviceAccount: { create: true, name: PROMETHEUS_SERVICE_ACCOUNT },
      prometheusSpec: {
        scrapeInterval: interval,
        evaluationInterval: interval,
        retention: m.prometheus.retention,
        retentionSize: `${m.prometheus.retentionSizeGb}GB`,
        resources: r.prometheus,
        storageSpec: { volumeClaimTemplate: { spec: volumeClaimSpec(p.storageClassName, m.prometheus.volumeGb) } },
        ruleSelector: { matchLabels: { release: MONITORING_RELEASE } },
        // On alerts sent to Alertmanager (rules without their own region).
        externalLabels: { region: p.region },
        additionalScrapeConfigs: [webScrapeJob(p.region, p.metricsPort)],
      },
    },
    alertmanager: {
      // Named so the regional stack's Pod Identity association (publish to
      // the alert topic) applies to these pods. The routing config, which
      // needs the topic's ARN, is a second values document
      // (alertmanagerConfig, rendered by Terraform).
      serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT },
      alertmanagerSpec: {
        resources: r.alertmanager,
        storage: { volumeClaimTemplate: { spec: volumeClaimSpec(p.storageClassName, m.alertmanager.volumeGb) } },
      },
    },
    grafana: {
      enabled: true,
      // The admin password lives only in a secret written by Terraform's
      // write-only arguments; with existingSecret the Grafana chart creates
      // no password secret of its own.
      admin: { existingSecret: p.grafanaAdminSecretName, userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password },
      resources: r.grafana,
      persistence: { enabled: true, type: "pvc", storageClassName: p.storageClassName, accessModes: ["ReadWriteOnce"], size: `${m.grafana.volumeGb}Gi` },
      // A ReadWriteOnce volume can be attached to one pod at a time.
      deploymentStrategy: { type: "Recreate" },
      // The pod's fsGroup already owns the volume; no root init container.
      initChownData: { enabled: false },
      service: grafanaService(m.grafana),
      sidecar: {
        resources: r.grafanaSidecar,
        dashboards: {
          enabled: true,
          label: DASHBOARD_LABEL.key,
          labelValue: DASHBOARD_LABEL.value,
          searchNamespace: m.namespace,
          resource: "configmap",
        },
        datasources: { enabled: true },
      },
    },
    "kube-state-metrics": { resources: r.kubeStateMetrics },
    "prometheus-node-exporter": { resources: r.nodeExporter },
  };
}

/**
 * Alertmanager's routing: every alert to the region's SNS topic (signed
 * with the pod's Pod Identity credentials), resolved notifications too,
 * grouped by alert and region; the chart's always-firing Watchdog and
 * InfoInhibitor go nowhere. Values for the chart key `alertmanager.config`.
 */
export function alertmanagerConfig(topicArn: string, region: string): Record<string, unknown> {
  return {
    route: {
      receiver: "sns",
      group_by: ["alertname", "region"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      // Unquoted matcher values: this document is rendered by Terraform's
      // yamlencode, and cdktf does not escape quotes inside its strings.
      routes: ["Watchdog", "InfoInhibitor"].map((name) => ({ receiver: "null", matchers: [`alertname=${name}`] })),
    },
    receivers: [
      { name: "null" },
      {
        name: "sns",
        sns_configs: [
          {
            topic_arn: topicArn,
            sigv4: { region },
            send_resolved: true,
            subject: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.region }})`,
          },
        ],
      },
    ],
  };
}

export interface CloudwatchExporterValuesProps {
  /** AWS region whose CloudWatch metrics are exported (and `region` label). */
  readonly region: string;
  /** Prometheus scrape interval of the exporter, seconds. */
  readonly scrapeIntervalSeconds: number;
  /** The database-role metric to read: its Deployment dimension and the regions of the DR pair. */
  readonly roleMetric: RoleMetricSource;
  /**
   * Aurora Global Database mode only: this region's member cluster, whose
   * global replication lag is exported instead of RDS ReplicaLag. Omitted in
   * the RDS mode (its exporter configuration is then unchanged).
   */
  readonly auroraGlobal?: AuroraLagSource;
}

/** The Aurora member cluster whose global replication lag a region's exporter reads. */
export interface AuroraLagSource {
  /** DBClusterIdentifier of this region's member cluster (regionClusterIdentifier). */
  readonly clusterIdentifier: string;
}

/**
 * The Aurora Global Database lag metrics (namespace AWS/RDS, cluster-level,
 * unit Milliseconds, "Applies to Aurora MySQL and Aurora PostgreSQL"; Aurora
 * User Guide, "Amazon CloudWatch metrics for Amazon Aurora", cluster-level
 * metrics table):
 *
 * - AuroraGlobalDBRPOLag: "the recovery point objective (RPO) lag time ...
 *   how far the secondary cluster is behind the primary cluster for user
 *   transactions": the committed data a failover now would lose. The one the
 *   Aurora User Guide tells to check, for every Aurora PostgreSQL version,
 *   before a switchover or failover ("Using switchover or failover in Amazon
 *   Aurora Global Database"). The DatabaseGlobalReplicationLagHigh alert reads it.
 * - AuroraGlobalDBReplicationLag: "the amount of lag when replicating updates
 *   from the primary AWS Region" (all transactions, so a long open
 *   transaction raises it while the RPO lag stays 0: "Monitoring an Amazon
 *   Aurora global database", aurora_global_db_status). Dashboard only.
 *
 * Where they are published: "Some CloudWatch metrics, such as replication
 * lag, are only available for secondary Regions. Thus, a switchover changes
 * how to view those metrics" (same switchover page), i.e. in the CloudWatch
 * of the region whose cluster is a SECONDARY member, with DBClusterIdentifier
 * = that secondary cluster (AWS's Aurora global database lab reads
 * AuroraGlobalDBReplicationLag in the secondary region by
 * DBClusterIdentifier = the secondary cluster, with SourceRegion = the
 * primary's region in the "DBClusterIdentifier, SourceRegion" group:
 * https://awsauroralabsmy.com/global/cw/). An exporter reads only its own
 * region's CloudWatch, so each region's exporter selects its own member
 * cluster: in drState normal the us-west-1 exporter has the series and the
 * us-east-2 exporter none; after a switchover or failover it is the other
 * way round, with no change of configuration.
 */
export const AURORA_LAG_METRICS = [
  { metricName: "AuroraGlobalDBRPOLag", prometheusName: "aws_rds_aurora_global_dbrpolag_maximum" },
  { metricName: "AuroraGlobalDBReplicationLag", prometheusName: "aws_rds_aurora_global_dbreplication_lag_maximum" },
] as const;

/**
 * The exporter's metric entries of the Aurora lag: the newest one-minute
 * Maximum (the worst lag of the minute) of this region's member cluster,
 * with its one dimension given, so GetMetricStatistics is called directly,
 * never ListMetrics (see cloudwatchExporterConfig). Period, range and delay
 * are the config's top-level ones (as RDS ReplicaLag's).
 * -> aws_rds_aurora_global_dbrpolag_maximum{dbcluster_identifier="..."} and
 *    aws_rds_aurora_global_dbreplication_lag_maximum{dbcluster_identifier="..."}
 *    (cloudwatch_exporter: safeName(lower(namespace) + "_" + snake(metric)) + "_maximum",
 *    snake = "([a-z0-9])([A-Z])" -> "$1_$2", so "DBRPO" stays one word).
 */
export function auroraLagMetrics(source: AuroraLagSource): Array<Record<string, unknown>> {
  return AURORA_LAG_METRICS.map((m) => ({
    aws_namespace: "AWS/RDS",
    aws_metric_name: m.metricName,
    aws_dimensions: ["DBClusterIdentifier"],
    aws_dimension_select: { DBClusterIdentifier: [source.clusterIdentifier] },
    aws_statistics: ["Maximum"],
  }));
}

/**
 * The exporter's entries of the restorable-window metrics (BACKUP_METRIC,
 * put by `dr status --publish-metrics` into each region's CloudWatch with
 * Region = that region): this region's series only, both sources, every
 * dimension given (GetMetricStatistics directly, never ListMetrics). The
 * newest one-hour Maximum of the last BACKUP_METRIC_RANGE_SECONDS (the
 * nightly publishes once a day; 26 periods, under GetMetricStatistics' 1,440
 * datapoints per call). The series' Region dimension is this region, so the
 * ServiceMonitor's `region` (the target label) is the same and the clashing
 * exporter label is dropped with exported_region (roleMetricRelabelings).
 * -> drweb_backup_found_maximum, drweb_backup_restorable_lag_seconds_maximum,
 *    drweb_backup_restorable_lag_limit_seconds_maximum {deployment, source}
 */
export function backupMetricEntries(region: string, deployment: string): Array<Record<string, unknown>> {
  const d = BACKUP_METRIC.dimensions;
  return [BACKUP_METRIC.found, BACKUP_METRIC.lag, BACKUP_METRIC.limit].map((m) => ({
    aws_namespace: BACKUP_METRIC.namespace,
    aws_metric_name: m.metricName,
    aws_dimensions: [d.deployment, d.region, d.source],
    aws_dimension_select: { [d.deployment]: [deployment], [d.region]: [region], [d.source]: [...BACKUP_METRIC.sources] },
    aws_statistics: [BACKUP_METRIC.statistic],
    period_seconds: BACKUP_METRIC.exporterPeriodSeconds,
    range_seconds: BACKUP_METRIC_RANGE_SECONDS,
    delay_seconds: 0,
    set_timestamp: false,
  }));
}

/** Which DB_ROLE_METRIC series to read. */
export interface RoleMetricSource {
  /** Value of the Deployment dimension (roleMetricDeployment). */
  readonly deployment: string;
  /** Regions whose role is read (both regions of the pair: each publishes into both CloudWatches). */
  readonly regions: readonly string[];
}

/**
 * The cloudwatch_exporter configuration (one region: the exporter has a
 * single `region`, prometheus/cloudwatch_exporter README, "Configuration"):
 *
 * - RDS ReplicaLag per DB instance -> aws_rds_replica_lag_average (RDS
 *   mode), or the Aurora global lag of this region's member cluster
 *   (Aurora mode: auroraLagMetrics);
 * - the database role of BOTH regions (DB_ROLE_METRIC), which every web
 *   server puts into the CloudWatch of both regions, read here from this
 *   region's CloudWatch only -> drweb_database_role_maximum{deployment,
 *   region}. Every dimension is given with its values, so the exporter asks
 *   GetMetricStatistics directly and never ListMetrics (which can take up to
 *   15 minutes to show a new metric: CloudWatch API Reference, PutMetricData;
 *   the exporter skips ListMetrics when aws_dimension_select names all
 *   dimensions, DefaultDimensionSource.getDimensions). The newest one-minute
 *   datapoint of the last 2 minutes, not delayed (the Maximum of a minute
 *   still being filled is already "a writer was seen"): a region that stopped
 *   publishing (down, or its fleet at zero) drops out within 2 minutes, and
 *   two intervals cover a minute with no datapoint.
 */
export function cloudwatchExporterConfig(region: string, role: RoleMetricSource, auroraGlobal?: AuroraLagSource): Record<string, unknown> {
  const d = DB_ROLE_METRIC.dimensions;
  // RDS mode: the ReplicaLag of the region's read replicas. Aurora mode: no
  // RDS read replica exists (replication is Aurora's storage-level global
  // replication), so the cluster's global lag instead (auroraLagMetrics).
  const lag: Array<Record<string, unknown>> = auroraGlobal
    ? auroraLagMetrics(auroraGlobal)
    : [
        // -> aws_rds_replica_lag_average{dbinstance_identifier="..."}
        { aws_namespace: "AWS/RDS", aws_metric_name: "ReplicaLag", aws_dimensions: ["DBInstanceIdentifier"], aws_statistics: ["Average"] },
      ];
  return {
    region,
    // ReplicaLag (and the Aurora lag) is a 1-minute metric; read the last 5 minutes, 2 minutes
    // behind (CloudWatch's publishing delay), stamped with the scrape time
    // so the series does not go stale between CloudWatch datapoints.
    period_seconds: 60,
    range_seconds: 300,
    delay_seconds: 120,
    set_timestamp: false,
    metrics: [
      ...lag,
      // -> drweb_database_role_maximum{deployment="...", region="..."} (relabelled below)
      {
        aws_namespace: DB_ROLE_METRIC.namespace,
        aws_metric_name: DB_ROLE_METRIC.metricName,
        aws_dimensions: [d.deployment, d.region],
        aws_dimension_select: { [d.deployment]: [role.deployment], [d.region]: [...role.regions] },
        aws_statistics: [DB_ROLE_METRIC.statistic],
        period_seconds: DB_ROLE_METRIC.publishSeconds,
        range_seconds: 2 * DB_ROLE_METRIC.publishSeconds,
        delay_seconds: 0,
        set_timestamp: false,
      },
      // -> drweb_backup_*_maximum{deployment, source} of this region (backupMetricEntries)
      ...backupMetricEntries(region, role.deployment),
    ],
  };
}

/**
 * Values of the prometheus-cloudwatch-exporter chart: its own service
 * account (EKS Pod Identity: CloudWatch read in this region) and a
 * ServiceMonitor the kube-prometheus-stack Prometheus selects. Every series
 * gets `region` = this region, except the database role, whose `region` is
 * the region whose database it is: the target label wins a clash and the
 * exporter's own `region` label (the Region dimension) arrives as
 * `exported_region` (Prometheus `honor_labels: false`, the ServiceMonitor's
 * default), which the metric relabelling puts back.
 */
export function cloudwatchExporterValues(p: CloudwatchExporterValuesProps): HelmValues {
  return {
    serviceAccount: { create: true, name: CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT },
    resources: MONITORING_RESOURCES.cloudwatchExporter,
    config: stringify(cloudwatchExporterConfig(p.region, p.roleMetric, p.auroraGlobal), { lineWidth: 0 }),
    serviceMonitor: {
      enabled: true,
      interval: `${Math.max(p.scrapeIntervalSeconds, 60)}s`,
      timeout: "30s",
      labels: { release: MONITORING_RELEASE },
      relabelings: [{ action: "replace", targetLabel: "region", replacement: p.region }],
      metricRelabelings: roleMetricRelabelings(),
    },
  };
}

/** The role metric's `region` is the region of its Region dimension (see cloudwatchExporterValues). */
export function roleMetricRelabelings(): Array<Record<string, unknown>> {
  return [
    { action: "replace", sourceLabels: ["__name__", "exported_region"], regex: `${DB_ROLE_METRIC.prometheusName};(.+)`, targetLabel: "region", replacement: "$1" },
    { action: "labeldrop", regex: "exported_region" },
  ];
}
