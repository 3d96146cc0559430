import * as fs from "node:fs";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../config";
import type { Clock } from "./clock";
import type { Journal, JournalStepLine } from "./journal";
import type { Mode, Operation, Plan } from "./plan-model";
import type { AlarmRead, DrPlatform } from "./platform";

/**
 * The report of a `dr failover`, `dr failback` or `dr restore` run (issue 28
 * point 3): JSON and Markdown next to the journal, in
 * `<journalDir>/reports/<operation>-<journal start>.{json,md}`, one report per
 * journal: a resumed run appends a segment to the report of the journal it
 * resumes. It is rewritten after every journal line (a temp file, fsync, then
 * rename: a reader, or a run killed at any moment, leaves a whole JSON file,
 * never a torn one), so an interrupted run's report says what happened up to
 * the kill.
 *
 * Steps, their times, outcomes and what each saw are the journal's lines (the
 * journal is the record; the report is its readable form). The RTO is measured
 * from the run's start (the journal's first line) to the verify step's
 * successful write in the region the run activated; the target is
 * runbook.rtoTargetMinutes. Alarms are read by the platform (AWS: CloudWatch
 * DescribeAlarms, StateValue ALARM, both regions) at the start and end of each
 * segment, bounded, in the background at the start: they never gate, delay or
 * fail a step.
 */

export const REPORT_FORMAT = 1;

/** How long the report waits for the alarms of a run's end (the start's are read in the background). */
export const ALARM_READ_MS = 10_000;

export type StepOutcome = "done" | "failed" | "skipped" | "rolled back" | "confirmed by operator" | "running" | "interrupted";
export type SegmentOutcome = "running" | "done" | "failed" | "rolled back" | "transient" | "interrupted";

export interface ReportStep {
  readonly step: string;
  readonly title: string;
  /** The run segment (1: the first run; 2: its first resume, ...). */
  readonly segment: number;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly outcome: StepOutcome;
  /** What the step saw, in order (the journal's details: precondition, action, wait, verdict, failure). */
  readonly seen: readonly string[];
}

export interface AlarmsAt {
  /** null: not read yet (a run killed before its read answered), or the platform has no alarm source (`source` says which). */
  readonly regions: readonly AlarmRead[] | null;
  readonly note?: string;
}

export interface ReportSegment {
  readonly n: number;
  readonly startedAt: string;
  endedAt: string | null;
  readonly resumed: boolean;
  outcome: SegmentOutcome;
  failedStep?: string;
  failure?: string;
  alarmsAtStart: AlarmsAt;
  alarmsAtEnd: AlarmsAt | null;
  /** What the upload did (or why not), once the segment ended. */
  upload?: string;
  readonly skipped: Array<{ step: string; at: string; detail: string }>;
}

export interface RunReportData {
  readonly format: number;
  readonly operation: Operation;
  readonly mode: Mode;
  readonly title: string;
  readonly platform: string;
  /** The journal this report belongs to (its path when the run started; archived: `journalArchivedAs`). */
  readonly journal: string;
  journalArchivedAs?: string;
  /** The run's start: the journal's first line. */
  readonly startedAt: string;
  updatedAt: string;
  readonly activated: { readonly role: RegionRole; readonly region: string };
  rto: {
    readonly targetKey: string;
    readonly targetMinutes: number;
    /** The step whose successful write ends the RTO. */
    readonly verifyStep: string | null;
    firstWriteAt: string | null;
    measuredSeconds: number | null;
    withinTarget: boolean | null;
    text: string;
  };
  readonly segments: ReportSegment[];
  steps: ReportStep[];
}

export function rtoTargetKey(operation: Operation, mode: Mode): keyof ValidConfig["runbook"]["rtoTargetMinutes"] {
  if (operation === "failover") return mode === "planned" ? "failoverPlanned" : "failoverUnplanned";
  return operation;
}

/** The region a run makes the writer's: its report's upload goes there. */
export function activatedRole(operation: Operation, params: Record<string, unknown>): RegionRole {
  if (operation === "failover") return "secondary";
  if (operation === "failback") return "primary";
  const r = (params as { restore?: { region?: RegionRole } }).restore?.region;
  return r ?? "primary";
}

export function reportPaths(journalDir: string, operation: string, startedAt: string): { json: string; md: string } {
  const base = path.join(journalDir, "reports", `${operation}-${startedAt.replace(/[:.]/g, "-")}`);
  return { json: `${base}.json`, md: `${base}.md` };
}

