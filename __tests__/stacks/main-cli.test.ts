/**
 * main.ts as the cdktf CLI runs it: a config error prints every problem and
 * exits non-zero without writing any output.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

// main.ts as cdktf.json runs it (bundled, scripts/synth/run.js).
const SYNTH = [path.join(PROJECT_ROOT, "scripts", "synth", "run.js"), "main.ts"];

async function runMain(env: Record<string, string>) {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drmain-")), "cdktf.out");
  const r = await run(process.execPath, SYNTH, { cwd: PROJECT_ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, ...env } });
  return { ...r, outdir };
}

describe("main.ts", () => {
  it("synthesizes every stack with the default config", async () => {
    const r = await runMain({ DR_CONFIG: "" });
    // Nothing on stderr (the cdktf CLI prints stderr as red [ERROR] lines):
    // which config it used and the placeholder-domain warning go to stdout.
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      "Config: the defaults (src/config/defaults.ts); no DR_CONFIG and no cdktf.json context configFile",
      expect.stringMatching(/^Warning: dns\.zoneName: "example\.com" is the placeholder\. Set dns\.zoneName and dns\.domainName/),
    ]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(r.outdir, "stacks")).sort()).toEqual(expect.arrayContaining(["primary", "secondary"]));
  }, 60_000);

  it("prints no warning once the domain is set", async () => {
    const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drcfg-")), "prod.json");
    // With the isolated backup account named too (prod turns isolated copies on by default).
    fs.writeFileSync(cfg, JSON.stringify({ dns: { zoneName: "drweb.io", domainName: "www.drweb.io" }, backups: { isolatedCopy: { accountId: "210987654321", vaultName: "drweb-isolated" } } }));
    const r = await runMain({ DR_CONFIG: cfg });
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/Warning/);
    expect(r.stdout.split("\n")[0]).toBe(`Config: ${cfg} (DR_CONFIG) on the defaults`);
    expect(r.status).toBe(0);
  }, 60_000);

  it("fails on a bad config file with the field and the fix, writing no output", async () => {
    const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drcfg-")), "bad.json");
    fs.writeFileSync(cfg, JSON.stringify({ regions: { secondary: { availabilityZones: ["us-west-1c"] } } }));
    const r = await runMain({ DR_CONFIG: cfg });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Invalid configuration (${cfg})`);
    expect(r.stderr).toContain("regions.secondary.availabilityZones: 1 availability zone(s) given");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(r.outdir)).toBe(false);
  }, 60_000);
});
