/**
 * The exit from the cdktf CLI (docs/delivery-pipeline.md, "The exit from the
 * cdktf CLI"): the pipeline synthesizes with plain node (`npm run
 * synth:fast`: main.ts with the cdktf library, no CLI) and plans and applies
 * with plain terraform. Checked here with the real CLI: both synths write the
 * same folders, file by file, and each stack folder is a complete root module
 * (every file path it names is inside it).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { folderDigest, readManifest } from "../../src/ci/pipeline";
import { PROJECT_ROOT } from "../helpers/synth";

describe("synthesis without the cdktf CLI", () => {
  let cli: string;
  let plain: string;
  beforeAll(() => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-exit-"));
    cli = path.join(tmp, "cli");
    plain = path.join(tmp, "plain");
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", DR_CONFIG: "" };
    delete (env as Record<string, string | undefined>).DR_CONFIG;
    const a = spawnSync("bash", ["scripts/cdktf.sh", "synth", "--output", cli], { cwd: PROJECT_ROOT, encoding: "utf8", env, timeout: 240_000 });
    expect(a.status, a.stderr + a.stdout).toBe(0);
    const b = spawnSync("node", ["scripts/synth/run.js", "main.ts"], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...env, CDKTF_OUTDIR: plain }, timeout: 240_000 });
    expect(b.status, b.stderr + b.stdout).toBe(0);
  }, 300_000);

  it("writes the same manifest and the same stack folders as `cdktf synth`", () => {
    const m1 = readManifest(cli);
    const m2 = readManifest(plain);
    expect(Object.keys(m2).sort()).toEqual(Object.keys(m1).sort());
    for (const [name, s] of Object.entries(m1)) {
      expect(m2[name].dependencies, name).toEqual(s.dependencies);
      expect(m2[name].workingDirectory, name).toBe(s.workingDirectory);
      expect(folderDigest(path.join(plain, s.workingDirectory)), name).toBe(folderDigest(path.join(cli, s.workingDirectory)));
    }
  });

  it("each stack folder is a complete root module: every asset path it names is inside the folder", () => {
    for (const s of Object.values(readManifest(plain))) {
      const dir = path.join(plain, s.workingDirectory);
      const text = fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8");
      expect(text, s.name).not.toContain(PROJECT_ROOT);
      expect(text, s.name).not.toContain(plain);
      for (const m of text.matchAll(/"(assets\/[^"$]+)"/g)) expect(fs.existsSync(path.join(dir, m[1])), `${s.name}: ${m[1]}`).toBe(true);
      const json = JSON.parse(text) as { terraform: { required_version?: string; backend?: Record<string, unknown> } };
      expect(json.terraform.required_version, s.name).toBe(">= 1.11");
      expect(Object.keys(json.terraform.backend ?? {}), s.name).toHaveLength(1);
    }
  });
});
