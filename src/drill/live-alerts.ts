import * as fs from "node:fs";
import * as path from "node:path";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../../src/config";
import { regionCode } from "../../src/lib/naming";
import { MONITORING_FILES } from "../../src/monitoring/repo-files";
import { ALERT_EXPECTATIONS, type AlertExpectation } from "./alert-expectations";
import {
  alertDeadlineMs,
  alertEpisodes,
  type AlertEpisode,
  type AlertTimingModel,
  checkExpectations,
  type ExpectationResult,
  matching,
  observeAlerts,
  withNotifications,
} from "./alerts";
import type { ScenarioName } from "./catalogue";
import { DrillAlertmanager, NotificationRecorder, scaledGroupWaitMs } from "./alertmanager";
import { appRoleNoticeSeconds } from "./production-model";
import { type DrillEnvironment } from "./environment";
import { LOOPBACK } from "./host-tools";
import type { Processes } from "./processes";
import { DrillPrometheus, type WebTarget } from "./prometheus";

/**
 * The drill's hook for live alerting, one per scenario:
 *
 *   const alerts = await ScenarioAlerts.start({ env, config, timeScale, processes, log });  // after env.start()
 *   await Promise.all([warmup, alerts.ready()]);                                          // before the fault
 *   ... the scenario: fault, runbook ...
 *   const report = await alerts.finish({ scenario, faultAt, promotedAt, detectedAt });       // before env.stop()
 *
 * start() runs the real Alertmanager with the production routing
 * (src/drill/alertmanager.ts; its SNS receiver is a recorder here) and
 * the real Prometheus (src/drill/prometheus.ts) on the
 * scenario's app instances, which it re-discovers at the scaled EC2
 * discovery refresh (instances of a region scaled to zero leave, killed ones
 * stay, as on AWS). finish() keeps watching until every alert that must fire
 * has fired (or missed its deadline) and the silence window has passed,
 * reads the alert history from the TSDB and checks it against the scenario's
 * expectations (ALERT_EXPECTATIONS). Its Prometheus is stopped with the
 * scenario's other processes.
 */

/** The app instances EC2 discovery would list: the ones in each region's "ASG" (the first `desired`). */
export function environmentTargets(env: DrillEnvironment, config: ValidConfig): WebTarget[] {
  return REGION_ROLES.flatMap((role) => {
    const r = env.regions[role];
    const zones = config.regions[role].availabilityZones;
    return r.apps.slice(0, r.desired()).map((a, i) => ({
      region: r.region,
      // The app's own instance id in the drill (DRWEB_INSTANCE_ID).
      instanceId: `${regionCode(r.region)}-${a.name}`,
      availabilityZone: zones[i % zones.length],
      address: `${LOOPBACK}:${a.metricsPort}`,
    }));
  });
}

export interface AlertReport {
  readonly scenario: string;
  /** Epoch ms of the fault, the promotion and the Route53 stand-in's detection (null: did not happen). */
  readonly faultAt: number;
  readonly promotedAt: number | null;
  readonly detectedAt: number | null;
  readonly observedUntil: number;
  readonly timing: AlertTimingModel;
  readonly episodes: readonly AlertEpisode[];
  readonly results: readonly ExpectationResult[];
}

export class ScenarioAlerts {
  private constructor(
    readonly prometheus: DrillPrometheus,
    private readonly alertmanager: DrillAlertmanager,
    private readonly recorder: NotificationRecorder,
    private readonly config: ValidConfig,
    private readonly timing: AlertTimingModel,
    private readonly startedAt: number,
  ) {}

