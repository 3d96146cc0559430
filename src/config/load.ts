import * as fs from "node:fs";
import type { z } from "zod";
import { DEFAULT_CONFIG } from "./defaults";
import { configSchema, type ValidConfig } from "./schema";
import { AURORA_DEFAULT_ENGINE_VERSION, AURORA_DEFAULT_INSTANCE_CLASS } from "./sections/database";

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
  if ((issue.code === "invalid_union" || issue.code === "invalid_value") && !issue.message.includes("Fix:")) {
    return [{ field: fieldOf(issue.path), message: `${issue.message}. Fix: see the allowed values in src/config/sections/` }];
  }
  if (issue.code === "invalid_type") {
    const article = /^[aeiou]/.test(issue.expected) ? "an" : "a";
    return [{ field: fieldOf(issue.path), message: `${issue.message}. Fix: give ${article} ${issue.expected} here` }];
  }
  const hasFix = issue.message.includes("Fix:");
  return [{ field: fieldOf(issue.path), message: hasFix ? issue.message : `${issue.message}. Fix: correct this value (see docs/configuration.md "Configuration")` }];
}

type Path = readonly PropertyKey[];

/** True when one path is the other or lies under it. */
function related(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function valueAt(root: unknown, path: Path): { found: boolean; value?: unknown } {
  let node = root;
  for (const p of path) {
    if (!(isPlainObject(node) || Array.isArray(node)) || !(p in (node as object))) return { found: false };
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: node };
}

/**
 * Puts the seed's value back at a path whose value has the wrong type or an
 * unknown enum value (or drops the key when the seed has none; an array
 * element takes the seed's whole array), so the checks that need a
 * well-typed config can still run over everything else. Returns the path
 * actually patched.
 */
function patchWithDefault(target: Record<string, unknown>, path: Path): Path {
  let at = [...path];
  while (at.length > 0 && typeof at[at.length - 1] === "number") at = at.slice(0, -1);
  if (at.length === 0) return at;
  const parent = valueAt(target, at.slice(0, -1));
  if (!parent.found || !isPlainObject(parent.value)) return patchWithDefault(target, at.slice(0, -1));
  const key = at[at.length - 1] as string;
  const def = valueAt(DEFAULT_CONFIG, at);
  if (def.found) parent.value[key] = structuredClone(def.value);
  else delete parent.value[key];
  return at;
}

/** Paths a custom issue depends on besides its own (params.uses of src/config/checks/issues.ts, crossIssue). */
function usesOf(issue: z.core.$ZodIssue): Path[] {
  const uses = (issue as { params?: { uses?: Path[] } }).params?.uses;
  return [issue.path, ...(uses ?? [])];
}

/**
 * The field a cross-field issue is reported on: of the candidate fields
 * (params.blame), the one the user set in the override (exactly one), else
 * the issue's own path.
 */
function blamedPath(issue: z.core.$ZodIssue, overrides: unknown): Path {
  const blame = (issue as { params?: { blame?: Path[] } }).params?.blame;
  if (!blame) return issue.path;
  const set = blame.filter((p) => valueAt(overrides, p).found);
  return set.length === 1 ? set[0] : issue.path;
}

/**
 * The defaults that depend on the database engine: the seed's db.t3.small
 * and major version "17" are RDS for PostgreSQL's; with engine
 * "aurora-postgresql" a class or version the override does not set comes
 * from the Aurora mode's defaults (src/config/sections/database.ts). A value the
 * override sets is kept and checked.
 */
function withEngineDefaults(merged: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const db = merged.database;
  if (!isPlainObject(db) || db.engine !== "aurora-postgresql") return merged;
  const given = isPlainObject(overrides.database) ? overrides.database : {};
  return {
    ...merged,
    database: {
      ...db,
      ...(given.instanceClass === undefined ? { instanceClass: AURORA_DEFAULT_INSTANCE_CLASS } : {}),
      ...(given.engineVersion === undefined ? { engineVersion: AURORA_DEFAULT_ENGINE_VERSION } : {}),
    },
  };
}

/**
 * Applies overrides to the seed defaults and validates the result.
 *
 * Every problem comes out in one run: a value of the wrong type or an unknown
 * enum value stops zod before the checks across fields (AZ in its region,
 * overlapping CIDRs, a domain inside its zone...), so those fields are given
 * the seed's values and the config is checked again; the second round's
 * problems are kept unless they concern (or depend on) a field that was
 * patched.
 * @throws ConfigError listing every problem, each with its field and fix.
 */
export function resolveConfig(overrides: unknown = {}, source = "defaults"): ValidConfig {
  if (!isPlainObject(overrides)) {
    throw new ConfigError(source, [{ field: "(root)", message: "the configuration must be a JSON object. Fix: wrap the settings in { ... }" }]);
  }
  const merged = withEngineDefaults(deepMerge(DEFAULT_CONFIG as unknown as Json, overrides) as Record<string, unknown>, overrides);
  let result = configSchema.safeParse(merged);
  if (result.success) return result.data;

  const issues: z.core.$ZodIssue[] = [...result.error.issues];
  const patched: Path[] = [];
  const candidate = structuredClone(merged);
  // A few rounds at most: each round patches every field zod stopped at.
  for (let round = 0; round < 5 && !result.success; round++) {
    const stops = result.error.issues.filter((i) => i.code !== "custom" && !patched.some((p) => related(p, i.path)));
    if (stops.length === 0) break;
    for (const i of stops) {
      if (i.code === "unrecognized_keys") {
        const parent = valueAt(candidate, i.path);
        if (isPlainObject(parent.value)) for (const k of i.keys) delete parent.value[k];
      } else {
        patched.push(patchWithDefault(candidate, i.path));
      }
    }
    result = configSchema.safeParse(candidate);
    if (!result.success) {
      for (const i of result.error.issues) {
        const dependsOnPatched = usesOf(i).some((u) => patched.some((p) => related(p, u)));
        const seen = issues.some((j) => j.code === i.code && j.message === i.message && fieldOf(j.path) === fieldOf(i.path));
        if (!dependsOnPatched && !seen) issues.push(i);
      }
    }
  }
  throw new ConfigError(
    source,
    issues.flatMap((i) => describeIssue({ ...i, path: blamedPath(i, overrides) as PropertyKey[] } as z.core.$ZodIssue, merged)),
  );
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

/** Where the config override file came from (configSource). */
export interface ConfigSource {
  /** The override file, or "" for the defaults alone. */
  readonly file: string;
  /** What named it: the command line, $DR_CONFIG, the cdktf.json context, or nothing. */
  readonly from: "option" | "DR_CONFIG" | "cdktf.json" | "defaults";
}

/**
 * The config override file the commands use, in this order: an explicit
 * path (a command-line option), $DR_CONFIG, the cdktf.json context
 * "configFile" (from CDKTF_CONTEXT_JSON when the cdktf CLI runs the app,
 * else read from <projectRoot>/cdktf.json); none means the defaults alone.
 */
export function configSource(projectRoot: string, explicit?: string): ConfigSource {
  if (explicit) return { file: explicit, from: "option" };
  if (process.env.DR_CONFIG) return { file: process.env.DR_CONFIG, from: "DR_CONFIG" };
  // cdktf's CONTEXT_ENV, spelled out so the config module needs no cdktf.
  const fromCli = process.env.CDKTF_CONTEXT_JSON;
  try {
    const context = fromCli ? JSON.parse(fromCli) : JSON.parse(fs.readFileSync(`${projectRoot}/cdktf.json`, "utf8")).context;
    const file = (context as { configFile?: string } | undefined)?.configFile;
    if (file) return { file, from: "cdktf.json" };
  } catch {
    // no readable cdktf.json: the defaults
  }
  return { file: "", from: "defaults" };
}

/** configSource's file ("" = the defaults alone). */
export function configFilePath(projectRoot: string, explicit?: string): string {
  return configSource(projectRoot, explicit).file;
}

/** One line saying which configuration a command uses, e.g. for synth's output. */
export function describeConfigSource(src: ConfigSource): string {
  switch (src.from) {
    case "defaults":
      return "Config: the defaults (src/config/defaults.ts); no DR_CONFIG and no cdktf.json context configFile";
    case "option":
      return `Config: ${src.file} (--config) on the defaults`;
    case "DR_CONFIG":
      return `Config: ${src.file} (DR_CONFIG) on the defaults`;
    case "cdktf.json":
      return `Config: ${src.file} (cdktf.json context configFile) on the defaults`;
  }
}

/** The validated config of this project: the override file (configSource) on the seed defaults. */
export function loadProjectConfig(projectRoot: string, explicit?: string): ValidConfig {
  const file = configFilePath(projectRoot, explicit);
  return file ? loadConfigFile(file) : resolveConfig({}, "defaults");
}
