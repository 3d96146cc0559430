/**
 * Every `cdktf deploy` command the operator docs and the `dr` command print
 * runs as written: checked against each DR state's synthesized manifest
 * (cdktf.out/manifest.json, each stack's `dependencies`) with cdktf-cli's
 * OWN functions, the ones `cdktf deploy` calls before it runs anything
 * (@cdktf/cli-core src/lib/cdktf-project.js, CdktfProject.deploy:
 * getMultipleStacks, then checkIfAllDependenciesAreIncluded unless
 * --ignore-missing-stack-dependencies). `cdktf diff` does not check
 * dependencies, so a reviewed diff does not prove the deploy runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveConfig, type ValidConfig } from "../../src/config";
import { buildPlan } from "../../src/dr/build-plan";
import { paramsFromConfig } from "../../src/dr/plan-params";
import type { Plan } from "../../src/dr/plan-model";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

/** A stack as cdktf-cli reads it from the manifest (cli-core synth-stack.js readSynthesizedStacks: the manifest entry, spread). */
interface ManifestStack {
  readonly name: string;
  readonly dependencies: string[];
}

type StackHelpers = {
  getMultipleStacks(stacks: ManifestStack[], patterns: string[], action: string): ManifestStack[];
  checkIfAllDependenciesAreIncluded(stacks: ManifestStack[]): void;
  /** What `cdktf destroy` checks (CdktfProject.destroy): every stack that depends on a named one is named too. */
  checkIfAllDependantsAreIncluded(stacksToRun: ManifestStack[], allStacks: ManifestStack[]): void;
};

/** The DR states a command may be given in (README runbook; dr-runbook.md). */
const STATES: Record<string, unknown> = {
  normal: {},
  "failedOver (dns.forceFailover)": { database: { drState: "failedOver" }, dns: { forceFailover: true } },
  "failback (dns.forceFailover)": { database: { drState: "failback", generations: { primary: 2 } }, dns: { forceFailover: true } },
  "normal after a failback": { database: { generations: { primary: 2, secondary: 2 } } },
};
/** The same DR states in the Aurora Global Database mode (its manifests: the Aurora stacks' own dependencies). */
const AURORA_STATES: Record<string, unknown> = {
  "aurora normal": { database: { engine: "aurora-postgresql" } },
  "aurora failedOver": { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } },
  "aurora failback": { database: { engine: "aurora-postgresql", drState: "failback" }, dns: { forceFailover: true } },
};
/** A config with both certificates given: no dns-zone stack (the dr command must not name it then). */
const NO_ZONE = {
  regions: {
    primary: { certificateArn: "arn:aws:acm:us-east-2:123456789012:certificate/11111111-2222-3333-4444-555555555555" },
    secondary: { certificateArn: "arn:aws:acm:us-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000" },
  },
};

/** The Aurora Global Database mode. */
const AURORA = { database: { engine: "aurora-postgresql" } };

/** The CI identity on (the ci-identity stack exists only then: README "CI identity"). */
const CI = { ci: { enabled: true, githubRepository: "acme/drweb" } };

/** A deploy command runs until a character no stack name or flag has: the end of a code span, a comment, a clause. */
const DEPLOY = /(?:npx cdktf|npm run cdktf --) deploy\b([^`;:|&()#,\n]*)/g;

/** A destroy command, read the same way. */
const DESTROY = /(?:npx cdktf|npm run cdktf --) destroy\b([^`;:|&()#,\n]*)/g;

/** Every deploy command in a text: its stack patterns and flags. */
function deployCommands(text: string): Array<{ command: string; stacks: string[]; flags: string[] }> {
  return commands(text, DEPLOY);
}

/** Every destroy command in a text, likewise. */
function destroyCommands(text: string): Array<{ command: string; stacks: string[]; flags: string[] }> {
  return commands(text, DESTROY);
}

function commands(text: string, pattern: RegExp): Array<{ command: string; stacks: string[]; flags: string[] }> {
  return [...text.matchAll(pattern)].map((m) => {
    const tokens = m[1].trim().split(/\s+/).filter(Boolean);
    return { command: m[0].trim(), stacks: tokens.filter((t) => !t.startsWith("-")), flags: tokens.filter((t) => t.startsWith("-")) };
  });
}

/** A markdown file's text with prose lines joined (a command may wrap inside a backtick span); code blocks kept line by line. */
function markdownText(file: string): string {
  const out: string[] = [];
  let inCode = false;
  let prose: string[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trimStart().startsWith("```")) {
      out.push(prose.join(" "));
      prose = [];
      inCode = !inCode;
      continue;
    }
    if (inCode) out.push(line);
    else if (line.trim() === "") {
      out.push(prose.join(" "));
      prose = [];
    } else prose.push(line.trim());
  }
  out.push(prose.join(" "));
  return out.join("\n");
}

/** Every string in a plan (step texts, failure advice, epilogue, rollback). */
function planText(plan: Plan): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(plan);
  return out.join("\n");
}

