import { spawn } from "node:child_process";

/** What a finished child process left: like spawnSync's result. */
export interface RunResult {
  /** Exit code, or null when a signal ended it. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion WITHOUT blocking the test worker (unlike
 * spawnSync): vitest workers talk to the main process over RPC with a
 * timeout, and a worker stuck for a minute in a synchronous child process
 * on a busy machine fails the run with `Timeout calling "onTaskUpdate"`
 * although every test passed.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
