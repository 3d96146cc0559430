// The drill's checks of the `dr` run reports (issue 28 point 3; src/dr/run-report.ts): every runbook run that
// completed left a report next to its journal, and the report's RTO agrees with what the drill saw itself.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunReportData } from "../../src/dr/run-report";
import type { RequestRecord } from "./client";

export interface ReportCheckRun {
  /** Epoch ms the runbook process said it started (before the runner took its lease). */
  readonly startedAt: number;
  readonly ok: boolean;
  readonly resumed: boolean;
}

/**
 * How far the report's "verified write" may be from the drill's own view of it, ms: the first write a client had
 * answered by the activated region after the run started. Clients reach the region through the resolver stand-in
 * (up to one TTL later than the runbook's verify, which goes to the region's load balancer directly), and the verify
 * step reads once per poll interval; 2 s more for the app's role cache (DRWEB_ROLE_CACHE_SECONDS) and the machine's load.
 */
export function reportToleranceMs(ttlMs: number, pollSeconds: number): number {
  return ttlMs + pollSeconds * 1000 + 2_000;
}

export function readReports(journalDir: string): Array<{ file: string; data: RunReportData | null; error?: string }> {
  const dir = path.join(journalDir, "reports");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      try {
        return { file: f, data: JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as RunReportData };
      } catch (e) {
        return { file: f, data: null, error: (e as Error).message };
      }
    });
}

/** The checks (name, passed) for the runs of a scenario that completed (ok, first segment: not resumed). */
export function runReportChecks(o: { journalDir: string; runs: readonly ReportCheckRun[]; records: readonly RequestRecord[]; origin: number; toleranceMs: number }): Array<[string, boolean]> {
  const reports = readReports(o.journalDir);
  const checks: Array<[string, boolean]> = [];
  const broken = reports.filter((r) => r.data === null);
  if (broken.length) checks.push([`run reports are valid JSON (${broken.map((b) => `${b.file}: ${b.error}`).join("; ")})`, false]);
  for (const run of o.runs.filter((r) => r.ok && !r.resumed)) {
    const near = reports.filter((r) => r.data && Math.abs(Date.parse(r.data.startedAt) - run.startedAt) <= 3_000);
    const rep = near[near.length - 1]?.data;
    if (!rep) {
      checks.push([`a run report exists for the run started at ${new Date(run.startedAt).toISOString()} (${reports.map((r) => r.file).join(", ") || "none"})`, false]);
      continue;
    }
    const seg = rep.segments[rep.segments.length - 1];
    // The drill's own view: the first write a client had acknowledged by the activated region after the run started.
    const region = rep.activated.region;
    const first = o.records
      .filter((r) => r.op === "write" && r.ok && r.region === region && o.origin + r.t >= run.startedAt)
      .map((r) => o.origin + r.t + r.latencyMs)
      .sort((a, b) => a - b)[0];
    const drillRto = first === undefined ? null : (first - run.startedAt) / 1000;
    const reportRto = rep.rto.measuredSeconds;
    const diff = drillRto === null || reportRto === null ? null : Math.abs(reportRto - drillRto);
    checks.push([
      `the ${rep.operation} run's report (${seg.outcome}) measures its RTO: ${reportRto ?? "none"} s to the verified write in ${region}; the drill saw the first client write there ${drillRto === null ? "never" : `${drillRto.toFixed(1)} s`} after the run's start (tolerance ${(o.toleranceMs / 1000).toFixed(1)} s: one TTL + one poll + 2 s)`,
      seg.outcome === "done" && diff !== null && diff * 1000 <= o.toleranceMs,
    ]);
  }
  return checks;
}
