/**
 * The pipeline's record of a plan, and the check before an apply (docs/ci-identity.md "Delivery pipeline"):
 *
 *   review.ts record --stack S --dir D --artifacts A --exit-code N   (plan-stack.sh: writes A/review.json)
 *   review.ts check  --stack S --dir D --artifacts A                 (apply-stack.sh: exit 3 when A is not S's reviewed plan of D)
 *   review.ts state  --stack S --artifacts A --state F               (apply-stack.sh: exit 3 when the state F is not the one planned from)
 *   review.ts drift  --stack S --artifacts A --exit-code N           (drift-stack.sh: writes A/drift.json)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { fileDigest, folderDigest, planSummary, reviewMismatch, stateMismatch, stateVersion, type ReviewRecord } from "../../src/ci/pipeline";
import type { DriftResult } from "../../src/ci/drift-report";

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest,
  options: { stack: { type: "string" }, dir: { type: "string" }, artifacts: { type: "string" }, "exit-code": { type: "string" }, state: { type: "string" } },
});
function need(name: "stack" | "dir" | "artifacts" | "exit-code" | "state"): string {
  const v = values[name];
  if (!v) {
    process.stderr.write(`review.ts ${command}: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}
const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");

if (command === "record") {
  const art = need("artifacts");
  const exitCode = Number(need("exit-code"));
  const record: ReviewRecord = {
    stack: need("stack"),
    synthDigest: folderDigest(need("dir")),
    planDigest: fileDigest(path.join(art, "tfplan")),
    changes: exitCode === 2,
    state: stateVersion(read(need("state"))),
    summary: planSummary(read(path.join(art, "plan.txt"))),
    ...(process.env.GITHUB_SHA ? { commit: process.env.GITHUB_SHA } : {}),
  };
  fs.writeFileSync(path.join(art, "review.json"), `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${record.stack}: ${record.summary} (plan ${record.planDigest.slice(0, 12)}, stack folder ${record.synthDigest.slice(0, 12)})\n`);
} else if (command === "check") {
  const art = need("artifacts");
  const stack = need("stack");
  const review = JSON.parse(read(path.join(art, "review.json"))) as ReviewRecord;
  const why = reviewMismatch(review, stack, folderDigest(need("dir")), fileDigest(path.join(art, "tfplan")));
  if (why) {
    process.stderr.write(`apply ${stack} refused: ${why}\n`);
    process.exit(3);
  }
  process.stdout.write(`${stack}: applying the reviewed plan (${review.summary})\n`);
} else if (command === "state") {
  const art = need("artifacts");
  const stack = need("stack");
  const review = JSON.parse(read(path.join(art, "review.json"))) as ReviewRecord;
  const why = stateMismatch(review, stateVersion(read(need("state"))));
  if (why) {
    process.stderr.write(`apply ${stack} refused: ${why}\n`);
    process.exit(3);
  }
} else if (command === "drift") {
  const art = need("artifacts");
  const exitCode = Number(need("exit-code"));
  const text = read(path.join(art, "drift.txt"));
  const result: DriftResult = {
    stack: need("stack"),
    exitCode,
    summary: exitCode === 1 ? (text.split("\n").find((l) => /Error/.test(l))?.trim() ?? "terraform failed") : planSummary(text),
    detail: text.slice(-20000),
  };
  fs.writeFileSync(path.join(art, "drift.json"), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${result.stack}: ${exitCode === 0 ? "no drift" : exitCode === 2 ? "DRIFT" : "plan failed"}: ${result.summary}\n`);
} else {
  process.stderr.write("usage: review.ts record|check|state|drift --stack S ... (scripts/ci/review.ts)\n");
  process.exit(2);
}
