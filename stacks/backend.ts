import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
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
 * Where the local backend keeps a stack's state, relative to the stack's
 * folder (cdktf.out/stacks/<stack>, where Terraform runs: cdktf-cli's
 * manifest.json `workingDirectory`; Terraform resolves a relative local
 * `path` against its working directory): `terraform.<stack>.tfstate` beside
 * the output folder, i.e. in the project root for the default
 * `cdktf.out` — the same file the earlier absolute path named.
 * Not an absolute path of the synth machine (cdktf's default,
 * `path.join(process.cwd(), ...)`), so the synthesized JSON is the same on
 * every machine and a copy of cdktf.out finds its state beside the copy.
 * Not inside the stack folder either: that folder is generated output, and
 * cdktf-cli deletes a stack folder whose stack a synth no longer produces
 * (@cdktf/cli-core synth-stack.js, "orphanedDirectories" -> fs.rmSync), e.g.
 * dns-zone after dns.createZone is turned off.
 */
export function localStatePath(stackName: string): string {
  return `../../../terraform.${stackName}.tfstate`;
}

/**
 * Configures the stack's backend from config: local files by default (so
 * synth and plan work anywhere), or S3 with native S3 locking.
 */
export function configureBackend(stack: TerraformStack, config: ValidConfig, placement: BackendPlacement): void {
  const backend = config.backend;
  if (backend.type === "local") {
    new LocalBackend(stack, { path: localStatePath(placement.stackName) });
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
