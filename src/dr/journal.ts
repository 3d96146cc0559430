import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock } from "./clock";

/**
 * The runbook's journal: one JSON object per line, appended and flushed
 * before the runner moves on, so an interrupted run (Ctrl-C, a lost
 * laptop, a crashed shell) resumes where it stopped. A step is skipped on
 * resume only once its "done" line is on disk; a step that was started
 * but not finished runs again from its precondition, which is why every
 * action is idempotent.
 *
 * A request that cannot be taken back (a promotion, a switchover or
 * failover) is journaled as it goes: "requesting" right before it may
 * leave, then "requested" (sent: taken, or no answer after it left) or
 * "not-taken" (refused, or it provably never left). Only a "requesting"
 * answered by "not-taken" proves nothing was taken: a resumed run may then
 * roll back (plan-model.ts requestsMayHaveBeenTaken).
 *
 * Only a run that acted is resumed: "acting" is written (and flushed)
 * before each action is sent, so a journal without it records a run that
 * changed nothing (every precondition failed, or it stopped before the
 * first action). Such a journal neither blocks a run of another mode nor is
 * resumed: the runner archives it and the next run starts afresh.
 */

export type JournalEvent =
  | "started"
  | "precondition"
  | "acting"
  | "action"
  | "waiting"
  | "confirmed"
  | "done"
  | "failed"
  | "rechecked"
  // The outage verdict read again right before a change (plan-model.ts VerdictGuard):
  | "verdict"
  // A request that cannot be taken back (a promotion, a switchover or failover; plan-model.ts StepContext.note):
  | "requesting"
  | "requested"
  | "not-taken";

/**
 * Format 2 records "acting" before every action; format 3 also records each
 * request that cannot be taken back ("requesting", then "requested" or
 * "not-taken"). Journals without `format` were written before format 2.
 */
export const JOURNAL_FORMAT = 3;

export interface JournalHeader {
  readonly type: "plan";
  /** Operation and mode: what a resumed run must match. */
  readonly operation: string;
  readonly mode: string;
  /** The plan's parameters at the first run (generations, sizes): a resumed run uses these, not the current config. */
  readonly params: Record<string, unknown>;
  readonly at: string;
  /** JOURNAL_FORMAT when written; absent in journals written before "acting" lines existed. */
  readonly format?: number;
}

export interface JournalStepLine {
  readonly type: "step";
  readonly step: string;
  readonly event: JournalEvent;
  readonly at: string;
  readonly detail?: string;
}

type Line = JournalHeader | JournalStepLine | { readonly type: "completed"; readonly at: string; readonly outcome?: string };

export class Journal {
  private lines: Line[] = [];
  /** Called after each line is on disk (runner.ts: the run report is rewritten then). */
  onAppend: (() => void) | null = null;
  /** The file this run writes (device and inode), once it wrote or read one: appends check the path still names it. */
  private identity: { dev: number; ino: number } | null = null;

  private constructor(
    readonly file: string,
    private readonly clock: Clock,
  ) {}

  /** Reads the journal of an operation (none yet: an empty journal). Nothing is written until start(). */
  static open(dir: string, operation: string, clock: Clock): Journal {
    const j = new Journal(path.join(dir, `${operation}.jsonl`), clock);
    if (fs.existsSync(j.file)) {
      const st = fs.statSync(j.file);
      j.identity = { dev: st.dev, ino: st.ino };
      const text = fs.readFileSync(j.file, "utf8");
      for (const raw of text.split("\n")) {
        if (!raw.trim()) continue;
        try {
          j.lines.push(JSON.parse(raw) as Line);
        } catch {
          // A torn last line (power loss mid-write): everything before it stands.
        }
      }
    }
    return j;
  }

  get header(): JournalHeader | null {
    const h = this.lines.find((l): l is JournalHeader => l.type === "plan");
    return h ?? null;
  }

  /** The journal exists and its run finished. */
  get completed(): boolean {
    return this.lines.some((l) => l.type === "completed");
  }

  /**
   * The run may have changed something: an action was sent (or about to
   * be: "acting" is written first, so an action cut off mid-call counts).
   * Journals written before format 2 have no "acting" line; for them a
   * successful action, a failed action, or a run that stopped right after
   * a step started, its precondition or a --confirm (it may have been
   * inside the action) counts.
   */
  get acted(): boolean {
    const steps = this.steps();
    if (steps.some((l) => l.event === "acting" || l.event === "action" || l.event === "requesting")) return true;
    const h = this.header;
    if (h !== null && h.format === undefined) {
      if (steps.some((l) => l.event === "failed" && (l.detail ?? "").startsWith("action failed"))) return true;
      const last = this.lines[this.lines.length - 1];
      if (last?.type === "step" && (last.event === "started" || last.event === "precondition" || last.event === "confirmed")) return true;
    }
    return false;
  }

