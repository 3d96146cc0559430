/**
 * docs/architecture.svg is drawn from the synthesized app
 * (scripts/architecture-diagram.ts): it must be what the generator draws from
 * the default config now, so a new stack, region or component shows up in
 * the README's diagram or this test fails (fix: npm run docs:diagram).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { architectureModel, DIAGRAM_FILE, renderArchitectureSvg } from "../../scripts/architecture-diagram";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

function modelOf(overrides: unknown = {}) {
  const r = synthApp(overrides);
  const manifest = JSON.parse(fs.readFileSync(path.join(r.outdir, "manifest.json"), "utf8"));
  return architectureModel(r.stacks, manifest, r.config);
}

describe("the architecture diagram (docs/architecture.svg)", () => {
  it("is what the generator draws from the default config (fix: npm run docs:diagram)", () => {
    const svg = renderArchitectureSvg(modelOf());
    expect(svg === fs.readFileSync(DIAGRAM_FILE, "utf8"), "docs/architecture.svg is stale. Fix: npm run docs:diagram").toBe(true);
  });

  it("places every synthesized stack in its region's column, with the deploy order of the manifest", () => {
    const m = modelOf();
    const names = m.columns.map((c) => c.stacks.map((s) => s.name));
    expect(names).toEqual([["primary", "primary-monitoring"], ["secondary", "secondary-monitoring"], ["dns-zone", "dns", "dns-alarms"]]);
    expect(m.columns[0].title).toBe("primary: us-east-2");
    const secondary = m.columns[1].stacks[0];
    expect(secondary.dependsOn).toContain("primary");
    expect(secondary.lines).toContain("automated backups replicated to the other region");
    expect(m.columns[0].stacks[0].lines.some((l) => /RDS postgres: 2 instance\(s\), 1 replica\(s\), db\.t3\.small/.test(l))).toBe(true);
  });

  it("follows the code: a failback config draws the primary after the secondary, the Aurora mode draws a global cluster", () => {
    const failback = modelOf({ database: { drState: "failback", generations: { primary: 2 } } });
    expect(failback.columns[0].stacks[0].dependsOn).toContain("secondary");
    const aurora = modelOf({ database: { engine: "aurora-postgresql" } });
    expect(aurora.columns[0].stacks[0].lines).toContain("Aurora Global Database");
  });
});

describe("the README's stacks table", () => {
  it("names every stack the default config synthesizes, and the optional ci-identity stack", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const listed = [...readme.matchAll(/^\| `([a-z-]+)` \| /gm)].map((m) => m[1]).sort();
    const synthesized = Object.keys(synthApp().stacks).sort();
    expect(synthesized.filter((s) => !listed.includes(s))).toEqual([]);
    expect(listed.filter((s) => !synthesized.includes(s))).toEqual(["ci-identity"]);
    expect(Object.keys(synthApp({ ci: { enabled: true, githubRepository: "acme/shop" } }).stacks)).toContain("ci-identity");
  });
});