function manifestStacks(outdir: string): ManifestStack[] {
  const m = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { name: string; dependencies: string[] }> };
  return Object.values(m.stacks).map((s) => ({ name: s.name, dependencies: s.dependencies }));
}

const DOCS = ["README.md", "monitoring/README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The dr command's plans as an operator runs them: failover from normal, failback from failedOver. */
function drTexts(overrides: Record<string, unknown>): Record<string, string> {
  const base = overrides as any;
  const normal = resolveConfig(base);
  const failedOver = resolveConfig({ ...base, database: { ...(base.database ?? {}), drState: "failedOver" }, dns: { forceFailover: true } });
  const plan = (config: ValidConfig, op: "failover" | "failback", mode: "planned" | "unplanned") => planText(buildPlan(config, paramsFromConfig(config, op, mode)));
  return {
    "dr failover --planned": plan(normal, "failover", "planned"),
    "dr failover --unplanned": plan(normal, "failover", "unplanned"),
    "dr failback": plan(failedOver, "failback", "planned"),
  };
}

describe("deploy commands in the docs and the dr command's output", () => {
  let helpers: StackHelpers;
  const manifests: Record<string, ManifestStack[]> = {};
  const auroraManifests: Record<string, ManifestStack[]> = {};
  let noZone: ManifestStack[];
  let auroraNoZone: ManifestStack[];
  let withCi: ManifestStack[];

  beforeAll(async () => {
    // Loading cdktf-cli's core also loads @cdktf/commons, which reports usage
    // errors to HashiCorp's checkpoint service unless told not to.
    process.env.CHECKPOINT_DISABLE = "1";
    helpers = (await import("@cdktf/cli-core/src/lib/helpers/stack-helpers")) as unknown as StackHelpers;
    for (const [name, overrides] of Object.entries(STATES)) manifests[name] = manifestStacks(synthApp(overrides).outdir);
    noZone = manifestStacks(synthApp(NO_ZONE).outdir);
    for (const [name, overrides] of Object.entries(AURORA_STATES)) auroraManifests[name] = manifestStacks(synthApp(overrides).outdir);
    auroraNoZone = manifestStacks(synthApp({ ...NO_ZONE, ...AURORA }).outdir);
    withCi = manifestStacks(synthApp(CI).outdir);
  }, 120_000);

  it("the Aurora stacks depend on each other as the RDS stacks do in each DR state", () => {
    const deps = (ms: ManifestStack[]) => Object.fromEntries(ms.map((m) => [m.name, [...m.dependencies].sort()]));
    expect(deps(auroraManifests["aurora normal"])).toEqual(deps(manifests.normal));
    expect(deps(auroraManifests["aurora failedOver"])).toEqual(deps(manifests["failedOver (dns.forceFailover)"]));
    expect(deps(auroraManifests["aurora failback"])).toEqual(deps(manifests["failback (dns.forceFailover)"]));
  });

  /** Why cdktf-cli would refuse the command in this manifest, or null. */
  function refusal(cmd: { stacks: string[]; flags: string[] }, stacks: ManifestStack[]): string | null {
    try {
      const toRun = helpers.getMultipleStacks(stacks, cmd.stacks, "deploy");
      if (!cmd.flags.includes("--ignore-missing-stack-dependencies")) {
        helpers.checkIfAllDependenciesAreIncluded(toRun);
        return null;
      }
      // With the flag cdktf-cli deploys the named stacks in the order given,
      // all at once (--parallelism -1): none may depend on another.
      const names = new Set(toRun.map((s) => s.name));
      const ordered = toRun.filter((s) => s.dependencies.some((d) => names.has(d)));
      return ordered.length ? `--ignore-missing-stack-dependencies runs ${[...names].join(", ")} in parallel, but ${ordered.map((s) => `${s.name} depends on ${s.dependencies.filter((d) => names.has(d)).join(", ")}`).join("; ")}` : null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  it("finds the deploy commands it checks (the extraction works)", () => {
    const all = DOCS.flatMap((f) => deployCommands(markdownText(path.join(PROJECT_ROOT, f))));
    expect(all.length).toBeGreaterThanOrEqual(10);
    // A command wrapped across lines inside a backtick span is read whole.
    expect(deployCommands("`npx cdktf deploy\n   primary --x`".replace(/\n\s*/g, " "))).toEqual([{ command: "npx cdktf deploy primary --x", stacks: ["primary"], flags: ["--x"] }]);
    expect(Object.values(drTexts({})).flatMap(deployCommands).length).toBeGreaterThanOrEqual(3);
  });

  it("applies cdktf-cli's own rule: a deploy that leaves out a dependency is refused", () => {
    expect(refusal({ stacks: ["dns"], flags: [] }, manifests.normal)).toContain("The following dependencies are not included in the stacks to run: secondary");
    expect(refusal({ stacks: ["dns"], flags: ["--ignore-missing-stack-dependencies"] }, manifests.normal)).toBeNull();
    expect(refusal({ stacks: ["primary", "secondary"], flags: ["--ignore-missing-stack-dependencies"] }, manifests.normal)).toContain("secondary depends on primary");
    expect(refusal({ stacks: ["nope"], flags: [] }, manifests.normal)).toContain("Could not find stack for pattern 'nope'");
  });

  /** Why cdktf-cli would refuse the destroy command in this manifest (CdktfProject.destroy's check), or null. */
  function destroyRefusal(cmd: { stacks: string[]; flags: string[] }, stacks: ManifestStack[]): string | null {
    try {
      const toRun = helpers.getMultipleStacks(stacks, cmd.stacks, "destroy");
      if (!cmd.flags.includes("--ignore-missing-stack-dependencies")) helpers.checkIfAllDependantsAreIncluded(toRun, stacks);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  it("finds the teardown's destroy command, and applies cdktf-cli's rule: a destroy that leaves out a stack depending on a named one is refused", () => {
    const all = DOCS.flatMap((f) => destroyCommands(markdownText(path.join(PROJECT_ROOT, f))));
    expect(all.map((c) => c.command)).toContain("npx cdktf destroy primary-monitoring secondary-monitoring dns-alarms dns secondary primary dns-zone");
    expect(destroyRefusal({ stacks: ["primary"], flags: [] }, manifests.normal)).toContain("The following dependant stacks are not included in the stacks to run: primary-monitoring, secondary");
    expect(destroyRefusal({ stacks: ["primary", "secondary"], flags: [] }, manifests.normal)).toContain("dns");
  });

  for (const file of DOCS) {
    it(`${file}: every destroy command runs as written in every DR state`, () => {
      const problems: string[] = [];
      for (const cmd of destroyCommands(markdownText(path.join(PROJECT_ROOT, file)))) {
        for (const [state, stacks] of Object.entries({ ...manifests, ...auroraManifests })) {
          const why = destroyRefusal(cmd, stacks);
          if (why) problems.push(`${cmd.command} [${state}]: ${why}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it("the ci-identity stack depends on no stack and no stack depends on it (its deploy is the same in every DR state)", () => {
    const ci = withCi.find((m) => m.name === "ci-identity");
    expect(ci?.dependencies).toEqual([]);
    expect(withCi.filter((m) => m.dependencies.includes("ci-identity"))).toEqual([]);
  });

  for (const file of DOCS) {
    it(`${file}: every deploy command runs as written in every DR state`, () => {
      const problems: string[] = [];
      for (const cmd of deployCommands(markdownText(path.join(PROJECT_ROOT, file)))) {
        // A deploy of ci-identity is run with ci.enabled (its only config): checked there.
        const states = cmd.stacks.includes("ci-identity") ? { "ci.enabled": withCi } : { ...manifests, ...auroraManifests };
        for (const [state, stacks] of Object.entries(states)) {
          const why = refusal(cmd, stacks);
          if (why) problems.push(`${cmd.command} [${state}]: ${why}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it("the dr command's printed deploy commands run as written in every DR state, with and without a dns-zone stack", () => {
    const problems: string[] = [];
    for (const [variant, overrides, stateManifests] of [
      ["default config", {}, manifests],
      ["both certificates given (no dns-zone stack)", NO_ZONE, { any: noZone }],
      // The Aurora plans' commands, checked against the Aurora stacks' own manifests.
      ["database.engine aurora-postgresql", AURORA, auroraManifests],
      ["aurora-postgresql, both certificates given", { ...NO_ZONE, ...AURORA }, { any: auroraNoZone }],
    ] as const) {
      for (const [source, text] of Object.entries(drTexts(overrides))) {
        const cmds = deployCommands(text);
        expect(cmds.length, `${variant}: ${source}`).toBeGreaterThan(0);
        for (const cmd of cmds) {
          for (const [state, stacks] of Object.entries(stateManifests)) {
            const why = refusal(cmd, stacks as ManifestStack[]);
            if (why) problems.push(`${variant}, ${source}: ${cmd.command} [${state}]: ${why}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
