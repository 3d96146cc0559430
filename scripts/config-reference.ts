/**
 * The configuration reference (docs/configuration.md) generated from the
 * schema: every key of the config schema (src/config/base-schema.ts and its sections in src/config/sections/) with its JSDoc (read with the
 * TypeScript compiler API), its zod type and constraints (read from the zod
 * schema itself) and its default (src/config/defaults.ts, and the JSDoc
 * `@default` tag where the default is derived or differs per environment or
 * engine).
 *
 *   npm run docs:config           rewrite the generated part of docs/configuration.md
 *   npm run docs:config -- --check exit 1 when it is stale or a key has no JSDoc
 *
 * Only the part between the GENERATED markers is rewritten; the prose around
 * it is hand-written. __tests__/docs/config-reference.test.ts fails when the
 * page is stale or a key is undocumented.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import type { z } from "zod";
import { DEFAULT_CONFIG } from "../src/config/defaults";
import { configSchema } from "../src/config/schema";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** The file that declares the config's root object (baseSchema); its sections are in src/config/sections/. */
export const SCHEMA_FILE = path.join(PROJECT_ROOT, "src", "config", "base-schema.ts");
export const REFERENCE_FILE = path.join(PROJECT_ROOT, "docs", "configuration.md");
export const BEGIN_MARKER = "<!-- BEGIN GENERATED: npm run docs:config (scripts/config-reference.ts); do not edit by hand -->";
export const END_MARKER = "<!-- END GENERATED -->";

interface KeyDoc {
  text: string;
  defaultTag?: string;
}

/** A const's initializer and the file it is declared in. */
interface ConstDecl {
  init: ts.Expression;
  sf: ts.SourceFile;
}

/**
 * The consts a schema file can name: its own declarations, and the names it
 * imports from other files of the project (relative imports, followed to the
 * file that declares them), so a section kept in its own file
 * (src/config/sections/) is read like one declared beside baseSchema.
 */
function schemaConsts(file: string, cache = new Map<string, Map<string, ConstDecl>>()): Map<string, ConstDecl> {
  const known = cache.get(file);
  if (known) return known;
  const consts = new Map<string, ConstDecl>();
  cache.set(file, consts);
  const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) consts.set(d.name.text, { init: d.initializer, sf });
      }
    } else if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith(".")) {
      const bindings = st.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      const base = path.resolve(path.dirname(file), st.moduleSpecifier.text);
      const target = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
      if (!target) continue;
      const theirs = schemaConsts(target, cache);
      for (const el of bindings.elements) {
        const decl = theirs.get((el.propertyName ?? el.name).text);
        if (decl) consts.set(el.name.text, decl);
      }
    }
  }
  return consts;
}

/**
 * JSDoc of every key of the schema's object literals, by dotted path, starting
 * from the const baseSchema of `schemaFile` and following the consts it names
 * into the files they come from; `dynamic` holds objects whose keys are computed.
 */
export function readSchemaDocs(schemaFile = SCHEMA_FILE): { docs: Map<string, KeyDoc>; dynamic: Set<string> } {
  const cache = new Map<string, Map<string, ConstDecl>>();
  const docs = new Map<string, KeyDoc>();
  const dynamic = new Set<string>();
  const seen = new Set<ts.Node>();

  const walk = (expr: ts.Expression, prefix: string): void => {
    if (ts.isIdentifier(expr)) {
      const init = schemaConsts(expr.getSourceFile().fileName, cache).get(expr.text)?.init;
      if (init && !seen.has(init)) {
        seen.add(init);
        walk(init, prefix);
        seen.delete(init);
      }
      return;
    }
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr)) return walk(expr.expression, prefix);
    if (!ts.isCallExpression(expr)) return;
    const callee = expr.expression;
    if (!ts.isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    const onZ = ts.isIdentifier(callee.expression) && callee.expression.text === "z";
    if (onZ && (method === "strictObject" || method === "object")) {
      const arg = expr.arguments[0];
      if (!arg || !ts.isObjectLiteralExpression(arg)) {
        dynamic.add(prefix);
        return;
      }
      for (const prop of arg.properties) {
        if (!ts.isPropertyAssignment(prop)) continue;
        const name = ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name) ? prop.name.text : prop.name.getText();
        const key = prefix ? `${prefix}.${name}` : name;
        const jsdocs = ts.getJSDocCommentsAndTags(prop).filter(ts.isJSDoc);
        // The comment nearest the key is its own (an orphaned block above it belongs to no key).
        const doc = jsdocs[jsdocs.length - 1];
        if (doc) {
          const text = (ts.getTextOfJSDocComment(doc.comment) ?? "").replace(/\s+/g, " ").trim();
          const tag = doc.tags?.find((t) => t.tagName.text === "default");
          const defaultTag = tag ? (ts.getTextOfJSDocComment(tag.comment) ?? "").replace(/\s+/g, " ").replace(/^-\s*/, "").trim() : undefined;
          if (text || defaultTag) docs.set(key, { text, defaultTag });
        }
        walk(prop.initializer, key);
      }
      return;
    }
    if (onZ && method === "discriminatedUnion") {
      const arr = expr.arguments[1];
      if (arr && ts.isArrayLiteralExpression(arr)) for (const el of arr.elements) walk(el, prefix);
      return;
    }
    // A method chain (.optional(), .superRefine(...), .transform(...)): the object is further in.
    if (!onZ) walk(callee.expression, prefix);
  };

  const base = schemaConsts(path.resolve(schemaFile), cache).get("baseSchema")?.init;
  if (!base) throw new Error(`${schemaFile}: no "baseSchema" declaration. Fix: keep the config's root object in a const named baseSchema (scripts/config-reference.ts reads it)`);
  walk(base, "");
  return { docs, dynamic };
}

