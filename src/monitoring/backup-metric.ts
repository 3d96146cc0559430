/**
 * The restorable-window metrics `dr status --publish-metrics` puts into
 * CloudWatch (src/dr/restorable-metrics.ts), the CloudWatch exporter reads
 * (src/monitoring/values.ts backupMetricEntries) and the alert rules use
 * (monitoring/rules/drweb-backup-alerts.yaml): names in one place.
 *
 * Why a metric of our own: RDS publishes no CloudWatch metric of the latest
 * restorable time (the AWS/RDS metrics, "Amazon CloudWatch metrics for Amazon
 * RDS" in the RDS User Guide, have only backup storage sizes:
 * BackupRetentionPeriodStorageUsed, SnapshotStorageUsed,
 * TotalBackupStorageBilled); LatestRestorableTime is an attribute of
 * DescribeDBInstances, RestoreWindow.LatestTime one of
 * DescribeDBInstanceAutomatedBackups.
 *
 * A namespace of their own (not DB_ROLE_METRIC's "Drweb"): the CI plan role
 * that runs the nightly `dr status --publish-metrics` may PutMetricData only
 * into it (IAM condition key cloudwatch:namespace: CloudWatch User Guide,
 * "Using condition keys to limit access to CloudWatch namespaces"), so it
 * cannot forge the database-role metric the split-brain alert reads.
 *
 * Prometheus names: cloudwatch_exporter names a metric
 * safeName(lower(namespace) + "_" + snake(metric)) + "_" + lower(statistic),
 * safeName turning "/" into "_" (prometheus/cloudwatch_exporter
 * CloudWatchCollector: safeName replaces [^a-zA-Z0-9:_] with "_"), and a
 * dimension D the label safeName(snake(D)).
 */
export const BACKUP_METRIC = {
  namespace: "Drweb/Backup",
  /** Seconds the latest restorable time lags the read (now - LatestRestorableTime). Only when backups were found and the time is known. */
  lag: { metricName: "RestorableLagSeconds", prometheusName: "drweb_backup_restorable_lag_seconds_maximum", unit: "Seconds" },
  /** runbook.maxRestorableLagMinutes in seconds, with the same dimensions: the rule compares the two, so the config stays the one source. */
  limit: { metricName: "RestorableLagLimitSeconds", prometheusName: "drweb_backup_restorable_lag_limit_seconds_maximum", unit: "Seconds" },
  /** 1: automated backups of the writer were found in the region (own or replicated copy); 0: none found. */
  found: { metricName: "Found", prometheusName: "drweb_backup_found_maximum", unit: "Count" },
  /** Dimensions: the deployment (roleMetricDeployment), the region whose backups were read, and instance | replicated. */
  dimensions: { deployment: "Deployment", region: "Region", source: "Source" },
  sources: ["instance", "replicated"] as const,
  statistic: "Maximum",
  /**
   * The nightly workflow publishes once a day (.github/workflows/nightly.yml, cron 17 4 * * *). The exporter reads
   * the newest datapoint of the last publishSeconds + 2 h, in one-hour periods (GetMetricStatistics returns at most
   * 1,440 datapoints per call: 26 here), so a datapoint stays visible until the next run, and one missed run
   * makes the series absent (BackupRestorableWindowUnknown).
   */
  publishSeconds: 86_400,
  exporterPeriodSeconds: 3600,
} as const;

export const BACKUP_METRIC_RANGE_SECONDS = BACKUP_METRIC.publishSeconds + 2 * BACKUP_METRIC.exporterPeriodSeconds;

/** Every Prometheus series name of the backup metrics (monitoring/check-queries.py's EXTERNAL list holds them too). */
export const BACKUP_PROMETHEUS_NAMES = [BACKUP_METRIC.lag.prometheusName, BACKUP_METRIC.limit.prometheusName, BACKUP_METRIC.found.prometheusName] as const;
