// The report of every `dr` run (issue 28 point 3) against stubbed AWS SDK v3
// clients (fake-aws.ts): no AWS API emulator can run on these machines, so
// CloudWatch DescribeAlarms and S3 PutObject are stubs; the runner, journal
// and report files are the real code on a fake clock. The drill checks the
// same report from real runs (src/drill/drill.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { FakeClock } from "../../src/dr/clock";
import type { Mode, Operation } from "../../src/dr/plan-model";
import type { DrPlatform } from "../../src/dr/platform";
import { readAlarmsBounded, type RunReportData } from "../../src/dr/run-report";
import { runRunbook } from "../../src/dr/runner";
import { FakeAws } from "./fake-aws";
import { FakeRestore } from "./fake-restore";

function setup(overrides: { runbook?: Record<string, unknown>; [k: string]: unknown } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-report-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ ...overrides, runbook: { ...overrides.runbook, journalDir: dir } });
  const platformFor = (cfg: ValidConfig): DrPlatform => new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}) =>
    runRunbook({ config, platform: platformFor(config), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  const reports = () => (fs.existsSync(path.join(dir, "reports")) ? fs.readdirSync(path.join(dir, "reports")).sort() : []);
  const report = (): RunReportData => {
    const json = reports().filter((f) => f.endsWith(".json"));
    expect(json).toHaveLength(1);
    return JSON.parse(fs.readFileSync(path.join(dir, "reports", json[0]), "utf8")) as RunReportData;
  };
  const markdown = () => fs.readFileSync(path.join(dir, "reports", reports().find((f) => f.endsWith(".md"))!), "utf8");
  return { dir, clock, aws, config, lines, run, reports, report, markdown, platformFor };
}

describe("the report of a dr run", () => {
  it("a planned failover: every step in order with start, end, outcome and what it saw; the RTO to the verified write against the target; the alarms of both regions at start and end", async () => {
    const t = setup();
    t.aws.firing["us-east-2"].push("drweb-prod-use2-web-5xx", "other-app-alarm");
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    expect(t.reports()).toEqual([expect.stringMatching(/^failover-.*\.json$/), expect.stringMatching(/^failover-.*\.md$/)]);
    const d = t.report();
    expect(d.operation).toBe("failover");
    expect(d.activated).toEqual({ role: "secondary", region: "us-west-1" });
    expect(d.steps.map((s) => [s.step, s.outcome])).toEqual([
      ["preflight", "done"],
      ["fence-primary", "done"],
      ["catch-up", "done"],
      ["promote", "done"],
      ["force-dns", "done"],
      ["verify", "done"],
    ]);
    for (const s of d.steps) expect(Date.parse(s.endedAt!)).toBeGreaterThanOrEqual(Date.parse(s.startedAt));
    expect(d.steps.find((s) => s.step === "catch-up")!.seen.join(" ")).toMatch(/every acknowledged write is on the replica/);
    expect(d.steps.find((s) => s.step === "promote")!.seen.some((x) => x.startsWith("action:"))).toBe(true);
    // RTO: the run's start (the journal's first line) to the verify step's successful write.
    const verify = d.steps.find((s) => s.step === "verify")!;
    expect(d.rto.verifyStep).toBe("verify");
    expect(d.rto.firstWriteAt).toBe(verify.endedAt);
    expect(d.rto.measuredSeconds).toBeCloseTo((Date.parse(verify.endedAt!) - Date.parse(d.startedAt)) / 1000, 1);
    expect(d.rto.measuredSeconds).toBeGreaterThan(0);
    expect(d.rto.targetMinutes).toBe(20);
    expect(d.rto.targetKey).toBe("failoverPlanned");
    expect(d.rto.withinTarget).toBe(true);
    // Alarms: both regions, this deployment's only; the forced switch is firing at the end.
    const seg = d.segments[0];
    expect(seg.outcome).toBe("done");
    expect(seg.alarmsAtStart.regions).toEqual([
      { region: "us-east-2", read: true, alarms: [expect.objectContaining({ name: "drweb-prod-use2-web-5xx" })] },
      { region: "us-west-1", read: true, alarms: [] },
    ]);
    expect(seg.alarmsAtEnd!.regions!.find((x) => x.region === "us-west-1")!.alarms.map((a) => a.name)).toEqual(["drweb-prod-dns-failover-switch"]);
    const reads = t.aws.calls.filter((c) => c.command === "DescribeAlarmsCommand" && c.input.StateValue === "ALARM");
    expect(reads.map((c) => c.region).sort()).toEqual(["us-east-2", "us-east-2", "us-west-1", "us-west-1"]);
    expect(reads[0].input).toMatchObject({ AlarmTypes: ["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix: "drweb-prod" });
    expect(seg.upload).toBe("not uploaded: runbook.reportBucket.secondary is not set");
    const md = t.markdown();
    expect(md).toContain("- Outcome: **done**");
    expect(md).toMatch(/- RTO: \*\*[\d.]+ s \([\d.]+ min\) from the run's start to the verified write in us-west-1: within the target of 20 min/);
    expect(md).toMatch(/\| 1 \| verify: Verify us-west-1 \(secondary\) serves writes \| .* \| done \|/);
    expect(t.lines.join("\n")).toMatch(/report: .*failover-.*\.md \(and \.json\): RTO [\d.]+ s/);
  });

  it("a failed run: the failing step and why, RTO not reached, the journal's archive named", async () => {
    const t = setup();
    t.aws.replicaLag = 45;
    t.aws.wal.backlog = 0x80n;
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(false);
    const d = t.report();
    expect(d.steps.map((s) => [s.step, s.outcome])).toEqual([["preflight", "failed"]]);
    expect(d.steps[0].seen.join(" ")).toContain("replica lag 45 s > 30 s");
    expect(d.segments[0]).toMatchObject({ outcome: "failed", failedStep: "preflight" });
    expect(d.rto).toMatchObject({ measuredSeconds: null, firstWriteAt: null, withinTarget: null });
    expect(d.rto.text).toMatch(/^not reached/);
    expect(d.journalArchivedAs).toMatch(/failover\..*\.jsonl$/);
    expect(t.markdown()).toContain("- Outcome: **failed** at step preflight");
  });

  it("an interrupted run resumed: one report, two segments, the done steps skipped in the second, the RTO from the first run's start", async () => {
    const t = setup();
    await expect(
      t.run("failover", "planned", {
        beforeStep: (s) => {
          if (s.id === "promote") throw new Error("Ctrl-C");
        },
      }),
    ).rejects.toThrow("Ctrl-C");
    const first = t.report();
    expect(first.segments).toHaveLength(1);
    expect(first.segments[0]).toMatchObject({ outcome: "interrupted", failure: "Ctrl-C" });
    t.clock.advance(5 * 60_000); // the operator comes back five minutes later
    const r = await t.run("failover", "planned");
    expect(r.ok && r.resumed).toBe(true);
    const d = t.report(); // still one report
    expect(d.startedAt).toBe(first.startedAt);
    expect(d.segments.map((s) => [s.n, s.resumed, s.outcome])).toEqual([
      [1, false, "interrupted"],
      [2, true, "done"],
    ]);
    expect(d.steps.map((s) => [s.segment, s.step, s.outcome])).toEqual([
      [1, "preflight", "done"],
      [1, "fence-primary", "done"],
      [1, "catch-up", "done"],
      [2, "preflight", "skipped"],
      [2, "fence-primary", "skipped"],
      [2, "catch-up", "skipped"],
      [2, "promote", "done"],
      [2, "force-dns", "done"],
      [2, "verify", "done"],
    ]);
    expect(d.rto.measuredSeconds!).toBeGreaterThan(300);
  });

  it("a run killed at any moment leaves a whole report: the JSON parses before every step and shows the steps done so far, with no temp file left", async () => {
    const t = setup();
    const seen: Array<{ step: string; done: string[] }> = [];
    const r = await t.run("failover", "planned", {
      beforeStep: (s) => {
        const d = t.report();
        seen.push({ step: s.id, done: d.steps.filter((x) => x.outcome === "done").map((x) => x.step) });
        expect(d.segments[0].outcome).toBe("running");
      },
    });
    expect(r.ok).toBe(true);
    expect(seen).toEqual([
      { step: "preflight", done: [] },
      { step: "fence-primary", done: ["preflight"] },
      { step: "catch-up", done: ["preflight", "fence-primary"] },
      { step: "promote", done: ["preflight", "fence-primary", "catch-up"] },
      { step: "force-dns", done: ["preflight", "fence-primary", "catch-up", "promote"] },
      { step: "verify", done: ["preflight", "fence-primary", "catch-up", "promote", "force-dns"] },
    ]);
    expect(t.reports().filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a region whose alarms cannot be read is listed as such and the run goes on; a platform without an alarm source says so", async () => {
    const t = setup();
    t.aws.failWith = (c) => (c.command === "DescribeAlarmsCommand" && c.input.StateValue === "ALARM" && c.region === "us-east-2" ? Object.assign(new Error("connect ETIMEDOUT monitoring.us-east-2.amazonaws.com:443"), { name: "TimeoutError" }) : undefined);
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    const seg = t.report().segments[0];
    for (const a of [seg.alarmsAtStart, seg.alarmsAtEnd!]) {
      expect(a.regions!.find((x) => x.region === "us-east-2")).toMatchObject({ read: false, alarms: [] });
      expect(a.regions!.find((x) => x.region === "us-west-1")).toMatchObject({ read: true });
    }
    expect(t.markdown()).toMatch(/us-east-2: could not be read/);

    const u = setup();
    const p = u.platformFor(u.config);
    (p as { readAlarms?: unknown }).readAlarms = undefined;
    expect((await runRunbook({ config: u.config, platform: p, operation: "failover", mode: "planned", clock: u.clock, log: () => undefined })).ok).toBe(true);
    expect(u.report().segments[0].alarmsAtEnd).toEqual({ regions: null, note: "none: the aws platform has no alarm source" });
  });

  it("an unplanned failover does not ask the failed region for its alarms on the recovery path (REL11-BP04): only at the end of a run that completed", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.firing["us-east-2"].push("drweb-prod-use2-db-down");
    const calls: Array<{ region: string; beforeVerify: boolean }> = [];
    let verifying = false;
    const r = await t.run("failover", "unplanned", {
      beforeStep: (s) => {
        if (s.id === "verify") verifying = true;
        for (const c of t.aws.calls.splice(0)) if (c.command === "DescribeAlarmsCommand" && c.input.StateValue === "ALARM") calls.push({ region: c.region, beforeVerify: !verifying || s.id === "verify" });
      },
    });
    expect(r.ok).toBe(true);
    for (const c of t.aws.calls) if (c.command === "DescribeAlarmsCommand" && c.input.StateValue === "ALARM") calls.push({ region: c.region, beforeVerify: false });
    expect(calls.filter((c) => c.beforeVerify).map((c) => c.region)).toEqual(["us-west-1"]);
    expect(calls.filter((c) => !c.beforeVerify).map((c) => c.region).sort()).toEqual(["us-east-2", "us-west-1"]);
    const seg = t.report().segments[0];
    expect(seg.alarmsAtStart.regions![0]).toEqual({ region: "us-east-2", read: false, alarms: [], error: "not asked: an unplanned run asks the failed region only at the end of a run that completed (REL11-BP04)" });
    expect(seg.alarmsAtEnd!.regions![0]).toMatchObject({ region: "us-east-2", read: true, alarms: [expect.objectContaining({ name: "drweb-prod-use2-db-down" })] });
    expect(t.report().rto.targetKey).toBe("failoverUnplanned");
  });

  it("a report that cannot be written is printed once and the run goes on", async () => {
    const t = setup();
    fs.writeFileSync(path.join(t.dir, "reports"), "a file where the folder would go\n");
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    expect(t.lines.filter((l) => l.includes("could not write the run report (the run goes on; the journal is the record)"))).toHaveLength(1);
  });

  it("an alarm read that never answers is cut off at its bound: could not be read, within the bound", async () => {
    const config = resolveConfig({});
    const never = { name: "stub", readAlarms: () => new Promise<never>(() => undefined) } as unknown as DrPlatform;
    const t0 = Date.now();
    const a = await readAlarmsBounded(never, config, 50);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(a.regions!.map((x) => [x.region, x.read, x.error])).toEqual([
      ["us-east-2", false, "no answer within 1 s"],
      ["us-west-1", false, "no answer within 1 s"],
    ]);
  });

  it("uploads the report to runbook.reportBucket of the region the run activated; a failed upload is printed and the run still succeeds", async () => {
    const t = setup({ runbook: { reportBucket: { primary: "drweb-prod-dr-reports-use2", secondary: "drweb-prod-dr-reports-usw1" } } });
    expect((await t.run("failover", "planned")).ok).toBe(true);
    const keys = [...t.aws.objects.keys()];
    expect(keys).toEqual([expect.stringMatching(/^drweb-prod-dr-reports-usw1\/dr-reports\/failover\/.*\.json$/), expect.stringMatching(/^drweb-prod-dr-reports-usw1\/dr-reports\/failover\/.*\.md$/)]);
    const json = t.aws.objects.get(keys[0])!;
    expect(json.region).toBe("us-west-1");
    expect(json.contentType).toBe("application/json");
    expect((JSON.parse(json.body) as RunReportData).rto.measuredSeconds).toBeGreaterThan(0);
    expect(t.report().segments[0].upload).toMatch(/^uploaded: s3:\/\/drweb-prod-dr-reports-usw1\/dr-reports\/failover\/.*\.json \(us-west-1\)/);

    const f = setup({ runbook: { reportBucket: { secondary: "drweb-prod-dr-reports-usw1" } } });
    f.aws.failWith = (c) => (c.command === "PutObjectCommand" ? Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }) : undefined);
    const r = await f.run("failover", "planned");
    expect(r.ok).toBe(true);
    expect(f.lines.join("\n")).toMatch(/report: upload FAILED \(the run is not affected; the report stays in .*\): Access Denied/);
    expect(f.report().segments[0].upload).toMatch(/^upload FAILED/);
  });

  it("a dr restore's report: the restore's region activated, its RTO to the restore's verify step against runbook.rtoTargetMinutes.restore", async () => {
    const t = setup({ runbook: { rtoTargetMinutes: { restore: 120 } } });
    const fake = new FakeRestore(t.aws);
    const platform = new AwsPlatform(t.config, fake.clients(), t.clock, fake.probe, { walFn: t.aws.walFn });
    const r = await runRunbook({ config: t.config, platform, operation: "restore", mode: "planned", clock: t.clock, log: () => undefined, restore: { toTime: t.clock.now() - 30 * 60_000 } });
    expect(r.ok, r.failure ?? "").toBe(true);
    const d = t.report();
    expect(t.reports()[0]).toMatch(/^restore-/);
    expect(d.activated).toEqual({ role: "primary", region: "us-east-2" });
    expect(d.rto).toMatchObject({ verifyStep: "verify", targetKey: "restore", targetMinutes: 120 });
    expect(d.rto.firstWriteAt).toBe(d.steps.find((s) => s.step === "verify")!.endedAt);
    expect(d.steps.map((s) => s.step)).toEqual(r.plan.steps.map((s) => s.id));
    expect(d.steps.every((s) => s.outcome === "done")).toBe(true);
  });

  it("rejects bad targets and bucket names with the field and the fix", () => {
    expect(() => resolveConfig({ runbook: { rtoTargetMinutes: { failback: 0 } } })).toThrow(/runbook\.rtoTargetMinutes\.failback: must be at least 1 minute\(s\)\. Fix: give a whole number from 1 to 2880/);
    expect(() => resolveConfig({ runbook: { rtoTargetMinutes: { failoverPlanned: 2.5 } } })).toThrow(/runbook\.rtoTargetMinutes\.failoverPlanned: must be a whole number of minutes/);
    expect(() => resolveConfig({ runbook: { rtoTargetMinutes: { restore: "soon" } } })).toThrow(/runbook\.rtoTargetMinutes\.restore: must be a number of minutes/);
    expect(() => resolveConfig({ runbook: { rtoTargetMinutes: { failover: 10 } } })).toThrow(/runbook\.rtoTargetMinutes/);
    expect(() => resolveConfig({ runbook: { reportBucket: { secondary: "Bad_Bucket" } } })).toThrow(/runbook\.reportBucket\.secondary: must be an S3 bucket name.*Fix: name the bucket in the secondary region/);
    expect(resolveConfig({}).runbook.rtoTargetMinutes).toEqual({ failoverPlanned: 20, failoverUnplanned: 30, failback: 180, restore: 300 });
  });
});
