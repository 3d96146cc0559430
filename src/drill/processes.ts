import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";

/**
 * Every process the drill starts runs in its own process group (detached),
 * so stopping a "region" or cleaning up also reaches what it forked
 * (postgres backends, gunicorn workers). The registry stops them all on
 * exit, on Ctrl-C and on errors; `alive()` reads /proc so a zombie or a
 * reparented grandchild is counted right.
 */

export interface Group {
  readonly name: string;
  readonly pgid: number;
  readonly child: ChildProcess;
  readonly log: string;
  /** Signal that shuts it down cleanly (postgres: SIGINT = fast shutdown). */
  readonly stopSignal: NodeJS.Signals;
}

/** Every live (non-zombie) process: pid, parent, process group. */
function processTable(): Array<{ pid: number; ppid: number; pgrp: number }> {
  const out: Array<{ pid: number; ppid: number; pgrp: number }> = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (rest[0] !== "Z") out.push({ pid: Number(d), ppid: Number(rest[1]), pgrp: Number(rest[2]) });
  }
  return out;
}

/** Live (non-zombie) processes whose process group is pgid. */
export function groupMembers(pgid: number): number[] {
  return processTable()
    .filter((p) => p.pgrp === pgid)
    .map((p) => p.pid);
}

/**
 * The group's processes and all their descendants, parents first. PostgreSQL's
 * postmaster puts every child (backends, the WAL sender, the checkpointer) in
 * a process group of its own (setsid in InitPostmasterChild), so a signal to
 * the postmaster's group reaches none of them: freezing or killing a database
 * means signalling this whole tree.
 */
export function groupTree(pgid: number): number[] {
  const table = processTable();
  const out = table.filter((p) => p.pgrp === pgid).map((p) => p.pid);
  for (let i = 0; i < out.length; i++) for (const p of table) if (p.ppid === out[i] && !out.includes(p.pid)) out.push(p.pid);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Processes {
  private readonly groups: Group[] = [];
  private readonly cleanups = new Set<() => void>();
  private handlersInstalled = false;

  /** Runs fn (synchronously) when the drill is interrupted or exits; remove it with the returned function. */
  onCleanup(fn: () => void): () => void {
    this.installHandlers();
    this.cleanups.add(fn);
    return () => this.cleanups.delete(fn);
  }

  private runCleanups(): void {
    for (const fn of this.cleanups) {
      try {
        fn();
      } catch {
        // keep cleaning
      }
    }
    this.cleanups.clear();
  }

  spawn(name: string, cmd: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; log: string; stopSignal?: NodeJS.Signals }): Group {
    this.installHandlers();
    const fd = fs.openSync(opts.log, "a");
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    child.on("error", () => undefined);
    const g: Group = { name, pgid: child.pid, child, log: opts.log, stopSignal: opts.stopSignal ?? "SIGTERM" };
    this.groups.push(g);
    return g;
  }

  /** Like spawn, with stdin and stdout piped to us (stderr to the log): the runbook process. */
  spawnPiped(name: string, cmd: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; log: string }): Group {
    this.installHandlers();
    const fd = fs.openSync(opts.log, "a");
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: ["pipe", "pipe", fd] });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    child.on("error", () => undefined);
    child.stdin?.on("error", () => undefined);
    const g: Group = { name, pgid: child.pid, child, log: opts.log, stopSignal: "SIGTERM" };
    this.groups.push(g);
    return g;
  }

  alive(g: Group): boolean {
    return groupTree(g.pgid).length > 0;
  }

  /** Signals the group and every descendant of it (see groupTree), parents first. */
  signal(g: Group, sig: NodeJS.Signals): void {
    const pids = groupTree(g.pgid);
    try {
      process.kill(-g.pgid, sig);
    } catch {
      // already gone
    }
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** Stops a group: its stop signal (to the group: the process handles its children), then SIGKILL of the whole tree after graceMs. */
  async stop(g: Group, graceMs = 8_000): Promise<void> {
    if (!this.alive(g)) return;
    try {
      process.kill(-g.pgid, g.stopSignal);
    } catch {
      // gone meanwhile
    }
    const deadline = Date.now() + graceMs;
    while (this.alive(g) && Date.now() < deadline) await sleep(50);
    if (this.alive(g)) {
      this.signal(g, "SIGKILL");
      const hard = Date.now() + 5_000;
      while (this.alive(g) && Date.now() < hard) await sleep(50);
    }
  }

  kill(g: Group): void {
    this.signal(g, "SIGKILL");
  }

  /** Stops every group: the runbooks, load balancers and app instances together, then the databases (they stop last: a fast shutdown each). */
  async stopAll(): Promise<void> {
    const pg = this.groups.filter((g) => g.name.startsWith("postgres"));
    await Promise.all(this.groups.filter((g) => !pg.includes(g)).map((g) => this.stop(g)));
    await Promise.all(pg.map((g) => this.stop(g)));
  }

  /** Processes of ours still running (should be 0 after stopAll). */
  leftovers(): string[] {
    return this.groups.filter((g) => this.alive(g)).map((g) => `${g.name} (pgid ${g.pgid}: ${groupTree(g.pgid).join(" ")})`);
  }

  private killAllSync(): void {
    for (const g of this.groups) this.signal(g, "SIGKILL");
  }

  private installHandlers(): void {
    if (this.handlersInstalled) return;
    this.handlersInstalled = true;
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\ndrill: ${sig}: stopping everything it started\n`);
      this.stopAll().finally(() => {
        this.runCleanups();
        process.exit(130);
      });
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("SIGHUP", onSignal);
    // Last resort: whatever still runs when node exits (an uncaught error) is killed.
    process.on("exit", () => {
      this.killAllSync();
      this.runCleanups();
    });
  }
}
