/**
 * `npm run policy`: synthesizes the app in memory with the current config
 * (DR_CONFIG or the cdktf.json context, as main.ts) and prints the policy as a table of rules x stacks
 * (pass / FAIL (n) / suppressed (n) / n/a), then every violation and every
 * suppression with its reason. Exit 1 on any violation. Writes nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, loadProjectConfig } from "../src/config";
import { formatSuppressions, formatViolations, policyTable, RULES } from "../src/policy";
import { buildApp } from "../stacks/app";

function main(): number {
  const root = path.resolve(__dirname, "..");
  let config;
  try {
    config = loadProjectConfig(root);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "drpolicy-"));
  try {
    const app = new App({ outdir });
    const findings = buildApp(app, config, root).policy.findings();
    console.log(`Policy: ${RULES.length} rules over ${new Set(findings.map((f) => f.stack)).size} stacks\n`);
    console.log(policyTable(findings));
    console.log("\nRules:");
    for (const r of RULES) console.log(`  ${r.id}: ${r.description}`);
    const suppressed = formatSuppressions(findings);
    console.log(`\nSuppressions (deliberate exceptions):\n${suppressed || "  none"}`);
    const violations = formatViolations(findings);
    if (violations) {
      console.log(`\nViolations:\n${violations}`);
      return 1;
    }
    console.log("\nNo violations.");
    return 0;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

process.exit(main());
