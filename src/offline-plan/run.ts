/**
 * The offline plan's run and report (the command line is offline-plan.ts):
 * synthesizes the app for every DR state the checks need, plans every stack
 * state, runbook deploy and guard refusal with `terraform test` against the
 * loopback responder, and prints one PASS/FAIL block per check. The checks
 * are collected into the caller's list as they finish, so a setup error
 * after some checks keeps them (docs/offline-plan.md).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { loadProjectConfig, type ValidConfig } from "../../src/config";
import { buildApp } from "../../stacks/app";
import { deployedState, fromResourceChanges, removedByLastDeploy } from "./deployed-state";
import { actionCounts, checkFights, checkPlan, checkRefusal } from "./expectations";
import { readinessStateProblems, withReadinessChecker } from "./readiness-scenarios";
import { FAKE_ACCOUNT_ID, REFUSED_ENDPOINT } from "./fake-aws";
import { startResponder, type RecordedCall } from "./responder";
import { runCiPlanStep, type CiPlanResult } from "./ci-plan";
import { runbookResourceProblems } from "./runbook-resources";
import { endpointsParameterStateProblems } from "./endpoints-parameter-scenarios";
import { ciConfigs, drStates, refusals, transitions, zoneConfig, type DrStateDef, type StateId, type TransitionDef } from "./scenarios";
import { dataOverrides, prepareWorkspace, providerRegions, runTerraformTest, testFile, testProviders, withoutBackend, withoutIgnoreChanges, writeJob, type FakeAnswer, type TestOutcome, type TestRun, type Workspace } from "./tftest";
import type { Diagnostic, PlanResourceChange, StackJson } from "./types";

const ROOT = path.resolve(__dirname, "..", "..");
/**
 * Stacks the quick set (npm test) plans in the default state: the primary,
 * whose plan its failback rebuild (failback-3-primary) starts from. The
 * secondary, the global stacks, every other state and deploy are planned by
 * the full matrix, which .ci/run runs after npm test.
 */
const QUICK_STACKS: readonly string[] = ["primary"];
/**
 * Stacks whose plan the quick set also makes with the pipeline's own plan
 * step (scripts/ci/plan-stack.sh: plain terraform init and plan; ci-plan.ts).
 * The full matrix runs it for every stack the offline mirror can plan.
 */
const QUICK_CI_STACKS: readonly string[] = ["dns"];

/** The command line's choices (offline-plan.ts parseArgs). */
export interface Options {
  readonly quick: boolean;
  readonly jobs: number;
  readonly keep: boolean;
  readonly only?: readonly string[];
}

/** Output folders of every synthesis of this run. */
const synthDirs: string[] = [];

/**
 * The synthesized folders of a stack, in every config this run synthesized:
 * where its assets are (files the stack ships next to its cdk.tf.json, named
 * by relative paths: the wheel archive). A plan job links them into its
 * folder, where Terraform runs.
 */
function assetSources(stack: string): string[] {
  return synthDirs.map((d) => path.join(d, "stacks", stack)).filter((d) => fs.existsSync(d));
}

/** Synthesizes the whole app for one config (as main.ts does) and returns every stack's JSON. */
function synth(config: ValidConfig, outdir: string): Record<string, StackJson> {
  fs.mkdirSync(outdir, { recursive: true });
  synthDirs.push(outdir);
  const app = new App({ outdir });
  buildApp(app, config, ROOT);
  app.synth();
  const dir = path.join(outdir, "stacks");
  return Object.fromEntries(fs.readdirSync(dir).map((name) => [name, JSON.parse(fs.readFileSync(path.join(dir, name, "cdk.tf.json"), "utf8")) as StackJson]));
}

const awsOnly = (stack: StackJson) => {
  const providers = Object.keys(stack.terraform?.required_providers ?? {});
  return providers.length > 0 && providers.every((p) => p === "aws");
};
const hash = (stack: StackJson) => crypto.createHash("sha256").update(JSON.stringify(withoutBackend(stack))).digest("hex").slice(0, 10);

