/**
 * The config's monitoring section: Prometheus, Grafana, alerting.
 */
import { z } from "zod";
import { count, exactChartVersion } from "./fields";

export const monitoringSchema = z.strictObject({
  /** Namespace of the monitoring stack. */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "must be a Kubernetes namespace name (lower-case DNS label)" }),
  /** The kube-prometheus-stack chart, pinned. */
  chart: z.strictObject({
    /** Helm repository of both charts (prometheus-community). */
    repository: z.string().url(),
    /** The kube-prometheus-stack chart version, exact. */
    version: exactChartVersion("79.7.1"),
  }),
  /**
   * The prometheus-cloudwatch-exporter chart (same repository), pinned:
   * exports RDS ReplicaLag for the DatabaseReplicaLagHigh alert.
   */
  cloudwatchExporter: z.strictObject({
    /** The prometheus-cloudwatch-exporter chart version, exact. */
    chartVersion: exactChartVersion("0.28.1"),
  }),
  prometheus: z.strictObject({
    /** Time-based retention, e.g. 15d. */
    retention: z.string().regex(/^\d+[hdwy]$/, { message: "must be a Prometheus duration like 15d" }),
    /** Size-based retention (GB); must leave headroom on the volume. */
    retentionSizeGb: z.number().int().min(1),
    /** Prometheus's EBS volume (GiB, gp3, the region's key), in one of the node AZs. */
    volumeGb: z.number().int().min(2),
    /** Seconds between two scrapes of every target. */
    scrapeIntervalSeconds: z.number().int().min(5).max(300),
  }),
  grafana: z.strictObject({
    /** Grafana's EBS volume (GiB, gp3, the region's key). */
    volumeGb: z.number().int().min(1),
    /** "portForward": a ClusterIP service; "internalLoadBalancer": an internal NLB in the private app subnets. */
    exposure: z.enum(["portForward", "internalLoadBalancer"]),
    /** CIDRs allowed to the internal load balancer (exposure internalLoadBalancer). */
    allowedCidrs: z.array(z.string()),
    /** Bump to generate and write a new Grafana admin password. */
    adminPasswordVersion: count(),
    /**
     * Days the Grafana admin secret stays restorable after a destroy:
     * 7-30, or 0 to delete it at once (checkSecretRecoveryWindow; 0 is refused in a production environment).
     */
    secretRecoveryWindowDays: z.number().int({ message: "must be a whole number of days. Fix: use 0 or 7 to 30" }),
  }),
  alertmanager: z.strictObject({
    /** Alertmanager's EBS volume (GiB, gp3, the region's key). */
    volumeGb: z.number().int().min(1),
    /** E-mail subscribed to each region's alert topic (confirm the subscription once). */
    email: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "must be an e-mail address" }).optional(),
  }),
});
