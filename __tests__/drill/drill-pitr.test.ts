// Point-in-time recovery on real PostgreSQL (issue 26 point 3): the drill's WAL archive and base backup
// (src/drill/pitr.ts) and the runbook's local restore platform (src/dr/local-restore.ts). No AWS API is
// involved: the RDS calls (RestoreDBInstanceToPointInTime, ModifyDBInstance's rename) are the drill's
// stand-ins on a real primary, a real streaming replica and real archived WAL.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { hostsFileAddress, LocalRestorePlatform } from "../../src/dr/local-restore";
import { psql } from "../../src/dr/local-platform";
import { DrillEnvironment } from "../../src/drill/environment";
import { waitFor } from "../../src/drill/host-tools";
import { archiveTimeoutSeconds, lastCommitIn, PitrSim } from "../../src/drill/pitr";
import { Processes } from "../../src/drill/processes";

const CONFIG = resolveConfig({});
const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let processes: Processes;
let env: DrillEnvironment;
let sim: PitrSim;
/** Commit times of the rows (epoch ms, PostgreSQL's clock_timestamp() inside each transaction) and the target between them. */
let firstAt = 0;
let secondAt = 0;
let target = 0;

async function startDatabases(): Promise<void> {
  processes = new Processes();
  env = new DrillEnvironment({ root: ROOT, config: CONFIG, timeScale: 0.2, instances: 0, processes, log: () => undefined });
  sim = new PitrSim(env, CONFIG, { timeScale: 0.2, log: () => undefined });
  sim.configure();
  await env.startDatabasesOnly();
  sim.registerOriginals();
}

const rows = (port: number, host: string) => psql(port, "SELECT x FROM t ORDER BY x", "drweb", 5_000, host).then((o) => o.split("\n").filter(Boolean));

beforeAll(async () => {
  await startDatabases();
  const p = env.regions.primary.pgPort;
  await psql(p, "CREATE TABLE t (x text)", "drweb");
  firstAt = Number(await psql(p, "INSERT INTO t VALUES ('first') RETURNING floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)", "drweb"));
  await sleep(400);
  target = Date.now();
  await sleep(400);
  secondAt = Number(await psql(p, "INSERT INTO t VALUES ('second') RETURNING floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)", "drweb"));
  // The segment with the second row reaches both archives at the next switch (archive_timeout, 60 s here: forced now).
  await psql(p, "SELECT pg_switch_wal()");
  await waitFor("the second row's commit in the archive copy", 120_000, async () => ((await sim.latestArchivedCommit("secondary")).at ?? 0) >= secondAt).catch((e: Error) => {
    const log = path.join(env.dir, "postgres-primary.log");
    throw new Error(`${e.message}; archive: ${fs.readdirSync(path.join(sim.archiveOf("secondary"), "wal")).join(" ")}; primary's log: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-1500) : "none"}`);
  });
});

afterAll(async () => {
  await sim?.settle();
  await env?.stop(false);
  await processes?.stopAll();
});

