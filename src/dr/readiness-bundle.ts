import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { ValidConfig } from "../config";
import { createZip } from "../lib/zip";

/**
 * The readiness checker's deployment package, built at synth (issue 28 point 1): esbuild bundles
 * src/dr/readiness-lambda.ts (with the pinned AWS SDK v3 clients, not the runtime's: the same versions the tests
 * ran) into one CommonJS file, and a deterministic zip (src/lib/zip.ts) carries it as index.js next to the
 * validated config (readiness-lambda.ts READINESS_CONFIG_FILE). Same code and config -> same bytes -> same
 * source_code_hash, so a second synth plans no change.
 *
 * Fast synth: the bundle (~2 s to build, ~1,100 input files) is cached in .build/ and rebuilt only when an input
 * changed (size or mtime of each file the last build's metafile listed, the esbuild version, the runtime target):
 * the scripts/synth/run.js approach. A synth with a fresh cache stats the inputs and zips (~tens of ms).
 */

/** Lambda runtime of the function (hashicorp/aws 5.100.0 accepts nodejs22.x; nodejs20.x is deprecated by Lambda in 2026: "Lambda runtimes", https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). */
export const READINESS_LAMBDA_RUNTIME = "nodejs22.x";
/** esbuild's target for that runtime. */
const TARGET = "node22";
/** The bundle's file in the zip: the function's handler is `index.handler`. */
export const READINESS_LAMBDA_HANDLER = "index.handler";
/** The entry, relative to the project folder. */
export const READINESS_LAMBDA_ENTRY = "src/dr/readiness-lambda.ts";
const CONFIG_FILE = "readiness-config.json"; // readiness-lambda.ts READINESS_CONFIG_FILE (not imported: it pulls the AWS SDK into synth); a test checks they match

interface Stamp {
  readonly entry: string;
  readonly esbuild: string;
  readonly target: string;
  readonly inputs: Record<string, [number, number]>;
}

const bundles = new Map<string, Buffer>();

/** The bundled entry (cached in this process and in <projectRoot>/.build). */
export function readinessLambdaBundle(projectRoot: string): Buffer {
  const cached = bundles.get(projectRoot);
  if (cached) return cached;
  const build = path.join(projectRoot, ".build");
  const out = path.join(build, "readiness-lambda.js");
  const stampFile = path.join(build, "readiness-lambda.inputs.json");
  const entry = path.join(projectRoot, READINESS_LAMBDA_ENTRY);
  // createRequire: esbuild's JS API refuses to run bundled (main.ts itself runs bundled: scripts/synth/run.js).
  const req = createRequire(path.join(projectRoot, "package.json"));
  const esbuildVersion = (req("esbuild/package.json") as { version: string }).version;
  let code = fresh(stampFile, out, entry, esbuildVersion) ? fs.readFileSync(out) : undefined;
  if (!code) {
    const esbuild = req("esbuild") as typeof import("esbuild");
    const started = Date.now();
    const result = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      target: TARGET,
      format: "cjs",
      minify: true,
      // Class names kept: errors are classified by name (aws-errors.ts) and the tests map the bundle's SDK Command
      // classes to the stubs by name.
      keepNames: true,
      legalComments: "none",
      // Paths in the output relative to the project, never the synth machine's absolute ones (reproducible bytes).
      absWorkingDir: projectRoot,
      write: false,
      metafile: true,
      logLevel: "error",
    });
    code = Buffer.from(result.outputFiles[0].contents);
    fs.mkdirSync(build, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, out);
    const inputs: Record<string, [number, number]> = {};
    let edited = false;
    for (const f of Object.keys(result.metafile.inputs)) {
      const p = path.resolve(projectRoot, f);
      const st = fs.statSync(p);
      inputs[p] = [st.size, st.mtimeMs];
      if (st.mtimeMs >= started - 2000) edited = true;
    }
    // A file saved during the build may be in it in either version: no stamp, the next synth builds again.
    if (!edited) {
      const stamp: Stamp = { entry, esbuild: esbuildVersion, target: TARGET, inputs };
      const stmp = `${stampFile}.${process.pid}.tmp`;
      fs.writeFileSync(stmp, JSON.stringify(stamp));
      fs.renameSync(stmp, stampFile);
    }
  }
  bundles.set(projectRoot, code);
  return code;
}

