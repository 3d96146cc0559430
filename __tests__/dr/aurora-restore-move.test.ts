// `dr restore` in the Aurora mode, the move (issue 26): fence the writer region's fleet, point its database endpoints
// parameter (src/database/endpoints-parameter.ts) to the restored cluster, restore the fleet, verify a write; the
// recording config block; the Aurora failover's refusals while a restore is recorded or unrecorded. AWS APIs are
// stubbed (fake-aws.ts, fake-aurora.ts, fake-aurora-restore.ts: SSM Parameter Store, RDS, Auto Scaling, and the app
// through its entry point as it runs on the cluster its region's parameter named when its instances started): no AWS
// API emulator runs on these machines. The AWS behaviour relied on is cited in src/dr/aws-endpoints-parameter.ts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfigFile, resolveConfig, type ValidConfig } from "../../src/config";
import { encodeEndpoints } from "../../src/database/endpoints-parameter";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import type { Step } from "../../src/dr/plan-model";
import { runRunbook } from "../../src/dr/runner";
import { collectStatus, renderStatus, statusExitCode } from "../../src/dr/status";
import { RunnerError } from "../../src/dr/run-options";
import { FakeAurora, PRIMARY_CLUSTER } from "./fake-aurora";
import { FakeAuroraRestore } from "./fake-aurora-restore";

const MIN = 60_000;
const AURORA = { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" };
const PARAM = "/drweb-prod-use2/db/endpoints";
const MOVE = ["fence", "point-endpoints", "restore-fleet", "verify"];

function setup(database: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-aurora-move-"));
  const clock = new FakeClock();
  const fa = new FakeAurora(clock);
  const fr = new FakeAuroraRestore(fa);
  const config = resolveConfig({ database: { ...AURORA, ...database }, runbook: { journalDir: dir } });
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, fr.clients(), clock, fr.probe, { walFn: fa.aws.walFn });
  const lines: string[] = [];
  const toTime = clock.now() - 30 * MIN;
  const run = (extra: Partial<Parameters<typeof runRunbook>[0]> = {}, cfg: ValidConfig = config) =>
    runRunbook({ config: cfg, platform: platformFor(cfg), operation: "restore", mode: "planned", clock, log: (l) => lines.push(l), restore: { toTime }, ...extra });
  const stamp = new Date(clock.now()).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const target = `${PRIMARY_CLUSTER}-pitr-${stamp}`;
  const targetValue = { cluster: target, writer: `${target}.cluster-abc.us-east-2.rds.amazonaws.com`, reader: `${target}.cluster-ro-abc.us-east-2.rds.amazonaws.com`, port: 5432 };
  const puts = () => fa.aws.calls.filter((c) => c.command === "PutParameterCommand" && c.input.Name === PARAM);
  const param = () => JSON.parse(fr.param("us-east-2")!);
  return { dir, clock, fa, fr, aws: fa.aws, config, lines, run, target, targetValue, puts, param, platformFor };
}

const killBefore = (id: string) => {
  let first = true;
  return (s: Step) => {
    if (s.id === id && first) {
      first = false;
      throw new Error("SIGINT");
    }
  };
};

/** A restored cluster in the secondary region (its identifier as `dr restore` would name it). */
const SECONDARY_RESTORED = "drweb-prod-usw1-db-g1-cluster-pitr-20261206234005";

