import type { ValidConfig } from "../config";
import { hasDnsZoneStack } from "../dns/contract";

/**
 * The `cdktf deploy` commands the runbook prints, written so that they run
 * as printed in the DR state where they are given.
 *
 * cdktf-cli 0.21 refuses a deploy whose named stacks depend on a stack that
 * is not named: "The following dependencies are not included in the stacks
 * to run: ... Either add them or add the --ignore-missing-stack-dependencies
 * flag." (node_modules/@cdktf/cli-core/src/lib/helpers/stack-helpers.js,
 * checkIfAllDependenciesAreIncluded, called by CdktfProject.deploy in
 * cdktf-project.js unless the flag is given). The dependencies are the
 * `dependencies` of each stack in cdktf.out/manifest.json, written from
 * stack.addDependency (stacks/app.ts). `cdktf diff` does not check them.
 *
 * With the flag, cdktf-cli also drops the ordering: it runs the named stacks
 * in the order given, all at once (--parallelism defaults to -1, unlimited),
 * so the flag is used only for one stack, or for stacks that do not depend
 * on each other (__tests__/docs/deploy-commands.test.ts checks both).
 */

/** Flag that deploys only the named stack(s), not checking their dependencies. */
export const ONLY_THESE_STACKS = "--ignore-missing-stack-dependencies";

/**
 * Deploys exactly one stack, deliberately without the stacks it depends on.
 * Used mid-incident: the dependencies are already deployed, and what the
 * command changes does not need them redeployed (the reason is given where
 * it is used).
 */
export function deployOnly(stack: string): string {
  return `npx cdktf deploy ${stack} ${ONLY_THESE_STACKS}`;
}

/**
 * Deploys the regional stacks in dependency order with what they depend on:
 * the dns-zone stack when the config has one (its ACM validation record and
 * zone do not change with the DR state, so its deploy plans no change).
 */
export function deployWithDependencies(config: ValidConfig, stacks: readonly string[]): string {
  return `npx cdktf deploy ${[...(hasDnsZoneStack(config) ? ["dns-zone"] : []), ...stacks].join(" ")}`;
}
