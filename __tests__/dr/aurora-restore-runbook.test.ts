// `dr restore` in the Aurora Global Database mode (issue 26 point 2): restore into a new cluster, then move the writer
// region's app to it (fence, the endpoints parameter, the fleet back, a write checked). The move's own cases:
// aurora-restore-move.test.ts.
// AWS APIs are stubbed (fake-aurora.ts + fake-aurora-restore.ts): no AWS API emulator runs on these machines, so
// these tests check the calls the AWS adapter makes and the runner's behaviour on a fake clock. The AWS behaviour
// relied on is cited in src/dr/aws-aurora-restore.ts and src/dr/aurora-restore-plan.ts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import type { ClusterProbe } from "../../src/dr/aws-aurora-restore";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import type { Step } from "../../src/dr/plan-model";
import { runRunbook } from "../../src/dr/runner";
import { FakeAurora, PRIMARY_CLUSTER, SECONDARY_CLUSTER } from "./fake-aurora";
import { FakeAuroraRestore } from "./fake-aurora-restore";

const MIN = 60_000;
const AURORA = { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" };
const STEPS = ["preflight", "restore-window", "restore-cluster", "create-instance", "verify-restored", "fence", "point-endpoints", "restore-fleet", "verify"];

function setup(overrides: { database?: Record<string, unknown>; runbook?: Record<string, unknown>; dns?: Record<string, unknown> } = {}, probe?: ClusterProbe) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-aurora-restore-"));
  const clock = new FakeClock();
  const fa = new FakeAurora(clock);
  const fr = new FakeAuroraRestore(fa);
  const config = resolveConfig({ database: { ...AURORA, ...overrides.database }, runbook: { ...overrides.runbook, journalDir: dir }, ...(overrides.dns ? { dns: overrides.dns } : {}) });
  const platformFor = (cfg: ValidConfig) => new AwsPlatform(cfg, fr.clients(), clock, fr.probe, { walFn: fa.aws.walFn, ...(probe ? { clusterProbe: probe } : {}) });
  const lines: string[] = [];
  const run = (toTime: number, extra: Partial<Parameters<typeof runRunbook>[0]> = {}, cfg: ValidConfig = config) =>
    runRunbook({ config: cfg, platform: platformFor(cfg), operation: "restore", mode: "planned", clock, log: (l) => lines.push(l), restore: { toTime }, ...extra });
  const stamp = new Date(clock.now()).toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return { dir, clock, fa, fr, aws: fa.aws, config, lines, run, target: `${PRIMARY_CLUSTER}-pitr-${stamp}` };
}

