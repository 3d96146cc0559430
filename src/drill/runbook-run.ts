import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { Group, Processes } from "./processes";
import type { RunbookSpec } from "./runbook-process";

const ROOT = path.resolve(__dirname, "..", "..");

/** One run of the runbook in its own process (runbook-process.ts), started ahead and told to go. */
export class RunbookProcess {
  readonly lines: string[] = [];
  readonly group: Group;
  readonly ready: Promise<void>;
  readonly done: Promise<{
    result: { ok: boolean; failedStep: string | null; failure: string | null; rolledBack: boolean; resumed: boolean; skipped: string[]; acted: boolean; transient?: boolean; refused?: boolean; holderPid?: number | null } | null;
    crashed: string | null;
  }>;
  startedAt = 0;
  /** The runbook's own process id (it reports it with "started"): what a lease names as its holder. */
  pid = 0;
  endedAt = 0;
  killed = false;
  /** Called at each hook the process stops at (RunbookSpec.pauseAt); it continues once this resolves. */
  onHook: (name: string) => Promise<void> | void = () => undefined;
  /** What it runs (a runbook operation, or "status"). */
  readonly operation: RunbookSpec["operation"];

  constructor(processes: Processes, dir: string, spec: RunbookSpec, n: number, onLine: (line: string) => void) {
    this.operation = spec.operation;
    const file = path.join(dir, `runbook-${n}.json`);
    fs.writeFileSync(file, JSON.stringify(spec));
    this.group = processes.spawnPiped(`runbook ${n}`, path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "drill", "runbook-process.ts"), file], {
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
      cwd: ROOT,
      log: path.join(dir, `runbook-${n}.stderr`),
    });
    const rl = readline.createInterface({ input: this.group.child.stdout! });
    let readyResolve: () => void = () => undefined;
    this.ready = new Promise((r) => (readyResolve = r));
    let result: { result: never; crashed: string | null } = { result: null as never, crashed: null };
    rl.on("line", (raw) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg.ready) readyResolve();
      if (typeof msg.hook === "string") {
        const name = msg.hook;
        void Promise.resolve(this.onHook(name)).then(() => this.group.child.stdin!.write("continue\n"));
      }
      if (typeof msg.started === "number") this.startedAt = msg.started;
      if (typeof msg.pid === "number") this.pid = msg.pid;
      if (typeof msg.log === "string") {
        this.lines.push(msg.log);
        onLine(msg.log);
      }
      if (msg.result) {
        result = { result: msg.result as never, crashed: null };
        this.endedAt = Number(msg.ended);
      }
      if (typeof msg.crashed === "string") result = { result: null as never, crashed: msg.crashed };
    });
    this.done = new Promise((resolve) => this.group.child.on("exit", () => resolve(result)));
  }

  go(): void {
    this.group.child.stdin!.write("go\n");
  }

  kill(processes: Processes): void {
    this.killed = true;
    this.endedAt = Date.now();
    processes.kill(this.group);
  }
}
