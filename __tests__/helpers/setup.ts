// Wires cdktf's Jest matchers (toHaveResource, toHaveResourceWithProperties,
// ...) into vitest: Testing.setupJest() extends the global `expect`.
import { Testing } from "cdktf";
import { expect } from "vitest";

(globalThis as unknown as { expect: typeof expect }).expect = expect;
Testing.setupJest();

interface CdktfMatchers<R = unknown> {
  toHaveResource(resourceType: { tfResourceType: string }): R;
  toHaveResourceWithProperties(resourceType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toHaveDataSource(dataSourceType: { tfResourceType: string }): R;
  toHaveDataSourceWithProperties(dataSourceType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toHaveProvider(providerType: { tfResourceType: string }): R;
  toHaveProviderWithProperties(providerType: { tfResourceType: string }, properties: Record<string, unknown>): R;
  toBeValidTerraform(): R;
  toPlanSuccessfully(): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends CdktfMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}

// cdktf's toBeValidTerraform()/toPlanSuccessfully() run `terraform init` in
// the synthesized folder with this process's environment: point Terraform at
// the project's offline provider mirror (.tfcli/terraformrc, the same file
// `npm run tf:setup` writes), so the matchers work with no registry access.
// Where Terraform or the mirror is missing, the tests that need them fail
// with the harness's own message (scripts/lib/terraform-env.ts).
import * as path from "node:path";
import { prepareTerraformEnv } from "../../scripts/lib/terraform-env";
try {
  const tf = prepareTerraformEnv(path.resolve(__dirname, "..", ".."));
  process.env.TF_CLI_CONFIG_FILE = tf.env.TF_CLI_CONFIG_FILE;
  process.env.CHECKPOINT_DISABLE = "1";
} catch {
  // left as it is; see above
}
