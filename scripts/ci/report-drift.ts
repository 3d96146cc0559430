/**
 * The nightly report (docs/ci-identity.md "Delivery pipeline"): one GitHub issue per stack that drifted or
 * could not be planned, and one for `dr status`, opened, updated (body replaced) or closed when
 * clean again; found by title among open issues labelled drweb-drift (src/ci/drift-report.ts).
 *
 *   npx tsx scripts/ci/report-drift.ts --results <dir with <stack>/drift.json> --status <dr status --json file> [--dry-run]
 *
 * Talks to GitHub with the `gh` CLI (GH_TOKEN, GITHUB_REPOSITORY). --dry-run prints what it would
 * do. Exit 1 when something drifted or failed (the workflow run shows red), 0 when all is clean.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DRIFT_LABEL, driftIssues, type DriftResult, type StatusLike } from "../../src/ci/drift-report";

const { values } = parseArgs({ options: { results: { type: "string" }, status: { type: "string" }, "dry-run": { type: "boolean", default: false } } });
if (!values.results || !values.status) {
  process.stderr.write("usage: report-drift.ts --results <dir> --status <file> [--dry-run]\n");
  process.exit(2);
}
const results: DriftResult[] = [];
for (const d of fs.existsSync(values.results) ? fs.readdirSync(values.results) : []) {
  const f = path.join(values.results, d, "drift.json");
  if (fs.existsSync(f)) results.push(JSON.parse(fs.readFileSync(f, "utf8")) as DriftResult);
}
let status: StatusLike | null = null;
let statusError = "";
try {
  status = JSON.parse(fs.readFileSync(values.status, "utf8")) as StatusLike;
  if (!status || !Array.isArray(status.regions)) throw new Error("not the JSON of `dr status --json`");
} catch (e) {
  status = null;
  statusError = `${values.status}: ${(e as Error).message}`;
}
const runUrl = process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}` : "local run";
const issues = driftIssues(results, status, statusError, runUrl);

function gh(args: string[], input?: string): string {
  const r = spawnSync("gh", args, { encoding: "utf8", input });
  if (r.error || r.status !== 0) throw new Error(`gh ${args.slice(0, 3).join(" ")} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}
const open: { number: number; title: string }[] = values["dry-run"]
  ? []
  : JSON.parse(gh(["issue", "list", "--state", "open", "--label", DRIFT_LABEL, "--limit", "200", "--json", "number,title"]));
if (!values["dry-run"]) gh(["label", "create", DRIFT_LABEL, "--force", "--color", "d93f0b", "--description", "Nightly drift and DR status report"]);
for (const issue of issues) {
  const existing = open.find((o) => o.title === issue.title);
  const action = issue.state === "clean" ? (existing ? "close" : "none") : existing ? "update" : "open";
  process.stdout.write(`${issue.key}: ${issue.state} -> ${action}${existing ? ` #${existing.number}` : ""}\n`);
  if (values["dry-run"] || action === "none") continue;
  if (action === "close") gh(["issue", "close", String(existing!.number), "--comment", issue.body]);
  else if (action === "update") gh(["issue", "edit", String(existing!.number), "--body-file", "-"], issue.body);
  else gh(["issue", "create", "--title", issue.title, "--label", DRIFT_LABEL, "--body-file", "-"], issue.body);
}
process.exit(issues.some((i) => i.state !== "clean") ? 1 : 0);
