// Issue 25 points 6 and 8: a promotion target that dies, and the data a broken replication link costs.
// The AWS adapter runs against stubbed AWS SDK v3 clients (fake-aws.ts: no AWS API emulator runs on these
// machines) on a fake clock; the local adapter's promotion outcomes run against a real psql.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DBInstanceNotFoundFault } from "@aws-sdk/client-rds";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { FakeClock } from "../../src/dr/clock";
import { Journal } from "../../src/dr/journal";
import { LocalPlatform, notConnected, pgPromoteAttempt } from "../../src/dr/local-platform";
import { TARGET_DOWN_POLLS } from "../../src/dr/promote-step";
import type { Mode, Operation } from "../../src/dr/plan-model";
import { unplannedReplicationReport } from "../../src/dr/unplanned-steps";
import type { DatabaseState, WalPositions } from "../../src/dr/platform";
import { runRunbook } from "../../src/dr/runner";
import { FakeAws } from "./fake-aws";

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-target-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir } });
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode) => runRunbook({ config, platform: platformFor(config), operation, mode, clock, log: (l) => lines.push(l) });
  return { dir, clock, aws, config, lines, run };
}

const REPLICA = "drweb-prod-usw1-db-g1-writer";
const unreadable = (now: number, detail: string): WalPositions => ({
  ok: false,
  inRecovery: null,
  lsn: null,
  receiveLsn: null,
  replayLsn: null,
  replayPaused: null,
  receiverStatus: null,
  senderLsn: null,
  lastMessageAgeSeconds: null,
  receiverTimeoutSeconds: null,
  requestedAt: now,
  detail,
});

describe("a promotion target that dies during a planned switchover (AWS adapter, stubbed SDK)", () => {
  it("the replica is gone right after the fence: the catch-up stops at once and the fence is rolled back (no promotion was ever sent)", async () => {
    const t = setup();
    const wal = t.aws.walFn;
    const fencedAt: number[] = [];
    t.aws.walFn = async (target, p, now) => {
      if (target.baseUrl.includes("usw1") && t.aws.desired["us-east-2"] === 0) {
        if (!fencedAt.length) fencedAt.push(t.clock.now());
        t.aws.dbs.delete(REPLICA); // deleted (or lost) under the switchover
        return unreadable(now(), "503 from /readyz?wal=1: database unreachable");
      }
      return wal(target, p, now);
    };
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("catch-up");
    expect(r.rolledBack).toBe(true);
    const out = t.lines.join("\n");
    expect(out).toMatch(/the promotion target drweb-prod-usw1-db-g1-writer is down \(missing/);
    expect(out).toContain(`[rollback] safe: ${REPLICA} is missing`);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand")).toEqual([]);
    expect(t.aws.desired["us-east-2"]).toBe(3);
    // Fail fast: a gone instance does not come back; not the catch-up's 300 s timeout.
    expect(t.clock.now() - fencedAt[0]).toBeLessThan(60_000);
  });

  it("the replica is deleted just before PromoteReadReplica (RDS answers DBInstanceNotFound): not a promotion; the step stops at once and rolls back", async () => {
    const t = setup();
    t.aws.failWith = (c) => {
      if (c.command !== "PromoteReadReplicaCommand") return undefined;
      t.aws.dbs.delete(REPLICA);
      return new DBInstanceNotFoundFault({ message: `DBInstance ${REPLICA} not found`, $metadata: { httpStatusCode: 404 } });
    };
    const start = t.clock.now();
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBe(true);
    const out = t.lines.join("\n");
    expect(out).toContain("refused: RDS answered PromoteReadReplica drweb-prod-usw1-db-g1-writer with DBInstanceNotFound: the replica is gone");
    expect(out).toMatch(/the promotion target drweb-prod-usw1-db-g1-writer: missing, \? \(no DB instance .*\) is gone and no promotion request reached it/);
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.steps().filter((l) => l.step === "promote" && /^(requesting|requested|not-taken)$/.test(l.event)).map((l) => l.event)).toEqual(["requesting", "not-taken"]);
    expect(t.aws.desired["us-east-2"]).toBe(3);
    expect(t.clock.now() - start).toBeLessThan(t.config.runbook.promoteTimeoutSeconds * 1000);
  });

  it("RDS's endpoint refusing connections (nothing left this host): the step stops after a few requests, not at the 1800 s timeout, and rolls back", async () => {
    const t = setup();
    t.aws.failWith = (c) => (c.command === "PromoteReadReplicaCommand" ? Object.assign(new Error("connect ECONNREFUSED 52.94.0.1:443"), { code: "ECONNREFUSED", syscall: "connect" }) : undefined);
    let promoteStarted = 0;
    const r = await runRunbook({
      config: t.config,
      platform: new AwsPlatform(t.config, t.aws.clients(), t.clock, t.aws.probe, { walFn: t.aws.walFn }),
      operation: "failover",
      mode: "planned",
      clock: t.clock,
      log: (l) => t.lines.push(l),
      beforeStep: (s) => {
        if (s.id === "promote") promoteStarted = t.clock.now();
      },
    });
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBe(true);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand").length).toBe(TARGET_DOWN_POLLS);
    expect(t.lines.join("\n")).toContain(`${TARGET_DOWN_POLLS} promotion requests in a row could not be sent`);
    expect(t.clock.now() - promoteStarted).toBeLessThan(5 * t.config.runbook.pollIntervalSeconds * 1000);
    expect(t.aws.desired["us-east-2"]).toBe(3);
  });

  it("RDS refusing it (InvalidDBInstanceState) is an answer from a live target: asked again at every poll until the timeout, then rolled back", async () => {
    const t = setup();
    t.aws.promoteRefusals = -1;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.failure).toContain(`timed out after ${t.config.runbook.promoteTimeoutSeconds} s`);
    expect(r.rolledBack).toBe(true);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand").length).toBeGreaterThan(TARGET_DOWN_POLLS);
  });
});