/** One PASS/FAIL block of the report. */
export interface Check {
  readonly kind: "state" | "transition" | "refusal";
  readonly label: string;
  ok: boolean;
  lines: string[];
}

/** Diagnostics and refused calls of a terraform test; the problems among them. */
function outcomeLines(outcome: TestOutcome, calls: readonly RecordedCall[]): { lines: string[]; errors: number } {
  const lines: string[] = [];
  let errors = 0;
  const seen = new Set<string>();
  for (const d of outcome.diagnostics as Diagnostic[]) {
    const key = `${d.severity}|${d.summary}|${d.detail}|${d.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (d.severity === "error") errors++;
    lines.push(`${d.severity}${d.run ? ` [run ${d.run}]` : ""}: ${d.summary}${d.address ? ` (${d.address})` : ""}${d.detail ? `: ${d.detail.replace(/\s+/g, " ").trim()}` : ""}`);
  }
  const refused = calls.filter((c) => !c.answered);
  if (refused.length) {
    errors++;
    lines.push(`error: calls to AWS refused by the responder (only secretsmanager.GetRandomPassword and GetSecretValue are expected): ${[...new Set(refused.map((c) => c.call))].join(", ")}`);
  }
  for (const r of outcome.runs) {
    if (r.status !== "pass") {
      errors++;
      lines.push(`error: run "${r.name}" ${r.status}`);
    }
  }
  if (outcome.stderr) {
    const text = outcome.stderr.replace(/\s+$/, "");
    if (text) lines.push(`terraform said: ${text.split("\n").slice(0, 20).join("\n    ")}`);
  }
  return { lines, errors };
}

function fmtCounts(rcs: readonly PlanResourceChange[]): string {
  const c = actionCounts(rcs);
  return ["create", "update", "replace", "delete", "read", "no-op"].filter((k) => c[k]).map((k) => `${k} ${c[k]}`).join(", ") || "nothing";
}

/** A small job pool: each job waits for the jobs it depends on. */
async function runPool<T>(jobs: ReadonlyArray<{ id: string; deps: readonly string[]; run: () => Promise<T> }>, concurrency: number): Promise<Map<string, T | Error>> {
  const done = new Map<string, T | Error>();
  const started = new Set<string>();
  return new Promise((resolve) => {
    let active = 0;
    const next = () => {
      if (done.size === jobs.length) return resolve(done);
      for (const job of jobs) {
        if (active >= concurrency) return;
        if (started.has(job.id) || !job.deps.every((d) => done.has(d))) continue;
        started.add(job.id);
        active++;
        const failedDep = job.deps.find((d) => done.get(d) instanceof Error);
        const p = failedDep ? Promise.reject(new Error(`not run: ${failedDep} failed`)) : job.run();
        p.then(
          (v) => done.set(job.id, v),
          (e: Error) => done.set(job.id, e instanceof Error ? e : new Error(String(e))),
        ).finally(() => {
          active--;
          next();
        });
      }
    };
    next();
  });
}

interface StatePlan {
  readonly outcome: TestOutcome;
  readonly calls: RecordedCall[];
  readonly resourceChanges: PlanResourceChange[];
}

/**
 * A stack planned from nothing, with its assets (assetSources) linked into
 * the job; `answer` changes what the fake account says (a refusal check).
 */
async function planStack(ws: Workspace, dir: string, stack: StackJson, config: ValidConfig, assetSources: readonly string[], answer?: FakeAnswer): Promise<StatePlan> {
  const responder = await startResponder();
  try {
    const planned = withoutBackend(stack);
    const run: TestRun = { name: "plan", command: "plan", overrideData: dataOverrides(planned, config, { answer }) };
    await writeJob(ws, dir, planned, testFile(testProviders(planned, ws, responder.url), [run]), {}, assetSources);
    const outcome = await runTerraformTest(ws, dir, ["plan"]);
    return { outcome, calls: responder.calls, resourceChanges: outcome.runs[0].resourceChanges ?? [] };
  } finally {
    await responder.close();
  }
}

/**
 * One runbook deploy: the stack created in `created` (its plan from nothing
 * gives the values), last deployed with `from`'s config after the runbook's
 * AWS actions, then planned with `to`'s config. With `control`, the created
 * state is first checked against a plan of its own config (must be empty).
 * `fromPlan`: `from`'s plan from nothing, when `from` is not `created` (the
 * values of what that deploy added: fromResourceChanges).
 */
async function planTransition(
  ws: Workspace,
  dir: string,
  t: TransitionDef,
  created: { stack: StackJson; config: ValidConfig; plan: StatePlan },
  from: { stack: StackJson; config: ValidConfig },
  to: { stack: StackJson; config: ValidConfig },
  control: boolean,
  assetSources: readonly string[],
  fromPlan?: StatePlan,
) {
  const responder = await startResponder();
  try {
    const c = withoutBackend(created.stack);
    const a = withoutBackend(from.stack);
    const b = withoutBackend(to.stack);
    const regionOf = providerRegions(a);
    const deployed = deployedState(c, created.plan.resourceChanges, ws.schemas, regionOf);
    const edited = deployedState(a, fromResourceChanges(created.plan.resourceChanges, fromPlan?.resourceChanges), ws.schemas, regionOf, t.edits);
    const removed = removedByLastDeploy(deployed.overrides, edited.overrides);
    const changedSinceCreated = t.edits.length > 0 || JSON.stringify(a) !== JSON.stringify(c);
    const dataC = dataOverrides(c, created.config);
    const dataA = dataOverrides(a, from.config);
    const runs: TestRun[] = control
      ? [
          { name: "deploy", command: "apply", stateKey: "s", overrideData: dataC, overrideResource: deployed.overrides },
          { name: "control", command: "plan", stateKey: "s", module: "./created", refresh: false, overrideData: dataC },
          ...(changedSinceCreated ? [{ name: "aws_actions", command: "apply" as const, stateKey: "s", module: "./edited", overrideData: dataA, overrideResource: [...edited.overrides, ...removed] }] : []),
        ]
      : [{ name: "deploy", command: "apply", stateKey: "s", overrideData: dataA, overrideResource: edited.overrides }];
    // A region that is down: its data sources are not overridden in the plan
    // (their read reaches its refusing endpoints), and, like -refresh=false
    // in the switch's procedure, nothing in state is refreshed.
    runs.push({ name: "plan", command: "plan", stateKey: "s", module: "./b", refresh: false, overrideData: dataOverrides(b, to.config, { unreachableRegion: t.unreachableRegion }) });
    await writeJob(ws, dir, control ? deployed.config : edited.config, testFile(testProviders(a, ws, responder.url, t.unreachableRegion), runs), {
      b,
      ...(control ? { created: c } : {}),
      ...(control && changedSinceCreated ? { edited: edited.config } : {}),
    }, assetSources);
    const outcome = await runTerraformTest(ws, dir, runs.map((r) => r.name));
    return { outcome, calls: [...responder.calls], edited: edited.edited, removed: removed.map((o) => o.target) };
  } finally {
    await responder.close();
  }
}

/**
 * Runs the checks `opts` selects in the work folder `work`, pushing each
 * into `checks` as it finishes (with its report lines already printed).
 */
export async function runChecks(opts: Options, work: string, checks: Check[]): Promise<void> {
  const base = loadProjectConfig(ROOT);
  const states = drStates(base);
  const wsPromise = prepareWorkspace(ROOT, work);
  // The quick set synthesizes only the states its plans use (each synthesis is ~1-2 s of CPU).
  const allTransitions = transitions(states);
  const allRefusals = refusals(states);
  const quickStates = new Set<string>([states[0].id, ...allTransitions.filter((t) => t.quick).flatMap((t) => [t.from, t.to, t.createdIn ?? t.from])]);
  const synthesized: Record<string, Record<string, StackJson>> = {};
  for (const st of states) if (!opts.quick || quickStates.has(st.id)) synthesized[st.id] = synth(st.config, path.join(work, "synth", st.id));
  const zone = opts.quick ? undefined : zoneConfig(base);
  const zoneStacks = zone ? synth(zone, path.join(work, "synth", "createZone")) : undefined;
  // The CI identity (ci.enabled): synthesized only when one of its checks is wanted.
  const ciChecks = opts.quick ? [] : ciConfigs(base).filter((c) => !opts.only || opts.only.includes(`${c.id}/ci-identity`) || (opts.only.includes("ci-plan/ci-identity") && c.id === ciConfigs(base)[0].id));
  const ciStacks = Object.fromEntries(ciChecks.map((c) => [c.id, synth(c.config, path.join(work, "synth", c.id))]));
  const ws = await wsPromise;
  const first = states[0].id; // the config's own mode in its normal state
  const allStacks = Object.keys(synthesized[first]);
  const planned = allStacks.filter((s) => awsOnly(synthesized[first][s]));
  const skipped = allStacks.filter((s) => !planned.includes(s));
  console.log(`offline plan: terraform ${ws.terraformVersion}, hashicorp/aws from ${ws.mirrorRoot}; network namespace with loopback only; fake account ${FAKE_ACCOUNT_ID}`);
  console.log(`config: ${base.project}-${base.environment}, ${base.regions.primary.region} / ${base.regions.secondary.region}${process.env.DR_CONFIG ? ` (DR_CONFIG=${process.env.DR_CONFIG})` : ""}`);
  if (skipped.length) {
    console.log(
      `not planned: ${skipped.join(", ")}: they use the helm and kubernetes providers, which the offline mirror does not hold. ` +
        "Their AWS parts (EKS cluster and node group, Pod Identity roles, alert topic, keys) live in primary/secondary and are planned there.",
    );
  }

  // --- which plans to run
  if (opts.only) {
    const known = new Set([...allTransitions.map((t) => t.id), ...allRefusals.map((r) => r.id), ...states.filter((st) => !st.targetOnly).flatMap((st) => planned.map((s) => `${st.id}/${s}`)), "createZone/dns-zone", ...planned.map((s) => `ci-plan/${s}`), "ci-plan/ci-identity", ...ciConfigs(base).map((c) => `${c.id}/ci-identity`)]);
    const unknown = opts.only.filter((id) => !known.has(id));
    if (unknown.length) throw new Error(`--only: unknown check(s) ${unknown.join(", ")}. Known: ${[...known].join(", ")}`);
  }
  const wantedTransitions = allTransitions.filter((t) => (opts.only ? opts.only.includes(t.id) : !opts.quick || t.quick));
  // The guards' refusal checks: the full matrix, or --only.
  const wantedRefusals = allRefusals.filter((r) => (opts.only ? opts.only.includes(r.id) : !opts.quick));
  const stateTargets: Array<{ state: DrStateDef | { id: string; title: string; config: ValidConfig }; stack: string; json: StackJson }> = [];
  for (const st of states) {
    if (opts.quick && st.id !== first) continue; // the quick set adds only what its transitions start from
    if (st.targetOnly) continue; // planned only as the target of its deploy
    for (const s of planned) {
      if (opts.quick && !QUICK_STACKS.includes(s)) continue;
      if (!opts.only || opts.only.includes(`${st.id}/${s}`)) stateTargets.push({ state: st, stack: s, json: synthesized[st.id][s] });
    }
  }
  if (zone && zoneStacks?.["dns-zone"] && (!opts.only || opts.only.includes("createZone/dns-zone"))) {
    stateTargets.push({ state: { id: "createZone", title: "dns.createZone (the dns-zone stack)", config: zone }, stack: "dns-zone", json: zoneStacks["dns-zone"] });
  }
  for (const c of ciChecks) stateTargets.push({ state: c, stack: "ci-identity", json: ciStacks[c.id]["ci-identity"] });
  // Transitions start from the plan of the state their resources were created in: plan those too.
  for (const t of wantedTransitions) {
    const created = t.createdIn ?? t.from;
    if (!stateTargets.some((x) => x.state.id === created && x.stack === t.stack)) {
      const st = states.find((x) => x.id === created)!;
      stateTargets.push({ state: st, stack: t.stack, json: synthesized[st.id][t.stack] });
    }
  }

  // One plan per distinct stack JSON (states often leave a stack unchanged).
  const planJobs = new Map<string, { stack: string; json: StackJson; config: ValidConfig }>();
  const planKey = (stack: string, json: StackJson) => `plan-${stack}-${hash(json)}`;
  for (const x of stateTargets) planJobs.set(planKey(x.stack, x.json), { stack: x.stack, json: x.json, config: x.state.config });

  const stateOf = (id: StateId) => states.find((x) => x.id === id)!;
  type Result = StatePlan | Awaited<ReturnType<typeof planTransition>>;
  const jobs: Array<{ id: string; deps: string[]; run: () => Promise<Result> }> = [];
  // A transition last deployed in another state than its resources were
  // created in also needs that state's plan (fromResourceChanges).
  const fromPlanKey = (t: TransitionDef) => (t.createdIn && t.createdIn !== t.from && hash(synthesized[t.createdIn][t.stack]) !== hash(synthesized[t.from][t.stack]) ? planKey(t.stack, synthesized[t.from][t.stack]) : undefined);
  for (const t of wantedTransitions) {
    const key = fromPlanKey(t);
    if (key && !planJobs.has(key)) planJobs.set(key, { stack: t.stack, json: synthesized[t.from][t.stack], config: stateOf(t.from).config });
  }
  for (const [id, j] of planJobs) jobs.push({ id, deps: [], run: () => planStack(ws, path.join(work, id), j.json, j.config, assetSources(j.stack)) });
  for (const t of wantedTransitions) {
    const fromJson = synthesized[t.from][t.stack];
    const dep = planKey(t.stack, synthesized[t.createdIn ?? t.from][t.stack]);
    const fromDep = fromPlanKey(t);
    jobs.push({
      id: `transition-${t.id}`,
      deps: fromDep ? [dep, fromDep] : [dep],
      run: async () => {
        const plan = results.get(dep) as StatePlan;
        const created = t.createdIn ?? t.from;
        return planTransition(
          ws,
          path.join(work, `transition-${t.id}`),
          t,
          { stack: synthesized[created][t.stack], config: stateOf(created).config, plan },
          { stack: fromJson, config: stateOf(t.from).config },
          {
            stack: t.withoutIgnoreChanges ? withoutIgnoreChanges(synthesized[t.to][t.stack], t.withoutIgnoreChanges) : synthesized[t.to][t.stack],
            config: stateOf(t.to).config,
          },
          !opts.quick,
          assetSources(t.stack),
          fromDep ? (results.get(fromDep) as StatePlan) : undefined,
        );
      },
    });
  }
  for (const r of wantedRefusals) {
    jobs.push({ id: `refusal-${r.id}`, deps: [], run: () => planStack(ws, path.join(work, `refusal-${r.id}`), synthesized[r.state][r.stack], stateOf(r.state).config, assetSources(r.stack), r.answer) });
  }
  // The pipeline's plan step (scripts/ci/plan-stack.sh) on the config's normal state, per stack.
  const pipelineStacks = planned.filter((s) => (opts.only ? opts.only.includes(`ci-plan/${s}`) : !opts.quick || QUICK_CI_STACKS.includes(s)));
  for (const s of pipelineStacks) {
    jobs.push({ id: `ci-plan-${s}`, deps: [], run: () => runCiPlanStep(ws, path.join(work, `ci-plan-${s}`), path.join(work, "synth", first), s, synthesized[first][s], states[0].config) as unknown as Promise<Result> });
  }
  // The CI identity's own stack (ci.enabled), from the first CI config synthesized above.
  const ciPlanConfig = ciChecks[0];
  if (ciPlanConfig && (opts.only ? opts.only.includes("ci-plan/ci-identity") : !opts.quick)) {
    pipelineStacks.push("ci-identity");
    jobs.push({ id: "ci-plan-ci-identity", deps: [], run: () => runCiPlanStep(ws, path.join(work, "ci-plan-ci-identity"), path.join(work, "synth", ciPlanConfig.id), "ci-identity", ciStacks[ciPlanConfig.id]["ci-identity"], ciPlanConfig.config) as unknown as Promise<Result> });
  }
  const results = new Map<string, Result | Error>();
  const finished = await runPool(
    jobs.map((j) => ({ ...j, run: () => j.run().then((r) => (results.set(j.id, r), r)) })),
    opts.jobs,
  );

  // --- report
  console.log("\nDR state plans (each stack from an empty state):");
  for (const x of stateTargets) {
    const label = `${x.state.id}/${x.stack}`;
    const r = finished.get(planKey(x.stack, x.json));
    const check: Check = { kind: "state", label, ok: false, lines: [] };
    if (r instanceof Error || !r) check.lines.push(`error: ${r instanceof Error ? r.message : "not run"}`);
    else {
      const sp = r as StatePlan;
      const { lines, errors } = outcomeLines(sp.outcome, sp.calls);
      // The runbook's resources: the run-report bucket of a regional stack, the runbook role (src/offline-plan/runbook-resources.ts);
      // the readiness checker in the secondary's plans (src/offline-plan/readiness-scenarios.ts).
      const runbook = runbookResourceProblems(x.stack, x.state.config, sp.resourceChanges);
      const readiness = readinessStateProblems(x.stack, x.state.config, sp.resourceChanges);
      // The Aurora mode's database endpoints parameter (src/offline-plan/endpoints-parameter-scenarios.ts).
      const endpoints = endpointsParameterStateProblems(x.stack, x.state.config, sp.resourceChanges);
      check.ok = errors === 0 && sp.resourceChanges.length > 0 && runbook.length === 0 && readiness.length === 0 && endpoints.length === 0;
      check.lines.push(`${fmtCounts(sp.resourceChanges)} (${sp.outcome.seconds.toFixed(0)} s)`, ...lines, ...runbook, ...readiness.map((p) => `FAIL: ${p}`), ...endpoints);
    }
    checks.push(check);
    console.log(`  ${check.ok ? "PASS" : "FAIL"} ${label.padEnd(24)} ${x.state.title}: ${check.lines[0]}`);
    for (const l of check.lines.slice(1)) console.log(`       ${l}`);
  }
  if (pipelineStacks.length) console.log("\nThe pipeline's plan step (scripts/ci/plan-stack.sh: plain terraform init and plan of the synthesized folder, data sources answered by the fake account):");
  for (const s of pipelineStacks) {
    const r = finished.get(`ci-plan-${s}`) as CiPlanResult | Error | undefined;
    const check: Check = { kind: "state", label: `ci-plan/${s}`, ok: false, lines: [] };
    if (r instanceof Error || !r) check.lines.push(`error: ${r instanceof Error ? r.message : "not run"}`);
    else {
      const refused = r.calls.filter((c) => !c.answered);
      const staleRefused = r.staleApply?.exitCode === 3 && /state changed since the plan was made \(planned from no state/.test(r.staleApply.output);
      check.ok = r.exitCode === 0 && r.savedPlan && r.review?.stack === s && r.review?.changes === true && /^Plan: [1-9]/.test(r.review?.summary ?? "") && refused.length === 0 && staleRefused;
      check.lines.push(`${r.review?.summary ?? "no review.json"} (exit ${r.exitCode}, ${r.calls.length} AWS calls answered by the fake account, ${r.seconds.toFixed(0)} s)`);
      check.lines.push(staleRefused ? "apply-stack.sh refused the reviewed plan once another run had written the state (exit 3)" : `apply-stack.sh did NOT refuse a stale plan: exit ${r.staleApply?.exitCode ?? "not run"} ${r.staleApply?.output.trim().split("\n").slice(-3).join(" | ") ?? ""}`);
      for (const c of refused) check.lines.push(`refused call: ${c.call}`);
      if (!check.ok) check.lines.push(...r.output.trim().split("\n").slice(-25));
    }
    checks.push(check);
    console.log(`  ${check.ok ? "PASS" : "FAIL"} ${check.label.padEnd(24)} ${check.lines[0]}`);
    for (const l of check.lines.slice(1)) console.log(`       ${l}`);
  }
  if (wantedTransitions.length) console.log("\nRunbook deploys (state A deployed, the runbook's AWS actions applied to it, then the plan of config B):");
  for (const t of wantedTransitions) {
    const r = finished.get(`transition-${t.id}`);
    const check: Check = { kind: "transition", label: t.id, ok: false, lines: [] };
    if (r instanceof Error || !r) check.lines.push(`error: ${r instanceof Error ? r.message : "not run"}`);
    else {
      const tr = r as Awaited<ReturnType<typeof planTransition>>;
      // Terraform warns that an override of a resource the configuration no
      // longer declares has no target; it still applies it (the removal
      // reads and deletes nothing: no call reaches the responder). Those
      // warnings are expected for exactly the removed resources.
      const expectedWarning = (d: Diagnostic) => d.severity === "warning" && d.summary === "Invalid override target" && tr.removed.some((a) => (d.detail ?? "").includes(`${a} does not exist`));
      const { lines, errors } = outcomeLines({ ...tr.outcome, diagnostics: tr.outcome.diagnostics.filter((d) => !expectedWarning(d)) }, tr.calls);
      for (const e of tr.edited) check.lines.push(`AWS action: ${e.action}`);
      if (tr.removed.length) check.lines.push(`removed by the deploy of ${t.from} (recorded without AWS calls, overridden): ${tr.removed.join(", ")}`);
      const control = tr.outcome.runs.find((x) => x.name === "control");
      const controlChanges = (control?.resourceChanges ?? []).filter((rc) => rc.mode === "managed" && !rc.change.actions.every((a) => a === "no-op" || a === "read"));
      if (control?.resourceChanges && controlChanges.length) {
        check.lines.push(`harness: the deployed state is not what the provider plans for ${t.createdIn ?? t.from} (the control plan of the same config changes ${controlChanges.map((c) => c.address).join(", ")})`);
      }
      const plan = tr.outcome.runs.find((x) => x.name === "plan");
      let problems: string[] = [];
      if (t.mustFailReaching) {
        // A control: every run before the plan passes, and the plan fails
        // on a call to the unreachable region's refusing endpoints.
        const refused = tr.outcome.diagnostics.filter((d) => d.severity === "error" && d.run === "plan" && `${d.summary} ${d.detail ?? ""}`.includes(REFUSED_ENDPOINT.replace(/^https?:\/\//, "")));
        const earlier = tr.outcome.runs.filter((x) => x.name !== "plan" && x.status !== "pass");
        check.lines.push(`plan with every ${t.mustFailReaching} endpoint refusing connections (${REFUSED_ENDPOINT}): run "plan" ${plan?.status ?? "missing"} (${tr.outcome.seconds.toFixed(0)} s)`);
        for (const d of refused) check.lines.push(`  as expected: ${d.summary}${d.address ? ` (${d.address})` : ""}`);
        if (earlier.length) problems.push(`runs before the plan did not pass: ${earlier.map((x) => `${x.name} ${x.status}`).join(", ")}`);
        if (plan?.status === "pass") problems.push(`the plan passed: the ${t.mustFailReaching} endpoints do not refuse, or the configuration does not reach ${t.mustFailReaching}, so the real check proves nothing`);
        if (refused.length === 0) problems.push(`no error names ${REFUSED_ENDPOINT}: the plan failed for another reason`);
        for (const p of problems) check.lines.push(`FAIL: ${p}`);
        check.ok = problems.length === 0;
        checks.push(check);
        console.log(`  ${check.ok ? "PASS" : "FAIL"} ${t.id}: ${t.title} (${t.stack}: ${t.from} -> ${t.to})`);
        for (const l of check.lines) console.log(`       ${l}`);
        if (!check.ok) for (const l of lines) console.log(`       ${l}`);
        continue;
      }
      if (plan?.resourceChanges && t.fights) {
        // A control: without the ignore list the plan must fight what AWS changed.
        const res = checkFights(plan.resourceChanges, t.fights);
        problems = res.problems;
        check.lines.push(`plan without lifecycle ignore_changes on ${t.withoutIgnoreChanges?.join(", ")}: ${fmtCounts(plan.resourceChanges)} (${tr.outcome.seconds.toFixed(0)} s)`);
        for (const c of res.changes) check.lines.push(`  ${c}`);
        for (const p of problems) check.lines.push(`FAIL: ${p}`);
        if (!problems.length) check.lines.push(`as expected: ${t.fights.map((f) => f.what).join(", ")} would be changed by Terraform (the ignore list is what keeps ${t.id.replace(/-without-ignore$/, "")} clean)`);
      } else if (plan?.resourceChanges) {
        const res = checkPlan(plan.resourceChanges, plan.outputChanges ?? {}, withReadinessChecker(t.expect, t.stack, stateOf(t.from).config, stateOf(t.to).config));
        problems = res.problems;
        check.lines.push(`plan: ${fmtCounts(plan.resourceChanges)}; outputs changed: ${res.outputs.join(", ") || "none"} (${tr.outcome.seconds.toFixed(0)} s)`);
        for (const c of res.changes) check.lines.push(`  ${c}`);
        for (const p of problems) check.lines.push(`FAIL: ${p}`);
        for (const n of res.notes) check.lines.push(`note (not failing: decided on apply): ${n}`);
      }
      check.lines.push(...lines);
      check.ok = errors === 0 && !!plan?.resourceChanges && problems.length === 0 && !(control?.resourceChanges && controlChanges.length);
    }
    checks.push(check);
    console.log(`  ${check.ok ? "PASS" : "FAIL"} ${t.id}: ${t.title} (${t.stack}: ${t.createdIn && t.createdIn !== t.from ? `created in ${t.createdIn}, last deployed ${t.from}` : t.from} -> ${t.to})`);
    for (const l of check.lines) console.log(`       ${l}`);
  }
  if (wantedRefusals.length) console.log("\nGuards (the fake account does not offer what the config asks for: the plan must stop at the guard, with its message):");
  for (const r of wantedRefusals) {
    const res = finished.get(`refusal-${r.id}`);
    const check: Check = { kind: "refusal", label: r.id, ok: false, lines: [] };
    if (res instanceof Error || !res) check.lines.push(`error: ${res instanceof Error ? res.message : "not run"}`);
    else {
      const sp = res as StatePlan;
      const problems = checkRefusal(sp.outcome.runs[0], sp.outcome.diagnostics, r.refusedBy);
      const refused = sp.calls.filter((c) => !c.answered);
      if (refused.length) problems.push(`calls to AWS refused by the responder: ${[...new Set(refused.map((c) => c.call))].join(", ")}`);
      const stopped = sp.outcome.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.context ?? d.summary}: ${(d.detail ?? "").replace(/\s+/g, " ").trim()}`);
      check.lines.push(`plan ${sp.outcome.runs[0]?.status ?? "missing"} (${sp.outcome.seconds.toFixed(0)} s)`, ...stopped.map((l) => `stopped by ${l}`), ...problems.map((p) => `FAIL: ${p}`));
      check.ok = problems.length === 0;
    }
    checks.push(check);
    console.log(`  ${check.ok ? "PASS" : "FAIL"} ${r.id}: ${r.title} (${r.stack} in ${r.state})`);
    for (const l of check.lines) console.log(`       ${l}`);
  }
}
