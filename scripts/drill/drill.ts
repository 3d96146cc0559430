// `npm run drill`: a local DR drill on real components (docs/dr-runbook.md).
// Two "regions" on 127.0.0.1 (PostgreSQL primary + streaming replica, 3
// gunicorn instances of the real app behind HAProxy each), a Route53
// stand-in with the dns stack's health-check settings, a client writing and
// reading through it, and the dr runbook (local adapter) doing the
// failover. Measures RTO and RPO for a planned switchover and an unplanned
// regional failure and writes a report (JSON, Markdown, SVG charts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadProjectConfig, type ValidConfig } from "../../src/config";
import { failoverBudget, failoverSwitch, switchValue } from "../../src/dns/contract";
import { realClock } from "../../src/dr/clock";
import { request } from "../../src/dr/http-probe";
import { Journal } from "../../src/dr/journal";
import { LocalPlatform, psql } from "../../src/dr/local-platform";
import { runRunbook } from "../../src/dr/runner";
import { TrafficClient } from "./client";
import { DrillEnvironment, LOOPBACK, waitFor } from "./environment";
import { Processes } from "./processes";
import { analyse, chartSvg, markdown, type Mark, type ScenarioMetrics } from "./report";
import { Route53Sim, type Endpoint } from "./resolver";

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string", default: "both" },
    "time-scale": { type: "string", default: "0.1" },
    out: { type: "string", default: "drill-results" },
    warmup: { type: "string", default: "3" },
    settle: { type: "string", default: "3" },
    "max-seconds": { type: "string", default: "180" },
    "max-requests": { type: "string", default: "20000" },
    instances: { type: "string", default: "3" },
    clients: { type: "string", default: "4" },
    "skip-setup": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run drill -- [--scenario both|planned|unplanned] [--time-scale 0.1] [--out drill-results]
  [--warmup 3] [--settle 3] (seconds of traffic before the event / after recovery, real time)
  [--max-seconds 180] [--max-requests 20000] (bounds per scenario) [--instances 3]
  [--clients 4] (clients writing and reading, each with its own resolver cache)
  [--skip-setup] (do not run scripts/setup-python.sh and setup-haproxy.sh) [--keep] (keep the temp folder and its logs)
  [--quiet] (runbook lines only in the report) [--check] (assert: runbook completed, planned RPO 0, RTO within the budget, nothing left running; prints "drill: N passed, M failed")`);
  process.exit(0);
}

const scale = Number(args["time-scale"]);
const scenarios = (args.scenario === "both" ? ["planned", "unplanned"] : [args.scenario]) as Array<"planned" | "unplanned">;
if (!(scale > 0 && scale <= 1) || scenarios.some((s) => s !== "planned" && s !== "unplanned")) {
  console.error("--time-scale must be in (0, 1]; --scenario planned, unplanned or both");
  process.exit(2);
}
const warmupMs = Number(args.warmup) * 1000;
const settleMs = Number(args.settle) * 1000;
const maxMs = Number(args["max-seconds"]) * 1000;
const maxRequests = Number(args["max-requests"]);
const nClients = Math.max(1, Number(args.clients));

function loadConfig(): ValidConfig {
  return loadProjectConfig(ROOT);
}

/** The runbook's timeouts and polls run on the drill's time scale too. */
function scaledConfig(c: ValidConfig): ValidConfig {
  const r = c.runbook;
  const t = (v: number) => Math.max(2, v * scale);
  return {
    ...c,
    runbook: {
      ...r,
      fenceTimeoutSeconds: t(r.fenceTimeoutSeconds),
      catchUpTimeoutSeconds: t(r.catchUpTimeoutSeconds),
      promoteTimeoutSeconds: t(r.promoteTimeoutSeconds),
      dnsTimeoutSeconds: t(r.dnsTimeoutSeconds),
      verifyTimeoutSeconds: t(r.verifyTimeoutSeconds),
      pollIntervalSeconds: Math.max(0.05, r.pollIntervalSeconds * scale),
    },
  };
}

interface ScenarioOutcome {
  metrics: ScenarioMetrics;
  chart: string;
  runbookLog: string[];
  journal: unknown[];
  resolverEvents: Array<{ t: number; what: string }>;
}

async function runScenario(name: "planned" | "unplanned", config: ValidConfig, processes: Processes, outDir: string): Promise<ScenarioOutcome> {
  const log = (l: string) => console.log(`[${name}] ${l}`);
  const env = new DrillEnvironment({ root: ROOT, config, timeScale: scale, instances: Number(args.instances), processes, log }, args.keep);
  let ticker: NodeJS.Timeout | undefined;
  try {
    await env.start();
    const hc = config.dns.healthCheck;
    const intervalMs = hc.requestIntervalSeconds * 1000 * scale;
    const origin = Date.now();
    const rel = (abs: number) => abs - origin;
    const sim: Route53Sim = new Route53Sim({
      intervalMs,
      failureThreshold: hc.failureThreshold,
      checkerRegions: hc.regions,
      ttlMs: failoverBudget(config).ttlSeconds * 1000 * scale,
      switch: failoverSwitch(config),
      switchPeriodMs: failoverSwitch(config).periodSeconds * 1000 * scale,
      now: Date.now,
      // Route53 HTTP(S) checks: 2xx/3xx within 2 s of connecting (scaled down with the interval).
      check: async (e: Endpoint) => {
        const res = await request({ baseUrl: env.regions[e].lbUrl, timeoutMs: Math.min(2000, intervalMs) }, "GET", config.web.readinessPath);
        return res.status >= 200 && res.status < 400;
      },
      // Alias records evaluate target health: the load balancer has a healthy target.
      targetHealthy: async (e: Endpoint) => {
        const w = await platform.web(e);
        return w.healthyTargets === null ? null : w.healthyTargets > 0;
      },
    });
    const platform = new LocalPlatform(config, env.regions, sim);
    // The switch's first position, as an operator sets it after the first dns deploy (README, DNS failover).
    sim.putSwitchMetric(switchValue(config, config.dns.forceFailover));
    ticker = setInterval(() => void sim.tick(), 10);
    // Several clients, each with its own resolver cache at its own phase of the TTL.
    const clients = Array.from({ length: nClients }, (_, k) =>
      new TrafficClient({
        client: k,
        resolve: () => sim.resolve(k, nClients),
        baseUrl: (e) => env.regions[e].lbUrl,
        origin,
        writeGapMs: 50,
        readGapMs: 100,
        maxRequests: Math.ceil(maxRequests / nClients),
        timeoutMs: 2000,
      }),
    );
    for (const c of clients) c.start();
    await sleep(warmupMs);
    const marks: Mark[] = [];
    const eventAt = rel(Date.now());
    log(name === "planned" ? "planned switchover: dr failover --to secondary --planned (local platform)" : "regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy");
    if (name === "unplanned") {
      env.regions.primary.killAll();
      // The operator (or automation) acts on the alarm: Route53's primary check turning unhealthy.
      await waitFor("Route53 to declare the primary unhealthy", failoverBudget(config).totalSeconds * 1000 * scale * 3 + 10_000, async () => !sim.endpointHealthy("primary"));
      marks.push({ at: rel(Date.now()), label: "primary check unhealthy (alarm)" });
    }
    const runbookLog: string[] = [];
    const journalDir = path.join(env.dir, "journal");
    const rbStart = rel(Date.now());
    const result = await runRunbook({
      config: scaledConfig(config),
      platform,
      operation: "failover",
      mode: name,
      clock: realClock,
      log: (l) => {
        runbookLog.push(l);
        if (!args.quiet) log(`  runbook: ${l}`);
      },
      journalDir,
    });
    const rbEnd = rel(Date.now());
    marks.push({ at: rbStart, label: "runbook starts" });
    const journal = Journal.open(journalDir, "failover", realClock);
    for (const step of ["fence-primary", "promote", "force-dns"]) {
      const at = journal.eventAt(step, "done");
      if (at !== null) marks.push({ at: rel(at), label: `${step} done` });
    }
    marks.push({ at: rbEnd, label: result.ok ? "runbook done" : `runbook FAILED at ${result.failedStep}` });
    // Keep the traffic on until writes succeed on the secondary for a while (bounded).
    const secondaryRegion = config.regions.secondary.region;
    const deadline = origin + maxMs;
    const since = Date.now();
    while (Date.now() < deadline && !clients.some((c) => c.exhausted)) {
      const allRecovered = clients.every((c) => c.records.filter((r) => r.op === "write" && r.ok && r.region === secondaryRegion && r.t > rbEnd).length >= 3);
      if (Date.now() - since >= settleMs && (allRecovered || !result.ok)) break;
      await sleep(100);
    }
    await Promise.all(clients.map((c) => c.stop()));
    const records = TrafficClient.merge(clients);
    clearInterval(ticker);
    ticker = undefined;
    for (const ev of sim.events) if (/answers SECONDARY|primary unhealthy|gate unhealthy/.test(ev.what) && rel(ev.at) >= eventAt) {
      const label = ev.what.startsWith("Route53") ? ev.what : `Route53: ${ev.what.split(",").filter((p) => /unhealthy/.test(p)).join(",").trim()}`;
      if (!marks.some((m) => m.label === label)) marks.push({ at: rel(ev.at), label });
    }
    const ids = (await psql(env.regions.secondary.pgPort, "SELECT id FROM notes", "drweb")).split("\n").filter(Boolean).map(Number);
    const metrics = analyse({
      name,
      title: name === "planned" ? "Planned switchover" : "Unplanned regional failure",
      eventAt,
      records,
      marks,
      secondaryRegion,
      presentIds: new Set(ids),
      runbookOk: result.ok,
      runbookSteps: [],
      budgetMs: failoverBudget(config).totalSeconds * 1000 * scale,
    });
    const bucketMs = Math.max(100, Math.round(2500 * scale));
    const chart = `${name}.svg`;
    fs.writeFileSync(path.join(outDir, chart), chartSvg(metrics, records, eventAt, bucketMs));
    fs.writeFileSync(path.join(outDir, `${name}-requests.json`), JSON.stringify(records));
    if (fs.existsSync(journal.file)) fs.copyFileSync(journal.file, path.join(outDir, `${name}-journal.jsonl`));
    log(`RTO ${metrics.rtoSeconds} s (budget ${metrics.budgetSeconds} s), RPO ${metrics.rpo.missing} of ${metrics.rpo.ackedWrites} acknowledged writes lost, ${metrics.requests.total} requests`);
    return {
      metrics,
      chart,
      runbookLog,
      journal: [...journal.steps()],
      resolverEvents: sim.events.map((e) => ({ t: rel(e.at) / 1000, what: e.what })),
    };
  } finally {
    if (ticker) clearInterval(ticker);
    if (args.keep) log(`keeping ${env.dir}`);
    await env.stop(args.keep);
  }
}

async function main(): Promise<number> {
  const config = loadConfig();
  if (!args["skip-setup"]) {
    execFileSync("bash", [path.join(ROOT, "scripts", "setup-python.sh")], { stdio: "inherit" });
    execFileSync("bash", [path.join(ROOT, "scripts", "setup-haproxy.sh")], { stdio: "inherit" });
  }
  const outDir = path.resolve(args.out);
  fs.mkdirSync(outDir, { recursive: true });
  const processes = new Processes();
  const outcomes: Record<string, ScenarioOutcome> = {};
  const started = Date.now();
  let error: Error | null = null;
  try {
    for (const s of scenarios) outcomes[s] = await runScenario(s, config, processes, outDir);
  } catch (e) {
    error = e as Error;
    console.error(`drill: ${error.stack ?? error.message}`);
  } finally {
    await processes.stopAll();
  }
  const leftovers = processes.leftovers();
  const budget = failoverBudget(config);
  const command = `npm run drill -- ${process.argv.slice(2).join(" ")}`.trim();
  const ms = Object.values(outcomes).map((o) => o.metrics);
  const hcText = `every ${config.dns.healthCheck.requestIntervalSeconds} s x ${scale} from ${config.dns.healthCheck.regions.length} checkers (${config.dns.healthCheck.regions.join(", ")}), unhealthy after ${config.dns.healthCheck.failureThreshold} failures, path ${config.web.readinessPath}`;
  const report = {
    generatedAt: new Date().toISOString(),
    command,
    timeScale: scale,
    durationSeconds: (Date.now() - started) / 1000,
    loopbackOnly: LOOPBACK,
    healthCheck: config.dns.healthCheck,
    budget: { ...budget, scaledTotalSeconds: budget.totalSeconds * scale },
    scenarios: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, { metrics: o.metrics, chart: o.chart, runbookLog: o.runbookLog, journal: o.journal, resolverEvents: o.resolverEvents }])),
    leftovers,
    error: error?.message ?? null,
  };
  fs.writeFileSync(path.join(outDir, "report.json"), JSON.stringify(report, null, 2));
  const md = markdown({ command, timeScale: scale, budget, healthCheck: hcText, scenarios: ms, charts: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, o.chart])), leftovers });
  fs.writeFileSync(path.join(outDir, "report.md"), md);
  console.log(`\n${md}`);
  console.log(`report: ${path.join(outDir, "report.md")} (+ report.json, ${Object.values(outcomes).map((o) => o.chart).join(", ")})`);

  if (!args.check) return error || leftovers.length ? 1 : 0;
  // Assertions for the test suite.
  const checks: Array<[string, boolean]> = [["the drill ran without error", error === null], ["nothing it started is left running", leftovers.length === 0]];
  for (const m of ms) {
    checks.push([`${m.name}: the runbook completed`, m.runbookOk]);
    checks.push([`${m.name}: writes were acknowledged before and after the failover`, m.rpo.ackedWrites > 10 && m.recoveredAt !== null]);
    checks.push([`${m.name}: RTO ${m.rtoSeconds} s within the modelled budget ${m.budgetSeconds} s`, m.rtoWithinBudget]);
    if (m.name === "planned") checks.push([`planned: RPO 0 (${m.rpo.missing} of ${m.rpo.ackedWrites} acknowledged writes missing)`, m.rpo.missing === 0]);
  }
  for (const s of scenarios) if (!outcomes[s]) checks.push([`${s}: scenario completed`, false]);
  for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`drill: ${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