describe("the drill's WAL archive (real PostgreSQL)", () => {
  it("scales RDS's 5-minute log upload into archive_timeout and reads commit times from pg_waldump's output", () => {
    expect(archiveTimeoutSeconds(0.1)).toBe(30);
    expect(archiveTimeoutSeconds(0.001)).toBe(1);
    expect(lastCommitIn("rmgr: Transaction len (rec/tot): 34/34, tx: 735, lsn: 0/01000F28, prev 0/01000EF0, desc: COMMIT 2026-12-06 23:40:01.123456 UTC\nrmgr: Transaction ... desc: COMMIT 2026-12-06 23:40:02.5 UTC")).toBe(Date.parse("2026-12-06T23:40:02.500Z"));
    expect(lastCommitIn("rmgr: XLOG desc: SWITCH")).toBeNull();
  });

  it("reports the window honestly: from the base backup's end to the newest ARCHIVED commit, in the writer's region and in the copy", async () => {
    for (const region of ["primary", "secondary"] as const) {
      const w = await sim.restorableWindow(region, { role: "primary", generation: 1 });
      expect(w.source).toBe(region === "primary" ? "instance" : "replicated");
      expect(w.earliest).not.toBeNull();
      expect(w.earliest!).toBeLessThan(firstAt);
      // The newest archived commit, not the clock: the second row's commit (no later commit was made and archived).
      expect(w.latest!).toBeGreaterThanOrEqual(secondAt - 5);
      expect(w.latest!).toBeLessThan(Date.now());
    }
    // Before its archive: a commit still in pg_wal is not restorable (the window does not reach it).
    const p = env.regions.primary.pgPort;
    const thirdAt = Number(await psql(p, "INSERT INTO t VALUES ('third') RETURNING floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)", "drweb"));
    const w = await sim.restorableWindow("primary", { role: "primary", generation: 1 });
    expect(w.latest!).toBeLessThan(thirdAt);
    await psql(p, "DELETE FROM t WHERE x = 'third'", "drweb");
  });

  it("refuses a time outside the window, naming the window", async () => {
    const w = await sim.restorableWindow("primary", { role: "primary", generation: 1 });
    const before = await sim.restoreToTime("primary", w, w.earliest! - 60_000, "too-early");
    expect(before.outcome).toBe("refused");
    expect(before.detail).toMatch(/outside the restorable window .*\.\. /);
    const after = await sim.restoreToTime("primary", w, Date.now() + 60_000, "too-late");
    expect(after.outcome).toBe("refused");
    expect((await sim.instance("primary", "too-early")).found).toBe(false);
  });

  it("restores to a time between two committed rows: the first is there, the second is not; promoted, writable; idempotent", async () => {
    const w = await sim.restorableWindow("primary", { role: "primary", generation: 1 });
    const a = await sim.restoreToTime("primary", w, target, "restored-primary");
    expect(a.outcome).toBe("requested");
    expect((await sim.restoreToTime("primary", w, target, "restored-primary")).outcome).toBe("exists");
    await waitFor("the restored instance to be available", 120_000, async () => (await sim.instance("primary", "restored-primary")).status !== "creating");
    const st = await sim.instance("primary", "restored-primary");
    expect(st).toMatchObject({ found: true, status: "available" });
    const at = sim.address("restored-primary")!;
    expect(at.address).not.toBe("127.0.0.1");
    expect(await rows(at.port, at.address)).toEqual(["first"]);
    await psql(at.port, "INSERT INTO t VALUES ('after-restore')", "drweb", 5_000, at.address);
    // The damaged writer still has both.
    expect(await rows(env.regions.primary.pgPort, "127.0.0.1")).toEqual(["first", "second"]);
  });

  it("moves the writer's name by renaming: the old holder keeps running under its new name; the runbook's database reads follow the name", async () => {
    const writer = sim.writerName("primary");
    const r1 = await sim.renameInstance("primary", writer, `${writer}-old`);
    expect(r1.outcome).toBe("requested");
    expect(hostsFileAddress(sim.hostsFile, writer)).toBeNull();
    const r2 = await sim.renameInstance("primary", "restored-primary", writer);
    expect(r2.outcome).toBe("requested");
    expect(hostsFileAddress(sim.hostsFile, writer)).toBe(sim.address(writer)!.address);
    expect(hostsFileAddress(sim.hostsFile, `${writer}-old`)).toBe("127.0.0.1");
    // Again: nothing sent.
    expect((await sim.renameInstance("primary", "restored-primary", writer)).outcome).toBe("exists");
    expect(await sim.instance("primary", `${writer}-old`)).toMatchObject({ found: true, status: "available" });
    const platform = new LocalRestorePlatform(
      CONFIG,
      { primary: { pgPort: env.regions.primary.pgPort, lbUrl: "http://127.0.0.1:1", webState: () => ({ desired: 0, healthy: 0, registered: 0, running: 0, detail: "" }), scale: () => undefined }, secondary: { pgPort: env.regions.secondary.pgPort, lbUrl: "http://127.0.0.1:1", webState: () => ({ desired: 0, healthy: 0, registered: 0, running: 0, detail: "" }), scale: () => undefined } },
      { healthChecks: () => [], putSwitchMetric: () => undefined, switchState: () => ({}) as never, verdict: () => ({}) as never },
      { appUser: "drweb", hostsFile: sim.hostsFile },
      sim,
    );
    const db = await platform.database("primary", 1);
    expect(db).toMatchObject({ dbRole: "writer", status: "available" });
    // Both are writers: the server's start time tells which one the runbook read (the restored one started last).
    const started = (host: string) => psql(env.regions.primary.pgPort, "SELECT round(EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000)", "postgres", 5_000, host).then(Number);
    const [restoredStart, damagedStart] = [await started(sim.address(writer)!.address), await started("127.0.0.1")];
    expect(restoredStart).not.toBe(damagedStart);
    expect(db.startedAt).toBe(restoredStart);
    // The read went to the restored instance: it has the row written after the restore, the old holder does not.
    expect(await rows(env.regions.primary.pgPort, sim.address(writer)!.address)).toContain("after-restore");
    expect(await rows(env.regions.primary.pgPort, "127.0.0.1")).not.toContain("after-restore");
    // The damaged instance isolated from the app (isolateInstance); the restored one is not; a replica has nothing to isolate.
    expect((await sim.instance("primary", `${writer}-old`)).isolated).toBe(false);
    expect(await sim.isolateInstance("primary", `${writer}-old`)).toMatch(/password replaced/);
    expect((await sim.instance("primary", `${writer}-old`)).isolated).toBe(true);
    expect((await sim.instance("primary", writer)).isolated).toBe(false);
    expect(await sim.isolateInstance("secondary", sim.writerName("secondary"))).toMatch(/read replica: .*nothing to isolate/);
    expect((await sim.instance("secondary", sim.writerName("secondary"))).isolated).toBeNull();
  });

  it("with the primary region's APIs down, restores in the secondary from the replicated copy", async () => {
    // Its APIs down (the database is left running: the restore reads only the copy in the secondary).
    env.regions.primary.apiUp = false;
    try {
      await expect(sim.restorableWindow("primary", { role: "primary", generation: 1 })).rejects.toThrow(/APIs do not answer/);
      const w = await sim.restorableWindow("secondary", { role: "primary", generation: 1 });
      expect(w).toMatchObject({ region: "secondary", source: "replicated" });
      expect((await sim.restoreToTime("secondary", w, target, "restored-secondary")).outcome).toBe("requested");
      await waitFor("the secondary's restore", 120_000, async () => (await sim.instance("secondary", "restored-secondary")).status !== "creating");
      expect((await sim.instance("secondary", "restored-secondary")).status).toBe("available");
      const at = sim.address("restored-secondary")!;
      expect(at.port).toBe(env.regions.secondary.pgPort);
      expect(await rows(at.port, at.address)).toEqual(["first"]);
    } finally {
      env.regions.primary.apiUp = true;
    }
  });
});

