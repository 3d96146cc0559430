/**
 * The stacks a workflow runs and their order, from the synthesized manifest and the config
 * (src/ci/pipeline.ts applyOrder; docs/ci-identity.md "Delivery pipeline"):
 *
 *   npx tsx scripts/ci/stack-order.ts [--out cdktf.out] [--reviewed <dir>]
 *
 * Prints {"stacks": [...], "waves": [[...], ...], "skipped": [...]} and, under GitHub Actions,
 * writes the outputs `stacks` (every stack this DR state plans) and `wave1`..`waveN` (the apply
 * waves; `[]` when empty). --reviewed: a folder with <stack>/review.json from the pull request's
 * plans; only stacks whose reviewed plan changes something are applied.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadProjectConfig } from "../../src/config";
import { APPLY_WAVES, applyOrder, PipelineError, readManifest, type ReviewRecord, type StackJsonLike } from "../../src/ci/pipeline";

const ROOT = path.resolve(__dirname, "..", "..");
const { values } = parseArgs({ options: { out: { type: "string", default: process.env.DRWEB_CI_OUT ?? path.join(ROOT, "cdktf.out") }, reviewed: { type: "string" } } });
try {
  const out = path.resolve(values.out!);
  const manifest = readManifest(out);
  const config = loadProjectConfig(ROOT);
  // Each stack's cdk.tf.json is read once: applyOrder runs twice (every planned stack, then the reviewed changes).
  const parsed = new Map<string, StackJsonLike>();
  const stackJson = (s: string): StackJsonLike => {
    let json = parsed.get(s);
    if (!json) {
      json = JSON.parse(fs.readFileSync(path.join(out, manifest[s].workingDirectory, "cdk.tf.json"), "utf8")) as StackJsonLike;
      parsed.set(s, json);
    }
    return json;
  };
  let changed: string[] | undefined;
  if (values.reviewed) {
    changed = [];
    for (const s of Object.keys(manifest)) {
      // <dir>/<stack>/ or, as download-artifact names it, <dir>/plan-<stack>/.
      const file = [path.join(values.reviewed, s, "review.json"), path.join(values.reviewed, `plan-${s}`, "review.json")].find((f) => fs.existsSync(f));
      if (!file) continue;
      const r = JSON.parse(fs.readFileSync(file, "utf8")) as ReviewRecord;
      if (r.changes) changed.push(s);
    }
  }
  const planned = applyOrder(manifest, stackJson, config);
  const order = applyOrder(manifest, stackJson, config, changed);
  if (order.waves.length > APPLY_WAVES) {
    throw new PipelineError(`the stacks need ${order.waves.length} apply waves; .github/workflows/deploy.yml has ${APPLY_WAVES}. Fix: add wave jobs to deploy.yml and raise APPLY_WAVES (src/ci/pipeline.ts)`);
  }
  const result = { stacks: planned.waves.flat(), waves: order.waves, skipped: order.skipped };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (process.env.GITHUB_OUTPUT) {
    const lines = [`stacks=${JSON.stringify(result.stacks)}`];
    for (let i = 0; i < APPLY_WAVES; i++) lines.push(`wave${i + 1}=${JSON.stringify(order.waves[i] ?? [])}`);
    fs.appendFileSync(process.env.GITHUB_OUTPUT, `${lines.join("\n")}\n`);
  }
} catch (e) {
  if (e instanceof PipelineError || e instanceof ConfigError) {
    process.stderr.write(`stack-order: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
