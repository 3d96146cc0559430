/**
 * `npm run synth:matrix -- --out DIR [--only CASE[,CASE]] [--list]`: synthesizes
 * every stack of the app for every DR state and both database modes into
 * DIR/<case>/stacks/<name>/cdk.tf.json (and the assets cdktf writes beside
 * them), the same way main.ts synthesizes (buildApp on a fresh App). The
 * proof that a refactoring changes no synthesized byte: run it before and
 * after, then `diff -r BEFORE AFTER` (docs/testing.md "Refactoring: the
 * synth matrix").
 *
 * The cases are the offline plan harness's configs (drStates, zoneConfig,
 * ciConfigs in the harness's scenarios.ts) for the project config (DR_CONFIG,
 * else the defaults) in both modes: "postgres" (RDS for PostgreSQL) and
 * "aurora-postgresql" (auroraVariant). Each case is named
 * <engine>-<state id>, e.g. postgres-failedOver, aurora-postgresql-peerDown,
 * postgres-createZone, postgres-ci. It covers every database.drState
 * (normal, failedOver, failback), dns.forceFailover on and off,
 * regions.secondary.unreachable, the generation bumps, master password
 * rotations, the Aurora engine upgrade, dns.createZone and ci.enabled.
 *
 * Deterministic: the same commit gives the same bytes (no time, no random, no
 * absolute path in the output; checked by running it twice). It loads the
 * harness from src/offline-plan/ and, on a checkout from before that folder
 * existed, from scripts/plan/, so the same file runs on both sides of the
 * move (copy it into the other checkout).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { loadProjectConfig, type ValidConfig } from "../src/config";
import { buildApp } from "../stacks/app";

type Scenarios = typeof import("../src/offline-plan/scenarios");
type AuroraScenarios = typeof import("../src/offline-plan/aurora-scenarios");

const ROOT = path.resolve(__dirname, "..");

/** The first of the module paths (relative to this folder) that exists. */
function loadFirst<T>(candidates: string[]): T {
  for (const c of candidates) {
    const file = path.join(__dirname, `${c}.ts`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (fs.existsSync(file)) return require(file) as T;
  }
  throw new Error(`synth-matrix: none of ${candidates.join(", ")} exists under ${__dirname}`);
}

export interface MatrixCase {
  readonly id: string;
  readonly config: ValidConfig;
}

/** Every case of the matrix, for the project config in both database modes. */
export function matrixCases(base: ValidConfig): MatrixCase[] {
  const scenarios = loadFirst<Scenarios>(["../src/offline-plan/scenarios", "./plan/scenarios"]);
  const aurora = loadFirst<AuroraScenarios>(["../src/offline-plan/aurora-scenarios", "./plan/aurora-scenarios"]);
  const cases = new Map<string, MatrixCase>();
  const add = (id: string, config: ValidConfig) => {
    const name = `${config.database.engine}-${id.replace(/^aurora-/, "")}`;
    const seen = cases.get(name);
    if (seen && JSON.stringify(seen.config) !== JSON.stringify(config)) throw new Error(`synth-matrix: two different configs named ${name}`);
    cases.set(name, { id: name, config });
  };
  const rds = base.database.engine === "postgres" ? base : undefined;
  const modes = [rds, aurora.auroraVariant(base)].filter((c): c is ValidConfig => c !== undefined);
  for (const mode of modes) {
    for (const st of scenarios.drStates(mode)) add(st.id, st.config);
    const zone = scenarios.zoneConfig(mode);
    if (zone) add("createZone", zone);
    for (const ci of scenarios.ciConfigs(mode)) add(ci.id, ci.config);
  }
  return [...cases.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Synthesizes one case into outDir/<case id>/ (a fresh folder). */
export function synthCase(c: MatrixCase, outDir: string): string[] {
  const outdir = path.join(outDir, c.id);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  buildApp(app, c.config, ROOT);
  app.synth();
  return fs.readdirSync(path.join(outdir, "stacks")).sort();
}

function main(argv: string[]): void {
  let out: string | undefined;
  let only: string[] | undefined;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") out = argv[++i];
    else if (a === "--only") only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--list") list = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: npm run synth:matrix -- --out DIR [--only CASE[,CASE]] [--list]\n");
      return;
    } else throw new Error(`synth-matrix: unknown argument ${a}. Fix: use --out DIR, --only CASE[,CASE] or --list`);
  }
  const cases = matrixCases(loadProjectConfig(ROOT));
  if (list) {
    for (const c of cases) process.stdout.write(`${c.id}\n`);
    return;
  }
  if (!out) throw new Error("synth-matrix: --out DIR is required (the folder the cases are written to). Fix: npm run synth:matrix -- --out /tmp/synth-before");
  const unknown = (only ?? []).filter((id) => !cases.some((c) => c.id === id));
  if (unknown.length) throw new Error(`synth-matrix: unknown case(s) ${unknown.join(", ")}. Fix: use one of ${cases.map((c) => c.id).join(", ")}`);
  const outDir = path.resolve(out);
  fs.mkdirSync(outDir, { recursive: true });
  for (const c of cases.filter((c) => !only || only.includes(c.id))) {
    const stacks = synthCase(c, outDir);
    process.stdout.write(`${c.id}: ${stacks.join(", ")}\n`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
