// The Aurora mode's `dr restore` on real PostgreSQL: the runbook's local Aurora platform
// (src/dr/local-aurora-platform.ts) over the drill's stand-in (src/drill/aurora-restore.ts), which restores the
// writer member with the RDS mode's WAL archive, base backup and recovery_target_time (src/drill/pitr.ts), and the
// database endpoints parameter's stand-in file (src/dr/local-endpoints-parameter.ts). No AWS API is involved: the
// RDS and SSM calls (RestoreDBClusterToPointInTime, CreateDBInstance, GetParameter, PutParameter) are the drill's
// stand-ins on a real primary, a real streaming replica and real archived WAL.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { regionClusterIdentifier } from "../../src/database/aurora-contract";
import { endpointsParameterName } from "../../src/database/endpoints-parameter";
import { LocalAuroraPlatform } from "../../src/dr/local-aurora-platform";
import { hostsFileAddress } from "../../src/dr/local-restore";
import { psql } from "../../src/dr/local-platform";
import { AuroraSim, auroraDrillConfig, auroraEndpoints, clusterEndpoints } from "../../src/drill/aurora";
import { AuroraRestoreSim } from "../../src/drill/aurora-restore";
import { DrillEnvironment } from "../../src/drill/environment";
import { waitFor } from "../../src/drill/host-tools";
import { PitrSim } from "../../src/drill/pitr";
import { Processes } from "../../src/drill/processes";

const CONFIG = auroraDrillConfig(resolveConfig({}));
const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MEMBER = regionClusterIdentifier(CONFIG, "primary");
const REGION = CONFIG.regions.primary.region;

let processes: Processes;
let env: DrillEnvironment;
let aurora: AuroraSim;
let platform: LocalAuroraPlatform;
/** Before the DELETE (epoch ms): the restore's target. */
let target = 0;

const noWeb = { webState: () => ({ desired: 0, healthy: 0, registered: 0, running: 0, detail: "" }), scale: () => undefined };

beforeAll(async () => {
  processes = new Processes();
  env = new DrillEnvironment({ root: ROOT, config: CONFIG, timeScale: 0.2, instances: 0, processes, log: () => undefined });
  const pitr = new PitrSim(env, CONFIG, { timeScale: 0.2, log: () => undefined });
  pitr.configureArchiving();
  aurora = new AuroraSim(env, CONFIG, { timeScale: 0.2, log: () => undefined });
  // The databases alone (no app, no load balancer), with the base backup.
  await env.startDatabasesOnly();
  platform = new LocalAuroraPlatform(
    CONFIG,
    { primary: { pgPort: env.regions.primary.pgPort, lbUrl: "http://127.0.0.1:1", ...noWeb }, secondary: { pgPort: env.regions.secondary.pgPort, lbUrl: "http://127.0.0.1:1", ...noWeb } },
    { healthChecks: () => [], putSwitchMetric: () => undefined, switchState: () => ({}) as never, verdict: () => ({}) as never },
    { appUser: "drweb" },
    aurora,
    new AuroraRestoreSim(env, CONFIG, aurora, pitr),
  );
  const p = env.regions.primary.pgPort;
  await psql(p, "CREATE TABLE notes (title text)", "drweb");
  await psql(p, "INSERT INTO notes SELECT 'before-' || g FROM generate_series(1, 20) g", "drweb");
  await sleep(300);
  target = Date.now();
  await sleep(300);
  // The bad write, then a commit after it, archived (archive_timeout is 60 s here: the segment switch forced now).
  const deletedAt = Number(await psql(p, "WITH d AS (DELETE FROM notes RETURNING 1) SELECT floor(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) FROM d LIMIT 1", "drweb"));
  await psql(p, "SELECT pg_switch_wal()");
  await waitFor("the DELETE's commit in the archive", 120_000, async () => ((await pitr.latestArchivedCommit("primary")).at ?? 0) >= deletedAt - 5);
});

afterAll(async () => {
  await aurora?.stop();
  await env?.stop(false);
  await processes?.stopAll();
});

