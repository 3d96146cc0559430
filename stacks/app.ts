import type { App } from "cdktf";
import { REGION_ROLES, type RegionRole, type ValidConfig } from "../src/config";
import * as path from "node:path";
import { loadAppBundle } from "../src/web/app-bundle";
import { RegionalStack } from "./regional-stack";

/** Stack names: one cdktf.out/stacks/<name> each. */
export const STACK_NAMES = {
  primary: "primary",
  secondary: "secondary",
} as const satisfies Record<RegionRole, string>;

export interface DrApp {
  readonly regional: Readonly<Record<RegionRole, RegionalStack>>;
}

/**
 * Wires every stack of the DR deployment into the app. Shared by main.ts and
 * the tests, so tests synthesize exactly what `cdktf synth` does.
 */
export function buildApp(app: App, config: ValidConfig, projectRoot: string): DrApp {
  const appBundle = loadAppBundle(path.join(projectRoot, "webapp"));
  const regional = Object.fromEntries(
    REGION_ROLES.map((role) => [role, new RegionalStack(app, STACK_NAMES[role], { config, role, projectRoot, appBundle })]),
  ) as Record<RegionRole, RegionalStack>;
  // Deploy order follows replication in the current DR state (a replica
  // needs its source); no state is read across stacks.
  for (const stack of Object.values(regional)) {
    if (stack.replicatesFrom) stack.addDependency(regional[stack.replicatesFrom]);
  }
  return { regional };
}
