import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { WEB_SCRAPE_JOB } from "../../src/eks/contract";
import { WEB_SD_REFRESH_SECONDS, webScrapeJobWith } from "../../src/monitoring/values";
import { request } from "../../src/dr/http-probe";
import type { Group, Processes } from "./processes";

/**
 * The drill's live alerting: the real Prometheus server (Debian's
 * `prometheus` package, the one that ships promtool) on 127.0.0.1, scraping
 * every app instance of both local "regions" with the production web scrape
 * job (src/monitoring/values.ts: same job name, same relabelling, fed with
 * the meta labels EC2 service discovery gives a target), and evaluating
 * monitoring/rules/drweb-alerts.yaml unchanged except that every `for:` is
 * multiplied by the drill's time scale. The scrape and evaluation intervals,
 * the scrape timeout and the discovery refresh are scaled the same way.
 *
 * The hook API for drill scenarios: DrillPrometheus.start(...) with the
 * initial targets; followTargets(source) re-reads the targets at the scaled
 * discovery refresh interval (an ASG that terminates an instance drops out
 * of EC2 discovery at the next refresh); alerts()/alertSamples() to read
 * the alert state; stop().
 */

export const PROMETHEUS_LISTEN = "127.0.0.1";

/** One app instance as EC2 discovery would report it. */
export interface WebTarget {
  /** AWS region of its "region" (the `region` label). */
  readonly region: string;
  /** Stands in for the EC2 instance id (the `instance` label). */
  readonly instanceId: string;
  readonly availabilityZone: string;
  /** host:port of its metrics endpoint (EC2 discovery: <private IP>:<metrics port>). */
  readonly address: string;
}

/**
 * A file_sd target group per target, carrying the `__meta_ec2_*` labels that
 * EC2 discovery sets and the production relabelling reads
 * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#ec2_sd_config).
 */
