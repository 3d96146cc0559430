/**
 * main.ts as the cdktf CLI runs it: a config error prints every problem and
 * exits non-zero without writing any output.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../helpers/synth";

const TSX = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

function runMain(env: Record<string, string>) {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drmain-")), "cdktf.out");
  const r = spawnSync(TSX, ["main.ts"], { cwd: PROJECT_ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, ...env }, encoding: "utf8" });
  return { ...r, outdir };
}

describe("main.ts", () => {
  it("synthesizes every stack with the default config", () => {
    const r = runMain({ DR_CONFIG: "" });
    // The only thing on stderr: the placeholder-domain warning.
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^WARNING dns\.zoneName: "example\.com" is the placeholder\. Set dns\.zoneName and dns\.domainName/)]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(r.outdir, "stacks")).sort()).toEqual(expect.arrayContaining(["primary", "secondary"]));
  }, 60_000);

  it("prints no warning once the domain is set", () => {
    const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drcfg-")), "prod.json");
    fs.writeFileSync(cfg, JSON.stringify({ dns: { zoneName: "drweb.io", domainName: "www.drweb.io" } }));
    const r = runMain({ DR_CONFIG: cfg });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 60_000);

  it("fails on a bad config file with the field and the fix, writing no output", () => {
    const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drcfg-")), "bad.json");
    fs.writeFileSync(cfg, JSON.stringify({ regions: { secondary: { availabilityZones: ["us-west-1c"] } } }));
    const r = runMain({ DR_CONFIG: cfg });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Invalid configuration (${cfg})`);
    expect(r.stderr).toContain("regions.secondary.availabilityZones: 1 availability zone(s) given");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(r.outdir)).toBe(false);
  }, 60_000);
});
