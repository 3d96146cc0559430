// Runs a TypeScript cdktf entry (main.ts, or the bench's floor app) the fast
// way: bundled by esbuild into .build/<name>.js and run by plain node.
// cdktf.json's "app" and `npm run synth:fast` use it; `npm run bench`
// measures the floor through it too.
//
//   node scripts/synth/run.js <entry.ts>
//
// Why: under tsx every run transforms and resolves ~1,000 modules (2.7-3 s
// for this app); the bundle loads in one read (issue 18, docs/testing.md
// "Benchmark"). Never stale: the bundle's metafile lists every input file
// (project sources and node_modules alike) with its size and mtime; any
// change, a new esbuild, or a different entry rebuilds it (~0.5 s) before it
// runs. Plain JavaScript, so nothing has to be compiled to decide.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const BUILD = path.join(ROOT, ".build");

/** The bundle of an entry, rebuilt when any input changed. Returns its path. */
function ensureBundle(entry) {
  const abs = path.resolve(ROOT, entry);
  const name = path.relative(ROOT, abs).replace(/\.[cm]?tsx?$/, "").replace(/[\\/]/g, "__");
  const out = path.join(BUILD, `${name}.js`);
  const stampFile = path.join(BUILD, `${name}.inputs.json`);
  const esbuildVersion = require("esbuild/package.json").version;
  if (fresh(stampFile, out, abs, esbuildVersion)) return out;
  const esbuild = require("esbuild");
  fs.mkdirSync(BUILD, { recursive: true });
  const buildStart = Date.now();
  const result = esbuild.buildSync({
    entryPoints: [abs],
    outfile: out,
    write: false, // written below, atomically: another synth may be reading it
    bundle: true,
    platform: "node",
    target: `node${process.versions.node.split(".")[0]}`,
    format: "cjs",
    metafile: true,
    logLevel: "error",
    // The entry finds the project by walking up from __dirname (main.ts).
    keepNames: true,
  });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, result.outputFiles[0].contents);
  fs.renameSync(tmp, out);
  const inputs = {};
  let editedDuringBuild = false;
  for (const file of Object.keys(result.metafile.inputs)) {
    const p = path.resolve(ROOT, file);
    const st = fs.statSync(p);
    inputs[p] = [st.size, st.mtimeMs];
    if (st.mtimeMs >= buildStart - 2000) editedDuringBuild = true;
  }
  // A file saved while the bundle was built may be in it in either version:
  // no stamp, so the next run builds again.
  if (editedDuringBuild) return out;
  const stampTmp = `${stampFile}.${process.pid}.tmp`;
  fs.writeFileSync(stampTmp, JSON.stringify({ entry: abs, esbuild: esbuildVersion, node: process.versions.node, inputs }));
  fs.renameSync(stampTmp, stampFile);
  return out;
}

/** True when the bundle exists and none of its recorded inputs changed. */
function fresh(stampFile, out, entry, esbuildVersion) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    if (!fs.existsSync(out)) return false;
  } catch {
    return false;
  }
  if (stamp.entry !== entry || stamp.esbuild !== esbuildVersion || stamp.node !== process.versions.node) return false;
  for (const [file, [size, mtimeMs]] of Object.entries(stamp.inputs)) {
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return false;
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

module.exports = { ensureBundle };

if (require.main === module) {
  const entry = process.argv[2];
  if (!entry) {
    console.error("usage: node scripts/synth/run.js <entry.ts>");
    process.exit(2);
  }
  const bundle = ensureBundle(entry);
  process.argv.splice(1, 2, bundle); // the entry sees its usual argv
  require(bundle);
}
