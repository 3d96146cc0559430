/**
 * The names the delivery pipeline (.github/workflows, scripts/ci/) and the
 * ci-identity stack agree on. Change them here and in the workflows together.
 */
import type { ValidConfig } from "../config";
import { Naming } from "../lib/naming";

/** GitHub Actions' OIDC issuer (GitHub Docs, "Configuring OpenID Connect in Amazon Web Services": provider URL). */
export const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";
/** The issuer's host: the prefix of the `aud` and `sub` condition keys IAM offers for it. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub for (and the provider's client id). */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** The stack's outputs the workflows' setup reads (docs/ci-identity.md "CI identity"). */
export const CI_OUTPUTS = { planRoleArn: "plan_role_arn", applyRoleArn: "apply_role_arn", oidcProviderArn: "oidc_provider_arn" } as const;

/** Repository variables the workflows read (Settings > Secrets and variables > Actions > Variables). */
export const CI_REPOSITORY_VARIABLES = {
  /** The plan role's ARN (output plan_role_arn). */
  planRoleArn: "DRWEB_PLAN_ROLE_ARN",
  /** The apply role's ARN (output apply_role_arn). */
  applyRoleArn: "DRWEB_APPLY_ROLE_ARN",
  /** Region of the STS calls and of `dr status` (the secondary region: it answers while the primary is down). */
  awsRegion: "DRWEB_AWS_REGION",
} as const;

/** Value of a role's `ci-role` tag: what the policy rules tell the two roles apart by. */
export type CiRole = "plan" | "apply";
export const CI_ROLE_TAG = "ci-role";

/** The GitHub environment an apply job of `stack` runs in: `apply-<stack>`, one per stack. */
export function applyEnvironment(stack: string): string {
  return `apply-${stack}`;
}

/** IAM role names: `<project>-<environment>-ci-plan` / `-ci-apply` (global; the account may hold other environments'). */
export function ciRoleName(config: ValidConfig, role: CiRole): string {
  return `${ciNamePrefix(config)}-${role}`;
}

/** Prefix of every IAM name of the CI identity (roles, policies): the apply role may not touch these. */
export function ciNamePrefix(config: ValidConfig): string {
  return `${projectBase(config)}-ci`;
}

/** `<project>-<environment>`: the prefix of every name the stacks give (src/lib/naming.ts). */
export function projectBase(config: ValidConfig): string {
  return new Naming(config.project, config.environment, config.regions.primary.region).base;
}

/**
 * The `sub` claims GitHub puts in a job's token (GitHub Docs, "OpenID
 * Connect reference", subject claims): a job with an environment gets
 * `repo:<owner>/<name>:environment:<env>` whatever the event; otherwise a
 * pull_request event gets `repo:<owner>/<name>:pull_request`, and a push or
 * schedule on a branch `repo:<owner>/<name>:ref:refs/heads/<branch>`
 * (scheduled workflows run on the default branch).
 */
export const githubSubject = {
  pullRequest: (repo: string) => `repo:${repo}:pull_request`,
  branch: (repo: string, branch: string) => `repo:${repo}:ref:refs/heads/${branch}`,
  environment: (repo: string, env: string) => `repo:${repo}:environment:${env}`,
};

/** The default branch the nightly drift check runs on (GitHub runs scheduled workflows there). */
export const MAIN_BRANCH = "main";

/** Subjects the plan role trusts: pull requests (or ci.planEnvironment instead) and the nightly run on main. */
export function planSubjects(config: ValidConfig): string[] {
  const repo = requireRepository(config);
  const pr = config.ci.planEnvironment ? githubSubject.environment(repo, config.ci.planEnvironment) : githubSubject.pullRequest(repo);
  return [pr, githubSubject.branch(repo, MAIN_BRANCH)];
}

/** Subjects the apply role trusts: only the apply jobs' environments, one per stack. */
export function applySubjects(config: ValidConfig, stacks: readonly string[]): string[] {
  const repo = requireRepository(config);
  return stacks.map((s) => githubSubject.environment(repo, applyEnvironment(s)));
}

function requireRepository(config: ValidConfig): string {
  const repo = config.ci.githubRepository;
  if (!repo) throw new Error("ci.githubRepository: missing (the config check requires it when ci.enabled)");
  return repo;
}
