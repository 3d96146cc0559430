// The runbook's Aurora Global Database paths against stubbed AWS SDK v3
// clients (fake-aws.ts + fake-aurora.ts): no AWS API emulator runs on these
// machines and SwitchoverGlobalCluster / FailoverGlobalCluster /
// CopyDBClusterSnapshot have no local counterpart, so the fake global cluster
// is the one stand-in (its states follow the Aurora User Guide: see
// fake-aurora.ts); these tests check the calls the AWS adapter makes and what
// the runner does with the answers, on a virtual clock (FakeClock; the fake's
// injected latency moves it).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import type { AwsClients } from "../../src/dr/aws-clients";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { FakeClock } from "../../src/dr/clock";
import { Journal } from "../../src/dr/journal";
import type { Mode, Operation, Step } from "../../src/dr/plan-model";
import { runRunbook } from "../../src/dr/runner";
import { main } from "../../src/dr/cli";
import { collectStatus, renderStatus, statusExitCode } from "../../src/dr/status";
import { SWITCH, type Call } from "./fake-aws";
import { FakeAurora, GLOBAL_ID, PRIMARY_ARN, PRIMARY_CLUSTER, SECONDARY_ARN, SECONDARY_CLUSTER } from "./fake-aurora";

const AURORA = { engine: "aurora-postgresql" };

function setup(overrides: { database?: Record<string, unknown>; dns?: Record<string, unknown> } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-aurora-"));
  const clock = new FakeClock();
  const fa = new FakeAurora(clock);
  const configFor = (o: { database?: Record<string, unknown>; dns?: Record<string, unknown> }) =>
    resolveConfig({ runbook: { journalDir: dir }, database: { ...AURORA, ...(o.database ?? {}) }, ...(o.dns ? { dns: o.dns } : {}) });
  const config = configFor(overrides);
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, fa.clients(), clock, fa.probe, { walFn: fa.aws.walFn });
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}, cfg: ValidConfig = config) =>
    runRunbook({ config: cfg, platform: platformFor(cfg), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  const commands = () => fa.mutations().map((c) => `${c.command}@${c.region}`);
  return { dir, clock, fa, aws: fa.aws, config, configFor, platformFor, lines, run, commands };
}

/** Every call from now on with the virtual time it was sent at. */
function stamped(t: ReturnType<typeof setup>) {
  const out: Array<{ call: Call; at: number }> = [];
  const orig = t.aws.calls.push.bind(t.aws.calls);
  t.aws.calls.push = (...items: Call[]) => {
    for (const c of items) out.push({ call: c, at: t.clock.now() });
    return orig(...items);
  };
  return {
    all: () => out,
    mutations: () => out.filter((x) => t.fa.mutations().includes(x.call)),
  };
}

const FAILED_OVER = { database: { drState: "failedOver" }, dns: { forceFailover: true } };
const FAILBACK = { database: { drState: "failback" }, dns: { forceFailover: true } };
const doneAt = (t: ReturnType<typeof setup>, step: string) => Journal.open(t.dir, "failover", t.clock).eventAt(step, "done");

// --- point 1: writes resume before any deploy ------------------------------------

describe("Aurora plans: writes are verified right after the move, the deploy only records it afterwards", () => {
  it("in every plan, verify follows the move with no operator step between them (the record step comes after)", async () => {
    const t = setup();
    const plans = [
      (await t.run("failover", "planned", { dryRun: true })).plan,
      (await t.run("failover", "unplanned", { dryRun: true })).plan,
      (await t.run("failback", "planned", { dryRun: true }, t.configFor(FAILED_OVER))).plan,
    ];
    for (const plan of plans) {
      const ids = plan.steps.map((s) => s.id);
      const move = ids.findIndex((id) => id === "switchover" || id === "failover");
      const verify = ids.findIndex((id) => id.startsWith("verify"));
      expect(move, plan.title).toBeGreaterThanOrEqual(0);
      expect(verify, plan.title).toBeGreaterThan(move);
      const between: Step[] = plan.steps.slice(move + 1, verify);
      expect(between.filter((s) => s.by === "operator").map((s) => s.id), plan.title).toEqual([]);
      expect(between.map((s) => s.id).every((id) => id.endsWith("-dns")), plan.title).toBe(true); // only the DNS switch (a metric write)
      // The operator's record step exists and comes after the verification.
      const record = ids.findIndex((id) => id.startsWith("record-"));
      expect(record, plan.title).toBeGreaterThan(verify);
      expect(plan.steps[record].by).toBe("operator");
    }
    expect(t.aws.calls).toEqual([]);
  });

  it("planned: the secondary takes writes with drState still normal (no deploy); the run then asks the operator to record failedOver", async () => {
    const t = setup();
    const first = await t.run("failover", "planned");
    expect(first.plan.steps.map((s) => s.id)).toEqual(["preflight", "fence-primary", "switchover", "force-dns", "verify", "record-failed-over"]);
    expect(first.failedStep).toBe("record-failed-over");
    expect(first.failure).toContain('database.drState is "normal", want "failedOver"');
    expect(doneAt(t, "verify")).not.toBeNull(); // a note was written through us-west-1 before any deploy
    expect(t.commands()).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "SwitchoverGlobalClusterCommand@us-east-2", "PutMetricDataCommand@us-west-1"]);
    expect(t.fa.mutations()[1].input).toEqual({ GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: SECONDARY_ARN });
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[preflight\] 1\/6 precondition ok: drweb-prod-usw1-db-g1-cluster: secondary, available, 16.6, sync connected, RPO lag 150 ms/);
    expect(out).toContain("npx cdktf deploy secondary --ignore-missing-stack-dependencies");
    expect(out).toContain("no change to the web launch template or Auto Scaling group");

    // The operator records failedOver (config + deploy): the same command resumes and finishes.
    t.lines.length = 0;
    const second = await t.run("failover", "planned", {}, t.configFor(FAILED_OVER));
    expect(second.ok, second.failure).toBe(true);
    expect(second.resumed).toBe(true);
    expect(second.skipped).toEqual(["preflight", "fence-primary", "switchover", "force-dns", "verify"]);
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(1);
    const out2 = t.lines.join("\n");
    expect(out2).toContain('"database": { "drState": "failedOver" }');
    expect(out2).toContain("in sync (no data was lost)");
    expect(Journal.open(t.dir, "failover", t.clock).completed).toBe(true);
  });

  it("unplanned with us-east-1 and us-east-2 down (outage confirmed by hand): writes resume through us-west-1 calls only, no deploy", async () => {
    const t = setup();
    const seen = stamped(t);
    t.aws.down.add("us-east-2");
    t.aws.down.add("us-east-1");
    const r = await t.run("failover", "unplanned", { confirm: ["confirm-outage"] });
    expect(r.failedStep).toBe("record-failed-over");
    const verified = doneAt(t, "verify")!;
    expect(verified).not.toBeNull();
    const before = seen.all().filter((x) => x.at <= verified).map((x) => `${x.call.client}:${x.call.command}@${x.call.region}`);
    // No Route 53 API; in us-east-1 only the attempt to read Route 53's view of the switch checks (CloudWatch, it did not answer: the switch is
    // confirmed by its alarm alone); in us-east-2 only the fence attempts and the drain's reads of the old fleet (they never hold the path: the drain ends by time).
    expect(before.filter((c) => c.startsWith("route53:"))).toEqual([]);
    expect([...new Set(before.filter((c) => c.endsWith("@us-east-1")))]).toEqual(["cloudwatch:GetMetricDataCommand@us-east-1"]);
    expect(t.lines.join("\n")).toContain("forced: confirmed by the alarm only");
    expect([...new Set(before.filter((c) => c.endsWith("@us-east-2")))].sort()).toEqual(["autoscaling:DescribeAutoScalingGroupsCommand@us-east-2", "autoscaling:UpdateAutoScalingGroupCommand@us-east-2"]);
    expect([...new Set(before.filter((c) => c.endsWith("@us-west-1")))].sort()).toEqual([
      "cloudwatch:DescribeAlarmsCommand@us-west-1",
      "cloudwatch:GetMetricDataCommand@us-west-1",
      "cloudwatch:PutMetricDataCommand@us-west-1",
      "elbv2:DescribeLoadBalancersCommand@us-west-1",
      "rds:DescribeDBClustersCommand@us-west-1",
      "rds:DescribeDBInstancesCommand@us-west-1",
      "rds:DescribeGlobalClustersCommand@us-west-1",
      "rds:FailoverGlobalClusterCommand@us-west-1",
      "ssm:DeleteParameterCommand@us-west-1", // the runbook's lease (taken first, released at the end)
      "ssm:GetParameterCommand@us-west-1",
      "ssm:GetParametersCommand@us-west-1",
      "ssm:PutParameterCommand@us-west-1",
    ]);
  });
});

