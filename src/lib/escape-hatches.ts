import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";

/**
 * Escape hatch: cdktf 0.21 has no API for Terraform ephemeral resources
 * (Terraform >= 1.10), so the block is written into the stack's JSON. An
 * ephemeral value is never stored in state or plan; it may flow only into
 * write-only arguments (`password_wo`, `secret_string_wo`).
 * @returns a Terraform expression for the given attribute of the resource.
 */
export function ephemeralResource(scope: Construct, type: string, name: string, config: Record<string, unknown>, attribute: string): string {
  TerraformStack.of(scope).addOverride(`ephemeral.${type}.${name}`, config);
  return `ephemeral.${type}.${name}.${attribute}`;
}
