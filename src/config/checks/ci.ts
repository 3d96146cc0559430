/**
 * Checks of the ci section (GitHub repository and environments) and of the
 * runbook role's trusted principals.
 */
import type { CheckedConfig } from "../base-schema";
import type { Ctx } from "./issues";

/**
 * GitHub's rules for the parts of "owner/name": an account or organization
 * name is 1-39 letters, digits or single hyphens, not starting or ending
 * with one; a repository name is 1-100 letters, digits, ".", "_" or "-",
 * and not "." or "..". Used verbatim in the OIDC token's `sub` claim
 * (GitHub Docs, "OpenID Connect reference", sub: repo:<owner>/<name>:...).
 */
export const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
export const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** A GitHub environment name as it appears in `sub` (environment:<name>): no ":" (the claim's separator) and no wildcard. */
export const GITHUB_ENVIRONMENT = /^[A-Za-z0-9._ -]{1,255}$/;

export function checkCi(cfg: CheckedConfig, ctx: Ctx): void {
  const ci = cfg.ci;
  if (!ci.enabled) return;
  const repo = ci.githubRepository;
  if (repo === undefined || repo === "") {
    ctx.addIssue({ code: "custom", path: ["ci", "githubRepository"], params: { uses: [["ci", "enabled"]] }, message: 'missing: the roles trust the workflows of one repository. Fix: set it to "owner/name" as GitHub spells it, e.g. "acme/drweb" (or ci.enabled: false)' });
  } else {
    const parts = repo.split("/");
    const problem =
      parts.length !== 2
        ? "is not owner/name (exactly one \"/\")"
        : !GITHUB_OWNER.test(parts[0])
          ? `has an owner "${parts[0]}" GitHub does not allow (1-39 letters, digits or single hyphens, not at either end)`
          : !GITHUB_REPO.test(parts[1]) || parts[1] === "." || parts[1] === ".."
            ? `has a repository name "${parts[1]}" GitHub does not allow (1-100 letters, digits, ".", "_" or "-")`
            : undefined;
    if (problem) {
      ctx.addIssue({ code: "custom", path: ["ci", "githubRepository"], message: `"${repo}" ${problem}; it becomes the OIDC token's sub (repo:<owner>/<name>:...), which the trust policy compares exactly. Fix: give "owner/name" as in the repository's URL, e.g. "acme/drweb"` });
    }
  }
  if (ci.planEnvironment !== undefined && !GITHUB_ENVIRONMENT.test(ci.planEnvironment)) {
    ctx.addIssue({ code: "custom", path: ["ci", "planEnvironment"], message: `"${ci.planEnvironment}" cannot be matched exactly in the token's sub (environment:<name>): use 1-255 letters, digits, ".", "_", "-" or spaces (no ":" or "*"). Fix: e.g. "plan"` });
  } else if (ci.planEnvironment?.startsWith("apply-")) {
    ctx.addIssue({ code: "custom", path: ["ci", "planEnvironment"], message: `"${ci.planEnvironment}" is an apply job's environment (apply-<stack>): the plan role would be trusted where the apply role is. Fix: use another name, e.g. "plan"` });
  }
}

/** An IAM principal a trust policy can name: a user, a role (paths allowed) or an account root (IAM User Guide, "IAM identifiers", ARNs). */
export const TRUSTED_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(root|user\/[\w+=,.@\/-]+|role\/[\w+=,.@\/-]+)$/;

/** runbook.role (src/dr/runbook-role.ts): who may assume it. */
export function checkRunbookRole(cfg: CheckedConfig, ctx: Ctx): void {
  const r = cfg.runbook.role;
  r.trustedPrincipalArns.forEach((arn, i) => {
    if (!TRUSTED_PRINCIPAL.test(arn)) {
      ctx.addIssue({
        code: "custom",
        path: ["runbook", "role", "trustedPrincipalArns", i],
        message: `"${arn}" is not an IAM user, role or account-root ARN (an assumed-role session or a group cannot be trusted). Fix: give arn:aws:iam::<12-digit account>:role/<name>, arn:aws:iam::<account>:user/<name> or arn:aws:iam::<account>:root`,
      });
    }
  });
  if (!r.enabled) return;
  if (r.trustedPrincipalArns.length === 0) {
    ctx.addIssue({ code: "custom", path: ["runbook", "role", "trustedPrincipalArns"], params: { uses: [["runbook", "role", "enabled"]] }, message: "missing: nobody could assume the runbook role. Fix: list the IAM ARNs of the operators' roles or users, e.g. [\"arn:aws:iam::123456789012:role/oncall\"] (or runbook.role.enabled: false)" });
  }
  // The role's name, <project>-<environment>-dr-runbook, fits IAM's 64 characters by construction: project and
  // environment are at most 21 characters each (54 at most; IAM User Guide, "IAM and AWS STS quotas": role name 64).
}
