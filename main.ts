// Entry point of `cdktf synth`: loads and validates the config once, then
// wires the stacks. The config is validated BEFORE the App exists, because
// constructing an App creates the output folder: an invalid config writes
// nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { formatSuppressions, formatViolations } from "./src/policy";
import { ConfigError, configSource, configWarnings, describeConfigSource, loadProjectConfig, type ValidConfig } from "./src/config";
import { appWarnings, buildApp } from "./stacks/app";
import { buildWheelhouse, pipIndex, wheelhouseMissing } from "./scripts/lib/wheelhouse-build";
import { loadWheelhouse } from "./src/web/wheelhouse";

/**
 * The project folder (the one with cdktf.json): this file's folder under tsx,
 * the parent of .build/ when it runs bundled (scripts/synth/run.js).
 */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) return dir;
    if (path.dirname(dir) === dir) return __dirname;
  }
}
const ROOT = projectRoot();
// Milliseconds since the process started (node's performance.timeOrigin):
// the first mark is module loading; `npm run bench` reads them from the
// file named by DRWEB_SYNTH_PROFILE.
const marks: Record<string, number> = { modulesLoaded: performance.now() };

/** The override file ($DR_CONFIG, else the cdktf.json context "configFile") on the defaults. */
function loadConfig(): ValidConfig {
  try {
    return loadProjectConfig(ROOT);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/**
 * The instances' wheel archive (webapp/.wheelhouse, git-ignored) is part of
 * what the regional stacks ship: built here once when it is missing (a fresh
 * clone), so `npx cdktf synth`/`deploy` work after `npm ci` as `npm run
 * synth` does. An archive that no longer matches the lock is refused with the
 * command to run (src/web/wheelhouse.ts). Before the App exists: a failure
 * writes nothing.
 */
function ensureWheelhouse(webappDir: string): void {
  try {
    if (wheelhouseMissing(webappDir)) {
      process.stdout.write(
        `The web app's wheel archive (webapp/.wheelhouse/wheels.tar, what the instances install offline) is missing: building it once with pip from ${pipIndex() ?? "pip's default index"} (npm run wheels)...\n`,
      );
      buildWheelhouse(webappDir, (line) => process.stdout.write(`${line}\n`));
    }
    loadWheelhouse(webappDir);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}

const config = loadConfig();
marks.configLoaded = performance.now();
ensureWheelhouse(path.join(ROOT, "webapp"));
// On stdout: the cdktf CLI shows everything on stderr as a red [ERROR] line,
// and these are information and advisories, not errors.
process.stdout.write(`${describeConfigSource(configSource(ROOT))}\n`);
for (const w of configWarnings(config)) process.stdout.write(`Warning: ${w}\n`);
// The folder App() will use (and create): remembered so a refused synth
// leaves no new empty output folder behind.
const outdirExisted = fs.existsSync(process.env.CDKTF_OUTDIR ?? "cdktf.out");
const app = new App();
const drApp = buildApp(app, config, ROOT);
for (const w of appWarnings(drApp)) process.stdout.write(`Warning: ${w}\n`);
marks.constructsBuilt = performance.now();
// The policy (src/policy) runs as a validation of the first stack written,
// over the whole app: a violation stops the synth before any stack is
// written.
try {
  app.synth();
} catch (e) {
  const violations = drApp.policy.hasRun() ? formatViolations(drApp.policy.findings()) : "";
  if (!violations) throw e;
  process.stderr.write(`Policy violations (nothing was written; see docs/policy.md "Policy"):\n${violations}\n`);
  if (!outdirExisted) fs.rmSync(app.outdir, { recursive: true, force: true });
  process.exit(1);
}
const suppressed = formatSuppressions(drApp.policy.findings());
if (suppressed) process.stdout.write(`Policy suppressions (deliberate exceptions, each with its reason):\n${suppressed}\n`);
marks.synthesized = performance.now();
if (process.env.DRWEB_SYNTH_PROFILE) fs.writeFileSync(process.env.DRWEB_SYNTH_PROFILE, JSON.stringify(marks));
