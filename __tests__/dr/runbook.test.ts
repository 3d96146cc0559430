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
import { clientDrainSeconds } from "../../src/dr/plan-params";
import type { Mode, Operation } from "../../src/dr/plan-model";
import { PREFLIGHT_REPLAY_SAMPLES } from "../../src/dr/wal-verdicts";
import { runRunbook } from "../../src/dr/runner";
import { collectStatus, renderStatus } from "../../src/dr/status";
import { FakeAws, SWITCH, type Call } from "./fake-aws";

function setup(overrides: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-journal-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir }, ...overrides });
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
  const platform = platformFor(config);
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}, cfg: ValidConfig = config) =>
    runRunbook({ config: cfg, platform: platformFor(cfg), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  return { dir, clock, aws, config, platform, platformFor, lines, run };
}

const commands = (aws: FakeAws) => aws.mutations().map((c) => `${c.command}@${c.region}`);
/** The fake clock time of each mutation, in order. */
function stamped(aws: FakeAws, clock: FakeClock) {
  const out: Array<{ call: Call; at: number }> = [];
  const orig = aws.calls.push.bind(aws.calls);
  aws.calls.push = (...items: Call[]) => {
    for (const c of items) out.push({ call: c, at: clock.now() });
    return orig(...items);
  };
  return () => out.filter((x) => aws.mutations().includes(x.call));
}

describe("dr failover --planned", () => {
  it("fences the primary, proves the catch-up by WAL positions, promotes, forces DNS, verifies writes, then prints the config change", async () => {
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
    const out = t.lines.join("\n");
    // The fence waited for the Terminating instances to go, and the catch-up is a position proof, not a lag datapoint.
    expect(out).toMatch(/\[fence-primary\] 2\/6 still waiting: not fenced: ASG drweb-prod-use2-web: min 0 desired 0, instances 3 \(3 Terminating\)/);
    expect(out).toMatch(/\[catch-up\] 3\/6 wait ok after [\d.]+ s: the source's WAL ends at 0\/3[0-9A-F]+ \(a message sent after writes stopped, 0\.0 s ago\) and the replica replayed 0\/3[0-9A-F]+: every acknowledged write is on the replica/);
    // Every step is logged with a timestamp; the epilogue is docs/failover-runbook.md's "record it" step.
    expect(t.lines.filter((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z \[/.test(l)).length).toBeGreaterThan(12);
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

  it("stops before changing anything when the replica lag is above runbook.maxReplicaLagSeconds and the WAL positions show it behind", async () => {
    const t = setup();
    t.aws.replicaLag = 45;
    t.aws.wal.backlog = 0x80n; // replay advances, but stays behind what the source sent
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain("replica lag 45 s > 30 s");
    expect(t.aws.mutations()).toEqual([]);
    expect(t.lines.join("\n")).toContain("what to do: Nothing was changed. Replication not healthy");
  });

  it.each([
    ["ReplicaLag -1 (RDS cannot determine the lag)", (a: FakeAws) => (a.lagUnknown = true), "ReplicaLag -1: RDS cannot determine the lag"],
    ["a replication status of error (StatusInfos)", (a: FakeAws) => (a.replicationStatus = "error"), 'replication status "error"'],
    ["WAL replay paused on the replica", (a: FakeAws) => (a.wal.paused = true), "WAL replay is paused on the replica"],
    ["WAL replay stuck behind received WAL", (a: FakeAws) => (a.wal.stalled = true), "WAL replay is not advancing: stuck at"],
    ["a WAL receiver the app may not see (no pg_read_all_stats)", (a: FakeAws) => (a.wal.visible = false), "no WAL receiver visible on the replica"],
    ["a replica that does not stream from its source", (a: FakeAws) => (a.wal.streaming = false), "it is not streaming from the source"],
  ])("refuses a replica with %s before changing anything", async (_what, breakIt, message) => {
    const t = setup();
    breakIt(t.aws);
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain(message);
    expect(t.aws.mutations()).toEqual([]);
    expect(r.acted).toBe(false);
  });

  it("samples the replay again when it stood still for one poll (a busy replica), and refuses only after PREFLIGHT_REPLAY_SAMPLES refusals", async () => {
    // Stalled for the first pair of reads only: the switchover goes ahead.
    const t = setup();
    t.aws.wal.stalled = true;
    const walFn = t.aws.walFn;
    let reads = 0;
    t.aws.walFn = async (...args: Parameters<typeof walFn>) => {
      if (++reads > 2) t.aws.wal.stalled = false;
      return walFn(...args);
    };
    const r = await t.run("failover", "planned");
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(t.lines.join("\n")).toMatch(/after 1 refused sample\(s\): WAL replay is not advancing/);
    // Stalled throughout: refused, with the number of samples.
    const s = setup();
    s.aws.wal.stalled = true;
    const r2 = await s.run("failover", "planned");
    expect(r2.failedStep).toBe("preflight");
    expect(r2.failure).toContain(`(${PREFLIGHT_REPLAY_SAMPLES} samples a poll apart)`);
    expect(s.aws.mutations()).toEqual([]);
  });

  it("judges the ReplicaLag sample's age on AWS's clock (the Date of its answer), never the operator's", async () => {
    // The operator's clock 10 minutes behind AWS: an 8-minute-old datapoint looks fresh to it, and is refused.
    const stale = setup();
    stale.aws.awsClockAhead = 10 * 60_000;
    stale.aws.lagAgeMs = 8 * 60_000;
    const r1 = await stale.run("failover", "planned");
    expect(r1.failedStep).toBe("preflight");
    expect(r1.failure).toMatch(/the latest ReplicaLag datapoint is 4[89]\d s old \(AWS clock\)/);
    // The operator's clock 10 minutes ahead: a fresh datapoint (which the old 10-minute window on the operator's clock would have missed) is accepted.
    const fresh = setup();
    fresh.aws.awsClockAhead = -10 * 60_000;
    const r2 = await fresh.run("failover", "planned");
    expect(r2.ok).toBe(true);
  });

  it("rolls the fence back by itself when the catch-up fails (replay paused after the fence): fleet restored, no promotion, switch untouched", async () => {
    const t = setup();
    let paused = false;
    const r = await t.run("failover", "planned", {
      beforeStep: (s) => {
        if (s.id === "catch-up" && !paused) t.aws.wal.paused = paused = true;
      },
    });
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("catch-up");
    expect(r.rolledBack).toBe(true);
    expect(r.failure).toContain("WAL replay is paused on the replica");
    expect(commands(t.aws)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "UpdateAutoScalingGroupCommand@us-east-2"]);
    expect(t.aws.mutations()[1].input).toEqual({ AutoScalingGroupName: "drweb-prod-use2-web", MinSize: 3, DesiredCapacity: 3 });
    expect(t.aws.switchAlarmState()).toBe("OK");
    const out = t.lines.join("\n");
    expect(out).toContain("[rollback] safe: drweb-prod-usw1-db-g1-writer is still a replica, available; no promotion was requested");
    expect(out).toMatch(/ABORTED and rolled back\. What was found: WAL replay is paused/);
    // A paused replay fails at once, not at the catch-up timeout.
    expect(out).not.toContain("timed out after 300 s");
    // The journal is finished: the next run starts afresh (its preflight refuses the paused replica).
    expect(Journal.open(t.dir, "failover", t.clock).completed).toBe(true);
    const again = await t.run("failover", "planned");
    expect(again.resumed).toBe(false);
    expect(again.failedStep).toBe("preflight");
  });

  it("retries a promotion RDS refuses (the replica backing-up) until it is taken, and confirms it", async () => {
    const t = setup();
    t.aws.replicaBusy = { status: "backing-up", describes: 6 };
    t.aws.promoteRefusals = 1; // and once more, racing a state change while it looked available
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    const promotions = t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand");
    expect(promotions).toHaveLength(2); // the refused one, then the one RDS took; never again after that
    const out = t.lines.join("\n");
    expect(out).toContain("is backing-up: RDS would refuse PromoteReadReplica now");
    expect(out).toContain("refused: RDS refused PromoteReadReplica drweb-prod-usw1-db-g1-writer while available");
    expect(out).toContain("[promote] 4/6 action (retry): requested: PromoteReadReplica drweb-prod-usw1-db-g1-writer (us-west-1), backup retention 7 days: taken");
  });

  it("a promotion RDS never takes rolls the fence back at the timeout (every request was refused)", async () => {
    const t = setup();
    t.aws.replicaBusy = { status: "backing-up", describes: -1 };
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBe(true);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand")).toEqual([]);
    expect(t.aws.desired["us-east-2"]).toBe(3);
  });

  it("fails a wait at its timeout, on the fake clock; a promotion that was taken is never rolled back", async () => {
    const t = setup();
    t.aws.promoteTakes = -1; // the promotion never completes
    const start = t.clock.now();
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBeFalsy();
    expect(r.failure).toContain(`timed out after ${t.config.runbook.promoteTimeoutSeconds} s`);
    const elapsed = (t.clock.now() - start) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(t.config.runbook.promoteTimeoutSeconds);
    expect(elapsed).toBeLessThan(t.config.runbook.promoteTimeoutSeconds + 120);
    const out = t.lines.join("\n");
    expect(out).toContain("Do not promote another instance");
    expect(out).toContain("[rollback] NOT rolling back: a promotion of the secondary Writer was requested");
    expect(t.aws.desired["us-east-2"]).toBe(0); // the fence stays
    // DNS was not touched: traffic is not sent to a database that is not writable.
    expect(commands(t.aws)).not.toContain("PutMetricDataCommand@us-west-1");
  });

  it("resumes after an interruption: done steps are skipped, the fence and catch-up are re-checked in AWS, nothing is done twice", async () => {
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
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[fence-primary\] 2\/6 already done \(journal; the us-east-2 fleet is still fenced \(AWS, not the journal\): fenced: /);
    expect(out).toContain("is modifying: RDS would refuse PromoteReadReplica now");
    // The promotion was requested once; fence and switch once each.
    expect(commands(t.aws)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);

    // Once complete, the next run starts a new journal (the old one is archived).
    const again = await t.run("failover", "planned", { dryRun: true });
    expect(again.resumed).toBe(false);
  });

  it("a resumed run whose fence was undone (the operator restored the fleet) fences again before promoting: the journal is not trusted", async () => {
    const t = setup();
    await expect(
      t.run("failover", "planned", {
        beforeStep: (s) => {
          if (s.id === "promote") throw new Error("SIGINT");
        },
      }),
    ).rejects.toThrow("SIGINT");
    // Following an abort advice: the fleet is scaled back up, writes resume on the primary.
    t.aws.desired["us-east-2"] = 3;
    t.aws.healthy["us-east-2"] = 3;
    const order = stamped(t.aws, t.clock);
    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.ok).toBe(true);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[fence-primary\] 2\/6 done in the journal, but the us-east-2 fleet is still fenced \(AWS, not the journal\) does not hold any more .*: running it again/);
    expect(order().map((x) => `${x.call.command}@${x.call.region}`)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);
    // The catch-up was proven again after the new fence (the old proof predates writes taken in between).
    expect(out).toMatch(/\[catch-up\] 3\/6 wait ok/);
  });

  it("--dry-run prints every step with precondition, action, wait, timeout, recheck and failure advice, and changes nothing", async () => {
    const t = setup();
    const r = await t.run("failover", "planned", { dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]); // not even a read
    expect(fs.readdirSync(t.dir)).toEqual([]); // no journal
    const out = t.lines.join("\n");
    for (const s of r.plan.steps) expect(out).toContain(s.id);
    expect(out).toContain("precondition:");
    expect(out).toContain("(timeout 1800 s)");
    expect(out).toContain("on resume:    re-checked, not taken from the journal: the us-east-2 fleet is still fenced");
    expect(out).toContain("Automatic roll-back: when catch-up or promote fails and no promotion was requested");
    expect(out).toContain("if it fails:");
    expect(out).toContain("aws rds promote-read-replica --region us-west-1 --db-instance-identifier drweb-prod-usw1-db-g1-writer --backup-retention-period 7");
    expect(out).toContain("Dry run: nothing was changed");
  });
});

describe("dr failover --unplanned", () => {
  const W = 120;

  it("waits for a sustained outage (Route53's verdict), takes the gate, fences the old fleet, promotes, then isolates the old writer", async () => {
    const t = setup();
    const order = stamped(t.aws, t.clock);
    const downAt = t.clock.now();
    t.aws.hc("hc-primary").healthy = false; // the primary's database died; its region's APIs answer
    const r = await t.run("failover", "unplanned");
    expect(r.ok).toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(["preflight", "confirm-outage", "force-dns", "fence-old-primary", "drain", "catch-up", "promote", "verify", "isolate-old-primary"]);
    const m = order();
    expect(m.map((x) => `${x.call.command}@${x.call.region}`)).toEqual([
      "PutMetricDataCommand@us-west-1", // the gate first: Route53 can never send users back
      "UpdateAutoScalingGroupCommand@us-east-2",
      "PromoteReadReplicaCommand@us-west-1",
      "ModifyDBInstanceCommand@us-east-2", // isolated only after the promotion
      "AddTagsToResourceCommand@us-east-2",
    ]);
    const promoteAt = m[2].at;
    expect(promoteAt - downAt).toBeGreaterThanOrEqual(W * 1000);
    const isolate = m[3].call.input as { DBInstanceIdentifier: string; MasterUserPassword: string; ApplyImmediately: boolean };
    expect(isolate.DBInstanceIdentifier).toBe("drweb-prod-use2-db-g1-writer");
    expect(isolate.MasterUserPassword).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(isolate.ApplyImmediately).toBe(true);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[confirm-outage\] 2\/9 wait ok after [\d.]+ s: unhealthy for 1[2-9]\d s >= 120 s/);
    // The old fleet was fenced through its APIs, so the drain did not wait out its window.
    expect(out).toMatch(/\[drain\] 5\/9 wait ok after [\d.]+ s: the old primary's fleet is fenced/);
    expect(t.aws.db("drweb-prod-use2-db-g1-writer").tags).toEqual({ "dr-isolated": expect.any(String) });
  });

  it("a transient fault ends the run with nothing changed: the primary recovered before the outage was sustained", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    let polls = 0;
    const r = await t.run("failover", "unplanned", {
      clock: { now: () => t.clock.now(), sleep: async (ms) => { if (++polls === 5) t.aws.hc("hc-primary").healthy = true; await t.clock.sleep(ms); } },
    });
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("confirm-outage");
    expect(r.failure).toContain("the primary recovered (Route53 verdict healthy");
    expect(t.aws.mutations()).toEqual([]);
    expect(r.acted).toBe(false);
    expect(fs.existsSync(path.join(t.dir, "failover.jsonl"))).toBe(false);
  });

  it("decides on Route53's verdict (the HealthCheckStatus metric), not on the checkers' last single results", async () => {
    const t = setup();
    // GetHealthCheckStatus: every checker's last result failed (the old preflight read "0/3 checkers healthy" and promoted).
    t.aws.checkerOverride = "Failure: Connection timed out";
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("confirm-outage");
    expect(r.failure).toContain("Route53 sees the primary healthy");
    expect(t.aws.mutations()).toEqual([]);
    expect(t.aws.calls.some((c) => c.command === "GetHealthCheckStatusCommand")).toBe(false);
    // The operator may override the check explicitly.
    const forced = await t.run("failover", "unplanned", { confirm: ["confirm-outage"] });
    expect(forced.ok).toBe(true);
  });

  it("with the old region's APIs down: waits the whole client drain before promoting, then retries the fence until the region answers", async () => {
    const t = setup();
    const order = stamped(t.aws, t.clock);
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    const r = await t.run("failover", "unplanned");
    // The failover is done; the old region's fence is what is left.
    expect(r.failedStep).toBe("isolate-old-primary");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.fenceTimeoutSeconds} s`);
    expect(t.lines.join("\n")).toContain("The failover itself is done: drweb-prod-usw1-db-g1-writer takes the writes");
    expect(t.aws.db("drweb-prod-usw1-db-g1-writer").source).toBeNull();
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    const m = order();
    const switchAt = m.find((x) => x.call.command === "PutMetricDataCommand")!.at;
    const promoteAt = m.find((x) => x.call.command === "PromoteReadReplicaCommand")!.at;
    expect(clientDrainSeconds(t.config)).toBe(150); // 10 s x 3 + 60 s TTL + 60 s ALB idle timeout
    expect(promoteAt - switchAt).toBeGreaterThanOrEqual(150_000);
    expect(t.lines.join("\n")).toContain("150 s since the switch: no client can still hold the PRIMARY answer");

    // us-east-2 comes back: the same command resumes at the fence and completes it.
    t.aws.down.delete("us-east-2");
    t.lines.length = 0;
    const again = await t.run("failover", "unplanned");
    expect(again.ok).toBe(true);
    expect(again.resumed).toBe(true);
    expect(again.skipped).toEqual(["preflight", "confirm-outage", "force-dns", "fence-old-primary", "drain", "catch-up", "promote", "verify"]);
    expect(commands(t.aws).slice(-3)).toEqual(["UpdateAutoScalingGroupCommand@us-east-2", "ModifyDBInstanceCommand@us-east-2", "AddTagsToResourceCommand@us-east-2"]);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand")).toHaveLength(1);
  });

  it("the drain retries the fence when the old region answers again, and ends as soon as its fleet is fenced", async () => {
    const t = setup();
    const order = stamped(t.aws, t.clock);
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    let back = false;
    const r = await t.run("failover", "unplanned", {
      clock: {
        now: () => t.clock.now(),
        sleep: async (ms) => {
          // 40 s into the drain, us-east-2's APIs answer again.
          const sw = t.aws.mutations().find((c) => c.command === "PutMetricDataCommand");
          if (sw && !back && order().length && t.clock.now() - order()[0].at >= 40_000) {
            t.aws.down.delete("us-east-2");
            back = true;
          }
          await t.clock.sleep(ms);
        },
      },
    });
    expect(r.ok).toBe(true);
    const m = order();
    const switchAt = m[0].at;
    // The fence sent while us-east-2 did not answer, then the drain's retry once it did, then the promotion.
    expect(m.map((x) => `${x.call.command}@${x.call.region}`).slice(0, 4)).toEqual([
      "PutMetricDataCommand@us-west-1",
      "UpdateAutoScalingGroupCommand@us-east-2",
      "UpdateAutoScalingGroupCommand@us-east-2",
      "PromoteReadReplicaCommand@us-west-1",
    ]);
    expect(m[1].at - switchAt).toBe(0);
    expect(m[2].at - switchAt).toBeGreaterThanOrEqual(40_000);
    expect(m[3].at - switchAt).toBeLessThan(150_000); // not the whole window: the fence holds
    expect(t.lines.join("\n")).toMatch(/\[drain\] 5\/9 action \(retry\): ASG drweb-prod-use2-web \(us-east-2\): min 0, desired 0/);
  });

  it("fails over with us-east-1 and us-east-2 down: no Route 53 API, the switch confirmed by its alarm alone, and nothing else asked of us-east-1", async () => {
    const t = setup();
    t.aws.down.add("us-east-1"); // Route53's control plane and its metrics
    t.aws.down.add("us-east-2");
    // Route53's verdict cannot be read: the operator confirms the outage.
    const r = await t.run("failover", "unplanned", { confirm: ["confirm-outage"] });
    expect(r.failedStep).toBe("isolate-old-primary"); // us-east-2 never answered
    // The fence was sent to us-east-2 (its APIs did not answer: the drain waited its window instead).
    expect(commands(t.aws)).toEqual(["PutMetricDataCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-east-2", "PromoteReadReplicaCommand@us-west-1"]);
    // No Route 53 API at all; in us-east-1 only the one attempt to read Route 53's view of the switch checks (CloudWatch's data plane), which did not answer.
    expect(t.aws.calls.filter((c) => c.client === "route53")).toEqual([]);
    expect(t.aws.calls.filter((c) => c.region === "us-east-1").map((c) => `${c.client}:${c.command}:${(c.input.MetricDataQueries as Array<{ MetricStat: { Metric: { MetricName: string } } }>)[0].MetricStat.Metric.MetricName}`)).toEqual([
      "cloudwatch:GetMetricDataCommand:HealthCheckStatus",
      "cloudwatch:GetMetricDataCommand:HealthCheckStatus",
    ]);
    expect(t.lines.join("\n")).toMatch(/\[force-dns\] 3\/9 wait ok after [\d.]+ s: forced: confirmed by the alarm only \(alarm drweb-prod-dns-failover-switch \(us-west-1\): ALARM.*Route 53's view of the switch checks could not be read \(the AWS endpoint could not be reached/);
    const done = Journal.open(t.dir, "failover", t.clock).steps().find((l) => l.step === "force-dns" && l.event === "done");
    expect(done?.detail).toMatch(/^forced: confirmed by the alarm only/);
    // The force-dns wait read the switch's alarm in us-west-1.
    expect(t.aws.calls.some((c) => c.command === "DescribeAlarmsCommand" && c.region === "us-west-1" && (c.input.AlarmNames as string[] | undefined)?.[0] === SWITCH.alarm)).toBe(true);
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    // What Route53 makes of it: PRIMARY's gate unhealthy, SECONDARY's healthy even with the secondary's own check failing.
    t.aws.hc("hc-secondary").healthy = false;
    expect(t.aws.gateHealthy("hc-gate")).toBe(false);
    expect(t.aws.gateHealthy("hc-secondary-gate")).toBe(true);
  });
});

describe("dr: the failover switch (a data-plane write in the secondary region)", () => {
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
  it("snapshots and fences the old primary, waits for the operator's deploys, switches back by WAL positions and resumes", async () => {
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
    expect(second.failedStep).toBe("rebuild-secondary");
    expect(t.aws.db("drweb-prod-use2-db-g2-writer").source).toBeNull();
    expect(t.aws.switchAlarmState()).toBe("OK"); // released by unforce-dns
    expect(t.aws.mutations().filter((c) => c.command === "PutMetricDataCommand").map((c) => (c.input.MetricData as Array<{ Value: number }>)[0].Value)).toEqual([0]);
    expect(second.failure).toContain('database.drState is "failback", want "normal"');
    expect(t.lines.join("\n")).toMatch(/\[catch-up\] \d+\/15 wait ok after [\d.]+ s: the source's WAL ends at/);

    // The operator deploys the rebuilt secondary; the same command finishes. The fences that later steps lifted on purpose
    // (restore-primary-fleet) are not held against the journal: nothing before rebuild-secondary runs again.
    t.aws.dbs.set("drweb-prod-usw1-db-g2-writer", { id: "drweb-prod-usw1-db-g2-writer", region: "us-west-1", source: "arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g2-writer", status: "available", deletionProtection: true, promoteAfter: -1 });
    const normal = resolveConfig({ runbook: { journalDir: t.dir }, database: { drState: "normal", generations: { primary: 2, secondary: 2 } }, dns: { forceFailover: false } });
    t.lines.length = 0;
    const third = await t.run("failback", "planned", {}, normal);
    expect(third.ok).toBe(true);
    expect(third.skipped).toEqual(third.plan.steps.map((x) => x.id).slice(0, 13));
    expect(t.lines.join("\n")).not.toContain("running it again");
    expect(t.aws.desired["us-west-1"]).toBe(3);
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
    expect(text).toContain("drweb-prod-usw1-db-g1-writer: replica of arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g1-writer, available, read replication replicating, lag 2 s");
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
    expect(s.readErrors.map((e) => e.what)).toEqual([
      "us-east-2 web fleet (ASG drweb-prod-use2-web, target group drweb-prod-use2-web)",
      "us-east-2 database drweb-prod-use2-db-g1-writer and its readers",
      "us-east-2 restorable window of drweb-prod-use2-db-g1-writer",
    ]);
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
    expect(s.mismatches.join("\n")).toContain("SPLIT BRAIN");
    expect(s.mismatches.join("\n")).toContain(`failover switch (alarm ${SWITCH.alarm} in us-west-1): config dns.forceFailover false, the switch is forced`);
    expect(s.mismatches.join("\n")).toContain("set dns.forceFailover to true to record it");
    expect(renderStatus(s).join("\n")).toContain("MISMATCH between config and AWS:");
  });

  it("fails loudly on two writers with serving fleets in failedOver; agrees once the old one is fenced (and says when it is not isolated)", async () => {
    const t = setup();
    t.aws.db("drweb-prod-usw1-db-g1-writer").source = null;
    t.aws.setSwitch(true);
    const failedOver = resolveConfig({ database: { drState: "failedOver" }, dns: { forceFailover: true } });
    const s = await collectStatus(failedOver, t.platformFor(failedOver));
    expect(s.mismatches).toHaveLength(1);
    expect(s.mismatches[0]).toMatch(/^SPLIT BRAIN: both regions have a standalone writer and a web fleet that can serve \(us-east-2: drweb-prod-use2-db-g1-writer, fleet desired 3, 3 instance\(s\); us-west-1: .*\): writes may land in either\. Fence the old primary now: aws autoscaling update-auto-scaling-group --region us-east-2/);
    // Fenced (desired 0, the instances gone): the expected failed-over state.
    t.aws.desired["us-east-2"] = 0;
    const fencedStatus = await collectStatus(failedOver, t.platformFor(failedOver));
    expect(fencedStatus.mismatches).toEqual([]);
    expect(fencedStatus.warnings.join("\n")).toContain("the old writer drweb-prod-use2-db-g1-writer is not isolated from the app (no dr-isolated tag)");
  });
});

// --- issue 25: the recovery path, the switch's confirmation, idle lag, the journal's promotions -------------------
// AWS is the stubbed SDK clients of fake-aws.ts (no AWS API emulator runs here): these check which calls the runbook
// makes, in which region, and what it decides on their answers; the AWS behaviour they model is cited in the code.

describe("dr failover --unplanned: no Route 53 API between the fault and the first write", () => {
  it("reads the primary check's id from the dns stack's SSM parameter in us-west-1, then only CloudWatch: no Route 53 call in the whole run", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const r = await t.run("failover", "unplanned");
    expect(r.ok, r.failure).toBe(true);
    expect(t.aws.calls.filter((c) => c.client === "route53")).toEqual([]);
    const ssm = t.aws.calls.filter((c) => c.client === "ssm");
    // The lease (created first, read and deleted at the end) and the ids (once a run): all in us-west-1, the surviving region.
    expect(ssm.map((c) => `${c.command}@${c.region}`)).toEqual(["PutParameterCommand@us-west-1", "GetParametersCommand@us-west-1", "GetParameterCommand@us-west-1", "DeleteParameterCommand@us-west-1"]);
    expect(ssm[1].input.Names).toContain("/drweb-prod/dr/dns/health-check/primary");
    expect(t.lines.join("\n")).toMatch(/\[confirm-outage\] 2\/9 wait ok after [\d.]+ s: unhealthy for \d+ s >= 120 s: Route53 HealthCheckStatus of the primary check hc-primary \(us-east-1; id from SSM in us-west-1\)/);
  });

  it("us-east-1 and us-east-2 unreachable, no --confirm: stops at the first unanswered read with the --confirm confirm-outage advice, nothing changed, no Route 53 call", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-1");
    t.aws.down.add("us-east-2");
    const start = t.clock.now();
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("confirm-outage");
    // At the first network failure, not after the step's timeout (minOutageSeconds + 480 s).
    expect(t.clock.now() - start).toBeLessThan(30_000);
    expect(r.failure).toContain("Route53's verdict could not be read: the AWS endpoint could not be reached (TimeoutError: connect ETIMEDOUT cloudwatch.us-east-1");
    expect(r.failure).toContain("run the same command again with --confirm confirm-outage");
    expect(t.aws.calls.filter((c) => c.client === "route53")).toEqual([]);
    expect(t.aws.mutations()).toEqual([]);
    expect(r.acted).toBe(false);
  });

  it("an answer that is not yet a sustained outage keeps waiting; the same network failure later in the wait still stops it at once", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    let polls = 0;
    const r = await t.run("failover", "unplanned", {
      clock: { now: () => t.clock.now(), sleep: async (ms) => { if (++polls === 3) t.aws.down.add("us-east-1"); await t.clock.sleep(ms); } },
    });
    expect(r.failedStep).toBe("confirm-outage");
    expect(t.lines.join("\n")).toMatch(/\[confirm-outage\] 2\/9 still waiting: Route53's newest verdict is still healthy/);
    expect(r.failure).toContain("--confirm confirm-outage");
    expect(polls).toBeLessThan(5);
  });

  it("no health-check id published (the dns stack not deployed): stops at once, naming the SSM parameter", async () => {
    const t = setup();
    t.aws.ssmParams.delete("/drweb-prod/dr/dns/health-check/primary");
    const start = t.clock.now();
    const r = await t.run("failover", "unplanned");
    expect(r.failedStep).toBe("confirm-outage");
    expect(t.clock.now() - start).toBeLessThan(30_000);
    expect(r.failure).toContain("no SSM parameter /drweb-prod/dr/dns/health-check/primary in us-west-1: the dns stack publishes the health-check ids there");
    expect(t.aws.mutations()).toEqual([]);
  });
});

describe("dr: the failover switch confirmed by Route 53's own view of the switch checks", () => {
  /** When each step recorded "done", and the switch writes, on the fake clock. */
  const timeline = (t: ReturnType<typeof setup>) => {
    const j = Journal.open(t.dir, "failover", t.clock);
    return { done: (step: string) => j.eventAt(step, "done"), doneDetail: (step: string) => j.steps().find((l) => l.step === step && l.event === "done")?.detail };
  };

  it("an alarm that flips at once while Route 53's switch checks lag: waits for the checks, writes the value again meanwhile, and says both confirmed it", async () => {
    const t = setup();
    t.aws.switchCheckLagMs = 150_000; // Route 53 follows the alarm's data stream 2.5 minutes late (how fast it does is not documented)
    const order = stamped(t.aws, t.clock);
    const r = await t.run("failover", "planned");
    expect(r.ok, r.failure).toBe(true);
    const writes = order().filter((x) => x.call.command === "PutMetricDataCommand");
    expect(writes.length).toBeGreaterThanOrEqual(2); // written again while the checks lagged
    expect(writes.every((w) => (w.call.input.MetricData as Array<{ Value: number }>)[0].Value === 1)).toBe(true);
    const doneAt = timeline(t).done("force-dns")!;
    expect(doneAt - writes[0].at).toBeGreaterThanOrEqual(150_000); // not when the alarm flipped
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[force-dns\] 5\/6 still waiting: the alarm is ALARM, but Route 53's switch checks do not show it yet \(Route 53 HealthCheckStatus \(us-east-1\)/);
    expect(out).toMatch(/\[force-dns\] 5\/6 action \(retry\): written again \(Route 53's switch checks lag behind the alarm\): PutMetricData drweb\/DR ForceFailover/);
    expect(out).toMatch(/\[force-dns\] 5\/6 wait ok after [\d.]+ s: forced: confirmed by the alarm and by Route 53's switch checks/);
    expect(timeline(t).doneDetail("force-dns")).toMatch(/^forced: confirmed by the alarm and by Route 53's switch checks/);
    expect(t.aws.calls.filter((c) => c.client === "route53")).toEqual([]);
  });

  it("a lost datapoint (the alarm stays OK): the runbook writes the value again a minute later instead of waiting out its timeout", async () => {
    const t = setup();
    t.aws.dropSwitchWrites = 1; // PutMetricData answered, the datapoint lost
    const order = stamped(t.aws, t.clock);
    const r = await t.run("failover", "planned");
    expect(r.ok, r.failure).toBe(true);
    const writes = order().filter((x) => x.call.command === "PutMetricDataCommand");
    expect(writes).toHaveLength(2);
    expect(writes[1].at - writes[0].at).toBeGreaterThanOrEqual(60_000);
    expect(writes[1].at - writes[0].at).toBeLessThan(t.config.runbook.dnsTimeoutSeconds * 1000);
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    expect(t.lines.join("\n")).toContain("[force-dns] 5/6 action (retry): written again (the alarm does not show it)");
  });

  it("us-east-1 unreadable: the switch is confirmed by the alarm only, and the output and the journal say so", async () => {
    const t = setup();
    t.aws.down.add("us-east-1");
    const r = await t.run("failover", "planned");
    expect(r.ok, r.failure).toBe(true);
    expect(t.lines.join("\n")).toMatch(/\[force-dns\] 5\/6 wait ok after [\d.]+ s: forced: confirmed by the alarm only \(alarm drweb-prod-dns-failover-switch \(us-west-1\): ALARM[^)]*\); Route 53's view of the switch checks could not be read/);
    expect(timeline(t).doneDetail("force-dns")).toMatch(/^forced: confirmed by the alarm only/);
    expect(t.aws.mutations().filter((c) => c.command === "PutMetricDataCommand")).toHaveLength(1);
  });

  it("Route 53's switch checks answer and never follow the alarm: the step fails at its timeout with how to check by hand", async () => {
    const t = setup();
    t.aws.switchCheckLagMs = 3_600_000;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("force-dns");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.dnsTimeoutSeconds} s`);
    expect(r.failure).toContain("Route 53's switch checks do not show it yet");
    expect(t.lines.join("\n")).toContain("aws cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/Route53 --metric-name HealthCheckStatus");
  });
});

