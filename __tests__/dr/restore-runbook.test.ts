// `dr restore` (issue 26 point 2) against stubbed AWS SDK v3 clients
// (fake-aws.ts + fake-restore.ts): no AWS API emulator can run on these
// machines, so these tests check the calls the AWS adapter makes and the
// runner's behaviour on a fake clock. The AWS behaviour relied on is cited in
// src/dr/aws-restore.ts; the same runbook on real PostgreSQL PITR is the
// drill's restore scenario.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { main, parseRestoreArgs } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { Journal } from "../../src/dr/journal";
import type { Step } from "../../src/dr/plan-model";
import { identifierProblem, restoreParamsFor, RestoreRequestError } from "../../src/dr/restore-plan";
import { dbInstanceAddress } from "../../src/dr/restore-epilogue";
import { runRunbook } from "../../src/dr/runner";
import { synthApp } from "../helpers/synth";
import { FakeAws, MUTATING } from "./fake-aws";
import { FakeRestore } from "./fake-restore";

const WRITER = "drweb-prod-use2-db-g1-writer";
const MIN = 60_000;

function setup(overrides: { runbook?: Record<string, unknown>; [k: string]: unknown } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-restore-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const fake = new FakeRestore(aws);
  const config = resolveConfig({ ...overrides, runbook: { ...overrides.runbook, journalDir: dir } });
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, fake.clients(), clock, fake.probe, { walFn: aws.walFn });
  const lines: string[] = [];
  const run = (toTime: number, extra: Partial<Parameters<typeof runRunbook>[0]> & { region?: "primary" | "secondary" } = {}, cfg: ValidConfig = config) => {
    const { region, ...rest } = extra;
    const mode = region === "secondary" && cfg.database.drState === "normal" ? "unplanned" : "planned";
    return runRunbook({ config: cfg, platform: platformFor(cfg), operation: "restore", mode, clock, log: (l) => lines.push(l), restore: { toTime, ...(region ? { region } : {}) }, ...rest });
  };
  const changes = () => aws.calls.filter((c) => [...MUTATING, "RestoreDBInstanceToPointInTimeCommand"].includes(c.command)).map((c) => `${c.command}${c.input.NewDBInstanceIdentifier ? ` ${String(c.input.DBInstanceIdentifier)}->${String(c.input.NewDBInstanceIdentifier)}` : ""}@${c.region}`);
  return { dir, clock, aws, fake, config, lines, run, changes };
}

/** The names a run started at the fake clock's time uses. */
function namesAt(clock: FakeClock, writer = WRITER) {
  const stamp = new Date(clock.now()).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return { target: `${writer}-pitr-${stamp}`, damaged: `${writer}-damaged-${stamp}` };
}

