/**
 * Every relative link and #anchor in README.md and docs/*.md resolves: the
 * file (or folder) exists, and an anchor names a heading of the target page
 * by GitHub's rules (lower case, spaces to "-", punctuation dropped, the
 * n-th repeat of a slug gets "-n"), or a line range of a code file (#L10-L20).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../helpers/synth";

/** GitHub's anchor of a heading's text. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*]/g, "") // code and emphasis marks
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M} _-]/gu, "").replace(/ /g, "-");
}

/** The lines of a markdown file outside fenced code blocks. */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (m) {
      fence = m[1];
      continue;
    }
    out.push(line);
  }
  return out;
}

/** Every anchor a markdown page offers: its headings' slugs (repeats numbered) and explicit HTML ids/names. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(text)) {
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const s = slug(h[1]);
      const n = seen.get(s) ?? 0;
      seen.set(s, n + 1);
      out.add(n === 0 ? s : `${s}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  }
  return out;
}

/** The inline links of a markdown page (outside code blocks and code spans). */
export function linksOf(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  proseLines(text).forEach((raw) => {
    const line = raw.replace(/`[^`]*`/g, "``");
    for (const m of line.matchAll(/!?\[(?:[^\]]|`[^`]*`)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: 0 });
  });
  return out;
}

const PAGES = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

function problems(page: string): string[] {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, page), "utf8");
  const dir = path.dirname(path.join(PROJECT_ROOT, page));
  const out: string[] = [];
  for (const { target } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const hash = target.indexOf("#");
    const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const abs = file ? path.resolve(dir, file) : path.join(PROJECT_ROOT, page);
    if (!abs.startsWith(PROJECT_ROOT + path.sep) && abs !== PROJECT_ROOT) {
      out.push(`${page}: ${target} leaves the repository`);
      continue;
    }
    if (!fs.existsSync(abs)) {
      out.push(`${page}: ${target}: no such file ${path.relative(PROJECT_ROOT, abs)}`);
      continue;
    }
    if (anchor === undefined) continue;
    if (abs.endsWith(".md")) {
      if (!anchorsOf(fs.readFileSync(abs, "utf8")).has(anchor)) out.push(`${page}: ${target}: ${path.relative(PROJECT_ROOT, abs)} has no heading with the anchor #${anchor}`);
      continue;
    }
    const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
    const count = fs.statSync(abs).isFile() ? fs.readFileSync(abs, "utf8").split("\n").length : 0;
    if (!lines || Number(lines[2] ?? lines[1]) > count) out.push(`${page}: ${target}: #${anchor} is not a line range of ${path.relative(PROJECT_ROOT, abs)} (${count} lines)`);
  }
  return out;
}

describe("GitHub's anchor rules", () => {
  it("slugs headings as GitHub does", () => {
    expect(slug("Offline plan (the real provider's plan, no AWS account)")).toBe("offline-plan-the-real-providers-plan-no-aws-account");
    expect(slug("The `dr` command and the local DR drill")).toBe("the-dr-command-and-the-local-dr-drill");
    expect(slug("Backups: restorable in either region")).toBe("backups-restorable-in-either-region");
    expect(slug("`dr readiness` (will the next failover work?)")).toBe("dr-readiness-will-the-next-failover-work");
    expect(slug("RTO budget on AWS, beside the RDS mode's")).toBe("rto-budget-on-aws-beside-the-rds-modes");
  });

  it("numbers a repeated heading -1, -2 and ignores headings inside code blocks", () => {
    const a = anchorsOf("## Teardown\n\n```\n# Teardown\n```\n### Teardown\n#### Teardown\n");
    expect([...a]).toEqual(["teardown", "teardown-1", "teardown-2"]);
  });

  it("finds links outside code spans and blocks only", () => {
    const links = linksOf("see [a](docs/a.md#x) and `[b](nope.md)`\n```\n[c](nope.md)\n```\n![d](docs/d.svg)\n").map((l) => l.target);
    expect(links).toEqual(["docs/a.md#x", "docs/d.svg"]);
  });
});

describe("links in README.md and docs/*.md", () => {
  it("covers the README and every docs page", () => {
    expect(PAGES.length).toBeGreaterThan(10);
    expect(linksOf(fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8")).length).toBeGreaterThan(15);
  });

  it.each(PAGES)("%s: every relative link and anchor resolves", (page) => {
    expect(problems(page)).toEqual([]);
  });

  it("the README links to every docs page", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const linked = new Set(linksOf(readme).map((l) => l.target.split("#")[0]));
    expect(PAGES.filter((p) => p !== "README.md" && !linked.has(p))).toEqual([]);
  });
});
