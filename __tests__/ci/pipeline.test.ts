/**
 * The pipeline's decisions (src/ci/pipeline.ts, src/ci/drift-report.ts) on
 * the real synthesized manifests of every DR state: which stacks a merge
 * applies, in which order, and when an apply must be refused. The GitHub
 * side (the workflows' jobs) is checked in workflows.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { APPLY_WAVES, applyOrder, CI_IDENTITY_STACK, dependencyWaves, fileDigest, folderDigest, PipelineError, planSummary, readManifest, reviewMismatch, stackRegions, stateMismatch, stateVersion, type ManifestStack, type StackJsonLike } from "../../src/ci/pipeline";
import { driftIssues, unrecordedRunbookChanges, type DriftResult, type StatusLike } from "../../src/ci/drift-report";
import { synthApp } from "../helpers/synth";
import { GLOBAL_STACK_NAMES } from "../../stacks/app";

/** The DR states a merge can happen in (the config's drState and switch), both database modes. */
export const PIPELINE_STATES: Record<string, unknown> = {
  normal: {},
  "failedOver (dns.forceFailover)": { database: { drState: "failedOver" }, dns: { forceFailover: true } },
  "failback (dns.forceFailover)": { database: { drState: "failback", generations: { primary: 2 } }, dns: { forceFailover: true } },
  "normal after a failback": { database: { generations: { primary: 2, secondary: 2 } } },
  "aurora normal": { database: { engine: "aurora-postgresql" } },
  "aurora failedOver": { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } },
  "aurora failback": { database: { engine: "aurora-postgresql", drState: "failback" }, dns: { forceFailover: true } },
};

function synthesized(overrides: unknown) {
  const s = synthApp(overrides);
  const manifest = readManifest(s.outdir);
  const json = (stack: string) => s.stacks[stack] as StackJsonLike;
  return { s, manifest, json };
}

describe("apply order from the synthesized manifest, in every DR state", () => {
  for (const [name, overrides] of Object.entries(PIPELINE_STATES)) {
    it(`${name}: every stack follows the stacks it depends on, within the workflow's ${APPLY_WAVES} waves`, () => {
      const { s, manifest, json } = synthesized(overrides);
      const order = applyOrder(manifest, json, s.config);
      const wave = new Map<string, number>();
      order.waves.forEach((w, i) => w.forEach((stack) => wave.set(stack, i)));
      const skipped = new Set(order.skipped.map((x) => x.stack));
      // Every stack is applied or skipped, never both, never lost.
      expect([...wave.keys(), ...skipped].sort()).toEqual(Object.keys(manifest).sort());
      for (const [stack, i] of wave) {
        for (const dep of manifest[stack].dependencies) {
          if (skipped.has(dep)) continue;
          expect(wave.get(dep), `${stack} depends on ${dep}`).toBeLessThan(i);
        }
      }
      expect(order.waves.length).toBeGreaterThan(0);
      expect(order.waves.length).toBeLessThanOrEqual(APPLY_WAVES);
    });
  }

  it("failedOver: no stack that reaches the failed primary region is applied (docs/failover-runbook.md: do not deploy primary in failedOver)", () => {
    const { s, manifest, json } = synthesized(PIPELINE_STATES["failedOver (dns.forceFailover)"]);
    const order = applyOrder(manifest, json, s.config);
    const applied = order.waves.flat();
    expect(order.skipped.map((x) => x.stack)).toEqual(expect.arrayContaining(["primary", "primary-monitoring"]));
    for (const stack of applied) expect(stackRegions(json(stack))).not.toContain(s.config.regions.primary.region);
    expect(applied).toEqual(expect.arrayContaining(["secondary", "dns"]));
  });

  it("normal: the secondary (a replica of the primary) is applied after the primary", () => {
    const { s, manifest, json } = synthesized({});
    const waves = applyOrder(manifest, json, s.config).waves;
    const at = (x: string) => waves.findIndex((w) => w.includes(x));
    expect(at("primary")).toBeGreaterThanOrEqual(0);
    expect(at("secondary")).toBeGreaterThan(at("primary"));
    expect(at("dns-alarms")).toBeGreaterThan(at("dns"));
  });

  it("the monitoring stacks (kubernetes and helm providers, the EKS API tunnel) are never applied by the pipeline", () => {
    const { s, manifest, json } = synthesized({});
    const order = applyOrder(manifest, json, s.config);
    expect(order.waves.flat()).not.toContain("primary-monitoring");
    expect(order.skipped.find((x) => x.stack === "secondary-monitoring")?.reason).toMatch(/helm and kubernetes provider\(s\) and the EKS API tunnel/);
    expect(CI_IDENTITY_STACK).toBe(GLOBAL_STACK_NAMES.ciIdentity);
  });

  it("refuses while a region is marked unreachable, naming the switch and the manual path", () => {
    const { manifest, json } = synthesized({});
    const config = resolveConfig({ regions: { secondary: { unreachable: true } } }, "test");
    expect(() => applyOrder(manifest, json, config)).toThrow(/regions\.secondary\.unreachable is set: the pipeline does not apply/);
  });

  it("only stacks whose reviewed plan changes something; an unknown stack in the reviews is refused", () => {
    const { s, manifest, json } = synthesized({});
    const order = applyOrder(manifest, json, s.config, ["dns", "secondary"]);
    expect(order.waves.flat().sort()).toEqual(["dns", "secondary"]);
    expect(order.waves.findIndex((w) => w.includes("dns"))).toBeGreaterThan(order.waves.findIndex((w) => w.includes("secondary")));
    expect(order.skipped.find((x) => x.stack === "primary")?.reason).toBe("its reviewed plan has no changes");
    expect(() => applyOrder(manifest, json, s.config, ["nope"])).toThrow(/reviewed plans name stacks the manifest does not have: nope/);
  });
});

