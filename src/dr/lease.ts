import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * The runbook's exclusive lease (issue 25 point 7): one `dr failover` or
 * `dr failback` at a time. Two kinds, both taken before the run reads
 * anything (runner.ts runRunbook):
 *
 * - a lock file in the journal folder (`dr.lock`, created with O_EXCL:
 *   open(2) "O_CREAT | O_EXCL ... fails with EEXIST if pathname already
 *   exists"): two runs sharing one journal folder can never both start, and
 *   no run archives or writes a journal another live run is writing;
 * - the platform's lease (DrPlatform.lease, optional): something every
 *   operator's machine sees, in the surviving region (AWS: an SSM parameter
 *   in the secondary region created with Overwrite=false, aws-platform.ts;
 *   the drill: a lock file in a folder every runbook process of the scenario
 *   shares).
 *
 * A lock is taken over only when its holder is provably dead: recorded on
 * this very host (os.hostname()) and its pid gone (kill(pid, 0) answers
 * ESRCH). Anything else (another host, a live pid, an unreadable holder) is
 * refused, naming the holder and how to clear it once it is known to be dead.
 */

/** Who holds a lease: written into it, printed by the run it refuses. */
export interface LeaseHolder {
  readonly host: string;
  readonly pid: number;
  /** When the holder took it (ISO 8601, the holder's clock). */
  readonly startedAt: string;
  /** What it runs, e.g. "failover (unplanned)". */
  readonly what: string;
  /** Unique per run: a release only removes its own lease. */
  readonly token: string;
  /** Linux: the holder process's start time (/proc/<pid>/stat field 22, clock ticks since boot): a pid reused by another process is told apart. */
  readonly procStart?: string;
}

/**
 * A process as /proc shows it (Linux; proc(5), /proc/pid/stat: field 3 the state, "Z" zombie, "X" dead; field 22
 * starttime), or null where there is no /proc entry for it (or no /proc).
 */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ")" are fixed.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], start: rest[19] };
  } catch {
    return null;
  }
}

export function newHolder(what: string, now: number): LeaseHolder {
  const start = procStat(process.pid)?.start;
  return { host: os.hostname(), pid: process.pid, startedAt: new Date(now).toISOString(), what, token: randomBytes(8).toString("hex"), ...(start ? { procStart: start } : {}) };
}

export function describeHolder(h: LeaseHolder | null): string {
  if (!h) return "a holder whose record cannot be read";
  return `${h.what} started ${h.startedAt} by pid ${h.pid} on host ${h.host}`;
}

/** A lease another run holds: the run stops before it reads or changes anything. */
export class LeaseHeldError extends Error {
  constructor(
    /** Which lease (the lock file's path, or the platform's lease name). */
    readonly where: string,
    readonly holder: LeaseHolder | null,
    /** How to clear it by hand once the holder is known to be dead. */
    readonly clear: string,
  ) {
    super(
      `another dr run holds the lease ${where}: ${describeHolder(holder)}. Nothing was read or changed. ` +
        `Wait for it to finish (or ask its operator); only if that run is dead and cannot come back: ${clear}`,
    );
    this.name = "LeaseHeldError";
  }
}

/** The lease could not be taken at all (its store did not answer, no permission): the run stops before it reads or changes anything. */
export class LeaseNotTakenError extends Error {
  constructor(
    readonly where: string,
    /** Why, with its fix (aws-errors.ts classifyAwsError when the platform can tell). */
    readonly why: string,
  ) {
    super(`could not take the runbook's lease ${where}: ${why}. Nothing was read or changed.`);
    this.name = "LeaseNotTakenError";
  }
}

/** A lease taken: release() removes it if it is still this run's. */
export interface HeldLease {
  readonly where: string;
  readonly holder: LeaseHolder;
  /** Whether a dead holder's lease was taken over (and whose). */
  readonly tookOverFrom?: LeaseHolder;
  release(): Promise<void>;
}

/** The holder is provably dead: it ran on this host and its pid is gone. */
export function holderIsDead(h: LeaseHolder | null): boolean {
  if (!h || h.host !== os.hostname() || !Number.isInteger(h.pid) || h.pid <= 0) return false;
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
  // The pid exists. Dead all the same when it is a zombie (exited, not yet reaped: a killed runbook whose parent
  // died too waits for init), or, when the holder recorded its start time, another process that reused the pid.
  const st = procStat(h.pid);
  if (st && (st.state === "Z" || st.state === "X")) return true;
  if (st && h.procStart !== undefined && st.start !== h.procStart) return true;
  return false; // alive (or unknown: refused, the safe side)
}

function readHolder(file: string): LeaseHolder | null | "missing" {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return null;
  }
  try {
    const h = JSON.parse(text) as LeaseHolder;
    return typeof h.pid === "number" && typeof h.host === "string" ? h : null;
  } catch {
    return null; // being written (created, not yet filled) or torn
  }
}

function createExclusive(file: string, holder: LeaseHolder): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx"); // O_CREAT | O_EXCL | O_WRONLY
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    fs.writeSync(fd, JSON.stringify(holder));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes the lock file `file` for `holder`, or throws LeaseHeldError. A holder
 * that is provably dead (same host, pid gone) is taken over: under a second
 * O_EXCL file (`<file>.break`), so two runs finding the same dead holder
 * cannot both take over; the dead record is re-read under it and replaced
 * only if it is still the same one.
 */
export async function acquireFileLease(file: string, holder: LeaseHolder, clearHint?: string): Promise<HeldLease> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const clear = clearHint ?? `rm ${file}`;
  const held = (tookOverFrom?: LeaseHolder): HeldLease => ({
    where: file,
    holder,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release: async () => {
      const now = readHolder(file);
      if (now !== "missing" && now !== null && now.token === holder.token) fs.rmSync(file, { force: true });
    },
  });
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(file, holder)) return held();
    const h = readHolder(file);
    if (h === "missing") continue; // released meanwhile: try again
    if (h === null) {
      // Created by a run that has not written its record yet (or torn): give it a moment, then refuse.
      await sleepMs(50);
      continue;
    }
    if (!holderIsDead(h)) throw new LeaseHeldError(file, h, clear);
    // A dead holder: take over under the break lock.
    const brk = `${file}.break`;
    if (!createExclusive(brk, holder)) {
      const b = readHolder(brk);
      if (b !== "missing" && b !== null && holderIsDead(b)) fs.rmSync(brk, { force: true });
      await sleepMs(50);
      continue;
    }
    try {
      const again = readHolder(file);
      if (again !== "missing" && again !== null && again.token === h.token) fs.rmSync(file, { force: true });
      if (createExclusive(file, holder)) return held(h);
    } finally {
      fs.rmSync(brk, { force: true });
    }
  }
  const last = readHolder(file);
  throw new LeaseHeldError(file, last === "missing" ? null : last, clear);
}

/** Leases this process holds, so an interrupted run (Ctrl-C) releases them on its way out (cli.ts). */
const active = new Set<HeldLease>();

export function track(lease: HeldLease): HeldLease {
  active.add(lease);
  return {
    ...lease,
    release: async () => {
      active.delete(lease);
      await lease.release();
    },
  };
}

/** Releases every lease this process holds, each bounded by `ms` (a region that does not answer must not hold up an exit). */
export async function releaseAll(ms = 3_000): Promise<void> {
  const all = [...active];
  active.clear();
  await Promise.all(all.map((l) => Promise.race([l.release().catch(() => undefined), sleepMs(ms)])));
}
