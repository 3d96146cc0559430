import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DB_ROLE_METRIC } from "../eks/contract";

/**
 * The web servers' permission to publish the database-role metric
 * (DB_ROLE_METRIC) into the CloudWatch of each listed region, and nothing
 * else: PutMetricData has no resource-level permissions ("*"), so it is
 * narrowed to the one namespace with the `cloudwatch:namespace` condition key
 * (Amazon CloudWatch User Guide, "Using condition keys to limit access to
 * CloudWatch namespaces",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html)
 * and to the regions with `aws:RequestedRegion`.
 */
export function roleMetricPublishStatements(regions: readonly string[]): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: "PublishDatabaseRole",
      actions: ["cloudwatch:PutMetricData"],
      resources: ["*"],
      condition: [
        { test: "StringEquals", variable: "cloudwatch:namespace", values: [DB_ROLE_METRIC.namespace] },
        { test: "StringEquals", variable: "aws:RequestedRegion", values: [...regions] },
      ],
    },
  ];
}

/**
 * The app's environment for the publisher (webapp/README.md): both regions of
 * the DR pair, the deployment dimension, the interval.
 */
export function roleMetricEnvironment(regions: readonly string[], deployment: string): Record<string, string> {
  return {
    DRWEB_ROLE_METRIC_REGIONS: regions.join(","),
    DRWEB_ROLE_METRIC_DEPLOYMENT: deployment,
    DRWEB_ROLE_METRIC_SECONDS: String(DB_ROLE_METRIC.publishSeconds),
  };
}
