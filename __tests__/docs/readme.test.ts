/**
 * The documentation's examples, copied as written, do what it says: each
 * example is read out of the page it is on (README.md and the docs/ pages the
 * README's sections moved to) and fed to the code it documents.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, configWarnings, resolveConfig } from "../../src/config";
import { ALB_ALIAS_TTL_SECONDS, failoverBudget, failoverSwitch } from "../../src/dns/contract";
import { ALB_IDLE_TIMEOUT_SECONDS, clientDrainSeconds } from "../../src/dr/plan-params";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const read = (page: string) => fs.readFileSync(path.join(PROJECT_ROOT, page), "utf8");
const README = read("README.md");
/** The pages the README's sections moved to (issue 29), by subject. */
const CONFIGURATION = "docs/configuration.md";
const DEPLOY_AND_STATE = "docs/deploy-and-state.md";
const TESTING = "docs/testing.md";
const AURORA = "docs/aurora.md";
const DNS_FAILOVER = "docs/dns-failover.md";
const DOC_PAGES = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The fenced code blocks of a page's section (from its heading to the next one of the same level). */
function blocks(page: string, heading: string, lang = "[a-z]*"): string[] {
  const text = read(page);
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`${page} has no section "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const rest = text.slice(start + heading.length);
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

describe("README and its docs pages", () => {
  const json = blocks(CONFIGURATION, "## Configuration", "json");

  it("the staging example resolves as documented: its own state keys, no warning but the DNS placeholder's absence", () => {
    const staging = JSON.parse(json[0]);
    expect(staging.environment).toBe("staging");
    const c = resolveConfig(staging, "README staging example");
    expect(c.backend).toMatchObject({ type: "s3", keyPrefix: "drweb/staging" });
    expect(configWarnings(c)).toEqual([]);
    expect(read(CONFIGURATION)).toContain("The state keys of this example are `drweb/staging/<stack>.tfstate`");
  });

  it("the config error example prints exactly the errors shown, all in one run", () => {
    const input = JSON.parse(json[1]);
    const shown = blocks(CONFIGURATION, "## Configuration", "").find((b) => b.startsWith("Invalid configuration"))!;
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
    const shown = [...read(DEPLOY_AND_STATE).matchAll(/terraform state show '([a-z0-9_]+)\.([A-Za-z0-9_]+)'/g)];
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const [, type, id] of shown) expect(Object.keys(primary.resource?.[type] ?? {})).toContain(id);
  });

  it("the worked test example is the test file it names, line for line", () => {
    const example = blocks(TESTING, "### Writing a test", "ts")[0];
    const file = fs.readFileSync(path.join(PROJECT_ROOT, "__tests__/stacks/testing-example.test.ts"), "utf8");
    const missing = example.split("\n").filter((l) => l.trim() && !file.includes(l));
    expect(missing).toEqual([]);
  });

  it("links only to files that exist in the repository", () => {
    const links = [...README.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(5);
    // Anchors are checked by links.test.ts.
    expect(links.filter((l) => !fs.existsSync(path.join(PROJECT_ROOT, l.replace(/#.*$/, ""))))).toEqual([]);
    expect(DOC_PAGES.filter((p) => /\.\.\/shared\//.test(read(p)))).toEqual([]);
  });

  it("names every npm script it tells users to run, and package.json has them", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts);
    for (const page of DOC_PAGES) {
      const used = new Set([...read(page).matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1]));
      expect([page, [...used].filter((s) => !scripts.includes(s))]).toEqual([page, []]);
    }
  });
});

/** The markdown tables of a page's section, each as rows of cells (header and separator dropped). */
function tables(page: string, heading: string): string[][][] {
  const text = read(page);
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`${page} has no section "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const rest = text.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  const out: string[][][] = [];
  let rows: string[][] | null = null;
  for (const line of (end < 0 ? rest : rest.slice(0, end)).split("\n")) {
    if (line.startsWith("|")) {
      rows ??= [];
      rows.push(line.slice(1, -1).split(" | ").map((c) => c.trim()));
    } else if (rows) {
      out.push(rows.slice(2));
      rows = null;
    }
  }
  if (rows) out.push(rows.slice(2));
  return out;
}

/** The seconds a budget cell adds to the sum: its leading "<n> s", 0 for "none" or a term AWS gives no figure for. */
function seconds(cell: string): number {
  const m = /^\*{0,2}(\d+) s\b/.exec(cell);
  return m ? Number(m[1]) : 0;
}

