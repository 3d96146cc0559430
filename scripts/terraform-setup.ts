/**
 * `npm run tf:setup`: sets up the Terraform CLI to work offline with this
 * project, once per clone. Finds the Terraform CLI and a filesystem mirror
 * holding hashicorp/aws (scripts/lib/terraform-env.ts), writes the
 * project-local CLI config .tfcli/terraformrc that installs that provider
 * from the mirror, and prints the line that makes terraform and `npx cdktf`
 * use it. Without a mirror it writes nothing and says what happens instead
 * (providers come from registry.terraform.io, which needs network access).
 * `npm run cdktf -- <args>` (scripts/cdktf.sh) uses the config by itself.
 *
 * Exit codes: 0 set up (or nothing to set up: no mirror), 1 no usable
 * Terraform CLI.
 */
import * as path from "node:path";
import { AWS_PROVIDER_VERSION, findProviderMirror, findTerraform, writeMirrorCliConfig } from "./lib/terraform-env";

function main(): number {
  const root = path.resolve(__dirname, "..");
  const quiet = process.argv.includes("--quiet");
  const say = (line: string) => {
    if (!quiet) console.log(line);
  };
  let tf: { terraform: string; version: string };
  try {
    tf = findTerraform();
  } catch (e) {
    console.error(`tf:setup: ${(e as Error).message}`);
    return 1;
  }
  const mirror = findProviderMirror();
  if (!mirror) {
    say(`tf:setup: terraform ${tf.version}; no filesystem mirror with hashicorp/aws ${AWS_PROVIDER_VERSION} was found.`);
    say("tf:setup: nothing written. `terraform init` (and cdktf diff/deploy) will download providers from registry.terraform.io, which needs network access.");
    say("tf:setup: to work offline, put the provider in a mirror (<root>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/) and run again with TF_PROVIDER_MIRROR=<root>.");
    return 0;
  }
  const file = writeMirrorCliConfig(root, mirror);
  say(`tf:setup: terraform ${tf.version}; hashicorp/aws ${AWS_PROVIDER_VERSION} from the mirror ${mirror}`);
  say(`tf:setup: wrote ${path.relative(process.cwd(), file) || file} (hashicorp/aws from the mirror; any other provider from the registry)`);
  say("tf:setup: `npm run cdktf -- <command>` uses it by itself; for terraform or npx cdktf in this shell:");
  console.log(`export TF_CLI_CONFIG_FILE=${file} CHECKPOINT_DISABLE=1`);
  return 0;
}

process.exit(main());
