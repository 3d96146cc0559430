// `npm run drill`: a local DR drill on real components (docs/dr-runbook.md).
// Two "regions" on 127.0.0.1 (PostgreSQL primary + streaming replica, 3
// gunicorn instances of the real app behind HAProxy each), a Route53
// stand-in with the dns stack's health-check settings, clients writing and
// reading through it, and the dr runbook (local adapter) in its own process
// doing the failover. Scenarios: the planned switchover, the unplanned
// regional failure, the failback, and faults (a killed or frozen database,
// a killed app process, a paused replica, a killed runbook). Each measures
// RTO, acknowledged writes lost (by content), writes that landed only on a
// fenced primary, failed requests and what the runbook did, and writes a
// report (JSON, Markdown, SVG charts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadProjectConfig, type ValidConfig } from "../../src/config";
import { failoverBudget } from "../../src/dns/contract";
import { ALB_DEREGISTRATION_SECONDS } from "./production-model";
import { DrillEnvironment } from "./environment";
import { LOOPBACK } from "./host-tools";
import { DEFAULT_SCENARIOS, SCENARIOS } from "./catalogue";
import { type DrillOptions, scaleConfig } from "./drill-options";
import { runScenario, type ScenarioOutcome } from "./runner";
import { RunbookProcess } from "./runbook-run";
import { alertsMarkdown, ScenarioAlerts } from "./live-alerts";
import { Processes } from "./processes";
import { markdown } from "./report";
import type { RunbookSpec } from "./runbook-process";
import { PITR_SCENARIOS, runPitrScenario, type PitrScenarioName } from "./pitr-scenario";

