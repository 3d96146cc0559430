import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { REGION_ROLES, type RegionRole } from "../config";
import { classifyAwsError } from "./aws-errors";
import { AwsService } from "./aws-service";
import type { AlarmRead } from "./platform";

// The AWS adapter's run-report reads and writes (part of AwsPlatform, aws-platform.ts; run-report.ts): the alarms
// firing in both regions, and the report's upload to S3.

export class AwsRunReport extends AwsService {
  /**
   * The run report's alarms (run-report.ts): CloudWatch DescribeAlarms with StateValue ALARM in both regions, both
   * alarm types (without AlarmTypes "only metric alarms are returned, even if composite alarms exist"; composite
   * alarms need cloudwatch:DescribeAlarms scoped to "*": CloudWatch API Reference, DescribeAlarms), names starting
   * with this deployment's prefix (AlarmNamePrefix), at most 5 pages of 100. Each region is bounded by `timeoutMs`
   * (an AbortSignal on the call, one attempt's worth of the SDK's retries) and a region that does not answer is
   * listed as not read: the read never fails or delays a step (the runner reads the start's in the background).
   */
  async readAlarms(timeoutMs: number, roles: readonly RegionRole[] = REGION_ROLES): Promise<AlarmRead[]> {
    const prefix = `${this.config.project}-${this.config.environment}`;
    return Promise.all(
      roles.map(async (role): Promise<AlarmRead> => {
        const region = this.region(role);
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          const alarms: Array<{ name: string; since?: string; reason?: string }> = [];
          let token: string | undefined;
          for (let page = 0; page < 5; page++) {
            const out = (await this.clients.cloudwatch(region).send(
              new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix: prefix, MaxRecords: 100, ...(token ? { NextToken: token } : {}) }),
              { abortSignal: signal } as never,
            )) as { MetricAlarms?: Array<{ AlarmName?: string; StateUpdatedTimestamp?: Date; StateReason?: string }>; CompositeAlarms?: Array<{ AlarmName?: string; StateUpdatedTimestamp?: Date; StateReason?: string }>; NextToken?: string };
            for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
              alarms.push({ name: a.AlarmName ?? "?", ...(a.StateUpdatedTimestamp ? { since: new Date(a.StateUpdatedTimestamp).toISOString() } : {}), ...(a.StateReason ? { reason: a.StateReason.slice(0, 200) } : {}) });
            }
            token = out.NextToken;
            if (!token) break;
          }
          return { region, read: true, alarms };
        } catch (e) {
          const why = signal.aborted ? `no answer within ${Math.ceil(timeoutMs / 1000)} s` : (classifyAwsError(e)?.summary ?? (e as Error)?.message ?? String(e));
          return { region, read: false, alarms: [], error: why };
        }
      }),
    );
  }

  /**
   * The run report's upload: S3 PutObject into `bucket` in the region of `role`. The object takes the bucket's default
   * encryption ("If a PUT Object request doesn't specify any server-side encryption, this default encryption will be
   * applied": S3 API Reference, ServerSideEncryptionRule), and a second run segment's upload replaces the object under
   * the same key (PutObject writes the whole object; with versioning on, the earlier one stays as a version).
   */
  async uploadReport(role: RegionRole, bucket: string, key: string, body: string, contentType: string): Promise<string> {
    const region = this.region(role);
    const s3 = this.clients.s3?.(region);
    if (!s3) throw new Error("no S3 client");
    await this.send(s3, new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), `S3 PutObject s3://${bucket}/${key} (${region})`);
    return `s3://${bucket}/${key} (${region})`;
  }
}
