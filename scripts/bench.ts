/**
 * `npm run bench`: synthesis time and peak memory of the whole app against
 * the framework's floor (a cdktf app with one resource), both run the way
 * cdktf.json runs the app (tsx, fresh process, own output folder).
 * Target: the full app within 2x of the floor (median wall time).
 * Usage: npm run bench [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const TARGET_RATIO = 2;
const tsx = path.join(root, "node_modules", ".bin", "tsx");
const hasGnuTime = fs.existsSync("/usr/bin/time");

interface Sample {
  ms: number;
  maxRssKb?: number;
}

function runOnce(entry: string): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drbench-"));
  const env = { ...process.env, CDKTF_OUTDIR: outdir, DR_CONFIG: "", CHECKPOINT_DISABLE: "1" };
  const rssFile = path.join(outdir, "rss");
  const [cmd, args] = hasGnuTime ? ["/usr/bin/time", ["-f", "%M", "-o", rssFile, tsx, entry]] : [tsx, [entry]];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${entry} failed:\n${r.stderr}`);
  const maxRssKb = hasGnuTime ? Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop()) : undefined;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, maxRssKb };
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
// Warm the file cache and tsx's transform cache, then alternate the two so
// load from other work on a shared machine hits both alike.
runOnce(entries.floor);
runOnce(entries.full);
const samples: { floor: Sample[]; full: Sample[] } = { floor: [], full: [] };
for (let i = 0; i < RUNS; i++) {
  samples.floor.push(runOnce(entries.floor));
  samples.full.push(runOnce(entries.full));
}
const floor = summarize("floor: 1 stack, 1 resource", samples.floor);
const full = summarize("full app: every stack", samples.full);
const ratio = full.medianMs / floor.medianMs;
const fmt = (r: typeof floor) =>
  `${r.label.padEnd(28)} median ${r.medianMs.toFixed(0).padStart(5)} ms  (min ${r.minMs.toFixed(0)}, max ${r.maxMs.toFixed(0)})` +
  (r.medianRssMb ? `  peak RSS ${r.medianRssMb.toFixed(0)} MB` : "");
console.log(`synthesis, ${RUNS} runs each after a warm-up, ${os.cpus().length} cores, node ${process.version}`);
console.log(fmt(floor));
console.log(fmt(full));
console.log(`ratio full/floor: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? "PASS" : "FAIL"}`);
fs.mkdirSync(path.join(root, "bench-results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench-results", "synth.json"), JSON.stringify({ date: new Date().toISOString(), runs: RUNS, floor, full, ratio, target: TARGET_RATIO }, null, 2));
process.exit(ratio <= TARGET_RATIO ? 0 : 1);
