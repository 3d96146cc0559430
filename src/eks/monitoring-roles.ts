import { Construct } from "constructs";
import { ALERTMANAGER_SERVICE_ACCOUNT, CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT, PROMETHEUS_SERVICE_ACCOUNT } from "./contract";
import { PodIdentityRole } from "./pod-identity-role";

export interface MonitoringRolesProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Namespace of the monitoring stack (config monitoring.namespace). */
  readonly namespace: string;
  /** The region's alert topic and the key that encrypts it. */
  readonly alertTopicArn: string;
  readonly kmsKeyArn: string;
}

/**
 * The AWS permissions of the monitoring stack, each bound by EKS Pod
 * Identity to one service account: Prometheus may discover EC2 instances
 * (ec2_sd_configs) and nothing else; the CloudWatch exporter may read
 * CloudWatch metrics (RDS ReplicaLag); Alertmanager may publish to the
 * region's alert topic. All only in this region. The
 * Describe/metric-read APIs have no resource-level permissions, hence "*"
 * narrowed by aws:RequestedRegion.
 */
export class MonitoringRoles extends Construct {
  readonly prometheusRoleArn: string;
  readonly cloudwatchExporterRoleArn: string;
  readonly alertmanagerRoleArn: string;

  constructor(scope: Construct, id: string, props: MonitoringRolesProps) {
    super(scope, id);
    const inRegion = [{ test: "StringEquals", variable: "aws:RequestedRegion", values: [props.region] }];
    const common = { clusterArn: props.clusterArn, associateInCluster: props.clusterName };
    const sa = (name: string) => ({ namespace: props.namespace, name });
    this.prometheusRoleArn = new PodIdentityRole(this, "Prometheus", {
      ...common,
      roleName: `${props.namePrefix}-prometheus`,
      description: "Prometheus: EC2 service discovery of the web servers, nothing else",
      statements: [{ sid: "Ec2ServiceDiscovery", actions: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"], resources: ["*"], condition: inRegion }],
      serviceAccount: sa(PROMETHEUS_SERVICE_ACCOUNT),
    }).roleArn;
    this.cloudwatchExporterRoleArn = new PodIdentityRole(this, "CloudwatchExporter", {
      ...common,
      roleName: `${props.namePrefix}-cloudwatch-exporter`,
      description: "CloudWatch exporter: read CloudWatch metrics (RDS replica lag), nothing else",
      statements: [
        { sid: "ReadMetrics", actions: ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"], resources: ["*"], condition: inRegion },
      ],
      serviceAccount: sa(CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT),
    }).roleArn;
    this.alertmanagerRoleArn = new PodIdentityRole(this, "Alertmanager", {
      ...common,
      roleName: `${props.namePrefix}-alertmanager`,
      description: "Alertmanager: publish to the region's alert topic, nothing else",
      statements: [
        { sid: "PublishAlerts", actions: ["sns:Publish"], resources: [props.alertTopicArn] },
        {
          // The topic is encrypted with the region's key: SNS uses it on the publisher's behalf.
          sid: "EncryptForTopic",
          actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
          resources: [props.kmsKeyArn],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`sns.${props.region}.amazonaws.com`] }],
        },
      ],
      serviceAccount: sa(ALERTMANAGER_SERVICE_ACCOUNT),
    }).roleArn;
  }
}
