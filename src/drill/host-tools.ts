/**
 * The drill's host tools: the loopback address every server binds, the PostgreSQL and HAProxy binaries,
 * running a command (as the postgres user when the drill runs as root), and the bounded start-up wait.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const LOOPBACK = "127.0.0.1";
export const IS_ROOT = process.getuid?.() === 0;

export function pgBin(name: string): string {
  for (const d of [process.env.PG_BIN, "/usr/lib/postgresql/15/bin", "/usr/local/bin"]) {
    if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  }
  for (const d of (process.env.PATH ?? "").split(":")) if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  throw new Error(`PostgreSQL binary ${name} not found: set PG_BIN`);
}

export function haproxyBin(): string {
  for (const d of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"]) if (d && fs.existsSync(path.join(d, "haproxy"))) return path.join(d, "haproxy");
  throw new Error("haproxy not found: run bash scripts/setup-haproxy.sh");
}

export const asPg = (cmd: string, args: string[]): [string, string[]] => (IS_ROOT ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]);

export function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(stdout))),
  );
}

/**
 * A start-up wait's check found the process it waits for gone: waitFor rethrows it at once (with
 * the process's log) instead of counting it as "not yet". Before, every error of a check was
 * swallowed, so a server that exited at start (its port taken, src/drill/ports.ts) surfaced
 * only as a timeout 180 s later.
 */
export class ProcessExited extends Error {
  override name = "ProcessExited";
}

/**
 * The bound on each start-up wait of the environment (a database accepting connections, a replica
 * streaming, an app instance or load balancer answering). Start-up happens before a scenario's event, so
 * a generous bound costs nothing measured; it only keeps a slow start on a loaded machine (two full test
 * runs on two cores took PostgreSQL past the old 30 s) from failing the drill.
 */
export const STARTUP_TIMEOUT_MS = 180_000;

/** Polls check until it is true (an error of it counts as false, except ProcessExited, which ends the wait). */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await check().catch((e: unknown) => {
      if (e instanceof ProcessExited) throw e;
      return false;
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function pgIds(): [number, number] {
  const line = fs.readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("running as root needs a 'postgres' user to run PostgreSQL (it refuses to run as root)");
  const f = line.split(":");
  return [Number(f[2]), Number(f[3])];
}