describe("docs/aurora.md: the RTO budgets on AWS (Aurora mode beside the RDS mode)", () => {
  // Recomputed from the config defaults and the code's own constants; the AWS figures are the ones the README quotes.
  const c = resolveConfig({});
  const poll = c.runbook.pollIntervalSeconds;
  const detection = c.dns.healthCheck.requestIntervalSeconds * c.dns.healthCheck.failureThreshold;
  /** HealthCheckStatus is read in 1-minute datapoints; the minute in which the verdict changed does not count (AwsPlatform.outage). */
  const window = c.runbook.minOutageSeconds + 60;
  const gate = failoverSwitch(c).periodSeconds;
  const drain = clientDrainSeconds(c);
  /** Aurora User Guide: "You can promote a secondary cluster and make it available for writes in under a minute". */
  const AURORA_FAILOVER = 60;
  const webapp = fs.readFileSync(path.join(PROJECT_ROOT, "webapp/drweb/config.py"), "utf8");
  const roleCache = Number(/num\("DRWEB_ROLE_CACHE_SECONDS", ([0-9.]+),/.exec(webapp)![1]);
  const budget = () => tables(AURORA, "#### RTO budget on AWS, beside the RDS mode's");
  const row = (t: string[][], term: string) => {
    const r = t.find((x) => x[0] === term);
    if (!r) throw new Error(`no row "${term}" in ${JSON.stringify(t.map((x) => x[0]))}`);
    return { rds: r[1], aurora: r[2], source: r[3] };
  };

  it("the unplanned budget: every term and the sum come from the defaults and AWS's documented figure", () => {
    const [unplanned] = budget();
    expect(drain).toBe(detection + ALB_ALIAS_TTL_SECONDS + ALB_IDLE_TIMEOUT_SECONDS);
    const want: Record<string, [number, number]> = {
      detection: [detection, detection],
      "sustained-outage window": [window, window],
      gate: [gate, gate],
      "client drain": [drain, drain],
      "the database moves": [0, AURORA_FAILOVER],
      "the runbook's polls": [5 * poll, 4 * poll],
      "the app finds the writer": [roleCache, roleCache],
      "deploy, fleet roll": [0, 0],
    };
    for (const [term, [rds, aurora]] of Object.entries(want)) {
      const r = row(unplanned, term);
      expect([term, seconds(r.rds), seconds(r.aurora)]).toEqual([term, rds, aurora]);
    }
    expect(unplanned.map((r) => r[0]).filter((t) => t !== "**sum**").sort()).toEqual(Object.keys(want).sort());
    const sum = row(unplanned, "**sum**");
    const total = (i: 0 | 1) => Object.values(want).reduce((a, v) => a + v[i], 0);
    expect(seconds(sum.rds)).toBe(total(0));
    expect(seconds(sum.aurora)).toBe(total(1));
    expect(sum.rds).toContain("+ the promotion");
    expect(sum.aurora).toContain(`(${(total(1) / 60).toFixed(1)} minutes)`);
    expect(row(unplanned, "the database moves").source).toContain('"You can promote a secondary cluster and make it available for writes in under a minute"');
    expect(row(unplanned, "the database moves").source).toContain('"The promotion process takes a few minutes to complete"');
    expect(row(unplanned, "deploy, fleet roll").aurora).toBe("none");
  });

  it("the planned budget: the same for a switchover (a term AWS gives no figure for is named, not summed)", () => {
    const [, planned] = budget();
    const dereg = Number(Object.values(synthApp().stacks.primary.resource!.aws_lb_target_group as Record<string, { deregistration_delay: string }>)[0].deregistration_delay);
    const want: Record<string, [number, number]> = {
      fence: [dereg, dereg],
      "the database moves": [0, 0],
      gate: [gate, gate],
      DNS: [detection + ALB_ALIAS_TTL_SECONDS, detection + ALB_ALIAS_TTL_SECONDS],
      "the runbook's polls": [4 * poll, 3 * poll],
    };
    for (const [term, [rds, aurora]] of Object.entries(want)) {
      const r = row(planned, term);
      expect([term, seconds(r.rds), seconds(r.aurora)]).toEqual([term, rds, aurora]);
    }
    const sum = row(planned, "**sum**");
    expect(seconds(sum.rds)).toBe(Object.values(want).reduce((a, v) => a + v[0], 0));
    expect(seconds(sum.aurora)).toBe(Object.values(want).reduce((a, v) => a + v[1], 0));
    expect(row(planned, "the database moves").aurora).toBe("no AWS figure: not in the sum");
    expect(row(planned, "the database moves").source).toContain(`\`runbook.maxReplicaLagSeconds\` (${c.runbook.maxReplicaLagSeconds} s)`);
  });

  it("the RDS mode's DNS failover budget states the defaults' figures", () => {
    const b = failoverBudget(c);
    expect(read(DNS_FAILOVER)).toContain(
      `Defaults: **${c.dns.healthCheck.requestIntervalSeconds} s x ${c.dns.healthCheck.failureThreshold} + ${b.ttlSeconds} s = ${b.totalSeconds} s** worst case`,
    );
  });
});