describe("the Aurora mode's restore on the drill (real PostgreSQL)", () => {
  it("reads the writer member's window from the archive, refuses a time outside it, and knows no backups of other clusters", async () => {
    const w = await platform.clusterRestoreWindow("primary", MEMBER);
    expect(w.sourceRef).toBe(MEMBER);
    expect(w.earliest!).toBeLessThan(target);
    expect(w.latest!).toBeGreaterThan(target);
    const early = await platform.restoreClusterToTime("primary", MEMBER, w.earliest! - 60_000, `${MEMBER}-pitr-early`);
    expect(early.outcome).toBe("refused");
    expect(early.detail).toMatch(/InvalidRestoreFault .*outside the restorable window/);
    const late = await platform.restoreClusterToTime("primary", MEMBER, Date.now() + 60_000, `${MEMBER}-pitr-late`);
    expect(late.outcome).toBe("refused");
    expect((await platform.cluster("primary", `${MEMBER}-pitr-early`)).found).toBe(false);
    // The secondary member's window is empty (the drill archives the primary member only); an unknown cluster is not found.
    expect((await platform.clusterRestoreWindow("secondary", regionClusterIdentifier(CONFIG, "secondary"))).latest).toBeNull();
    expect((await platform.cluster("primary", "no-such-cluster")).found).toBe(false);
    expect((await platform.restoreClusterToTime("primary", "no-such-cluster", target, "x-pitr")).outcome).toBe("refused");
  });

  it("restores the member to a time before a DELETE into a new cluster: the rows are back there; its endpoints resolve once its instance exists; the damaged member is untouched", async () => {
    const id = `${MEMBER}-pitr-1`;
    const inst = `${id}-1`;
    const a = await platform.restoreClusterToTime("primary", MEMBER, target, id);
    expect(a.outcome, a.detail).toBe("requested");
    expect((await platform.restoreClusterToTime("primary", MEMBER, target, id)).outcome).toBe("exists");
    // No instance before the cluster is available.
    const early = await platform.createClusterInstance("primary", id, inst, CONFIG.database.instanceClass, MEMBER);
    if ((await platform.cluster("primary", id)).status !== "available") expect(early.outcome).toBe("not-sent");
    await waitFor("the restored cluster to be available", 120_000, async () => (await platform.cluster("primary", id)).status !== "creating");
    const c = await platform.cluster("primary", id);
    expect(c).toMatchObject({ found: true, status: "available", globalClusterIdentifier: null, port: env.regions.primary.pgPort });
    const e = clusterEndpoints(id, REGION);
    expect(c.endpoint).toBe(e.cluster);
    expect(c.readerEndpoint).toBe(e.reader);
    expect(c.endpoint).toMatch(new RegExp(`^${id}\\.cluster-[a-z0-9]+\\.${REGION}\\.rds\\.amazonaws\\.com$`));
    expect(hostsFileAddress(aurora.hostsFile, e.cluster)).toBeNull();
    expect((await platform.verifyRestoredCluster("primary", id)).ok).toBe(false);
    const created = await platform.createClusterInstance("primary", id, inst, CONFIG.database.instanceClass, MEMBER);
    expect(created.outcome, created.detail).toBe("requested");
    expect((await platform.createClusterInstance("primary", id, inst, CONFIG.database.instanceClass, MEMBER)).outcome).toBe("exists");
    expect(await platform.instance("primary", inst)).toMatchObject({ found: true, status: "available" });
    expect((await platform.cluster("primary", id)).writerInstance).toBe(inst);
    // The endpoints resolve to the restored server (not the member's), and the members' names are unchanged.
    const address = hostsFileAddress(aurora.hostsFile, e.cluster);
    expect(address).not.toBeNull();
    expect(address).not.toBe("127.0.0.1");
    expect(hostsFileAddress(aurora.hostsFile, e.reader)).toBe(address);
    expect(hostsFileAddress(aurora.hostsFile, auroraEndpoints(CONFIG, "primary").cluster)).toBe("127.0.0.1");
    const v = await platform.verifyRestoredCluster("primary", id);
    expect(v.ok, v.detail).toBe(true);
    expect(v.detail).toMatch(/a writer, 20 notes/);
    const count = (host: string) => psql(env.regions.primary.pgPort, "SELECT count(*) FROM notes", "drweb", 5_000, host);
    expect(await count(address!)).toBe("20");
    expect(await count("127.0.0.1")).toBe("0");
    // Writable, and a write there does not reach the damaged member.
    await psql(env.regions.primary.pgPort, "INSERT INTO notes VALUES ('after-restore')", "drweb", 5_000, address!);
    expect(await count("127.0.0.1")).toBe("0");
    // A rewrite of the members' endpoints (a switchover would do it) keeps the restored cluster's names.
    aurora.addHosts({});
    expect(hostsFileAddress(aurora.hostsFile, e.cluster)).toBe(address);
  });

  it("answers like AWS when the region is down: every call in it times out", async () => {
    env.regions.primary.apiUp = false;
    try {
      await expect(platform.clusterRestoreWindow("primary", MEMBER)).rejects.toThrow(/us-east-2's APIs do not answer/);
      await expect(platform.cluster("primary", MEMBER)).rejects.toMatchObject({ name: "TimeoutError" });
      await expect(platform.restoreClusterToTime("primary", MEMBER, target, `${MEMBER}-pitr-2`)).rejects.toThrow(/do not answer/);
      await expect(platform.endpointsParameter("primary")).rejects.toThrow(/do not answer/);
      // The other region answers.
      expect((await platform.endpointsParameter("secondary")).found).toBe(true);
    } finally {
      env.regions.primary.apiUp = true;
    }
  });
});

describe("the database endpoints parameter's stand-in", () => {
  it("starts as the stacks create it (each region names its own member) and round-trips a put: atomic, idempotent, the other region untouched", async () => {
    const name = endpointsParameterName(CONFIG, "primary");
    expect(name).toBe("/drweb-prod-use2/db/endpoints");
    const before = await platform.endpointsParameter("primary");
    const m = auroraEndpoints(CONFIG, "primary");
    expect(before).toMatchObject({ name, found: true, value: { cluster: MEMBER, writer: m.cluster, reader: m.reader, port: env.regions.primary.pgPort } });
    const secondaryBefore = await platform.endpointsParameter("secondary");
    expect(secondaryBefore.value?.cluster).toBe(regionClusterIdentifier(CONFIG, "secondary"));
    const e = clusterEndpoints(`${MEMBER}-pitr-1`, REGION);
    const value = { cluster: `${MEMBER}-pitr-1`, writer: e.cluster, reader: e.reader, port: env.regions.primary.pgPort };
    const put = await platform.putEndpointsParameter("primary", value);
    expect(put.outcome, put.detail).toBe("requested");
    expect((await platform.endpointsParameter("primary")).value).toEqual(value);
    // Again: an equal value sends nothing.
    expect((await platform.putEndpointsParameter("primary", value)).outcome).toBe("exists");
    expect(await platform.endpointsParameter("secondary")).toEqual(secondaryBefore);
    // The file the apps read: {"parameters": {name: value string}}, replaced by rename (no temporary file left).
    const doc = JSON.parse(fs.readFileSync(aurora.parameters.file, "utf8")) as { parameters: Record<string, string> };
    expect(JSON.parse(doc.parameters[name])).toEqual(value);
    expect(fs.readdirSync(path.dirname(aurora.parameters.file)).filter((f) => f.startsWith("parameters.json."))).toEqual([]);
    // The apps are given its name and the file.
    expect(aurora.appEnv("primary")).toMatchObject({ DB_ENDPOINTS_PARAMETER: name, DRWEB_DRILL_PARAMETERS_FILE: aurora.parameters.file });
    // An app restarted after the move reads the moved value (the parameter is initialised once).
    expect((await platform.endpointsParameter("primary")).value).toEqual(value);
  });

  it("reports a value that is not the format (found, value null, the reason), and a missing parameter (not found)", async () => {
    const name = endpointsParameterName(CONFIG, "secondary");
    aurora.parameters.set(name, '{"cluster": "x"}');
    const bad = await platform.endpointsParameter("secondary");
    expect(bad).toMatchObject({ found: true, value: null });
    expect(bad.detail).toMatch(/database endpoints parameter: "\w+" must be/);
    const all = aurora.parameters.all();
    delete all[name];
    fs.writeFileSync(aurora.parameters.file, JSON.stringify({ parameters: all }));
    expect(await platform.endpointsParameter("secondary")).toMatchObject({ found: false, value: null });
  });
});