  /** A run was started, acted and has not finished: the next run resumes it (and a run of another mode is refused). */
  get inProgress(): boolean {
    return this.unfinished && this.acted;
  }

  /** A run was started and has not finished (whether or not it acted). */
  get unfinished(): boolean {
    return this.header !== null && !this.completed;
  }

  /** When the step's last `event` was recorded (epoch ms), or null. */
  eventAt(step: string, event: JournalEvent): number | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i];
      if (l.type === "step" && l.step === step && l.event === event) return Date.parse(l.at);
    }
    return null;
  }

  /** The step's events in order, with when (epoch ms). */
  stepEvents(step: string): Array<{ event: JournalEvent; at: number }> {
    return this.steps()
      .filter((l) => l.step === step)
      .map((l) => ({ event: l.event, at: Date.parse(l.at) }));
  }

  /** Every time the step recorded `event` (epoch ms), oldest first. */
  eventsAt(step: string, event: JournalEvent): number[] {
    return this.steps()
      .filter((l) => l.step === step && l.event === event)
      .map((l) => Date.parse(l.at));
  }

  /** The step's last "started" or "done" line is "done" (a step that runs again after a failed recheck is not done until it completes again). */
  isDone(step: string): boolean {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i];
      if (l.type === "step" && l.step === step && (l.event === "done" || l.event === "started")) return l.event === "done";
    }
    return false;
  }

  steps(): readonly JournalStepLine[] {
    return this.lines.filter((l): l is JournalStepLine => l.type === "step");
  }

  /** Starts a new run (the file must not hold an unfinished one). */
  start(operation: string, mode: string, params: Record<string, unknown>): void {
    if (this.inProgress) throw new Error(`journal ${this.file} holds an unfinished run; resume it or archive it first`);
    if (this.lines.length) this.archive();
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // Keep journals out of git whatever the repository's .gitignore says.
    const ignore = path.join(path.dirname(this.file), ".gitignore");
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, "*\n");
    this.append({ type: "plan", operation, mode, params, at: this.iso(), format: JOURNAL_FORMAT });
  }

  record(step: string, event: JournalEvent, detail?: string): void {
    this.append({ type: "step", step, event, at: this.iso(), ...(detail === undefined ? {} : { detail }) });
  }

  /** The run is over: "done", or "rolled-back" (the runner undid its fence; nothing else stays changed). */
  complete(outcome = "done"): void {
    this.append({ type: "completed", at: this.iso(), outcome });
  }

  /** Moves the file aside as <operation>.<time>.jsonl (kept as a record) and empties this journal. */
  archive(): string | null {
    if (!fs.existsSync(this.file)) {
      this.lines = [];
      return null;
    }
    this.checkIdentity();
    const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, "-");
    const to = this.file.replace(/\.jsonl$/, `.${stamp}.jsonl`);
    fs.renameSync(this.file, to);
    this.lines = [];
    this.identity = null;
    return to;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * The path still names the file this journal read or wrote (issue 25 point 7: a second run once archived a live
   * journal, and the first went on writing into a new file under the same name). The runner's lease (lease.ts)
   * keeps a second run out; this makes anything else that moves the file a loud error instead of a split record.
   */
  private checkIdentity(): void {
    if (!this.identity) return;
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(this.file);
    } catch {
      st = null;
    }
    if (!st || st.dev !== this.identity.dev || st.ino !== this.identity.ino) {
      throw new Error(`journal ${this.file} was ${st ? "replaced" : "moved away"} by something else while this run used it (another dr run on the same folder?): stop, and compare the archived journals in ${path.dirname(this.file)} before running again`);
    }
  }

  private append(line: Line): void {
    this.checkIdentity();
    const fd = fs.openSync(this.file, "a");
    try {
      fs.writeSync(fd, JSON.stringify(line) + "\n");
      fs.fsyncSync(fd);
      if (!this.identity) {
        const st = fs.fstatSync(fd);
        this.identity = { dev: st.dev, ino: st.ino };
      }
    } finally {
      fs.closeSync(fd);
    }
    this.lines.push(line);
    this.onAppend?.();
  }
}