export function ec2LikeTargetGroups(targets: readonly WebTarget[]): Array<{ targets: string[]; labels: Record<string, string> }> {
  return targets.map((t) => ({
    targets: [t.address],
    labels: {
      __meta_ec2_instance_id: t.instanceId,
      __meta_ec2_availability_zone: t.availabilityZone,
      __meta_ec2_region: t.region,
      __meta_ec2_private_ip: t.address.replace(/:\d+$/, ""),
      __meta_ec2_instance_state: "running",
      __meta_ec2_tag_drweb_scrape: "web",
    },
  }));
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** A Prometheus duration ("3m", "1m30s", "500ms") in milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (!/^(\d+(ms|[smhdwy]))+$/.test(t)) throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
  let ms = 0;
  for (const m of t.matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(m[1]) * UNITS[m[2]];
  return ms;
}

/** Milliseconds as a Prometheus duration (whole milliseconds, at least 1ms). */
export function formatDuration(ms: number): string {
  const r = Math.max(1, Math.round(ms));
  return r % 1000 === 0 ? `${r / 1000}s` : `${r}ms`;
}

/**
 * The rule file with every duration of an alert's timing multiplied by
 * `scale`: each `for:`, and each range of a range selector or subquery in
 * an expression (`rate(x[5m])` -> `rate(x[30s])` at 0.1, `(x)[10m:]` ->
 * `(x)[1m:]`), so that a rule averages over the same share of the scaled
 * timeline as in production (an unscaled 5m window would hold a scaled
 * blip's errors ten times longer than AWS would). Nothing else changes:
 * the text is edited in place (comments, labels and annotations stay byte
 * for byte), and the result is checked to parse to the same rules apart
 * from those durations.
 */
export function scaleRuleTimes(text: string, scale: number): string {
  const scaleDur = (d: string) => formatDuration(parseDuration(d) * scale);
  let out = text.replace(/^(\s*(?:-\s+)?for:\s*)(["']?)([0-9a-z]+)\2(\s*(?:#.*)?)$/gm, (_m, pre: string, q: string, d: string, post: string) => `${pre}${q}${scaleDur(d)}${q}${post}`);
  // Range selectors and subquery ranges: `[<duration>]` or `[<duration>:<step>?]`, only in expressions (checked below).
  out = out.replace(RANGE, (_m, d: string, step: string | undefined) => `[${scaleDur(d)}${step === undefined ? "" : `:${step ? scaleDur(step) : ""}`}]`);
  // Annotations and labels must be byte for byte (a "[5m]" there would have been scaled too).
  const notExpr = (doc: string) => JSON.stringify((parse(doc) as { groups: Array<{ rules: Array<Record<string, unknown>> }> }).groups.map((g) => g.rules.map(({ for: _f, expr: _e, ...r }) => r)));
  if (notExpr(out) !== notExpr(text)) throw new Error("scaling the rules' durations changed more than the durations (a range outside an expression)");
  const norm = (doc: string) =>
    JSON.stringify(
      (parse(doc) as { groups: Array<{ rules: Array<Record<string, unknown>> }> }).groups.map((g) => ({
        ...g,
        rules: g.rules.map(({ for: _f, expr, ...r }) => ({ ...r, expr: typeof expr === "string" ? expr.replace(RANGE, "[D]") : expr })),
      })),
    );
  if (norm(out) !== norm(text)) throw new Error("scaling the rules' durations changed more than the durations (rule file layout not understood)");
  return out;
}
const RANGE = /\[(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)(?::((?:\d+(?:ms|[smhdwy]))*))?\]/g;

/** `for` of every alerting rule, ms (several rules may share a name: the longest). */
export function ruleForDurations(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of (parse(text) as { groups: Array<{ rules: Array<Record<string, unknown>> }> }).groups) {
    for (const r of g.rules) {
      if (typeof r.alert !== "string") continue;
      const ms = typeof r.for === "string" ? parseDuration(r.for) : 0;
      out[r.alert] = Math.max(out[r.alert] ?? 0, ms);
    }
  }
  return out;
}

export function prometheusBin(): string {
  for (const d of [process.env.PROMETHEUS_BIN ? path.dirname(process.env.PROMETHEUS_BIN) : "", ...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/local/bin"]) {
    if (d && fs.existsSync(path.join(d, "prometheus"))) return path.join(d, "prometheus");
  }
  throw new Error("prometheus (the server) not found: run bash scripts/setup-promtool.sh (Debian's prometheus package), or set PROMETHEUS_BIN");
}

/**
 * Starts a Prometheus server with `config` on 127.0.0.1:`port` (files in
 * `dir`: prometheus.yml, prometheus.log, tsdb/) and waits until it is ready.
 */
export async function startPrometheusServer(o: { dir: string; processes: Processes; port: number; config: Record<string, unknown> }): Promise<Group> {
  const cfgFile = path.join(o.dir, "prometheus.yml");
  const log = path.join(o.dir, "prometheus.log");
  fs.writeFileSync(cfgFile, stringify(o.config, { lineWidth: 0 }));
  const g = o.processes.spawn(
    "prometheus",
    prometheusBin(),
    [`--config.file=${cfgFile}`, `--storage.tsdb.path=${path.join(o.dir, "tsdb")}`, "--storage.tsdb.retention.time=1d", `--web.listen-address=${PROMETHEUS_LISTEN}:${o.port}`, "--log.level=warn"],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME }, log },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!o.processes.alive(g)) throw new Error(`prometheus exited:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
    const ready = await request({ baseUrl: `http://${PROMETHEUS_LISTEN}:${o.port}`, timeoutMs: 1000 }, "GET", "/-/ready").catch(() => null);
    if (ready?.status === 200) return g;
    if (Date.now() > deadline) {
      await o.processes.stop(g);
      throw new Error(`prometheus not ready after 30 s:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET of Prometheus' HTTP API: its `data`, or an error with the API's message. */
export async function prometheusApi(baseUrl: string, pathAndQuery: string): Promise<any> {
  const res = await request({ baseUrl, timeoutMs: 5000 }, "GET", pathAndQuery);
  let body: { status?: string; data?: unknown; error?: string } = {};
  try {
    body = JSON.parse(res.body);
  } catch {
    // reported below
  }
  if (res.status !== 200 || body.status !== "success") throw new Error(`prometheus ${pathAndQuery}: ${res.status} ${body.error ?? res.body.slice(0, 200)}`);
  return body.data;
}

/** An instant query: each series' labels and value. */
export async function instantQuery(baseUrl: string, expr: string, atMs?: number): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const data = await prometheusApi(baseUrl, `/api/v1/query?query=${encodeURIComponent(expr)}${atMs ? `&time=${atMs / 1000}` : ""}`);
  return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** The drill's timings, production values x the time scale. */
export interface PrometheusTimings {
  readonly scrapeMs: number;
  readonly evaluationMs: number;
  readonly scrapeTimeoutMs: number;
  /** How often the drill re-lists the instances (EC2 discovery's refresh). */
  readonly sdRefreshMs: number;
  /** The longest a re-listed change takes to reach the scrape loops: the refresh plus Prometheus' own throttles. */
  readonly discoveryDelayMs: number;
}

/**
 * Prometheus hands discovered target changes on through two fixed 5 s
 * throttles that no flag of this version changes and the time scale cannot
 * shrink: the discovery manager sends updates at most every 5 s
 * (discovery/manager.go, `updatert: 5 * time.Second`) and the scrape manager
 * applies them at most every 5 s (scrape/manager.go, reloader's 5 s ticker).
 */
export const PROMETHEUS_DISCOVERY_THROTTLE_MS = 10_000;

/**
 * Production: scrape and evaluation every
 * monitoring.prometheus.scrapeIntervalSeconds, EC2 discovery every 60 s,
 * all x the time scale. The scrape timeout (production: Prometheus' default
 * 10 s) is the whole scaled interval, its maximum, not 10 s x the scale: a
 * busy 2-core machine does not answer a scrape 10 times faster, and a
 * timed-out scrape of a healthy instance is a false "down". Discovery
 * (production: every 60 s, 70 s with the throttles) re-lists every second,
 * so with the unscalable throttles a change reaches the scrape loops within
 * ~11 s, close to the 7 s that scaling production would give.
 */
export function scaledTimings(scrapeIntervalSeconds: number, scale: number): PrometheusTimings {
  const scrapeMs = Math.max(200, Math.round(scrapeIntervalSeconds * 1000 * scale));
  return {
    scrapeMs,
    evaluationMs: scrapeMs,
    scrapeTimeoutMs: scrapeMs,
    sdRefreshMs: Math.min(1000, Math.round(WEB_SD_REFRESH_SECONDS * 1000 * scale)),
    discoveryDelayMs: Math.min(1000, Math.round(WEB_SD_REFRESH_SECONDS * 1000 * scale)) + PROMETHEUS_DISCOVERY_THROTTLE_MS,
  };
}

/** The Prometheus configuration of the drill. */
export function drillPrometheusConfig(o: { timings: PrometheusTimings; sdFile: string; ruleFile: string; extraRuleFiles?: readonly string[]; alertmanager?: string }): Record<string, unknown> {
  const t = o.timings;
  return {
    global: { scrape_interval: formatDuration(t.scrapeMs), evaluation_interval: formatDuration(t.evaluationMs), scrape_timeout: formatDuration(t.scrapeTimeoutMs) },
    rule_files: [o.ruleFile, ...(o.extraRuleFiles ?? [])],
    ...(o.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [o.alertmanager] }] }] } } : {}),
    // The production job (name, relabelling), discovered from a file instead of the EC2 API.
    scrape_configs: [webScrapeJobWith({ file_sd_configs: [{ files: [o.sdFile], refresh_interval: formatDuration(t.sdRefreshMs) }] })],
  };
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: "pending" | "firing";
  /** epoch ms when it became active (pending). */
  readonly activeAt: number;
}

/** Raw samples of one series: [epoch ms, value]. */
export interface SeriesSamples {
  readonly labels: Record<string, string>;
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

export interface PrometheusOptions {
  /** A folder for the configuration, the rule file, the targets file and the TSDB (it must exist). */
  readonly dir: string;
  readonly processes: Processes;
  /** The rule file as the repository holds it (monitoring/rules/drweb-alerts.yaml). */
  readonly rulesFile: string;
  /** More rule files, loaded beside it (the Aurora scenarios: monitoring/rules/drweb-aurora-alerts.yaml, as the Aurora mode deploys both), each scaled alike. */
  readonly extraRulesFiles?: readonly string[];
  /** The drill's time scale (0.1: ten times faster than production). */
  readonly timeScale: number;
  /** Production scrape (and evaluation) interval, s (config monitoring.prometheus.scrapeIntervalSeconds). */
  readonly scrapeIntervalSeconds: number;
  readonly targets: readonly WebTarget[];
  /** host:port of an Alertmanager to send alerts to. @default - none */
  readonly alertmanager?: string;
  readonly port: number;
  readonly log?: (line: string) => void;
  /** Wait until every target has been scraped once. @default false */
  readonly waitForTargets?: boolean;
}

export class DrillPrometheus {
  readonly timings: PrometheusTimings;
  /** Scaled `for` of each alert, ms. */
  readonly forMs: Record<string, number>;
  readonly url: string;
  private readonly sdFile: string;
  private readonly extraRuleFiles: readonly string[];
  private lastTargets = "";
  private follower: NodeJS.Timeout | undefined;
  private group: Group | null = null;

  private constructor(private readonly o: PrometheusOptions) {
    this.timings = scaledTimings(o.scrapeIntervalSeconds, o.timeScale);
    this.url = `http://${PROMETHEUS_LISTEN}:${o.port}`;
    this.sdFile = path.join(o.dir, "web-targets.json");
    const scaled = scaleRuleTimes(fs.readFileSync(o.rulesFile, "utf8"), o.timeScale);
    this.forMs = ruleForDurations(scaled);
    fs.writeFileSync(path.join(o.dir, "drweb-alerts.yaml"), scaled);
    this.extraRuleFiles = (o.extraRulesFiles ?? []).map((f) => {
      const text = scaleRuleTimes(fs.readFileSync(f, "utf8"), o.timeScale);
      for (const [alert, ms] of Object.entries(ruleForDurations(text))) this.forMs[alert] = Math.max(this.forMs[alert] ?? 0, ms);
      const out = path.join(o.dir, path.basename(f));
      fs.writeFileSync(out, text);
      return out;
    });
  }

  /** Writes the configuration, starts the server and waits until it is ready. */
  static async start(o: PrometheusOptions): Promise<DrillPrometheus> {
    const p = new DrillPrometheus(o);
    await p.launch();
    return p;
  }

  private async launch(): Promise<void> {
    const o = this.o;
    this.setTargets(o.targets);
    const started = Date.now();
    this.group = await startPrometheusServer({
      dir: o.dir,
      processes: o.processes,
      port: o.port,
      config: drillPrometheusConfig({ timings: this.timings, sdFile: this.sdFile, ruleFile: path.join(o.dir, "drweb-alerts.yaml"), extraRuleFiles: this.extraRuleFiles, alertmanager: o.alertmanager }),
    });
    // Optionally every target scraped once (the drill's warm-up covers it).
    const want = o.waitForTargets ? o.targets.length : 0;
    const deadline = Date.now() + 30_000;
    while (want > 0 && Date.now() < deadline) {
      const n = (await this.query(`count(up{job="${WEB_SCRAPE_JOB}"})`).catch(() => [])).map((s) => s.value)[0] ?? 0;
      if (n >= want) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    o.log?.(`prometheus ${this.url} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: scrape/evaluation every ${formatDuration(this.timings.scrapeMs)}, discovery every ${formatDuration(this.timings.sdRefreshMs)}, ${o.targets.length} web targets`);
  }

  /**
   * Waits until every current target has been scraped with the app's
   * metrics (its database role known): the state a scenario's fault must
   * start from. Discovery's throttles make this take up to ~10 s after start.
   */
  async targetsScraped(timeoutMs = 60_000): Promise<void> {
    const want = (JSON.parse(this.lastTargets || "[]") as unknown[]).length;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = (await this.query(`count(drweb_db_role{job="${WEB_SCRAPE_JOB}"})`).catch(() => [])).map((s) => s.value)[0] ?? 0;
      if (n >= want) return;
      if (Date.now() > deadline) throw new Error(`prometheus scraped ${n} of ${want} web targets in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Replaces the discovered targets (written atomically; Prometheus re-reads the file on change). */
  setTargets(targets: readonly WebTarget[]): void {
    const text = JSON.stringify(ec2LikeTargetGroups(targets), null, 1);
    if (text === this.lastTargets) return;
    const tmp = `${this.sdFile}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.sdFile);
    this.lastTargets = text;
  }

  /** Re-reads the targets every discovery refresh interval, as EC2 discovery re-lists instances. */
  followTargets(source: () => readonly WebTarget[]): void {
    this.stopFollowing();
    this.follower = setInterval(() => {
      try {
        this.setTargets(source());
      } catch {
        this.stopFollowing(); // the scenario's folder is gone
      }
    }, this.timings.sdRefreshMs);
    this.follower.unref();
  }

  stopFollowing(): void {
    if (this.follower) clearInterval(this.follower);
    this.follower = undefined;
  }

  private api(pathAndQuery: string): Promise<any> {
    return prometheusApi(this.url, pathAndQuery);
  }

  /** An instant query: each series' labels and value. */
  query(expr: string, atMs?: number): Promise<Array<{ labels: Record<string, string>; value: number }>> {
    return instantQuery(this.url, expr, atMs);
  }

  /** The raw samples of a selector over the last `rangeMs` (a range-vector query returns them with their own timestamps). */
  async rawSamples(selector: string, rangeMs: number): Promise<SeriesSamples[]> {
    const data = await this.api(`/api/v1/query?query=${encodeURIComponent(`${selector}[${formatDuration(Math.max(1000, rangeMs))}]`)}`);
    return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({
      labels: r.metric,
      samples: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)] as const),
    }));
  }

  /** The alerts Prometheus holds now, pending or firing. */
  async alerts(): Promise<ActiveAlert[]> {
    const data = await this.api("/api/v1/alerts");
    return (data.alerts as Array<{ labels: Record<string, string>; state: "pending" | "firing"; activeAt: string }>).map((a) => ({ labels: a.labels, state: a.state, activeAt: Date.parse(a.activeAt) }));
  }

  async stop(): Promise<void> {
    this.stopFollowing();
    if (this.group) await this.o.processes.stop(this.group);
  }
}
