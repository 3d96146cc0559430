/**
 * `npm run plan:offline`: a real `terraform plan` of every stack that uses
 * only the aws provider, in every DR state, and of every runbook deploy
 * between them, and the guards' refusal checks (a fake answer the stack's
 * plan-time guard must refuse), with the real hashicorp/aws provider and no AWS account:
 * `terraform test` with `command = plan`, fake credentials, every endpoint on
 * a loopback responder, data sources overridden with a fake account's
 * values, all inside a network namespace that has only loopback.
 * docs/offline-plan.md "Offline plan" says what it proves and what it cannot.
 *
 *   npm run plan:offline                 # the full matrix (the config's mode, plus the Aurora
 *                                        # Global Database mode when the config is RDS's: aurora-scenarios.ts)
 *   npm run plan:offline -- --quick      # what `npm test` runs: the primary's default-state plan + its failback rebuild
 *   npm run plan:offline -- --only failback-3-primary,normal/dns
 *   options: --jobs N (parallel terraform runs, default 2), --keep (keep the work folder and print it)
 *
 * Ends with one line "plan: N passed, M failed"; exit 1 on any failure.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runChecks, type Check, type Options } from "./run";
import { stopAllRuns } from "./tftest";

const NETNS_MARK = "DRWEB_OFFLINE_PLAN_NETNS";

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let keep = false;
  let jobs = 2;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") quick = true;
    else if (a === "--keep") keep = true;
    else if (a === "--jobs") jobs = Number(argv[++i]);
    else if (a === "--only") only = String(argv[++i] ?? "").split(",").filter(Boolean);
    else throw new Error(`unknown option ${a}. Usage: npm run plan:offline -- [--quick] [--jobs N] [--keep] [--only id,...]`);
  }
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error("--jobs: give a whole number >= 1");
  return { quick, jobs, keep, only };
}

/**
 * Re-runs this command inside a new network namespace whose only interface
 * is loopback (`unshare -rn`, then `ip link set lo up`): terraform, the
 * provider and the responder can reach nothing beyond this machine.
 */
function reexecInNetns(): Promise<never> {
  const probe = spawnSync("unshare", ["-rn", "sh", "-c", "ip link set lo up"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    console.error(
      `offline plan: cannot create a loopback-only network namespace (unshare -rn sh -c 'ip link set lo up': ${probe.error?.message ?? (probe.stderr.trim() || `exit ${probe.status}`)}). ` +
        "It needs util-linux unshare, iproute2 ip and permission to create user and network namespaces (root, or unprivileged user namespaces enabled). The plan never runs with the network reachable.",
    );
    console.log("plan: 0 passed, 1 failed");
    process.exit(1);
  }
  const script = 'ip link set lo up && exec "$@"';
  const child = spawn("unshare", ["-rn", "sh", "-c", script, "sh", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [NETNS_MARK]: "1" },
  });
  // An interrupt of this process reaches the run inside the namespace (which stops terraform and cleans up).
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
  return new Promise<never>(() => undefined);
}

/** Refuses to run with any interface but loopback. */
function assertLoopbackOnly(): void {
  const outside = Object.entries(os.networkInterfaces()).filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal));
  if (outside.length) throw new Error(`offline plan: network interfaces other than loopback are present (${outside.map(([n]) => n).join(", ")}): not inside the namespace`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.env[NETNS_MARK] !== "1") return reexecInNetns();
  assertLoopbackOnly();
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "drweb-offline-plan-"));
  // Interrupted: stop terraform and its providers, remove the work folder.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      stopAllRuns();
      if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
      console.log(`\noffline plan: interrupted (${signal})`);
      console.log("plan: 0 passed, 1 failed");
      process.exit(130);
    });
  }
  const checks: Check[] = [];
  try {
    await runChecks(opts, work, checks);
  } catch (e) {
    checks.push({ kind: "state", label: "setup", ok: false, lines: [(e as Error).message] });
    console.error(`offline plan: ${(e as Error).message}`);
  } finally {
    if (opts.keep) console.log(`\nwork folder kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  const passed = checks.filter((c) => c.ok).length;
  console.log(`\noffline plan took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`plan: ${passed} passed, ${checks.length - passed} failed`);
  process.exit(passed === checks.length ? 0 : 1);
}

main().catch((e: Error) => {
  console.error(`offline plan: ${e.message}`);
  console.log("plan: 0 passed, 1 failed");
  process.exit(1);
});
