/**
 * The README's examples, copied as written, do what it says: each example
 * is read out of README.md and fed to the code it documents.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, configWarnings, resolveConfig } from "../../src/config";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** The fenced code blocks of a README section (from its heading to the next one of the same level). */
function blocks(heading: string, lang = "[a-z]*"): string[] {
  const start = README.indexOf(heading);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const rest = README.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n${level} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  // Fences open with ```<lang> and close with a bare ```.
  const out: string[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of section.split("\n")) {
    const fence = /^```([a-z]*)\s*$/.exec(line);
    if (open && line.trim() === "```") {
      if (new RegExp(`^${lang}$`).test(open.lang)) out.push(open.lines.join("\n") + "\n");
      open = undefined;
    } else if (open) open.lines.push(line);
    else if (fence) open = { lang: fence[1], lines: [] };
  }
  return out;
}

describe("README", () => {
  const json = blocks("## Configuration", "json");

  it("the staging example resolves as documented: its own state keys, no warning but the DNS placeholder's absence", () => {
    const staging = JSON.parse(json[0]);
    expect(staging.environment).toBe("staging");
    const c = resolveConfig(staging, "README staging example");
    expect(c.backend).toMatchObject({ type: "s3", keyPrefix: "drweb/staging" });
    expect(configWarnings(c)).toEqual([]);
    expect(README).toContain("The state keys of this example are `drweb/staging/<stack>.tfstate`");
  });

  it("the config error example prints exactly the errors shown, all in one run", () => {
    const input = JSON.parse(json[1]);
    const shown = blocks("## Configuration", "").find((b) => b.startsWith("Invalid configuration"))!;
    let message = "";
    try {
      resolveConfig(input, "config/staging.json");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toBe(shown.trimEnd());
  });

  it("the state addresses it shows exist in the synthesized primary stack", () => {
    const primary = synthApp().stacks.primary;
    const shown = [...README.matchAll(/terraform state show '([a-z0-9_]+)\.([A-Za-z0-9_]+)'/g)];
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const [, type, id] of shown) expect(Object.keys(primary.resource?.[type] ?? {})).toContain(id);
  });

  it("the worked test example is the test file it names, line for line", () => {
    const example = blocks("### Writing a test", "ts")[0];
    const file = fs.readFileSync(path.join(PROJECT_ROOT, "__tests__/stacks/testing-example.test.ts"), "utf8");
    const missing = example.split("\n").filter((l) => l.trim() && !file.includes(l));
    expect(missing).toEqual([]);
  });

  it("links only to files that exist in the repository", () => {
    const links = [...README.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !fs.existsSync(path.join(PROJECT_ROOT, l)))).toEqual([]);
    expect(README).not.toMatch(/\.\.\/shared\//);
  });

  it("names every npm script it tells users to run, and package.json has them", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts);
    const used = new Set([...README.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1]));
    expect([...used].filter((s) => !scripts.includes(s))).toEqual([]);
  });
});