describe("dependency waves", () => {
  const m = (deps: Record<string, string[]>): Record<string, ManifestStack> =>
    Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, { name, workingDirectory: `stacks/${name}`, dependencies: d }]));

  it("levels the graph and names a cycle", () => {
    expect(dependencyWaves(m({ a: [], b: ["a"], c: ["a"], d: ["b", "c"] }), ["a", "b", "c", "d"])).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(() => dependencyWaves(m({ a: ["b"], b: ["a"] }), ["a", "b"])).toThrow(/cycle: a -> b -> a/);
  });

  it("a chain deeper than the workflow's waves is seen (stack-order refuses it)", () => {
    const deep: Record<string, string[]> = {};
    for (let i = 0; i <= APPLY_WAVES; i++) deep[`s${i}`] = i ? [`s${i - 1}`] : [];
    expect(dependencyWaves(m(deep), Object.keys(deep)).length).toBe(APPLY_WAVES + 1);
  });
});

describe("the reviewed plan and the applied one", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-digest-"));
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), '{"resource":{}}');
    fs.mkdirSync(path.join(dir, "assets", "x"), { recursive: true });
    fs.writeFileSync(path.join(dir, "assets", "x", "a.txt"), "asset");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the folder digest ignores what init and plan write, and changes with the module or an asset", () => {
    const d0 = folderDigest(dir);
    fs.mkdirSync(path.join(dir, ".terraform"));
    fs.writeFileSync(path.join(dir, ".terraform", "x"), "provider cache");
    fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), "lock");
    fs.writeFileSync(path.join(dir, "tfplan"), "plan");
    expect(folderDigest(dir)).toBe(d0);
    fs.writeFileSync(path.join(dir, "assets", "x", "a.txt"), "asset2");
    const d1 = folderDigest(dir);
    expect(d1).not.toBe(d0);
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), '{"resource":{"a":{}}}');
    expect(folderDigest(dir)).not.toBe(d1);
  });

  it("refuses another stack folder, another plan file, another stack; accepts the reviewed one", () => {
    fs.writeFileSync(path.join(dir, "tfplan"), "plan bytes");
    const review = { stack: "primary", synthDigest: folderDigest(dir), planDigest: fileDigest(path.join(dir, "tfplan")), changes: true, summary: "Plan: 1 to add", commit: "abc", state: null };
    expect(reviewMismatch(review, "primary", folderDigest(dir), fileDigest(path.join(dir, "tfplan")))).toBeUndefined();
    expect(reviewMismatch(review, "secondary", review.synthDigest, review.planDigest)).toMatch(/for stack primary, not secondary/);
    expect(reviewMismatch(review, "primary", "0".repeat(64), review.planDigest)).toMatch(/differs from the one planned for review .*Fix: update the pull request branch/);
    expect(reviewMismatch(review, "primary", review.synthDigest, "1".repeat(64))).toMatch(/not the reviewed/);
  });

  it("the state planned from must be the state applied to, including a plan made from no state (hashicorp/terraform#24078)", () => {
    const v = stateVersion('{"version":4,"serial":7,"lineage":"L1","resources":[]}');
    expect(v).toEqual({ lineage: "L1", serial: 7 });
    expect(stateVersion("  \n")).toBeNull();
    expect(stateMismatch({ state: null }, null)).toBeUndefined();
    expect(stateMismatch({ state: v }, { lineage: "L1", serial: 7 })).toBeUndefined();
    expect(stateMismatch({ state: null }, { lineage: "L2", serial: 1 })).toMatch(/planned from no state, now serial 1 of lineage L2/);
    expect(stateMismatch({ state: v }, { lineage: "L1", serial: 8 })).toMatch(/state changed since the plan was made/);
    expect(stateMismatch({ state: v }, { lineage: "L9", serial: 7 })).toMatch(/state changed/);
    expect(() => stateVersion('{"x":1}')).toThrow(/no lineage and serial/);
  });

  it("a folder that was not synthesized is refused with the fix", () => {
    expect(() => folderDigest(path.join(dir, "missing"))).toThrow(PipelineError);
    expect(() => readManifest(dir)).toThrow(/manifest.json not found. Fix: run `npm run synth`/);
  });

  it("reads Terraform's summary line", () => {
    expect(planSummary("\n  # aws_x.y will be created\nPlan: 2 to add, 0 to change, 0 to destroy.\n")).toBe("Plan: 2 to add, 0 to change, 0 to destroy.");
    expect(planSummary("No changes. Your infrastructure matches the configuration.\n")).toMatch(/^No changes\./);
  });
});

