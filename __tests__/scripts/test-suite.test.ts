/**
 * The test command itself (scripts/test-all.sh): its set-up scripts never
 * flake, and its closing total agrees with its exit code.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summarize } = require("../../scripts/lib/test-summary.js") as {
  summarize: (dir: string, phases: string[]) => { passed: number; failed: number; text: string };
};

function results(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drsummary-"));
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

describe("test-summary (the closing total of npm test)", () => {
  it("counts a phase that exited non-zero with every test passed (vitest's unhandled errors) as a failure", () => {
    const dir = results({
      "vitest.status": "1 120",
      "vitest.json": JSON.stringify({ numPassedTests: 302, numFailedTests: 0, numRuntimeErrorTests: 0 }),
      "drill.status": "0 30",
      "drill.txt": "...\ndrill: 6 passed, 0 failed\n",
    });
    const s = summarize(dir, ["vitest", "drill"]);
    expect(s).toMatchObject({ passed: 308, failed: 1 });
    expect(s.text).toMatch(/vitest\s+120 s\s+302 passed, 0 failed; exited 1 outside its tests \(counted as 1 failure\)/);
    expect(s.text.split("\n").pop()).toBe("total: 308 passed, 1 failed");
  });

  it("counts a phase that never ran or printed no counts, and a plain command by its exit code", () => {
    const dir = results({ "typecheck.status": "0 20", "setup.status": "2 5", "promtool.status": "1 3", "promtool.txt": "crashed\n" });
    const s = summarize(dir, ["typecheck", "setup", "promtool", "drill"]);
    expect(s).toMatchObject({ passed: 1, failed: 3 });
    expect(s.text).toMatch(/drill\s+-\s+did not run/);
    expect(s.text).toMatch(/phases \(wall time 28 s\)/);
  });

  it("reports the run's own wall time when phases ran side by side (not their sum)", () => {
    const dir = results({ "vitest.status": "0 120", "vitest.json": JSON.stringify({ numPassedTests: 3, numFailedTests: 0 }), "pytest.status": "0 50", wall: "130\n" });
    const s = summarize(dir, ["vitest"]);
    expect(s.text).toMatch(/phases \(wall time 130 s, some side by side\)/);
  });

  it("passes a clean run and takes failed tests from each suite's own report", async () => {
    const ok = results({
      "vitest.status": "0 10",
      "vitest.json": JSON.stringify({ numPassedTests: 3, numFailedTests: 0 }),
      "pytest.status": "0 4",
      "pytest.xml": '<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="96" time="1"></testsuite></testsuites>',
    });
    expect(summarize(ok, ["vitest", "pytest"])).toMatchObject({ passed: 99, failed: 0 });
    const cli = await run("node", [path.join(PROJECT_ROOT, "scripts/lib/test-summary.js"), ok, "vitest", "pytest"]);
    expect(cli.status).toBe(0);
    const bad = results({ "pytest.status": "1 4", "pytest.xml": '<testsuite name="pytest" errors="1" failures="2" skipped="1" tests="96">' });
    expect(summarize(bad, ["pytest"])).toMatchObject({ passed: 92, failed: 3 });
    const cliBad = await run("node", [path.join(PROJECT_ROOT, "scripts/lib/test-summary.js"), bad, "pytest"]);
    expect(cliBad.status).toBe(1);
    expect(cliBad.stdout.trim().split("\n").pop()).toBe("total: 92 passed, 3 failed");
  });
});

describe("set-up scripts", () => {
  // Each runs 20 times in a row: the version probe used to be piped into
  // `head -n 1` under pipefail and died of SIGPIPE in ~40% of the runs, so
  // 20 clean runs in a row would happen by chance with probability
  // 0.6^20 < 1e-4.
  const scripts: Array<[string, RegExp]> = [
    ["setup-haproxy.sh", /^HAProxy version \d+\.\d+/m],
    ["setup-promtool.sh", /^promtool, version \d+\.\d+/m],
    ["setup-python.sh", /^setup-python: .* is up to date$/m],
  ];
  it.each(scripts)("%s passes 20 runs in a row", async (script, version) => {
    const failures: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await run("bash", [path.join(PROJECT_ROOT, "scripts", script)]);
      if (r.status !== 0 || !version.test(r.stdout)) failures.push(`run ${i + 1}: exit ${r.status} ${r.signal ?? ""}\n${r.stdout}${r.stderr}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("no shell script pipes into a reader that stops early while pipefail is set", () => {
    const offenders: string[] = [];
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        ["node_modules", ".git", ".venv", "cdktf.out"].includes(e.name) ? [] : e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".sh") ? [path.join(dir, e.name)] : [],
      );
    for (const file of [...walk(PROJECT_ROOT), path.join(PROJECT_ROOT, ".ci/run")]) {
      const text = fs.readFileSync(file, "utf8");
      if (!/pipefail/.test(text)) continue;
      text.split("\n").forEach((line, i) => {
        if (/^\s*#/.test(line)) return;
        if (/\|\s*(head\b|grep\s+(-\w*[qm]\w*\b)|sed\s+-n\s+['"]?\d+q)/.test(line)) offenders.push(`${path.relative(PROJECT_ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
