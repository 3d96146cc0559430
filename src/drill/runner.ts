/**
 * The drill's scenario runner: one scenario of the catalogue (catalogue.ts) on a fresh local environment (real
 * PostgreSQL pair, gunicorn fleets, HAProxy, Prometheus and Alertmanager: environment.ts), its fault, the runbook
 * runs, and its checks. The command line (options, the report, the exit code) is drill.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../../src/config";
import { failoverBudget } from "../../src/dns/contract";
import { request } from "../../src/dr/http-probe";
import { psql } from "../../src/dr/local-platform";
import { clientDrainSeconds } from "../../src/dr/plan-params";
import type { Mode, Operation } from "../../src/dr/plan-model";
import { TrafficClient } from "./client";
import { ControlServer } from "./control";
import { APP_USER, DrillEnvironment, waitFor } from "./environment";
import type { ScenarioName } from "./alerts";
import { SCENARIOS, type Expect } from "./catalogue";
import { killRegionAndScheduleReturn } from "./region-fault";
import { RunbookProcess } from "./runbook-run";
import { lagMonitor, rpoChecks } from "./scenario-checks";
import { alertChecks, type AlertReport, ScenarioAlerts } from "./live-alerts";
import { Processes } from "./processes";
import { analyse, chartSvg, type Mark, type ScenarioMetrics } from "./report";
import { startRoute53StandIn } from "./route53-standin";
import { reportToleranceMs, runReportChecks } from "./run-report-check";
import { AuroraSim, auroraDrillConfig } from "./aurora";
import { drillReadiness, readinessExpectation, renderReadiness } from "./readiness";
import type { LocalDns } from "../../src/dr/local-platform";

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The drill's options a scenario runs with (drill.ts reads them from the command line; times in real ms, scaled). */
export interface DrillOptions {
  /** --time-scale: production seconds x scale = drill seconds. */
  readonly scale: number;
  /** --min-outage (production seconds): runbook.minOutageSeconds. @default - the config's */
  readonly minOutageSeconds?: number;
  /** --instances: gunicorn processes per region. */
  readonly instances: number;
  /** --keep: keep the temp folder and its logs. */
  readonly keep: boolean;
  /** --quiet: runbook lines only in the report. */
  readonly quiet: boolean;
  readonly warmupMs: number;
  readonly settleMs: number;
  readonly maxMs: number;
  readonly maxRequests: number;
  readonly nClients: number;
  readonly freezeMs: number;
  readonly returnAfterMs: number;
  readonly downMs: number;
  readonly cutMs: number;
  readonly stallMs: number;
  /** This run's id (part of the scenario's names). */
  readonly runId: string;
}

/** What scaleConfig may set besides the time scale: the DR state, the generations, the forced failover. */
export interface ScaleOver {
  readonly drState?: string;
  readonly generations?: Record<RegionRole, number>;
  readonly forceFailover?: boolean;
}

/** The runbook's timeouts, polls and windows on the drill's time scale. */
export function scaleConfig(o: Pick<DrillOptions, "scale" | "minOutageSeconds">, c: ValidConfig, over: ScaleOver = {}): ValidConfig {
  const scale = o.scale;
  const r = c.runbook;
  const t = (v: number) => Math.max(2, v * scale);
  const minOutage = o.minOutageSeconds ?? r.minOutageSeconds;
  return {
    ...c,
    web: { ...c.web, healthCheckGraceSeconds: t(c.web.healthCheckGraceSeconds) },
    database: { ...c.database, ...(over.drState ? { drState: over.drState as ValidConfig["database"]["drState"] } : {}), ...(over.generations ? { generations: over.generations } : {}) },
    // The Route53 stand-in checks on the scaled interval: the runbook's view of the detection delay (its RPO estimate) too.
    dns: { ...c.dns, healthCheck: { ...c.dns.healthCheck, requestIntervalSeconds: c.dns.healthCheck.requestIntervalSeconds * scale }, ...(over.forceFailover !== undefined ? { forceFailover: over.forceFailover } : {}) },
    runbook: {
      ...r,
      fenceTimeoutSeconds: t(r.fenceTimeoutSeconds),
      catchUpTimeoutSeconds: t(r.catchUpTimeoutSeconds),
      promoteTimeoutSeconds: t(r.promoteTimeoutSeconds),
      dnsTimeoutSeconds: t(r.dnsTimeoutSeconds),
      verifyTimeoutSeconds: t(r.verifyTimeoutSeconds),
      pollIntervalSeconds: Math.max(0.05, r.pollIntervalSeconds * scale),
      minOutageSeconds: minOutage * scale,
      clientDrainSeconds: clientDrainSeconds(c) * scale,
    },
  };
}

export interface ScenarioOutcome {
  metrics: ScenarioMetrics;
  checks: Array<[string, boolean]>;
  chart: string;
  runbookLog: string[];
  journal: unknown[];
  resolverEvents: Array<{ t: number; what: string }>;
  alerts: AlertReport;
}