describe("a request that may have been taken, then the target restarts (restart reported, as the local platform does)", () => {
  it("re-asks while it is a plain replica again, and rolls back at the timeout only because each read shows a restart after the last request", async () => {
    const t = setup();
    // No answer within the call's bound: each request may have been taken.
    t.aws.latency = (c) => (c.command === "PromoteReadReplicaCommand" ? 25_000 : 0);
    // The replica's server restarted just now at every read (a pending promotion does not survive a restart).
    class Restarting extends AwsPlatform {
      override async database(role: "primary" | "secondary", generation: number): Promise<DatabaseState> {
        const d = await super.database(role, generation);
        return role === "secondary" && d.dbRole === "replica" ? { ...d, startedAt: t.clock.now() } : d;
      }
    }
    const r = await runRunbook({ config: t.config, platform: new Restarting(t.config, t.aws.clients(), t.clock, t.aws.probe, { walFn: t.aws.walFn }), operation: "failover", mode: "planned", clock: t.clock, log: (l) => t.lines.push(l) });
    const out = t.lines.join("\n");
    expect(r.failedStep).toBe("promote");
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand").length).toBeGreaterThan(1); // asked again
    expect(out).toContain("a plain replica again (restarted after the last request: the request is void): asked again");
    expect(r.rolledBack).toBe(true);
    expect(out).toMatch(/\[rollback\] safe: a promotion of the secondary Writer was requested \(or may have been: unknown\), but drweb-prod-usw1-db-g1-writer is a plain replica again: its server started at/);
  });

  it("without a restart it reads (AWS reports none), the fence stays", async () => {
    const t = setup();
    t.aws.latency = (c) => (c.command === "PromoteReadReplicaCommand" ? 25_000 : 0);
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toContain("whether a pending promotion is void cannot be read here");
    expect(t.aws.desired["us-east-2"]).toBe(0);
  });
});

describe("the unplanned catch-up with the replica down as well as the source", () => {
  it("names the replica as the cause, not 'the source still streams', and stops after a few polls", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    const wal = t.aws.walFn;
    t.aws.walFn = async (target, p, now) => {
      if (target.baseUrl.includes("usw1") && t.aws.switchAlarmState() === "ALARM") {
        t.aws.db(REPLICA).status = "failed";
        return unreadable(now(), "503 from /readyz?wal=1: database unreachable");
      }
      return wal(target, p, now);
    };
    let catchUpAt = 0;
    const r = await runRunbook({
      config: t.config,
      platform: new AwsPlatform(t.config, t.aws.clients(), t.clock, t.aws.probe, { walFn: t.aws.walFn }),
      operation: "failover",
      mode: "unplanned",
      clock: t.clock,
      log: (l) => t.lines.push(l),
      beforeStep: (s) => {
        if (s.id === "catch-up") catchUpAt = t.clock.now();
      },
    });
    expect(r.failedStep).toBe("catch-up");
    const out = t.lines.join("\n");
    expect(r.failure).toContain(`the promotion target ${REPLICA} is down itself (replica, failed`);
    expect(out).toContain('(a) "the promotion target ... is down itself"');
    expect(t.clock.now() - catchUpAt).toBeLessThan(t.config.runbook.catchUpTimeoutSeconds * 1000);
    expect(t.aws.calls.filter((c) => c.command === "PromoteReadReplicaCommand")).toEqual([]);
  });
});

