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
import type { Mode, Operation } from "../../src/dr/plan-model";
import { TrafficClient } from "./client";
import { ControlServer } from "./control";
import { APP_USER } from "./production-model";
import { DrillEnvironment } from "./environment";
import { waitFor } from "./host-tools";
import { type ScenarioName, SCENARIOS, type Expect } from "./catalogue";
import { type DrillOptions, type ScaleOver, scaleConfig } from "./drill-options";
import { RunbookProcess } from "./runbook-run";
import { lagMonitor, rpoChecks } from "./scenario-checks";
import { alertChecks, ScenarioAlerts } from "./live-alerts";
import { Processes } from "./processes";
import { analyse, chartSvg, type Mark } from "./report";
import { startRoute53StandIn } from "./route53-standin";
import { reportToleranceMs, runReportChecks } from "./run-report-check";
import { AuroraSim, auroraDrillConfig } from "./aurora";
import { drillReadiness, readinessExpectation, renderReadiness } from "./readiness";
import type { LocalDns } from "../../src/dr/local-platform";
import { runScenarioRuns } from "./scenarios/dispatch";
import type { ScenarioOutcome } from "./scenario-outcome";

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type { ScenarioOutcome };

export async function runScenario(name: string, projectConfig: ValidConfig, processes: Processes, outDir: string, o: DrillOptions): Promise<ScenarioOutcome> {
  const { scale, warmupMs, settleMs, maxMs, maxRequests, nClients, freezeMs, returnAfterMs, downMs, cutMs, stallMs, runId } = o;
  const scaledConfig = (c: ValidConfig, over?: ScaleOver) => scaleConfig(o, c, over);
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
    const pending: Array<Promise<void>> = [];
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

    // The scenario's fault and runbook runs (src/drill/scenarios/, by family).
    const run = await runScenarioRuns(name, {
      name, scale, freezeMs, returnAfterMs, downMs, cutMs, stallMs, maxMs, processes, env, primary, secondary, base, cfg, scaledConfig, sim, ttlMs,
      next, runbook, spawnRunbook, mark, log, pending, extraChecks, readiness, waitPrimaryUnhealthy, whenJournal, journalHas, recordAndResume,
      journalDir, otherJournalDirs, auroraSim, rel, W,
    });
    const outcome = run.outcome;
    if (run.eventAt !== undefined) eventAt = run.eventAt;
    const switchBackFrom = run.switchBackFrom ?? null;
    const fencedBefore = run.fencedBefore ?? null;
    const manualPromotedAt = run.manualPromotedAt ?? null;
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
