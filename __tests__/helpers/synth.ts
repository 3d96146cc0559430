import { App } from "cdktf";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { buildApp, type DrApp } from "../../stacks/app";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** A synthesized stack: its Terraform JSON, as `cdktf synth` writes it. */
export type StackJson = {
  terraform: Record<string, any>;
  provider?: Record<string, any[]>;
  resource?: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, { value: unknown; description?: string }>;
};

export interface SynthResult {
  readonly outdir: string;
  readonly config: ValidConfig;
  readonly drApp: DrApp;
  readonly stacks: Record<string, StackJson>;
  /** The stack's synthesized JSON as a string (what cdktf Testing matchers take). */
  readonly text: (stack: string) => string;
}

/**
 * Synthesizes the WHOLE app (every stack, cross-stack references resolved)
 * into a fresh temp folder, exactly as main.ts does, with the given config
 * overrides on top of the seed defaults.
 */
export function synthApp(overrides: unknown = {}): SynthResult {
  // One synthesis per config in a test worker (vitest runs the files of a
  // worker in one process: vitest.config.ts, isolate false). Callers only
  // read the result; a test that changes files in `outdir` must use
  // freshSynthApp.
  const key = JSON.stringify(overrides);
  const hit = cache.get(key);
  if (hit) return hit;
  const result = freshSynthApp(overrides);
  cache.set(key, result);
  return result;
}
const cache = new Map<string, SynthResult>();

/** synthApp without the cache: a new synthesis in a new folder, for a test that changes the output. */
export function freshSynthApp(overrides: unknown = {}): SynthResult {
  const config = resolveConfig(overrides, "test overrides");
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drsynth-"));
  const app = new App({ outdir });
  const drApp = buildApp(app, config, PROJECT_ROOT);
  app.synth();
  const stacks: Record<string, StackJson> = {};
  const texts: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(outdir, "stacks"))) {
    texts[name] = fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
    stacks[name] = JSON.parse(texts[name]);
  }
  return { outdir, config, drApp, stacks, text: (s) => texts[s] };
}

/** All resources of one type in a stack, keyed by logical id. */
export function resources(stack: StackJson, type: string): Record<string, any> {
  return stack.resource?.[type] ?? {};
}

/** The list of resources of one type. */
export function resourceList(stack: StackJson, type: string): any[] {
  return Object.values(resources(stack, type));
}

/** Resolves a "${aws_x.y.attr}" reference to the resource's config. */
export function deref(stack: StackJson, ref: string): any {
  const m = /^\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_]+)\.[a-z_]+\}$/.exec(ref);
  if (!m) throw new Error(`not a simple reference: ${ref}`);
  const isData = ref.startsWith("${data.");
  return (isData ? stack.data : stack.resource)?.[m[1]]?.[m[2]];
}

/**
 * The app environment written by the launch template's user data, parsed
 * from its Terraform expression: literal values unquoted, apply-time values
 * as their Terraform reference (e.g. aws_db_instance.X.address) or the
 * replace() call around one (the Aurora mode's cluster endpoint,
 * src/database/aurora-tier.ts auroraClusterEndpoint), as written.
 */
export function userDataEnv(stack: StackJson): Record<string, string> {
  const lt = webLaunchTemplate(stack);
  const env: Record<string, string> = {};
  for (const m of (lt.user_data as string).matchAll(/join\("", \["([A-Z][A-Z0-9_]*)=", ("[^"]*"|replace\([A-Za-z0-9_.]+, "[^"]*", "[^"]*"\)|[A-Za-z0-9_.]+)\]\)/g)) {
    env[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2];
  }
  return env;
}

/** The web fleet's launch template (the EKS nodes have one too). */
export function webLaunchTemplate(stack: StackJson): any {
  const lts = resourceList(stack, "aws_launch_template").filter((lt) => typeof lt.name === "string" && lt.name.endsWith("-web"));
  if (lts.length !== 1) throw new Error(`expected one web launch template, found ${lts.length}`);
  return lts[0];
}
