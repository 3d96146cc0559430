/**
 * `npm run bench`: synthesis time and peak memory of the whole app against
 * the framework's floor, each in a fresh process with its own output folder:
 * - the app as cdktf.json runs it (scripts/synth/run.js: main.ts bundled by
 *   esbuild, run by plain node; the bundle is built in the warm-up, its cold
 *   build time reported separately);
 * - the floor: a cdktf app with one stack and one resource, run the way a
 *   cdktf TypeScript project runs its app (its main.ts through a TypeScript
 *   runner: tsx here, as ts-node in `cdktf init`). The same one-resource app
 *   bundled like ours is reported too, for reference.
 * Reports the app's breakdown (module loading, config, constructs, synthesis
 * with the policy) from main.ts's marks.
 * Target: the full app within 1.5x of the floor (median wall time).
 * Usage: npm run bench [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const TARGET_RATIO = 1.5;
const launcher = path.join(root, "scripts", "synth", "run.js");
const hasGnuTime = fs.existsSync("/usr/bin/time");

interface Sample {
  ms: number;
  maxRssKb?: number;
  /** main.ts's marks (ms since process start), the full app only. */
  marks?: Record<string, number>;
}

type Runner = "bundled" | "tsx";
const tsx = path.join(root, "node_modules", ".bin", "tsx");

function runOnce(entry: string, runner: Runner): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drbench-"));
  const profile = path.join(outdir, "marks.json");
  const env = { ...process.env, CDKTF_OUTDIR: outdir, DR_CONFIG: "", CHECKPOINT_DISABLE: "1", DRWEB_SYNTH_PROFILE: profile };
  const rssFile = path.join(outdir, "rss");
  const command = runner === "bundled" ? [process.execPath, launcher, entry] : [tsx, entry];
  const [cmd, args] = hasGnuTime ? ["/usr/bin/time", ["-f", "%M", "-o", rssFile, ...command]] : [command[0], command.slice(1)];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${entry} failed:\n${r.stderr}`);
  const maxRssKb = hasGnuTime ? Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop()) : undefined;
  const marks = fs.existsSync(profile) ? (JSON.parse(fs.readFileSync(profile, "utf8")) as Record<string, number>) : undefined;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, maxRssKb, marks };
}

/** Cold bundle build of an entry (what the first synth after an edit pays). */
function coldBuildMs(entry: string): number {
  const name = entry.replace(/\.ts$/, "").replace(/[\\/]/g, "__");
  fs.rmSync(path.join(root, ".build", `${name}.inputs.json`), { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(launcher)}).ensureBundle(${JSON.stringify(entry)})`], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bundling ${entry} failed:\n${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarize(label: string, samples: Sample[]) {
  const ms = samples.map((s) => s.ms);
  const rss = samples.map((s) => s.maxRssKb).filter((x): x is number => x !== undefined);
  return { label, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), medianRssMb: rss.length ? median(rss) / 1024 : undefined };
}

const entries = { floor: "scripts/bench/minimal-app.ts", full: "main.ts" };
const build = { floor: coldBuildMs(entries.floor), full: coldBuildMs(entries.full) };
// Warm the file cache (and tsx's transform cache), then alternate so load
// from other work on a shared machine hits all alike.
runOnce(entries.floor, "tsx");
runOnce(entries.floor, "bundled");
runOnce(entries.full, "bundled");
const samples: { floor: Sample[]; floorBundled: Sample[]; full: Sample[] } = { floor: [], floorBundled: [], full: [] };
for (let i = 0; i < RUNS; i++) {
  samples.floor.push(runOnce(entries.floor, "tsx"));
  samples.floorBundled.push(runOnce(entries.floor, "bundled"));
  samples.full.push(runOnce(entries.full, "bundled"));
}
const floor = summarize("floor: 1 resource, tsx", samples.floor);
const floorBundled = summarize("(1 resource, bundled)", samples.floorBundled);
const full = summarize("full app, bundled", samples.full);
const ratio = full.medianMs / floor.medianMs;
const fmt = (r: typeof floor) =>
  `${r.label.padEnd(28)} median ${r.medianMs.toFixed(0).padStart(5)} ms  (min ${r.minMs.toFixed(0)}, max ${r.maxMs.toFixed(0)})` +
  (r.medianRssMb ? `  peak RSS ${r.medianRssMb.toFixed(0)} MB` : "");
console.log(`synthesis, ${RUNS} runs each after a warm-up, ${os.cpus().length} cores, node ${process.version}`);
console.log(fmt(floor));
console.log(fmt(full));
console.log(`${fmt(floorBundled)}  -> the app is ${(full.medianMs / floorBundled.medianMs).toFixed(2)}x of that`);
// The app's breakdown: medians of the phases between main.ts's marks.
const phase = (from: string | undefined, to: string) =>
  median(samples.full.map((x) => (x.marks ? x.marks[to] - (from ? x.marks[from] : 0) : NaN)));
const breakdown = {
  "node start + module loading": phase(undefined, "modulesLoaded"),
  "config load + validation": phase("modulesLoaded", "configLoaded"),
  "building the constructs": phase("configLoaded", "constructsBuilt"),
  "synthesis + policy + writing": phase("constructsBuilt", "synthesized"),
};
console.log(`ratio full/floor: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`);
console.log("full app breakdown (medians, ms):");
for (const [k, v] of Object.entries(breakdown)) console.log(`  ${k.padEnd(30)} ${v.toFixed(0).padStart(5)}`);
console.log(`cold bundle build (first synth after an edit pays it once): app ${build.full.toFixed(0)} ms, floor ${build.floor.toFixed(0)} ms`);
fs.mkdirSync(path.join(root, "bench-results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench-results", "synth.json"), JSON.stringify({ date: new Date().toISOString(), runs: RUNS, floor, floorBundled, full, ratio, target: TARGET_RATIO, breakdown, coldBuildMs: build }, null, 2));
process.exit(ratio <= TARGET_RATIO ? 0 : 1);
