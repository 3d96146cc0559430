/**
 * Checks of the backend section: the state key prefix.
 */
import { crossIssue, type Ctx } from "./issues";

/** The state key prefix when none is configured: project and environment, so environments never share state. */
export function defaultKeyPrefix(cfg: { project: string; environment: string }): string {
  return `${cfg.project}/${cfg.environment}`;
}

/** Environment names the state key check recognizes in a key prefix. */
export const ENVIRONMENT_WORDS = ["prod", "production", "prd", "live", "staging", "stage", "stg", "preprod", "dev", "development", "test", "testing", "qa", "uat", "sandbox", "demo"];

/**
 * A state key prefix that names ANOTHER environment would make this
 * environment plan against (and then overwrite) that environment's state.
 */
export function checkStateKeyPrefix(cfg: { project: string; environment: string }, prefix: string | undefined, ctx: Ctx): void {
  if (prefix === undefined) return;
  const words = prefix.toLowerCase().split(/[\/._-]+/);
  if (words.includes(cfg.environment.toLowerCase())) return;
  const other = words.find((w) => ENVIRONMENT_WORDS.includes(w));
  if (other) {
    crossIssue(
      ctx,
      ["backend", "keyPrefix"],
      `"${prefix}" names the environment "${other}", but environment is "${cfg.environment}": this environment would read and overwrite ${other}'s state. Fix: remove backend.keyPrefix to use the default "${defaultKeyPrefix(cfg)}", or use a prefix that names ${cfg.environment}`,
      [["environment"]],
    );
  }
}
