import type { ValidConfig } from "../../src/config";

/** The largest delay of a 20 ms timer while it runs: how late this process's event loop was (CPU load), added to the checks' slack. */
export function lagMonitor() {
  let max = 0;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    max = Math.max(max, now - last - 20);
    last = now;
  }, 20);
  return {
    stop: () => clearInterval(timer),
    /** Measure from now on (the scenario's event). */
    reset: () => {
      max = 0;
      last = Date.now();
    },
    get max() {
      return max;
    },
  };
}

/**
 * replication-cut: the acknowledged writes the final writer lacks, against the runbook's RPO estimate (its catch-up
 * step's journal line: "RPO estimate: X s: ... last replayed commit (T1) ... detected (T2)"). The estimate's window
 * runs from the replica's last replayed commit to the outage's detection (Route 53's verdict unhealthy since), so it
 * covers the lost writes and exceeds their span by up to the detection delay (interval x threshold) and one check
 * interval; its lower edge is the last write the replica has, so the first lost write follows it within a write gap.
 * Tolerance: TOL_MS for the clocks (one machine) and the write's latency (its commit lies between sending and the answer).
 */
export function rpoChecks(
  records: ReadonlyArray<{ op: string; ok: boolean; t: number; latencyMs: number; token?: string }>,
  finalTokens: Set<string> | null,
  journal: ReadonlyArray<{ step: string; event: string; detail?: string }>,
  origin: number,
  cfg: ValidConfig,
  runbookLog: readonly string[],
): Array<[string, boolean]> {
  const TOL_MS = 1000;
  const out: Array<[string, boolean]> = [];
  const lost = finalTokens ? records.filter((r) => r.op === "write" && r.ok && r.token && !finalTokens.has(r.token)) : [];
  out.push([`the cut cost acknowledged writes, counted by content: ${lost.length} missing from the final writer`, finalTokens !== null && lost.length > 0]);
  const detail = journal.find((l) => l.step === "catch-up" && l.event === "done")?.detail ?? "";
  const m = /RPO estimate: ([\d.]+) s: writes the primary acknowledged after the replica's last replayed commit \(([^)]+)\) and before the outage was detected \(([^,)]+)/.exec(detail);
  out.push([`the runbook journaled an RPO estimate (catch-up: ${m ? `${m[1]} s` : "none"})`, m !== null]);
  if (!m || !lost.length) return out;
  const estimate = Number(m[1]);
  const lastReplay = Date.parse(m[2]) - origin;
  const detected = Date.parse(m[3]) - origin;
  const acks = lost.map((r) => r.t + r.latencyMs).sort((a, b) => a - b);
  const sent = lost.map((r) => r.t).sort((a, b) => a - b);
  const span = (acks[acks.length - 1] - sent[0]) / 1000;
  const slack = cfg.dns.healthCheck.requestIntervalSeconds * (cfg.dns.healthCheck.failureThreshold + 1) + TOL_MS / 1000;
  out.push([
    `every lost write was acknowledged inside the runbook's window (last replayed commit +${((sent[0] - lastReplay) / 1000).toFixed(2)} s to the first lost write; the last lost write ${((detected - acks[acks.length - 1]) / 1000).toFixed(2)} s before the detection; tolerance ${TOL_MS} ms)`,
    sent[0] >= lastReplay - TOL_MS && acks[acks.length - 1] <= detected + TOL_MS,
  ]);
  out.push([`the window starts at the loss: the first lost write was sent ${((sent[0] - lastReplay) / 1000).toFixed(2)} s after the replica's last replayed commit (<= ${TOL_MS} ms)`, Math.abs(sent[0] - lastReplay) <= TOL_MS]);
  out.push([
    `the estimate agrees with the count: ${lost.length} acknowledged writes lost over ${span.toFixed(1)} s; the runbook's estimate ${estimate.toFixed(1)} s covers it and exceeds it by at most the detection delay + a check interval + ${TOL_MS} ms (${slack.toFixed(1)} s)`,
    estimate + TOL_MS / 1000 >= span && estimate - span <= slack,
  ]);
  const warned = runbookLog.some((l) => l.includes("WARNING: replication was already broken before the outage"));
  out.push([`the runbook warned that replication was broken before the outage`, warned]);
  const preflight = runbookLog.find((l) => l.includes("[preflight]") && l.includes("precondition")) ?? "";
  out.push([`the preflight reported the link broken, not "last lag 0 s" (${preflight.includes("replication BROKEN") ? "BROKEN" : "no"})`, preflight.includes("replication BROKEN") && !/last lag 0 s/.test(preflight)]);
  return out;
}
