import { Construct } from "constructs";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import type { ValidConfig } from "../config";
import { StackFileAsset } from "../lib/stack-asset";
import { Naming } from "../lib/naming";
import { READINESS_LAMBDA_HANDLER, READINESS_LAMBDA_RUNTIME, type ReadinessPackage } from "./readiness-bundle";
import { READINESS_ACTIONS, RUNBOOK_ACTIONS } from "./runbook-actions";
import { runbookRoleName } from "./runbook-role";

/**
 * The deployed readiness checker (issue 28 point 1), in the secondary region (the region a failover moves to: it
 * must work while the primary's is down): the Lambda function built from src/dr/readiness-lambda.ts, an EventBridge
 * Scheduler schedule that invokes it (runbook.readiness.schedule, rate(5 minutes) by default), and a CloudWatch alarm
 * on the overall Ready metric (readiness-metrics.ts) to the region's alert topic. docs/dr-runbook.md, "The deployed
 * checker".
 *
 * AWS behaviour relied on (read, not run here):
 * - Lambda: `kms_key_arn` encrypts the function's environment variables with the customer key ("Securing Lambda
 *   environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html);
 *   `logging_config.log_group` sends the logs to the log group created here (with retention and the region key)
 *   instead of one Lambda would create without either ("Configuring advanced logging controls",
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html); reserved concurrency 1:
 *   never two checks at once ("Configuring reserved concurrency",
 *   https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 * - EventBridge Scheduler invokes Lambda ASYNCHRONOUSLY through the schedule's execution role, which needs
 *   lambda:InvokeFunction on the function ("Invoke a Lambda function on a schedule", "Set up the execution role",
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html); the role trusts
 *   scheduler.amazonaws.com with aws:SourceAccount ("Set up the execution role",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role).
 *   No retry of a failed run (maximum_retry_attempts 0): the next one is 5 minutes away and a retry would overlap
 *   reserved concurrency 1.
 * - CloudWatch alarm: treat_missing_data "breaching" ("Configuring how CloudWatch alarms treat missing data",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data):
 *   a checker that stopped running (deleted schedule, broken role, throttled) is not a ready standby.
 *   Publishing to the alert topic, which is encrypted with the region key, needs kms:Decrypt and
 *   kms:GenerateDataKey* for cloudwatch.amazonaws.com in the key policy ("Enable compatibility between event
 *   sources from AWS services and encrypted topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
 *   readinessAlarmKeyStatements, added to the region key where the checker runs.
 */

/** CloudWatch metric names the checker publishes (readiness-metrics.ts READINESS_METRIC; not imported: it pulls the AWS SDK into synth; a test checks they match). */
export const READY_METRIC = { name: "Ready", deploymentDimension: "Deployment" } as const;

/**
 * The function's timeout: the checks run at once, each bounded by READINESS_READ_TIMEOUT_MS (30 s, readiness.ts),
 * then one PutMetricData bounded by CALL_BOUNDS.callTimeoutMs (25 s, aws-platform.ts), plus a cold start (loading a
 * 4 MB bundle: a few seconds). A test checks this against those constants.
 */
export const READINESS_LAMBDA_TIMEOUT_SECONDS = 30 + 25 + 15;
/** 256 MB: the bundled SDK clients load in ~100 MB; Lambda's CPU grows with memory, and the cold start is most of the run. */
export const READINESS_LAMBDA_MEMORY_MB = 256;
/** Log retention of the function's log group (a CloudWatch Logs retention period). */
export const READINESS_LOG_RETENTION_DAYS = 30;

/** The function's (and its roles', log group's, schedule's, alarm's) name. */
export function readinessCheckerName(config: ValidConfig): string {
  return `${new Naming(config.project, config.environment, config.regions.secondary.region).regional}-dr-readiness`;
}

/**
 * The runbook's role the checker simulates: runbook.roleArn, else the role the ci-identity stack builds with
 * runbook.role (runbook-role.ts runbookRoleName, `<project>-<env>-dr-runbook`) in this account.
 */
export function simulatedRoleArn(config: ValidConfig, partition: string, accountId: string): string {
  return config.runbook.roleArn ?? `arn:${partition}:iam::${accountId}:role/${runbookRoleName(config)}`;
}

