/**
 * The code's layering (docs/code-layout.md): no import cycle among the
 * product's files (main.ts, src/, stacks/, scripts/), and the config layer
 * (src/config) imports only itself and src/lib: the schema's checks that
 * need another layer's numbers read them from src/lib, never from the layers
 * that are built from the config (src/web, src/dr, stacks/ ...). The graph is
 * the TypeScript compiler's own import scan of each file (import-graph.ts).
 */
import * as path from "node:path";
import { importCycles, importGraph, importsOf, type Graph } from "./import-graph";

const ROOT = path.resolve(__dirname, "..", "..");

/** The files of `from` that import a file outside `allowed`, as "file -> import". */
function layerViolations(graph: Graph, from: string, allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const [file, deps] of graph) {
    if (!file.startsWith(from)) continue;
    for (const d of deps) if (!allowed.some((a) => d.startsWith(a))) out.push(`${file} -> ${d}`);
  }
  return out;
}

describe("the import graph", () => {
  const graph = importGraph(ROOT);

  it("covers the product code, including the drill and the offline plan harness", () => {
    for (const f of ["main.ts", "stacks/app.ts", "src/config/schema.ts", "src/dr/plan-model.ts", "src/drill/environment.ts", "src/offline-plan/scenarios.ts", "scripts/synth-matrix.ts"]) expect(graph.has(f), f).toBe(true);
    // The scan resolves relative imports to files (and folder index.ts).
    expect(graph.get("main.ts")).toContain("stacks/app.ts");
    expect(graph.get("main.ts")).toContain("src/config/index.ts");
  });

  it("has no import cycle (each listed group of files imports each other: move what they share to a module both import)", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("src/config imports only src/config and src/lib (not src/web, src/dr, stacks/ ...)", () => {
    expect(layerViolations(graph, "src/config/", ["src/config/", "src/lib/"])).toEqual([]);
  });
});

describe("the cycle finder (so the test above can fail)", () => {
  it("finds a two-file cycle, a longer one and a self-import, and nothing in a tree", () => {
    const g: Graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts", "c.ts"]],
      ["c.ts", []],
      ["d.ts", ["e.ts"]],
      ["e.ts", ["f.ts"]],
      ["f.ts", ["d.ts"]],
      ["g.ts", ["g.ts"]],
    ]);
    expect(importCycles(g)).toEqual([["a.ts", "b.ts"], ["d.ts", "e.ts", "f.ts"], ["g.ts"]]);
    expect(importCycles(new Map([["a.ts", ["b.ts", "c.ts"]], ["b.ts", ["c.ts"]], ["c.ts", []]]))).toEqual([]);
  });

  it("reads type-only imports, re-exports and imports of a folder's index.ts", () => {
    // user-data.ts re-exports the archive format from bundle-archive.ts.
    expect(importsOf(ROOT, "src/web/user-data.ts")).toContain("src/web/bundle-archive.ts");
    // aws-readiness.ts: `import type { AwsClients, ReadinessClients } from "./aws-clients"`.
    expect(importsOf(ROOT, "src/dr/aws-readiness.ts")).toContain("src/dr/aws-clients.ts");
    expect(importsOf(ROOT, "src/dr/plan-model.ts")).toContain("src/config/index.ts");
  });
});
