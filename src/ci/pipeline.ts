/**
 * The delivery pipeline's decisions, as pure functions over the synthesized
 * output (cdktf.out/manifest.json and each stack's cdk.tf.json) and the
 * config: which stacks an apply may touch in the current DR state, in which
 * order (waves of the stack dependencies the manifest declares), and the
 * digests that tie an applied plan to the reviewed one.
 *
 * Used by scripts/ci/*.ts (the workflows' steps) and the workflow tests
 * (__tests__/ci/), so the order the workflows run is the order tested.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ValidConfig } from "../config";

/**
 * How many apply waves the merge workflow has (jobs `wave-1` .. `wave-N` in
 * .github/workflows/deploy.yml, each a matrix over the stacks of one level).
 * The test over the workflows fails when a DR state's dependency depth
 * exceeds it, so a new dependency cannot outgrow the workflow unnoticed.
 */
export const APPLY_WAVES = 6;

/** The GitHub environment an apply job of `stack` runs in (the ci-identity stack trusts exactly these). */
export { applyEnvironment } from "./contract";

/** The stack of the CI identity (stacks/app.ts GLOBAL_STACK_NAMES.ciIdentity; a test checks they agree). */
export const CI_IDENTITY_STACK = "ci-identity";

/** One stack of cdktf.out/manifest.json, as cdktf-cli writes it. */
export interface ManifestStack {
  readonly name: string;
  /** Folder relative to the output folder, e.g. stacks/primary: a complete Terraform root module. */
  readonly workingDirectory: string;
  /** Stacks this one must follow (stack.addDependency in stacks/app.ts). */
  readonly dependencies: readonly string[];
}

/** A refusal of the pipeline's own: the message names the cause and the fix. */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PipelineError";
  }
}

/** Reads cdktf.out/manifest.json (written by `cdktf synth`/`npm run synth`). */
export function readManifest(outdir: string): Record<string, ManifestStack> {
  const file = path.join(outdir, "manifest.json");
  if (!fs.existsSync(file)) throw new PipelineError(`${file} not found. Fix: run \`npm run synth\` first (it writes the manifest and every stack's folder)`);
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as { stacks?: Record<string, { name?: string; workingDirectory?: string; dependencies?: string[] }> };
  if (!raw.stacks || typeof raw.stacks !== "object") throw new PipelineError(`${file} has no "stacks": not a cdktf manifest`);
  const out: Record<string, ManifestStack> = {};
  for (const [name, s] of Object.entries(raw.stacks)) {
    out[name] = { name, workingDirectory: s.workingDirectory ?? `stacks/${name}`, dependencies: [...(s.dependencies ?? [])] };
  }
  return out;
}

/** A synthesized stack's JSON, the parts the pipeline reads. */
export interface StackJsonLike {
  readonly provider?: Record<string, readonly { region?: string; alias?: string }[]>;
  readonly terraform?: { backend?: { s3?: { region?: string } }; required_providers?: Record<string, unknown> };
}

/**
 * The AWS regions a stack reaches when planned or applied: its aws
 * providers' regions and its S3 state bucket's region (the same test as
 * stacks/app.ts stacksReaching, read from the synthesized JSON instead of
 * the constructs, so the pipeline decides from the artefact it applies).
 */
export function stackRegions(stack: StackJsonLike): string[] {
  const regions = new Set<string>();
  for (const p of stack.provider?.aws ?? []) if (p.region) regions.add(p.region);
  const backendRegion = stack.terraform?.backend?.s3?.region;
  if (backendRegion) regions.add(backendRegion);
  return [...regions].sort();
}

export interface ApplyOrder {
  /** Levels of the dependency graph: every stack of wave i depends only on stacks of earlier waves. */
  readonly waves: readonly (readonly string[])[];
  /** Stacks not applied in this DR state, with the reason. */
  readonly skipped: readonly { readonly stack: string; readonly reason: string }[];
}

/**
 * What a merge may apply in the config's DR state, in dependency order.
 *
 * - `database.drState` "failedOver": the primary region is the failed one;
 *   every stack that reaches it is skipped (docs/failover-runbook.md: "Do not deploy
 *   `primary` while in `failedOver`"), and a dependency on a skipped stack is
 *   dropped, as the runbook's record deploys do with
 *   --ignore-missing-stack-dependencies (src/dr/deploy-commands.ts).
 * - `regions.<role>.unreachable`: refused. That deploy runs with refresh off,
 *   one stack, by hand (docs/deploy-and-state.md "Deploying the primary while the secondary
 *   region is down"); a pipeline must not guess it.
 * - The ci-identity stack: the roles the pipeline runs as are not the
 *   pipeline's to change.
 * - Stacks that need the kubernetes or helm provider (the monitoring
 *   stacks) are skipped: they reach their cluster's private API through the
 *   deploy runner's Session Manager tunnel, and neither CI role has a
 *   cluster access entry or the tunnel's permissions (docs/ci-identity.md "CI identity").
 *   They are deployed by hand (monitoring/README.md).
 * - `onlyStacks` (stacks whose reviewed plan has changes): the others are
 *   skipped as "no changes", so no approval is asked for a no-op.
 */
