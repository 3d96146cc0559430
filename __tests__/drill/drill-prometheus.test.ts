// The drill's Prometheus (src/drill/prometheus.ts) as the drill runs it:
// the real server, the repository's rule file with `for:` scaled, the
// production web scrape job. The app instances are stand-in metrics
// endpoints here (the drill itself scrapes the real app), so a test can set
// both regions' database roles at will: the split-brain alert fires within
// the deadline derived from the rule's `for` and the scaled intervals, and
// the real Alertmanager with the production routing notifies it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MONITORING_FILES } from "../../src/monitoring/repo-files";
import { alertDeadlineMs, alertEpisodes, type AlertTimingModel, notifyDeadlineMs } from "../../src/drill/alerts";
import { DrillAlertmanager, NotificationRecorder, scaledGroupWaitMs } from "../../src/drill/alertmanager";
import { PortReservations } from "../../src/drill/ports";
import { Processes } from "../../src/drill/processes";
import { DrillPrometheus, type WebTarget } from "../../src/drill/prometheus";
import { MetricsServer } from "../helpers/metrics-server";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

const SCALE = 0.05; // scrape and evaluation every 1.5 s, DatabaseWritableInBothRegions `for` 3 s
const REGIONS = { primary: "us-east-2", secondary: "us-west-1" } as const;
const CODES: Record<string, string> = { "us-east-2": "use2", "us-west-1": "usw1" };

