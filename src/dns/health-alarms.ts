import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { RegionKey } from "../security/region-key";
import type { HealthCheckRole } from "./contract";

/** The health checks that get an alarm, and what each alarm means. */
export const ALARMED_HEALTH_CHECKS = {
  primary: "The primary ALB fails its readiness check: unless failover is forced already, Route53 is sending traffic to the secondary (see docs/dns-failover.md).",
  secondary: "The secondary ALB fails its readiness check: there is no healthy failover target (forced failover still answers SECONDARY).",
  "primary-gate": "The PRIMARY record's gate is unhealthy: the primary is down or the failover switch is forced; clients are on the secondary.",
  "secondary-gate": "The SECONDARY record's gate is unhealthy: the secondary is down and failover is not forced; if the primary is down too, Route53 answers PRIMARY.",
} as const satisfies Partial<Record<HealthCheckRole, string>>;
export type AlarmedHealthCheck = keyof typeof ALARMED_HEALTH_CHECKS;

export interface HealthAlarmsProps {
  readonly namePrefix: string;
  /** Provider in us-east-1: Route53 publishes health-check metrics only there. */
  readonly provider: TerraformProvider;
  readonly accountId: string;
  readonly partition: string;
  readonly deletionWindowDays: number;
  readonly healthCheckIds: Readonly<Record<AlarmedHealthCheck, string>>;
  /** Optional e-mail subscription. */
  readonly email?: string;
}

/**
 * CloudWatch alarms on every health check's HealthCheckStatus, in us-east-1,
 * notifying an SNS topic encrypted with a us-east-1 customer-managed key.
 */
export class HealthAlarms extends Construct {
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: HealthAlarmsProps) {
    super(scope, id);
    const region = "us-east-1";
    const key = new RegionKey(this, "Key", {
      aliasName: `${props.namePrefix}-dns-alarms`,
      region,
      accountId: props.accountId,
      partition: props.partition,
      deletionWindowDays: props.deletionWindowDays,
      provider: props.provider,
      description: `Encrypts the ${props.namePrefix} DNS alarm topic (us-east-1)`,
      additionalStatements: [
        {
          // CloudWatch must encrypt what it publishes to the encrypted topic.
          sid: "CloudWatchPublishesAlarms",
          actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [props.accountId] }],
        },
      ],
    });
    const topic = new SnsTopic(this, "Topic", { provider: props.provider, name: `${props.namePrefix}-dns-health`, kmsMasterKeyId: key.keyArn });
    this.topicArn = topic.arn;
    if (props.email) {
      new SnsTopicSubscription(this, "Email", { provider: props.provider, topicArn: topic.arn, protocol: "email", endpoint: props.email });
    }
    for (const [role, healthCheckId] of Object.entries(props.healthCheckIds) as Array<[AlarmedHealthCheck, string]>) {
      new CloudwatchMetricAlarm(this, `Alarm-${role}`.replace(/-(.)/g, (_, c: string) => c.toUpperCase()), {
        provider: props.provider,
        alarmName: `${props.namePrefix}-dns-${role}-unhealthy`,
        alarmDescription: ALARMED_HEALTH_CHECKS[role],
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        dimensions: { HealthCheckId: healthCheckId },
        statistic: "Minimum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // No data from a health check is itself a problem.
        treatMissingData: "breaching",
        alarmActions: [topic.arn],
        okActions: [topic.arn],
      });
    }
  }
}