export function applyOrder(
  manifest: Record<string, ManifestStack>,
  stackJson: (stack: string) => StackJsonLike,
  config: Pick<ValidConfig, "database" | "regions">,
  onlyStacks?: readonly string[],
): ApplyOrder {
  for (const role of ["primary", "secondary"] as const) {
    if (config.regions[role].unreachable) {
      throw new PipelineError(
        `regions.${role}.unreachable is set: the pipeline does not apply while a region is marked unreachable. Fix: deploy the one stack that can be deployed by hand with refresh off (docs/deploy-and-state.md "Deploying the primary while the secondary region is down"), and remove the switch when ${config.regions[role].region} answers again`,
      );
    }
  }
  const skipped: { stack: string; reason: string }[] = [];
  const skip = new Set<string>();
  for (const name of Object.keys(manifest).sort()) {
    if (name === CI_IDENTITY_STACK) {
      skip.add(name);
      skipped.push({ stack: name, reason: "the pipeline never changes its own identity (the apply role is denied IAM on the CI roles): deploy it by hand with an administrator's credentials (docs/ci-identity.md \"CI identity\")" });
      continue;
    }
    const providers = Object.keys(stackJson(name).terraform?.required_providers ?? {}).filter((p) => p !== "aws");
    if (providers.length) {
      skip.add(name);
      skipped.push({ stack: name, reason: `it needs the ${providers.join(" and ")} provider(s) and the EKS API tunnel, which the CI roles are not given: deploy it by hand (monitoring/README.md)` });
    }
  }
  if (config.database.drState === "failedOver") {
    const failed = config.regions.primary.region;
    for (const name of Object.keys(manifest).sort()) {
      if (!skip.has(name) && stackRegions(stackJson(name)).includes(failed)) {
        skip.add(name);
        skipped.push({ stack: name, reason: `database.drState "failedOver": it reaches ${failed}, the failed region (not deployed until \`dr failback\`)` });
      }
    }
  }
  if (onlyStacks) {
    const unknown = onlyStacks.filter((s) => !(s in manifest));
    if (unknown.length) throw new PipelineError(`reviewed plans name stacks the manifest does not have: ${unknown.join(", ")}. Fix: re-run the pull request's plan on the merged commit`);
    for (const name of Object.keys(manifest).sort()) {
      if (!skip.has(name) && !onlyStacks.includes(name)) {
        skip.add(name);
        skipped.push({ stack: name, reason: "its reviewed plan has no changes" });
      }
    }
  }
  const remaining = Object.keys(manifest).filter((s) => !skip.has(s));
  for (const s of remaining) {
    for (const d of manifest[s].dependencies) {
      if (!(d in manifest)) throw new PipelineError(`manifest: stack ${s} depends on ${d}, which the manifest does not have. Fix: synthesize again (npm run synth)`);
    }
  }
  return { waves: dependencyWaves(manifest, remaining), skipped };
}

/**
 * Topological levels of `stacks` under the manifest's dependencies
 * (dependencies outside `stacks` ignored): wave 0 depends on nothing in the
 * set, wave i on waves < i only. Sorted within a wave, so the output is
 * stable. A cycle is an error naming its stacks.
 */
export function dependencyWaves(manifest: Record<string, ManifestStack>, stacks: readonly string[]): string[][] {
  const inSet = new Set(stacks);
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (s: string, trail: string[]): number => {
    const known = level.get(s);
    if (known !== undefined) return known;
    if (visiting.has(s)) throw new PipelineError(`manifest: the stack dependencies form a cycle: ${[...trail, s].join(" -> ")}`);
    visiting.add(s);
    let l = 0;
    for (const d of manifest[s].dependencies) if (inSet.has(d)) l = Math.max(l, visit(d, [...trail, s]) + 1);
    visiting.delete(s);
    level.set(s, l);
    return l;
  };
  for (const s of stacks) visit(s, []);
  const waves: string[][] = [];
  for (const [s, l] of level) (waves[l] ??= []).push(s);
  return waves.map((w) => w.sort());
}

/** Files of a stack folder that are not the synthesized module: what `terraform init`/`plan` write there. */
const NOT_SYNTHESIZED = new Set([".terraform", ".terraform.lock.hcl", "tfplan", "terraform.tfstate", "terraform.tfstate.backup"]);

