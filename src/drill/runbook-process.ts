// The operator's `dr` in the drill: a separate process running the same
// runner and plans with the local adapter, talking to the drill's control
// plane (control.ts) for what the AWS APIs do and to PostgreSQL and the
// regions' load balancers directly. It loads, says "ready", waits for "go"
// on stdin (so its start-up is not counted in an RTO), prints one JSON line
// per log line and a final {"result": ...} line. Killing it mid-run is the
// drill's "runbook process killed" fault.
import * as fs from "node:fs";
import * as readline from "node:readline";
import type { RegionRole, ValidConfig } from "../../src/config";
import { realClock } from "../../src/dr/clock";
import { type LocalAurora, type LocalAuroraRestore, LocalAuroraPlatform } from "../../src/dr/local-aurora-platform";
import { LocalPlatform, type LocalDns, type LocalRegionSite, type LocalWebState } from "../../src/dr/local-platform";
import { type LocalRestore, LocalRestorePlatform } from "../../src/dr/local-restore";
import type { Mode, Operation } from "../../src/dr/plan-model";
import { request } from "../../src/dr/http-probe";
import type { AlarmRead, HealthCheckState, OutageState, SwitchState } from "../../src/dr/platform";
import { LeaseHeldError, LeaseNotTakenError } from "../../src/dr/lease";
import { RestoreRequestError } from "../../src/dr/restore-requests";
import { RunnerError } from "../../src/dr/run-options";
import { runRunbook } from "../../src/dr/runner";
import { collectStatus, renderStatus } from "../../src/dr/status";
import { controlClient } from "./control";

export interface RunbookSpec {
  readonly config: ValidConfig;
  readonly controlUrl: string;
  readonly sites: Readonly<Record<RegionRole, { readonly pgPort: number; readonly lbUrl: string }>>;
  readonly appUser: string;
  readonly snapshotDir: string;
  readonly journalDir: string;
  /** A runbook operation, or "status" (`dr status`: result ok when config and reality agree; failure = the mismatches). */
  readonly operation: Operation | "status";
  readonly mode: Mode;
  readonly confirm?: readonly string[];
  /**
   * Points where the process says {"hook": name} and waits for a "continue" line on stdin, so the drill can inject a
   * fault at an exact moment: "before-promote" (right before each promotion request is sent), "before:<step id>"
   * (before a step starts).
   */
  readonly pauseAt?: readonly string[];
  /** The folder every runbook of the scenario shares: the local platform's lease (the stand-in for the SSM parameter in the surviving region). */
  readonly leaseDir?: string;
  /** The Aurora scenarios: the global cluster's calls go to the drill's control plane (src/drill/aurora.ts). */
  readonly aurora?: boolean;
  /** The drill's Prometheus (live alerts): the run report's alarm source (its firing alerts, per `region` label). */
  readonly prometheusUrl?: string;
  /**
   * The PITR scenarios (`dr restore`): the target time and region, and (RDS mode) the hosts file that maps the writer's
   * identifier to its address (src/drill/pitr.ts). With `aurora`: the Aurora mode's restore (src/drill/aurora-restore.ts).
   */
  readonly restore?: { readonly toTime: number; readonly region?: RegionRole; readonly hostsFile?: string };
}

/**
 * The run report's alarms on the drill: Prometheus' firing alerts (GET /api/v1/alerts), grouped by their `region`
 * label into the config's two regions (the drill's one Prometheus stands in for each region's CloudWatch alarms).
 */
