/**
 * The deployed readiness checker (issue 28 point 1): the package esbuild builds at synth, run as Lambda would run
 * it (index.handler of the zip, its embedded config), against the stubbed AWS SDK (fake-aws.ts + fake-readiness.ts:
 * no AWS API emulator runs here; the bundle's own SDK Command classes are mapped to the node_modules ones by name);
 * and what the secondary stack declares for it (function, roles, schedule, alarm, key policy, CI permissions).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import * as asg from "@aws-sdk/client-auto-scaling";
import * as cw from "@aws-sdk/client-cloudwatch";
import * as ec2 from "@aws-sdk/client-ec2";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import * as iam from "@aws-sdk/client-iam";
import * as rds from "@aws-sdk/client-rds";
import * as r53 from "@aws-sdk/client-route-53";
import * as s3 from "@aws-sdk/client-s3";
import * as sm from "@aws-sdk/client-secrets-manager";
import * as ssm from "@aws-sdk/client-ssm";
import { resolveConfig } from "../../src/config";
import { CALL_BOUNDS } from "../../src/dr/aws-sdk-calls";
import { FakeClock } from "../../src/dr/clock";
import { READINESS_CHECKS, READINESS_READ_TIMEOUT_MS } from "../../src/dr/readiness";
import { checkerConfig, readinessLambdaPackage, readinessLambdaZip, readinessLambdaBundle, READINESS_LAMBDA_HANDLER } from "../../src/dr/readiness-bundle";
import { READINESS_LAMBDA_TIMEOUT_SECONDS, READY_METRIC, RUNBOOK_READ_ACTIONS, readinessAlarmPeriodSeconds, readinessCheckerName } from "../../src/dr/readiness-checker";
import { READINESS_CONFIG_FILE } from "../../src/dr/readiness-lambda";
import { READINESS_METRIC, readinessNamespace } from "../../src/dr/readiness-metrics";
import { READINESS_ACTIONS } from "../../src/dr/runbook-actions";
import { applyPolicies, planPolicies } from "../../src/ci/permissions";
import { PROJECT_ROOT, freshSynthApp, synthApp } from "../helpers/synth";
import { FakeAws } from "./fake-aws";
import { FakeReadinessAws } from "./fake-readiness";
import { FakeRestore } from "./fake-restore";

const ROLE = "arn:aws:iam::123456789012:role/drweb-prod-dr-runbook";

/** Reads a zip written by src/lib/zip.ts (deflate entries, no data descriptors). */
function unzip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const end = buf.length - 22;
  expect(buf.readUInt32LE(end)).toBe(0x06054b50);
  let off = buf.readUInt32LE(end + 16);
  for (let i = 0; i < buf.readUInt16LE(end + 10); i++) {
    expect(buf.readUInt32LE(off)).toBe(0x02014b50);
    const size = buf.readUInt32LE(off + 20);
    const nameLen = buf.readUInt16LE(off + 28);
    const local = buf.readUInt32LE(off + 42);
    const name = buf.subarray(off + 46, off + 46 + nameLen).toString("utf8");
    const data = buf.subarray(local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28), local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28) + size);
    out.set(name, zlib.inflateRawSync(data));
    off += 46 + nameLen + buf.readUInt16LE(off + 30) + buf.readUInt16LE(off + 32);
  }
  return out;
}

/** The bundle's SDK Command classes are its own copies: each stub call is re-made with the node_modules class of the same name. */
const SDK: Record<string, new (input: unknown) => unknown> = Object.assign({}, ...[asg, cw, ec2, elb, iam, rds, r53, s3, sm, ssm].map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => k.endsWith("Command")))));
function translate<T extends { send: (c: never, o?: never) => Promise<unknown> }>(client: T): T {
  return {
    ...client,
    send: (cmd: { constructor: { name: string }; input: unknown }, opts?: unknown) => {
      const Cls = SDK[cmd.constructor.name];
      if (!Cls) throw new Error(`test: no SDK class named ${cmd.constructor.name}`);
      return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(new Cls(cmd.input), opts);
    },
  } as T;
}

function bundledClients(extra: FakeReadinessAws) {
  const c = extra.clients() as any;
  const regional = (f: (r: string) => any) => (r: string) => translate(f(r));
  return {
    ...c,
    route53: translate(c.route53),
    iam: translate(c.iam),
    cloudwatch: regional(c.cloudwatch),
    ssm: regional(c.ssm),
    rds: regional(c.rds),
    elbv2: regional(c.elbv2),
    autoscaling: regional(c.autoscaling),
    ec2: regional(c.ec2),
    secretsmanager: regional(c.secretsmanager),
    s3: regional(c.s3),
  };
}