// --- planned switchover ---------------------------------------------------------

describe("dr failover --planned (Aurora: managed switchover)", () => {
  it("refuses before changing anything when the secondary is not in sync or its RPO lag is too high or unknown", async () => {
    for (const [breakIt, message] of [
      [(f: FakeAurora) => (f.member("us-west-1").sync = "pending-resync"), "SynchronizationStatus pending-resync, not connected"],
      [(f: FakeAurora) => (f.rpoLagMs = 45_000), "RPO lag 45000 ms > 30000 ms"],
      [(f: FakeAurora) => ((f.rpoLagMs = null), (f.replicationLagMs = null)), "lag unknown"],
      [(f: FakeAurora) => (f.member("us-east-2").status = "modifying"), "drweb-prod-use2-db-g1-cluster: status modifying"],
    ] as const) {
      const t = setup();
      breakIt(t.fa);
      const r = await t.run("failover", "planned");
      expect(r.failedStep).toBe("preflight");
      expect(r.failure).toContain(message);
      expect(t.fa.mutations()).toEqual([]);
      expect(r.acted).toBe(false);
    }
  });

  it("reads the lag with either dimension set (DBClusterIdentifier, or with SourceRegion)", async () => {
    const t = setup();
    t.fa.lagWithSourceRegion = false;
    const g = await t.platformFor(t.config).globalCluster();
    expect(g.members.find((m) => m.role === "secondary")).toMatchObject({ rpoLagMs: 150, replicationLagMs: 90, synchronizationStatus: "connected", isWriter: false });
    const q = t.aws.calls.find((c) => c.command === "GetMetricDataCommand" && c.region === "us-west-1")!;
    const dims = (q.input.MetricDataQueries as Array<{ MetricStat: { Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }> } } }>).map(
      (x) => `${x.MetricStat.Metric.MetricName}:${x.MetricStat.Metric.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(",")}`,
    );
    expect(dims).toContain("AuroraGlobalDBRPOLag:DBClusterIdentifier=drweb-prod-usw1-db-g1-cluster,SourceRegion=us-east-2");
    expect(dims).toContain("AuroraGlobalDBRPOLag:DBClusterIdentifier=drweb-prod-usw1-db-g1-cluster");
  });

  it("a switchover refused because a member is not in sync: fatal at once, nothing changed, the fence rolled back", async () => {
    const t = setup();
    const r = await t.run("failover", "planned", {
      beforeStep: (s) => {
        if (s.id === "switchover") t.fa.member("us-west-1").sync = "pending-resync"; // falls out of sync after the preflight
      },
    });
    expect(r.failedStep).toBe("switchover");
    expect(r.failure).toContain("RDS refused the switchover and drweb-prod-usw1-db-g1-cluster is not in sync (SynchronizationStatus pending-resync): nothing was changed");
    expect(r.rolledBack).toBe(true);
    expect(t.commands()).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "SwitchoverGlobalClusterCommand@us-east-2", "UpdateAutoScalingGroupCommand@us-east-2"]);
    expect(t.aws.mutations().at(-1)!.input).toEqual({ AutoScalingGroupName: "drweb-prod-use2-web", MinSize: 3, DesiredCapacity: 3 });
    expect(t.fa.member("us-east-2").isWriter).toBe(true);
    expect(t.aws.switchAlarmState()).toBe("OK");
    const out = t.lines.join("\n");
    expect(out).toContain("refused: RDS refused SwitchoverGlobalCluster drweb-prod-db-global -> drweb-prod-usw1-db-g1-cluster (us-east-2): InvalidGlobalClusterStateFault");
    expect(out).toContain("[rollback] safe: drweb-prod-use2-db-g1-cluster is still the writer, no switchover or failover under way; no switchover was requested (every request was refused)");
    expect(out).not.toContain("timed out");
  });

  it("a switchover that never completes fails at the timeout and is never rolled back (it was taken)", async () => {
    const t = setup();
    t.fa.takes = -1;
    const start = t.clock.now();
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("switchover");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.promoteTimeoutSeconds} s`);
    expect((t.clock.now() - start) / 1000).toBeGreaterThanOrEqual(t.config.runbook.promoteTimeoutSeconds);
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toContain("[rollback] NOT rolling back: a switchover was requested");
    expect(t.aws.desired["us-east-2"]).toBe(0); // the fence stays
    expect(t.commands()).not.toContain("PutMetricDataCommand@us-west-1"); // DNS untouched
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(1);
  });

  it("resumes after an interruption in the middle of a switchover: no second request, it waits for the one under way", async () => {
    const t = setup();
    t.fa.takes = 6;
    let interrupted = false;
    const interrupting = {
      now: () => t.clock.now(),
      sleep: async (ms: number) => {
        if (t.fa.op && !interrupted) {
          interrupted = true;
          throw new Error("SIGINT");
        }
        await t.clock.sleep(ms);
      },
    };
    await expect(t.run("failover", "planned", { clock: interrupting })).rejects.toThrow("SIGINT");
    expect(t.fa.op?.status).toBe("switching-over");
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.inProgress).toBe(true);
    expect(j.isDone("switchover")).toBe(false);

    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.resumed).toBe(true);
    expect(r.skipped).toEqual(["preflight", "fence-primary"]);
    expect(r.failedStep).toBe("record-failed-over"); // got past the switchover and the verification
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(1);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[switchover\] 3\/6 precondition ok: a switchover switching-over from arn:aws:rds:us-east-2:.* to arn:aws:rds:us-west-1:.*: resuming/);
    expect(out).toContain("a switchover switching-over from");
    expect(out).toContain("nothing sent (waiting for it)");
  });

  it("--dry-run prints the Aurora plan and epilogue and calls nothing", async () => {
    const t = setup();
    const r = await t.run("failover", "planned", { dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]);
    expect(fs.readdirSync(t.dir)).toEqual([]);
    const out = t.lines.join("\n");
    for (const id of ["preflight", "fence-primary", "switchover", "force-dns", "verify", "record-failed-over"]) expect(out).toContain(id);
    expect(out).toContain("aws rds switchover-global-cluster --region us-east-2 --global-cluster-identifier drweb-prod-db-global --target-db-cluster-identifier");
    expect(out).toContain("[operator step]");
    expect(out).toContain("Automatic roll-back: when switchover fails and no switchover was requested");
    expect(out).toContain("At the end:");
    expect(out).toContain('"database": { "drState": "failedOver" }');

    t.lines.length = 0;
    await t.run("failover", "unplanned", { dryRun: true });
    const un = t.lines.join("\n");
    expect(t.aws.calls).toEqual([]);
    expect(un).toContain("aws rds failover-global-cluster --region us-west-1 --global-cluster-identifier drweb-prod-db-global");
    expect(un).toContain("--allow-data-loss");
    expect(un).toContain("aws rds switchover-global-cluster --region us-east-2"); // preferred when the old primary still answers
    expect(un).toContain("rds:unplanned-global-failover-drweb-prod-use2-db-g1-cluster");

    t.lines.length = 0;
    await t.run("failback", "planned", { dryRun: true }, t.configFor(FAILED_OVER));
    expect(t.aws.calls).toEqual([]);
    const fb = t.lines.join("\n");
    expect(fb).toContain("npx cdktf deploy dns-zone secondary primary");
    expect(fb).toContain("keep-lost-writes");
  });
});

// --- point 2: refusals known in advance, and refusals that never clear -----------

describe("Aurora: what AWS would refuse is refused before the fence; a refusal that never clears is capped and rolled back", () => {
  it("planned preflight: different major.minor engine versions, a headless target, a target without an available instance", async () => {
    for (const [breakIt, message] of [
      [(f: FakeAurora) => (f.member("us-west-1").engineVersion = "16.4"), 'drweb-prod-usw1-db-g1-cluster runs 16.4, drweb-prod-use2-db-g1-cluster\'s is 16.6: managed switchover and failover need "the same major and minor engine versions"'],
      [(f: FakeAurora) => (f.member("us-west-1").instances = []), "drweb-prod-usw1-db-g1-cluster is headless (no DB instance)"],
      [(f: FakeAurora) => f.member("us-west-1").instances.forEach((i) => (i.status = "rebooting")), "drweb-prod-usw1-db-g1-cluster has no available DB instance"],
    ] as const) {
      const t = setup();
      breakIt(t.fa);
      const r = await t.run("failover", "planned");
      expect(r.failedStep).toBe("preflight");
      expect(r.failure).toContain("AWS would refuse the switchover");
      expect(r.failure).toContain(message);
      expect(t.fa.mutations()).toEqual([]); // nothing fenced
      expect(r.acted).toBe(false);
    }
  });

  it("unplanned preflight: a managed failover that is impossible is refused before anything changes, with the detach-and-promote path", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    t.fa.member("us-west-1").engineVersion = "15.10";
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain("a managed failover to drweb-prod-usw1-db-g1-cluster is impossible: drweb-prod-usw1-db-g1-cluster runs 15.10, the global cluster's is 16.6");
    expect(r.failure).toContain("aws rds remove-from-global-cluster --region us-west-1 --global-cluster-identifier drweb-prod-db-global");
    expect(t.fa.mutations()).toEqual([]);
    expect(t.aws.calls.filter((c) => c.region === "us-east-2")).toEqual([]);
  });

  it("planned: a refusal that never clears ends the switchover after 3 requests and restores the fleet, in seconds, not promoteTimeoutSeconds", async () => {
    const t = setup();
    t.fa.refuse = { fault: "InvalidDBClusterStateFault", times: -1 };
    const seen = stamped(t);
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("switchover");
    expect(r.failure).toContain("RDS refused the switchover 3 times in a row (last: RDS refused SwitchoverGlobalCluster");
    expect(r.failure).toContain("InvalidDBClusterStateFault");
    expect(r.rolledBack).toBe(true);
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(3);
    expect(t.aws.desired["us-east-2"]).toBe(3); // production serves again from us-east-2
    const m = seen.mutations();
    const fencedAt = m[0].at;
    const restoredAt = m.at(-1)!.at;
    expect(m.at(-1)!.call.input).toMatchObject({ AutoScalingGroupName: "drweb-prod-use2-web", DesiredCapacity: 3 });
    // Fenced for the fence itself plus two polls, not the 1800 s promote timeout.
    expect((restoredAt - fencedAt) / 1000).toBeLessThan(120);
    expect(t.aws.switchAlarmState()).toBe("OK");
  });

  it("a refusal that clears (one InvalidGlobalClusterStateFault) is asked again and goes through", async () => {
    const t = setup();
    t.fa.refuse = { fault: "InvalidGlobalClusterStateFault", times: 1 };
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("record-failed-over");
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(2);
    expect(t.fa.member("us-west-1").isWriter).toBe(true);
  });

  it("unplanned: a failover refused 3 times ends the step with the detach-and-promote path instead of polling for 30 minutes", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    t.fa.refuse = { fault: "InvalidGlobalClusterStateFault", times: -1 };
    const seen = stamped(t);
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("failover");
    expect(r.failure).toContain("RDS refused the failover 3 times in a row");
    expect(r.failure).toContain("aws rds remove-from-global-cluster");
    const requests = seen.mutations().filter((x) => x.call.command === "FailoverGlobalClusterCommand");
    expect(requests).toHaveLength(3);
    expect((t.clock.now() - requests[0].at) / 1000).toBeLessThan(60);
  });
});

describe("Aurora: a switchover is recorded in the journal only when a request was sent", () => {
  const interruptWhen = (t: ReturnType<typeof setup>, when: () => boolean) => ({
    now: () => t.clock.now(),
    sleep: async (ms: number) => {
      if (when()) throw new Error("SIGINT");
      await t.clock.sleep(ms);
    },
  });
  const switchovers = (t: ReturnType<typeof setup>) => t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand");

  it("refused (InvalidDBClusterStateFault), interrupted, resumed and refused again: the resumed run rolls the fence back", async () => {
    const t = setup();
    t.fa.refuse = { fault: "InvalidDBClusterStateFault", times: -1 };
    await expect(t.run("failover", "planned", { clock: interruptWhen(t, () => switchovers(t).length >= 1) })).rejects.toThrow("SIGINT");
    const events = Journal.open(t.dir, "failover", t.clock).steps().filter((l) => l.step === "switchover").map((l) => l.event);
    expect(events).toContain("requesting");
    expect(events).toContain("not-taken");
    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.resumed).toBe(true);
    expect(r.failedStep).toBe("switchover");
    expect(r.rolledBack).toBe(true);
    expect(t.aws.desired["us-east-2"]).toBe(3);
    expect(t.lines.join("\n")).toContain("[rollback] safe: drweb-prod-use2-db-g1-cluster is still the writer");
  });

  it("sent with no answer (it may have been taken), interrupted, resumed: no roll-back", async () => {
    const t = setup();
    t.aws.latency = (c) => (c.command === "SwitchoverGlobalClusterCommand" ? 25_000 : 0);
    await expect(t.run("failover", "planned", { clock: interruptWhen(t, () => switchovers(t).length >= 1) })).rejects.toThrow("SIGINT");
    t.aws.latency = null;
    t.fa.refuse = { fault: "InvalidDBClusterStateFault", times: -1 };
    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("switchover");
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toMatch(/\[rollback\] NOT rolling back: the journal shows (a request|\d+ requests) sent in switchover \(taken, or no answer after it left\)/);
    expect(t.aws.desired["us-east-2"]).toBe(0);
  });

  it("unplanned with us-east-1 unreachable and no --confirm: stops at once with the --confirm confirm-outage advice, no Route 53 call, nothing changed", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-1");
    t.aws.down.add("us-east-2");
    const start = t.clock.now();
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("confirm-outage");
    expect(t.clock.now() - start).toBeLessThan(30_000);
    expect(r.failure).toContain("--confirm confirm-outage");
    expect(t.aws.calls.filter((c) => c.client === "route53")).toEqual([]);
    expect(t.fa.mutations()).toEqual([]);
  });
});

// --- unplanned ---------------------------------------------------------------------

describe("dr failover --unplanned (Aurora)", () => {
  it("us-east-2 down: sustained outage, switch, fence, drain, failover with AllowDataLoss, writes verified, then the operator's record and the old fleet's fence", async () => {
    const t = setup();
    const order = stamped(t);
    const downAt = t.clock.now();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2"); // the whole region: its APIs do not answer either
    const first = await t.run("failover", "unplanned");
    expect(first.plan.steps.map((s) => s.id)).toEqual(["preflight", "confirm-outage", "force-dns", "fence-old-primary", "drain", "failover", "verify", "record-failed-over", "fence-old-primary-fleet"]);
    expect(first.failedStep).toBe("record-failed-over");
    const m = order.mutations();
    expect(m.map((x) => `${x.call.command}@${x.call.region}`)).toEqual(["PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-east-2", "FailoverGlobalClusterCommand@us-west-1"]);
    expect(m[2].call.input).toEqual({ GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: SECONDARY_ARN, AllowDataLoss: true });
    // Sustained outage before anything, and the whole client drain (the old region's APIs did not answer) before the failover.
    expect(m[0].at - downAt).toBeGreaterThanOrEqual(120_000);
    expect(m[2].at - m[0].at).toBeGreaterThanOrEqual(150_000);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[preflight\] 1\/9 precondition ok: drweb-prod-usw1-db-g1-cluster: secondary, available, 16.6, sync connected; last RPO lag 150 ms, .*lost by a failover with data loss/);
    expect(out).toContain("failover with data loss: us-east-2 did not answer during the drain (not asked again)");
    expect(t.fa.member("us-west-1").isWriter).toBe(true);
    expect(doneAt(t, "verify")).not.toBeNull();

    // The operator records failedOver; us-east-2 is still down: the old fleet's fence is what is left.
    t.lines.length = 0;
    const second = await t.run("failover", "unplanned", {}, t.configFor(FAILED_OVER));
    expect(second.failedStep).toBe("fence-old-primary-fleet");
    expect(t.lines.join("\n")).toContain("The failover itself is done: drweb-prod-usw1-db-g1-cluster takes the writes");
    // us-east-2 answers again: the same command fences the old fleet and finishes.
    t.aws.down.delete("us-east-2");
    t.lines.length = 0;
    const third = await t.run("failover", "unplanned", {}, t.configFor(FAILED_OVER));
    expect(third.ok, third.failure).toBe(true);
    expect(t.aws.desired["us-east-2"]).toBe(0);
    expect(t.fa.mutations().filter((c) => c.command === "FailoverGlobalClusterCommand")).toHaveLength(1);
    const end = t.lines.join("\n");
    expect(end).toContain("had not replicated when the failover was taken");
    expect(end).toContain("rds:unplanned-global-failover-drweb-prod-use2-db-g1-cluster");
  });

  it("a transient fault ends the run with nothing changed: the primary recovered before the outage was sustained", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    let polls = 0;
    const r = await t.run("failover", "unplanned", {
      clock: { now: () => t.clock.now(), sleep: async (ms) => { if (++polls === 5) t.aws.hc("hc-primary").healthy = true; await t.clock.sleep(ms); } },
    });
    expect(r.failedStep).toBe("confirm-outage");
    expect(r.failure).toContain("the primary recovered (Route53 verdict healthy");
    expect(t.fa.mutations()).toEqual([]);
    expect(r.acted).toBe(false);
  });
});

// --- point 5: the critical path reads the surviving region only ---------------------

describe("Aurora unplanned failover in a brownout of us-east-2 (every call there takes its whole 25 s bound)", () => {
  it("globalCluster({ only }) asks the surviving region alone", async () => {
    const t = setup();
    const g = await t.platformFor(t.config).globalCluster({ only: "secondary" });
    expect(g.members.map((m) => [m.role, m.isWriter, m.status])).toEqual([
      ["primary", true, null], // listed by DescribeGlobalClusters, not read in us-east-2
      ["secondary", false, "available"],
    ]);
    expect(t.aws.calls.filter((c) => c.region !== "us-west-1")).toEqual([]);
  });

  it("sends the failover within the drain plus one poll of the switch (not 305 s), reading nothing in us-east-2 after the drain", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.latency = (c) => (c.region === "us-east-2" ? 25_000 : 0);
    const seen = stamped(t);
    const r = await t.run("failover", "unplanned");
    const m = seen.mutations();
    const sw = m.find((x) => x.call.command === "PutMetricDataCommand")!;
    const fo = m.find((x) => x.call.command === "FailoverGlobalClusterCommand")!;
    const drain = r.plan.params.clientDrainSeconds;
    const poll = t.config.runbook.pollIntervalSeconds;
    const took = (fo.at - sw.at) / 1000;
    // Measured: 155 s (the code before this change: 305 s, each read of the global cluster and of the old fleet paying us-east-2's 25 s).
    expect(took).toBeGreaterThanOrEqual(drain);
    expect(took).toBeLessThanOrEqual(drain + poll);
    expect(r.failedStep).toBe("record-failed-over");
    const drainedAt = Journal.open(t.dir, "failover", t.clock).eventAt("drain", "done")!;
    expect(seen.all().filter((x) => x.at >= drainedAt && x.call.region === "us-east-2" && x.at <= fo.at)).toEqual([]);
    // And the writes are verified right after.
    expect((doneAt(t, "verify")! - fo.at) / 1000).toBeLessThanOrEqual(2 * poll);
  });
});

// --- point 6: a switchover when the old primary still answers; AWS's states after a failover ----

describe("Aurora unplanned: a switchover when the old primary answers; the old primary rejoins only when its region recovers", () => {
  it("only the web tier failed (us-east-2's APIs answer, the secondary connected at ~0 lag): a switchover, RPO 0, no rebuild, no snapshot", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false; // the ALB's check fails; the database and the APIs are fine
    t.fa.rpoLagMs = 0;
    const r = await t.run("failover", "unplanned");
    expect(t.commands()).toEqual(["PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-east-2", "SwitchoverGlobalClusterCommand@us-east-2"]);
    expect(r.failedStep).toBe("record-failed-over");
    expect(t.lines.join("\n")).toContain("switchover (RPO 0, no storage rebuild): drweb-prod-use2-db-g1-cluster still answers in us-east-2");
    // The drain ended as soon as the old fleet was provably fenced, not by time.
    expect(t.lines.join("\n")).toContain("the old primary's fleet is fenced");
    const g = await t.platformFor(t.config).globalCluster();
    expect(g.members.map((m) => [m.role, m.isWriter, m.synchronizationStatus])).toEqual([
      ["primary", false, "connected"],
      ["secondary", true, null],
    ]);
    expect(t.fa.clusterSnapshots).toEqual([]);
  });

  it("AWS's states after FailoverGlobalCluster with AllowDataLoss (the fake): out of the global cluster while its region is down, then a snapshot and a rebuild (pending-resync) once it recovers", async () => {
    const t = setup();
    const p = t.platformFor(t.config);
    t.aws.down.add("us-east-2");
    expect((await p.failoverGlobal("secondary")).outcome).toBe("requested");
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const g = await p.globalCluster({ only: "secondary" });
      seen.push(`${g.failoverState?.status ?? "-"} ${g.members.map((m) => `${m.role}:${m.isWriter ? "W" : (m.synchronizationStatus ?? "?")}`).join(",")}`);
    }
    expect(seen).toEqual(["failing-over primary:W,secondary:connected", "failing-over primary:W,secondary:connected", "- secondary:W"]);
    t.aws.down.delete("us-east-2");
    const back = await p.globalCluster();
    expect(back.members.find((m) => m.role === "primary")).toMatchObject({ isWriter: false, synchronizationStatus: "pending-resync", rpoLagMs: null });
    expect(t.fa.clusterSnapshots.map((s) => [s.id.startsWith(`rds:unplanned-global-failover-${PRIMARY_CLUSTER}-`), s.type])).toEqual([[true, "automated"]]);
    // A switchover is refused while it rebuilds.
    expect((await p.switchoverGlobal("primary")).outcome).toBe("refused");
    for (let i = 0; i < 3; i++) await p.globalCluster();
    expect((await p.globalCluster()).members.find((m) => m.role === "primary")?.synchronizationStatus).toBe("connected");
  });

  it("the old region comes back at the worst moment (while the failover is failing-over): the failover completes, the old primary is rebuilt, not written to", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    t.fa.takes = 3;
    const r = await t.run("failover", "unplanned", {
      beforeStep: (s) => {
        if (s.id === "verify") t.aws.down.delete("us-east-2"); // came back right after the request, before the writes were verified
      },
      clock: {
        now: () => t.clock.now(),
        sleep: async (ms) => {
          if (t.fa.op?.status === "failing-over") t.aws.down.delete("us-east-2");
          await t.clock.sleep(ms);
        },
      },
    });
    expect(r.failedStep).toBe("record-failed-over");
    expect(t.fa.mutations().filter((c) => c.command === "FailoverGlobalClusterCommand")).toHaveLength(1);
    expect(t.fa.mutations().filter((c) => c.command === "SwitchoverGlobalClusterCommand")).toHaveLength(0);
    const g = await t.platformFor(t.config).globalCluster();
    expect(g.members.find((m) => m.role === "secondary")?.isWriter).toBe(true);
    expect(g.members.find((m) => m.role === "primary")).toMatchObject({ isWriter: false, synchronizationStatus: "pending-resync" });
    expect(t.fa.clusterSnapshots).toHaveLength(1);
    // us-east-2's app does not write: its cluster is being rebuilt as a secondary.
    expect((await t.fa.probe({ baseUrl: "https://drweb-prod-use2-alb" })).writable).toBe(false);
    // The rest of the run fences the old fleet now that its region answers.
    const end = await t.run("failover", "unplanned", {}, t.configFor(FAILED_OVER));
    expect(end.ok, end.failure).toBe(true);
    expect(t.aws.desired["us-east-2"]).toBe(0);
  });

  it("the old primary stops answering right after the switchover was sent: Aurora cancels it, the runbook falls back to the failover", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.fa.rpoLagMs = 0;
    t.fa.cancelSwitchoverOnPrimaryLoss = true;
    t.fa.takes = 3;
    const r = await t.run("failover", "unplanned", {
      clock: {
        now: () => t.clock.now(),
        sleep: async (ms) => {
          if (t.fa.op?.status === "switching-over") t.aws.down.add("us-east-2");
          await t.clock.sleep(ms);
        },
      },
    });
    expect(r.failedStep).toBe("record-failed-over");
    expect(t.commands()).toEqual(["PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-east-2", "SwitchoverGlobalClusterCommand@us-east-2", "FailoverGlobalClusterCommand@us-west-1"]);
    const out = t.lines.join("\n");
    expect(out).toContain("Aurora is cancelling the switchover");
    expect(out).toContain("failover with data loss: Aurora cancelled the switchover");
    expect(t.fa.member("us-west-1").isWriter).toBe(true);
  });

  it("the switchover request to us-east-2 gets no answer (the region browns out at that moment): nothing shows under way in us-west-1, so the failover follows", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.fa.rpoLagMs = 0;
    t.aws.latency = (c) => (c.command === "SwitchoverGlobalClusterCommand" ? 25_000 : 0);
    const r = await t.run("failover", "unplanned");
    expect(t.commands()).toEqual(["PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-east-2", "SwitchoverGlobalClusterCommand@us-east-2", "FailoverGlobalClusterCommand@us-west-1"]);
    expect(r.failedStep).toBe("record-failed-over");
    const out = t.lines.join("\n");
    expect(out).toContain("switchover unknown: no answer");
    expect(out).toContain("failover with data loss: the switchover request to us-east-2 got no answer, and no operation shows under way");
  });

  it("an interrupted run resumed from the journal while the switchover it chose is under way: no second request of either kind", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.fa.rpoLagMs = 0;
    t.fa.takes = 6;
    let interrupted = false;
    await expect(
      t.run("failover", "unplanned", {
        clock: {
          now: () => t.clock.now(),
          sleep: async (ms) => {
            if (t.fa.op && !interrupted) {
              interrupted = true;
              throw new Error("SIGINT");
            }
            await t.clock.sleep(ms);
          },
        },
      }),
    ).rejects.toThrow("SIGINT");
    expect(t.fa.op?.dataLoss).toBe(false);
    t.lines.length = 0;
    const r = await t.run("failover", "unplanned");
    expect(r.resumed).toBe(true);
    expect(r.failedStep).toBe("record-failed-over");
    expect(t.commands().filter((c) => c.includes("GlobalCluster"))).toEqual(["SwitchoverGlobalClusterCommand@us-east-2"]);
    expect(t.lines.join("\n")).toContain("nothing sent (waiting for it)");
    expect(t.fa.member("us-east-2").sync).toBe("connected");
  });
});

// --- failback, and point 3 ----------------------------------------------------------

describe("dr failback (Aurora: switchover back)", () => {
  it("after a planned failover: deploys the primary in failback, no snapshot to keep (--confirm), switches back, verifies, then records normal", async () => {
    const t = setup(FAILED_OVER);
    t.fa.secondaryIsWriter();
    t.aws.setSwitch(true);
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    const first = await t.run("failback", "planned");
    expect(first.plan.steps.map((s) => s.id)).toEqual([
      "deploy-primary",
      "keep-lost-writes",
      "restore-primary-fleet",
      "preflight",
      "fence-secondary",
      "switchover",
      "unforce-dns",
      "verify-primary",
      "restore-secondary-fleet",
      "record-normal",
    ]);
    expect(first.failedStep).toBe("deploy-primary");
    expect(first.failure).toContain('database.drState is "failedOver", want "failback"');
    expect(t.fa.mutations()).toEqual([]);

    // No rds:unplanned-global-failover snapshot after a switchover: the step says so and changes nothing.
    const second = await t.run("failback", "planned", {}, t.configFor(FAILBACK));
    expect(second.failedStep).toBe("keep-lost-writes");
    expect(second.failure).toContain("no rds:unplanned-global-failover-drweb-prod-use2-db-g1-cluster-* snapshot in us-east-2");
    expect(second.failure).toContain("--confirm keep-lost-writes");

    const third = await t.run("failback", "planned", { confirm: ["keep-lost-writes"] }, t.configFor(FAILBACK));
    expect(third.failedStep).toBe("record-normal");
    expect(t.commands()).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "UpdateAutoScalingGroupCommand@us-west-1", "SwitchoverGlobalClusterCommand@us-west-1", "PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-west-1"]);
    expect(t.fa.mutations()[2].input).toEqual({ GlobalClusterIdentifier: GLOBAL_ID, TargetDbClusterIdentifier: PRIMARY_ARN });
    expect(t.fa.member("us-east-2").isWriter).toBe(true);
    expect(t.aws.switchAlarmState()).toBe("OK");
    expect(Journal.open(t.dir, "failback", t.clock).eventAt("verify-primary", "done")).not.toBeNull(); // writes in us-east-2 before drState normal

    t.lines.length = 0;
    const fourth = await t.run("failback", "planned", {}, t.configFor({}));
    expect(fourth.ok, fourth.failure).toBe(true);
    expect(t.aws.desired["us-west-1"]).toBe(3);
    expect(t.lines.join("\n")).toContain('"database": { "drState": "normal" }');
  });

  it("after an unplanned failover: waits for Aurora to add the old primary back, then copies AWS's point-of-failure snapshot to a manual one before switching back", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    expect((await t.run("failover", "unplanned")).failedStep).toBe("record-failed-over");
    expect((await t.run("failover", "unplanned", { confirm: ["fence-old-primary-fleet"] }, t.configFor(FAILED_OVER))).ok).toBe(true);
    // us-east-2 is still down: the old primary is not a member; the failback waits for it.
    t.aws.hc("hc-primary").healthy = true;
    t.aws.setSwitch(true);
    const early = await t.run("failback", "planned", {}, t.configFor(FAILBACK));
    expect(early.failedStep).toBe("deploy-primary");
    expect(early.failure).toContain("drweb-prod-use2-db-g1-cluster is not a member of drweb-prod-db-global");
    // The region recovers: Aurora snapshots the old volume and rebuilds it (pending-resync), then it is connected.
    t.aws.down.delete("us-east-2");
    const rebuilding = await t.run("failback", "planned", {}, t.configFor(FAILBACK));
    expect(rebuilding.failedStep).toBe("deploy-primary");
    expect(rebuilding.failure).toContain("sync pending-resync");
    const [system] = t.fa.clusterSnapshots;
    expect(system.id).toMatch(/^rds:unplanned-global-failover-drweb-prod-use2-db-g1-cluster-/);
    for (let i = 0; i < 3; i++) await t.platformFor(t.config).globalCluster(); // Aurora's rebuild goes on
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    t.lines.length = 0;
    const r = await t.run("failback", "planned", {}, t.configFor(FAILBACK));
    expect(r.failedStep).toBe("record-normal");
    const copy = t.fa.mutations().find((c) => c.command === "CopyDBClusterSnapshotCommand")!;
    expect(copy.region).toBe("us-east-2");
    expect(copy.input).toMatchObject({ SourceDBClusterSnapshotIdentifier: system.id, CopyTags: true });
    const kept = String(copy.input.TargetDBClusterSnapshotIdentifier);
    expect(kept).toMatch(/^drweb-prod-use2-db-g1-cluster-lost-writes-\d{14}$/);
    expect(kept.length).toBeLessThanOrEqual(63);
    expect(t.fa.clusterSnapshots.find((s) => s.id === kept)).toMatchObject({ type: "manual", status: "available" });
    // Kept before anything else moved: the copy is the first change of the failback.
    const failbackChanges = t.fa.mutations().filter((c) => c.command !== "PutMetricDataCommand" || c.input.Namespace !== undefined);
    expect(failbackChanges.map((c) => c.command).indexOf("CopyDBClusterSnapshotCommand")).toBeLessThan(failbackChanges.map((c) => c.command).lastIndexOf("SwitchoverGlobalClusterCommand"));
    expect(t.fa.member("us-east-2").isWriter).toBe(true);
    // Resumed, it does not copy twice.
    await t.run("failback", "planned", {}, t.configFor({}));
    expect(t.fa.mutations().filter((c) => c.command === "CopyDBClusterSnapshotCommand")).toHaveLength(1);
  });

  it("--confirm keep-lost-writes goes on even when us-east-2's RDS API does not answer (the operator decided)", async () => {
    const t = setup(FAILBACK);
    t.fa.secondaryIsWriter();
    t.aws.setSwitch(true);
    expect((await t.run("failback", "planned")).failedStep).toBe("keep-lost-writes");
    t.aws.failWith = (c) => (c.command === "DescribeDBClusterSnapshotsCommand" ? Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }) : undefined);
    const r = await t.run("failback", "planned", { confirm: ["keep-lost-writes"] });
    expect(r.failedStep).not.toBe("keep-lost-writes");
    expect(t.lines.join("\n")).toContain("[keep-lost-writes] 2/10 action: not copied now");
  });

  it("after an unplanned failover whose snapshot AWS did not take: keep-lost-writes stops and says --confirm", async () => {
    const t = setup(FAILBACK);
    t.fa.snapshotFails = true;
    t.aws.down.add("us-east-2");
    await t.platformFor(t.config).failoverGlobal("secondary");
    for (let i = 0; i < 3; i++) await t.platformFor(t.config).globalCluster({ only: "secondary" });
    t.aws.down.delete("us-east-2");
    for (let i = 0; i < 5; i++) await t.platformFor(t.config).globalCluster();
    t.aws.setSwitch(true);
    const before = t.fa.mutations().length;
    const r = await t.run("failback", "planned");
    expect(r.failedStep).toBe("keep-lost-writes");
    expect(r.failure).toContain('it only "attempts" it; if either is the case, run again with --confirm keep-lost-writes');
    expect(t.fa.mutations().slice(before)).toEqual([]);
    expect(t.fa.clusterSnapshots).toEqual([]);
  });
});

// --- dr status ------------------------------------------------------------------------

describe("dr status (Aurora mode)", () => {
  it("shows the members, the writer, sync and lag, and agrees with drState normal", async () => {
    const t = setup();
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.mismatches).toEqual([]);
    expect(s.readErrors).toEqual([]);
    expect(s.regions.map((r) => r.database.dbRole)).toEqual(["writer", "replica"]);
    const text = renderStatus(s).join("\n");
    expect(text).toContain("Aurora global cluster drweb-prod-db-global: available; no switchover or failover under way");
    expect(text).toContain("drweb-prod-use2-db-g1-cluster (us-east-2, primary): WRITER (global primary), available");
    expect(text).toContain("drweb-prod-usw1-db-g1-cluster (us-west-1, secondary): secondary, available, sync connected, replication lag 90 ms, RPO lag 150 ms");
    expect(text).toContain("config and AWS agree.");
    expect(t.fa.mutations()).toEqual([]);
  });

  it("flags a writer that does not match drState, and shows a switchover under way", async () => {
    const t = setup();
    t.fa.secondaryIsWriter();
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.mismatches.join("\n")).toContain(
      'Aurora global cluster drweb-prod-db-global: the writer is drweb-prod-usw1-db-g1-cluster (us-west-1, secondary), config database.drState "normal" expects drweb-prod-use2-db-g1-cluster (us-east-2, primary)',
    );
    expect(renderStatus(s).join("\n")).toContain("MISMATCH between config and AWS:");
    // The same world agrees with failedOver once the old primary's fleet is fenced, as the runbook leaves it
    // (with that fleet still serving it is a SPLIT BRAIN RISK: "dr status (Aurora mode): the old primary" below).
    const fo = t.configFor(FAILED_OVER);
    t.aws.setSwitch(true);
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    const s2 = await collectStatus(fo, t.platformFor(fo));
    expect(s2.mismatches).toEqual([]);
    // A switchover under way is shown and warned about.
    t.fa.op = { status: "switching-over", from: SECONDARY_ARN, to: PRIMARY_ARN, dataLoss: false, left: -1 };
    const s3 = await collectStatus(fo, t.platformFor(fo));
    expect(renderStatus(s3).join("\n")).toContain(`SWITCHOVER switching-over from ${SECONDARY_ARN} to ${PRIMARY_ARN}`);
    expect(s3.warnings.join("\n")).toContain("a switchover is switching-over on drweb-prod-db-global");
  });

  it("says the global cluster could not be read instead of claiming agreement", async () => {
    const t = setup();
    t.aws.down.add("us-west-1");
    t.aws.down.add("us-east-2");
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.incomplete).toBe(true);
    expect(s.readErrors.map((e) => e.what)).toContain("Aurora global cluster drweb-prod-db-global");
    expect(renderStatus(s).join("\n")).toContain("Aurora global cluster: could not be read (the AWS endpoint could not be reached");
  });
});

/** `npm run dr -- status` (text or --json) against the stubbed clients, with the config written to a file as an operator's. */
async function statusCli(t: ReturnType<typeof setup>, cfg: Record<string, unknown>, json: boolean) {
  const file = path.join(t.dir, "config.json");
  fs.writeFileSync(file, JSON.stringify({ ...cfg, runbook: { journalDir: t.dir } }));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["status", ...(json ? ["--json"] : []), "--config", file], {
    clients: t.fa.clients(),
    credentials: async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE" }),
    clock: t.clock,
    probe: t.fa.probe,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every call to one region's endpoints (any service) accepts and never answers: a brownout; the calls end only when their abort signal fires, as the SDK's handler does. */
function brownout(clients: AwsClients, region: string): AwsClients {
  const silent = { send: (_cmd: unknown, opts?: { abortSignal?: AbortSignal }) => new Promise((_, reject) => opts?.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })), { once: true })) };
  const hang = <C>(make: (r: string) => C) => (r: string): C => (r === region ? (silent as never) : make(r));
  return { ...clients, rds: hang(clients.rds), cloudwatch: hang(clients.cloudwatch), elbv2: hang(clients.elbv2), autoscaling: hang(clients.autoscaling) };
}

const AURORA_FAILED_OVER = { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } };
const FENCE_USE2 = "aws autoscaling update-auto-scaling-group --region us-east-2 --auto-scaling-group-name drweb-prod-use2-web --min-size 0 --desired-capacity 0";

// The dangerous states the RDS mode reports as SPLIT BRAIN, mapped to the global cluster. AWS is the stubbed SDK
// clients of fake-aws.ts + fake-aurora.ts, a stand-in: no AWS API emulator runs here, and what the global-cluster
// APIs answer is modelled from the RDS API Reference (DescribeGlobalClusters lists members only; a cluster removed
// by RemoveFromGlobalCluster "becomes a standalone cluster with read-write capability").
describe("dr status (Aurora mode): an old primary that still serves, two writers, a region that does not answer", () => {
  it("normal, healthy: each region's cluster read in its own region, one writer, config and AWS agree (exit 0)", async () => {
    const t = setup();
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.mismatches).toEqual([]);
    expect(s.warnings).toEqual([]);
    expect(s.verdict).toBe("agree");
    expect(statusExitCode(s)).toBe(0);
    expect(s.regions.map((r) => [r.region, r.auroraWrite?.writable, r.auroraWrite?.globalWriter, r.cluster?.globalClusterIdentifier])).toEqual([
      ["us-east-2", true, true, GLOBAL_ID],
      ["us-west-1", false, false, GLOBAL_ID],
    ]);
    expect(t.aws.calls.filter((c) => c.command === "DescribeDBClustersCommand" && c.input.DBClusterIdentifier === PRIMARY_CLUSTER).map((c) => c.region)).toContain("us-east-2");
    expect(t.aws.calls.filter((c) => c.command === "DescribeDBClustersCommand" && c.input.DBClusterIdentifier === SECONDARY_CLUSTER).map((c) => c.region)).toContain("us-west-1");
    const text = renderStatus(s).join("\n");
    expect(text).toContain("  database: drweb-prod-use2-db-g1-cluster, the global primary (writer of drweb-prod-db-global)  (config expects: writer)");
    expect(text).toContain("  database: drweb-prod-usw1-db-g1-cluster, a secondary member of drweb-prod-db-global (read-only, available, sync connected)  (config expects: secondary member)");
    expect(text).toContain("config and AWS agree.");
    expect(t.fa.mutations()).toEqual([]);
  });

  it("failedOver with the old primary's fleet still serving: SPLIT BRAIN RISK with the fence command, exit 3 in text and --json; fenced, they agree (exit 0)", async () => {
    const t = setup();
    t.fa.secondaryIsWriter(); // after the failover: us-west-1 writes, us-east-2 is a secondary member
    t.aws.setSwitch(true);
    // The RDS mode's answer to the same world is SPLIT BRAIN, exit 3 (runbook.test.ts "dr status"); this mode said "config and AWS agree", exit 0.
    const fo = t.configFor(FAILED_OVER);
    const s = await collectStatus(fo, t.platformFor(fo));
    expect(s.mismatches).toHaveLength(1);
    expect(s.mismatches[0]).toMatch(/^SPLIT BRAIN RISK: config database.drState "failedOver" makes us-west-1 the only region that writes and keeps us-east-2's web fleet fenced until `dr failback`, but that fleet can still serve \(fleet desired 3, 3 instance\(s\), 3\/3 targets healthy\) beside drweb-prod-use2-db-g1-cluster, a secondary member of drweb-prod-db-global/);
    expect(s.mismatches[0]).toContain('"a best-effort attempt"');
    expect(s.mismatches[0]).toContain(`Fence it now: ${FENCE_USE2}, then \`dr status\` again`);
    expect(s.verdict).toBe("mismatch");
    expect(statusExitCode(s)).toBe(3);
    expect(renderStatus(s).join("\n")).toContain("MISMATCH between config and AWS:\n  - SPLIT BRAIN RISK:");

    const text = await statusCli(t, AURORA_FAILED_OVER, false);
    expect(text.code).toBe(3);
    expect(text.out).toContain("  - SPLIT BRAIN RISK: ");
    const json = await statusCli(t, AURORA_FAILED_OVER, true);
    expect(json.code).toBe(3);
    const j = JSON.parse(json.out) as { verdict: string; mismatches: string[]; regions: Array<{ region: string; auroraWrite: { writable: boolean | null }; web: { desiredCapacity: number } }> };
    expect(j.verdict).toBe("mismatch");
    expect(j.mismatches[0]).toMatch(/^SPLIT BRAIN RISK: /);
    expect(j.regions.map((r) => [r.region, r.auroraWrite.writable, r.web.desiredCapacity])).toEqual([["us-east-2", false, 3], ["us-west-1", true, 3]]);

    // Fenced as the runbook leaves it (desired 0, no instance, no target): the expected failed-over state.
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    const fenced = await collectStatus(fo, t.platformFor(fo));
    expect(fenced.mismatches).toEqual([]);
    expect(fenced.verdict).toBe("agree");
    expect(renderStatus(fenced).join("\n")).toContain("config and AWS agree.");
    expect((await statusCli(t, AURORA_FAILED_OVER, true)).code).toBe(0);
    expect(t.fa.mutations()).toEqual([]);
  });

  it("a detached old primary takes writes on its own: SPLIT BRAIN while its fleet serves; a warning once fenced", async () => {
    const t = setup();
    t.fa.secondaryIsWriter();
    t.fa.detach("us-east-2"); // RemoveFromGlobalCluster: a standalone cluster with read-write capability
    t.aws.setSwitch(true);
    const fo = t.configFor(FAILED_OVER);
    const s = await collectStatus(fo, t.platformFor(fo));
    expect(s.mismatches).toHaveLength(1);
    expect(s.mismatches[0]).toMatch(/^SPLIT BRAIN: both regions have an Aurora cluster that takes writes and a web fleet that can serve \(/);
    expect(s.mismatches[0]).toContain(
      "us-east-2: drweb-prod-use2-db-g1-cluster, detached (not a member of drweb-prod-db-global; it names no global cluster): a standalone cluster that takes writes on its own (writer drweb-prod-use2-db-g1-instance1, available); fleet desired 3, 3 instance(s), 3/3 targets healthy",
    );
    expect(s.mismatches[0]).toContain("us-west-1: drweb-prod-usw1-db-g1-cluster, the global primary (writer of drweb-prod-db-global)");
    expect(s.mismatches[0]).toContain(`Fence us-east-2 now (config database.drState "failedOver" names us-west-1 the global primary): ${FENCE_USE2}`);
    expect(s.regions[0].database.dbRole).toBe("writer");
    expect(statusExitCode(s)).toBe(3);
    // Fenced: no mismatch; the detached writer is still said.
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    const fenced = await collectStatus(fo, t.platformFor(fo));
    expect(fenced.mismatches).toEqual([]);
    expect(fenced.warnings.join("\n")).toContain("us-east-2: drweb-prod-use2-db-g1-cluster, detached (not a member of drweb-prod-db-global; it names no global cluster): a standalone cluster that takes writes on its own");
    expect(fenced.warnings.join("\n")).toContain("its fleet is fenced: keep it so");
  });

  it("normal, the secondary detached and promoted by hand while the primary still writes: SPLIT BRAIN, fence the secondary", async () => {
    const t = setup();
    t.fa.detach("us-west-1");
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.mismatches).toContain("drweb-prod-usw1-db-g1-cluster (us-west-1) is not a member of drweb-prod-db-global");
    const split = s.mismatches.find((m) => m.startsWith("SPLIT BRAIN: "));
    expect(split).toContain('Fence us-west-1 now (config database.drState "normal" names us-east-2 the global primary): aws autoscaling update-auto-scaling-group --region us-west-1 --auto-scaling-group-name drweb-prod-usw1-web');
    expect(statusExitCode(s)).toBe(3);
  });

  it("the old primary's region does not answer (a brownout): bounded, 'could not be read', exit 4, and a split brain is not ruled out", async () => {
    const t = setup();
    t.fa.secondaryIsWriter();
    t.aws.setSwitch(true);
    const fo = t.configFor(FAILED_OVER);
    const platform = new AwsPlatform(fo, brownout(t.fa.clients(), "us-east-2"), t.clock, t.fa.probe, { walFn: t.aws.walFn, callTimeoutMs: 100 });
    const t0 = Date.now();
    const s = await collectStatus(fo, platform, { readTimeoutMs: 2_000 });
    expect(Date.now() - t0).toBeLessThan(2_000); // real time: every call to us-east-2 ends at its 0.1 s bound
    expect(s.readErrors.map((e) => [e.what, e.cause])).toEqual([
      ["us-east-2 web fleet (ASG drweb-prod-use2-web, target group drweb-prod-use2-web)", "network"],
      ["us-east-2 Aurora cluster drweb-prod-use2-db-g1-cluster", "network"],
    ]);
    // The global cluster is read from us-west-1: us-west-1 writes, as failedOver says.
    expect(s.globalCluster?.members.find((m) => m.isWriter)?.region).toBe("us-west-1");
    expect(s.mismatches).toEqual([]);
    expect(s.verdict).toBe("incomplete");
    expect(statusExitCode(s)).toBe(4);
    expect(s.warnings.join("\n")).toContain(`us-east-2's fleet could not be read and its cluster is drweb-prod-use2-db-g1-cluster, a secondary member of drweb-prod-db-global (read-only, status unknown, sync connected): whether the old primary still serves cannot be ruled out; fence it once its APIs answer: ${FENCE_USE2}`);
    const text = renderStatus(s).join("\n");
    expect(text).toContain("us-east-2 (primary):\n  database: drweb-prod-use2-db-g1-cluster, a secondary member");
    expect(text).toContain("  web:      could not be read (the AWS endpoint could not be reached (TimeoutError: Auto Scaling DescribeAutoScalingGroups (us-east-2): no answer within 0.1 s (all attempts))");
    expect(text).toContain("no mismatch found in what could be read, but not everything could be read (below).");
  });
});

describe("Aurora plans on a platform without global-database calls", () => {
  it("fail with a message naming the mode and what is missing", async () => {
    const t = setup();
    const aws = t.platformFor(t.config);
    const bare = new Proxy(aws, { get: (o, k) => (k === "globalCluster" || k === "switchoverGlobal" || k === "failoverGlobal" ? undefined : k === "name" ? "local" : Reflect.get(o, k, o)) });
    const r = await runRunbook({ config: t.config, platform: bare, operation: "failover", mode: "planned", clock: t.clock, log: (l) => t.lines.push(l) });
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain('database.engine is "aurora-postgresql", but the local platform has no Aurora Global Database calls');
    expect(t.fa.mutations()).toEqual([]);
    void SWITCH;
  });
});
