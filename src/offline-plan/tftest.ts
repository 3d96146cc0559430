/**
 * Runs `terraform test` on synthesized stacks with the real hashicorp/aws
 * provider from the offline mirror: one provider install shared by every
 * job, test files written as JSON, and the JSON event stream read back into
 * plans and diagnostics.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import type { ValidConfig } from "../../src/config";
import { ASSETS_DIR, linkOrCopy } from "../../src/lib/stack-asset";
import { AWS_PROVIDER_VERSION, prepareTerraformEnv } from "../../scripts/lib/terraform-env";
import { dataSourceValues, endpointNamesOnePerService, LOCAL_DATA_SOURCES, offlineProviderSettings, REFUSED_ENDPOINT } from "./fake-aws";
import type { Diagnostic, PlanOutputChange, PlanResourceChange, ProviderSchemaBlock, RunResult, StackJson } from "./types";

export interface Workspace {
  readonly terraform: string;
  readonly terraformVersion: string;
  readonly mirrorRoot: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where the provider is installed once (.terraform/providers + lock file). */
  readonly providerDir: string;
  /** Endpoint names of the provider, one per service. */
  readonly endpointNames: readonly string[];
  /** Resource schemas of hashicorp/aws by type. */
  readonly schemas: Readonly<Record<string, ProviderSchemaBlock>>;
}

function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Installs hashicorp/aws once from the mirror (scripts/lib/terraform-env.ts
 * writes the CLI config) and reads its schema.
 */
export async function prepareWorkspace(projectRoot: string, workDir: string): Promise<Workspace> {
  const tf = prepareTerraformEnv(projectRoot);
  const providerDir = path.join(workDir, "_provider");
  fs.mkdirSync(providerDir, { recursive: true });
  fs.writeFileSync(
    path.join(providerDir, "main.tf.json"),
    JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION } } } }),
  );
  await exec(tf.terraform, ["init", "-input=false", "-no-color"], providerDir, tf.env);
  const schema = JSON.parse(await exec(tf.terraform, ["providers", "schema", "-json"], providerDir, tf.env));
  const aws = schema.provider_schemas?.["registry.terraform.io/hashicorp/aws"];
  if (!aws) throw new Error("offline plan: `terraform providers schema -json` did not return hashicorp/aws");
  const endpointAttrs = aws.provider.block.block_types?.endpoints?.block?.attributes ?? {};
  return {
    terraform: tf.terraform,
    terraformVersion: tf.version,
    mirrorRoot: tf.mirrorRoot,
    // Half as many garbage collections in terraform and the provider: a plan
    // starts the provider many times and most of its CPU is the provider's
    // start-up; measured here ~10% less CPU per plan for ~40 MB more memory
    // per process.
    env: { ...tf.env, GOGC: tf.env.GOGC ?? "200" },
    providerDir,
    endpointNames: endpointNamesOnePerService(Object.keys(endpointAttrs)),
    schemas: Object.fromEntries(Object.entries(aws.resource_schemas as Record<string, { block: ProviderSchemaBlock }>).map(([k, v]) => [k, v.block])),
  };
}

/** A job folder that uses the shared provider install (a symlink, and the lock file). */
export function makeJobDir(ws: Workspace, dir: string): void {
  fs.mkdirSync(path.join(dir, ".terraform"), { recursive: true });
  const link = path.join(dir, ".terraform", "providers");
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(ws.providerDir, ".terraform", "providers"), link);
  fs.copyFileSync(path.join(ws.providerDir, ".terraform.lock.hcl"), path.join(dir, ".terraform.lock.hcl"));
}

/** The stack as `terraform test` plans it: no backend (the test keeps its state in memory). */
export function withoutBackend(stack: StackJson): StackJson {
  const copy: StackJson = JSON.parse(JSON.stringify(stack));
  delete copy.terraform.backend;
  return copy;
}

/**
 * The stack with `lifecycle.ignore_changes` removed from every resource of
 * `types` (a control: what the plan would be without the ignore list).
 */
export function withoutIgnoreChanges(stack: StackJson, types: readonly string[]): StackJson {
  const copy: StackJson = JSON.parse(JSON.stringify(stack));
  let removed = 0;
  for (const type of types) {
    for (const body of Object.values(copy.resource?.[type] ?? {})) {
      if (body.lifecycle?.ignore_changes === undefined) continue;
      delete body.lifecycle.ignore_changes;
      if (Object.keys(body.lifecycle).length === 0) delete body.lifecycle;
      removed++;
    }
  }
  if (removed === 0) throw new Error(`offline plan: no ${types.join("/")} resource of the stack has lifecycle.ignore_changes: the control would prove nothing`);
  return copy;
}

