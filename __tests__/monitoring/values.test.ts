// Unit tests of the Helm values (pure functions): what the monitoring
// stacks deploy into each cluster, without synthesizing anything.
import * as path from "node:path";
import { parse } from "yaml";
import { resolveConfig } from "../../src/config";
import { CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT, DB_ROLE_METRIC, MONITORING_RELEASE, PROMETHEUS_SERVICE_ACCOUNT, SCRAPE_TAG, WEB_SCRAPE_JOB } from "../../src/eks/contract";
import { loadRuleGroups, MONITORING_FILES } from "../../src/monitoring/repo-files";
import {
  cloudwatchExporterConfig,
  cloudwatchExporterValues,
  DASHBOARD_LABEL,
  GRAFANA_ADMIN_KEYS,
  grafanaServiceName,
  kubePrometheusStackValues,
  type KubePrometheusStackValuesProps,
  MONITORING_RESOURCES,
  webScrapeJob,
} from "../../src/monitoring/values";
import { PROJECT_ROOT } from "../helpers/synth";

const RULES = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.rules));

function props(overrides: unknown = {}, region = "us-east-2"): KubePrometheusStackValuesProps {
  const config = resolveConfig(overrides, "test");
  return {
    region,
    monitoring: config.monitoring,
    metricsPort: config.web.metricsPort,
    storageClassName: "drweb-gp3-encrypted",
    grafanaAdminSecretName: "grafana-admin",
    ruleGroups: RULES,
  };
}

const values = (overrides: unknown = {}, region?: string): any => kubePrometheusStackValues(props(overrides, region));

