// The drill's Aurora Global Database stand-in (src/drill/aurora.ts) and the
// runbook's local Aurora platform (src/dr/local-aurora-platform.ts), without
// servers: the endpoints' hosts file, the global cluster's answers when a
// region's APIs are down, and the platform handing the Aurora plans their
// calls. The managed operations themselves run on real PostgreSQL in the drill
// (npm run drill -- --scenario aurora-planned,...), not here.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type RegionRole } from "../../src/config";
import { regionClusterIdentifier } from "../../src/database/aurora-contract";
import { auroraOps } from "../../src/dr/aurora-global";
import { LocalAuroraPlatform, type LocalAurora } from "../../src/dr/local-aurora-platform";
import type { GlobalActionAttempt } from "../../src/dr/platform";
import { AuroraSim, auroraDrillConfig, auroraEndpoints } from "../../src/drill/aurora";
import type { DrillEnvironment } from "../../src/drill/environment";

const CONFIG = auroraDrillConfig(resolveConfig({}));

function fakeEnv(): { env: DrillEnvironment; up: Record<RegionRole, { apiUp: boolean }> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-aurora-test-"));
  // Ports nobody listens on (psql fails at once): the control-plane answers do not need the databases.
  const up = { primary: { apiUp: true, pgPort: 1, role: "primary" }, secondary: { apiUp: true, pgPort: 1, role: "secondary" } };
  return { env: { dir, regions: up } as unknown as DrillEnvironment, up };
}

describe("the drill's Aurora stand-in", () => {
  it("is the Aurora mode's config", () => {
    expect(CONFIG.database.engine).toBe("aurora-postgresql");
    expect(CONFIG.database.engineVersion).toMatch(/^\d+\.\d+$/);
  });

  it("writes the endpoints' DNS as AWS documents it: the writer's cluster endpoint resolves, the secondary's does not, every reader endpoint does", () => {
    const { env } = fakeEnv();
    const sim = new AuroraSim(env, CONFIG, { timeScale: 0.1, log: () => undefined });
    const names = JSON.parse(fs.readFileSync(sim.hostsFile, "utf8")).names;
    const p = auroraEndpoints(CONFIG, "primary");
    const s = auroraEndpoints(CONFIG, "secondary");
    expect(names).toEqual({ [p.cluster]: ["127.0.0.1"], [p.reader]: ["127.0.0.1"], [s.cluster]: null, [s.reader]: ["127.0.0.1"] });
    // The production path of the Aurora mode: the region's endpoints parameter (the drill's file stand-in for SSM), initialised with its member's endpoints.
    expect(sim.appEnv("secondary")).toEqual({
      DB_ENGINE: "aurora-postgresql",
      DB_WRITER_HOST: s.cluster,
      DB_READER_HOST: s.reader,
      DRWEB_DRILL_HOSTS_FILE: sim.hostsFile,
      DB_ENDPOINTS_PARAMETER: "/drweb-prod-usw1/db/endpoints",
      DRWEB_DRILL_PARAMETERS_FILE: sim.parameters.file,
    });
    const params = JSON.parse(fs.readFileSync(sim.parameters.file, "utf8")).parameters;
    expect(JSON.parse(params["/drweb-prod-usw1/db/endpoints"])).toEqual({ cluster: regionClusterIdentifier(CONFIG, "secondary"), writer: s.cluster, reader: s.reader, port: 1 });
    expect(JSON.parse(params["/drweb-prod-use2/db/endpoints"])).toMatchObject({ writer: p.cluster, reader: p.reader });
    // The names are Aurora's shapes, which the app's config accepts as host names.
    expect(p.cluster).toMatch(/^[A-Za-z0-9._-]+\.cluster-[a-z0-9]+\.us-east-2\.rds\.amazonaws\.com$/);
  });

  it("answers a read asked in a region whose APIs are down with an error, and reads only the asked region's member (GlobalReadOptions only)", async () => {
    const { env, up } = fakeEnv();
    const sim = new AuroraSim(env, CONFIG, { timeScale: 0.1, log: () => undefined });
    up.primary.apiUp = false;
    await expect(sim.globalCluster({ only: "primary" })).rejects.toThrow(/us-east-2's APIs do not answer/);
    const g = await sim.globalCluster({ only: "secondary" });
    const byRole = Object.fromEntries(g.members.map((m) => [m.role, m]));
    expect(byRole.primary).toMatchObject({ isWriter: true, status: null, instances: null });
    expect(byRole.secondary).toMatchObject({ isWriter: false, status: "available", synchronizationStatus: "connected", engineVersion: CONFIG.database.engineVersion });
    expect(g.failoverState).toBeNull();
  });

  it("does not send a switchover to a region whose APIs are down (not-sent), and refuses a second operation while one is under way", async () => {
    const { env, up } = fakeEnv();
    const sim = new AuroraSim(env, CONFIG, { timeScale: 0.1, log: () => undefined });
    up.primary.apiUp = false;
    const a: GlobalActionAttempt = await sim.switchoverGlobal("secondary");
    expect(a.outcome).toBe("not-sent");
    const f = await sim.failoverGlobal("secondary");
    expect(f.outcome).toBe("requested");
    // The failover runs on (absent) databases; while it shows in FailoverState nothing else is taken.
    const g = await sim.globalCluster({ only: "secondary" });
    if (g.failoverState) {
      expect(g.failoverState).toMatchObject({ status: "failing-over", isDataLossAllowed: true });
      expect((await sim.failoverGlobal("secondary")).outcome).toBe("in-progress");
    }
    await sim.stop();
  });
});

describe("the runbook's local Aurora platform", () => {
  it("gives the Aurora plans their global-database calls (the plain local platform has none)", async () => {
    const calls: string[] = [];
    const aurora: LocalAurora = {
      globalCluster: () => {
        calls.push("globalCluster");
        return { identifier: "g", found: true, status: "available", members: [], failoverState: null, detail: "g" };
      },
      switchoverGlobal: (t) => (calls.push(`switchover ${t}`), { outcome: "requested", detail: "" }),
      failoverGlobal: (t) => (calls.push(`failover ${t}`), { outcome: "requested", detail: "" }),
      clusterSnapshots: () => [],
      clusterSnapshot: () => null,
      copyClusterSnapshot: () => "copied",
    };
    const site = { pgPort: 1, lbUrl: "http://127.0.0.1:1", webState: () => ({ desired: 0, healthy: 0, registered: 0, running: 0, detail: "" }), scale: () => undefined };
    const dns = { healthChecks: () => [], putSwitchMetric: () => undefined, switchState: () => ({ forced: false, alarmState: "OK", detail: "" }), verdict: () => ({ healthy: true, unhealthyForSeconds: 0, sampleAgeSeconds: 0, detail: "" }) };
    const platform = new LocalAuroraPlatform(CONFIG, { primary: site, secondary: site }, dns, { appUser: "drweb" }, aurora);
    const ops = auroraOps({ platform });
    await ops.globalCluster({ only: "secondary" });
    await ops.switchoverGlobal("secondary");
    await ops.failoverGlobal("secondary");
    expect(calls).toEqual(["globalCluster", "switchover secondary", "failover secondary"]);
    expect(ops.clusterSnapshots && ops.copyClusterSnapshot && ops.clusterSnapshot).toBeTruthy();
    expect(regionClusterIdentifier(CONFIG, "secondary")).toMatch(/usw1/);
  });
});