describe("dr restore, Aurora mode: the move (stubbed AWS SDK)", () => {
  it("runs to done: the fleet fenced, the parameter names the restored cluster (its endpoints from AWS), the fleet back on it and a write verified", async () => {
    const t = setup();
    const r = await t.run();
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(r.plan.steps.map((s) => s.id).slice(-4)).toEqual(MOVE);
    expect(t.param()).toEqual(t.targetValue);
    expect(t.puts().map((c) => c.input)).toEqual([{ Name: PARAM, Value: encodeEndpoints(t.targetValue), Type: "String", Overwrite: true }]);
    // The fleet restarted on the restored cluster, and only us-east-2 was written to (no call of any kind in us-west-1's SSM but the lease).
    expect(t.fr.fleetCluster["us-east-2"]).toBe(t.target);
    expect(t.aws.calls.filter((c) => c.client === "ssm" && c.region !== "us-east-2" && !String(c.input.Name).includes("/dr/runbook/")).map((c) => c.command)).toEqual([]);
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[verify\] 9\/9 wait ok .*on drweb-prod-use2-db-g1-cluster-pitr-\d{14}, writable true/);
    // The point-back command with the member's real value, printed at the end.
    expect(out).toContain(`aws ssm put-parameter --region us-east-2 --name ${PARAM} --type String --overwrite --value '{"cluster":"${PRIMARY_CLUSTER}","port":5432,"reader":"${PRIMARY_CLUSTER}.cluster-ro-abc.us-east-2.rds.amazonaws.com","writer":"${PRIMARY_CLUSTER}.cluster-abc.us-east-2.rds.amazonaws.com"}'`);
  });

  it("a run killed before each step of the move resumes there: one PutParameter at most, the same value, and the fleet ends on the restored cluster", async () => {
    for (const killAt of MOVE) {
      const t = setup();
      await expect(t.run({ beforeStep: killBefore(killAt) })).rejects.toThrow("SIGINT");
      t.clock.advance(2 * MIN);
      const again = await t.run();
      expect(again.ok, `${killAt}: ${again.failure ?? ""}`).toBe(true);
      expect(again.resumed).toBe(true);
      expect(t.puts(), killAt).toHaveLength(1);
      expect(t.param(), killAt).toEqual(t.targetValue);
      expect(t.fr.fleetCluster["us-east-2"], killAt).toBe(t.target);
      expect(t.fr.restores, killAt).toHaveLength(1);
    }
  });

  it("a PutParameter whose answer is lost: taken -> read back, not sent again; not taken -> sent again with the same value", async () => {
    const taken = setup();
    taken.aws.failWith = (c) => {
      if (c.command !== "PutParameterCommand" || c.input.Name !== PARAM) return undefined;
      taken.fr.setParam("us-east-2", String(c.input.Value)); // SSM took it; the answer never came back
      taken.aws.failWith = null;
      return Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    };
    const r = await taken.run();
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(taken.puts()).toHaveLength(1);
    expect(taken.lines.join("\n")).toMatch(/\[point-endpoints\].*action: unknown: SSM PutParameter \/drweb-prod-use2\/db\/endpoints \(us-east-2\): no answer/);

    const lost = setup();
    lost.aws.failWith = (c) => {
      if (c.command !== "PutParameterCommand" || c.input.Name !== PARAM) return undefined;
      lost.aws.failWith = null; // lost on the way: SSM never saw it
      return Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    };
    const r2 = await lost.run();
    expect(r2.ok, r2.failure ?? "").toBe(true);
    expect(lost.puts().map((c) => c.input.Value)).toEqual([encodeEndpoints(lost.targetValue), encodeEndpoints(lost.targetValue)]);
    expect(lost.param()).toEqual(lost.targetValue);
  });

  it("a parameter someone else changed between two runs is refused with what it names; nothing is written and the fence stays (a fleet restored now would start on it)", async () => {
    const t = setup();
    await expect(t.run({ beforeStep: killBefore("point-endpoints") })).rejects.toThrow("SIGINT");
    const theirs = { cluster: "someone-elses-cluster", writer: "x.cluster-abc.us-east-2.rds.amazonaws.com", reader: "x.cluster-ro-abc.us-east-2.rds.amazonaws.com", port: 5432 };
    t.fr.setParam("us-east-2", JSON.stringify(theirs));
    const r = await t.run();
    expect(r.failedStep).toBe("point-endpoints");
    expect(r.failure).toContain(`${PARAM} (us-east-2): cluster someone-elses-cluster`);
    expect(r.failure).toContain("it names neither the member drweb-prod-use2-db-g1-cluster nor the restored");
    expect(t.puts()).toEqual([]);
    expect(t.param()).toEqual(theirs);
    expect(r.rolledBack).not.toBe(true);
    expect(t.aws.desired["us-east-2"]).toBe(0);
    expect(t.lines.join("\n")).toMatch(/\[rollback\] NOT rolling back: .*not the member drweb-prod-use2-db-g1-cluster: a fleet restored now would start on it/);
  });

  it("a missing or foreign parameter is refused at preflight, before anything is restored; a platform without the endpoints parameter too, with a clear message", async () => {
    const t = setup();
    t.fr.setParam("us-east-2", undefined);
    const r = await t.run();
    expect(r.failedStep).toBe("preflight");
    expect(r.failure).toContain(`no SSM parameter ${PARAM} in us-east-2 (ParameterNotFound): the move would refuse it`);
    expect(t.fr.changes()).toEqual([]);

    const u = setup();
    const p = u.platformFor(u.config);
    (p as unknown as { endpointsParameter?: unknown }).endpointsParameter = undefined;
    const r2 = await runRunbook({ config: u.config, platform: p, operation: "restore", mode: "planned", clock: u.clock, log: () => undefined, restore: { toTime: u.clock.now() - 30 * MIN } });
    expect(r2.failedStep).toBe("preflight");
    expect(r2.failure).toContain("the aws platform has no database endpoints parameter (EndpointsParameterPlatform: endpointsParameter, putEndpointsParameter): dr restore's move (Aurora mode) needs it");
    expect(u.fr.changes()).toEqual([]);
  });

  it("a parameter deleted between two runs is refused at point-endpoints (the runbook does not create it)", async () => {
    const t = setup();
    await expect(t.run({ beforeStep: killBefore("point-endpoints") })).rejects.toThrow("SIGINT");
    t.fr.setParam("us-east-2", undefined);
    const r = await t.run();
    expect(r.failedStep).toBe("point-endpoints");
    expect(r.failure).toContain(`no SSM parameter ${PARAM} in us-east-2 (ParameterNotFound): the us-east-2 stack creates it`);
    expect(t.puts()).toEqual([]);
  });

  it("the fence lifted before point-endpoints (someone scaled the fleet up): refused, nothing written, the fleet restored on the member by the roll-back", async () => {
    const t = setup();
    const r = await t.run({
      beforeStep: (s) => {
        if (s.id === "point-endpoints") t.aws.desired["us-east-2"] = 2;
      },
    });
    expect(r.failedStep).toBe("point-endpoints");
    expect(r.failure).toMatch(/precondition not met: .*the primary fleet is no longer fenced/);
    expect(t.puts()).toEqual([]);
    expect(r.rolledBack).toBe(true);
    expect(t.param().cluster).toBe(PRIMARY_CLUSTER);
    expect(t.aws.desired["us-east-2"]).toBe(3);
  });

  it("--dry-run lists the move's steps and the PutParameter request, and the recording block with placeholders; nothing is called", async () => {
    const t = setup();
    const r = await t.run({ dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]);
    const out = t.lines.join("\n");
    for (const title of [
      "Fence writes in us-east-2 (primary): web fleet to zero",
      `Point the us-east-2 fleet's database endpoints parameter ${PARAM} to ${t.target}`,
      "Restore the web fleet in us-east-2 (primary) to 3",
      "Verify us-east-2 (primary) serves writes",
    ])
      expect(out).toContain(title);
    expect(out).toContain(`aws ssm put-parameter --region us-east-2 --name ${PARAM} --type String --overwrite --value '{"cluster":"${t.target}","port":<its Port>,"reader":"<its ReaderEndpoint>","writer":"<its Endpoint>"}'`);
    expect(out).toContain(`"database": { "restoredCluster": {"region": "primary", "identifier": "${t.target}", "writerEndpoint": "<${t.target}'s cluster endpoint>"`);
  });
});

