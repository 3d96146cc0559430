import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";

export interface AlertTopicProps {
  /** Topic name (src/eks/contract.ts alertTopicName). */
  readonly name: string;
  /** The region's customer-managed key. */
  readonly kmsKeyArn: string;
  /** Optional e-mail subscription. */
  readonly email?: string;
}

/**
 * Where a region's Alertmanager sends alerts: an SNS topic encrypted with
 * the region's key, optionally with an e-mail subscription (chat, paging
 * tools and SQS subscribe here too).
 */
export class AlertTopic extends Construct {
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const topic = new SnsTopic(this, "Topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn, displayName: "drweb alerts" });
    this.topicArn = topic.arn;
    if (props.email) new SnsTopicSubscription(this, "Email", { topicArn: topic.arn, protocol: "email", endpoint: props.email });
  }
}
