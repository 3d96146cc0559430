// The closing lines of `npm test` (scripts/test-all.sh): the time of each
// phase and one total over every phase, in the plain form CI reads:
//
//   total: N passed, M failed
//
// Usage: node scripts/lib/test-summary.js <results-dir> <phase>...
// For each phase the folder holds <phase>.status ("<exit code> <seconds>")
// and <phase>.txt (its output); vitest also vitest.json, pytest pytest.xml.
// Exit code: 1 when M > 0, else 0, so the line and the exit code agree.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/**
 * Tests counted from one phase's own report: { passed, failed } or null when
 * the phase reports no test counts (a plain command such as the type check).
 */
function counts(dir, name) {
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : null);
  if (name === "vitest") {
    const json = read("vitest.json");
    if (!json) return { passed: 0, failed: 0 };
    const r = JSON.parse(json);
    return { passed: r.numPassedTests, failed: r.numFailedTests + (r.numRuntimeErrorTests ?? 0) };
  }
  if (name === "pytest") {
    const junit = read("pytest.xml");
    if (!junit) return { passed: 0, failed: 0 };
    const a = (n) => Number((junit.match(new RegExp(`<testsuite [^>]*${n}="(\\d+)"`)) ?? [0, 0])[1]);
    const failed = a("failures") + a("errors");
    return { passed: a("tests") - failed - a("skipped"), failed };
  }
  // Suites that end with a line "<name>: N passed, M failed".
  const m = (read(`${name}.txt`) ?? "").match(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed$`, "m"));
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
}

function summarize(dir, phases) {
  let passed = 0;
  let failed = 0;
  const lines = [];
  for (const name of phases) {
    const statusFile = path.join(dir, `${name}.status`);
    const [code, seconds] = fs.existsSync(statusFile) ? fs.readFileSync(statusFile, "utf8").trim().split(" ").map(Number) : [NaN, NaN];
    const c = counts(dir, name);
    let note = "";
    if (c) {
      passed += c.passed;
      failed += c.failed;
      note = `${c.passed} passed, ${c.failed} failed`;
    }
    // A phase that failed without a failed test to show (crash, unhandled
    // error, set-up failure, a plain command): one failure of its own.
    const ran = Number.isFinite(code);
    if (!ran || (code !== 0 && (!c || c.failed === 0))) {
      failed += 1;
      note += `${note ? "; " : ""}${ran ? `exited ${code}` : "did not run"}${c ? " outside its tests" : ""} (counted as 1 failure)`;
    } else if (!c) {
      passed += 1;
      note = "ok (counted as 1 passed)";
    }
    lines.push(`  ${name.padEnd(10)} ${ran ? `${String(seconds).padStart(4)} s` : "     -"}  ${note}`);
  }
  // The run's own wall time when the runner recorded it (phases run side by side), else the phases' sum.
  const wallFile = path.join(dir, "wall");
  const wall = fs.existsSync(wallFile)
    ? Number(fs.readFileSync(wallFile, "utf8").trim())
    : phases.reduce((s, n) => {
        const f = path.join(dir, `${n}.status`);
        return s + (fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim().split(" ")[1]) || 0 : 0);
      }, 0);
  return { passed, failed, text: `phases (wall time ${wall} s${fs.existsSync(wallFile) ? ", some side by side" : ""}):\n${lines.join("\n")}\ntotal: ${passed} passed, ${failed} failed` };
}

if (require.main === module) {
  const [dir, ...phases] = process.argv.slice(2);
  const s = summarize(dir, phases);
  console.log(s.text);
  process.exit(s.failed > 0 ? 1 : 0);
}

module.exports = { summarize };