/**
 * sha256 over a stack folder as synthesized (every file's relative path and
 * content, sorted; what init and plan add is left out): equal digests mean
 * the same Terraform configuration and assets. The merge workflow compares
 * the merged commit's digest with the one recorded when the plan was
 * reviewed, and refuses to apply when they differ.
 */
export function folderDigest(dir: string): string {
  if (!fs.existsSync(path.join(dir, "cdk.tf.json"))) throw new PipelineError(`${dir}/cdk.tf.json not found. Fix: run \`npm run synth\` first`);
  const hash = crypto.createHash("sha256");
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (rel === "" && NOT_SYNTHESIZED.has(entry.name)) continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile()) {
        hash.update(`${r}\0`);
        hash.update(fs.readFileSync(path.join(dir, r)));
        hash.update("\0");
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

/** sha256 of a file (the saved plan). */
export function fileDigest(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** What the pull request's plan step records next to the saved plan (review.json). */
export interface ReviewRecord {
  readonly stack: string;
  /** folderDigest of the stack folder the plan was made from. */
  readonly synthDigest: string;
  /** fileDigest of the saved plan (tfplan). */
  readonly planDigest: string;
  /** `terraform plan -detailed-exitcode` said 2: the plan changes something. */
  readonly changes: boolean;
  /** Terraform's "Plan: ..." / "No changes." line. */
  readonly summary: string;
  /** The commit planned (GITHUB_SHA), when known. */
  readonly commit?: string;
  /** The state the plan was made from (`terraform state pull`); null: no state yet. */
  readonly state: StateVersion | null;
}

/** A state snapshot's identity: Terraform's lineage (per state) and serial (per write). */
export interface StateVersion {
  readonly lineage: string;
  readonly serial: number;
}

/** The lineage and serial of `terraform state pull`'s output (empty output: no state yet, null). */
export function stateVersion(pulled: string): StateVersion | null {
  if (!pulled.trim()) return null;
  const s = JSON.parse(pulled) as { lineage?: unknown; serial?: unknown };
  if (typeof s.lineage !== "string" || typeof s.serial !== "number") throw new PipelineError("terraform state pull returned no lineage and serial: not a Terraform state");
  return { lineage: s.lineage, serial: s.serial };
}

/**
 * Why the saved plan must not be applied to the state now, or undefined.
 * Terraform refuses a saved plan whose state changed ("Saved plan is stale")
 * only when the plan was made from an existing state: a plan made from no
 * state applies again over whatever another run created
 * (hashicorp/terraform#24078, open). This check covers both.
 */
export function stateMismatch(review: Pick<ReviewRecord, "state">, now: StateVersion | null): string | undefined {
  const was = review.state;
  const show = (v: StateVersion | null) => (v ? `serial ${v.serial} of lineage ${v.lineage}` : "no state");
  if (was === null && now === null) return undefined;
  if (was && now && was.lineage === now.lineage && was.serial === now.serial) return undefined;
  return `the state changed since the plan was made (planned from ${show(was)}, now ${show(now)}): another apply ran. Fix: re-run the pull request's plan (or push to the branch), review it, merge again`;
}

/**
 * Why an apply must not run the reviewed plan, or undefined when it may:
 * the stack folder of the merged commit synthesizes differently from the
 * reviewed one, or the saved plan is not the file that was reviewed.
 * (A state that changed since the plan is refused by Terraform itself:
 * applying a saved plan whose state changed fails with "Saved plan is stale".)
 */
export function reviewMismatch(review: ReviewRecord, stack: string, synthDigest: string, planDigest: string): string | undefined {
  if (review.stack !== stack) return `the reviewed plan is for stack ${review.stack}, not ${stack}`;
  if (review.synthDigest !== synthDigest) {
    return `cdktf.out/stacks/${stack} of this commit differs from the one planned for review (digest ${synthDigest.slice(0, 12)} here, ${review.synthDigest.slice(0, 12)} reviewed${review.commit ? ` at ${review.commit.slice(0, 12)}` : ""}). Fix: update the pull request branch and let its plan run again, review it, then merge`;
  }
  if (review.planDigest !== planDigest) return `the saved plan's digest ${planDigest.slice(0, 12)} is not the reviewed ${review.planDigest.slice(0, 12)}: the artefact is not the reviewed plan`;
  return undefined;
}

/** Terraform's summary line of a plan's text output ("Plan: 3 to add, ..." or "No changes. ..."). */
export function planSummary(planText: string): string {
  const line = planText.split("\n").find((l) => /^(Plan: |No changes\.|Changes to Outputs:)/.test(l.trim()));
  return line?.trim() ?? "(no summary line in the plan output)";
}