const ROOT = path.resolve(__dirname, "..", "..");

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string", default: "default" },
    "time-scale": { type: "string", default: "0.1" },
    "min-outage": { type: "string" },
    freeze: { type: "string", default: "60" },
    stall: { type: "string", default: "60" },
    down: { type: "string", default: "240" },
    "return-after": { type: "string", default: "200" },
    cut: { type: "string", default: "50" },
    out: { type: "string", default: "drill-results" },
    warmup: { type: "string", default: "3" },
    settle: { type: "string", default: "3" },
    "max-seconds": { type: "string", default: "240" },
    "max-requests": { type: "string", default: "40000" },
    instances: { type: "string", default: "3" },
    clients: { type: "string", default: "4" },
    "skip-setup": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    "startup-only": { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run drill -- [--scenario NAME[,NAME...] | all | default] [--time-scale 0.1] [--out drill-results]
scenarios (default: ${DEFAULT_SCENARIOS.join(", ")}):
${Object.entries({ ...SCENARIOS, ...PITR_SCENARIOS }).map(([k, v]) => `  ${k.padEnd(20)} ${v.doc} (expect: ${v.expect})`).join("\n")}
options, in production seconds (multiplied by the time scale):
  [--min-outage S] (runbook.minOutageSeconds, default the config's) [--freeze 60] (db-frozen-short; db-frozen resumes right after the promotion)
  [--return-after 200] (unplanned, db-killed, replication-cut: when the old primary comes back, after the fault) [--down 240] (db-down: how long the database is down)
  [--cut 50] (replication-cut: how long replication is cut before the region is killed)
  [--return-after 200] (unplanned, db-killed: when the old primary comes back, after the fault) [--down 240] (db-down: how long the database is down)
  [--stall 60] (stale-verdict: how long the runbook process stays suspended)
real seconds: [--warmup 3] [--settle 3] (traffic before the event / after recovery) [--max-seconds 240] [--max-requests 40000] (bounds per scenario)
  [--instances 3] [--clients 4] (clients writing and reading, each with its own resolver cache)
  [--skip-setup] (do not run scripts/setup-python.sh, setup-haproxy.sh, setup-promtool.sh and setup-alertmanager.sh) [--keep] (keep the temp folder and its logs)
  [--quiet] (runbook lines only in the report) [--check] (assert each scenario's expectations and nothing left running; prints "drill: N passed, M failed")
  [--startup-only [--repeat N]] (no scenario: start the environment (PostgreSQL pair, gunicorns, HAProxy, Prometheus, Alertmanager) until every
    target is scraped, tear it down, check nothing is left running; N times; prints "startup: N passed, M failed")`);
  process.exit(0);
}

const scale = Number(args["time-scale"]);
const scenarioNames = args.scenario === "all" ? [...Object.keys(SCENARIOS), ...Object.keys(PITR_SCENARIOS)] : args.scenario === "default" || args.scenario === "both" ? DEFAULT_SCENARIOS : args.scenario.split(",").map((x) => x.trim()).filter(Boolean);
const unknown = scenarioNames.filter((n) => !(n in SCENARIOS) && !(n in PITR_SCENARIOS));
if (!(scale > 0 && scale <= 1) || unknown.length || !scenarioNames.length) {
  console.error(`--time-scale must be in (0, 1]; --scenario is all, default, or a comma-separated list of: ${[...Object.keys(SCENARIOS), ...Object.keys(PITR_SCENARIOS)].join(", ")}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`);
  process.exit(2);
}
const warmupMs = Number(args.warmup) * 1000;
const settleMs = Number(args.settle) * 1000;
const maxMs = Number(args["max-seconds"]) * 1000;
const maxRequests = Number(args["max-requests"]);
const nClients = Math.max(1, Number(args.clients));
const freezeMs = Number(args.freeze) * 1000 * scale;
const returnAfterMs = Number(args["return-after"]) * 1000 * scale;
const downMs = Number(args.down) * 1000 * scale;
const cutMs = Number(args.cut) * 1000 * scale;
const stallMs = Number(args.stall) * 1000 * scale;
const runId = Date.now().toString(36);
const repeat = Number(args.repeat);
const opts: DrillOptions = {
  scale,
  ...(args["min-outage"] !== undefined ? { minOutageSeconds: Number(args["min-outage"]) } : {}),
  instances: Number(args.instances),
  keep: args.keep,
  quiet: args.quiet,
  warmupMs,
  settleMs,
  maxMs,
  maxRequests,
  nClients,
  freezeMs,
  returnAfterMs,
  downMs,
  cutMs,
  stallMs,
  runId,
};
const scaledConfig = (c: ValidConfig) => scaleConfig(opts, c);
if (!(Number.isInteger(repeat) && repeat >= 1)) {
  console.error(`--repeat must be a whole number >= 1 (got ${args.repeat})`);
  process.exit(2);
}

async function startupOnly(config: ValidConfig, processes: Processes): Promise<number> {
  let failed = 0;
  for (let i = 1; i <= repeat; i++) {
    const log = (l: string) => {
      if (!args.quiet) console.log(`[startup ${i}/${repeat}] ${l}`);
    };
    const env = new DrillEnvironment({ root: ROOT, config, timeScale: scale, instances: Number(args.instances), processes, log }, args.keep);
    const t0 = Date.now();
    let error: string | null = null;
    let alerts: ScenarioAlerts | null = null;
    try {
      await env.start();
      alerts = await ScenarioAlerts.start({ env, config, timeScale: scale, processes, root: ROOT, log });
      await alerts.ready();
    } catch (e) {
      error = (e as Error).stack ?? (e as Error).message;
    }
    const up = (Date.now() - t0) / 1000;
    await alerts?.stop();
    await env.stop(args.keep && error !== null);
    const leftovers = processes.leftovers();
    const folderLeft = fs.existsSync(env.dir) && !(args.keep && error !== null);
    const ok = error === null && leftovers.length === 0 && !folderLeft;
    if (!ok) failed++;
    console.log(
      `startup ${i}/${repeat}: ${ok ? "PASS" : "FAIL"} up in ${up.toFixed(1)} s` +
        (error ? `\n  ${error.replace(/\n/g, "\n  ")}` : "") +
        (leftovers.length ? `\n  left running: ${leftovers.join("; ")}` : "") +
        (folderLeft ? `\n  folder left: ${env.dir}` : "") +
        (args.keep && error !== null ? `\n  kept ${env.dir}` : ""),
    );
  }
  console.log(`startup: ${repeat - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** The PITR scenarios' view of the drill's options (src/drill/pitr-scenario.ts). */
function pitrContext(processes: Processes, outDir: string) {
  let n = 0;
  return {
    root: ROOT,
    scale,
    instances: Number(args.instances),
    clients: nClients,
    warmupMs,
    settleMs,
    maxMs,
    maxRequests,
    quiet: args.quiet,
    keep: args.keep,
    runId,
    processes,
    outDir,
    scaledConfig: (c: ValidConfig) => scaledConfig(c),
    returnAfterMs,
    // `dr restore` in its own process, as the other scenarios run the runbook.
    // `dr restore` in its own process, as the other scenarios run the runbook.
    spawnRunbook: (spec: RunbookSpec, onLine: (l: string) => void) => new RunbookProcess(processes, path.dirname(spec.journalDir), spec, ++n, onLine),
  };
}

async function main(): Promise<number> {
  const config = loadProjectConfig(ROOT);
  if (!args["skip-setup"]) {
    execFileSync("bash", [path.join(ROOT, "scripts", "setup-python.sh")], { stdio: "inherit" });
    execFileSync("bash", [path.join(ROOT, "scripts", "setup-haproxy.sh")], { stdio: "inherit" });
    // The Prometheus and Alertmanager servers of the live alerts (src/drill/live-alerts.ts).
    for (const tool of ["promtool", "alertmanager"]) execFileSync("bash", [path.join(ROOT, "scripts", `setup-${tool}.sh`)], { stdio: "inherit" });
  }
  const processes = new Processes();
  if (args["startup-only"]) {
    try {
      return await startupOnly(config, processes);
    } finally {
      await processes.stopAll();
    }
  }
  const outDir = path.resolve(args.out);
  fs.mkdirSync(outDir, { recursive: true });
  const outcomes: Record<string, ScenarioOutcome> = {};
  const started = Date.now();
  let error: Error | null = null;
  try {
    for (const s of scenarioNames) {
      outcomes[s] = s in PITR_SCENARIOS ? await runPitrScenario(s as PitrScenarioName, config, pitrContext(processes, outDir)) : await runScenario(s, config, processes, outDir, opts);
    }
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
  const cfg = scaledConfig(config);
  const hcText = `every ${config.dns.healthCheck.requestIntervalSeconds} s x ${scale} from ${config.dns.healthCheck.regions.length} checkers (${config.dns.healthCheck.regions.join(", ")}), unhealthy after ${config.dns.healthCheck.failureThreshold} failures, path ${config.web.readinessPath}`;
  const rbText = `sustained outage ${cfg.runbook.minOutageSeconds.toFixed(1)} s, client drain ${cfg.runbook.clientDrainSeconds!.toFixed(1)} s, poll ${cfg.runbook.pollIntervalSeconds.toFixed(2)} s (scaled); the fleet's stop grace ${(ALB_DEREGISTRATION_SECONDS * scale).toFixed(1)} s (the deregistration delay, scaled)`;
  const report = {
    generatedAt: new Date().toISOString(),
    command,
    timeScale: scale,
    durationSeconds: (Date.now() - started) / 1000,
    loopbackOnly: LOOPBACK,
    healthCheck: config.dns.healthCheck,
    runbook: cfg.runbook,
    budget: { ...budget, scaledTotalSeconds: budget.totalSeconds * scale },
    scenarios: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, { metrics: o.metrics, checks: o.checks, chart: o.chart, runbookLog: o.runbookLog, journal: o.journal, resolverEvents: o.resolverEvents, alerts: o.alerts }])),
    leftovers,
    error: error?.message ?? null,
  };
  fs.writeFileSync(path.join(outDir, "report.json"), JSON.stringify(report, null, 2));
  const md = `${markdown({
    command,
    timeScale: scale,
    budget,
    healthCheck: hcText,
    runbookSettings: rbText,
    scenarios: ms,
    charts: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, o.chart])),
    checks: Object.fromEntries(Object.entries(outcomes).map(([k, o]) => [k, o.checks])),
    leftovers,
  })}\n${alertsMarkdown(Object.values(outcomes).map((o) => o.alerts))}`;
  fs.writeFileSync(path.join(outDir, "report.md"), md);
  console.log(`\n${md}`);
  console.log(`report: ${path.join(outDir, "report.md")} (+ report.json, ${Object.values(outcomes).map((o) => o.chart).join(", ")})`);

  const checks: Array<[string, boolean]> = [["the drill ran without error", error === null], ["nothing it started is left running", leftovers.length === 0]];
  for (const [name, o] of Object.entries(outcomes)) for (const [what, ok] of o.checks) checks.push([`${name}: ${what}`, ok]);
  for (const s of scenarioNames) if (!outcomes[s]) checks.push([`${s}: scenario completed`, false]);
  const failed = checks.filter(([, ok]) => !ok).length;
  if (!args.check) return failed ? 1 : 0;
  for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
  // A failed scenario's runbook log (the report folder may be a temporary one, as in npm test): why, in the output itself.
  for (const [name, o] of Object.entries(outcomes)) {
    if (!o.checks.some(([, ok]) => !ok) || !o.runbookLog.length) continue;
    console.log(`--- ${name}: the runbook's last lines`);
    for (const l of o.runbookLog.slice(-25)) console.log(`  ${l}`);
  }
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