  static async start(o: { env: DrillEnvironment; config: ValidConfig; timeScale: number; processes: Processes; root: string; log: (line: string) => void; aurora?: boolean }): Promise<ScenarioAlerts> {
    const dir = path.join(o.env.dir, "prometheus");
    fs.mkdirSync(dir, { recursive: true });
    const recorder = new NotificationRecorder();
    // Its receiver's server is closed with the scenario's processes (a cleanup hook).
    const forget = o.processes.onCleanup(() => void recorder.stop());
    const receiverUrl = await recorder.start();
    // Their ports are held with the environment's (src/drill/ports.ts): neither server can bind port 0 and report it.
    const [alertmanagerPort, prometheusPort] = await o.env.reservePorts(2);
    const alertmanager = await DrillAlertmanager.start({ dir, processes: o.processes, port: alertmanagerPort, receiverUrl, timeScale: o.timeScale, region: o.config.regions.primary.region });
    const prometheus = await DrillPrometheus.start({
      dir,
      processes: o.processes,
      rulesFile: path.join(o.root, MONITORING_FILES.rules),
      // The Aurora scenarios load the Aurora mode's rule file too (src/monitoring/engine-content.ts deploys both in that mode).
      extraRulesFiles: o.aurora ? [path.join(o.root, MONITORING_FILES.auroraRules)] : [],
      timeScale: o.timeScale,
      scrapeIntervalSeconds: o.config.monitoring.prometheus.scrapeIntervalSeconds,
      targets: environmentTargets(o.env, o.config),
      port: prometheusPort,
      alertmanager: alertmanager.address,
      log: o.log,
    });
    prometheus.followTargets(() => environmentTargets(o.env, o.config));
    const timing: AlertTimingModel = { ...prometheus.timings, forMs: prometheus.forMs, appNoticeMs: appRoleNoticeSeconds(o.timeScale) * 1000, notifyMs: scaledGroupWaitMs(o.timeScale) };
    const alerts = new ScenarioAlerts(prometheus, alertmanager, recorder, o.config, timing, Date.now());
    alerts.forgetRecorder = forget;
    return alerts;
  }

  private forgetRecorder: () => void = () => undefined;

  /** Before the fault: every instance has been scraped (its role known). Overlap it with the warm-up. */
  ready(): Promise<void> {
    return this.prometheus.targetsScraped();
  }

  /** Watches until the scenario's expectations can be judged, then judges them. */
  async finish(o: { scenario: string; faultAt: number; promotedAt: number | null; detectedAt: number | null; expectations?: readonly AlertExpectation[] }): Promise<AlertReport> {
    const expectations = o.expectations ?? ALERT_EXPECTATIONS[o.scenario as ScenarioName] ?? [];
    const regions = Object.fromEntries(REGION_ROLES.map((r) => [r, this.config.regions[r].region])) as Record<RegionRole, string>;
    const ctx = { regions, faultAt: o.faultAt, promotedAt: o.promotedAt, timing: this.timing };
    const notified = (e: AlertExpectation) => this.recorder.notifications.some((n) => n.at >= o.faultAt && n.alerts.some((a) => a.status === "firing" && matching(e, [{ alertname: a.labels.alertname, labels: a.labels, pendingAt: null, firingAt: null, endedAt: null }], regions).length > 0));
    await observeAlerts(this.prometheus, expectations, ctx, { notified });
    const episodes = withNotifications(await alertEpisodes(this.prometheus, this.startedAt, this.timing.evaluationMs), this.recorder.notifications, this.timing.evaluationMs);
    const observedUntil = Date.now();
    // Nothing more to watch: discovery and the receiver stop here (the servers stop with the scenario's processes).
    this.prometheus.stopFollowing();
    this.forgetRecorder();
    await this.recorder.stop();
    return { scenario: o.scenario, faultAt: o.faultAt, promotedAt: o.promotedAt, detectedAt: o.detectedAt, observedUntil, timing: this.timing, episodes, results: checkExpectations(expectations, episodes, { ...ctx, endAt: observedUntil }) };
  }

  async stop(): Promise<void> {
    await this.prometheus.stop();
    await this.alertmanager.stop();
    this.forgetRecorder();
    await this.recorder.stop();
  }
}