/** "200m" -> 0.2 cores; "1" -> 1. */
function cpu(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** "1Gi" / "1536Mi" -> MiB. */
function mib(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

/**
 * One t3.medium node as EKS schedules it: 2 vCPU / 4 GiB, less the
 * kubelet's reservations (AL2023 EKS AMI: 70m CPU; 255Mi + 11Mi x 17 pods
 * + 100Mi eviction threshold of memory).
 */
const T3_MEDIUM_ALLOCATABLE = { cpu: 1.93, memoryMi: 4096 - (255 + 11 * 17) - 100 };
const NODES = 2;

/** Where the chart reads each container's resources, and how many of it run. */
const COMPONENTS: Array<[string, (v: any) => any, number]> = [
  ["prometheus", (v) => v.prometheus.prometheusSpec.resources, 1],
  ["alertmanager", (v) => v.alertmanager.alertmanagerSpec.resources, 1],
  ["grafana", (v) => v.grafana.resources, 1],
  ["grafana sidecars (dashboards, data sources)", (v) => v.grafana.sidecar.resources, 2],
  ["prometheus-operator", (v) => v.prometheusOperator.resources, 1],
  ["config reloaders (prometheus, alertmanager)", (v) => v.prometheusOperator.prometheusConfigReloader.resources, 2],
  ["admission-webhook job", (v) => v.prometheusOperator.admissionWebhooks.patch.resources, 0],
  ["kube-state-metrics", (v) => v["kube-state-metrics"].resources, 1],
  ["node-exporter (per node)", (v) => v["prometheus-node-exporter"].resources, NODES],
];

/** Minimal Prometheus relabelling (action replace, the default): enough to run the scrape job's rules. */
function relabel(target: Record<string, string>, configs: any[]): Record<string, string> {
  const out = { ...target };
  for (const c of configs) {
    expect(c.action ?? "replace").toBe("replace");
    const value = (c.source_labels ?? []).map((l: string) => out[l] ?? "").join(c.separator ?? ";");
    const m = new RegExp(`^(?:${c.regex ?? "(.*)"})$`).exec(value);
    if (!m) continue;
    out[c.target_label] = (c.replacement ?? "$1").replace(/\$\{(\d+)\}|\$(\d+)/g, (_: string, a?: string, b?: string) => m[Number(a ?? b)] ?? "");
  }
  return out;
}

describe("kubePrometheusStackValues", () => {
  it.each(COMPONENTS)("gives %s CPU and memory requests and limits, limits above requests", (_name, at) => {
    const r = at(values());
    expect(Object.keys(r).sort()).toEqual(["limits", "requests"]);
    for (const kind of ["requests", "limits"]) expect(Object.keys(r[kind]).sort()).toEqual(["cpu", "memory"]);
    expect(cpu(r.limits.cpu)).toBeGreaterThanOrEqual(cpu(r.requests.cpu));
    expect(mib(r.limits.memory)).toBeGreaterThanOrEqual(mib(r.requests.memory));
  });

  it("fits two t3.medium nodes with the CloudWatch exporter, leaving room for the EKS system pods", () => {
    const v = values();
    const all: Array<[any, number]> = [...COMPONENTS.map(([, at, n]) => [at(v), n] as [any, number]), [MONITORING_RESOURCES.cloudwatchExporter, 1]];
    const sum = (f: (r: any) => number, kind: "requests" | "limits") => all.reduce((t, [r, n]) => t + n * f(r[kind]), 0);
    const requestsMem = sum((q) => mib(q.memory), "requests");
    const requestsCpu = sum((q) => cpu(q.cpu), "requests");
    // At most half of the two nodes: the rest is for coredns, the VPC CNI,
    // the EBS CSI driver, kube-proxy and for rescheduling after a node loss.
    expect(requestsMem).toBeLessThanOrEqual((NODES * T3_MEDIUM_ALLOCATABLE.memoryMi) / 2);
    expect(requestsCpu).toBeLessThanOrEqual((NODES * T3_MEDIUM_ALLOCATABLE.cpu) / 2);
    // Even all at their memory limits the pods fit the two nodes.
    expect(sum((q) => mib(q.memory), "limits")).toBeLessThan(NODES * T3_MEDIUM_ALLOCATABLE.memoryMi);
    // The largest pod (Prometheus + its reloader) takes at most half a node at its limits.
    expect(mib(v.prometheus.prometheusSpec.resources.limits.memory) + mib(MONITORING_RESOURCES.configReloader.limits.memory)).toBeLessThan(T3_MEDIUM_ALLOCATABLE.memoryMi / 2);
  });

  it("takes retention, retention size and volume sizes from config", () => {
    const d = values().prometheus.prometheusSpec;
    expect(d.retention).toBe("15d");
    expect(d.retentionSize).toBe("8GB");
    expect(d.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe("10Gi");
    const o = values({ monitoring: { prometheus: { retention: "30d", retentionSizeGb: 40, volumeGb: 50, scrapeIntervalSeconds: 15 }, alertmanager: { volumeGb: 3 }, grafana: { volumeGb: 7 } } });
    const p = o.prometheus.prometheusSpec;
    expect([p.retention, p.retentionSize, p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage]).toEqual(["30d", "40GB", "50Gi"]);
    expect([p.scrapeInterval, p.evaluationInterval]).toEqual(["15s", "15s"]);
    expect(o.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe("3Gi");
    expect(o.grafana.persistence.size).toBe("7Gi");
  });

  it("puts Prometheus, Alertmanager and Grafana on persistent volumes of the given storage class", () => {
    const v = values();
    const specs = [v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec, v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec];
    for (const s of specs) expect(s).toMatchObject({ storageClassName: "drweb-gp3-encrypted", accessModes: ["ReadWriteOnce"] });
    expect(v.grafana.persistence).toMatchObject({ enabled: true, storageClassName: "drweb-gp3-encrypted", accessModes: ["ReadWriteOnce"] });
    // One pod at a time may attach Grafana's ReadWriteOnce volume.
    expect(v.grafana.deploymentStrategy).toEqual({ type: "Recreate" });
  });

  it("runs Prometheus under the service account the Pod Identity association names", () => {
    expect(values().prometheus.serviceAccount).toEqual({ create: true, name: PROMETHEUS_SERVICE_ACCOUNT });
  });

  it("turns off scraping and alerts for the control-plane parts EKS manages", () => {
    const v = values();
    for (const c of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) expect(v[c]).toEqual({ enabled: false });
    expect(v.defaultRules.rules).toEqual({ etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false });
  });

  it("deploys the given rule groups, selected by the release label the chart puts on them", () => {
    const v = values();
    expect(v.additionalPrometheusRulesMap["drweb-alerts"].groups).toEqual(RULES);
    expect(v.prometheus.prometheusSpec.ruleSelector).toEqual({ matchLabels: { release: MONITORING_RELEASE } });
  });

  it("scrapes the web servers of its own region by EC2 discovery on the metrics port", () => {
    const job = values().prometheus.prometheusSpec.additionalScrapeConfigs.find((j: any) => j.job_name === WEB_SCRAPE_JOB);
    expect(job.ec2_sd_configs).toEqual([
      {
        region: "us-east-2",
        port: 9102,
        refresh_interval: "60s",
        filters: [
          { name: `tag:${SCRAPE_TAG.key}`, values: [SCRAPE_TAG.value] },
          { name: "instance-state-name", values: ["running"] },
        ],
      },
    ]);
    const west = values({ web: { metricsPort: 9200 } }, "us-west-1").prometheus.prometheusSpec.additionalScrapeConfigs[0];
    expect(west.ec2_sd_configs[0]).toMatchObject({ region: "us-west-1", port: 9200 });
  });

  it("labels each web server's series with its region, instance id and AZ, scraped on its private IP", () => {
    // What EC2 discovery gives a target: the address is <private IP>:<port> by default.
    const discovered = {
      __address__: "10.10.32.7:9102",
      __meta_ec2_private_ip: "10.10.32.7",
      __meta_ec2_instance_id: "i-0123456789abcdef0",
      __meta_ec2_availability_zone: "us-west-1c",
      __meta_ec2_region: "us-west-1",
    };
    const labels = relabel(discovered, webScrapeJob("us-west-1", 9102).relabel_configs as any[]);
    expect(labels).toMatchObject({ __address__: "10.10.32.7:9102", instance: "i-0123456789abcdef0", region: "us-west-1", availability_zone: "us-west-1c" });
  });

  it("uses the job name the alert rules select", () => {
    const exprs = RULES.flatMap((g) => g.rules.map((r) => String(r.expr)));
    const jobs = new Set(exprs.flatMap((e) => [...e.matchAll(/job="([^"]+)"/g)].map((m) => m[1])));
    expect([...jobs]).toEqual([WEB_SCRAPE_JOB]);
  });

  it("gives Grafana its admin login only through the existing secret, never a password value", () => {
    const v = values();
    expect(v.grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password });
    expect(JSON.stringify(v)).not.toMatch(/adminPassword|prom-operator/);
  });

  it("has the Grafana sidecar load labelled dashboard ConfigMaps from the monitoring namespace", () => {
    expect(values({ monitoring: { namespace: "observability" } }).grafana.sidecar.dashboards).toEqual({
      enabled: true,
      label: DASHBOARD_LABEL.key,
      labelValue: DASHBOARD_LABEL.value,
      searchNamespace: "observability",
      resource: "configmap",
    });
  });

  it("exposes Grafana as a ClusterIP service for port-forwarding by default", () => {
    const svc = values().grafana.service;
    expect(svc).toEqual({ type: "ClusterIP" });
    expect(grafanaServiceName()).toBe("kube-prometheus-stack-grafana");
  });

  it("exposes Grafana on an internal NLB open only to the allowed CIDRs when configured", () => {
    const svc = values({ monitoring: { grafana: { exposure: "internalLoadBalancer", allowedCidrs: ["10.0.0.0/8", "192.168.10.0/24"] } } }).grafana.service;
    expect(svc.type).toBe("LoadBalancer");
    expect(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]).toBe("nlb");
    expect(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"]).toBe("true");
    expect(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe("internal");
    expect(svc.loadBalancerSourceRanges).toEqual(["10.0.0.0/8", "192.168.10.0/24"]);
  });
});

describe("cloudwatchExporterValues", () => {
  const role = { deployment: "drweb-prod", regions: ["us-east-2", "us-west-1"] };
  const cw: any = cloudwatchExporterValues({ region: "us-west-1", scrapeIntervalSeconds: 30, roleMetric: role });
  // cloudwatch_exporter names a metric safeName(lower(namespace) + "_" + snake(metric)) + "_" + statistic
  // (CloudWatchCollector.scrape): AWS/RDS ReplicaLag Average -> aws_rds_replica_lag_average.
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const exporterName = (m: any) => `${m.aws_namespace.toLowerCase()}_${snake(m.aws_metric_name)}_${m.aws_statistics[0].toLowerCase()}`.replace(/[^a-zA-Z0-9:_]/g, "_").replace(/__+/g, "_");
  const ruleExprs = RULES.flatMap((g) => g.rules.map((r) => String(r.expr)));

  it("runs under the service account with the CloudWatch read role, with requests and limits", () => {
    expect(cw.serviceAccount).toEqual({ create: true, name: CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT });
    expect(cw.resources).toEqual(MONITORING_RESOURCES.cloudwatchExporter);
  });

  it("exports the RDS ReplicaLag average per DB instance of its region, under the name the alert uses", () => {
    const config = parse(cw.config);
    expect(config).toEqual(cloudwatchExporterConfig("us-west-1", role));
    expect(config.region).toBe("us-west-1");
    const lag = config.metrics[0];
    expect(lag).toEqual({ aws_namespace: "AWS/RDS", aws_metric_name: "ReplicaLag", aws_dimensions: ["DBInstanceIdentifier"], aws_statistics: ["Average"] });
    expect(exporterName(lag)).toBe("aws_rds_replica_lag_average");
    expect(ruleExprs.some((e) => e.includes(exporterName(lag)))).toBe(true);
  });

  it("reads both regions' database role from its own region's CloudWatch, under the name the split-brain alert uses", () => {
    const m = parse(cw.config).metrics[1];
    expect(m).toMatchObject({
      aws_namespace: DB_ROLE_METRIC.namespace,
      aws_metric_name: DB_ROLE_METRIC.metricName,
      aws_dimensions: ["Deployment", "Region"],
      aws_dimension_select: { Deployment: ["drweb-prod"], Region: ["us-east-2", "us-west-1"] },
      aws_statistics: ["Maximum"],
      period_seconds: 60,
      delay_seconds: 0,
      set_timestamp: false,
    });
    // Every dimension selected with its values: the exporter never needs ListMetrics.
    expect(Object.keys(m.aws_dimension_select).sort()).toEqual([...m.aws_dimensions].sort());
    // A stopped region drops out within two publishing intervals.
    expect(m.range_seconds).toBe(2 * DB_ROLE_METRIC.publishSeconds);
    expect(exporterName(m)).toBe(DB_ROLE_METRIC.prometheusName);
    const split = RULES.flatMap((g) => g.rules).find((r) => r.alert === "DatabaseWritableInBothRegions")!;
    expect(String(split.expr)).toContain(`${DB_ROLE_METRIC.prometheusName} == 1`);
  });

  it("has a ServiceMonitor the kube-prometheus-stack Prometheus selects, adding the region label, except to the role metric", () => {
    expect(cw.serviceMonitor).toMatchObject({ enabled: true, labels: { release: MONITORING_RELEASE } });
    expect(cw.serviceMonitor.relabelings).toEqual([{ action: "replace", targetLabel: "region", replacement: "us-west-1" }]);
    // The role metric keeps the region of its Region dimension (exported_region after the clash).
    expect(cw.serviceMonitor.metricRelabelings).toEqual([
      { action: "replace", sourceLabels: ["__name__", "exported_region"], regex: "drweb_database_role_maximum;(.+)", targetLabel: "region", replacement: "$1" },
      { action: "labeldrop", regex: "exported_region" },
    ]);
    // CloudWatch data changes once a minute: no faster scrapes than that.
    expect(cw.serviceMonitor.interval).toBe("60s");
  });
});
