/**
 * The project's import graph, from the TypeScript compiler's own import
 * scanner (ts.preProcessFile: static imports, `export ... from`, `import type`,
 * require() and import()), over the product code: main.ts, src/, stacks/
 * and scripts/ (tests and node_modules excluded). Used by the layering tests
 * (__tests__/house/layering.test.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const PRODUCT_ROOTS = ["main.ts", "src", "stacks", "scripts"] as const;

/** Every .ts file under the roots, as paths relative to root with "/" separators, sorted. */
export function productFiles(root: string, roots: readonly string[] = PRODUCT_ROOTS): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      for (const e of fs.readdirSync(abs)) if (e !== "node_modules" && !e.startsWith(".")) walk(path.posix.join(rel, e));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) out.push(rel);
  };
  for (const r of roots) walk(r);
  return out.sort();
}

/** The project files a file imports (relative specifiers resolved to .ts files or folder index.ts), sorted. */
export function importsOf(root: string, file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const info = ts.preProcessFile(text, true, true);
  const deps = new Set<string>();
  for (const ref of info.importedFiles) {
    const spec = ref.fileName;
    if (!spec.startsWith(".")) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    const hit = [`${base}.ts`, `${base}/index.ts`, base].find((c) => c.endsWith(".ts") && fs.existsSync(path.join(root, c)));
    if (hit) deps.add(hit);
  }
  return [...deps].sort();
}

export type Graph = Map<string, string[]>;

export function importGraph(root: string, roots: readonly string[] = PRODUCT_ROOTS): Graph {
  const graph: Graph = new Map();
  for (const f of productFiles(root, roots)) graph.set(f, importsOf(root, f));
  return graph;
}

/**
 * The strongly connected components with more than one file (or a file that
 * imports itself): each is an import cycle. Tarjan's algorithm; each
 * component's files sorted, the components sorted by their first file.
 */
export function importCycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}