export async function runScenario(name: string, projectConfig: ValidConfig, processes: Processes, outDir: string, o: DrillOptions): Promise<ScenarioOutcome> {
  const { scale, warmupMs, settleMs, maxMs, maxRequests, nClients, freezeMs, returnAfterMs, downMs, cutMs, stallMs, runId } = o;
  const scaledConfig = (c: ValidConfig, over?: ScaleOver) => scaleConfig(o, c, over);
  /** Rows of the writer the failback's switch back fenced, read before the operator's rebuild wipes it. */
  let fencedBefore: Set<string> | null = null;
  const def = SCENARIOS[name as ScenarioName];
  const log = (l: string) => console.log(`[${name}] ${l}`);
  const isAurora = name.startsWith("aurora-");
  const base = isAurora ? auroraDrillConfig(projectConfig) : projectConfig;
  const env = new DrillEnvironment({ root: ROOT, config: base, timeScale: scale, instances: o.instances, processes, log }, o.keep);
  // The Aurora scenarios: the global cluster's stand-in writes the app's hosts file before the apps start.
  const auroraSim = isAurora ? new AuroraSim(env, base, { timeScale: scale, log }) : null;
  if (auroraSim) env.appExtraEnv = (role) => auroraSim.appEnv(role);
  let ticker: NodeJS.Timeout | undefined;
  let control: ControlServer | null = null;
  const lag = lagMonitor();
  const scenarioStart = Date.now();
  try {
    await env.start();
    auroraSim?.start();
    // Live alerting: the real Prometheus with the project's rules on this scenario's instances (src/drill/live-alerts.ts).
    const liveAlerts = await ScenarioAlerts.start({ env, config: base, timeScale: scale, processes, root: ROOT, log, aurora: isAurora });
    const route53 = startRoute53StandIn(base, env, scale);
    const { sim, ttlMs } = route53;
    ticker = route53.ticker;
    const origin = Date.now();
    const rel = (abs: number) => abs - origin;
    // The runbook's "AWS APIs": each region's control plane and the Route53 stand-in, on loopback.
    control = new ControlServer({
      primary: { kind: "region", target: env.regions.primary },
      secondary: { kind: "region", target: env.regions.secondary },
      dns: { kind: "dns", target: sim },
      ...(auroraSim ? { aurora: { kind: "aurora" as const, target: auroraSim } } : {}),
    });
    const controlUrl = await control.start();
    const journalDir = path.join(env.dir, "journal");
    /** Journal folders of runbooks that do not share journalDir (two-operators: a second operator's laptop). */
    const otherJournalDirs: string[] = [];
    /** The runbooks' shared lease folder: the local stand-in for the SSM parameter in the surviving region. */
    const leaseDir = path.join(env.dir, "lease");
    const snapshotDir = path.join(env.dir, "snapshots");
    const runbookLog: string[] = [];
    const runs: RunbookProcess[] = [];
    const marks: Mark[] = [];
    const mark = (label: string, at = Date.now()) => marks.push({ at: rel(at), label });
    const pauseAt = name === "target-killed" ? ["before:catch-up"] : name === "target-killed-before-promote" ? ["before-promote"] : [];
    const spawnRunbook = (operation: Operation | "status", mode: Mode, cfg: ValidConfig, confirm: string[] = [], ownJournalDir = journalDir) =>
      new RunbookProcess(
        processes,
        env.dir,
        { config: cfg, controlUrl, sites: { primary: { pgPort: env.regions.primary.pgPort, lbUrl: env.regions.primary.lbUrl }, secondary: { pgPort: env.regions.secondary.pgPort, lbUrl: env.regions.secondary.lbUrl } }, appUser: APP_USER, snapshotDir, journalDir: ownJournalDir, operation, mode, confirm, pauseAt, leaseDir, aurora: isAurora, prometheusUrl: liveAlerts.prometheus.url },
        runs.length + 1,
        (l) => {
          runbookLog.push(l);
          if (!o.quiet) log(`  runbook: ${l}`);
        },
      );
    /** Runs a pre-spawned runbook process to its end (or until killed). */
    const runbook = async (p: RunbookProcess, label: string) => {
      runs.push(p);
      await p.ready;
      p.go();
      mark(`${label}: runbook starts`);
      const r = await p.done;
      mark(`${label}: ${p.killed ? "runbook process killed" : r.result ? (r.result.ok ? "runbook done" : r.result.rolledBack ? `runbook ROLLED BACK after ${r.result.failedStep}` : `runbook stopped at ${r.result.failedStep}`) : `runbook crashed`}`, p.endedAt || Date.now());
      if (r.crashed) throw new Error(`the runbook process crashed: ${r.crashed}`);
      return r.result;
    };
    const journalHas = (operation: Operation, step: string, event: string): boolean => {
      const file = path.join(journalDir, `${operation}.jsonl`);
      if (!fs.existsSync(file)) return false;
      return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .some((l) => l.includes(`"step":"${step}"`) && l.includes(`"event":"${event}"`));
    };
    const whenJournal = (operation: Operation, step: string, event: string, timeoutMs: number) => waitFor(`journal ${operation} ${step} ${event}`, timeoutMs, async () => journalHas(operation, step, event));
    const waitPrimaryUnhealthy = async () => {
      await waitFor("Route53 to declare the primary unhealthy", failoverBudget(base).totalSeconds * 1000 * scale * 3 + 10_000, async () => !sim.endpointHealthy("primary"));
      mark("Route53: primary check unhealthy (the alarm)");
    };
    const cfg = scaledConfig(base);

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
        tokenPrefix: `${runId}-${name}`,
      }),
    );
    for (const c of clients) c.start();
    // The first runbook process loads during the warm-up.
    const next = spawnRunbook("failover", ["planned", "failback", "replica-paused", "replica-paused-late", "runbook-killed", "target-killed", "target-killed-before-promote", "aurora-planned", "aurora-failback"].includes(name) ? "planned" : "unplanned", cfg);
    /** Aurora: a run that stopped at its record step (an operator step: the config and a deploy that changes no instance) runs again with the state recorded. */
    const recordAndResume = async (r: Awaited<ReturnType<typeof runbook>>, operation: Operation, mode: Mode, label: string) => {
      const stop = operation === "failover" ? "record-failed-over" : "record-normal";
      if (r?.ok || r?.failedStep !== stop) return r;
      mark(`operator: records drState ${operation === "failover" ? "failedOver" : "normal"} (config; the deploy changes outputs only)`);
      const recorded = operation === "failover" ? scaledConfig(base, { drState: "failedOver", forceFailover: true }) : scaledConfig(base, { drState: "normal", forceFailover: false });
      return runbook(spawnRunbook(operation, mode, recorded, operation === "failback" ? ["keep-lost-writes"] : []), `${label} (again, state recorded)`);
    };
    await Promise.all([sleep(warmupMs), liveAlerts.ready()]);
    await next.ready;
    let eventAt = rel(Date.now());
    /** The scenario's first event (the failback's RTO moves eventAt to the switch back; its alerts count from here). */
    const firstEventAt = eventAt;
    lag.reset();
    const extraChecks: Array<[string, boolean]> = [];
    let switchBackFrom: string | null = null;
    const pending: Array<Promise<void>> = [];
    let outcome = "";
    /** A promotion outside the runbook (split-brain), epoch ms. */
    let manualPromotedAt: number | null = null;
    const primary = env.regions.primary;
    const secondary = env.regions.secondary;
    const W = cfg.runbook.minOutageSeconds;
    /** `dr readiness` on the local platform (src/drill/readiness.ts) at a moment of the scenario: its verdict is an extra check. */
    const readiness = async (label: string, c: ValidConfig, expect: Parameters<typeof readinessExpectation>[2]) => {
      const t0 = Date.now();
      const r = await drillReadiness(c, { primary, secondary }, sim as unknown as LocalDns, APP_USER);
      for (const l of renderReadiness(r)) runbookLog.push(`readiness ${label}: ${l}`);
      mark(`readiness ${label}: ${r.ready ? "READY" : "NOT READY"} (${Date.now() - t0} ms)`);
      extraChecks.push(readinessExpectation(label, r, expect));
    };

    switch (name) {
      case "planned": {
        // Readiness before the switchover: ready; then with the standby fleet unable to start: not ready (then repaired).
        await readiness("before the switchover", cfg, { ready: true });
        secondary.fleetCannotStart = "its launch template's AMI is deregistered";
        await readiness("while the standby fleet cannot start", cfg, { ready: false, failing: "standby-fleet" });
        secondary.fleetCannotStart = null;
        eventAt = rel(Date.now());
        log("planned switchover: dr failover --to secondary --planned (local platform)");
        mark("switchover requested");
        const r = await runbook(next, "failover --planned");
        outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
        break;
      }
      case "unplanned":
      case "db-killed": {
        if (name === "unplanned") {
          log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering");
          killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
        } else {
          log("SIGKILL of the primary's postgres; its apps and haproxy keep running");
          primary.killDb();
          mark("primary database killed (web tier up)");
          const returnAt = Date.now() + returnAfterMs;
          pending.push(
            (async () => {
              await sleep(Math.max(0, returnAt - Date.now()));
              await primary.restartDb();
              mark("the old primary database is back (restarted)");
            })(),
          );
        }
        await waitPrimaryUnhealthy();
        const r = await runbook(next, "failover --unplanned");
        outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
        break;
      }
      case "db-frozen": {
        log("SIGSTOP of the primary's postgres until the runbook has promoted the replica");
        primary.freezeDb();
        mark("primary database frozen (SIGSTOP)");
        await waitPrimaryUnhealthy();
        pending.push(
          (async () => {
            await whenJournal("failover", "promote", "done", maxMs);
            primary.thawDb();
            mark("primary database resumed (SIGCONT) right after the promotion");
          })(),
        );
        const r = await runbook(next, "failover --unplanned");
        outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
        break;
      }
      case "db-frozen-short": {
        log(`SIGSTOP of the primary's postgres for ${(freezeMs / 1000).toFixed(1)} s (the sustained-outage window is ${W} s)`);
        primary.freezeDb();
        mark("primary database frozen (SIGSTOP)");
        pending.push(
          (async () => {
            await sleep(freezeMs);
            primary.thawDb();
            mark(`primary database resumed (SIGCONT) after ${(freezeMs / 1000).toFixed(1)} s`);
          })(),
        );
        await waitPrimaryUnhealthy();
        const r = await runbook(next, "failover --unplanned");
        outcome = r?.ok ? "completed (a failover)" : r?.failedStep === "confirm-outage" && !r.acted ? "no failover: the primary recovered within the window (nothing changed)" : `failed at ${r?.failedStep}`;
        break;
      }
      case "db-down": {
        log(`SIGKILL of the primary's postgres, restarted after ${(downMs / 1000).toFixed(1)} s (in-region recovery); no failover`);
        primary.killDb();
        mark("primary database killed (web tier up)");
        await sleep(downMs);
        await primary.restartDb();
        mark(`primary database restarted after ${(downMs / 1000).toFixed(1)} s`);
        await waitFor("Route53 to see the primary healthy again", maxMs, async () => sim.endpointHealthy("primary"));
        // The operator's check afterwards: config and AWS agree (no failover happened).
        const r = await runbook(spawnRunbook("status", "planned", cfg), "dr status");
        outcome = r?.ok ? "no failover: the database recovered in its region (dr status: config and reality agree)" : `dr status reports: ${r?.failure}`;
        break;
      }
      case "split-brain": {
        log("SIGSTOP of the primary's postgres; the replica promoted by hand (pg_promote), outside the runbook; then SIGCONT");
        primary.freezeDb();
        mark("primary database frozen (SIGSTOP)");
        await waitPrimaryUnhealthy();
        await psql(secondary.pgPort, "SELECT pg_promote()");
        manualPromotedAt = Date.now();
        mark("operator: replica promoted by hand (pg_promote), no fence, no switch");
        await sleep(1000);
        primary.thawDb();
        mark("primary database resumed (SIGCONT): two writers");
        // Both writers take writes while the alert's `for` runs; then the operator looks.
        await sleep(Math.max(3000, 2 * 60_000 * scale));
        const r = await runbook(spawnRunbook("status", "planned", cfg), "dr status");
        outcome = r && !r.ok && /SPLIT BRAIN/.test(r.failure ?? "") ? "split brain, reported by dr status" : `dr status did not report a split brain: ${r?.ok ? "ok" : r?.failure}`;
        break;
      }
      case "app-killed": {
        log("SIGKILL of one gunicorn of the primary (app1)");
        primary.killApp("app1");
        mark("primary app1 killed");
        // The operator waits for the detection time, sees alerts (the app instance), and runs the unplanned failover anyway.
        await sleep(failoverBudget(base).detectionSeconds * 1000 * scale * 2);
        const r = await runbook(next, "failover --unplanned");
        outcome = r?.ok ? "completed (a failover)" : r?.failedStep === "confirm-outage" && !r.acted ? "refused: Route53 sees the primary healthy (nothing changed)" : `failed at ${r?.failedStep}`;
        break;
      }
      case "replica-paused": {
        await psql(secondary.pgPort, "SELECT pg_wal_replay_pause()");
        mark("replica replay paused (pg_wal_replay_pause)");
        await readiness("while the replica's replay is paused", cfg, { ready: false, failing: "replica-replay" });
        const r = await runbook(next, "failover --planned");
        outcome = r?.ok ? "completed (a switchover)" : r?.failedStep === "preflight" && !r.acted ? "refused at the preflight (nothing changed)" : `failed at ${r?.failedStep}`;
        await psql(secondary.pgPort, "SELECT pg_wal_replay_resume()");
        await readiness("after the replay resumed", cfg, { ready: true });
        break;
      }
      case "replica-paused-late": {
        pending.push(
          (async () => {
            await whenJournal("failover", "fence-primary", "started", maxMs);
            await psql(secondary.pgPort, "SELECT pg_wal_replay_pause()");
            mark("replica replay paused (pg_wal_replay_pause), after the preflight");
          })(),
        );
        mark("switchover requested");
        const r = await runbook(next, "failover --planned");
        outcome = r?.rolledBack ? `rolled back after ${r.failedStep} (fleet restored, switch untouched)` : r?.ok ? "completed (a switchover)" : `failed at ${r?.failedStep} (fence kept)`;
        await psql(secondary.pgPort, "SELECT pg_wal_replay_resume()");
        break;
      }
      case "runbook-killed": {
        mark("switchover requested");
        const first = next;
        pending.push(
          (async () => {
            await whenJournal("failover", "promote", "acting", maxMs);
            first.kill(processes);
            log("SIGKILL of the runbook process right after it sent the promotion");
          })(),
        );
        const second = spawnRunbook("failover", "planned", cfg);
        await runbook(first, "failover --planned (run 1)");
        await second.ready;
        const r = await runbook(second, "failover --planned (run 2, the same command again)");
        outcome = r?.ok ? `completed on a resumed run (skipped ${r.skipped.join(", ")})` : `failed at ${r?.failedStep}`;
        extraChecks.push([`the second run resumed the journal (${r?.resumed ? "resumed" : "started afresh"})`, r?.resumed === true]);
        const promotes = (fs.readFileSync(path.join(env.dir, "postgres-secondary.log"), "utf8").match(/received promote request/g) ?? []).length;
        extraChecks.push([`the replica was promoted once ("received promote request" ${promotes} time(s) in its log)`, promotes === 1]);
        break;
      }
      case "target-killed":
      case "target-killed-before-promote": {
        // The runbook stops at the hook (right after the fence: before the catch-up; or right before the promotion request) while the replica is killed.
        let killedAt: number | null = null;
        next.onHook = () => {
          if (killedAt !== null) return;
          secondary.killDb();
          killedAt = Date.now();
          mark(name === "target-killed" ? "replica's PostgreSQL killed right after the fence" : "replica's PostgreSQL killed just before pg_promote");
        };
        mark("switchover requested");
        const r = await runbook(next, "failover --planned");
        outcome = r?.rolledBack ? `rolled back after ${r.failedStep} (fleet restored, switch untouched)` : r?.ok ? "completed (a switchover)" : `failed at ${r?.failedStep} (fence kept)`;
        // Fail fast: the roll-back began long before the step's timeout.
        const timeout = name === "target-killed" ? cfg.runbook.catchUpTimeoutSeconds : cfg.runbook.promoteTimeoutSeconds;
        const rbFile = path.join(journalDir, "failover.jsonl");
        const lines = fs.existsSync(rbFile) ? fs.readFileSync(rbFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { step?: string; event?: string; at?: string; detail?: string }) : [];
        const rollbackAt = lines.find((l) => l.step === "rollback" && l.event === "started")?.at;
        const took = killedAt !== null && rollbackAt ? (Date.parse(rollbackAt) - killedAt) / 1000 : null;
        extraChecks.push([`the replica was killed at the hook (${killedAt !== null ? "killed" : "never reached"})`, killedAt !== null]);
        extraChecks.push([
          `the runbook stopped fast: the roll-back began ${took === null ? "?" : took.toFixed(1)} s after the kill (the ${name === "target-killed" ? "catch-up" : "promote"} step's timeout is ${timeout} s)`,
          took !== null && took < timeout / 2,
        ]);
        const requests = lines.filter((l) => l.step === "promote" && (l.event === "requesting" || l.event === "requested" || l.event === "not-taken")).map((l) => l.event);
        if (name === "target-killed") extraChecks.push([`no promotion request was sent (journal: ${requests.join(", ") || "none"})`, requests.length === 0]);
        else extraChecks.push([`every promotion request found the target down and was journaled not-taken (journal: ${requests.join(", ")})`, requests.length >= 2 && !requests.includes("requested")]);
        break;
      }
      case "replication-cut": {
        // The replica's WAL receiver stops: no primary_conninfo (reloadable since PostgreSQL 13; the receiver exits on the change).
        await psql(secondary.pgPort, "ALTER SYSTEM SET primary_conninfo = ''");
        await psql(secondary.pgPort, "SELECT pg_reload_conf()");
        await waitFor("the replica's WAL receiver to stop", 10_000, async () => (await psql(secondary.pgPort, "SELECT count(*) FROM pg_stat_wal_receiver")) === "0");
        mark("replication cut (the replica's WAL receiver stopped)");
        await sleep(cutMs);
        log(`regional failure ${(cutMs / 1000).toFixed(1)} s after the cut: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering`);
        killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
        await waitPrimaryUnhealthy();
        const r = await runbook(next, "failover --unplanned");
        outcome = r?.ok ? "completed" : `failed at ${r?.failedStep}`;
          break;
        }
      case "stale-verdict": {
        // Issue 25 point 5: the runbook suspended (SIGSTOP: a laptop lid, a stalled terminal) right after the outage is
        // confirmed, at its DNS-switch step, while the primary recovers; resumed --stall seconds later.
        log(`SIGSTOP of the primary's postgres; the runbook suspended at its DNS-switch step for ${(stallMs / 1000).toFixed(1)} s while the primary resumes`);
        primary.freezeDb();
        mark("primary database frozen (SIGSTOP)");
        await waitPrimaryUnhealthy();
        const rb = next;
        pending.push(
          (async () => {
            // Polled every 5 ms (not waitFor's 100 ms): the suspension lands as close to the verdict as a second process can see it.
            const deadline = Date.now() + maxMs;
            while (!journalHas("failover", "confirm-outage", "done")) {
              if (Date.now() > deadline || rb.endedAt) return;
              await sleep(5);
            }
            processes.signal(rb.group, "SIGSTOP");
            mark("runbook process suspended (SIGSTOP) right after the outage was confirmed");
            primary.thawDb();
            mark("primary database resumed (SIGCONT)");
            await sleep(stallMs);
            const forcedDuring = sim.switchState().forced === true;
            processes.signal(rb.group, "SIGCONT");
            mark(`runbook process resumed (SIGCONT) after ${(stallMs / 1000).toFixed(1)} s (the switch was ${forcedDuring ? "already forced" : "not forced"} when it stopped)`);
            extraChecks.push([`the runbook was suspended after the verdict and resumed (the switch ${forcedDuring ? "already forced" : "not yet forced"} at the suspension)`, true]);
          })(),
        );
        const r = await runbook(rb, "failover --unplanned");
        outcome = r?.transient ? `transient: stopped at ${r.failedStep}, ${r.acted ? "the switch released again" : "nothing changed"}` : r?.ok ? "completed (a failover of a recovered primary)" : `failed at ${r?.failedStep}`;
        const w = await primary.webState().catch(() => null);
        extraChecks.push([`the primary's fleet was never fenced (desired ${w?.desired ?? "?"}, journal: ${journalHas("failover", "fence-old-primary", "acting") ? "fence sent" : "no fence"})`, !!w && w.desired > 0 && !journalHas("failover", "fence-old-primary", "acting")]);
        extraChecks.push([`no promotion was requested (journal: ${journalHas("failover", "promote", "acting") ? "promote acting" : "none"})`, !journalHas("failover", "promote", "acting")]);
        break;
      }
      case "two-operators": {
        // Issue 25 point 7: three failovers 0-400 ms apart, as two or three operators would start them: run 2 with its own
        // journal folder (another laptop), run 3 sharing run 1's. Exactly one runs; the others are refused naming it.
        log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; then three dr failover --unplanned runs 0-400 ms apart");
        killRegionAndScheduleReturn(primary, { returnAfterMs, mark, pending });
        const laptop2 = path.join(env.dir, "journal-laptop2");
        otherJournalDirs.push(laptop2);
        const second = spawnRunbook("failover", "unplanned", cfg, [], laptop2);
        const third = spawnRunbook("failover", "unplanned", cfg);
        await Promise.all([second.ready, third.ready]);
        await waitPrimaryUnhealthy();
        const started = [
          runbook(next, "failover --unplanned (operator 1)"),
          (async () => {
            await sleep(0);
            return runbook(second, "failover --unplanned (operator 2, own journal folder, +0 ms)");
          })(),
          (async () => {
            await sleep(400);
            return runbook(third, "failover --unplanned (operator 3, the same journal folder, +400 ms)");
          })(),
        ];
        const results = await Promise.all(started);
        const procs = [next, second, third];
        const winners = results.map((r, i) => ({ r, p: procs[i] })).filter((x) => x.r && !x.r.refused);
        const refused = results.map((r, i) => ({ r, p: procs[i] })).filter((x) => x.r?.refused);
        const winner = winners.length === 1 ? winners[0] : null;
        extraChecks.push([`exactly one run went ahead (${winners.length}) and the others were refused (${refused.length} of 2)`, winners.length === 1 && refused.length === 2]);
        extraChecks.push([
          `each refusal names the run that holds the lease (pid ${winner?.p.pid ?? "?"}): ${refused.map((x) => `pid ${x.r?.holderPid ?? "?"}`).join(", ")}`,
          !!winner && refused.length === 2 && refused.every((x) => x.r?.holderPid === winner.p.pid && (x.r?.failure ?? "").includes(`pid ${winner.p.pid}`)),
        ]);
        // A live journal is never archived: run 1's folder holds one journal (the winner's, if it is run 1 or 3), run 2's folder at most its own.
        const files = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".jsonl")) : []);
        extraChecks.push([`no journal was archived or written by a refused run (${files(journalDir).join(", ") || "none"} | ${files(laptop2).join(", ") || "none"})`, files(journalDir).length + files(laptop2).length === 1]);
        const promotes = (fs.readFileSync(path.join(env.dir, "postgres-secondary.log"), "utf8").match(/received promote request/g) ?? []).length;
        extraChecks.push([`the replica was promoted once ("received promote request" ${promotes} time(s) in its log)`, promotes === 1]);
        outcome = winner?.r?.ok ? `completed by one run (operator ${procs.indexOf(winner.p) + 1}); ${refused.length} refused naming its pid` : `failed: ${winner ? `the run that went ahead stopped at ${winner.r?.failedStep}` : `${winners.length} runs went ahead`}`;
        break;
      }
      case "failback": {
        mark("switchover requested");
        const r1 = await runbook(next, "failover --planned");
        if (!r1?.ok) throw new Error(`the planned failover before the failback failed at ${r1?.failedStep}`);
        // Traffic settles on the secondary before the failback.
        await sleep(ttlMs + 1000);
        eventAt = rel(Date.now());
        mark("failback requested");
        const failedOver = scaledConfig(base, { drState: "failedOver", forceFailover: true });
        const r2 = await runbook(spawnRunbook("failback", "planned", failedOver), "failback (run 1)");
        if (r2?.failedStep !== "rebuild-primary") throw new Error(`dr failback stopped at ${r2?.failedStep ?? "the end"}, expected the rebuild-primary operator step`);
        // The operator's deploy of primary: the old primary rebuilt as a replica of the new writer (generation 2).
        await env.rebuildAsReplicaOf(primary, secondary);
        mark("operator: primary rebuilt as a replica of the secondary (deploy primary, generation 2)");
        const failback = scaledConfig(base, { drState: "failback", generations: { primary: 2, secondary: 1 }, forceFailover: true });
        const r3 = await runbook(spawnRunbook("failback", "planned", failback), "failback (run 2: switch back)");
        if (r3?.failedStep !== "rebuild-secondary") throw new Error(`dr failback stopped at ${r3?.failedStep ?? "the end"}, expected the rebuild-secondary operator step`);
        // The writer the switch back fenced: what only it holds (nothing, if the switch back lost nothing), before the rebuild wipes it.
        const fencedNow = await env.titles(secondary);
        fencedBefore = fencedNow ? new Set(fencedNow) : null;
        await env.rebuildAsReplicaOf(secondary, primary);
        mark("operator: secondary rebuilt as a replica of the primary (deploy, generation 2)");
        const normal = scaledConfig(base, { drState: "normal", generations: { primary: 2, secondary: 2 }, forceFailover: false });
        const r4 = await runbook(spawnRunbook("failback", "planned", normal), "failback (run 3)");
        outcome = r4?.ok ? "completed (3 runs: stopped at each operator deploy, resumed)" : `failed at ${r4?.failedStep}`;
        // Ready again after the failback (drState normal, both regions at generation 2).
        if (r4?.ok) await readiness("after the failback", normal, { ready: true });
        // The switch back is measured from its fence (the rebuilds before it load the writer, as a deploy would, but take no writes away).
        switchBackFrom = "fence-secondary";
        break;
      }
      case "aurora-planned": {
        log("Aurora planned switchover: dr failover --to secondary --planned (local Aurora platform)");
        mark("switchover requested");
        const r = await recordAndResume(await runbook(next, "failover --planned"), "failover", "planned", "failover --planned");
        outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
        break;
      }
      case "aurora-unplanned": {
        log("regional failure: SIGKILL of the primary's postgres, gunicorns and haproxy; its APIs stop answering");
        // The region returns --return-after after the fault, but not before the managed failover is done: a region back before the move
        // is a switchover (RPO 0, the runbook's choice when the old primary answers), which aurora-planned drills already.
        killRegionAndScheduleReturn(primary, {
          returnAfterMs,
          mark,
          pending,
          notBefore: () => whenJournal("failover", "failover", "done", maxMs).catch(() => undefined),
          minDownMs: 1000 * scale * 10,
        });
        await waitPrimaryUnhealthy();
        const r = await recordAndResume(await runbook(next, "failover --unplanned"), "failover", "unplanned", "failover --unplanned");
        extraChecks.push([`the move was a managed failover with data loss (the old region was down): ${auroraSim!.moves.join(", ") || "none"}`, auroraSim!.moves.includes("failover")]);
        outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
        break;
      }
      case "aurora-db-frozen": {
        log("SIGSTOP of the primary's postgres until the managed failover is done");
        primary.freezeDb();
        mark("primary database frozen (SIGSTOP)");
        await waitPrimaryUnhealthy();
        pending.push(
          (async () => {
            // Bounded: a failover still running after --max-seconds does not crash the drill; the database is resumed anyway (and the checks say what happened).
            const done = await whenJournal("failover", "failover", "done", maxMs).then(() => true, () => false);
            primary.thawDb();
            mark(done ? "primary database resumed (SIGCONT) right after the failover" : "primary database resumed (SIGCONT): the failover step was not done within --max-seconds");
          })(),
        );
        const r = await recordAndResume(await runbook(next, "failover --unplanned"), "failover", "unplanned", "failover --unplanned");
        outcome = r?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r?.failedStep}`;
        break;
      }
      case "aurora-failback": {
        mark("switchover requested");
        const r1 = await recordAndResume(await runbook(next, "failover --planned"), "failover", "planned", "failover --planned");
        if (!r1?.ok) throw new Error(`the planned switchover before the failback failed at ${r1?.failedStep}`);
        await sleep(ttlMs + 1000);
        eventAt = rel(Date.now());
        mark("failback requested");
        // The operator records drState "failback" and deploys primary (no rebuild: Aurora keeps the old primary a secondary member in sync);
        // a switchover leaves no point-of-failure snapshot: keep-lost-writes confirmed.
        const failback = scaledConfig(base, { drState: "failback", forceFailover: true });
        const r2 = await recordAndResume(await runbook(spawnRunbook("failback", "planned", failback, ["keep-lost-writes"]), "failback"), "failback", "planned", "failback");
        outcome = r2?.ok ? "completed (2 runs: stopped at the record step, resumed)" : `failed at ${r2?.failedStep}`;
        switchBackFrom = "fence-secondary";
        break;
      }
      default:
        throw new Error(`no scenario ${name}`);
    }
    await Promise.all(pending);
    if (auroraSim) {
      // The old primary's rebuild (a switchover's demotion, or a failover's recovery once its region is back) ends before the end state is read.
      await waitFor("the Aurora stand-in's operations to settle (old primary a secondary member again)", maxMs, async () => auroraSim.settled()).catch((e: Error) => extraChecks.push([`Aurora: ${e.message}`, false]));
    }
    const rbEnd = runs.length ? Math.max(...runs.map((r) => r.endedAt || Date.now())) : Date.now();

    // Keep the traffic on until every client has written a few times after the runbook (bounded).
    const deadline = origin + maxMs;
    const since = Date.now();
    while (Date.now() < deadline && !clients.some((c) => c.exhausted)) {
      const recovered = clients.every((c) => c.records.filter((r) => r.op === "write" && r.ok && r.t > rel(rbEnd)).length >= 3);
      if (Date.now() - since >= settleMs && recovered) break;
      await sleep(100);
    }
    await Promise.all(clients.map((c) => c.stop()));
    log(`traffic stopped ${((Date.now() - rbEnd) / 1000).toFixed(1)} s after the runbook's end`);
    // Every journal folder's journals (two-operators: a second operator's own folder, its files prefixed with the folder's name).
    const journalFiles = [journalDir, ...otherJournalDirs].flatMap((d) =>
      fs.existsSync(d) ? fs.readdirSync(d).filter((f) => f.endsWith(".jsonl")).sort().map((f) => ({ path: path.join(d, f), name: d === journalDir ? f : `${path.basename(d)}-${f}` })) : [],
    );
    const journalLines: Array<{ step: string; event: string; at: string; detail?: string; file: string }> = [];
    for (const { path: file, name: f } of journalFiles) {
      for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
        try {
          const l = JSON.parse(raw) as { type: string; step: string; event: string; at: string; detail?: string };
          if (l.type === "step") journalLines.push({ ...l, file: f });
        } catch {
          // blank line
        }
      }
    }
    const stepAt = (step: string, event: string, file?: string) => {
      const l = [...journalLines].reverse().find((x) => x.step === step && x.event === event && (!file || x.file === file));
      return l ? Date.parse(l.at) : null;
    };
    /** Aurora: the managed move's step (a switchover or, unplanned, the failover step), in the scenario's last operation's journal. */
    const auroraMove = isAurora ? (def.expect === "failback" ? { step: "switchover", file: "failback.jsonl" } : { step: name === "aurora-planned" ? "switchover" : "failover", file: "failover.jsonl" }) : null;
    // Which alerts fired, when, against the scenario's expectations (waits for the ones still due).
    const alerts = await liveAlerts.finish({
      scenario: name,
      faultAt: origin + firstEventAt,
      promotedAt: (auroraMove ? stepAt(auroraMove.step, "done", "failover.jsonl") : null) ?? stepAt("promote", "done") ?? stepAt("promote-primary", "done") ?? manualPromotedAt,
      detectedAt: sim.events.find((ev) => ev.at >= origin + eventAt && /primary unhealthy/.test(ev.what))?.at ?? null,
    });
    log(`alerts: ${alertChecks(alerts).filter(([, ok]) => !ok).length} of ${alertChecks(alerts).length} expectations failed; fired: ${[...new Set(alerts.episodes.filter((e) => e.firingAt !== null).map((e) => e.alertname))].join(", ") || "none"}`);
    const records = TrafficClient.merge(clients);
    clearInterval(ticker);
    ticker = undefined;
    // Anything still frozen is thawed, so every database can be read.
    primary.thawDb();

    // The end state: which database writes, what each holds.
    const answer = sim.authoritative();
    const role = async (r: typeof primary) => psql(r.pgPort, "SELECT pg_is_in_recovery()").then((v) => (v === "f" ? "writer" : "replica"), () => "unreachable");
    const roles: Record<RegionRole, string> = { primary: await role(primary), secondary: await role(secondary) };
    const finalRole: RegionRole | null = roles[answer] === "writer" ? answer : null;
    const otherRole: RegionRole = answer === "primary" ? "secondary" : "primary";
    const finalTokensList = finalRole ? await env.titles(env.regions[finalRole]) : null;
    // Aurora after a failover with data loss: the old primary's rows are in the point-of-failure snapshot (AWS's, here a pg_dump), not on a writer.
    let fencedTokens: Set<string> | null = auroraSim && auroraSim.snapshotTitles.length ? new Set(auroraSim.snapshotTitles) : fencedBefore;
    if (roles[otherRole] === "writer") {
      const t = await env.titles(env.regions[otherRole]);
      fencedTokens = t ? new Set([...(fencedTokens ?? []), ...t]) : fencedTokens;
    }
    const serves = finalRole
      ? await request({ baseUrl: env.regions[finalRole].lbUrl, timeoutMs: 3000 }, "POST", "/api/notes", { title: `${runId}-${name}-final-check` }).then((r) => r.status === 201, () => false)
      : false;
    const otherWeb = await env.regions[otherRole].webState().catch(() => null);

    // Route53's answer changes, switch writes and the primary check's verdict changes, from the stand-in's events.
    let verdict: string | null = null;
    for (const ev of sim.events) {
      const v = /^primary (healthy|unhealthy),/.exec(ev.what)?.[1] ?? null;
      const changed = v !== null && v !== verdict;
      if (v !== null) verdict = v;
      if (rel(ev.at) < eventAt) continue;
      if (/^Route53 answers|^switch metric/.test(ev.what)) marks.push({ at: rel(ev.at), label: `Route53: ${ev.what}` });
      else if (changed && !marks.some((m) => m.label.startsWith("Route53: primary check") && Math.abs(m.at - rel(ev.at)) < 50)) marks.push({ at: rel(ev.at), label: `Route53: primary check ${v}` });
    }
    for (const step of ["confirm-outage", "force-dns", "fence-primary", "fence-old-primary", "drain", "catch-up", "promote", "isolate-old-primary", "rollback", "fence-secondary", "promote-primary", "unforce-dns", "switchover", "failover", "verify", "verify-primary", "fence-old-primary-fleet", "keep-lost-writes"]) {
      const at = stepAt(step, "done");
      if (at !== null && rel(at) >= eventAt - 1) mark(`${step} done`, at);
    }
    if (switchBackFrom) {
      const at = journalLines.find((l) => l.step === switchBackFrom && l.event === "acting");
      if (at) {
        eventAt = rel(Date.parse(at.at));
        mark(`${switchBackFrom} starts: the switch back (RTO measured from here)`, Date.parse(at.at));
      }
    }
    const actions = journalLines.filter((l) => l.event === "action").map((l) => `${l.step}: ${(l.detail ?? "").slice(0, 200)}`);
    const budgetMs = def.expect === "failover" || def.expect === "failback" ? failoverBudget(base).totalSeconds * 1000 * scale : 0;
    const metrics = analyse({
      name,
      title: def.title,
      eventAt,
      records,
      marks,
      finalRegion: finalRole ? base.regions[finalRole].region : null,
      finalTokens: finalTokensList ? new Set(finalTokensList) : null,
      fencedTokens,
      runbookOutcome: outcome,
      runbookActions: actions,
      budgetMs,
    });

    // --- checks ---------------------------------------------------------------
    const checks: Array<[string, boolean]> = [];
    const expectedOutcome: Record<Expect, (o: string) => boolean> = {
      failover: (o) => o.startsWith("completed"),
      failback: (o) => o.startsWith("completed"),
      "no-failover": (o) => o.startsWith("no failover"),
      refused: (o) => o.startsWith("refused"),
      "rolled-back": (o) => o.startsWith("rolled back"),
      "split-brain": (o) => o.startsWith("split brain"),
      transient: (o) => o.startsWith("transient"),
    };
    checks.push([`the runbook did what is expected (${def.expect}): ${outcome}`, expectedOutcome[def.expect](outcome)]);
    // Each completed run left a report whose RTO agrees with the clients' view (src/drill/run-report-check.ts).
    const reportRuns = await Promise.all(runs.filter((p) => p.operation !== "status" && !p.killed).map(async (p) => ({ startedAt: p.startedAt, ok: (await p.done).result?.ok === true, resumed: (await p.done).result?.resumed === true })));
    checks.push(...runReportChecks({ journalDir, runs: reportRuns, records, origin, toleranceMs: reportToleranceMs(ttlMs, cfg.runbook.pollIntervalSeconds) }));
    const ackedAfter = records.filter((r) => r.op === "write" && r.ok && r.t > rel(rbEnd)).length;
    checks.push([`writes were acknowledged before the event and after the runbook (${metrics.rpo.ackedWrites} in all, ${ackedAfter} after)`, metrics.rpo.ackedWrites > 10 && ackedAfter > 0]);
    const twoWriters = roles.primary === "writer" && roles.secondary === "writer";
    if (def.expect === "split-brain") {
      // The fault is the split brain itself (made outside the runbook): what must hold is that it is seen. The writes only one writer holds are what it costs.
      checks.push([`both regions' databases are writers at the end (primary ${roles.primary}, secondary ${roles.secondary})`, twoWriters]);
      checks.push([`the split brain cost acknowledged writes the final writer (${answer}) lacks: ${metrics.rpo.lost} of ${metrics.rpo.ackedWrites} (reported, not asserted)`, true]);
    } else if (name === "replication-cut") {
      checks.push(...rpoChecks(records, finalTokensList ? new Set(finalTokensList) : null, journalLines, origin, cfg, runbookLog));
      // What the cut kept from the replica stays on the isolated old primary (crash recovery keeps every commit): the evidence to reconcile from.
      checks.push([`the lost writes are on the isolated old primary, to reconcile from (${metrics.rpo.ackedOnFencedOnly} of ${metrics.rpo.lost})`, metrics.rpo.fencedChecked && metrics.rpo.ackedOnFencedOnly === metrics.rpo.lost]);
    } else if (name === "aurora-unplanned") {
      // AWS documents data loss here (AllowDataLoss): the count is reported, and every lost write must be in AWS's point-of-failure snapshot.
      checks.push([`acknowledged writes lost by the failover with data loss, by content: ${metrics.rpo.lost} of ${metrics.rpo.ackedWrites} (reported, not asserted)`, metrics.rpo.finalChecked]);
      checks.push([`every lost acknowledged write is in the point-of-failure snapshot (${metrics.rpo.ackedOnFencedOnly} of ${metrics.rpo.lost} there; snapshot read: ${fencedTokens !== null})`, fencedTokens !== null && metrics.rpo.ackedOnFencedOnly === metrics.rpo.lost]);
    } else {
      checks.push([`no acknowledged write lost, by content (${metrics.rpo.lost} of ${metrics.rpo.ackedWrites} missing from the final writer)`, metrics.rpo.finalChecked && metrics.rpo.lost === 0]);
      checks.push([`no acknowledged write only on a fenced primary (${metrics.rpo.ackedOnFencedOnly}; unacknowledged rows there: ${metrics.rpo.unackedOnFencedOnly})`, metrics.rpo.ackedOnFencedOnly === 0]);
    }
    if (def.expect !== "split-brain") {
    checks.push([`a writer serves once the runbook has exited: Route53 answers ${answer}, whose database is ${roles[answer]}, and it took a write (${serves ? "201" : "failed"})`, serves]);
    checks.push([
      `one writer serves: ${twoWriters ? `the other region's database (${otherRole}) is a standalone writer; its fleet ${otherWeb ? `desired ${otherWeb.desired}, ${otherWeb.running} running` : "cannot be read"}` : `the other region's database is a ${roles[otherRole]}`}`,
      !twoWriters || (otherWeb !== null && otherWeb.desired === 0 && otherWeb.running === 0),
    ]);
    }
    const failedOver = roles.secondary === "writer";
    if (def.expect === "no-failover" || def.expect === "refused" || def.expect === "rolled-back" || def.expect === "transient") {
      const forced = sim.switchState().forced === true;
      checks.push([`no failover: the secondary is still a replica (${roles.secondary}) and the switch was never forced (${forced ? "forced" : "not forced"})`, !failedOver && !forced]);
    }
    if (def.expect === "failover" || def.expect === "failback") {
      // Clients fail only while the runbook works and their cache holds the old answer: once the new writer is promoted (+ the app's role cache)
      // and the client's cache points to it, no write may fail. Slack: this process's measured event-loop lag.
      const promoteStep = auroraMove ? auroraMove.step : def.expect === "failback" ? "promote-primary" : "promote";
      const promotedAt = auroraMove ? stepAt(auroraMove.step, "done", auroraMove.file) : stepAt(promoteStep, "done");
      const roleCacheMs = Math.max(50, 2000 * scale);
      const slack = lag.max + 100;
      if (promotedAt !== null && finalRole) {
        const bad: string[] = [];
        for (let k = 0; k < clients.length; k++) {
          const switched = [...sim.cacheChanges].reverse().find((x) => x.client === k && x.answer === finalRole);
          const readyAt = Math.max(rel(promotedAt) + roleCacheMs, switched ? rel(switched.at) : eventAt);
          const late = records.filter((r) => r.client === k && r.op === "write" && !r.ok && r.t > readyAt + slack);
          if (late.length) bad.push(`client ${k}: ${late.length} failed after ${(readyAt - eventAt) / 1000} s (first at ${(late[0].t - eventAt) / 1000} s: ${late[0].error ?? late[0].status})`);
        }
        checks.push([`no client write failed once the writer was promoted (+ ${roleCacheMs} ms role cache) and the client's cache pointed to it (slack: event-loop lag ${lag.max} ms + 100 ms)${bad.length ? `: ${bad.join("; ")}` : ""}`, bad.length === 0]);
      } else {
        checks.push([`the ${promoteStep} step completed`, false]);
      }
    }
    if (["unplanned", "db-killed", "db-frozen", "replication-cut", "two-operators"].includes(name)) {
      const forcedAt = stepAt("force-dns", "done");
      const promoteActing = stepAt("promote", "acting");
      const drainedAt = stepAt("drain", "done");
      const unhealthyAt = marks.find((m) => m.label.startsWith("Route53: primary check unhealthy"))?.at ?? null;
      checks.push([`the failover switch was forced before the promotion was requested (gate first)`, forcedAt !== null && promoteActing !== null && forcedAt <= promoteActing]);
      checks.push([
        `the promotion came after a sustained outage: ${promoteActing !== null && unhealthyAt !== null ? ((rel(promoteActing) - unhealthyAt) / 1000).toFixed(1) : "?"} s after Route53 declared the primary unhealthy (window ${W} s)`,
        promoteActing !== null && unhealthyAt !== null && rel(promoteActing) - unhealthyAt >= W * 1000,
      ]);
      checks.push([`the old fleet was fenced, or the client drain had passed, before the promotion`, drainedAt !== null && promoteActing !== null && drainedAt <= promoteActing]);
      checks.push([`the old primary was isolated after it came back (journal isolate-old-primary done)`, stepAt("isolate-old-primary", "done") !== null]);
    }
    if (name === "aurora-unplanned" || name === "aurora-db-frozen") {
      const forcedAt = stepAt("force-dns", "done");
      const moveActing = stepAt("failover", "acting");
      const drainedAt = stepAt("drain", "done");
      const unhealthyAt = marks.find((m) => m.label.startsWith("Route53: primary check unhealthy"))?.at ?? null;
      checks.push([`the failover switch was forced before the managed failover was requested (gate first)`, forcedAt !== null && moveActing !== null && forcedAt <= moveActing]);
      checks.push([
        `the managed failover came after a sustained outage: ${moveActing !== null && unhealthyAt !== null ? ((rel(moveActing) - unhealthyAt) / 1000).toFixed(1) : "?"} s after Route53 declared the primary unhealthy (window ${W} s)`,
        moveActing !== null && unhealthyAt !== null && rel(moveActing) - unhealthyAt >= W * 1000,
      ]);
      checks.push([`the old fleet was fenced, or the client drain had passed, before the managed failover`, drainedAt !== null && moveActing !== null && drainedAt <= moveActing]);
      checks.push([`the old primary's fleet is held at zero (journal fence-old-primary-fleet done)`, stepAt("fence-old-primary-fleet", "done") !== null]);
    }
    if (auroraSim) {
      // REL11-BP04: writes resumed with no deploy; the record step (a deploy of outputs only) came after the first write the new region took.
      const recordFile = def.expect === "failback" ? "failback.jsonl" : "failover.jsonl";
      const firstRecord = journalLines.find((x) => x.step === (def.expect === "failback" ? "record-normal" : "record-failed-over") && x.event === "started" && x.file === recordFile);
      const recordAt = firstRecord ? Date.parse(firstRecord.at) : null;
      const verifiedAt = stepAt(def.expect === "failback" ? "verify-primary" : "verify", "done", def.expect === "failback" ? "failback.jsonl" : "failover.jsonl");
      checks.push([`writes were verified in the new primary region before the record step (no deploy before writes resumed)`, verifiedAt !== null && recordAt !== null && verifiedAt <= recordAt]);
    }
    checks.push(...extraChecks);
    checks.push(...alertChecks(alerts).map(([what, ok]): [string, boolean] => [what.replace(`${name}: `, ""), ok]));

    const bucketMs = Math.max(100, Math.round(2500 * scale));
    const chart = `${name}.svg`;
    fs.writeFileSync(path.join(outDir, chart), chartSvg(metrics, records, eventAt, bucketMs));
    fs.writeFileSync(path.join(outDir, `${name}-requests.json`), JSON.stringify(records));
    for (const f of journalFiles) fs.copyFileSync(f.path, path.join(outDir, `${name}-${f.name}`));
    // The runs' reports (src/dr/run-report.ts), beside the journals.
    const reportDir = path.join(journalDir, "reports");
    if (fs.existsSync(reportDir)) for (const f of fs.readdirSync(reportDir).filter((x) => /\.(json|md)$/.test(x))) fs.copyFileSync(path.join(reportDir, f), path.join(outDir, `${name}-report-${f}`));
    log(`${outcome}; RTO ${metrics.rtoSeconds} s; ${metrics.rpo.lost} of ${metrics.rpo.ackedWrites} acknowledged writes lost, ${metrics.rpo.ackedOnFencedOnly} only on a fenced primary; ${metrics.requests.failed} of ${metrics.requests.total} requests failed`);
    return { metrics, checks, chart, runbookLog, journal: journalLines, resolverEvents: sim.events.map((e) => ({ t: rel(e.at) / 1000, what: e.what })), alerts };
  } finally {
    lag.stop();
    if (ticker) clearInterval(ticker);
    await control?.stop();
    // The Aurora stand-in's background work (lag datapoints, an old primary's recovery) ends before its servers stop.
    if (auroraSim) await Promise.race([auroraSim.stop(), sleep(15_000)]);
    if (o.keep) log(`keeping ${env.dir}`);
    const t0 = Date.now();
    await env.stop(o.keep);
    log(`stopped everything in ${((Date.now() - t0) / 1000).toFixed(1)} s (scenario ${((Date.now() - scenarioStart) / 1000).toFixed(1)} s in all)`);
  }
}

/**
 * `--startup-only`: the environment's start-up alone, `repeat` times (issue 23's proof that it no longer
 * flakes under load): the databases, every app instance, both load balancers, Prometheus (every target
 * scraped) and Alertmanager up, then everything stopped, its folder removed and nothing left running.
 */
