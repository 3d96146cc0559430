import { DescribeAlarmsCommand, GetMetricDataCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { failoverSwitch, switchValue } from "../dns/contract";
import { AwsService } from "./aws-service";
import type { SwitchState } from "./platform";

// The AWS adapter's failover switch (part of AwsPlatform, aws-platform.ts): the dns stack's switch alarm and the
// metric it watches, in the secondary region (CloudWatch; no Route 53 call).

export class AwsFailoverSwitch extends AwsService {
  async failoverSwitch(): Promise<SwitchState> {
    const sw = failoverSwitch(this.config);
    const out = await this.send<{ MetricAlarms?: Array<{ StateValue?: string; StateUpdatedTimestamp?: Date }> }>(
      this.clients.cloudwatch(sw.region),
      new DescribeAlarmsCommand({ AlarmNames: [sw.alarmName], AlarmTypes: ["MetricAlarm"] }),
      `CloudWatch DescribeAlarms (${sw.region})`,
    );
    const alarm = out.MetricAlarms?.[0];
    if (!alarm) return { forced: null, alarmState: null, detail: `no alarm ${sw.alarmName} in ${sw.region} (is the dns stack deployed?)` };
    const state = alarm.StateValue ?? null;
    return {
      forced: state === "ALARM" ? true : state === "OK" ? false : null,
      alarmState: state,
      detail: `alarm ${sw.alarmName} (${sw.region}): ${state ?? "?"}${alarm.StateUpdatedTimestamp ? ` since ${alarm.StateUpdatedTimestamp.toISOString()}` : ""}${state === "INSUFFICIENT_DATA" ? " (the switch was never written since the alarm was created)" : ""}`,
    };
  }

  /**
   * PutMetricData of switchValue(forced) in the secondary region. The alarm
   * (and Route53) take the Maximum of each minute, so a value written into a
   * minute that already holds the other value would not count: then this
   * waits for the next minute first. Idempotent: writing the same value again
   * changes nothing.
   */
  async setForcedFailover(forced: boolean): Promise<string> {
    const sw = failoverSwitch(this.config);
    const cw = this.clients.cloudwatch(sw.region);
    const value = switchValue(this.config, forced);
    const periodMs = sw.periodSeconds * 1000;
    const dimensions = Object.entries(sw.dimensions).map(([Name, Value]) => ({ Name, Value }));
    const metric = { Namespace: sw.namespace, MetricName: sw.metricName, Dimensions: dimensions };
    let waited = "";
    const now = this.clock.now();
    const bucket = Math.floor(now / periodMs) * periodMs;
    const recent = await this.send<{ MetricDataResults?: Array<{ Id?: string; Values?: number[] }> }>(
      cw,
      new GetMetricDataCommand({
        StartTime: new Date(bucket),
        EndTime: new Date(bucket + periodMs),
        MetricDataQueries: [
          { Id: "max", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Maximum" } },
          { Id: "min", ReturnData: true, MetricStat: { Metric: metric, Period: sw.periodSeconds, Stat: "Minimum" } },
        ],
      }),
      `CloudWatch GetMetricData ${sw.metricName} (${sw.region})`,
    );
    const max = recent.MetricDataResults?.find((r) => r.Id === "max")?.Values?.[0];
    const min = recent.MetricDataResults?.find((r) => r.Id === "min")?.Values?.[0];
    const clash = forced ? min !== undefined && min < sw.forcedValue : max !== undefined && max >= sw.forcedValue;
    if (clash) {
      const ms = bucket + periodMs - now + 1000;
      await this.clock.sleep(ms);
      waited = ` (waited ${Math.round(ms / 1000)} s: this minute already held the other value)`;
    }
    await this.send(
      cw,
      new PutMetricDataCommand({ Namespace: sw.namespace, MetricData: [{ MetricName: sw.metricName, Dimensions: dimensions, Value: value, Timestamp: new Date(this.clock.now()), StorageResolution: 60 }] }),
      `CloudWatch PutMetricData ${sw.metricName} (${sw.region})`,
    );
    return `PutMetricData ${sw.namespace} ${sw.metricName} ${Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",")} = ${value} in ${sw.region}${waited} (${forced ? "forced to the secondary" : "follows health"})`;
  }
}