describe("DrillPrometheus (the real Prometheus with the project's rules)", () => {
  const processes = new Processes();
  // Prometheus and Alertmanager cannot bind port 0 and report it: their ports are held for them (src/drill/ports.ts).
  let ports: PortReservations | undefined;
  let dir: string;
  let prom: DrillPrometheus;
  const recorder = new NotificationRecorder();
  const apps: Record<string, MetricsServer> = {};
  const role = (region: string, value: number) => [`drweb_db_role{region="${region}"} ${value}`, `drweb_db_up{region="${region}"} ${value === -1 ? 0 : 1}`];

  beforeAll(async () => {
    for (const tool of ["promtool", "alertmanager"]) {
      const setup = await run("bash", [path.join(PROJECT_ROOT, "scripts", `setup-${tool}.sh`)]);
      expect(setup.status, setup.stderr).toBe(0);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-prometheus-test-"));
    for (const region of Object.values(REGIONS)) {
      apps[region] = await new MetricsServer({ drweb_db_role: "gauge", drweb_db_up: "gauge" }).start();
      apps[region].lines = role(region, region === REGIONS.primary ? 1 : 0);
    }
    const targets: WebTarget[] = Object.values(REGIONS).map((region) => ({ region, instanceId: `${CODES[region]}-app1`, availabilityZone: `${region}a`, address: apps[region].address }));
    ports = PortReservations.open();
    const [amPort, promPort] = await ports.reserve(2);
    const am = await DrillAlertmanager.start({ dir, processes, port: amPort, receiverUrl: await recorder.start(), timeScale: SCALE, region: REGIONS.primary });
    prom = await DrillPrometheus.start({ dir, processes, rulesFile: path.join(PROJECT_ROOT, MONITORING_FILES.rules), timeScale: SCALE, scrapeIntervalSeconds: 30, targets, port: promPort, waitForTargets: true, alertmanager: am.address });
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await processes.stopAll();
    await ports?.close();
    expect(processes.leftovers()).toEqual([]);
    for (const s of Object.values(apps)) await s.stop();
    await recorder.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("labels every target as the production scrape job does (job, instance, region, availability_zone)", async () => {
    const up = await prom.query('up{job="drweb-web"}');
    expect(up.map((s) => s.labels).sort((a, b) => a.region.localeCompare(b.region))).toEqual([
      { __name__: "up", job: "drweb-web", instance: "use2-app1", region: "us-east-2", availability_zone: "us-east-2a" },
      { __name__: "up", job: "drweb-web", instance: "usw1-app1", region: "us-west-1", availability_zone: "us-west-1a" },
    ]);
    expect(prom.timings).toMatchObject({ scrapeMs: 1500, evaluationMs: 1500 });
    expect(prom.forMs).toMatchObject({ DatabaseWritableInBothRegions: 3000, WebTargetsDown: 9000 });
  });

  it("fires DatabaseWritableInBothRegions when both regions report a writer, within the deadline its `for` and the intervals give, and resolves it", async () => {
    const timing: AlertTimingModel = { ...prom.timings, forMs: prom.forMs, appNoticeMs: 0, notifyMs: scaledGroupWaitMs(SCALE) };
    const deadline = alertDeadlineMs("DatabaseWritableInBothRegions", timing);
    const start = Date.now();
    expect((await prom.alerts()).filter((a) => a.labels.alertname === "DatabaseWritableInBothRegions")).toEqual([]);
    apps[REGIONS.secondary].lines = role(REGIONS.secondary, 1); // the old primary still writes, the secondary promoted
    let firedAt = 0;
    while (Date.now() - start < deadline) {
      if ((await prom.alerts()).some((a) => a.labels.alertname === "DatabaseWritableInBothRegions" && a.state === "firing")) {
        firedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(firedAt, `not firing within ${deadline} ms`).toBeGreaterThan(0);
    // Not before its `for` has run (minus one evaluation of jitter).
    expect(firedAt - start).toBeGreaterThanOrEqual(prom.forMs.DatabaseWritableInBothRegions - prom.timings.evaluationMs);
    // Alertmanager (production routing, group_wait scaled) sends it to the receiver: the page.
    const notifyBy = start + notifyDeadlineMs("DatabaseWritableInBothRegions", timing);
    const paged = () => recorder.notifications.find((n) => n.receiver === "sns" && n.alerts.some((a) => a.status === "firing" && a.labels.alertname === "DatabaseWritableInBothRegions"));
    while (!paged() && Date.now() < notifyBy) await new Promise((r) => setTimeout(r, 200));
    expect(paged(), `no notification by ${notifyBy - start} ms`).toBeDefined();
    expect(paged()!.at).toBeGreaterThanOrEqual(firedAt - prom.timings.evaluationMs);
    apps[REGIONS.primary].lines = role(REGIONS.primary, -1); // the old primary fenced (unreachable)
    const resolveBy = Date.now() + 2 * prom.timings.scrapeMs + 2 * prom.timings.evaluationMs + 5000;
    while (Date.now() < resolveBy && (await prom.alerts()).some((a) => a.labels.alertname === "DatabaseWritableInBothRegions")) await new Promise((r) => setTimeout(r, 200));
    // The TSDB's ALERTS series tell the same story at Prometheus' own timestamps.
    const eps = (await alertEpisodes(prom, start - 1000, prom.timings.evaluationMs)).filter((e) => e.alertname === "DatabaseWritableInBothRegions");
    expect(eps).toHaveLength(1);
    expect(eps[0].labels).toEqual({ severity: "critical" });
    expect(eps[0].firingAt! - eps[0].pendingAt!).toBeGreaterThanOrEqual(prom.forMs.DatabaseWritableInBothRegions);
    expect(eps[0].endedAt).not.toBeNull();
    // The promotion is a role change of us-west-1 (the subquery steps at the scaled evaluation interval).
    const changed = (await prom.alerts()).filter((a) => a.labels.alertname === "DatabaseRoleChanged").map((a) => a.labels.region);
    expect(changed).toContain(REGIONS.secondary);
  }, 90_000);

  it("drops a target that leaves discovery, so its series go stale instead of down", async () => {
    prom.setTargets([{ region: REGIONS.secondary, instanceId: "usw1-app1", availabilityZone: "us-west-1a", address: apps[REGIONS.secondary].address }]);
    const until = Date.now() + prom.timings.discoveryDelayMs + 3 * prom.timings.scrapeMs + 5000;
    let regions: string[] = [];
    while (Date.now() < until) {
      regions = (await prom.query('up{job="drweb-web"}')).map((s) => s.labels.region);
      if (regions.length === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(regions).toEqual([REGIONS.secondary]);
  }, 60_000);
});
