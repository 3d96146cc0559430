import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../src/config";

export interface BackendPlacement {
  /** Stack name; the state key is <keyPrefix>/<stackName>.tfstate. */
  readonly stackName: string;
  /**
   * Which region's state bucket holds this stack's state. Stacks needed
   * during a failover (secondary, secondary-monitoring, dns, dns-zone) use
   * "secondary" so their state is readable while the primary region is
   * down; dns-alarms keeps its state with the other global stacks.
   */
  readonly stateHome: RegionRole;
}

/**
 * Configures the stack's backend from config: local files by default (so
 * synth and plan work anywhere), or S3 with native S3 locking.
 */
export function configureBackend(stack: TerraformStack, config: ValidConfig, placement: BackendPlacement, projectRoot: string): void {
  const backend = config.backend;
  if (backend.type === "local") {
    new LocalBackend(stack, { path: path.join(projectRoot, `terraform.${placement.stackName}.tfstate`) });
    return;
  }
  const bucket = placement.stateHome === "primary" ? backend.primaryBucket : backend.secondaryBucket;
  new S3Backend(stack, {
    bucket: bucket.bucket,
    region: bucket.region,
    key: `${backend.keyPrefix}/${placement.stackName}.tfstate`,
    encrypt: true,
  });
  enableS3NativeLocking(stack);
}

/**
 * Escape hatch: cdktf 0.21's S3BackendConfig predates `use_lockfile`
 * (Terraform >= 1.10 S3-native locking, replacing the DynamoDB lock table),
 * so it is set as a raw override.
 */
function enableS3NativeLocking(stack: TerraformStack): void {
  stack.addOverride("terraform.backend.s3.use_lockfile", true);
}

/**
 * Escape hatch: cdktf has no API for `terraform.required_version`. 1.11 is
 * the first release with write-only arguments (`password_wo`,
 * `secret_string_wo`: Terraform 1.11 release notes, "Write-only arguments"),
 * which the stacks use for every secret; S3-native state locking
 * (use_lockfile) came in 1.10.
 */
export function requireTerraformVersion(stack: TerraformStack, constraint = ">= 1.11"): void {
  stack.addOverride("terraform.required_version", constraint);
}