describe("nightly report", () => {
  const status = (over: Partial<StatusLike> = {}): StatusLike => ({
    drState: "normal",
    forceFailover: false,
    failoverSwitch: { forced: false },
    regions: [
      { role: "primary", region: "us-east-2", expectedDbRole: "writer", database: { identifier: "w1", dbRole: "writer" } },
      { role: "secondary", region: "us-west-1", expectedDbRole: "replica", database: { identifier: "r1", dbRole: "replica" } },
    ],
    mismatches: [],
    warnings: [],
    readErrors: [],
    verdict: "agree",
    ...over,
  });
  const drift = (stack: string, exitCode: number): DriftResult => ({ stack, exitCode, summary: exitCode === 2 ? "Plan: 0 to add, 1 to change, 0 to destroy." : "No changes.", detail: "..." });

  it("drift nobody explains is drift; a clean stack is clean", () => {
    const issues = driftIssues([drift("primary", 2), drift("dns", 0)], status(), "", "run");
    expect(issues.find((i) => i.key === "primary")?.state).toBe("drift");
    expect(issues.find((i) => i.key === "dns")?.state).toBe("clean");
    expect(issues.find((i) => i.key === "dr-status")?.state).toBe("clean");
  });

  it("after a failover the config does not record yet, the drift is reported as expected, with the step that records it", () => {
    const promoted = status({
      failoverSwitch: { forced: true },
      regions: [
        { role: "primary", region: "us-east-2", expectedDbRole: "writer", database: { identifier: "w1", dbRole: "unknown" } },
        { role: "secondary", region: "us-west-1", expectedDbRole: "replica", database: { identifier: "r1", dbRole: "writer" } },
      ],
      mismatches: ["r1 is a writer"],
      verdict: "mismatch",
    });
    expect(unrecordedRunbookChanges(promoted)).toEqual([
      'r1 (us-west-1) is a writer; database.drState "normal" expects a replica',
      "the failover switch is forced; dns.forceFailover is false",
    ]);
    const issues = driftIssues([drift("secondary", 2), drift("primary-monitoring", 2)], promoted, "", "run");
    const secondary = issues.find((i) => i.key === "secondary")!;
    expect(secondary.state).toBe("expected-drift");
    expect(secondary.body).toMatch(/Expected drift after a runbook run/);
    expect(issues.find((i) => i.key === "primary-monitoring")?.state).toBe("drift");
    expect(issues.find((i) => i.key === "dr-status")?.state).toBe("expected-drift");
  });

  it("a failed plan and an unreadable dr status are errors, not clean", () => {
    const issues = driftIssues([drift("dns", 1)], null, "status.json: no such file", "run");
    expect(issues.find((i) => i.key === "dns")?.state).toBe("error");
    expect(issues.find((i) => i.key === "dr-status")?.body).toMatch(/could not run: status.json: no such file/);
  });
});