describe("the recording block and the Aurora failover's refusals", () => {
  it("the block the CLI prints parses with the project's config loader; then failover is refused (exit 2) and readiness says so (not ready: failover would be refused)", async () => {
    const t = setup();
    const f = path.join(t.dir, "config.json");
    const base = { database: AURORA, runbook: { journalDir: t.dir, roleArn: "arn:aws:iam::123456789012:role/drweb-prod-dr-runbook" } };
    fs.writeFileSync(f, JSON.stringify(base));
    const outs: string[] = [];
    const errs: string[] = [];
    const deps = { out: (l: string) => outs.push(l), err: (l: string) => errs.push(l), clients: t.fr.clients(), clock: t.clock, probe: t.fr.probe, credentials: async () => ({ accessKeyId: "AKIA", secretAccessKey: "x" }) };
    expect(await main(["restore", "--to-time", new Date(t.clock.now() - 30 * MIN).toISOString(), "--config", f], deps as never), errs.join("\n")).toBe(0);
    const line = outs.find((l) => l.trim().startsWith('"database": { "restoredCluster"'));
    expect(line, outs.join("\n")).toBeDefined();
    const block = JSON.parse(`{${line!.trim()}}`) as { database: { restoredCluster: Record<string, string> } };
    expect(block.database.restoredCluster).toEqual({ region: "primary", identifier: t.target, writerEndpoint: t.targetValue.writer, readerEndpoint: t.targetValue.reader });
    fs.writeFileSync(f, JSON.stringify({ ...base, database: { ...AURORA, ...block.database } }));
    const recorded = loadConfigFile(f);
    expect(recorded.database.restoredCluster).toEqual(block.database.restoredCluster);

    errs.length = 0;
    const before = t.fa.mutations().length;
    expect(await main(["failover", "--to", "secondary", "--planned", "--config", f], deps as never)).toBe(2);
    expect(errs.join("\n")).toMatch(/dr failover \(planned\) in the Aurora mode is refused: config database\.restoredCluster records .* drweb-prod-usw1-db-g1-cluster still replicates the damaged global primary .* Fix: rebuild the global database around/);
    expect(t.fa.mutations().slice(before)).toEqual([]);

    outs.length = 0;
    await main(["readiness", "--json", "--config", f], deps as never);
    const ready = JSON.parse(outs.join("\n")) as { ready: boolean; checks: Array<{ id: string; status: string; detail: string; fix?: string }> };
    // Readiness tells before an incident that failover will not work: the same refusal, and the way out.
    expect(ready.ready).toBe(false);
    expect(ready.checks.find((c) => c.id === "endpoints-parameter")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining(`dr failover is refused: config database.restoredCluster records that \`dr restore\` moved the primary region's app to the restored cluster ${t.target}`),
      fix: expect.stringContaining(`rebuild a global database around ${t.target}`),
    });
  });

  it("failover, switchover and failback plans refuse a recorded restore before anything is read (also --dry-run)", async () => {
    const t = setup();
    const recorded = resolveConfig({ database: { ...AURORA, restoredCluster: { region: "primary", identifier: t.target, writerEndpoint: t.targetValue.writer, readerEndpoint: t.targetValue.reader } }, runbook: { journalDir: t.dir } });
    for (const [operation, mode, cfg] of [
      ["failover", "planned", recorded],
      ["failover", "unplanned", recorded],
      ["failback", "planned", resolveConfig({ database: { ...AURORA, drState: "failback", restoredCluster: { region: "secondary", identifier: SECONDARY_RESTORED, writerEndpoint: `${SECONDARY_RESTORED}.cluster-c9akciq32lzp.us-west-1.rds.amazonaws.com`, readerEndpoint: `${SECONDARY_RESTORED}.cluster-ro-c9akciq32lzp.us-west-1.rds.amazonaws.com` } }, dns: { forceFailover: true }, runbook: { journalDir: t.dir } })],
    ] as const) {
      for (const dryRun of [true, false]) {
        const p = runRunbook({ config: cfg, platform: t.platformFor(cfg), operation, mode, clock: t.clock, log: () => undefined, dryRun });
        await expect(p, `${operation} ${mode}`).rejects.toBeInstanceOf(RunnerError);
        await expect(p).rejects.toThrow(/is refused: config database\.restoredCluster records .* a failover or switchover would make the damaged data the writer again/);
      }
    }
    expect(t.aws.calls.filter((c) => c.client === "rds" || c.command === "UpdateAutoScalingGroupCommand")).toEqual([]);
  });

  it("an unrecorded restore (a parameter naming another cluster) stops the failover preflight; the unplanned one reads the surviving region's parameter only", async () => {
    const t = setup();
    t.fr.setParam("us-east-2", JSON.stringify(t.targetValue));
    const planned = await runRunbook({ config: t.config, platform: t.platformFor(t.config), operation: "failover", mode: "planned", clock: t.clock, log: () => undefined });
    expect(planned.failedStep).toBe("preflight");
    expect(planned.failure).toContain(`${PARAM} (us-east-2) names ${t.target} (writer ${t.targetValue.writer}), not ${PRIMARY_CLUSTER} (the region's member cluster): a \`dr restore\` moved this region's app and the config does not record it`);
    expect(t.fa.mutations()).toEqual([]);

    // Unplanned: the surviving region's parameter naming another cluster stops the preflight.
    const u = setup();
    u.fr.setParam("us-west-1", JSON.stringify({ ...u.targetValue, cluster: SECONDARY_RESTORED }));
    u.aws.hc("hc-primary").healthy = false;
    const unplanned = await runRunbook({ config: u.config, platform: u.platformFor(u.config), operation: "failover", mode: "unplanned", clock: u.clock, log: () => undefined });
    expect(unplanned.failedStep).toBe("preflight");
    expect(unplanned.failure).toContain("the config does not record it");
    expect(u.fa.mutations()).toEqual([]);

    // The failed region's parameter is never read by the unplanned preflight (REL11-BP04): an unrecorded restore there
    // is not seen (database.restoredCluster and dr readiness cover it), and nothing is asked of us-east-2's SSM.
    const d = setup();
    d.fr.setParam("us-east-2", JSON.stringify(d.targetValue));
    d.aws.hc("hc-primary").healthy = false;
    const lines: string[] = [];
    await runRunbook({ config: d.config, platform: d.platformFor(d.config), operation: "failover", mode: "unplanned", clock: d.clock, log: (l) => lines.push(l), beforeStep: (s) => {
      if (s.id === "confirm-outage") throw new Error("stop here");
    } }).catch(() => undefined);
    expect(lines.join("\n")).toMatch(/\[preflight\] 1\/\d+ precondition ok: .*\/drweb-prod-usw1\/db\/endpoints \(us-west-1\) names drweb-prod-usw1-db-g1-cluster/);
    expect(d.aws.calls.filter((c) => c.client === "ssm" && c.region === "us-east-2")).toEqual([]);
  });
});

