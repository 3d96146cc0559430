import * as fs from "node:fs";
import type { z } from "zod";
import { DEFAULT_CONFIG } from "./defaults";
import { configSchema, type ValidConfig } from "./schema";

/** One problem in a configuration, with the field it concerns. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. regions.secondary.availabilityZones[0]. */
  readonly field: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A configuration that cannot be used; the message lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `Invalid configuration (${source}):\n` +
        problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from the override replace. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) {
    return (override === undefined ? base : override) as T;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    // A different backend type starts from scratch: local has no keys to keep.
    out[k] = k in base ? deepMerge((base as Record<string, unknown>)[k], v) : v;
  }
  if ("type" in override && "type" in base && override.type !== base.type) {
    return override as T;
  }
  return out as T;
}

function fieldOf(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || "(root)";
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** Keys the schema accepts at a path, read from the merged input object. */
function knownKeys(input: unknown, path: readonly PropertyKey[]): string[] {
  let node: unknown = DEFAULT_CONFIG;
  for (const p of path) node = isPlainObject(node) ? node[p as string] : undefined;
  if (!isPlainObject(node)) {
    node = input;
    for (const p of path) node = isPlainObject(node) ? node[p as string] : undefined;
  }
  return isPlainObject(node) ? Object.keys(node) : [];
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(input, issue.path).filter((k) => !issue.keys.includes(k));
    return issue.keys.map((key) => {
      const best = known
        .map((k) => ({ k, d: levenshtein(key.toLowerCase(), k.toLowerCase()) }))
        .sort((x, y) => x.d - y.d)[0];
      const hint =
        best && best.d <= Math.max(2, Math.floor(key.length / 3))
          ? `did you mean "${best.k}"? `
          : "";
      return {
        field: fieldOf([...issue.path, key]),
        message: `unknown key. Fix: ${hint}remove it or use one of: ${known.join(", ")}`,
      };
    });
  }
  if (issue.code === "invalid_union" || issue.code === "invalid_value") {
    return [{ field: fieldOf(issue.path), message: `${issue.message}. Fix: see the allowed values in src/config/schema.ts` }];
  }
  if (issue.code === "invalid_type") {
    return [{ field: fieldOf(issue.path), message: `${issue.message}. Fix: give a ${issue.expected} here` }];
  }
  const hasFix = issue.message.includes("Fix:");
  return [{ field: fieldOf(issue.path), message: hasFix ? issue.message : `${issue.message}. Fix: correct this value (see README "Configuration")` }];
}

/**
 * Applies overrides to the seed defaults and validates the result.
 * @throws ConfigError listing every problem, each with its field and fix.
 */
export function resolveConfig(overrides: unknown = {}, source = "defaults"): ValidConfig {
  if (!isPlainObject(overrides)) {
    throw new ConfigError(source, [{ field: "(root)", message: "the configuration must be a JSON object. Fix: wrap the settings in { ... }" }]);
  }
  const merged = deepMerge(DEFAULT_CONFIG as unknown as Json, overrides);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(source, result.error.issues.flatMap((i) => describeIssue(i, merged)));
  }
  return result.data;
}

/** Reads a JSON override file and validates it against the seed defaults. */
export function loadConfigFile(path: string): ValidConfig {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(path, [{ field: "(file)", message: `cannot read the file (${(e as Error).message}). Fix: check the path given by DR_CONFIG or the cdktf.json context "configFile"` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [{ field: "(file)", message: `not valid JSON: ${(e as Error).message}. Fix: correct the JSON syntax` }]);
  }
  return resolveConfig(parsed, path);
}

/**
 * The config override file the commands use, in this order: an explicit
 * path (a command-line option), $DR_CONFIG, the cdktf.json context
 * "configFile" (from CDKTF_CONTEXT_JSON when the cdktf CLI runs the app,
 * else read from <projectRoot>/cdktf.json). "" means the defaults alone.
 */
export function configFilePath(projectRoot: string, explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.DR_CONFIG) return process.env.DR_CONFIG;
  // cdktf's CONTEXT_ENV, spelled out so the config module needs no cdktf.
  const fromCli = process.env.CDKTF_CONTEXT_JSON;
  try {
    const context = fromCli ? JSON.parse(fromCli) : JSON.parse(fs.readFileSync(`${projectRoot}/cdktf.json`, "utf8")).context;
    return (context as { configFile?: string } | undefined)?.configFile ?? "";
  } catch {
    return "";
  }
}

/** The validated config of this project: the override file (configFilePath) on the seed defaults. */
export function loadProjectConfig(projectRoot: string, explicit?: string): ValidConfig {
  const file = configFilePath(projectRoot, explicit);
  return file ? loadConfigFile(file) : resolveConfig({}, "defaults");
}