describe("the readiness checker's package (src/dr/readiness-bundle.ts)", () => {
  it("bundles the Lambda entry into index.js next to the config, and index.handler runs against the stubbed AWS SDK: Ready 1, then 0 on a failing check", async () => {
    const config = resolveConfig({ runbook: { roleArn: ROLE } });
    const pkg = readinessLambdaPackage(PROJECT_ROOT, config);
    expect(pkg.zipPath.endsWith(".zip")).toBe(true);
    const files = unzip(fs.readFileSync(pkg.zipPath));
    expect([...files.keys()]).toEqual(["index.js", READINESS_CONFIG_FILE]);
    expect(JSON.parse(files.get(READINESS_CONFIG_FILE)!.toString("utf8"))).toEqual(JSON.parse(JSON.stringify(checkerConfig(config))));
    expect(READINESS_LAMBDA_HANDLER).toBe("index.handler");

    // As Lambda loads it: the zip's files in a folder, index.js required, its export called.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-lambda-"));
    for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, "index.js")) as typeof import("../../src/dr/readiness-lambda");
    expect(typeof mod.handler).toBe("function");

    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    // FakeRestore answers DescribeDBInstanceAutomatedBackups (the backups-replicated check) with a replicated copy.
    const restore = new FakeRestore(aws);
    const extra = new FakeReadinessAws(aws, () => restore.clients());
    const sent: Array<{ region: string; namespace: string; values: Record<string, number> }> = [];
    const lambda = mod.createReadinessLambda({
      clients: bundledClients(extra),
      probe: aws.probe,
      walFn: aws.walFn,
      clock,
      sink: async (region, namespace, data) => {
        sent.push({ region, namespace, values: Object.fromEntries(data.map((d) => [d.Dimensions!.find((x) => x.Name === "Check")?.Value ?? d.MetricName!, d.Value!])) });
      },
    });
    const first = await lambda({});
    const notOk = first.result.checks.filter((c) => c.status !== "ok");
    expect(notOk, JSON.stringify(notOk)).toEqual([]);
    expect(sent[0]).toMatchObject({ region: "us-west-1", namespace: "drweb/DR" });
    expect(sent[0].values.Ready).toBe(1);
    expect(Object.keys(sent[0].values).filter((k) => k !== "Ready")).toEqual([...READINESS_CHECKS]);

    // A missing runbook permission, a paused replica, a standby fleet that cannot start: Ready 0, through the bundle.
    extra.denied.add("rds:PromoteReadReplica");
    aws.wal.paused = true;
    extra.images.delete("ami-usw1");
    await lambda({});
    expect(sent[1].values).toMatchObject({ Ready: 0, "runbook-permissions": 0, "replica-replay": 0, "standby-fleet": 0 });
  }, 120_000);

  it("is reproducible: the same code and config give the same bytes; another config another package; the outage switch none", () => {
    const config = resolveConfig({});
    const bundle = readinessLambdaBundle(PROJECT_ROOT);
    const a = readinessLambdaZip(bundle, config);
    expect(readinessLambdaZip(Buffer.from(bundle), resolveConfig({}))).toEqual(a);
    expect(readinessLambdaZip(bundle, resolveConfig({ runbook: { roleArn: ROLE } }))).not.toEqual(a);
    expect(readinessLambdaZip(bundle, resolveConfig({ regions: { secondary: { unreachable: true } } }))).toEqual(a);
    // The package found again by its inputs is the package built from them.
    const pkg = readinessLambdaPackage(PROJECT_ROOT, config);
    expect(pkg.sha256).toBe(require("node:crypto").createHash("sha256").update(a).digest("hex"));
    expect(fs.readFileSync(pkg.zipPath)).toEqual(a);
  }, 120_000);

  it("keeps the names the Lambda entry and the metrics use (not imported at synth: they pull the AWS SDK in)", () => {
    expect(READY_METRIC.name).toBe(READINESS_METRIC.ready);
    expect(READY_METRIC.deploymentDimension).toBe(READINESS_METRIC.dimensions.deployment);
    // The function outlives the checks' read bound and one PutMetricData call, with room for a cold start.
    expect(READINESS_LAMBDA_TIMEOUT_SECONDS).toBeGreaterThanOrEqual((READINESS_READ_TIMEOUT_MS + CALL_BOUNDS.callTimeoutMs) / 1000 + 10);
    expect(readinessAlarmPeriodSeconds("rate(5 minutes)")).toBe(600);
    expect(readinessAlarmPeriodSeconds("rate(1 minute)")).toBe(120);
    expect(readinessAlarmPeriodSeconds("rate(12 hours)")).toBe(86400);
    expect(readinessAlarmPeriodSeconds("cron(0/10 * * * ? *)")).toBe(3600);
  });
});

