// Issue 25 points 5 and 7, against the stubbed AWS SDK clients of fake-aws.ts
// (no AWS API emulator runs on these machines; the AWS behaviour modelled is
// cited in aws-platform.ts): a stale outage verdict is never acted on (the
// runbook suspended while the primary recovers), and two operators at once
// cannot both run (the journal folder's lock file, the SSM lease in the
// surviving region). The same faults on real components: the drill's
// stale-verdict and two-operators scenarios (src/drill/drill.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SSMServiceException } from "@aws-sdk/client-ssm";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { EXIT_LEASE_HELD, EXIT_TRANSIENT, main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { Journal } from "../../src/dr/journal";
import { holderIsDead, LeaseHeldError, type LeaseHolder } from "../../src/dr/lease";
import type { Mode, Operation, Step } from "../../src/dr/plan-model";
import { LOCK_FILE, runRunbook } from "../../src/dr/runner";
import { FakeAurora } from "./fake-aurora";
import { FakeAws } from "./fake-aws";

const LEASE_PARAM = "/drweb-prod/dr/runbook/lease";

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-guard-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir } });
  const platformFor = (cfg: ValidConfig = config) => new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}) =>
    runRunbook({ config, platform: platformFor(), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  const commands = () => aws.mutations().map((c) => `${c.command}@${c.region}`);
  return { dir, clock, aws, config, platformFor, lines, run, commands };
}

/** A pid that provably does not run any more (a child that exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("dr failover --unplanned: a stale outage verdict is never acted on (issue 25 point 5)", () => {
  it("a run suspended at its DNS-switch step while the primary recovers stops as transient: no switch, no fence, no promotion", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const r = await t.run("failover", "unplanned", {
      beforeStep: (step: Step) => {
        if (step.id !== "force-dns") return;
        // SIGSTOP here (a laptop lid): the primary recovers meanwhile; resumed 150 s later, past Route 53's next 1-minute datapoint.
        t.aws.hc("hc-primary").healthy = true;
        t.clock.advance(150_000);
      },
    });
    expect(r.ok).toBe(false);
    expect(r.transient).toBe(true);
    expect(r.failedStep).toBe("force-dns");
    expect(r.failure).toMatch(/the primary is healthy again \(Route53 verdict: .*\): a transient fault; nothing was changed/);
    expect(t.commands()).toEqual([]);
    expect(t.aws.switchAlarmState()).toBe("OK");
    // Nothing changed: the journal is archived (the next run starts afresh), and the lease is released.
    expect(fs.existsSync(path.join(t.dir, "failover.jsonl"))).toBe(false);
    expect(fs.existsSync(path.join(t.dir, LOCK_FILE))).toBe(false);
    expect(t.aws.ssmParams.has(LEASE_PARAM)).toBe(false);
  });

  it("a suspension while the verdict is being re-read (the answer is stale when it arrives) makes it read again, fresh, before acting", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const platform = t.platformFor();
    const outage = platform.outage.bind(platform);
    let stallNext = false;
    platform.outage = async (role) => {
      const o = await outage(role);
      if (stallNext) {
        // The answer (still unhealthy) was read, then the process stopped for 150 s while the primary recovered.
        stallNext = false;
        t.aws.hc("hc-primary").healthy = true;
        t.clock.advance(150_000);
      }
      return o;
    };
    const r = await t.run("failover", "unplanned", { platform, beforeStep: (s: Step) => void (s.id === "force-dns" && (stallNext = true)) });
    expect(r.transient, r.failure).toBe(true);
    expect(t.lines.join("\n")).toMatch(/\[force-dns\] 3\/9 the verdict's read took 150\.0 s.*not fresh, reading it again right before acting/);
    expect(t.commands()).toEqual([]);
  });

  it("resumed after the switch was forced, with the primary healthy again: releases the switch and stops; no fence, no promotion (exit 6 through the CLI)", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    // Run 1 is cut off after forcing the switch (killed before the fence).
    await expect(
      t.run("failover", "unplanned", {
        beforeStep: (s: Step) => {
          if (s.id === "fence-old-primary") throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    expect(t.commands()).toEqual(["PutMetricDataCommand@us-west-1"]);
    expect(t.aws.switchAlarmState()).toBe("ALARM");
    // The primary recovers before the operator runs the same command again.
    t.aws.hc("hc-primary").healthy = true;
    t.clock.advance(150_000);
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["failover", "--to", "secondary", "--unplanned", "--journal-dir", t.dir], {
      clients: t.aws.clients(),
      credentials: async () => ({ accessKeyId: "AKIAEXAMPLE" }),
      clock: t.clock,
      probe: t.aws.probe,
      wal: t.aws.walFn,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code, [...out, ...err].join("\n")).toBe(EXIT_TRANSIENT);
    // The switch written released (value 0) and nothing else: no fence of the healthy primary, no promotion.
    expect(t.commands()).toEqual(["PutMetricDataCommand@us-west-1", "PutMetricDataCommand@us-west-1"]);
    expect((t.aws.mutations()[1].input.MetricData as Array<{ Value: number }>)[0].Value).toBe(0);
    expect(t.aws.switchAlarmState()).toBe("OK");
    expect(out.join("\n")).toContain("STOPPED, the fault was transient");
    const j = Journal.open(t.dir, "failover", t.clock);
    expect(j.completed).toBe(true);
  });

  it("a verdict that cannot be re-read (us-east-1 stops answering after the outage was confirmed) leaves the confirmed verdict standing: the failover goes on", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const r = await t.run("failover", "unplanned", { beforeStep: (s: Step) => void (s.id === "force-dns" && t.aws.down.add("us-east-1")) });
    expect(r.ok, r.failure).toBe(true);
    expect(t.lines.join("\n")).toMatch(/\[force-dns\] 3\/9 outage verdict re-read before acting: could not be re-read .*: the verdict read before stands/);
    expect(t.aws.mutations().filter((c) => c.command === "PromoteReadReplicaCommand")).toHaveLength(1);
  });

  it("--dry-run says so", async () => {
    const t = setup();
    await t.run("failover", "unplanned", { dryRun: true });
    expect(t.lines.join("\n")).toContain("Outage verdict re-read before each change it decides (force-dns, fence-old-primary): Route53's verdict on the primary check, read again right before the switch is forced");
    expect(t.aws.calls).toEqual([]);
  });

  it("re-reads the verdict right before the switch and the fence, and not after the fence (a fenced fleet fails the check itself)", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const r = await t.run("failover", "unplanned");
    expect(r.ok, r.failure).toBe(true);
    const verdicts = Journal.open(t.dir, "failover", t.clock)
      .steps()
      .filter((l) => l.event === "verdict")
      .map((l) => l.step);
    expect(verdicts).toEqual(["force-dns", "fence-old-primary"]);
  });
});

describe("Aurora mode: the same verdict guard before its switch", () => {
  it("suspended at the DNS-switch step while the primary recovers: transient, no switch, no global failover or switchover", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-guard-aurora-"));
    const clock = new FakeClock();
    const fa = new FakeAurora(clock);
    const config = resolveConfig({ runbook: { journalDir: dir }, database: { engine: "aurora-postgresql" } });
    fa.aws.hc("hc-primary").healthy = false;
    const r = await runRunbook({
      config,
      platform: new AwsPlatform(config, fa.clients(), clock, fa.probe, { walFn: fa.aws.walFn }),
      operation: "failover",
      mode: "unplanned",
      clock,
      log: () => undefined,
      beforeStep: (step: Step) => {
        if (step.id !== "force-dns") return;
        fa.aws.hc("hc-primary").healthy = true;
        clock.advance(150_000);
      },
    });
    expect(r.transient, r.failure).toBe(true);
    expect(r.failedStep).toBe("force-dns");
    expect(fa.mutations()).toEqual([]);
  });
});

describe("two operators at once: the runbook's lease (issue 25 point 7)", () => {
  it("a second run with its own journal folder is refused by the SSM lease in us-west-1, naming the holder; one run, one promotion", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-guard-laptop2-"));
    let second: unknown = null;
    let secondCalls: string[] = [];
    const r = await t.run("failover", "unplanned", {
      beforeStep: async (s: Step) => {
        if (s.id !== "confirm-outage") return;
        const before = t.aws.calls.length;
        second = await t.run("failover", "unplanned", { journalDir: otherDir }).catch((e: unknown) => e);
        secondCalls = t.aws.calls.slice(before).map((c) => `${c.client}:${c.command}@${c.region}`);
      },
    });
    expect(r.ok, r.failure).toBe(true);
    expect(second).toBeInstanceOf(LeaseHeldError);
    const e = second as LeaseHeldError;
    expect(e.where).toBe(`SSM parameter ${LEASE_PARAM} (us-west-1)`);
    expect(e.holder?.pid).toBe(process.pid);
    expect(e.message).toMatch(/another dr run holds the lease SSM parameter \/drweb-prod\/dr\/runbook\/lease \(us-west-1\): dr failover \(unplanned\) started .* by pid \d+ on host .*Nothing was read or changed.*aws ssm delete-parameter --region us-west-1 --name \/drweb-prod\/dr\/runbook\/lease/);
    // The loser read nothing but the lease.
    expect(secondCalls).toEqual(["ssm:PutParameterCommand@us-west-1", "ssm:GetParameterCommand@us-west-1"]);
    expect(fs.readdirSync(otherDir).filter((f) => f.endsWith(".jsonl"))).toEqual([]);
    expect(t.aws.mutations().filter((c) => c.command === "PromoteReadReplicaCommand")).toHaveLength(1);
    // Released at the end: the next run may start.
    expect(t.aws.ssmParams.has(LEASE_PARAM)).toBe(false);
  });

  it("a second run on the same journal folder is refused by its lock file before it reads the journal: the live journal is not archived", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    let second: unknown = null;
    const r = await t.run("failover", "unplanned", {
      beforeStep: async (s: Step) => {
        if (s.id === "confirm-outage") second = await t.run("failover", "unplanned").catch((e: unknown) => e);
      },
    });
    expect(r.ok, r.failure).toBe(true);
    expect(second).toBeInstanceOf(LeaseHeldError);
    expect((second as LeaseHeldError).where).toBe(path.join(t.dir, LOCK_FILE));
    expect((second as LeaseHeldError).message).toContain(`rm ${path.join(t.dir, LOCK_FILE)}`);
    // One journal, never archived, completed by its one run.
    expect(fs.readdirSync(t.dir).filter((f) => f.endsWith(".jsonl"))).toEqual(["failover.jsonl"]);
    expect(Journal.open(t.dir, "failover", t.clock).completed).toBe(true);
    expect(fs.existsSync(path.join(t.dir, LOCK_FILE))).toBe(false);
  });

  it("the CLI exits 7 naming the holder", async () => {
    const t = setup();
    const holder: LeaseHolder = { host: "laptop-2.example", pid: 4242, startedAt: "2026-01-01T00:00:00.000Z", what: "dr failover (unplanned)", token: "x" };
    t.aws.ssmParams.set(LEASE_PARAM, JSON.stringify(holder));
    const err: string[] = [];
    const code = await main(["failover", "--to", "secondary", "--unplanned", "--journal-dir", t.dir], {
      clients: t.aws.clients(),
      credentials: async () => ({ accessKeyId: "AKIAEXAMPLE" }),
      clock: t.clock,
      probe: t.aws.probe,
      wal: t.aws.walFn,
      out: () => undefined,
      err: (l) => err.push(l),
    });
    expect(code).toBe(EXIT_LEASE_HELD);
    expect(err.join("\n")).toContain("dr failover (unplanned) started 2026-01-01T00:00:00.000Z by pid 4242 on host laptop-2.example");
    expect(t.aws.mutations()).toEqual([]);
    // Another host's lease is never taken over, and this run's refusal leaves it (and the journal folder's lock) as they were.
    expect(t.aws.ssmParams.get(LEASE_PARAM)).toBe(JSON.stringify(holder));
    expect(fs.existsSync(path.join(t.dir, LOCK_FILE))).toBe(false);
  });

  it("a lease that cannot be taken (ssm:PutParameter denied) stops the run before anything else, naming the cause (exit 7)", async () => {
    const t = setup();
    t.aws.failWith = (c) =>
      c.command === "PutParameterCommand"
        ? new SSMServiceException({ name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400 }, message: `User: arn:aws:sts::123456789012:assumed-role/op/x is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:us-west-1:123456789012:parameter${LEASE_PARAM}` })
        : undefined;
    const err: string[] = [];
    const code = await main(["failover", "--to", "secondary", "--unplanned", "--journal-dir", t.dir], {
      clients: t.aws.clients(),
      credentials: async () => ({ accessKeyId: "AKIAEXAMPLE" }),
      clock: t.clock,
      probe: t.aws.probe,
      wal: t.aws.walFn,
      out: () => undefined,
      err: (l) => err.push(l),
    });
    expect(code).toBe(EXIT_LEASE_HELD);
    expect(err.join("\n")).toMatch(/could not take the runbook's lease of the aws platform: AWS refused the call: .*ssm:PutParameter.*PutParameter, GetParameter, DeleteParameter on the runbook's lease parameter/);
    expect(t.aws.calls.map((c) => c.command)).toEqual(["PutParameterCommand"]);
    expect(fs.existsSync(path.join(t.dir, LOCK_FILE))).toBe(false);
  });

  it("takes over a lock whose holder is provably dead (this host, pid gone), and refuses one whose holder lives", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const dead: LeaseHolder = { host: os.hostname(), pid: deadPid(), startedAt: "2026-01-01T00:00:00.000Z", what: "dr failover (unplanned)", token: "dead" };
    fs.writeFileSync(path.join(t.dir, LOCK_FILE), JSON.stringify(dead));
    t.aws.ssmParams.set(LEASE_PARAM, JSON.stringify(dead));
    const r = await t.run("failover", "unplanned");
    expect(r.ok, r.failure).toBe(true);
    expect(t.lines.join("\n")).toContain(`lease taken: ${path.join(t.dir, LOCK_FILE)} (taken over from a dead holder: dr failover (unplanned) started 2026-01-01T00:00:00.000Z by pid ${dead.pid}`);
    // A live holder (this test's own parent process) on this host: refused.
    const live: LeaseHolder = { ...dead, pid: process.ppid, token: "live" };
    fs.writeFileSync(path.join(t.dir, LOCK_FILE), JSON.stringify(live));
    await expect(t.run("failover", "unplanned")).rejects.toThrow(new RegExp(`by pid ${process.ppid} on host`));
    expect(fs.readFileSync(path.join(t.dir, LOCK_FILE), "utf8")).toBe(JSON.stringify(live));
  });

  it("counts a zombie holder (exited, not reaped) and a reused pid (another start time) as dead, a live one with its own start time as alive", async () => {
    // A zombie: a background `sleep 1` exits after its parent shell has exec'd into `sleep 30`, which never reaps it.
    const { spawn } = await import("node:child_process");
    const sh = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombie = await new Promise<number>((resolve) => sh.stdout!.once("data", (b: Buffer) => resolve(Number(String(b).trim()))));
    const state = () => {
      try {
        return fs.readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1][0];
      } catch {
        return "gone";
      }
    };
    try {
      await expect.poll(state, { timeout: 20_000, interval: 50 }).toBe("Z");
      const base = { host: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z", what: "dr failover (unplanned)", token: "t" };
      expect(holderIsDead({ ...base, pid: zombie })).toBe(true);
      // The shell's pid is alive; recorded with another start time it is another process (the pid was reused).
      const start = fs.readFileSync(`/proc/${sh.pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
      expect(holderIsDead({ ...base, pid: sh.pid!, procStart: start })).toBe(false);
      expect(holderIsDead({ ...base, pid: sh.pid!, procStart: String(Number(start) + 1) })).toBe(true);
      expect(holderIsDead({ ...base, pid: sh.pid! })).toBe(false);
      // Another host: never, whatever the pid.
      expect(holderIsDead({ ...base, host: "laptop-2.example", pid: zombie })).toBe(false);
    } finally {
      sh.kill("SIGKILL");
    }
  });

  it("a journal moved away under a run (archived by something else) stops the run instead of splitting its record into a new file", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    const r = t.run("failover", "unplanned", {
      beforeStep: (s: Step) => {
        if (s.id === "force-dns") fs.renameSync(path.join(t.dir, "failover.jsonl"), path.join(t.dir, "failover.moved.jsonl"));
      },
    });
    await expect(r).rejects.toThrow(/journal .*failover\.jsonl was moved away by something else while this run used it/);
    expect(fs.existsSync(path.join(t.dir, "failover.jsonl"))).toBe(false);
    expect(t.commands()).toEqual([]);
  });
});
