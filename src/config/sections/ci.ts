/**
 * The config's ci section: the CI identity (GitHub Actions OIDC, plan and apply roles).
 */
import { z } from "zod";

export const ciSchema = z.strictObject({
  /** Build the ci-identity stack. */
  enabled: z.boolean(),
  /**
   * The GitHub repository whose workflows may assume the roles, as
   * "owner/name" exactly as GitHub spells it (the token's `sub` claim
   * compares case-sensitively with StringEquals); both parts are checked against GitHub's naming rules.
   * @default - none; required when enabled
   */
  githubRepository: z.string().optional(),
  /**
   * A GitHub environment the plan jobs of pull requests run in. Set: the
   * plan role trusts `environment:<it>` instead of every pull request
   * (protect it with required reviewers: a pull request's workflow can
   * print what the plan role may read). Nightly plans on main are trusted either way.
   * @default - pull requests of the repository (`sub` repo:<owner>/<name>:pull_request)
   */
  planEnvironment: z.string().optional(),
  /**
   * Create the account's GitHub OIDC provider (IAM holds one provider per
   * URL and account): false looks up the one that exists instead (e.g.
   * made by another project), by its URL (token.actions.githubusercontent.com).
   */
  createOidcProvider: z.boolean(),
  /**
   * Longest session of the apply role (seconds, 3600-43200): an apply of
   * a regional stack (RDS, EKS) takes longer than an hour.
   */
  applyMaxSessionSeconds: z.number().int().min(3600, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }).max(43200, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }),
});