describe("a restore from an archive with a gap (real PostgreSQL)", () => {
  it("fails visibly (incompatible-restore, with the server's reason) and never opens data from before the gap as the restored writer", async () => {
    // Later segments with commits: two more switches.
    const p = env.regions.primary.pgPort;
    let lastAt = 0;
    for (const x of ["later-1", "later-2"]) {
      lastAt = Number(await psql(p, `INSERT INTO t VALUES ('${x}') RETURNING floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)`, "drweb"));
      await psql(p, "SELECT pg_switch_wal()");
    }
    await waitFor("the later segments in the archive", 120_000, async () => ((await sim.latestArchivedCommit("primary")).at ?? 0) >= lastAt);
    const wal = path.join(sim.archiveOf("primary"), "wal");
    const inBase = fs.readdirSync(path.join(sim.archiveOf("primary"), "base", "pg_wal")).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
    const next = fs.readdirSync(wal).filter((f) => /^[0-9A-F]{24}$/.test(f) && f > inBase[inBase.length - 1]).sort()[0];
    expect(next, "a segment archived after the base backup").toBeDefined();
    fs.rmSync(path.join(wal, next));
    const w = await sim.restorableWindow("primary", { role: "primary", generation: 1 });
    // The window cannot see a gap (RDS's cannot either): the request is taken, recovery stops at the gap.
    const a = await sim.restoreToTime("primary", w, target, "restored-gap");
    expect(a.outcome, a.detail).toBe("requested");
    await waitFor("the gapped restore to end", 120_000, async () => (await sim.instance("primary", "restored-gap")).status !== "creating");
    const st = await sim.instance("primary", "restored-gap");
    expect(st.status).toBe("incompatible-restore");
    expect(st.detail).toMatch(/FATAL: +recovery ended before configured recovery target was reached/);
  });
});