const s = (ms: number | null) => (ms === null ? "n/a" : (ms / 1000).toFixed(1));

/** The checks a scenario adds to the drill's list (name, passed). */
export function alertChecks(r: AlertReport): Array<[string, boolean]> {
  return r.results.filter((x) => x.expectation.verdict !== "either").map((x) => [`${r.scenario}: alert ${x.expectation.alert}${x.expectation.region ? ` (${x.expectation.region})` : ""} ${x.expectation.verdict === "fires" ? "fires" : "stays silent"}: ${x.detail}`, x.ok]);
}

/** The report's section: what fired when, against the expectations. */
export function alertsMarkdown(reports: readonly AlertReport[]): string {
  if (!reports.length) return "";
  const t = reports[0].timing;
  const lines = [
    "## Alerts (the real Prometheus with monitoring/rules/drweb-alerts.yaml)",
    "",
    `Alertmanager with the production routing (group_wait ${s(t.notifyMs ?? 0)} s), notifications to a recorder instead of SNS. Scrape and evaluation every ${s(t.scrapeMs)} s, discovery re-lists the instances every ${s(t.sdRefreshMs)} s (a change reaches the scrapes within ${s(t.discoveryDelayMs)} s), each rule's \`for\` x the time scale. Times in seconds after the fault; "vs Route53" is the time after the Route53 stand-in declared the primary unhealthy (negative: before).`,
    "",
  ];
  for (const r of reports) {
    lines.push(`### ${r.scenario}`, "", "| alert | labels | pending | firing | vs Route53 | notified | ended |", "| --- | --- | --- | --- | --- | --- | --- |");
    if (!r.episodes.length) lines.push("| (none) | | | | | | |");
    for (const e of r.episodes) {
      const labels = Object.entries(e.labels).filter(([k]) => k !== "severity").map(([k, v]) => `${k}=${v}`).join(", ");
      const rel = (at: number | null) => (at === null ? "" : s(at - r.faultAt));
      lines.push(`| ${e.alertname} (${e.labels.severity ?? ""}) | ${labels} | ${rel(e.pendingAt)} | ${rel(e.firingAt)} | ${e.firingAt !== null && r.detectedAt !== null ? s(e.firingAt - r.detectedAt) : ""} | ${rel(e.notifiedAt ?? null)} | ${e.endedAt === null ? "still active" : rel(e.endedAt)} |`);
    }
    lines.push("", `Observed until +${s(r.observedUntil - r.faultAt)} s${r.promotedAt ? `; promotion at +${s(r.promotedAt - r.faultAt)} s` : ""}${r.detectedAt ? `; Route53 detection at +${s(r.detectedAt - r.faultAt)} s` : ""}.`, "", "| expected | alert | result |", "| --- | --- | --- |");
    for (const x of r.results) {
      const e = x.expectation;
      const verdict = e.verdict === "fires" ? `fires by +${s(alertDeadlineMs(e.alert, r.timing))} s after the ${e.anchor ?? "fault"}` : e.verdict === "silent" ? "silent" : "not asserted";
      lines.push(`| ${verdict} | ${e.alert}${e.region ? ` (${e.region})` : ""} | ${x.ok ? "" : "**FAIL** "}${x.detail} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** docs/drill.md's expectations table (one row per alert and scenario). */
export function expectationsTable(): string {
  const lines = ["| scenario | alert | expected | why |", "| --- | --- | --- | --- |"];
  for (const [scenario, exps] of Object.entries(ALERT_EXPECTATIONS)) {
    for (const e of exps) lines.push(`| ${scenario} | ${e.alert}${e.region ? ` (${e.region})` : ""} | ${e.verdict === "fires" ? `**fires**${e.anchor === "promotion" ? " (after the promotion)" : ""}` : e.verdict === "silent" ? "silent" : "not asserted"} | ${e.why} |`);
  }
  return lines.join("\n");
}