/** Region of each provider reference of a stack ("aws", "aws.peer", ...). */
export function providerRegions(stack: StackJson): (ref: string | undefined) => string {
  const regions = new Map<string, string>();
  for (const p of stack.provider?.aws ?? []) regions.set(p.alias ? `aws.${p.alias}` : "aws", p.region);
  return (ref) => regions.get(ref ?? "aws") ?? regions.get("aws")!;
}

/** A different answer of the fake account for some data sources (values merged over dataSourceValues), or undefined for the usual one. */
export type FakeAnswer = (type: string, args: Record<string, any>) => Record<string, unknown> | undefined;

/** How the fake account answers a plan's data sources. */
export interface DataOverrideOptions {
  /** Changes what the fake account says for some of them (a refusal check: AWS does not offer what the config asks for). */
  readonly answer?: FakeAnswer;
  /** A region that is down: its data sources get no override, so their read reaches the provider, whose endpoints there refuse (testProviders). */
  readonly unreachableRegion?: string;
}

/**
 * override_data blocks for every data source of the stack that would call
 * AWS (except those of `unreachableRegion`), as `answer` says.
 */
export function dataOverrides(stack: StackJson, config: ValidConfig, opts: DataOverrideOptions = {}): Array<{ target: string; values: Record<string, unknown> }> {
  const regionOf = providerRegions(stack);
  const out: Array<{ target: string; values: Record<string, unknown> }> = [];
  for (const [type, items] of Object.entries(stack.data ?? {})) {
    if (LOCAL_DATA_SOURCES.has(type)) continue;
    for (const [name, args] of Object.entries(items)) {
      if (opts.unreachableRegion && regionOf(args.provider) === opts.unreachableRegion) continue;
      out.push({ target: `data.${type}.${name}`, values: { ...dataSourceValues(type, name, args, regionOf(args.provider), config), ...(opts.answer?.(type, args) ?? {}) } });
    }
  }
  return out;
}

/**
 * Provider blocks of the test file: the stack's own (alias, region,
 * default_tags, sts_region) plus the offline settings. The providers of
 * `unreachableRegion` get every endpoint on REFUSED_ENDPOINT: any call there
 * fails with "connection refused", as in an outage of that region.
 */
export function testProviders(stack: StackJson, ws: Workspace, endpointUrl: string, unreachableRegion?: string): Record<string, unknown> {
  const providers = stack.provider ?? {};
  const other = Object.keys(providers).filter((p) => p !== "aws");
  if (other.length) throw new Error(`offline plan: the stack uses providers the mirror does not hold (${other.join(", ")})`);
  const list = providers.aws ?? [];
  if (unreachableRegion && !list.some((p) => p.region === unreachableRegion)) throw new Error(`offline plan: the stack has no provider in ${unreachableRegion}: making it unreachable would prove nothing`);
  return { aws: list.map((p) => ({ ...p, ...offlineProviderSettings(ws.endpointNames, p.region === unreachableRegion ? REFUSED_ENDPOINT : endpointUrl) })) };
}

export interface TestRun {
  readonly name: string;
  readonly command: "plan" | "apply";
  /** Plan another module (the target configuration of a transition). */
  readonly module?: string;
  readonly stateKey?: string;
  readonly refresh?: boolean;
  readonly overrideData: ReadonlyArray<{ target: string; values: Record<string, unknown> }>;
  readonly overrideResource?: ReadonlyArray<{ target: string; values: Record<string, unknown> }>;
}

export function testFile(providers: Record<string, unknown>, runs: readonly TestRun[]): Record<string, unknown> {
  return {
    provider: providers,
    run: Object.fromEntries(
      runs.map((r) => [
        r.name,
        {
          command: r.command,
          ...(r.stateKey ? { state_key: r.stateKey } : {}),
          ...(r.module ? { module: { source: r.module } } : {}),
          ...(r.refresh === false ? { plan_options: { refresh: false } } : {}),
          override_data: r.overrideData,
          ...(r.overrideResource ? { override_resource: r.overrideResource } : {}),
        },
      ]),
    ),
  };
}

/** Process groups of the terraform runs in progress (each with its provider plugins). */
const running = new Set<number>();

