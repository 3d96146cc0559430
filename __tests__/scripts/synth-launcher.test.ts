/**
 * scripts/synth/run.js, how cdktf.json runs the app: bundled by esbuild and
 * run by node, never stale, and writing exactly what tsx main.ts writes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../helpers/run";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const LAUNCHER = path.join(PROJECT_ROOT, "scripts", "synth", "run.js");

describe("synth launcher (scripts/synth/run.js)", () => {
  it("rebuilds when any input changed, never running stale code, and reuses the bundle otherwise", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drlaunch-"));
    fs.writeFileSync(path.join(dir, "entry.ts"), 'import { word } from "./dep";\nconsole.log(`says ${word}`);\n');
    fs.writeFileSync(path.join(dir, "dep.ts"), 'export const word: string = "one";\n');
    // Saved a minute ago (a file saved during the build is never trusted).
    const past = new Date(Date.now() - 60_000);
    for (const f of ["entry.ts", "dep.ts"]) fs.utimesSync(path.join(dir, f), past, past);
    const first = await run(process.execPath, [LAUNCHER, path.join(dir, "entry.ts")], { cwd: PROJECT_ROOT });
    expect(first.stdout).toBe("says one\n");
    const bundles = fs.readdirSync(path.join(PROJECT_ROOT, ".build")).filter((f) => f.includes("entry") && f.endsWith(".js"));
    const bundle = path.join(PROJECT_ROOT, ".build", bundles.find((b) => b.includes(path.basename(dir)))!);
    const builtAt = fs.statSync(bundle).mtimeMs;
    // Unchanged inputs: the same bundle runs again.
    expect((await run(process.execPath, [LAUNCHER, path.join(dir, "entry.ts")], { cwd: PROJECT_ROOT })).stdout).toBe("says one\n");
    expect(fs.statSync(bundle).mtimeMs).toBe(builtAt);
    // An edit of an imported file (same size, so only the mtime tells).
    fs.writeFileSync(path.join(dir, "dep.ts"), 'export const word: string = "two";\n');
    fs.utimesSync(path.join(dir, "dep.ts"), new Date(), new Date(Date.now() + 5_000));
    expect((await run(process.execPath, [LAUNCHER, path.join(dir, "entry.ts")], { cwd: PROJECT_ROOT })).stdout).toBe("says two\n");
    fs.rmSync(bundle, { force: true });
    fs.rmSync(bundle.replace(/\.js$/, ".inputs.json"), { force: true });
  }, 60_000);

  it("synthesizes byte-identical stacks to the TypeScript source (the default config and a failed-over one)", async () => {
    const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), "drlaunchcfg-"));
    const failedOver = { database: { drState: "failedOver" }, dns: { forceFailover: true } };
    fs.writeFileSync(path.join(cfgDir, "fo.json"), JSON.stringify(failedOver));
    for (const [config, overrides] of [
      ["", {}],
      [path.join(cfgDir, "fo.json"), failedOver],
    ] as const) {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), "drlaunch-bundled-"));
      const r = await run(process.execPath, [LAUNCHER, "main.ts"], { cwd: PROJECT_ROOT, env: { ...process.env, CDKTF_OUTDIR: out, DR_CONFIG: config } });
      expect(r.status, r.stderr).toBe(0);
      // The source's own output: the same buildApp on the same config, run from the TypeScript in this process
      // (what `tsx main.ts` runs; the synthesis other tests of this worker share).
      const source = synthApp(overrides);
      const stacks = fs.readdirSync(path.join(source.outdir, "stacks")).sort();
      expect(fs.readdirSync(path.join(out, "stacks")).sort()).toEqual(stacks);
      for (const s of stacks) expect(fs.readFileSync(path.join(out, "stacks", s, "cdk.tf.json"), "utf8"), s).toBe(source.text(s));
    }
  }, 180_000);

  it("is how cdktf.json runs the app", () => {
    expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).app).toBe("node scripts/synth/run.js main.ts");
  });
});