function prometheusAlarms(baseUrl: string, config: ValidConfig): (timeoutMs: number, roles: readonly RegionRole[]) => Promise<AlarmRead[]> {
  return async (timeoutMs, roles) => {
    const regions = roles.map((r) => config.regions[r].region);
    const all = [config.regions.primary.region, config.regions.secondary.region];
    try {
      const res = await request({ baseUrl, timeoutMs }, "GET", "/api/v1/alerts");
      const body = JSON.parse(res.body) as { status?: string; data?: { alerts?: Array<{ labels: Record<string, string>; state: string; activeAt?: string }> } };
      if (res.status !== 200 || body.status !== "success") throw new Error(`prometheus /api/v1/alerts: ${res.status}`);
      const firing = (body.data?.alerts ?? []).filter((a) => a.state === "firing");
      // One entry per alert name (a rule fires once per series: "WebTargetsDown x2"), since its earliest series.
      const named = (list: typeof firing) => {
        const by = new Map<string, { n: number; since?: string }>();
        for (const a of list) {
          const e = by.get(a.labels.alertname) ?? { n: 0 };
          e.n++;
          if (a.activeAt && (!e.since || a.activeAt < e.since)) e.since = a.activeAt;
          by.set(a.labels.alertname, e);
        }
        return [...by].map(([name, e]) => ({ name: e.n > 1 ? `${name} x${e.n}` : name, ...(e.since ? { since: e.since } : {}) }));
      };
      const out: AlarmRead[] = regions.map((region) => ({ region, read: true, alarms: named(firing.filter((a) => a.labels.region === region)) }));
      const other = firing.filter((a) => !all.includes(a.labels.region));
      if (other.length) out.push({ region: "(no region label)", read: true, alarms: named(other) });
      return out;
    } catch (e) {
      return regions.map((region) => ({ region, read: false, alarms: [], error: (e as Error)?.message ?? String(e) }));
    }
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as RunbookSpec;
  const rpc = controlClient(spec.controlUrl);
  const site = (role: RegionRole): LocalRegionSite => ({
    pgPort: spec.sites[role].pgPort,
    lbUrl: spec.sites[role].lbUrl,
    webState: () => rpc(role, "webState") as Promise<LocalWebState>,
    scale: async (n) => {
      await rpc(role, "scale", n);
    },
  });
  const dns: LocalDns = {
    healthChecks: () => rpc("dns", "healthChecks") as Promise<HealthCheckState[]>,
    putSwitchMetric: async (v) => {
      await rpc("dns", "putSwitchMetric", v);
    },
    switchState: () => rpc("dns", "switchState") as Promise<SwitchState>,
    verdict: (e) => rpc("dns", "verdict", e) as Promise<OutageState>,
  };
  const sites = { primary: site("primary"), secondary: site("secondary") };
  const aurora: LocalAurora = {
    globalCluster: (o) => rpc("aurora", "globalCluster", o ?? {}) as never,
    switchoverGlobal: (t) => rpc("aurora", "switchoverGlobal", t) as never,
    failoverGlobal: (t) => rpc("aurora", "failoverGlobal", t) as never,
    clusterSnapshots: (r, p) => rpc("aurora", "clusterSnapshots", r, p) as never,
    clusterSnapshot: (r, id) => rpc("aurora", "clusterSnapshot", r, id) as never,
    copyClusterSnapshot: (r, s, t) => rpc("aurora", "copyClusterSnapshot", r, s, t) as never,
    endpointsParameter: (r) => rpc("aurora", "endpointsParameter", r) as never,
    putEndpointsParameter: (r, v) => rpc("aurora", "putEndpointsParameter", r, v) as never,
  };
  // The Aurora mode's `dr restore` (the aurora-pitr-restore scenarios): the restore calls go to the drill's control plane.
  const auroraRestore: LocalAuroraRestore = {
    clusterRestoreWindow: (r, id) => rpc("aurora-restore", "clusterRestoreWindow", r, id) as never,
    restoreClusterToTime: (r, s, t, id) => rpc("aurora-restore", "restoreClusterToTime", r, s, t, id) as never,
    cluster: (r, id) => rpc("aurora-restore", "cluster", r, id) as never,
    createClusterInstance: (r, c, i, k, t) => rpc("aurora-restore", "createClusterInstance", r, c, i, k, t) as never,
    instance: (r, id) => rpc("aurora-restore", "instance", r, id) as never,
    verifyRestoredCluster: (r, id) => rpc("aurora-restore", "verifyRestoredCluster", r, id) as never,
  };
  const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  // stdin: "go" once, then one "continue" per hook.
  const rl = readline.createInterface({ input: process.stdin });
  const waiting: Array<() => void> = [];
  const early: string[] = [];
  rl.on("line", (l) => {
    const w = waiting.shift();
    if (w) w();
    else early.push(l);
  });
  const nextLine = () => (early.length ? Promise.resolve(void early.shift()) : new Promise<void>((resolve) => waiting.push(resolve)));
  const pauses = new Set(spec.pauseAt ?? []);
  const hook = async (name: string) => {
    if (!pauses.has(name)) return;
    out({ hook: name });
    await nextLine();
  };
  const opts = {
    appUser: spec.appUser,
    snapshotDir: spec.snapshotDir,
    psqlTimeoutMs: 3_000,
    beforePromote: () => hook("before-promote"),
    ...(spec.leaseDir ? { leaseDir: spec.leaseDir } : {}),
    ...(spec.prometheusUrl ? { alarms: prometheusAlarms(spec.prometheusUrl, spec.config) } : {}),
  };
  // `dr restore` (the PITR scenarios): the RDS restore calls go to the drill's control plane (src/drill/pitr.ts).
  const pitr: LocalRestore = {
    restorableWindow: (r, w) => rpc("pitr", "restorableWindow", r, w) as never,
    restoreToTime: (r, w, t, id) => rpc("pitr", "restoreToTime", r, w, t, id) as never,
    instance: (r, id) => rpc("pitr", "instance", r, id) as never,
    renameInstance: (r, f, t) => rpc("pitr", "renameInstance", r, f, t) as never,
    isolateInstance: (r, id) => rpc("pitr", "isolateInstance", r, id) as never,
  };
  const platform = spec.aurora
    ? new LocalAuroraPlatform(spec.config, sites, dns, opts, aurora, spec.restore ? auroraRestore : null)
    : spec.restore
      ? new LocalRestorePlatform(spec.config, sites, dns, { ...opts, hostsFile: spec.restore.hostsFile ?? "" }, pitr)
      : new LocalPlatform(spec.config, sites, dns, opts);
  out({ ready: true });
  await nextLine();
  out({ started: Date.now(), pid: process.pid });
  if (spec.operation === "status") {
    const s = await collectStatus(spec.config, platform);
    for (const line of renderStatus(s)) out({ log: line });
    const bad = [...s.mismatches, ...s.readErrors.map((e) => `${e.what}: ${e.reason}`)];
    out({ result: { ok: bad.length === 0, failedStep: bad.length ? "status" : null, failure: bad.join("; ") || null, rolledBack: false, resumed: false, skipped: [], acted: false }, ended: Date.now() });
    return;
  }
  let r;
  try {
    r = await runRunbook({
      config: spec.config,
      platform,
      operation: spec.operation,
      mode: spec.mode,
      clock: realClock,
      log: (line) => out({ log: line }),
      journalDir: spec.journalDir,
      confirm: spec.confirm ?? [],
      beforeStep: (step) => hook(`before:${step.id}`),
      ...(spec.restore ? { restore: { toTime: spec.restore.toTime, ...(spec.restore.region ? { region: spec.restore.region } : {}) } } : {}),
    });
  } catch (e) {
    // A refusal before the plan runs (cli.ts: exit 2, the message printed): a request the config or its arguments refuse.
    if (e instanceof RunnerError || e instanceof RestoreRequestError) {
      out({ log: `${new Date().toISOString()} ${e.message}` });
      rl.close();
      out({ result: { ok: false, failedStep: "refused", failure: e.message, rolledBack: false, resumed: false, skipped: [], acted: false, refused: true }, ended: Date.now() });
      return;
    }
    // Another run holds the lease (cli.ts: exit 7): refused before reading or changing anything.
    if (!(e instanceof LeaseHeldError) && !(e instanceof LeaseNotTakenError)) throw e;
    out({ log: `${new Date().toISOString()} ${e.message}` });
    rl.close();
    out({ result: { ok: false, failedStep: "lease", failure: e.message, rolledBack: false, resumed: false, skipped: [], acted: false, refused: true, holderPid: e instanceof LeaseHeldError ? (e.holder?.pid ?? null) : null }, ended: Date.now() });
    return;
  }
  rl.close();
  out({ result: { ok: r.ok, failedStep: r.failedStep ?? null, failure: r.failure ?? null, rolledBack: r.rolledBack ?? false, resumed: r.resumed, skipped: r.skipped, acted: r.acted, transient: r.transient ?? false }, ended: Date.now() });
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stdout.write(`${JSON.stringify({ crashed: e.stack ?? e.message })}\n`);
    process.exit(1);
  },
);
