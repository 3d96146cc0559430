/**
 * docs/configuration.md's key tables are generated from the zod schema
 * (scripts/config-reference.ts): every key has a JSDoc description, and the
 * page is what the generator writes now (npm run docs:config).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readSchemaDocs, REFERENCE_FILE, renderConfigReference, renderReferenceFile, schemaRows } from "../../scripts/config-reference";
import { PROJECT_ROOT } from "../helpers/synth";

describe("the generated configuration reference (docs/configuration.md)", () => {
  it("every key of the schema has a JSDoc description", () => {
    // Names each undocumented key: add a /** ... */ on it in src/config/sections/ (or base-schema.ts).
    expect(renderConfigReference().undocumented).toEqual([]);
  });

  it("is up to date with the schema and the defaults (fix: npm run docs:config)", () => {
    const current = fs.readFileSync(REFERENCE_FILE, "utf8");
    expect(renderReferenceFile(current) === current, "docs/configuration.md is stale. Fix: npm run docs:config").toBe(true);
  });

  it("lists every key with its constraints, enum values and defaults", () => {
    const page = fs.readFileSync(REFERENCE_FILE, "utf8");
    const keys = schemaRows().map((r) => r.key);
    expect(keys.length).toBeGreaterThan(100);
    for (const k of keys) expect(page).toContain(`| \`${k}\` |`);
    expect(page).toMatch(/\| `kms\.deletionWindowDays` \| number; whole number; >= 7; <= 30 \| `30` \|/);
    expect(page).toMatch(/\| `database\.drState` \| one of `normal`, `failedOver`, `failback` \| `normal` \|/);
    expect(page).toMatch(/\| `backups\.isolatedCopy\.enabled` \| boolean \| true in a production environment/);
    expect(page).toMatch(/\| `backend\.keyPrefix` \| string; only with backend\.type: "s3"/);
  });

  it("reads the JSDoc of a section declared in another file (src/config/sections/), through a renamed import", () => {
    const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, ".tmp-config-ref-"));
    try {
      fs.mkdirSync(path.join(dir, "sections"));
      fs.writeFileSync(path.join(dir, "sections", "web.ts"), 'import { z } from "zod";\nexport const webSchema = z.strictObject({\n  /** Port of the app. */\n  port: z.number(),\n  inner: z.strictObject({\n    /** Deep. */\n    d: z.string(),\n  }),\n});\n');
      const file = path.join(dir, "base-schema.ts");
      fs.writeFileSync(file, 'import { z } from "zod";\nimport { webSchema as web } from "./sections/web";\nconst baseSchema = z.strictObject({\n  /** The web tier. */\n  web: web,\n});\n');
      const { docs } = readSchemaDocs(file);
      expect([...docs.keys()]).toEqual(["web", "web.port", "web.inner.d"]);
      expect(docs.get("web.port")?.text).toBe("Port of the app.");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails naming a key that has no JSDoc", () => {
    const dir = fs.mkdtempSync(path.join(PROJECT_ROOT, ".tmp-config-ref-"));
    try {
      const file = path.join(dir, "schema.ts");
      fs.writeFileSync(
        file,
        'import { z } from "zod";\nconst baseSchema = z.strictObject({\n  /** Documented. */\n  a: z.string(),\n  b: z.strictObject({ c: z.number() }),\n});\n',
      );
      const { docs } = readSchemaDocs(file);
      expect([...docs.keys()]).toEqual(["a"]);
      expect(docs.has("b.c")).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
