// The runbook's orchestration against stubbed AWS SDK v3 clients (fake-aws.ts):
// no AWS API emulator can run on these machines, so these tests check the
// calls the AWS adapter makes and the runner's behaviour on a fake clock.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { FakeClock } from "../../src/dr/clock";
import { Journal } from "../../src/dr/journal";
import type { Mode, Operation } from "../../src/dr/plan";
import { runRunbook } from "../../src/dr/runner";
import { collectStatus, renderStatus } from "../../src/dr/status";
import { FakeAws, SWITCH } from "./fake-aws";

function setup(overrides: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-journal-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir }, ...overrides });
  const platform = new AwsPlatform(config, aws.clients(), clock, aws.probe);
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}, cfg: ValidConfig = config) =>
    runRunbook({ config: cfg, platform: new AwsPlatform(cfg, aws.clients(), clock, aws.probe), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  return { dir, clock, aws, config, platform, lines, run };
}

const commands = (aws: FakeAws) => aws.mutations().map((c) => `${c.command}@${c.region}`);

describe("dr failover --planned", () => {
  it("fences the primary, waits for lag 0, promotes, forces DNS, verifies writes, then prints the config change", async () => {
    const t = setup();
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(["preflight", "fence-primary", "catch-up", "promote", "force-dns", "verify"]);
    expect(commands(t.aws)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);
    const [fence, promote, gate] = t.aws.mutations();
    expect(fence.input).toEqual({ AutoScalingGroupName: "drweb-prod-use2-web", MinSize: 0, DesiredCapacity: 0 });
    expect(promote.input).toEqual({ DBInstanceIdentifier: "drweb-prod-usw1-db-g1-writer", BackupRetentionPeriod: 7 });
    // The switch of this deployment: its metric, standard resolution (what Route53 follows), value 1 = forced.
    expect(gate.input).toEqual({
      Namespace: "drweb/DR",
      MetricData: [{ MetricName: "ForceFailover", Dimensions: [{ Name: "Deployment", Value: "drweb-prod" }], Value: 1, Timestamp: expect.any(Date), StorageResolution: 60 }],
    });
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    expect(t.aws.gateHealthy("hc-gate")).toBe(false);
    expect(t.aws.gateHealthy("hc-secondary-gate")).toBe(true);
    // Every step is logged with a timestamp; the epilogue is the README's "record it" step.
    expect(t.lines.filter((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \[/.test(l)).length).toBeGreaterThan(12);
    const out = t.lines.join("\n");
    expect(out).toContain('"database": { "drState": "failedOver", "generations": { "primary": 1, "secondary": 1 } }');
    expect(out).toContain('"dns": { "forceFailover": true }');
    expect(out).toContain("npx cdktf deploy secondary");
    // No dns deploy records a failover: the switch is a metric, Terraform manages only its alarm.
    expect(out).not.toContain("npx cdktf deploy dns");
    expect(out).toContain("npx cdktf diff dns           # expect no changes");
    expect(out).toContain("Do not deploy primary while in failedOver");
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.completed).toBe(true);
    expect(j.header?.mode).toBe("planned");
  });

  it("stops before changing anything when the replica lag is above runbook.maxReplicaLagSeconds", async () => {
    const t = setup();
    t.aws.replicaLag = 45;
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain("replica lag 45 s > 30 s");
    expect(t.aws.mutations()).toEqual([]);
    expect(t.lines.join("\n")).toContain("what to do: Lag too high");
  });

  it("fails a wait at its timeout, on the fake clock, and says what to do", async () => {
    const t = setup();
    t.aws.promoteTakes = -1; // the promotion never completes
    const start = t.clock.now();
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("promote");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.promoteTimeoutSeconds} s`);
    const elapsed = (t.clock.now() - start) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(t.config.runbook.promoteTimeoutSeconds);
    expect(elapsed).toBeLessThan(t.config.runbook.promoteTimeoutSeconds + 60);
    expect(t.lines.join("\n")).toContain("Do not promote another instance");
    // DNS was not touched: traffic is not sent to a database that is not writable.
    expect(commands(t.aws)).not.toContain("PutMetricDataCommand@us-west-1");
  });

  it("resumes after an interruption: done steps are skipped, nothing is done twice", async () => {
    const t = setup();
    t.aws.promoteTakes = 5;
    // Interrupt (as Ctrl-C would) in the middle of the promote step's wait: the action ran, "done" was never written.
    let sleeps = 0;
    const interrupting = { now: () => t.clock.now(), sleep: async (ms: number) => { if (t.aws.db("drweb-prod-usw1-db-g1-writer").status === "modifying" && ++sleeps === 1) throw new Error("SIGINT"); await t.clock.sleep(ms); } };
    await expect(t.run("failover", "planned", { clock: interrupting })).rejects.toThrow("SIGINT");
    expect(commands(t.aws)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1"]);
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.inProgress).toBe(true);
    expect(j.isDone("catch-up")).toBe(true);
    expect(j.isDone("promote")).toBe(false);

    // A resumed run with --unplanned is refused: it would change the plan under way.
    await expect(t.run("failover", "unplanned")).rejects.toThrow(/unfinished failover \(planned\)/);

    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    expect(r.resumed).toBe(true);
    expect(r.skipped).toEqual(["preflight", "fence-primary", "catch-up"]);
    expect(t.lines.join("\n")).toContain("is modifying (a promotion under way?): not called again");
    // The promotion was requested once; fence and switch once each.
    expect(commands(t.aws)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);

    // Once complete, the next run starts a new journal (the old one is archived).
    const again = await t.run("failover", "planned", { dryRun: true });
    expect(again.resumed).toBe(false);
  });

  it("--dry-run prints every step with precondition, action, wait, timeout and failure advice, and changes nothing", async () => {
    const t = setup();
    const r = await t.run("failover", "planned", { dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]); // not even a read
    expect(fs.readdirSync(t.dir)).toEqual([]); // no journal
    const out = t.lines.join("\n");
    for (const s of r.plan.steps) expect(out).toContain(s.id);
    expect(out).toContain("precondition:");
    expect(out).toContain("(timeout 1800 s)");
    expect(out).toContain("if it fails:");
    expect(out).toContain("aws rds promote-read-replica --region us-west-1 --db-instance-identifier drweb-prod-usw1-db-g1-writer --backup-retention-period 7");
    expect(out).toContain("Dry run: nothing was changed");
  });
});

describe("dr failover --unplanned", () => {
  it("skips the fence and catch-up that need the dead region, promotes and forces DNS", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    const r = await t.run("failover", "unplanned");
    expect(r.ok).toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(["preflight", "promote", "force-dns", "verify"]);
    expect(commands(t.aws)).toEqual(["PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);
    expect(t.aws.calls.some((c) => c.region === "us-east-2")).toBe(false); // never needs the dead region
    const out = t.lines.join("\n");
    expect(out).toContain("writes acknowledged in that window may be lost");
    expect(out).toContain("--auto-scaling-group-name drweb-prod-use2-web --min-size 0 --desired-capacity 0");
  });

  it("refuses while the primary health check is healthy (use --planned)", async () => {
    const t = setup();
    const r = await t.run("failover", "unplanned");
    expect(r.ok).toBe(false);
    expect(r.failure).toContain("the primary health check is healthy");
    expect(t.aws.mutations()).toEqual([]);
    // The operator may override a check explicitly.
    t.aws.hc("hc-primary").healthy = true;
    const forced = await t.run("failover", "unplanned", { confirm: ["preflight"] });
    expect(forced.ok).toBe(true);
  });
});

describe("dr: the failover switch (a data-plane write in the secondary region)", () => {
  it("fails over with us-east-1 and us-east-2 down: the switch needs neither Route53's API nor anything in us-east-1", async () => {
    const t = setup();
    t.aws.down.add("us-east-1"); // Route53's control plane and its metrics
    t.aws.down.add("us-east-2");
    // The preflight's look at Route53's primary check cannot be read: the operator confirms it.
    const r = await t.run("failover", "unplanned", { confirm: ["preflight"] });
    expect(r.ok).toBe(true);
    expect(commands(t.aws)).toEqual(["PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);
    expect(t.aws.calls.filter((c) => c.region !== "us-west-1")).toEqual([]);
    // The force-dns wait read the switch's alarm in us-west-1.
    expect(t.aws.calls.some((c) => c.command === "DescribeAlarmsCommand" && c.region === "us-west-1" && (c.input.AlarmNames as string[])[0] === SWITCH.alarm)).toBe(true);
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    // What Route53 makes of it: PRIMARY's gate unhealthy, SECONDARY's healthy even with the secondary's own check failing.
    t.aws.hc("hc-secondary").healthy = false;
    expect(t.aws.gateHealthy("hc-gate")).toBe(false);
    expect(t.aws.gateHealthy("hc-secondary-gate")).toBe(true);
  });

  it("never writes the switch into a minute that already holds the other value (the alarm takes each minute's Maximum)", async () => {
    const t = setup();
    const minute = 60_000;
    t.clock.advance(minute - (t.clock.now() % minute) + 5_000); // 5 s into a minute
    await t.platform.setForcedFailover(true);
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    t.clock.advance(10_000);
    const note = await t.platform.setForcedFailover(false);
    expect(note).toContain("waited 46 s: this minute already held the other value");
    const [forced, released] = t.aws.switchPoints.slice(-2);
    expect(Math.floor(released.at / minute)).toBe(Math.floor(forced.at / minute) + 1);
    expect(t.aws.switchAlarmState()).toBe("OK");
    // In a later minute: written at once.
    t.clock.advance(2 * minute);
    expect(await t.platform.setForcedFailover(true)).not.toContain("waited");
  });

  it("dr status warns when the switch was never written, with the command that sets it", async () => {
    const t = setup();
    t.aws.switchPoints.length = 0;
    const s = await collectStatus(t.config, t.platform);
    expect(s.failoverSwitch).toMatchObject({ forced: null, alarmState: "INSUFFICIENT_DATA" });
    expect(s.mismatches).toEqual([]);
    expect(s.warnings.join("\n")).toContain(
      `has no position (INSUFFICIENT_DATA: never written since it was created). Route53 treats it as released, but set it once so both switch checks settle: aws cloudwatch put-metric-data --region us-west-1 --namespace drweb/DR --metric-name ForceFailover --dimensions Deployment=drweb-prod --value 0 --storage-resolution 60`,
    );
    expect(renderStatus(s).join("\n")).toContain("failover switch: no position");
  });
});

describe("dr failback", () => {
  it("snapshots and fences the old primary, then waits for the operator's deploy, and resumes after it", async () => {
    const t = setup({ database: { drState: "failedOver" }, dns: { forceFailover: true } });
    // The state after a failover.
    const s1 = t.aws.db("drweb-prod-usw1-db-g1-writer");
    s1.source = null;
    t.aws.setSwitch(true);
    t.aws.desired["us-east-2"] = 3;
    const first = await t.run("failback", "planned");
    expect(first.ok).toBe(false);
    expect(first.failedStep).toBe("rebuild-primary");
    expect(first.failure).toContain('database.drState is "failedOver", want "failback"');
    expect(commands(t.aws)).toEqual([
      "UpdateAutoScalingGroupCommand@us-east-2",
      "CreateDBSnapshotCommand@us-east-2",
      "ModifyDBInstanceCommand@us-east-2",
      "ModifyDBInstanceCommand@us-east-2",
    ]);
    expect(t.aws.snapshots.get("drweb-prod-use2-db-g1-writer-diverged")).toBe("available");

    // The operator sets the config and deploys primary: a g2 replica of the secondary appears.
    t.aws.dbs.set("drweb-prod-use2-db-g2-writer", { id: "drweb-prod-use2-db-g2-writer", region: "us-east-2", source: "arn:aws:rds:us-west-1:123456789012:db:drweb-prod-usw1-db-g1-writer", status: "available", deletionProtection: true, promoteAfter: -1 });
    t.aws.replicaLag = 1;
    const failback = resolveConfig({ runbook: { journalDir: t.dir }, database: { drState: "failback", generations: { primary: 2, secondary: 1 } }, dns: { forceFailover: true } });
    const second = await t.run("failback", "planned", {}, failback);
    expect(second.resumed).toBe(true);
    expect(second.failedStep).toBe("catch-up"); // the secondary fleet is fenced, but the fake's lag only drops on a primary fence
    t.aws.replicaLag = 0;
    const third = await t.run("failback", "planned", {}, failback);
    expect(third.failedStep).toBe("rebuild-secondary");
    expect(t.aws.db("drweb-prod-use2-db-g2-writer").source).toBeNull();
    expect(t.aws.switchAlarmState()).toBe("OK"); // released by unforce-dns
    expect(t.aws.mutations().filter((c) => c.command === "PutMetricDataCommand").map((c) => (c.input.MetricData as Array<{ Value: number }>)[0].Value)).toEqual([0]);
    expect(third.failure).toContain('database.drState is "failback", want "normal"');
  });
});

describe("dr status", () => {
  it("shows both regions and agrees with the config in the normal state", async () => {
    const t = setup();
    const s = await collectStatus(t.config, t.platform);
    expect(s.mismatches).toEqual([]);
    expect(s.healthChecks.map((h) => h.role).sort()).toEqual(["primary", "primary-gate", "secondary", "secondary-gate", "switch", "switch-forced"]);
    expect(s.failoverSwitch).toMatchObject({ forced: false, alarmState: "OK" });
    expect(s.healthChecks.find((h) => h.role === "switch-forced")?.healthy).toBe(false);
    expect(s.regions.map((r) => r.database.dbRole)).toEqual(["writer", "replica"]);
    expect(s.regions[1].database.lagSeconds).toBe(2);
    const text = renderStatus(s).join("\n");
    expect(text).toContain("drweb-prod-usw1-db-g1-writer: replica of arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g1-writer");
    expect(text).toContain("config and AWS agree.");
    expect(t.aws.mutations()).toEqual([]);
  });

  it("says so when a region cannot be read instead of claiming agreement", async () => {
    const t = setup();
    t.aws.down.add("us-east-2");
    const s = await collectStatus(t.config, t.platform);
    expect(s.incomplete).toBe(true);
    expect(s.mismatches).toEqual([]);
    expect(s.regions[0].database.identifier).toBe("drweb-prod-use2-db-g1-writer");
    expect(s.readErrors.map((e) => e.what)).toEqual(["us-east-2 web fleet (ASG drweb-prod-use2-web, target group drweb-prod-use2-web)", "us-east-2 database drweb-prod-use2-db-g1-writer and its readers"]);
    expect(s.readErrors[1].reason).toContain("the AWS endpoint could not be reached (TimeoutError: connect ETIMEDOUT");
    expect(renderStatus(s).join("\n")).toContain("not everything could be read");
  });

  it("flags a promoted secondary and a forced gate while the config still says normal", async () => {
    const t = setup();
    t.aws.db("drweb-prod-usw1-db-g1-writer").source = null;
    t.aws.setSwitch(true);
    const s = await collectStatus(t.config, t.platform);
    expect(s.mismatches).toHaveLength(3);
    expect(s.mismatches[0]).toContain('config database.drState "normal" (generation 1) expects drweb-prod-usw1-db-g1-writer to be a replica, AWS reports writer');
    expect(s.mismatches.join("\n")).toContain("split brain");
    expect(s.mismatches.join("\n")).toContain(`failover switch (alarm ${SWITCH.alarm} in us-west-1): config dns.forceFailover false, the switch is forced`);
    expect(s.mismatches.join("\n")).toContain("set dns.forceFailover to true to record it");
    expect(renderStatus(s).join("\n")).toContain("MISMATCH between config and AWS:");
    // Recorded in config, the same state is a match (the old primary is not judged in failedOver).
    const after = resolveConfig({ database: { drState: "failedOver" }, dns: { forceFailover: true } });
    const s2 = await collectStatus(after, new AwsPlatform(after, t.aws.clients(), t.clock, t.aws.probe));
    expect(s2.mismatches).toEqual([]);
    expect(s2.warnings.join("\n")).toContain("is not fenced");
  });
});