describe("ReadinessChecker in the secondary stack", () => {
  const r = synthApp({ runbook: { roleArn: ROLE } });
  const sec = r.stacks.secondary;
  const res = sec.resource!;
  const one = (type: string) => {
    const all = Object.values(res[type] ?? {}).filter((x: any) => JSON.stringify(x).includes("ReadinessChecker"));
    expect(all, type).toHaveLength(1);
    return all[0] as any;
  };
  const doc = (id: string) => Object.entries(sec.data!.aws_iam_policy_document).find(([k]) => k.startsWith(`ReadinessChecker_${id}_`))![1] as any;

  it("creates the function from the stack's own asset: nodejs22.x, index.handler, reserved concurrency 1, the region key, its own log group", () => {
    const fn = one("aws_lambda_function");
    expect(fn).toMatchObject({ function_name: "drweb-prod-usw1-dr-readiness", runtime: "nodejs22.x", handler: "index.handler", reserved_concurrent_executions: 1, timeout: READINESS_LAMBDA_TIMEOUT_SECONDS, kms_key_arn: "${aws_kms_key.RegionKey_260269EC.arn}" });
    expect(fn.filename).toMatch(/^assets\/ReadinessChecker_Package_[0-9A-F]+\/[0-9a-f]{64}\/[0-9a-f]{64}\.zip$/);
    const zip = fs.readFileSync(path.join(r.outdir, "stacks", "secondary", fn.filename));
    expect(fn.source_code_hash).toBe(require("node:crypto").createHash("sha256").update(zip).digest("base64"));
    const logs = Object.entries(res.aws_cloudwatch_log_group).find(([k]) => k.startsWith("ReadinessChecker_Logs_"))!;
    expect(logs[1]).toMatchObject({ name: "/aws/lambda/drweb-prod-usw1-dr-readiness", retention_in_days: 30, kms_key_id: "${aws_kms_key.RegionKey_260269EC.arn}" });
    expect(fn.logging_config.log_group).toBe(`\${aws_cloudwatch_log_group.${logs[0]}.name}`);
    expect(r.stacks.primary.resource!.aws_lambda_function).toBeUndefined();
  });

  it("gives the function least privilege: the runbook's reads and the checker's own, SimulatePrincipalPolicy on the runbook role only, PutMetricData in its namespace only", () => {
    const st = doc("Permissions").statement as any[];
    const sid = (s: string) => st.find((x) => x.sid === s);
    const all = st.flatMap((x) => x.actions);
    // The state-bucket actions only with an S3 backend (the default is local).
    for (const a of [...RUNBOOK_READ_ACTIONS, ...READINESS_ACTIONS.filter((x) => !x.startsWith("s3:")), "cloudwatch:PutMetricData"]) expect(all, a).toContain(a);
    expect(all.filter((a: string) => a.startsWith("s3:"))).toEqual([]);
    // Nothing that changes AWS (the runbook's writes stay with the runbook's role).
    expect(all.filter((a: string) => !/:(Describe|Get|List|Simulate|PutMetricData|CreateLogStream|PutLogEvents)/.test(a))).toEqual([]);
    expect(sid("SimulateTheRunbookRole").resources).toEqual([ROLE]);
    expect(sid("PublishReadinessMetrics").condition).toEqual([{ test: "StringEquals", variable: "cloudwatch:namespace", values: ["drweb/DR"] }]);
    expect(sid("ReadTheDbSecretMetadata").resources).toEqual(["us-east-2", "us-west-1"].map((rg) => `arn:\${data.aws_partition.Partition.partition}:secretsmanager:${rg}:\${data.aws_caller_identity.Account.account_id}:secret:drweb-prod/db/master-*`));
    // Without runbook.roleArn: the role the runbook-role work names <project>-<env>-dr-runbook.
    const dflt = synthApp({}).stacks.secondary.data!.aws_iam_policy_document;
    const perms = Object.entries(dflt).find(([k]) => k.startsWith("ReadinessChecker_Permissions_"))![1] as any;
    expect(perms.statement.find((x: any) => x.sid === "SimulateTheRunbookRole").resources).toEqual(["arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.Account.account_id}:role/drweb-prod-dr-runbook"]);
  });

  it("with an S3 backend, reads exactly the two state buckets", () => {
    const b = synthApp({ runbook: { roleArn: ROLE }, backend: { type: "s3", primaryBucket: { bucket: "drweb-tfstate-use2", region: "us-east-2" }, secondaryBucket: { bucket: "drweb-tfstate-usw1", region: "us-west-1" } } });
    const perms = Object.entries(b.stacks.secondary.data!.aws_iam_policy_document).find(([k]) => k.startsWith("ReadinessChecker_Permissions_"))![1] as any;
    expect(perms.statement.find((x: any) => x.sid === "ReadTheStateBuckets")).toMatchObject({ actions: ["s3:GetBucketVersioning", "s3:ListBucket"], resources: ["arn:${data.aws_partition.Partition.partition}:s3:::drweb-tfstate-use2", "arn:${data.aws_partition.Partition.partition}:s3:::drweb-tfstate-usw1"] });
  });

  it("schedules it with EventBridge Scheduler every 5 minutes, through a role that may invoke only this function", () => {
    const fnId = Object.keys(res.aws_lambda_function)[0];
    const sched = one("aws_scheduler_schedule");
    expect(sched).toMatchObject({ schedule_expression: "rate(5 minutes)", state: "ENABLED", flexible_time_window: { mode: "OFF" } });
    expect(sched.target.arn).toBe(`\${aws_lambda_function.${fnId}.arn}`);
    const fnArn = "arn:${data.aws_partition.Partition.partition}:lambda:us-west-1:${data.aws_caller_identity.Account.account_id}:function:drweb-prod-usw1-dr-readiness";
    expect(doc("SchedulerPermissions").statement).toEqual([{ sid: "InvokeTheChecker", actions: ["lambda:InvokeFunction"], resources: [fnArn, `${fnArn}:*`] }]);
    expect(doc("SchedulerTrust").statement[0].principals).toEqual([{ type: "Service", identifiers: ["scheduler.amazonaws.com"] }]);
    expect(synthApp({ runbook: { readiness: { schedule: "rate(15 minutes)" } } }).stacks.secondary.resource!.aws_scheduler_schedule).toBeDefined();
    expect(() => resolveConfig({ runbook: { readiness: { schedule: "every 5 minutes" } } })).toThrow(/runbook\.readiness\.schedule[\s\S]*Fix: give rate\(5 minutes\)/);
  });

  it("alarms on Ready < 1 with missing data breaching, to the region's alert topic, whose key lets CloudWatch publish", () => {
    const alarm = one("aws_cloudwatch_metric_alarm");
    expect(alarm).toMatchObject({ namespace: readinessNamespace(r.config), metric_name: "Ready", dimensions: { Deployment: "drweb-prod" }, comparison_operator: "LessThanThreshold", threshold: 1, treat_missing_data: "breaching", statistic: "Minimum", period: 600 });
    expect(alarm.alarm_actions).toEqual(["${aws_sns_topic.Alerts_Topic_4CF1C27A.arn}"]);
    const key = Object.entries(sec.data!.aws_iam_policy_document).find(([k]) => k.startsWith("RegionKey_Policy_"))![1] as any;
    expect(key.statement.find((s: any) => s.sid === "CloudWatchAlarmsPublishToEncryptedTopics")).toMatchObject({ actions: ["kms:Decrypt", "kms:GenerateDataKey*"], principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }] });
  });

  it("is not deployed with runbook.readiness.enabled false", () => {
    const off = synthApp({ runbook: { readiness: { enabled: false } } }).stacks.secondary;
    expect(off.resource!.aws_lambda_function).toBeUndefined();
    expect(off.resource!.aws_scheduler_schedule).toBeUndefined();
  });

  it("synthesizes the same asset twice (reproducible synth output)", () => {
    const again = freshSynthApp({ runbook: { roleArn: ROLE } }).stacks.secondary.resource!.aws_lambda_function;
    expect(again).toEqual(res.aws_lambda_function);
  });

  it("lets the CI apply role manage exactly it and pass exactly its two roles; the plan role read it", () => {
    const scope = { config: r.config, partition: "aws", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" };
    const group = applyPolicies(scope).find((p) => p.suffix === "readiness")!;
    const name = readinessCheckerName(r.config);
    const pass = group.statements.filter((s) => s.actions!.includes("iam:PassRole"));
    expect(pass.map((s) => [s.resources, (s.condition as Array<{ values: string[] }>)[0].values])).toEqual([
      [[`arn:aws:iam::123456789012:role/${name}`], ["lambda.amazonaws.com"]],
      [[`arn:aws:iam::123456789012:role/${name}-scheduler`], ["scheduler.amazonaws.com"]],
    ]);
    expect(group.statements.find((s) => s.sid === "ReadinessFunction")!.resources).toEqual([`arn:aws:lambda:us-west-1:123456789012:function:${name}`]);
    const planReads = planPolicies(scope).flatMap((p) => p.statements.flatMap((s) => s.actions ?? []));
    expect(planReads).toEqual(expect.arrayContaining(["lambda:GetFunction", "scheduler:GetSchedule"]));
    expect(applyPolicies({ ...scope, config: resolveConfig({ runbook: { readiness: { enabled: false } } }) }).find((p) => p.suffix === "readiness")).toBeUndefined();
  });
});