type AnySchema = z.ZodType & { _zod: { def: any } };

interface Row {
  key: string;
  type: string;
  constraints: string[];
  optional: boolean;
  section: string;
}

const code = (v: unknown) => "`" + (typeof v === "string" ? v : JSON.stringify(v)) + "`";

function describeChecks(def: any, kind: "number" | "string" | "array"): string[] {
  const out: string[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    const msg = typeof d.error === "function" ? d.error() : undefined;
    const withMsg = (s: string) => (typeof msg === "string" && msg ? `${s} (error: "${msg}")` : s);
    switch (d.check) {
      case "greater_than":
        out.push(`${d.inclusive ? ">=" : ">"} ${d.value}`);
        break;
      case "less_than":
        out.push(`${d.inclusive ? "<=" : "<"} ${d.value}`);
        break;
      case "number_format":
        out.push(d.format === "safeint" ? "whole number" : d.format);
        break;
      case "min_length":
        out.push(kind === "array" ? `at least ${d.minimum} item(s)` : `at least ${d.minimum} character(s)`);
        break;
      case "max_length":
        out.push(kind === "array" ? `at most ${d.maximum} item(s)` : `at most ${d.maximum} character(s)`);
        break;
      case "string_format":
        if (d.format === "regex") out.push(withMsg(`matches ${code(String(d.pattern))}`));
        else if (d.format === "starts_with") out.push(withMsg(`starts with ${code(d.prefix)}`));
        else out.push(withMsg(d.format));
        break;
      default:
        out.push(String(d.check));
    }
  }
  return out;
}

/** The schema under its optional/default/pipe wrappers, and whether a wrapper made it optional. */
function unwrap(s: AnySchema): { def: AnySchema["_zod"]["def"]; optional: boolean } {
  let def = s._zod.def;
  let optional = false;
  for (;;) {
    if (def.type === "optional" || def.type === "default") {
      optional = true;
      def = def.innerType._zod.def;
    } else if (def.type === "pipe") def = def.in._zod.def;
    else break;
  }
  return { def, optional };
}

/** The type and constraints of one leaf schema. */
function describe(s: AnySchema): { type: string; constraints: string[]; optional: boolean } {
  const { def, optional } = unwrap(s);
  switch (def.type) {
    case "string":
      return { type: "string", constraints: describeChecks(def, "string"), optional };
    case "number":
      return { type: "number", constraints: describeChecks(def, "number"), optional };
    case "boolean":
      return { type: "boolean", constraints: [], optional };
    case "enum":
      return { type: "one of " + Object.values(def.entries).map(code).join(", "), constraints: [], optional };
    case "literal":
      return { type: "one of " + def.values.map(code).join(", "), constraints: [], optional };
    case "union": {
      const opts = def.options.map((o: AnySchema) => describe(o));
      if (def.options.every((o: AnySchema) => o._zod.def.type === "literal")) {
        return { type: "one of " + def.options.flatMap((o: AnySchema) => o._zod.def.values).map(code).join(", "), constraints: [], optional };
      }
      return { type: opts.map((o: { type: string }) => o.type).join(" or "), constraints: [], optional };
    }
    case "array": {
      const el = describe(def.element);
      const inner = el.constraints.length ? ` (each: ${el.constraints.join("; ")})` : "";
      return { type: `array of ${el.type}`, constraints: [...describeChecks(def, "array"), ...(inner ? [inner.trim()] : [])], optional };
    }
    case "record":
      return { type: `map of ${describe(def.keyType).type} to ${describe(def.valueType).type}`, constraints: [], optional };
    default:
      return { type: def.type, constraints: [], optional };
  }
}