describe("dr restore (same region: the writer's own automated backups)", () => {
  it("restores into a new instance, fences, renames the damaged writer away and the restored one in, restores the fleet and verifies a write on the restored data", async () => {
    const t = setup();
    const original = t.fake.resourceIdOf(WRITER)!;
    const { target, damaged } = namesAt(t.clock);
    const toTime = t.clock.now() - 30 * MIN;
    const r = await t.run(toTime);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(["preflight", "restore-window", "restore", "fence", "rename-damaged", "rename-restored", "isolate-damaged", "restore-fleet", "verify", "retire-old-replica"]);
    expect(t.changes()).toEqual([
      "RestoreDBInstanceToPointInTimeCommand@us-east-2",
      "UpdateAutoScalingGroupCommand@us-east-2",
      `ModifyDBInstanceCommand ${WRITER}->${damaged}@us-east-2`,
      `ModifyDBInstanceCommand ${target}->${WRITER}@us-east-2`,
      "ModifyDBInstanceCommand@us-east-2", // isolate-damaged: a master password nobody knows, before the fleet comes back
      "AddTagsToResourceCommand@us-east-2",
      "UpdateAutoScalingGroupCommand@us-east-2",
      "ModifyDBInstanceCommand@us-west-1", // retire-old-replica: deletion protection off on the replica of the damaged data
      "ModifyDBInstanceCommand@us-west-1",
    ]);
    // The request: the source by its resource id (stable across renames), the writer's network and settings, protected.
    const [req] = t.fake.restores;
    expect(req.input).toMatchObject({
      TargetDBInstanceIdentifier: target,
      RestoreTime: new Date(toTime),
      SourceDbiResourceId: original,
      DBInstanceClass: "db.t3.small",
      DBSubnetGroupName: "drweb-prod-use2-db",
      VpcSecurityGroupIds: ["sg-use2-db"],
      DBParameterGroupName: "drweb-prod-use2-postgres16",
      MultiAZ: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: "03:00-04:00",
    });
    expect(req.input.SourceDBInstanceAutomatedBackupsArn).toBeUndefined();
    expect((req.input.Tags as Array<{ Key: string }>).map((x) => x.Key)).toEqual(["project", "dr-restored-to"]);
    // The writer's name now holds the restored data; the damaged instance is kept under its new name.
    const restored = t.fake.resourceIdOf(WRITER)!;
    expect(restored).not.toBe(original);
    expect(t.fake.resourceIdOf(damaged)).toBe(original);
    expect(t.fake.resourceIdOf(target)).toBeNull();
    expect(t.aws.db(damaged).passwordChanges).toBe(1);
    expect(t.aws.db(damaged).tags).toEqual({ "dr-isolated": expect.any(String) });
    expect(t.aws.db(WRITER).passwordChanges).toBeUndefined();
    // verify wrote through the entry point, and the write landed on the restored instance.
    expect(t.fake.writes.at(-1)).toEqual({ region: "us-east-2", resourceId: restored });
    expect(t.aws.desired["us-east-2"]).toBe(3);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[restore-window\] 2\/10 precondition ok: .* is inside the restorable window .* to .*Z \(latest restorable time\)/);
    expect(out).toContain(`writes acknowledged after ${new Date(toTime).toISOString()} and before the fence`);
    const j = Journal.open(t.dir, "restore", t.clock);
    expect(j.completed).toBe(true);
    expect(j.stepEvents("restore").map((e) => e.event)).toEqual(expect.arrayContaining(["requesting", "requested"]));
  });

  it.each([
    ["before the earliest restorable time", (now: number) => now - 8 * 86_400_000],
    ["after the latest restorable time", (now: number) => now - 60_000],
  ])("refuses a time %s with the window (earliest and latest, ISO) in the message; nothing is changed", async (_what, at) => {
    const t = setup();
    const now = t.clock.now();
    const r = await t.run(at(now));
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("restore-window");
    const earliest = new Date(now - 7 * 86_400_000).toISOString();
    const latest = new Date(now - 5 * MIN).toISOString();
    expect(r.failure).toContain(`outside the restorable window`);
    expect(r.failure).toContain(`${earliest} (earliest restorable time) to ${latest} (latest restorable time)`);
    expect(t.changes()).toEqual([]);
    expect(r.acted).toBe(false);
  });

  it("--dry-run prints the plan with its epilogue and changes nothing: no AWS call, no journal", async () => {
    const t = setup();
    const r = await t.run(t.clock.now() - 30 * MIN, { dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]);
    expect(fs.existsSync(path.join(t.dir, "restore.jsonl"))).toBe(false);
    const out = t.lines.join("\n");
    expect(out).toContain("Plan: restore drweb-prod-use2-db-g1-writer (us-east-2) to");
    expect(out).toContain("Automatic roll-back: when rename-damaged or rename-restored fails");
    expect(out).toContain(`state rm '${dbInstanceAddress("Writer", 1)}'`);
    expect(out).toContain("Dry run: nothing was changed and no journal was written.");
  });

  it("a restore that does not finish within runbook.restoreTimeoutMinutes fails with production untouched; the next run resumes the wait without a second request", async () => {
    const t = setup({ runbook: { restoreTimeoutMinutes: 20 } });
    t.fake.restoreTakes = -1;
    const toTime = t.clock.now() - 30 * MIN;
    const r = await t.run(toTime);
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("restore");
    expect(r.failure).toMatch(/timed out after 1200 s waiting for: .*-pitr-\d{14} is available/);
    expect(t.changes()).toEqual(["RestoreDBInstanceToPointInTimeCommand@us-east-2"]); // no fence: the app still serves
    expect(r.acted).toBe(true);
    // It finishes later: the same command resumes, waits, and goes on; RDS is not asked twice.
    const { target } = namesAt(new FakeClock(Date.UTC(2026, 0, 1)));
    t.aws.db(target).status = "available";
    const again = await t.run(toTime);
    expect(again.ok, again.failure ?? "").toBe(true);
    expect(again.resumed).toBe(true);
    expect(t.fake.restores).toHaveLength(1);
  });

  it("a run cut off after the restore request (its wait stopped) resumes: no second request, the same names, then the move", async () => {
    const t = setup();
    t.fake.restoreTakes = 50;
    const toTime = t.clock.now() - 30 * MIN;
    const { target, damaged } = namesAt(t.clock);
    // The credentials expire while the restore runs: the wait stops at once (polling cannot fix it).
    let polls = 0;
    t.aws.failWith = (c) => (c.command === "DescribeDBInstancesCommand" && c.input.DBInstanceIdentifier === target && ++polls > 2 ? Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredToken", $metadata: { httpStatusCode: 403 } }) : undefined);
    const r = await t.run(toTime);
    expect(r.failedStep).toBe("restore");
    expect(r.cause?.kind).toBe("credentials-rejected");
    expect(t.fake.restores).toHaveLength(1);
    t.aws.failWith = null;
    t.clock.advance(5 * MIN); // a later stamp would be new names: the resumed run must keep the journal's
    const again = await t.run(toTime);
    expect(again.ok, again.failure ?? "").toBe(true);
    expect(again.skipped).toEqual(["preflight", "restore-window"]);
    expect(t.fake.restores).toHaveLength(1);
    expect(t.fake.resourceIdOf(damaged)).not.toBeNull();
    expect(t.fake.resourceIdOf(WRITER)).toMatch(/^db-RESTORED/);
  });

  it("a run interrupted after the first rename resumes at the second: the fence is re-checked, nothing is renamed twice", async () => {
    const t = setup();
    const original = t.fake.resourceIdOf(WRITER)!;
    const toTime = t.clock.now() - 30 * MIN;
    const { target, damaged } = namesAt(t.clock);
    const stop = (s: Step) => {
      if (s.id === "rename-restored") throw new Error("SIGINT");
    };
    await expect(t.run(toTime, { beforeStep: stop })).rejects.toThrow("SIGINT");
    expect(t.fake.resourceIdOf(damaged)).toBe(original);
    expect(t.fake.resourceIdOf(WRITER)).toBeNull(); // the app has no writer: the fleet is fenced
    expect(t.aws.desired["us-east-2"]).toBe(0);
    // A resumed run with another time is refused: it would act on other instances.
    await expect(t.run(toTime - MIN)).rejects.toThrow(/unfinished restore to .* \(restored instance .*-pitr-\d{14}\); run `dr restore --to-time/);
    const again = await t.run(toTime);
    expect(again.ok, again.failure ?? "").toBe(true);
    expect(again.skipped).toEqual(["preflight", "restore-window", "restore", "fence", "rename-damaged"]);
    expect(t.lines.join("\n")).toMatch(/\[fence\] 4\/10 already done \(journal; the us-east-2 fleet is still fenced/);
    const renames = t.aws.calls.filter((c) => c.input.NewDBInstanceIdentifier);
    expect(renames.map((c) => `${String(c.input.DBInstanceIdentifier)}->${String(c.input.NewDBInstanceIdentifier)}`)).toEqual([`${WRITER}->${damaged}`, `${target}->${WRITER}`]);
    expect(t.fake.resourceIdOf(WRITER)).toMatch(/^db-RESTORED/);
  });

  it("a rename of the restored instance that RDS refuses rolls back by itself: the damaged writer gets its name back and the fleet serves again", async () => {
    const t = setup();
    const original = t.fake.resourceIdOf(WRITER)!;
    const { target } = namesAt(t.clock);
    t.fake.renameRefusals = { from: target, times: -1 };
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("rename-restored");
    expect(r.rolledBack).toBe(true);
    expect(r.failure).toContain("RDS refused the rename of");
    expect(r.failure).toContain("3 times in a row");
    // Back where it was: the writer's name on the original instance, the fleet serving, the restored instance kept aside.
    expect(t.fake.resourceIdOf(WRITER)).toBe(original);
    expect(t.aws.desired["us-east-2"]).toBe(3);
    expect(t.fake.resourceIdOf(target)).toMatch(/^db-RESTORED/);
    expect(t.lines.join("\n")).toMatch(/\[rollback\] done: drweb-prod-use2-db-g1-writer: available/);
    expect(Journal.open(t.dir, "restore", t.clock).completed).toBe(true);
  });

  it("a rename RDS refuses once (a state race) is asked again at the next poll and the restore completes", async () => {
    const t = setup();
    const { target } = namesAt(t.clock);
    t.fake.renameRefusals = { from: target, times: 1 };
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(t.aws.calls.filter((c) => c.input.NewDBInstanceIdentifier === WRITER)).toHaveLength(2);
    expect(t.fake.resourceIdOf(WRITER)).toMatch(/^db-RESTORED/);
  });

  it("a rename of the damaged writer that RDS refuses lifts the fence; nothing was renamed", async () => {
    const t = setup();
    const original = t.fake.resourceIdOf(WRITER)!;
    t.fake.renameRefusals = { from: WRITER, times: -1 };
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.failedStep).toBe("rename-damaged");
    expect(r.rolledBack).toBe(true);
    expect(t.fake.resourceIdOf(WRITER)).toBe(original);
    expect(t.aws.desired["us-east-2"]).toBe(3);
  });

  it("a fleet scaled up again behind the runbook's back (after the fence) stops the rename of the damaged writer: nothing is renamed", async () => {
    const t = setup();
    const original = t.fake.resourceIdOf(WRITER)!;
    const r = await t.run(t.clock.now() - 30 * MIN, {
      beforeStep: (s) => {
        if (s.id === "rename-damaged") t.aws.desired["us-east-2"] = 3; // an autoscaling policy, or a colleague
      },
    });
    expect(r.failedStep).toBe("rename-damaged");
    expect(r.failure).toMatch(/the primary fleet is no longer fenced: not fenced: ASG drweb-prod-use2-web: min 3 desired 3/);
    expect(t.aws.calls.filter((c) => c.input.NewDBInstanceIdentifier)).toEqual([]);
    expect(t.fake.resourceIdOf(WRITER)).toBe(original);
  });

  it("never rolls back once the restored instance may have taken the writer's name: the fence stays", async () => {
    const t = setup({ runbook: { promoteTimeoutSeconds: 600 } });
    const { damaged } = namesAt(t.clock);
    const slow = (s: Step) => {
      if (s.id === "rename-restored") t.fake.renameTakes = 10_000; // RDS takes the rename but it does not finish in time
    };
    const r = await t.run(t.clock.now() - 30 * MIN, { beforeStep: slow });
    expect(r.failedStep).toBe("rename-restored");
    expect(r.rolledBack).toBeUndefined();
    expect(t.lines.join("\n")).toMatch(/\[rollback\] NOT rolling back: a request of rename-restored was taken/);
    expect(t.aws.desired["us-east-2"]).toBe(0);
    expect(t.fake.resourceIdOf(damaged)).not.toBeNull(); // not renamed back
    expect(t.fake.resourceIdOf(WRITER)).toMatch(/^db-RESTORED/);
  });
});

describe("dr restore --region secondary (the writer's region is down: the replicated automated backups)", () => {
  it("confirms the outage, restores from the replicated copy in us-west-1, forces DNS, waits out the drain, moves the secondary's app to the restored data and isolates the old writer when its region answers", async () => {
    const t = setup();
    const SEC = "drweb-prod-usw1-db-g1-writer";
    const { target, damaged } = namesAt(t.clock, SEC);
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    const toTime = t.clock.now() - 30 * MIN;
    let calls = 0;
    const r = await t.run(toTime, {
      region: "secondary",
      beforeStep: (s) => {
        // us-east-2 answers again once the secondary serves: the old writer is isolated then.
        if (s.id === "isolate-old-primary") t.aws.down.delete("us-east-2");
        calls++;
      },
    });
    expect(calls).toBeGreaterThan(0);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(["preflight", "restore-window", "confirm-outage", "restore", "force-dns", "fence-old-primary", "drain", "fence", "rename-damaged", "rename-restored", "restore-fleet", "verify", "isolate-old-primary"]);
    // Nothing on the recovery path went to us-east-2 except the old region's fence attempts (which fail while it is down).
    const [req] = t.fake.restores;
    expect(req.region).toBe("us-west-1");
    expect(req.input).toMatchObject({
      TargetDBInstanceIdentifier: target,
      SourceDBInstanceAutomatedBackupsArn: "arn:aws:rds:us-west-1:123456789012:auto-backup:ab-replicated",
      DBSubnetGroupName: "drweb-prod-usw1-db",
      VpcSecurityGroupIds: ["sg-usw1-db"],
      DeletionProtection: true,
    });
    expect(req.input.SourceDbiResourceId).toBeUndefined();
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    expect(t.fake.resourceIdOf(SEC)).toMatch(/^db-RESTORED/);
    expect(t.fake.resourceIdOf(damaged)).not.toBeNull(); // the replica of the damaged data, kept
    expect(t.fake.writes.at(-1)?.region).toBe("us-west-1");
    expect(t.aws.db(WRITER).tags).toEqual({ "dr-isolated": expect.any(String) });
    const rdsBeforeIsolate = t.aws.calls.filter((c) => c.client === "rds" && c.region === "us-east-2" && c.command !== "DescribeDBInstancesCommand");
    expect(rdsBeforeIsolate.map((c) => c.command)).toEqual(["ModifyDBInstanceCommand", "AddTagsToResourceCommand"]); // the isolation only
    const out = t.lines.join("\n");
    expect(out).toContain('"database": { "drState": "failedOver", "generations": { "primary": 1, "secondary": 1 } },');
    expect(out).toContain(`terraform -chdir=cdktf.out/stacks/secondary import '${dbInstanceAddress("Writer", 1)}' ${SEC}`);
  });

  it("the primary healthy again when the verdict is re-read before the switch: stops as transient, no switch, no fence, no rename; the restored instance is left unused", async () => {
    const t = setup();
    const SEC = "drweb-prod-usw1-db-g1-writer";
    const { target } = namesAt(t.clock, SEC);
    t.aws.hc("hc-primary").healthy = false;
    const r = await t.run(t.clock.now() - 30 * MIN, {
      region: "secondary",
      beforeStep: (s) => {
        if (s.id === "force-dns") {
          t.aws.hc("hc-primary").healthy = true; // it was a long blip
          t.clock.advance(3 * MIN);
        }
      },
    });
    expect(r.ok).toBe(false);
    expect(r.transient).toBe(true);
    expect(r.failedStep).toBe("force-dns");
    expect(t.aws.switchAlarmState()).toBe("OK");
    expect(t.aws.desired["us-east-2"]).toBe(3);
    expect(t.aws.desired["us-west-1"]).toBe(3);
    expect(t.aws.calls.filter((c) => c.input.NewDBInstanceIdentifier)).toEqual([]);
    expect(t.fake.resourceIdOf(SEC)).not.toMatch(/RESTORED/);
    expect(t.fake.resourceIdOf(target)).toMatch(/^db-RESTORED/);
  });

  it("refuses a time outside the replicated copy's window (its latest restorable time lags the source's)", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    t.aws.down.add("us-east-2");
    const r = await t.run(t.clock.now() - 7 * MIN, { region: "secondary" }); // inside the writer's window, after the copy's latest
    expect(r.failedStep).toBe("restore-window");
    expect(r.failure).toContain("replicated automated backups readable in the secondary region");
    expect(r.failure).toContain(`${new Date(t.clock.now() - 10 * MIN).toISOString()} (latest restorable time)`);
    expect(t.changes()).toEqual([]);
  });

  it("says so when no backups are replicated to the secondary", async () => {
    const t = setup();
    t.fake.replicated = false;
    const r = await t.run(t.clock.now() - 30 * MIN, { region: "secondary" });
    expect(r.failedStep).toBe("restore-window");
    expect(r.failure).toMatch(/no restorable backups: .*no automated backups of drweb-prod-use2-db-g1-writer \(us-east-2\) replicated to us-west-1 .*is backup replication on\?/);
  });
});

describe("dr restore: requests, names and the printed commands", () => {
  it("refuses what it cannot do before anything runs: Aurora mode in the other region, a failback under way, a replicated restore from failedOver, names over RDS's 63 characters", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(() => restoreParamsFor(resolveConfig({ database: { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" } }), { toTime: now, region: "secondary" }, now)).toThrow(/dr restore --region secondary is not automated for database.engine "aurora-postgresql"/);
    expect(() => restoreParamsFor(resolveConfig({ database: { drState: "failback", generations: { primary: 2, secondary: 1 } } }), { toTime: now }, now)).toThrow(/a failback is under way/);
    expect(() => restoreParamsFor(resolveConfig({ database: { drState: "failedOver" } }), { toTime: now, region: "primary" }, now)).toThrow(RestoreRequestError);
    const long = resolveConfig({ project: "averyverylongproject", environment: "production" });
    expect(() => restoreParamsFor(long, { toTime: now }, now)).toThrow(/RDS allows 1 to 63.*Fix: shorten "project" or "environment"/);
    expect(identifierProblem(`${WRITER}-damaged-20260101000000`)).toBeNull();
    expect(restoreParamsFor(resolveConfig({ database: { drState: "failedOver" } }), { toTime: now }, now)).toMatchObject({ writerRole: "secondary", region: "secondary", source: "instance", writerId: "drweb-prod-usw1-db-g1-writer" });
  });

  it("parses --to-time strictly (a zone is required) and --region", () => {
    expect(parseRestoreArgs(undefined, undefined, "normal")).toMatch(/needs --to-time/);
    expect(parseRestoreArgs("2026-01-01 10:00", undefined, "normal")).toMatch(/not an ISO 8601 time with a zone/);
    expect(parseRestoreArgs("2026-01-01T10:00:00", undefined, "normal")).toMatch(/not an ISO 8601 time with a zone/);
    expect(parseRestoreArgs("2026-01-01T10:00:00Z", "west", "normal")).toMatch(/--region "west": give primary or secondary/);
    expect(parseRestoreArgs("2026-01-01T05:00:00-05:00", "secondary", "normal")).toEqual({ toTime: Date.UTC(2026, 0, 1, 10), region: "secondary" });
  });

  it("the CLI refuses Aurora mode in the other region and a bad runbook.restoreTimeoutMinutes with a message naming the fix (exit 2)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-restore-cli-"));
    const write = (cfg: unknown) => {
      const f = path.join(dir, `c${Math.random()}.json`);
      fs.writeFileSync(f, JSON.stringify(cfg));
      return f;
    };
    const errs: string[] = [];
    const aurora = write({ database: { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" } });
    expect(await main(["restore", "--to-time", "2026-01-01T00:00:00Z", "--region", "secondary", "--dry-run", "--config", aurora], { out: () => undefined, err: (l) => errs.push(l) })).toBe(2);
    expect(errs.join("\n")).toContain("docs/dr-runbook.md, \"dr restore\", Aurora mode");
    const bad = write({ runbook: { restoreTimeoutMinutes: 5 } });
    expect(await main(["restore", "--to-time", "2026-01-01T00:00:00Z", "--dry-run", "--config", bad], { out: () => undefined, err: (l) => errs.push(l) })).toBe(2);
    expect(errs.join("\n")).toMatch(/runbook\.restoreTimeoutMinutes: must be at least 10 minutes.*Fix: give 10 to 2880/);
  });

  it("through the CLI: exit 0 and the record commands at the end; a time outside the window exits 1 naming the window, with nothing changed", async () => {
    const t = setup();
    const cli = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main([...argv, "--journal-dir", t.dir], { clients: t.fake.clients(), credentials: async () => ({ accessKeyId: "AKIAEXAMPLE" }), clock: t.clock, probe: t.fake.probe, wal: t.aws.walFn, out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const outside = await cli(["restore", "--to-time", new Date(t.clock.now() - 10 * 86_400_000).toISOString()]);
    expect(outside.code).toBe(1);
    expect(outside.out).toMatch(/\[restore-window\] FAILED: .*\(earliest restorable time\) to .*\(latest restorable time\)/);
    expect(t.changes()).toEqual([]);
    const done = await cli(["restore", "--to-time", new Date(t.clock.now() - 30 * MIN).toISOString()]);
    expect(done.code, done.out + done.err).toBe(0);
    expect(done.out).toContain(`terraform -chdir=cdktf.out/stacks/primary import '${dbInstanceAddress("Writer", 1)}' ${WRITER}`);
    expect(t.fake.resourceIdOf(WRITER)).toMatch(/^db-RESTORED/);
  });

  it("prints state commands whose addresses are the synthesized stacks' aws_db_instance resources with those identifiers", async () => {
    const app = synthApp();
    const byIdentifier = (stack: string) => Object.fromEntries(Object.entries(app.stacks[stack].resource!.aws_db_instance).map(([k, v]: [string, any]) => [v.identifier, `aws_db_instance.${k}`]));
    const t = setup();
    const at = Date.UTC(2026, 0, 1);
    for (const [region, stack] of [[undefined, "primary"], ["secondary", "secondary"]] as const) {
      const plan = restoreParamsFor(t.config, { toTime: at, ...(region ? { region } : {}) }, at);
      const lines: string[] = [];
      await runRunbook({ config: t.config, platform: new AwsPlatform(t.config, t.fake.clients(), t.clock), operation: "restore", mode: region ? "unplanned" : "planned", clock: t.clock, log: (l) => lines.push(l), restore: { toTime: at, ...(region ? { region } : {}) }, dryRun: true });
      const ids = byIdentifier(stack);
      const out = lines.join("\n");
      const addr = [...out.matchAll(/(?:state rm|import|-replace=)\s*'(aws_db_instance\.[A-Za-z0-9_]+)'/g)].map((m) => m[1]);
      expect(addr.length).toBeGreaterThanOrEqual(3);
      expect(out).toContain(`state rm '${ids[plan.writerId]}'`);
      expect(out).toContain(`import '${ids[plan.writerId]}' ${plan.writerId}`);
      const reader = plan.writerId.replace(/-writer$/, "-reader1");
      expect(out).toContain(`-replace='${ids[reader]}'`);
      for (const a of addr) expect(Object.values(ids)).toContain(a);
      // The same-region restore in the normal state: the secondary's replication of the primary writer's backups follows the damaged instance.
      const replication = [...out.matchAll(/stacks\/(\w+) apply -replace='(aws_db_instance_automated_backups_replication\.[A-Za-z0-9_]+)'/g)].map((m) => [m[1], m[2]]);
      if (region) expect(replication).toEqual([]);
      else {
        expect(replication).toHaveLength(1);
        const [other, a] = replication[0];
        const rep = app.stacks[other].resource!.aws_db_instance_automated_backups_replication as Record<string, { source_db_instance_arn: string }>;
        expect(Object.keys(rep)).toEqual([a.split(".")[1]]);
        expect(rep[a.split(".")[1]].source_db_instance_arn).toMatch(new RegExp(`:db:${plan.writerId}$`));
      }
    }
  });
});
