/**
 * scripts/synth/run.js, how cdktf.json runs the app: bundled by esbuild and
 * run by node, never stale, and writing exactly what tsx main.ts writes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { run } from "../helpers/run";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const LAUNCHER = path.join(PROJECT_ROOT, "scripts", "synth", "run.js");

/**
 * A checkout of the project in a new folder as a fresh clone has it: the
 * launcher, main.ts and cdktf.json copied (the launcher and main.ts find the
 * project from their own location), the web app copied WITHOUT its
 * git-ignored wheel archive (and venv), everything else linked.
 */
function freshCheckout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "drclone-"));
  for (const f of ["cdktf.json", "main.ts", "scripts/synth/run.js"]) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(root, f));
  }
  for (const d of ["node_modules", "src", "stacks", "monitoring", "scripts/lib"]) fs.symlinkSync(path.join(PROJECT_ROOT, d), path.join(root, d));
  const ignored = new Set([".wheelhouse", ".venv", "__pycache__", ".pytest_cache", "tests"]);
  fs.cpSync(path.join(PROJECT_ROOT, "webapp"), path.join(root, "webapp"), { recursive: true, filter: (src) => !ignored.has(path.basename(src)) });
  expect(fs.existsSync(path.join(root, "webapp", ".wheelhouse"))).toBe(false);
  return root;
}

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

  it("builds the missing wheel archive on a fresh checkout, says so, and synthesizes the same stacks as this checkout (nothing in them names the checkout)", async () => {
    const root = freshCheckout();
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, DR_CONFIG: "" };
    delete env.CDKTF_OUTDIR; // the default output folder, in the checkout
    const r = await run(process.execPath, ["scripts/synth/run.js", "main.ts"], { cwd: root, env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("The web app's wheel archive (webapp/.wheelhouse/wheels.tar, what the instances install offline) is missing: building it once with pip");
    expect(r.stdout).toMatch(/wheels: wrote webapp\/\.wheelhouse\/wheels\.tar \(\d+ wheels, [\d.]+ MB, sha256 [0-9a-f]{12}\)/);
    // The same bytes as this checkout's archive (deterministic, every wheel hash-checked against the lock)...
    const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");
    const built = path.join(root, "webapp", ".wheelhouse", "wheels.tar");
    expect(sha(built)).toBe(sha(path.join(PROJECT_ROOT, "webapp", ".wheelhouse", "wheels.tar")));
    // ...shipped in each regional stack's folder, and stacks byte-identical to this checkout's.
    const here = synthApp();
    for (const s of fs.readdirSync(path.join(here.outdir, "stacks"))) {
      expect(fs.readFileSync(path.join(root, "cdktf.out", "stacks", s, "cdk.tf.json"), "utf8"), s).toBe(here.text(s));
    }
    const source = Object.values(here.stacks.primary.resource!.aws_s3_object).find((o: any) => o.source)!.source as string;
    expect(sha(path.join(root, "cdktf.out", "stacks", "primary", source))).toBe(sha(built));
  }, 300_000);

  it("says how to fix a wheel archive it cannot build (no package index reachable), with no stack trace, and writes nothing", async () => {
    const root = freshCheckout();
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
    // pip sees only an index that does not exist: no config files (this machine's pip.conf adds
    // extra indexes and find-links), no find-links, no cache.
    const env: NodeJS.ProcessEnv = { ...process.env, DR_CONFIG: "", PIP_INDEX_URL: `file://${root}/no-index/simple`, PIP_CONFIG_FILE: os.devNull, PIP_NO_CACHE_DIR: "1" };
    for (const v of ["CDKTF_OUTDIR", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"]) delete env[v];
    const r = await run(process.execPath, ["scripts/synth/run.js", "main.ts"], { cwd: root, env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("pip download failed");
    expect(r.stderr).toContain(`in the index (file://${root}/no-index/simple)`);
    expect(r.stderr).toContain("Fix: make a package index that has them reachable (PIP_INDEX_URL=<index url>, or a local mirror at /opt/pypi/simple) and run `npm run wheels`");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(root, "cdktf.out"))).toBe(false);
    expect(fs.existsSync(path.join(root, "webapp", ".wheelhouse", "wheels.tar"))).toBe(false);
  }, 300_000);

  it("is how cdktf.json runs the app", () => {
    expect(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).app).toBe("node scripts/synth/run.js main.ts");
  });
});
