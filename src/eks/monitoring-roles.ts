import { Construct } from "constructs";
import { CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT, PROMETHEUS_SERVICE_ACCOUNT } from "./contract";
import { PodIdentityRole } from "./pod-identity-role";

export interface MonitoringRolesProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Namespace of the monitoring stack (config monitoring.namespace). */
  readonly namespace: string;
}

/**
 * The AWS permissions of the monitoring stack, each bound by EKS Pod
 * Identity to one service account: Prometheus may discover EC2 instances
 * (ec2_sd_configs) and nothing else; the CloudWatch exporter may read
 * CloudWatch metrics (RDS ReplicaLag). Both only in this region. The
 * Describe/metric-read APIs have no resource-level permissions, hence "*"
 * narrowed by aws:RequestedRegion.
 */
export class MonitoringRoles extends Construct {
  readonly prometheusRoleArn: string;
  readonly cloudwatchExporterRoleArn: string;

  constructor(scope: Construct, id: string, props: MonitoringRolesProps) {
    super(scope, id);
    const inRegion = [{ test: "StringEquals", variable: "aws:RequestedRegion", values: [props.region] }];
    const common = { accountId: props.accountId, clusterArn: props.clusterArn };
    const sa = (name: string) => ({ clusterName: props.clusterName, namespace: props.namespace, name });
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
  }
}