describe("dr status (Aurora mode): the cluster each region's fleet uses (the endpoints parameter)", () => {
  it("shows it per region; an unrecorded restore is a mismatch (exit 3), a recorded one a warning (failover refused), a missing parameter a warning, an unreadable one a read error (exit 4)", async () => {
    const t = setup();
    const s0 = await collectStatus(t.config, t.platformFor(t.config));
    expect(s0.verdict).toBe("agree");
    const text0 = renderStatus(s0).join("\n");
    expect(text0).toContain(`  app uses: ${PARAM} (us-east-2) names ${PRIMARY_CLUSTER} (writer ${PRIMARY_CLUSTER}.cluster-abc.us-east-2.rds.amazonaws.com): the region's member cluster`);
    expect(text0).toContain("  app uses: /drweb-prod-usw1/db/endpoints (us-west-1) names drweb-prod-usw1-db-g1-cluster");

    // The runbook moved the app (the parameter names the restored cluster) and the config does not record it.
    t.fr.setParam("us-east-2", JSON.stringify(t.targetValue));
    const s1 = await collectStatus(t.config, t.platformFor(t.config));
    expect(s1.verdict).toBe("mismatch");
    expect(statusExitCode(s1)).toBe(3);
    expect(s1.mismatches.join("\n")).toContain(`${PARAM} (us-east-2) names ${t.target} (writer ${t.targetValue.writer}), not ${PRIMARY_CLUSTER} (the region's member cluster): a \`dr restore\` moved the primary app and the config does not record it. Record it (database.restoredCluster`);

    // Recorded: agree, with the warning that every failover is refused until a rebuild.
    const recorded = resolveConfig({ database: { ...AURORA, restoredCluster: { region: "primary", identifier: t.target, writerEndpoint: t.targetValue.writer, readerEndpoint: t.targetValue.reader } }, runbook: { journalDir: t.dir } });
    const s2 = await collectStatus(recorded, t.platformFor(recorded));
    expect(s2.verdict).toBe("agree");
    expect(renderStatus(s2).join("\n")).toContain(`  app uses: ${PARAM} (us-east-2) names ${t.target} (writer ${t.targetValue.writer}): the restored cluster database.restoredCluster records`);
    expect(s2.warnings.join("\n")).toContain(`dr failover is refused: config database.restoredCluster records that \`dr restore\` moved the primary region's app to the restored cluster ${t.target}`);

    // Missing in the secondary: a warning (its new instances would not start); unreadable: a read error.
    t.fr.setParam("us-west-1", undefined);
    const s3 = await collectStatus(t.config, t.platformFor(t.config));
    expect(s3.warnings.join("\n")).toContain("/drweb-prod-usw1/db/endpoints (us-west-1) does not exist");
    expect(s3.warnings.join("\n")).toContain("the secondary region's new app instances would not start");
    t.aws.failWith = (c) => (c.client === "ssm" && c.region === "us-west-1" && c.command === "GetParameterCommand" ? Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }) : undefined);
    const s4 = await collectStatus(t.config, t.platformFor(t.config));
    expect(s4.readErrors.map((e) => e.what)).toContain("us-west-1 database endpoints parameter /drweb-prod-usw1/db/endpoints");
    expect(renderStatus(s4).join("\n")).toContain("  app uses: /drweb-prod-usw1/db/endpoints: could not be read (");
    expect(t.fa.mutations()).toEqual([]);
  });
});