/** Writes `text` to `file` atomically: a temp file beside it, fsynced, renamed over it. */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const PSEUDO: Record<string, string> = { rollback: "Automatic roll-back (the fenced fleet put back)", transient: "Undo after a transient fault (the failover switch released)" };

const SEEN_LABEL: Partial<Record<JournalStepLine["event"], string>> = {
  precondition: "precondition",
  rechecked: "re-checked",
  verdict: "outage verdict",
  action: "action",
  confirmed: "confirmed",
  done: "wait saw",
  failed: "FAILED",
  requesting: "requesting",
  requested: "requested",
  "not-taken": "not taken",
};

/** The report's steps, from the journal's lines and the segments' skips. */
export function reportSteps(plan: Plan, lines: readonly JournalStepLine[], segments: readonly ReportSegment[]): ReportStep[] {
  const titles = new Map(plan.steps.map((s) => [s.id, s.title]));
  const segmentAt = (at: string) => {
    let n = 1;
    for (const s of segments) if (Date.parse(s.startedAt) <= Date.parse(at)) n = s.n;
    return n;
  };
  type Open = { step: string; title: string; segment: number; startedAt: string; endedAt: string | null; outcome: StepOutcome; seen: string[]; confirmed: boolean };
  const out: Open[] = [];
  const open = new Map<string, Open>();
  const pending = new Map<string, string[]>();
  for (const l of lines) {
    const label = SEEN_LABEL[l.event];
    // What it saw: each line's detail (a done line without one, a wait's own text: left out; the title says what it waits for).
    const text = label && l.detail ? `${label}: ${l.detail}` : null;
    let cur = open.get(l.step);
    if (l.event === "started" || (!cur && l.step in PSEUDO)) {
      if (cur && cur.outcome === "running") cur.outcome = "interrupted";
      cur = { step: l.step, title: titles.get(l.step) ?? PSEUDO[l.step] ?? l.step, segment: segmentAt(l.at), startedAt: l.at, endedAt: null, outcome: "running", seen: [...(pending.get(l.step) ?? [])], confirmed: false };
      pending.delete(l.step);
      out.push(cur);
      open.set(l.step, cur);
      if (l.event === "started") {
        if (l.detail) cur.seen.push(l.detail);
        continue;
      }
    }
    if (!cur || cur.outcome !== "running") {
      // A line outside an attempt (a re-check before a skip): kept for the step's next entry.
      if (text) pending.set(l.step, [...(pending.get(l.step) ?? []), text]);
      continue;
    }
    if (l.event === "confirmed") cur.confirmed = true;
    if (text && l.event !== "acting") cur.seen.push(text);
    if (l.event === "done") {
      cur.outcome = cur.confirmed ? "confirmed by operator" : "done";
      cur.endedAt = l.at;
    } else if (l.event === "failed") {
      cur.outcome = "failed";
      cur.endedAt = l.at;
    }
  }
  for (const seg of segments) {
    for (const s of seg.skipped) {
      out.push({ step: s.step, title: titles.get(s.step) ?? s.step, segment: seg.n, startedAt: s.at, endedAt: s.at, outcome: "skipped", seen: [...(pending.get(s.step) ?? []), s.detail], confirmed: false });
      pending.delete(s.step);
    }
    // A segment that ended (or a later one started) leaves no step running.
    const later = segments.some((x) => x.n > seg.n);
    if (seg.outcome !== "running" || later) for (const o of out) if (o.segment === seg.n && o.outcome === "running") o.outcome = "interrupted";
    if (seg.outcome === "rolled back") {
      // The roll-back put the fenced fleet back: the steps this segment had done after the fence are undone.
      const rb = out.find((o) => o.step === "rollback" && o.segment === seg.n);
      const fenceAt = rb ? out.filter((o) => o.segment === seg.n && o.outcome === "done" && o.step !== "rollback" && /fence/.test(o.step)).map((o) => o.startedAt)[0] : undefined;
      if (fenceAt) for (const o of out) if (o.segment === seg.n && o.outcome === "done" && o.step !== "rollback" && o.startedAt >= fenceAt) o.outcome = "rolled back";
    }
  }
  // In time order; a resumed run's skips come before the step it then runs at the same instant.
  return out
    .map((o, i) => ({ o, i }))
    .sort((a, b) => Date.parse(a.o.startedAt) - Date.parse(b.o.startedAt) || (a.o.outcome === "skipped" ? 0 : 1) - (b.o.outcome === "skipped" ? 0 : 1) || a.i - b.i)
    .map(({ o }) => ({ step: o.step, title: o.title, segment: o.segment, startedAt: o.startedAt, endedAt: o.endedAt, outcome: o.outcome, seen: o.seen }));
}