function unwrapObject(s: AnySchema): { shapes: { shape: Record<string, AnySchema>; when?: string }[]; optional: boolean } | undefined {
  const { def, optional } = unwrap(s);
  if (def.type === "object") return { shapes: [{ shape: def.shape }], optional };
  if (def.type === "union" && def.discriminator) {
    return {
      shapes: def.options.map((o: AnySchema) => {
        const shape = o._zod.def.shape as Record<string, AnySchema>;
        const lit = shape[def.discriminator]._zod.def.values[0];
        return { shape, when: `${def.discriminator}: ${JSON.stringify(lit)}` };
      }),
      optional,
    };
  }
  return undefined;
}

/** Every leaf key of the schema, depth first in schema order. */
export function schemaRows(): Row[] {
  const rows: Row[] = [];
  const seen = new Set<string>();
  const visit = (s: AnySchema, prefix: string, section: string, when?: string) => {
    const obj = unwrapObject(s);
    if (!obj) {
      if (seen.has(prefix)) return;
      seen.add(prefix);
      const d = describe(s);
      rows.push({ key: prefix, ...d, constraints: when ? [`only with ${when}`, ...d.constraints] : d.constraints, section });
      return;
    }
    for (const { shape, when: w } of obj.shapes) {
      for (const [k, v] of Object.entries(shape)) {
        const key = prefix ? `${prefix}.${k}` : k;
        // The discriminator itself is shared by every branch.
        const branchOnly = w && !w.startsWith(`${k}:`) ? w : undefined;
        visit(v as AnySchema, key, section || (unwrapObject(v as AnySchema) ? k : "general"), branchOnly ? `${prefix}.${branchOnly}` : when);
      }
    }
  };
  visit(configSchema as unknown as AnySchema, "", "");
  return rows;
}

function defaultOf(key: string): unknown {
  let v: unknown = DEFAULT_CONFIG;
  for (const part of key.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export interface ConfigReference {
  markdown: string;
  /** Keys without a JSDoc description (every key must have one). */
  undocumented: string[];
}

/** The generated part of docs/configuration.md (between the markers). */
export function renderConfigReference(): ConfigReference {
  const { docs, dynamic } = readSchemaDocs();
  const rows = schemaRows();
  const undocumented: string[] = [];
  const sections = new Map<string, string[]>();
  for (const r of rows) {
    let doc = docs.get(r.key);
    // Keys of an object built from a list (eks.addonVersions): the object's own JSDoc describes each.
    const parent = r.key.slice(0, r.key.lastIndexOf("."));
    if (!doc && dynamic.has(parent)) doc = docs.get(parent);
    if (!doc?.text) undocumented.push(r.key);
    const dflt = defaultOf(r.key);
    const defaults: string[] = [];
    if (dflt !== undefined) defaults.push(code(dflt));
    if (doc?.defaultTag) defaults.push(doc.defaultTag);
    if (!defaults.length) defaults.push(r.optional ? "none (optional)" : "none (required)");
    const type = [r.type, ...r.constraints].join("; ");
    const line = `| \`${r.key}\` | ${cell(type)} | ${cell(defaults.join("; "))} | ${cell(doc?.text ?? "**undocumented**")} |`;
    if (!sections.has(r.section)) sections.set(r.section, []);
    sections.get(r.section)!.push(line);
  }
  const parts: string[] = [BEGIN_MARKER, ""];
  for (const [section, lines] of sections) {
    parts.push(`### ${section}`, "");
    const intro = docs.get(section)?.text;
    if (intro) parts.push(intro, "");
    parts.push("| key | type and constraints | default | meaning |", "| --- | --- | --- | --- |", ...lines, "");
  }
  parts.push(END_MARKER);
  return { markdown: parts.join("\n"), undocumented };
}

/** docs/configuration.md with its generated part replaced. */
export function renderReferenceFile(current = fs.readFileSync(REFERENCE_FILE, "utf8")): string {
  const b = current.indexOf(BEGIN_MARKER);
  const e = current.indexOf(END_MARKER);
  if (b < 0 || e < b) throw new Error(`${REFERENCE_FILE}: no generated part. Fix: put the lines\n${BEGIN_MARKER}\n${END_MARKER}\nwhere the reference tables go`);
  return current.slice(0, b) + renderConfigReference().markdown + current.slice(e + END_MARKER.length);
}

if (require.main === module) {
  const { undocumented } = renderConfigReference();
  if (undocumented.length) {
    console.error(`config keys without a JSDoc description in src/config/base-schema.ts or src/config/sections/: ${undocumented.join(", ")}. Fix: add a /** ... */ comment (what it is, its default, the fix) on each key`);
    process.exit(1);
  }
  const current = fs.readFileSync(REFERENCE_FILE, "utf8");
  const next = renderReferenceFile(current);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      console.error("docs/configuration.md is stale. Fix: npm run docs:config");
      process.exit(1);
    }
    console.log("docs/configuration.md is up to date");
  } else {
    fs.writeFileSync(REFERENCE_FILE, next);
    console.log(`wrote ${path.relative(PROJECT_ROOT, REFERENCE_FILE)}`);
  }
}
