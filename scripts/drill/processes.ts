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

/** Live (non-zombie) processes whose process group is pgid. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
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
    if (rest[0] !== "Z" && Number(rest[2]) === pgid) out.push(Number(d));
  }
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

  alive(g: Group): boolean {
    return groupMembers(g.pgid).length > 0;
  }

  signal(g: Group, sig: NodeJS.Signals): void {
    try {
      process.kill(-g.pgid, sig);
    } catch {
      // already gone
    }
  }

  /** Stops a group: its stop signal, then SIGKILL after graceMs. */
  async stop(g: Group, graceMs = 8_000): Promise<void> {
    if (!this.alive(g)) return;
    this.signal(g, g.stopSignal);
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

  async stopAll(): Promise<void> {
    for (const g of [...this.groups].reverse()) await this.stop(g);
  }

  /** Processes of ours still running (should be 0 after stopAll). */
  leftovers(): string[] {
    return this.groups.filter((g) => this.alive(g)).map((g) => `${g.name} (pgid ${g.pgid}: ${groupMembers(g.pgid).join(" ")})`);
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