/** The verify step whose successful write ends the RTO: the plan's first step whose id starts with "verify". */
export function verifyStepOf(plan: Plan): string | null {
  return plan.steps.find((s) => s.id.startsWith("verify"))?.id ?? null;
}

function measureRto(d: RunReportData): void {
  const v = d.rto.verifyStep;
  const target = d.rto.targetMinutes;
  const hit = v ? d.steps.find((s) => s.step === v && (s.outcome === "done" || s.outcome === "confirmed by operator" || s.outcome === "rolled back")) : undefined;
  if (!v) {
    Object.assign(d.rto, { firstWriteAt: null, measuredSeconds: null, withinTarget: null, text: "not measured: this plan has no verify step" });
  } else if (!hit) {
    Object.assign(d.rto, { firstWriteAt: null, measuredSeconds: null, withinTarget: null, text: `not reached: the run has not verified a write in ${d.activated.region} (step ${v})` });
  } else if (hit.outcome === "confirmed by operator") {
    Object.assign(d.rto, { firstWriteAt: null, measuredSeconds: null, withinTarget: null, text: `not measured: ${v} was confirmed by the operator (--confirm), no write was verified by the runbook` });
  } else {
    const secs = Math.round((Date.parse(hit.endedAt!) - Date.parse(d.startedAt)) / 100) / 10;
    const within = secs <= target * 60;
    Object.assign(d.rto, {
      firstWriteAt: hit.endedAt,
      measuredSeconds: secs,
      withinTarget: within,
      text: `${secs} s (${(secs / 60).toFixed(1)} min) from the run's start to the verified write in ${d.activated.region}: ${within ? "within" : "OVER"} the target of ${target} min (runbook.rtoTargetMinutes.${d.rto.targetKey})`,
    });
  }
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function alarmsText(a: AlarmsAt | null): string[] {
  if (a === null) return ["not read (the run has not ended)"];
  if (a.regions === null) return [a.note ?? "not read"];
  return a.regions.map((r) => (r.read ? `${r.region}: ${r.alarms.length ? r.alarms.map((x) => `${x.name}${x.since ? ` (since ${x.since})` : ""}`).join(", ") : "none firing"}` : r.error?.startsWith("not asked") ? `${r.region}: ${r.error}` : `${r.region}: could not be read (${r.error ?? "no answer"})`));
}

export function renderMarkdown(d: RunReportData): string {
  const out: string[] = [];
  out.push(`# dr ${d.operation}${d.operation === "failover" ? ` (${d.mode})` : ""}: ${d.title}`, "");
  const last = d.segments[d.segments.length - 1];
  out.push(`- Outcome: **${last?.outcome ?? "running"}**${last?.failedStep ? ` at step ${last.failedStep}` : ""}${last?.failure ? ` (${last.failure})` : ""}`);
  out.push(`- RTO: **${d.rto.text}**`);
  out.push(`- Started ${d.startedAt} on the ${d.platform} platform; report updated ${d.updatedAt}; activates ${d.activated.region} (${d.activated.role})`);
  out.push(`- Journal: ${d.journal}${d.journalArchivedAs ? ` (archived as ${d.journalArchivedAs})` : ""}`, "");
  out.push("## Run segments", "", "| # | started | ended | outcome | alarms firing at the start | alarms firing at the end | upload |", "| --- | --- | --- | --- | --- | --- | --- |");
  for (const s of d.segments) {
    out.push(`| ${s.n}${s.resumed ? " (resumed)" : ""} | ${s.startedAt} | ${s.endedAt ?? "(running, or killed)"} | ${s.outcome}${s.failedStep ? ` at ${s.failedStep}` : ""} | ${cell(alarmsText(s.alarmsAtStart).join("; "))} | ${cell(alarmsText(s.alarmsAtEnd).join("; "))} | ${cell(s.upload ?? "-")} |`);
  }
  out.push("", "## Steps", "", "| segment | step | started | ended | outcome | what it saw |", "| --- | --- | --- | --- | --- | --- |");
  for (const s of d.steps) out.push(`| ${s.segment} | ${s.step}: ${cell(s.title)} | ${s.startedAt} | ${s.endedAt ?? "-"} | ${s.outcome} | ${cell(s.seen.join("; ")) || "-"} |`);
  out.push("");
  return out.join("\n");
}

/** The report of one journal's runs, rewritten after every journal line. */
export class RunReport {
  private lines: readonly JournalStepLine[] = [];

  private constructor(
    readonly file: { readonly json: string; readonly md: string },
    readonly data: RunReportData,
    private readonly plan: Plan,
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  /** Opens the report of the journal's run (a resume reads the existing one) and starts a segment. */
  static begin(o: { config: ValidConfig; journalDir: string; journal: Journal; plan: Plan; platform: DrPlatform; operation: Operation; mode: Mode; resumed: boolean; clock: Clock }): RunReport {
    const h = o.journal.header!;
    const file = reportPaths(o.journalDir, o.operation, h.at);
    let data: RunReportData | null = null;
    if (o.resumed && fs.existsSync(file.json)) {
      try {
        data = JSON.parse(fs.readFileSync(file.json, "utf8")) as RunReportData;
      } catch {
        data = null; // unreadable: a new report (the journal keeps the steps)
      }
    }
    const key = rtoTargetKey(o.operation, o.mode);
    const role = activatedRole(o.operation, h.params);
    if (!data) {
      data = {
        format: REPORT_FORMAT,
        operation: o.operation,
        mode: o.mode,
        title: o.plan.title,
        platform: o.platform.name,
        journal: o.journal.file,
        startedAt: h.at,
        updatedAt: h.at,
        activated: { role, region: o.config.regions[role].region },
        rto: { targetKey: key, targetMinutes: o.config.runbook.rtoTargetMinutes[key], verifyStep: verifyStepOf(o.plan), firstWriteAt: null, measuredSeconds: null, withinTarget: null, text: "not reached" },
        segments: [],
        steps: [],
      };
    }
    const now = new Date(o.clock.now()).toISOString();
    // A killed segment never ended: it is "interrupted" once a later one starts.
    for (const s of data.segments) if (s.outcome === "running") s.outcome = "interrupted";
    data.segments.push({
      n: data.segments.length + 1,
      startedAt: o.resumed ? now : h.at,
      endedAt: null,
      resumed: o.resumed,
      outcome: "running",
      alarmsAtStart: o.platform.readAlarms ? { regions: null, note: "being read" } : { regions: null, note: `none: the ${o.platform.name} platform has no alarm source` },
      alarmsAtEnd: null,
      skipped: [],
    });
    const r = new RunReport(file, data, o.plan, o.journal, o.clock);
    r.write();
    return r;
  }

  private get segment(): ReportSegment {
    return this.data.segments[this.data.segments.length - 1];
  }

  skip(step: string, detail: string): void {
    this.segment.skipped.push({ step, at: new Date(this.clock.now()).toISOString(), detail });
    this.write();
  }

  archived(to: string | null): void {
    if (to) this.data.journalArchivedAs = to;
    this.write();
  }

  alarmsAtStart(a: AlarmsAt): void {
    this.segment.alarmsAtStart = a;
    this.write();
  }

  end(outcome: SegmentOutcome, alarms: AlarmsAt, failedStep?: string, failure?: string): void {
    const s = this.segment;
    s.endedAt = new Date(this.clock.now()).toISOString();
    s.outcome = outcome;
    if (failedStep) s.failedStep = failedStep;
    if (failure) s.failure = failure;
    s.alarmsAtEnd = alarms;
    this.write();
  }

  uploaded(what: string): void {
    this.segment.upload = what;
    this.write();
  }

  /** The last write's error (a full disk, a folder not writable), null when it was written. */
  writeError: unknown = null;

  /**
   * Rebuilds the steps and the RTO from the journal, then writes both files atomically (JSON first: the record;
   * Markdown its rendering). Never throws: a report that cannot be written must not stop a failover (the journal is
   * the record); false and writeError say it failed.
   */
  write(): boolean {
    try {
      this.data.updatedAt = new Date(this.clock.now()).toISOString();
      // An archived journal (a run that changed nothing) is empty here: its lines as last seen stand.
      if (this.journal.header) this.lines = this.journal.steps();
      this.data.steps = reportSteps(this.plan, this.lines, this.data.segments);
      measureRto(this.data);
      writeAtomic(this.file.json, `${JSON.stringify(this.data, null, 2)}\n`);
      writeAtomic(this.file.md, renderMarkdown(this.data));
      this.writeError = null;
      return true;
    } catch (e) {
      this.writeError = e;
      return false;
    }
  }

  markdown(): string {
    return renderMarkdown(this.data);
  }
}

/**
 * Reads the platform's alarms, bounded: never throws, never waits longer than `ms` (a platform whose read does not
 * answer in time gives one entry per region "could not be read").
 */
export async function readAlarmsBounded(platform: DrPlatform, config: ValidConfig, ms: number, notAsked: { readonly role: RegionRole; readonly why: string } | null = null): Promise<AlarmsAt> {
  if (!platform.readAlarms) return { regions: null, note: `none: the ${platform.name} platform has no alarm source` };
  const roles = (["primary", "secondary"] as const).filter((r) => r !== notAsked?.role);
  const skipped: AlarmRead[] = notAsked ? [{ region: config.regions[notAsked.role].region, read: false, alarms: [], error: notAsked.why }] : [];
  const inOrder = (list: AlarmRead[]) => [...list, ...skipped].sort((a, b) => (a.region === config.regions.primary.region ? -1 : b.region === config.regions.primary.region ? 1 : 0));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms + 1_000);
    timer.unref?.();
  });
  try {
    const read = platform.readAlarms(ms, roles);
    read.catch(() => undefined);
    const r = await Promise.race([read, late]);
    if (r === null) return { regions: inOrder(roles.map((role) => ({ region: config.regions[role].region, read: false, alarms: [], error: `no answer within ${Math.ceil(ms / 1000)} s` }))) };
    return { regions: inOrder(r) };
  } catch (e) {
    return { regions: inOrder(roles.map((role) => ({ region: config.regions[role].region, read: false, alarms: [], error: (e as Error)?.message ?? String(e) }))) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * The region an unplanned run treats as failed (the one it does not activate) is not asked for its alarms on the
 * recovery path (REL11-BP04: no call to the failed region between the fault and writes resuming): only at the end
 * of a run that completed (writes resumed, and its last steps already reached that region). null: ask both.
 */
export function alarmsNotAsked(report: RunReportData, mode: Mode, completed: boolean): { role: RegionRole; why: string } | null {
  if (mode !== "unplanned" || completed) return null;
  const role: RegionRole = report.activated.role === "primary" ? "secondary" : "primary";
  return { role, why: "not asked: an unplanned run asks the failed region only at the end of a run that completed (REL11-BP04)" };
}

/** The S3 key of a report: `dr-reports/<operation>/<run start>.<ext>`. */
export function reportKey(d: RunReportData, ext: "json" | "md"): string {
  return `dr-reports/${d.operation}/${d.startedAt.replace(/[:.]/g, "-")}.${ext}`;
}

/** Uploads the report to config.runbook.reportBucket of the activated region: returns what happened (never throws). */
export async function uploadReport(report: RunReport, platform: DrPlatform, config: ValidConfig): Promise<string> {
  const d = report.data;
  const bucket = config.runbook.reportBucket?.[d.activated.role];
  if (!bucket) return `not uploaded: runbook.reportBucket.${d.activated.role} is not set`;
  if (!platform.uploadReport) return `not uploaded: the ${platform.name} platform cannot upload (runbook.reportBucket.${d.activated.role} is set)`;
  try {
    const a = await platform.uploadReport(d.activated.role, bucket, reportKey(d, "json"), fs.readFileSync(report.file.json, "utf8"), "application/json");
    const b = await platform.uploadReport(d.activated.role, bucket, reportKey(d, "md"), fs.readFileSync(report.file.md, "utf8"), "text/markdown; charset=utf-8");
    return `uploaded: ${a}; ${b}`;
  } catch (e) {
    const cause = platform.explain?.(e);
    return `upload FAILED (the run is not affected; the report stays in ${path.dirname(report.file.json)}): ${(e as Error)?.message ?? String(e)}${cause ? ` [cause: ${cause.summary}. ${cause.advice}]` : ""}`;
  }
}