/** Read-only actions of the runbook's list (Describe/Get/List): what the checks read through the runbook's adapter. */
export const RUNBOOK_READ_ACTIONS: readonly string[] = RUNBOOK_ACTIONS.filter((a) => /^[a-z0-9-]+:(Describe|Get|List)/.test(a));

/**
 * Period (seconds) of the alarm: twice the schedule's rate (each period holds at least one run even when a run
 * starts late), one period evaluated; a cron schedule: one hour. Between 60 s and one day (CloudWatch's limit for
 * a period times evaluation periods).
 */
export function readinessAlarmPeriodSeconds(schedule: string): number {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule);
  if (!m) return 3600;
  const unit = { minute: 60, hour: 3600, day: 86400 }[m[2] as "minute" | "hour" | "day"];
  return Math.min(86400, Math.max(60, 2 * Number(m[1]) * unit));
}

/** Key-policy statement letting CloudWatch alarms of this account publish to the topic encrypted with the key. */
export function readinessAlarmKeyStatements(accountId: string): DataAwsIamPolicyDocumentStatement[] {
  return [
    {
      sid: "CloudWatchAlarmsPublishToEncryptedTopics",
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
    },
  ];
}

export interface ReadinessCheckerProps {
  readonly config: ValidConfig;
  /** The deployment package (src/dr/readiness-bundle.ts readinessLambdaPackage). */
  readonly lambdaPackage: ReadinessPackage;
  /** The region the function runs in (the secondary's). */
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  /** The region's customer-managed key (environment, logs). */
  readonly kmsKeyArn: string;
  /** The region's alert topic (src/eks/alert-topic.ts). */
  readonly alertTopicArn: string;
}

export class ReadinessChecker extends Construct {
  readonly functionArn: string;
  readonly functionName: string;
  readonly roleArn: string;
  readonly schedulerRoleArn: string;
  readonly alarmName: string;