describe("dr restore, Aurora mode (stubbed AWS SDK): restore into a new cluster, journaled, then the move", () => {
  it("reads the window, restores into <member>-pitr-<stamp> with the member's settings, creates its instance, verifies it, then moves the app in the member's region only", async () => {
    const t = setup();
    const toTime = t.clock.now() - 30 * MIN;
    const r = await t.run(toTime);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(r.plan.steps.map((s) => s.id)).toEqual(STEPS);
    // The two requests, then the fence, the parameter and the fleet back, all in the member's region: no rename, no global-cluster call, nothing in us-west-1.
    expect(t.fr.changes()).toEqual(["RestoreDBClusterToPointInTimeCommand@us-east-2", "CreateDBInstanceCommand@us-east-2", "UpdateAutoScalingGroupCommand@us-east-2", "PutParameterCommand@us-east-2", "UpdateAutoScalingGroupCommand@us-east-2"]);
    expect(t.aws.calls.filter((c) => c.region !== "us-east-2" && c.client === "rds").map((c) => c.command)).toEqual([]);
    expect(t.fr.restores[0].input).toMatchObject({
      DBClusterIdentifier: t.target,
      SourceDBClusterIdentifier: PRIMARY_CLUSTER,
      RestoreToTime: new Date(toTime),
      RestoreType: "full-copy",
      DBSubnetGroupName: "drweb-prod-use2-db",
      VpcSecurityGroupIds: ["sg-use2-db"],
      DBClusterParameterGroupName: "drweb-prod-use2-aurora-pg16",
      KmsKeyId: "arn:aws:kms:us-east-2:123456789012:key/use2",
      Port: 5432,
      DeletionProtection: true,
      Tags: [{ Key: "project", Value: "drweb" }, { Key: "dr-restored-to", Value: new Date(toTime).toISOString() }],
    });
    expect(t.fr.creates[0].input).toMatchObject({
      DBInstanceIdentifier: `${t.target}-1`,
      DBClusterIdentifier: t.target,
      Engine: "aurora-postgresql",
      DBInstanceClass: "db.r6g.large",
      DBParameterGroupName: "drweb-prod-use2-aurora-instance-pg16",
      PubliclyAccessible: false,
      Tags: [{ Key: "dr-restored-cluster", Value: t.target }],
    });
    const out = t.lines.join("\n");
    expect(out).toMatch(/\[verify-restored\].*available, writer .*-pitr-\d{14}-1 available, endpoint .*-pitr-\d{14}\.cluster-abc\.us-east-2\.rds\.amazonaws\.com:5432; the data is not checked from the runbook host/);
    expect(JSON.parse(t.fr.param("us-east-2")!)).toEqual({ cluster: t.target, writer: `${t.target}.cluster-abc.us-east-2.rds.amazonaws.com`, reader: `${t.target}.cluster-ro-abc.us-east-2.rds.amazonaws.com`, port: 5432 });
    expect(out).toMatch(/\[verify\] 9\/9 wait ok .*on drweb-prod-use2-db-g1-cluster-pitr-\d{14}, writable true/);
    expect(out).not.toContain("NOT automated");
  });

  it("refuses a time outside the window with both times in the message, before anything is sent", async () => {
    for (const [name, at] of [["before the earliest", (n: number) => n - 8 * 24 * 60 * MIN], ["after the latest", (n: number) => n - 1 * MIN]] as const) {
      const t = setup();
      const now = t.clock.now();
      const r = await t.run(at(now));
      expect(r.ok, name).toBe(false);
      expect(r.failedStep).toBe("restore-window");
      expect(r.failure).toContain(`the restorable window is ${new Date(now - 7 * 24 * 60 * MIN).toISOString()} (earliest restorable time) to ${new Date(now - 5 * MIN).toISOString()} (latest restorable time)`);
      expect(t.fr.changes()).toEqual([]);
      expect(r.acted).toBe(false);
    }
  });

  it("--dry-run prints the steps, the requests and the epilogue; no AWS call, no journal", async () => {
    const t = setup();
    const r = await t.run(t.clock.now() - 30 * MIN, { dryRun: true });
    expect(r.ok).toBe(true);
    expect(t.aws.calls).toEqual([]);
    expect(fs.readdirSync(t.dir)).toEqual([]);
    const out = t.lines.join("\n");
    expect(out).toContain(`aws rds restore-db-cluster-to-point-in-time --region us-east-2 --source-db-cluster-identifier ${PRIMARY_CLUSTER} --db-cluster-identifier ${t.target}`);
    expect(out).toContain(`aws rds create-db-instance --region us-east-2 --db-cluster-identifier ${t.target} --db-instance-identifier ${t.target}-1 --engine aurora-postgresql --db-instance-class db.r6g.large`);
    expect(out).toContain(`aws ssm put-parameter --region us-east-2 --name /drweb-prod-use2/db/endpoints --type String --overwrite --value '{"cluster":"${t.target}","port":<its Port>,"reader":"<its ReaderEndpoint>","writer":"<its Endpoint>"}'`);
    expect(out).toContain("Dry run: nothing was changed and no journal was written.");
  });

  it("a restore that does not finish within runbook.restoreTimeoutMinutes fails; the next run resumes the wait without a second request", async () => {
    const t = setup({ runbook: { restoreTimeoutMinutes: 20 } });
    t.fr.restoreTakes = -1;
    const toTime = t.clock.now() - 30 * MIN;
    const r = await t.run(toTime);
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe("restore-cluster");
    expect(r.failure).toMatch(/timed out after 1200 s waiting for: .*-pitr-\d{14} is available/);
    expect(t.fr.changes()).toEqual(["RestoreDBClusterToPointInTimeCommand@us-east-2"]);
    t.fr.clusters.get(t.target)!.status = "available";
    t.clock.advance(5 * MIN); // a later stamp would be new names: the resumed run keeps the journal's
    const again = await t.run(toTime);
    expect(again.ok, again.failure ?? "").toBe(true);
    expect(again.resumed).toBe(true);
    expect(t.fr.restores).toHaveLength(1);
    expect(t.fr.creates.map((c) => c.input.DBClusterIdentifier)).toEqual([t.target]);
  });

  it("a run killed before each step resumes there: no request is ever sent twice, the journal's names are kept", async () => {
    for (const killAt of ["restore-cluster", "create-instance", "verify-restored", "fence", "point-endpoints", "restore-fleet", "verify"]) {
      const t = setup();
      const toTime = t.clock.now() - 30 * MIN;
      let first = true;
      const stop = (s: Step) => {
        if (s.id === killAt && first) {
          first = false;
          throw new Error("SIGINT");
        }
      };
      await expect(t.run(toTime, { beforeStep: stop })).rejects.toThrow("SIGINT");
      t.clock.advance(3 * MIN);
      if (killAt !== "restore-cluster") {
        // A resumed run with another time is refused: it would act on other clusters.
        await expect(t.run(toTime - MIN)).rejects.toThrow(/unfinished restore to .* \(restored instance .*-pitr-\d{14}\); run `dr restore --to-time/);
      }
      const again = await t.run(toTime);
      expect(again.ok, `${killAt}: ${again.failure ?? ""}`).toBe(true);
      // Killed before the restore request: nothing was sent, the next run starts afresh (new stamp); after it: the journal's names.
      const target = killAt === "restore-cluster" ? t.target.replace(/\d{14}$/, "20260101000300") : t.target;
      expect(t.fr.restores.map((x) => x.input.DBClusterIdentifier)).toEqual([target]);
      expect(t.fr.creates.map((x) => x.input.DBInstanceIdentifier)).toEqual([`${target}-1`]);
      expect(again.resumed).toBe(killAt !== "restore-cluster");
    }
  });

  it("a restore request with no answer (it may have been taken) is never sent again: the wait finds the cluster", async () => {
    const t = setup();
    const toTime = t.clock.now() - 30 * MIN;
    // The request reaches RDS (the cluster is created) but the answer is lost.
    t.aws.failWith = (c) => {
      if (c.command !== "RestoreDBClusterToPointInTimeCommand") return undefined;
      t.fr.clusters.set(t.target, { id: t.target, region: "us-east-2", status: "creating", pending: 2, instances: [] });
      return Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    };
    const r = await t.run(toTime);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(t.aws.calls.filter((c) => c.command === "RestoreDBClusterToPointInTimeCommand")).toHaveLength(1);
  });

  it("a cluster that already holds the target's name and that this run did not create stops the restore; nothing is sent", async () => {
    const t = setup();
    t.fr.clusters.set(t.target, { id: t.target, region: "us-east-2", status: "available", pending: 0, instances: [] });
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.failedStep).toBe("restore-cluster");
    expect(r.failure).toMatch(/already exists .* this run did not create it: start afresh \(--fresh\)/);
    expect(t.fr.changes()).toEqual([]);
  });

  it("the restored cluster deleted by someone while its instance is created stops at once (no wait to the timeout, no second CreateDBInstance)", async () => {
    const t = setup();
    t.fr.instanceTakes = -1;
    let polls = 0;
    const orig = t.aws.calls.push.bind(t.aws.calls);
    t.aws.calls.push = (...items) => {
      for (const c of items) if (c.command === "DescribeDBInstancesCommand" && c.input.DBInstanceIdentifier === `${t.target}-1` && ++polls === 3) t.fr.clusters.delete(t.target);
      return orig(...items);
    };
    const started = t.clock.now();
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.failedStep).toBe("create-instance");
    expect(r.failure).toMatch(/-pitr-\d{14} is gone .* cannot be created; production was not touched/);
    expect(t.clock.now() - started).toBeLessThan(10 * MIN);
    expect(t.fr.creates).toHaveLength(1);
  });

  it("a restore that ends failed stops at once, production untouched", async () => {
    const t = setup();
    t.fr.restoreEndsIn = "incompatible-restore";
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.failedStep).toBe("restore-cluster");
    expect(r.failure).toMatch(/is incompatible-restore .*the restore failed; production was not touched/);
    expect(t.fr.creates).toEqual([]);
  });

  it("CreateDBInstance refused once (a cluster-state race) is asked again at the next poll; refused every time it gives up after 3", async () => {
    const t = setup();
    let refusals = 1;
    t.aws.failWith = (c) => (c.command === "CreateDBInstanceCommand" && refusals-- > 0 ? Object.assign(new Error("cluster is modifying"), { name: "InvalidDBClusterStateFault", $metadata: { httpStatusCode: 400 } }) : undefined);
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(t.aws.calls.filter((c) => c.command === "CreateDBInstanceCommand")).toHaveLength(2);

    const u = setup();
    u.aws.failWith = (c) => (c.command === "CreateDBInstanceCommand" ? Object.assign(new Error("cluster is modifying"), { name: "InvalidDBClusterStateFault", $metadata: { httpStatusCode: 400 } }) : undefined);
    const r2 = await u.run(u.clock.now() - 30 * MIN);
    expect(r2.failedStep).toBe("create-instance");
    expect(r2.failure).toMatch(/refused CreateDBInstance .* 3 times in a row/);
  });

  it("the platform's probe of the restored data decides verify-restored: a probe that fails keeps it waiting until its timeout", async () => {
    let answers = 0;
    const t = setup({ runbook: { promoteTimeoutSeconds: 120 } }, async (p) => ({ ok: false, detail: `psql ${p.endpoint}: ${++answers} no rows` }));
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.failedStep).toBe("verify-restored");
    expect(r.failure).toMatch(/timed out after 120 s .*probe: psql .*-pitr-\d{14}\.cluster-abc/);
    const ok = setup({}, async () => ({ ok: true, detail: "SELECT count(*) FROM entries: 42" }));
    const r2 = await ok.run(ok.clock.now() - 30 * MIN);
    expect(r2.ok).toBe(true);
    expect(ok.lines.join("\n")).toContain("probe: SELECT count(*) FROM entries: 42");
  });

  it("failedOver: restores the secondary's member in us-west-1, and calls nothing in us-east-2", async () => {
    const t = setup({ database: { drState: "failedOver" }, dns: { forceFailover: true } });
    t.fa.secondaryIsWriter();
    const r = await t.run(t.clock.now() - 30 * MIN);
    expect(r.ok, r.failure ?? "").toBe(true);
    expect(t.fr.changes()).toEqual(["RestoreDBClusterToPointInTimeCommand@us-west-1", "CreateDBInstanceCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-west-1", "PutParameterCommand@us-west-1", "UpdateAutoScalingGroupCommand@us-west-1"]);
    expect(JSON.parse(t.fr.param("us-west-1")!).cluster).toBe(`${SECONDARY_CLUSTER}-pitr-${t.target.slice(-14)}`);
    expect(JSON.parse(t.fr.param("us-east-2")!).cluster).toBe(PRIMARY_CLUSTER);
    expect(t.fr.restores[0].input.SourceDBClusterIdentifier).toBe(SECONDARY_CLUSTER);
    expect(t.aws.calls.filter((c) => c.region === "us-east-2" && c.client === "rds")).toEqual([]);
  });

  it("through the CLI: exit 0 with the recording config block at the end; --region the other region exits 2 with nothing sent", async () => {
    const t = setup();
    const f = path.join(t.dir, "config.json");
    fs.writeFileSync(f, JSON.stringify({ database: AURORA, runbook: { journalDir: t.dir } }));
    const outs: string[] = [];
    const errs: string[] = [];
    const to = new Date(t.clock.now() - 30 * MIN).toISOString();
    const deps = { out: (l: string) => outs.push(l), err: (l: string) => errs.push(l), clients: t.fr.clients(), clock: t.clock, probe: t.fr.probe, credentials: async () => ({ accessKeyId: "AKIA", secretAccessKey: "x" }) };
    const bad = await main(["restore", "--to-time", to, "--region", "secondary", "--config", f], deps as never);
    expect(bad).toBe(2);
    expect(errs.join("\n")).toMatch(/dr restore --region secondary is not automated .* Nothing was changed\./);
    expect(t.aws.calls).toEqual([]);
    const code = await main(["restore", "--to-time", to, "--config", f], deps as never);
    expect(code, errs.join("\n")).toBe(0);
    expect(outs.join("\n")).toContain(`"database": { "restoredCluster": {"region":"primary","identifier":"${t.target}","writerEndpoint":"${t.target}.cluster-abc.us-east-2.rds.amazonaws.com"`);
    expect(t.fr.restores).toHaveLength(1);
  });
});
