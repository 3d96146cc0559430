/**
 * `npm run validate`: runs the real `terraform init -backend=false` and
 * `terraform validate` on every synthesized stack that uses only the aws
 * provider (the offline mirror holds no other provider), all of them as
 * modules of one root (scripts/lib/terraform-env.ts validateStacks).
 * Usage: npm run synth && npm run validate [-- <cdktf.out dir>]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { awsOnlyStacks, prepareTerraformEnv, validateStacks } from "./lib/terraform-env";

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const outdir = path.resolve(process.argv[2] ?? path.join(root, "cdktf.out"));
  if (!fs.existsSync(path.join(outdir, "stacks"))) {
    throw new Error(`Nothing to validate: ${path.relative(process.cwd(), outdir) || outdir}/stacks does not exist. Run \`npm run synth\` first (it writes cdktf.out/), then \`npm run validate\`.`);
  }
  const tf = prepareTerraformEnv(root);
  const stacks = awsOnlyStacks(path.join(outdir, "stacks"));
  console.log(`terraform ${tf.version}, provider mirror ${tf.mirrorRoot}; validating: ${stacks.join(", ")}`);
  // One terraform process for all of them (the provider schema loads once).
  const results = await validateStacks(tf, path.join(outdir, "stacks"), stacks);
  for (const r of results) console.log(`${r.ok ? "valid  " : "INVALID"} ${r.stack}${r.output ? `\n${r.output}` : ""}`);
  if (results.some((r) => !r.ok)) process.exit(1);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
