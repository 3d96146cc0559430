import type { ValidConfig } from "../config";

/**
 * Tags every stack puts on all its resources (provider default tags): the
 * config's extra tags, then the managed ones, which always win.
 * @param drRole "primary", "secondary" or "global" (Route53 stacks).
 */
export function managedTags(config: ValidConfig, drRole: string): Record<string, string> {
  return { ...config.tags, project: config.project, environment: config.environment, "dr-role": drRole, "managed-by": "cdktf" };
}
