import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { FailoverSwitch } from "./contract";

/**
 * The forced-failover switch: a CloudWatch alarm in the secondary region on
 * a custom metric the `dr` runbook (or an operator) writes with
 * PutMetricData. Route53 health checks of type CLOUDWATCH_METRIC follow it
 * (FailoverRecords), so flipping the switch is one regional data-plane call
 * in the region traffic moves to: no Route53 API (its control plane is in
 * us-east-1) and no Terraform deploy.
 *
 * Terraform manages the alarm, never the datapoints: a deploy neither flips
 * nor resets the switch, and `dns.forceFailover` only records its position
 * (what `dr status` compares it with).
 *
 * - Standard resolution (60 s) and the Maximum statistic: Route53 follows
 *   alarms on standard-resolution metrics with Average, Minimum, Maximum,
 *   Sum or SampleCount only (Route 53 Developer Guide, "Values that you
 *   specify when you create or update health checks", "CloudWatch alarm").
 * - One datapoint is written per flip, so most of the time the window holds
 *   none. Route53 then keeps each check's last known status
 *   (insufficient_data_health_status = LastKnownStatus, FailoverRecords), and
 *   treat_missing_data = "ignore" keeps the alarm's own state where the last
 *   datapoint put it ("ignore: The current alarm state is maintained":
 *   CloudWatch User Guide, "Configuring how CloudWatch alarms treat missing
 *   data"), so the alarm state `dr` reads and what Route53 follows agree.
 * - No actions: the health-check alarms of the dns-alarms stack report the
 *   effect (the primary-gate turns unhealthy while forced).
 */
export class FailoverSwitchAlarm extends Construct {
  /** The alarm's name (what the CLOUDWATCH_METRIC health checks follow). */
  readonly alarmName: string;

  constructor(scope: Construct, id: string, props: { readonly spec: FailoverSwitch }) {
    super(scope, id);
    const s = props.spec;
    const alarm = new CloudwatchMetricAlarm(this, "Alarm", {
      alarmName: s.alarmName,
      alarmDescription:
        `DNS failover switch. ALARM: Route53 answers the SECONDARY record whatever either region's health (forced failover); OK: answers follow health. ` +
        `Flip it with PutMetricData ${s.namespace} ${s.metricName} ${Object.entries(s.dimensions).map(([k, v]) => `${k}=${v}`).join(",")} in ${s.region}: ${s.forcedValue} forces, ${s.releasedValue} releases (dr failover / dr failback do it).`,
      namespace: s.namespace,
      metricName: s.metricName,
      dimensions: { ...s.dimensions },
      statistic: "Maximum",
      period: s.periodSeconds,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: s.forcedValue,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "ignore",
    });
    this.alarmName = alarm.alarmName;
  }
}