  constructor(scope: Construct, id: string, props: ReadinessCheckerProps) {
    super(scope, id);
    const { config, accountId, partition } = props;
    const name = readinessCheckerName(config);
    const asset = new StackFileAsset(this, "Package", { sourcePath: props.lambdaPackage.zipPath, sha256: props.lambdaPackage.sha256 });

    const logs = new CloudwatchLogGroup(this, "Logs", { name: `/aws/lambda/${name}`, retentionInDays: READINESS_LOG_RETENTION_DAYS, kmsKeyId: props.kmsKeyArn });

    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
        },
      ],
    });
    const role = new IamRole(this, "Role", { name, description: "DR readiness checker: read-only checks and its own metrics", assumeRolePolicy: trust.json });
    this.roleArn = role.arn;
    const bucketArns = config.backend.type === "s3" ? [...new Set([config.backend.primaryBucket.bucket, config.backend.secondaryBucket.bucket])].map((b) => `arn:${partition}:s3:::${b}`) : [];
    const secretArns = [config.regions.primary.region, config.regions.secondary.region].map((r) => `arn:${partition}:secretsmanager:${r}:${accountId}:secret:${config.project}-${config.environment}/db/master-*`);
    const scoped = new Set(["iam:SimulatePrincipalPolicy", "s3:GetBucketVersioning", "s3:ListBucket", "secretsmanager:DescribeSecret", "cloudwatch:PutMetricData"]);
    const reads = [...new Set([...RUNBOOK_READ_ACTIONS, ...READINESS_ACTIONS])].filter((a) => !scoped.has(a)).sort();
    const permissions = new DataAwsIamPolicyDocument(this, "Permissions", {
      statement: [
        // Describe/List/Get of RDS, Auto Scaling, ELB, EC2, Route 53, CloudWatch and SSM: these actions take no
        // resource-level permission or are read by name across both regions (Service Authorization Reference).
        { sid: "ReadTheDeployment", actions: reads, resources: ["*"] },
        { sid: "SimulateTheRunbookRole", actions: ["iam:SimulatePrincipalPolicy"], resources: [simulatedRoleArn(config, partition, accountId)] },
        { sid: "ReadTheDbSecretMetadata", actions: ["secretsmanager:DescribeSecret"], resources: secretArns },
        ...(bucketArns.length ? [{ sid: "ReadTheStateBuckets", actions: ["s3:GetBucketVersioning", "s3:ListBucket"], resources: bucketArns }] : []),
        {
          sid: "PublishReadinessMetrics",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          // PutMetricData has no resource type; the namespace condition key limits it ("Actions, resources, and condition keys for Amazon CloudWatch": cloudwatch:namespace).
          condition: [{ test: "StringEquals", variable: "cloudwatch:namespace", values: [`${config.project}/DR`] }],
        },
        { sid: "WriteOwnLogs", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logs.arn}:*`] },
      ],
    });
    new IamRolePolicy(this, "RolePolicy", { name: "readiness", role: role.id, policy: permissions.json });

    const fn = new LambdaFunction(this, "Function", {
      functionName: name,
      description: "DR readiness checker: will the next failover work? (dr readiness, docs/dr-runbook.md)",
      role: role.arn,
      runtime: READINESS_LAMBDA_RUNTIME,
      handler: READINESS_LAMBDA_HANDLER,
      architectures: ["arm64"],
      filename: asset.path,
      sourceCodeHash: props.lambdaPackage.sha256Base64,
      timeout: READINESS_LAMBDA_TIMEOUT_SECONDS,
      memorySize: READINESS_LAMBDA_MEMORY_MB,
      reservedConcurrentExecutions: 1,
      // No environment variables today (the config is in the package); the key covers any added later.
      kmsKeyArn: props.kmsKeyArn,
      loggingConfig: { logFormat: "Text", logGroup: logs.name },
      dependsOn: [logs],
    });
    this.functionArn = fn.arn;
    this.functionName = fn.functionName;

    const schedulerTrust = new DataAwsIamPolicyDocument(this, "SchedulerTrust", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] }],
        },
      ],
    });
    const schedulerRole = new IamRole(this, "SchedulerRole", { name: `${name}-scheduler`, description: "Invokes the DR readiness checker on its schedule, nothing else", assumeRolePolicy: schedulerTrust.json });
    this.schedulerRoleArn = schedulerRole.arn;
    // The function's ARN built from its name, not read from the function: a document that reads fn.arn is deferred
    // to apply whenever the function has a pending change (each deploy that ships a new package), and the role's
    // policy would then show as changed in every such plan (measured in the offline plan matrix).
    const fnArn = `arn:${partition}:lambda:${props.region}:${accountId}:function:${name}`;
    const invoke = new DataAwsIamPolicyDocument(this, "SchedulerPermissions", {
      statement: [{ sid: "InvokeTheChecker", actions: ["lambda:InvokeFunction"], resources: [fnArn, `${fnArn}:*`] }],
    });
    new IamRolePolicy(this, "SchedulerRolePolicy", { name: "invoke-readiness", role: schedulerRole.id, policy: invoke.json });
    new SchedulerSchedule(this, "Schedule", {
      name,
      description: "Runs the DR readiness checker",
      scheduleExpression: config.runbook.readiness.schedule,
      flexibleTimeWindow: { mode: "OFF" },
      state: "ENABLED",
      target: { arn: fn.arn, roleArn: schedulerRole.arn, input: "{}", retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 300 } },
    });

    const deployment = new Naming(config.project, config.environment, config.regions.primary.region).base;
    const alarm = new CloudwatchMetricAlarm(this, "NotReady", {
      alarmName: `${name}-not-ready`,
      alarmDescription: `DR standby not ready (or the checker is not running): ${config.project}/DR Ready < 1. Read the checks: ReadinessCheck metrics (0 failed, -1 could not be read) and the function's log /aws/lambda/${name}, or run \`npm run dr -- readiness\` (docs/dr-runbook.md, "The deployed checker").`,
      namespace: `${config.project}/DR`,
      metricName: READY_METRIC.name,
      dimensions: { [READY_METRIC.deploymentDimension]: deployment },
      statistic: "Minimum",
      period: readinessAlarmPeriodSeconds(config.runbook.readiness.schedule),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [props.alertTopicArn],
      okActions: [props.alertTopicArn],
    });
    this.alarmName = alarm.alarmName;
  }
}
