// The runbook's AWS actions in one place (src/dr/runbook-actions.ts): every SDK Command class the AWS adapter's
// code sends is in the list, the list has nothing the code does not send, and the docs' permission list equals it.
// Read from the source files (no AWS).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { actionOf, READINESS_ACTIONS, RUNBOOK_ACTIONS } from "../../src/dr/runbook-actions";

const root = path.join(__dirname, "..", "..");

/** `service:Action` of each `new XCommand(` in a file, the package found from the file's imports. */
function sentActions(file: string): string[] {
  const src = fs.readFileSync(path.join(root, file), "utf8");
  const pkgOf = new Map<string, string>();
  for (const m of src.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"(@aws-sdk\/client-[a-z0-9-]+)"/g)) {
    for (const name of m[1].split(",").map((x) => x.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0])) if (name) pkgOf.set(name, m[2]);
  }
  const out = new Set<string>();
  for (const m of src.matchAll(/new\s+([A-Z][A-Za-z0-9]*Command)\s*\(/g)) {
    const pkg = pkgOf.get(m[1]);
    if (!pkg) throw new Error(`${file}: ${m[1]} is not imported from an @aws-sdk client package`);
    out.add(actionOf(pkg, m[1]));
  }
  return [...out].sort();
}

const adapterFiles = () => fs.readdirSync(path.join(root, "src/dr")).filter((f) => /^aws-.*\.ts$/.test(f)).map((f) => `src/dr/${f}`);

describe("the runbook's AWS actions", () => {
  it("every action the AWS adapter sends is in RUNBOOK_ACTIONS, and the list has nothing it does not send", () => {
    const files = adapterFiles().filter((f) => f !== "src/dr/aws-readiness.ts");
    expect(files).toContain("src/dr/aws-platform.ts");
    expect(files).toContain("src/dr/aws-restore.ts");
    const sent = [...new Set(files.flatMap(sentActions))].sort();
    expect(sent.filter((a) => !RUNBOOK_ACTIONS.includes(a))).toEqual([]);
    expect(RUNBOOK_ACTIONS.filter((a) => !sent.includes(a))).toEqual([]);
    expect([...RUNBOOK_ACTIONS]).toEqual([...RUNBOOK_ACTIONS].sort());
  });

  it("the readiness check's own calls are READINESS_ACTIONS", () => {
    expect(sentActions("src/dr/aws-readiness.ts").filter((a) => !RUNBOOK_ACTIONS.includes(a))).toEqual([...READINESS_ACTIONS]);
  });

  it("docs/dr-runbook.md's permission list equals RUNBOOK_ACTIONS", () => {
    const doc = fs.readFileSync(path.join(root, "docs/dr-runbook.md"), "utf8");
    const block = /<!-- runbook-actions:begin -->([\s\S]*?)<!-- runbook-actions:end -->/.exec(doc);
    expect(block, "docs/dr-runbook.md needs the list between <!-- runbook-actions:begin --> and <!-- runbook-actions:end -->").not.toBeNull();
    const listed = [...block![1].matchAll(/`([a-z0-9]+:[A-Za-z0-9]+)`/g)].map((m) => m[1]);
    expect(listed).toEqual([...RUNBOOK_ACTIONS]);
  });

  it("docs/dr-runbook.md's readiness permission list equals READINESS_ACTIONS", () => {
    const doc = fs.readFileSync(path.join(root, "docs/dr-runbook.md"), "utf8");
    const block = /<!-- readiness-actions:begin -->([\s\S]*?)<!-- readiness-actions:end -->/.exec(doc);
    expect(block, "docs/dr-runbook.md needs the list between <!-- readiness-actions:begin --> and <!-- readiness-actions:end -->").not.toBeNull();
    const listed = [...block![1].matchAll(/`([a-z0-9]+:[A-Za-z0-9]+)`/g)].map((m) => m[1]);
    expect(listed).toEqual([...READINESS_ACTIONS]);
  });
});
