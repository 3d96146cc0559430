import { policyStatements } from "../context";
import { COMPLIANT, fail, NOT_APPLICABLE, type ResourceRule } from "../types";

/** GitHub Actions' OIDC issuer host: the prefix of IAM's aud and sub condition keys for it. */
const GITHUB_HOST = "token.actions.githubusercontent.com";

/** The condition values of `variable` under `test` in a trust statement. */
function values(statement: any, test: string, variable: string): string[] | undefined {
  const c = ((statement.condition ?? []) as any[]).find((x) => x.test === test && x.variable === variable);
  return c ? ([] as string[]).concat(c.values ?? []) : undefined;
}

/**
 * A role that trusts GitHub's OIDC provider names the audience and the
 * exact repository subjects: without a `sub` condition any repository on
 * GitHub could assume it (GitHub Docs, "Configuring OpenID Connect in
 * Amazon Web Services": "add the sub condition ... to limit which
 * repositories can assume the role"; IAM User Guide, "Create a role for
 * OpenID Connect federation": the aud and sub keys of the provider).
 * StringEquals only, so no value is a pattern; a role tagged ci-role=apply
 * trusts only environment subjects (a protected environment is the review
 * gate of an apply).
 */
export const ciOidcTrust: ResourceRule = {
  kind: "resource",
  id: "ci-oidc-trust",
  description: "A role GitHub Actions can assume pins aud = sts.amazonaws.com and exact repo:<owner>/<name>:... subjects (StringEquals, no wildcard); an apply role only environment subjects",
  fix: "use githubTrustStatement (src/ci/ci-identity.ts): StringEquals on token.actions.githubusercontent.com:aud and :sub with repo:<owner>/<name>:pull_request, :ref:refs/heads/main or :environment:<name>",
  resourceTypes: ["aws_iam_role"],
  check(r, ctx) {
    const statements = policyStatements(ctx, r.stack, r.config.assume_role_policy);
    const raw = statements ?? parsed(r.config.assume_role_policy);
    // A federated principal is GitHub's when it names the issuer, or is a
    // reference to an aws_iam_openid_connect_provider (resource or data
    // source) of GitHub's URL.
    const isGitHub = (id: unknown) => {
      if (String(id).includes(GITHUB_HOST)) return true;
      const provider = ctx.deref(r.stack, id);
      return provider !== undefined && String(provider.config.url ?? "").includes(GITHUB_HOST);
    };
    const github = raw.filter((s) => (s.effect ?? "Allow") === "Allow" && ((s.principals ?? []) as any[]).some((p) => p.type === "Federated" && ([] as string[]).concat(p.identifiers).some(isGitHub)));
    if (!github.length) return NOT_APPLICABLE;
    const apply = r.config.tags?.["ci-role"] === "apply";
    for (const s of github) {
      const aud = values(s, "StringEquals", `${GITHUB_HOST}:aud`);
      if (!aud || aud.length !== 1 || aud[0] !== "sts.amazonaws.com") return fail(`the trust does not pin ${GITHUB_HOST}:aud to sts.amazonaws.com with StringEquals`);
      const loose = ((s.condition ?? []) as any[]).find((c) => c.variable === `${GITHUB_HOST}:sub` && c.test !== "StringEquals");
      if (loose) return fail(`${GITHUB_HOST}:sub is compared with ${loose.test}, which takes patterns`);
      const sub = values(s, "StringEquals", `${GITHUB_HOST}:sub`);
      if (!sub || sub.length === 0) return fail(`no ${GITHUB_HOST}:sub condition: any GitHub repository's workflow could assume the role`);
      const bad = sub.find((v) => !/^repo:[A-Za-z0-9-]+\/[A-Za-z0-9._-]+:(pull_request|ref:refs\/heads\/[^*?]+|environment:[^*?:]+)$/.test(v));
      if (bad) return fail(`subject "${bad}" is not one exact repository's pull_request, branch or environment`);
      const repos = new Set(sub.map((v) => v.split(":")[1]));
      if (repos.size > 1) return fail(`subjects of several repositories (${[...repos].join(", ")})`);
      if (apply) {
        const notEnv = sub.find((v) => !v.split(":").slice(2).join(":").startsWith("environment:"));
        if (notEnv) return fail(`the apply role trusts "${notEnv}", which no environment's protection rules gate`);
      }
    }
    return COMPLIANT;
  },
};

function parsed(policy: unknown): any[] {
  try {
    const doc = JSON.parse(String(policy));
    return ([] as any[]).concat(doc.Statement ?? []).map((s: any) => ({
      effect: s.Effect,
      principals: Object.entries(s.Principal ?? {}).map(([type, identifiers]) => ({ type, identifiers })),
      condition: Object.entries(s.Condition ?? {}).flatMap(([test, kv]) => Object.entries(kv as Record<string, unknown>).map(([variable, v]) => ({ test, variable, values: v }))),
    }));
  } catch {
    return [];
  }
}