describe("dr: an idle source's ReplicaLag does not veto what the WAL positions prove", () => {
  it("planned preflight: ReplicaLag 300 s (an idle source's five minutes) with the replica's WAL positions at the source's end: the switchover goes ahead", async () => {
    const t = setup();
    t.aws.replicaLag = 300;
    const r = await t.run("failover", "planned");
    expect(r.ok, r.failure).toBe(true);
    expect(t.lines.join("\n")).toMatch(/\[preflight\] 1\/6 precondition ok: drweb-prod-usw1-db-g1-writer: replica, replicating; CloudWatch replica lag 300 s > 30 s \(runbook.maxReplicaLagSeconds\), but the source's WAL ends at 0\/[0-9A-F]+ .* and the replica has replayed 0\/[0-9A-F]+: it is not behind \(not a veto: /);
  });

  it("planned preflight: the same lag with the replica really behind (replayed < the source's WAL end): refused, nothing changed", async () => {
    const t = setup();
    t.aws.replicaLag = 300;
    t.aws.wal.backlog = 0x80n;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toMatch(/replica lag 300 s > 30 s \(runbook.maxReplicaLagSeconds\), and the WAL positions do not show it caught up: the source's WAL ends at 0\/[0-9A-F]+ and the replica has received 0\/[0-9A-F]+, replayed 0\/[0-9A-F]+: it is behind/);
    expect(t.aws.mutations()).toEqual([]);
  });

  /** The failback up to primary-in-sync: the failed-over state, the operator's primary deploy, the rebuilt replica's lag. */
  async function failbackWithLag(lag: number, backlog = 0n) {
    const t = setup({ database: { drState: "failedOver" }, dns: { forceFailover: true } });
    t.aws.db("drweb-prod-usw1-db-g1-writer").source = null;
    t.aws.setSwitch(true);
    await t.run("failback", "planned"); // stops at rebuild-primary (an operator deploy)
    t.aws.dbs.set("drweb-prod-use2-db-g2-writer", { id: "drweb-prod-use2-db-g2-writer", region: "us-east-2", source: "arn:aws:rds:us-west-1:123456789012:db:drweb-prod-usw1-db-g1-writer", status: "available", deletionProtection: true, promoteAfter: -1 });
    t.aws.replicaLag = lag;
    t.aws.catchUpOnFence = false; // the lag stays what CloudWatch says
    t.aws.wal.backlog = backlog;
    const failback = resolveConfig({ runbook: { journalDir: t.dir }, database: { drState: "failback", generations: { primary: 2, secondary: 1 } }, dns: { forceFailover: true } });
    t.lines.length = 0;
    return { t, r: await t.run("failback", "planned", {}, failback) };
  }

  it("failback's primary-in-sync: ReplicaLag 300 s with the WAL positions at the source's end goes on to the switch back", async () => {
    const { t, r } = await failbackWithLag(300);
    expect(r.failedStep).toBe("rebuild-secondary"); // the next operator deploy: the switch back is done
    expect(t.aws.db("drweb-prod-use2-db-g2-writer").source).toBeNull();
    expect(t.lines.join("\n")).toMatch(/\[primary-in-sync\] \d+\/15 wait ok after [\d.]+ s: drweb-prod-use2-db-g2-writer: CloudWatch lag 300 s > 30 s, but the source's WAL ends at .*: it is not behind/);
  });

  it("failback's primary-in-sync: a high lag with the replica behind keeps waiting (and times out), nothing fenced", async () => {
    const { t, r } = await failbackWithLag(300, 0x80n);
    expect(r.failedStep).toBe("primary-in-sync");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.catchUpTimeoutSeconds} s`);
    expect(r.failure).toMatch(/WAL positions: the source's WAL ends at .* it is behind/);
    expect(t.aws.desired["us-west-1"]).toBe(3);
  });
});

describe("dr journal: a promotion is recorded only when a request was sent", () => {
  /** Interrupts the run (as Ctrl-C would) at the first sleep once `when` holds. */
  const interruptWhen = (t: ReturnType<typeof setup>, when: () => boolean) => ({
    now: () => t.clock.now(),
    sleep: async (ms: number) => {
      if (when()) throw new Error("SIGINT");
      await t.clock.sleep(ms);
    },
  });
  const promotions = (t: ReturnType<typeof setup>) => t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand");

  it("RDS refused it twice (InvalidDBInstanceState), the run was interrupted, the resumed run's promotion never comes: the fence is rolled back", async () => {
    const t = setup();
    t.aws.promoteRefusals = -1;
    await expect(t.run("failover", "planned", { clock: interruptWhen(t, () => promotions(t).length >= 2) })).rejects.toThrow("SIGINT");
    expect(promotions(t)).toHaveLength(2);
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.steps().filter((l) => l.step === "promote").map((l) => l.event)).toEqual(["started", "precondition", "acting", "requesting", "not-taken", "action", "waiting", "acting", "requesting", "not-taken", "action"]);
    // Resumed: the replica goes into its backup window for good, so the promotion is never taken this time either.
    t.aws.replicaBusy = { status: "backing-up", describes: -1 };
    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.resumed).toBe(true);
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBe(true);
    expect(t.lines.join("\n")).toContain("[rollback] safe: drweb-prod-usw1-db-g1-writer is still a replica, backing-up; no promotion was requested (every request was refused or never left)");
    expect(t.aws.desired["us-east-2"]).toBe(3);
    expect(promotions(t)).toHaveLength(2); // nothing sent while backing-up
  });

  it("a request sent and timed out (it may have been taken), then interrupted and resumed: the rollback is refused as before", async () => {
    const t = setup();
    t.aws.latency = (c) => (c.command === "PromoteReadReplicaCommand" ? 25_000 : 0); // no answer within the call's bound
    await expect(t.run("failover", "planned", { clock: interruptWhen(t, () => promotions(t).length >= 1) })).rejects.toThrow("SIGINT");
    const j = Journal.open(t.dir, "failover", t.clock);
    const events = j.steps().filter((l) => l.step === "promote" && (l.event === "requesting" || l.event === "requested" || l.event === "not-taken"));
    expect(events.slice(0, 2).map((l) => l.event)).toEqual(["requesting", "requested"]);
    expect(events[1].detail).toContain("unknown: no answer (PromoteReadReplicaCommand (us-west-1): no answer within 25 s (all attempts)): the request may have been taken");
    expect(events.map((l) => l.event)).not.toContain("not-taken");
    t.aws.latency = null;
    t.aws.replicaBusy = { status: "backing-up", describes: -1 };
    t.lines.length = 0;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toMatch(/\[rollback\] NOT rolling back: the journal shows (a request|\d+ requests) sent in promote \(taken, or no answer after it left\)/);
    expect(t.aws.desired["us-east-2"]).toBe(0); // the fence stays
  });

  it("RDS's endpoint refusing connections (ECONNREFUSED: nothing left this host) is not a promotion: the fence is rolled back at the timeout", async () => {
    const t = setup();
    // As node's socket raises it and the SDK passes it on after its attempts (the real SDK: aws-bounds.test.ts).
    t.aws.failWith = (c) => (c.command === "PromoteReadReplicaCommand" ? Object.assign(new Error("connect ECONNREFUSED 52.94.0.1:443"), { code: "ECONNREFUSED", syscall: "connect" }) : undefined);
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBe(true);
    expect(t.lines.join("\n")).toContain("not-sent: RDS PromoteReadReplica drweb-prod-usw1-db-g1-writer (us-west-1) could not be sent (connect ECONNREFUSED 52.94.0.1:443: no connection was made)");
    expect(t.aws.desired["us-east-2"]).toBe(3);
  });

  it("a run cut off while sending (a requesting line with no answer after it): the resumed run does not roll back", async () => {
    const t = setup();
    t.aws.promoteRefusals = -1;
    await expect(t.run("failover", "planned", { clock: interruptWhen(t, () => promotions(t).length >= 1) })).rejects.toThrow("SIGINT");
    // What a SIGKILL between the request leaving and its answer leaves behind.
    fs.appendFileSync(path.join(t.dir, "failover.jsonl"), JSON.stringify({ type: "step", step: "promote", event: "requesting", at: new Date(t.clock.now()).toISOString(), detail: "promotion" }) + "\n");
    t.clock.advance(1_000);
    t.aws.replicaBusy = { status: "backing-up", describes: -1 };
    const r = await t.run("failover", "planned");
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toContain("[rollback] NOT rolling back: the journal shows a run cut off while sending a request in promote");
  });
});