describe("the local adapter's promotion outcomes (real psql)", () => {
  it("a refused connection is not-sent (nothing reached the server), not 'may have been taken'", async () => {
    // A port nobody listens on: bound then closed.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const config = resolveConfig({});
    const site = { pgPort: port, lbUrl: "http://127.0.0.1:1", webState: () => ({ desired: 0, healthy: 0, registered: 0, running: 0, detail: "" }), scale: () => undefined };
    const dns = { healthChecks: () => [], putSwitchMetric: () => undefined, switchState: () => ({ forced: null, alarmState: null, detail: "" }), verdict: () => ({ healthy: null, unhealthyForSeconds: 0, sampleAgeSeconds: null, detail: "" }) };
    const platform = new LocalPlatform(config, { primary: site, secondary: site }, dns, { appUser: "drweb", psqlTimeoutMs: 3_000 });
    const a = await platform.promote("secondary", 1);
    expect(a.outcome).toBe("not-sent");
    expect(a.detail).toMatch(/Connection refused.*pg_promote\(\) was not sent/);
    const db = await platform.database("secondary", 1);
    expect(db.dbRole).toBe("unknown");
  });

  it("pg_promote returning f is not 'requested': the server may still promote, so it is watched and asked again", () => {
    expect(pgPromoteAttempt("f", "replica", 1).outcome).toBe("unknown");
    expect(pgPromoteAttempt("t", "replica", 1).outcome).toBe("requested");
  });

  it("tells a connection that never happened from a query cut off after it was sent", () => {
    expect(notConnected(new Error('psql: error: connection to server at "127.0.0.1", port 5433 failed: Connection refused'))).toBe(true);
    expect(notConnected(new Error('psql: error: connection to server at "127.0.0.1", port 5433 failed: timeout expired'))).toBe(true);
    expect(notConnected(new Error("psql: no answer within 3000 ms"))).toBe(false);
    expect(notConnected(new Error("server closed the connection unexpectedly"))).toBe(false);
  });
});

describe("a broken replication link before an unplanned failover (issue 25 point 8)", () => {
  const replica = (over: Partial<DatabaseState>): DatabaseState => ({
    role: "secondary",
    identifier: REPLICA,
    dbRole: "replica",
    status: "available",
    source: null,
    lagSeconds: 0,
    lagSampledAt: 0,
    readers: [],
    detail: "",
    ...over,
  });

  it("no WAL receiver is reported as broken with the last replayed commit, never as 'last lag 0 s'", () => {
    const now = Date.parse("2026-01-01T00:00:10Z");
    const text = unplannedReplicationReport(replica({ replicationStatus: "no WAL receiver", lagSeconds: 0, lastReplayAt: now - 7_500 }), now);
    expect(text).toContain("replication BROKEN (no WAL receiver)");
    expect(text).toContain("last replayed commit 2026-01-01T00:00:02.500Z (7.5 s ago)");
    expect(text).not.toMatch(/last lag/);
    expect(unplannedReplicationReport(replica({ replicationStatus: "replicating", lagSeconds: 0.2, lastReplayAt: now }), now)).toContain("last lag 0.2 s");
  });

  it("the run's output and journal give the RPO estimate (detection time minus the last replayed commit), with a warning when replication broke before the outage", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    t.aws.replicationStatus = "error";
    t.aws.replicaLag = 600; // RDS: the last replayed commit is 10 minutes old
    const r = await t.run("failover", "unplanned");
    expect(r.plan.steps.map((s) => s.id)).toContain("catch-up");
    const out = t.lines.join("\n");
    expect(out).toContain(`${REPLICA}: replica; replication BROKEN (error)`);
    const m = /RPO estimate: ([\d.]+) s: writes the primary acknowledged after the replica's last replayed commit/.exec(out);
    expect(m).not.toBeNull();
    // ReplicaLag 600 s in the newest minute when the catch-up reads it (about 5 minutes after the detection: the
    // 120 s confirmation, the 150 s drain): the last replayed commit is about 300 s before the detection, far more
    // than the 30 s detection takes (10 s x 3) + 2 intervals.
    expect(Number(m![1])).toBeGreaterThan(200);
    expect(Number(m![1])).toBeLessThan(600);
    expect(out).toContain("WARNING: replication was already broken before the outage");
    const j = Journal.open(t.dir, "failover", t.clock);
    const done = j.steps().find((l) => l.step === "catch-up" && l.event === "done");
    expect(done?.detail).toContain("RPO estimate:");
  });

  it("a replica that streamed until the outage: an RPO estimate within the detection delay, no warning", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    t.aws.replicaLag = 0;
    await t.run("failover", "unplanned");
    const out = t.lines.join("\n");
    expect(out).toMatch(/RPO estimate: [\d.]+ s/);
    expect(out).not.toContain("WARNING: replication was already broken");
  });
});