function fresh(stampFile: string, out: string, entry: string, esbuildVersion: string): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, "utf8")) as Stamp;
    if (!fs.existsSync(out)) return false;
  } catch {
    return false;
  }
  if (stamp.entry !== entry || stamp.esbuild !== esbuildVersion || stamp.target !== TARGET) return false;
  for (const [file, [size, mtimeMs]] of Object.entries(stamp.inputs)) {
    try {
      const st = fs.statSync(file);
      if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The config the checker carries: the validated config without the deploy-time outage switches
 * (regions.<role>.unreachable: they change what a deploy may touch, never what the checker reads), so flipping one
 * for a deploy during an outage leaves the secondary stack as it was (__tests__/stacks/peer-region-outage.test.ts).
 */
export function checkerConfig(config: ValidConfig): ValidConfig {
  const c = structuredClone(config) as ValidConfig & { regions: Record<string, { unreachable?: boolean }> };
  for (const r of Object.values(c.regions)) delete r.unreachable;
  return c;
}

/** The deployment package's bytes: index.js (the bundle) and the checker's config, in that order. */
export function readinessLambdaZip(bundle: Buffer, config: ValidConfig): Buffer {
  return createZip([
    { path: "index.js", content: bundle },
    { path: CONFIG_FILE, content: Buffer.from(`${JSON.stringify(checkerConfig(config), null, 2)}\n`) },
  ]);
}

export interface ReadinessPackage {
  /** Absolute path of the zip (content-addressed under .build/readiness-lambda/: never rewritten in place, so a hard link to it keeps its bytes). */
  readonly zipPath: string;
  readonly sha256: string;
  /** base64 SHA-256: aws_lambda_function source_code_hash. */
  readonly sha256Base64: string;
}

/**
 * Writes (once) and returns the deployment package of this config. Deflating the 4 MB bundle costs ~0.5 s, so a
 * package is found again by the SHA-256 of what goes into it (bundle and checker config): in this process, and in
 * .build/readiness-lambda/<input hash>.sha256 (the package's own hash, its zip next to it) across synths.
 */
export function readinessLambdaPackage(projectRoot: string, config: ValidConfig): ReadinessPackage {
  const bundle = readinessLambdaBundle(projectRoot);
  const dir = path.join(projectRoot, ".build", "readiness-lambda");
  const inputKey = createHash("sha256").update(bundle).update("\0").update(JSON.stringify(checkerConfig(config))).digest("hex");
  const memo = packages.get(`${dir} ${inputKey}`);
  if (memo && fs.existsSync(memo.zipPath)) return memo;
  const keyFile = path.join(dir, `${inputKey}.sha256`);
  try {
    const known = fs.readFileSync(keyFile, "utf8").trim();
    const zipPath = path.join(dir, `${known}.zip`);
    if (/^[0-9a-f]{64}$/.test(known) && fs.existsSync(zipPath)) {
      const pkg = { zipPath, sha256: known, sha256Base64: Buffer.from(known, "hex").toString("base64") };
      packages.set(`${dir} ${inputKey}`, pkg);
      return pkg;
    }
  } catch {
    // not built yet
  }
  const zip = readinessLambdaZip(bundle, config);
  const digest = createHash("sha256").update(zip).digest();
  const sha256 = digest.toString("hex");
  const zipPath = path.join(dir, `${sha256}.zip`);
  if (!fs.existsSync(zipPath)) {
    fs.mkdirSync(dir, { recursive: true });
    pruneOld(dir);
    const tmp = `${zipPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, zip);
    fs.renameSync(tmp, zipPath);
  }
  const ktmp = `${keyFile}.${process.pid}.tmp`;
  fs.writeFileSync(ktmp, `${sha256}\n`);
  fs.renameSync(ktmp, keyFile);
  const pkg = { zipPath, sha256, sha256Base64: digest.toString("base64") };
  packages.set(`${dir} ${inputKey}`, pkg);
  return pkg;
}
const packages = new Map<string, ReadinessPackage>();

/** Packages of other configs (tests synthesize many) older than a day: removed (a synth links its package within seconds). */
function pruneOld(dir: string): void {
  const cutoff = Date.now() - 24 * 3600_000;
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    try {
      if (fs.statSync(p).mtimeMs < cutoff) fs.rmSync(p, { force: true });
    } catch {
      // another synth removed it
    }
  }
}
