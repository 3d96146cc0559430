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

/**
 * Escape hatch: cdktf 0.21 has no API for Terraform's `removed` block
 * (Terraform >= 1.7). With `destroy = false` Terraform forgets each resource
 * at `addresses` (drops it from this stack's state) without destroying it,
 * so another stack can own what this one used to manage. A block whose
 * address is not in state does nothing. Call once per stack (it sets the
 * stack's whole `removed` list).
 */
export function forgetWithoutDestroying(stack: TerraformStack, addresses: readonly string[]): void {
  stack.addOverride(
    "removed",
    addresses.map((from) => ({ from, lifecycle: { destroy: false } })),
  );
}