/** Stops every terraform run in progress (on an interrupt). */
export function stopAllRuns(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

export interface TestOutcome {
  readonly runs: RunResult[];
  readonly diagnostics: Diagnostic[];
  /** Anything terraform printed that is not a JSON event (e.g. a crash). */
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly seconds: number;
}

/**
 * `terraform test -json -verbose` in `dir`. Terraform stops once every run
 * block has reported: what follows is the teardown, which would only destroy
 * the in-memory state the overrides made (no AWS call) and takes longer than
 * the plans.
 */
export function runTerraformTest(ws: Workspace, dir: string, runNames: readonly string[], timeoutSeconds = 900): Promise<TestOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(ws.terraform, ["test", "-json", "-verbose", "-no-color"], { cwd: dir, env: ws.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid) running.add(child.pid);
    const runs = new Map<string, { status: RunResult["status"]; resourceChanges?: PlanResourceChange[]; outputChanges?: Record<string, PlanOutputChange> }>();
    const diagnostics: Diagnostic[] = [];
    let stderr = "";
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stderr += `\noffline plan: terraform test did not finish within ${timeoutSeconds} s; stopped.`;
      stop();
    }, timeoutSeconds * 1000);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const log = fs.createWriteStream(path.join(dir, "terraform-test.jsonl"));
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on("line", (line) => {
      log.write(`${line}\n`);
      let m: any;
      try {
        m = JSON.parse(line);
      } catch {
        stderr += `${line}\n`;
        return;
      }
      const run: string | undefined = m["@testrun"];
      if (m.type === "diagnostic") {
        const d = m.diagnostic ?? {};
        diagnostics.push({ severity: d.severity === "error" ? "error" : "warning", summary: d.summary ?? m["@message"], detail: d.detail, address: d.address, context: d.snippet?.context, run });
      } else if (m.type === "test_run" && run && m.test_run?.progress === "complete") {
        runs.set(run, { ...runs.get(run), status: m.test_run.status });
      } else if (m.type === "test_plan" && run) {
        runs.set(run, { status: runs.get(run)?.status ?? "pass", resourceChanges: m.test_plan.resource_changes ?? [], outputChanges: m.test_plan.output_changes ?? {} });
      } else if (m.type === "test_file" && m.test_file?.progress === "teardown") {
        stop();
      } else if (m.type === "test_run" && m.test_run?.progress === "teardown") {
        stop();
      }
    });
    child.on("close", (code) => {
      if (child.pid) running.delete(child.pid);
      clearTimeout(timer);
      log.end();
      resolve({
        runs: runNames.map((name) => ({ name, status: runs.get(name)?.status ?? "missing", resourceChanges: runs.get(name)?.resourceChanges, outputChanges: runs.get(name)?.outputChanges })),
        diagnostics,
        stderr: stderr.trim(),
        exitCode: stopped ? null : code,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/**
 * Hard-links every file of `fromStackDir/assets` (the files a stack ships
 * next to its cdk.tf.json: StackFileAsset, cdktf's TerraformAsset) into
 * `toDir/assets`, keeping their relative paths, which the stack names and
 * Terraform resolves against its working directory. Asset paths carry their
 * content's hash, so a file already there is the same file. Returns how
 * many files it linked.
 */
export function linkStackAssets(fromStackDir: string, toDir: string): number {
  const from = path.join(fromStackDir, ASSETS_DIR);
  if (!fs.existsSync(from)) return 0;
  let n = 0;
  for (const rel of fs.readdirSync(from, { recursive: true, encoding: "utf8" })) {
    const src = path.join(from, rel);
    if (!fs.statSync(src).isFile()) continue;
    const dst = path.join(toDir, ASSETS_DIR, rel);
    if (fs.existsSync(dst)) continue;
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    linkOrCopy(src, dst);
    n++;
  }
  return n;
}

/**
 * Writes the stack(s) and the test file into a job folder, with the assets
 * of the synthesized stack folders `assetSources` (linked into the job
 * folder, where Terraform runs and resolves the stacks' relative asset
 * paths, and into each module's folder). Run blocks that plan another module
 * need `terraform init` to record it (the provider is already linked, so
 * init installs nothing).
 */
export async function writeJob(
  ws: Workspace,
  dir: string,
  root: StackJson,
  test: Record<string, unknown>,
  modules: Readonly<Record<string, StackJson>> = {},
  assetSources: readonly string[] = [],
): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  makeJobDir(ws, dir);
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(root, null, 1));
  for (const [sub, stack] of Object.entries(modules)) {
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, sub, "cdk.tf.json"), JSON.stringify(stack, null, 1));
  }
  for (const src of assetSources) for (const d of [dir, ...Object.keys(modules).map((sub) => path.join(dir, sub))]) linkStackAssets(src, d);
  fs.writeFileSync(path.join(dir, "offline.tftest.json"), JSON.stringify(test, null, 1));
  if (Object.keys(modules).length) await exec(ws.terraform, ["init", "-input=false", "-no-color"], dir, ws.env);
}
