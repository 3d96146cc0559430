// Wires cdktf's Jest matchers (toHaveResource, toHaveResourceWithProperties,
// ...) into vitest: Testing.setupJest() extends the global `expect`.
import { createRequire } from "node:module";
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

// cdktf records the full stack (unlimited depth) of every token it creates,
// for error messages about that token only (cdktf/lib/tokens/private/
// stack-trace.js, called by Intrinsic, Lazy, ... constructors). Under vitest
// every captured stack is formatted through vitest's source-map-aware stack
// handling, which made each synthesis of the app ~0.9 s instead of ~0.3 s
// (measured here with three configs each way). The tests do not read
// creation stacks, and the synthesized JSON does not contain them:
// __tests__/scripts/synth-launcher.test.ts compares this process's output
// with the bundled app's (full stacks) byte for byte. The app as users run it
// is unchanged.
const cdktfStackTrace = createRequire(__filename)("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace: () => string[] };
cdktfStackTrace.captureStackTrace = () => [];
