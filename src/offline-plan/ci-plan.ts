/**
 * The pipeline's own plan step, exercised offline: `scripts/ci/plan-stack.sh <stack>` (what the
 * pull-request workflow runs, docs/ci-identity.md "Delivery pipeline") on a copy of the synthesized output,
 * with plain `terraform init` and `terraform plan` against the fake account: the real provider
 * from the mirror, every endpoint on the loopback responder, which answers the data sources'
 * reads with the fake account's values (data-api.ts) and records every call. Only an override
 * file (zz_offline_override.tf.json, Terraform's override-file merge of provider blocks by name
 * and alias) points the providers at the responder; the script and the stack folder are as the
 * workflow runs them.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ValidConfig } from "../../src/config";
import { dataApiHandler } from "./data-api";
import { offlineProviderSettings } from "./fake-aws";
import { startResponder, type RecordedCall } from "./responder";
import type { Workspace } from "./tftest";
import type { StackJson } from "./types";

const ROOT = path.resolve(__dirname, "..", "..");

export interface CiPlanResult {
  readonly exitCode: number;
  readonly output: string;
  readonly calls: readonly RecordedCall[];
  /** ci-artifacts/<stack>/review.json as the script wrote it (undefined: not written). */
  readonly review?: { stack: string; changes: boolean; summary: string; planDigest: string; synthDigest: string };
  readonly savedPlan: boolean;
  /**
   * The apply step (scripts/ci/apply-stack.sh) given that reviewed plan after another run wrote the
   * stack's state: its exit code (3: refused before terraform apply) and output.
   */
  readonly staleApply?: { readonly exitCode: number; readonly output: string };
  readonly seconds: number;
}

/** Runs the plan step's script for `stack` of the synthesized folder `outdir` in `dir`. */
export async function runCiPlanStep(ws: Workspace, dir: string, outdir: string, stack: string, json: StackJson, config: ValidConfig): Promise<CiPlanResult> {
  const started = Date.now();
  const out = path.join(dir, "out");
  fs.mkdirSync(path.join(out, "stacks"), { recursive: true });
  fs.cpSync(path.join(outdir, "stacks", stack), path.join(out, "stacks", stack), { recursive: true });
  const responder = await startResponder(dataApiHandler(json, config));
  try {
    const providers = (json.provider?.aws ?? []).map((p) => ({ ...(p.alias ? { alias: p.alias } : {}), ...offlineProviderSettings(ws.endpointNames, responder.url) }));
    // A stack with the S3 backend (the CI identity's configs use one) keeps its state in a local file here instead:
    // an override file's backend block replaces the configuration's (Terraform docs, "Override Files": merging
    // terraform blocks), and the S3 backend would ask AWS for credentials at init. The path is the one the
    // local backend uses (stacks/backend.ts localStatePath), so the stale-plan check below finds it.
    const backend = json.terraform?.backend?.s3 ? { terraform: { backend: { local: { path: `../../../terraform.${stack}.tfstate` } } } } : {};
    fs.writeFileSync(path.join(out, "stacks", stack, "zz_offline_override.tf.json"), JSON.stringify({ provider: { aws: providers }, ...backend }, null, 2));
    const artifacts = path.join(dir, "artifacts");
    const env = {
      ...ws.env,
      PATH: `${path.dirname(ws.terraform)}:${process.env.PATH}`,
      DRWEB_CI_OUT: out,
      DRWEB_CI_ARTIFACTS: artifacts,
    };
    const runScript = (args: string[]) =>
      new Promise<{ exitCode: number; output: string }>((resolve, reject) => {
        let output = "";
        const child = spawn("bash", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.on("data", (c: Buffer) => (output += c.toString()));
        child.stderr.on("data", (c: Buffer) => (output += c.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ exitCode: code ?? 1, output }));
      });
    const { exitCode, output } = await runScript([path.join(ROOT, "scripts", "ci", "plan-stack.sh"), stack]);
    const reviewFile = path.join(artifacts, stack, "review.json");
    // Another run applies first (a state now exists where the plan saw none; the local backend's
    // file, stacks/backend.ts localStatePath): the reviewed plan must be refused, not applied again
    // (Terraform's own stale-plan check does not cover a plan made from no state, hashicorp/terraform#24078).
    let staleApply: { exitCode: number; output: string } | undefined;
    if (exitCode === 0 && fs.existsSync(reviewFile)) {
      fs.writeFileSync(path.join(dir, `terraform.${stack}.tfstate`), JSON.stringify({ version: 4, terraform_version: ws.terraformVersion, serial: 1, lineage: "00000000-0000-4000-8000-0000000000aa", outputs: {}, resources: [], check_results: null }));
      staleApply = await runScript([path.join(ROOT, "scripts", "ci", "apply-stack.sh"), stack, path.join(artifacts, stack)]);
    }
    return {
      exitCode,
      output,
      calls: [...responder.calls],
      ...(fs.existsSync(reviewFile) ? { review: JSON.parse(fs.readFileSync(reviewFile, "utf8")) } : {}),
      savedPlan: fs.existsSync(path.join(artifacts, stack, "tfplan")),
      ...(staleApply ? { staleApply } : {}),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await responder.close();
  }
}
