import { Construct } from "constructs";
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { ValidConfig } from "../config";
import { applySubjects, CI_ROLE_TAG, ciRoleName, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, GITHUB_OIDC_URL, planSubjects, type CiRole } from "./contract";
import { applyPolicies, planPolicies, type CiPolicy } from "./permissions";

export interface CiIdentityProps {
  /** The validated configuration (ci.enabled, with ci.githubRepository). */
  readonly config: ValidConfig;
  /** The stacks the apply role may deploy: one `apply-<stack>` environment each. */
  readonly applyStacks: readonly string[];
  /** Expression of the account's partition. */
  readonly partition: string;
  /** Expression of the account id. */
  readonly accountId: string;
}

/**
 * The trust policy of a CI role: web identity from GitHub's OIDC provider,
 * the audience and the subjects compared exactly (StringEquals; IAM's
 * condition keys for an OIDC provider are <host>:aud and <host>:sub: IAM
 * User Guide, "Available keys for AWS web identity federation"; GitHub
 * Docs, "Configuring OpenID Connect in Amazon Web Services", which asks for
 * both conditions).
 */
export function githubTrustStatement(providerArn: string, subjects: readonly string[]): DataAwsIamPolicyDocumentStatement {
  return {
    sid: "GitHubActionsOfOneRepository",
    actions: ["sts:AssumeRoleWithWebIdentity"],
    principals: [{ type: "Federated", identifiers: [providerArn] }],
    condition: [
      { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:aud`, values: [GITHUB_OIDC_AUDIENCE] },
      { test: "StringEquals", variable: `${GITHUB_OIDC_HOST}:sub`, values: [...subjects] },
    ],
  };
}

/**
 * GitHub Actions' OIDC provider in IAM and the two roles the delivery
 * pipeline assumes: plan (read-only: pull requests and the nightly run on
 * main) and apply (the `apply-<stack>` environments only).
 */
export class CiIdentity extends Construct {
  readonly oidcProviderArn: string;
  readonly planRoleArn: string;
  readonly applyRoleArn: string;
  private readonly config: ValidConfig;

  constructor(scope: Construct, id: string, props: CiIdentityProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    if (config.ci.createOidcProvider) {
      // thumbprint_list is optional in the pinned hashicorp/aws 5.100.0
      // (Optional+Computed in its schema: @cdktf/provider-aws 20.1.0
      // IamOpenidConnectProviderConfig.thumbprintList?), and IAM does not
      // use it for GitHub: "AWS secures communication with OIDC identity
      // providers (IdPs) using our library of trusted root certificate
      // authorities (CAs) to verify the JSON Web Key Set (JWKS) endpoint's
      // TLS certificate" (IAM API Reference, CreateOpenIDConnectProvider,
      // ThumbprintList optional; IAM User Guide, "Create an OpenID Connect
      // (OIDC) identity provider in IAM"). None is given: a pinned
      // thumbprint would be one more thing to rotate for nothing.
      const provider = new IamOpenidConnectProvider(this, "GitHubOidc", { url: GITHUB_OIDC_URL, clientIdList: [GITHUB_OIDC_AUDIENCE] });
      this.oidcProviderArn = provider.arn;
    } else {
      this.oidcProviderArn = new DataAwsIamOpenidConnectProvider(this, "GitHubOidc", { url: GITHUB_OIDC_URL }).arn;
    }
    const scope_ = { config, partition: props.partition, accountId: props.accountId, oidcProviderArn: this.oidcProviderArn };
    this.planRoleArn = this.role("Plan", "plan", planSubjects(config), planPolicies(scope_), 3600, "CI plan (read-only): pull requests and the nightly drift check of " + config.ci.githubRepository);
    this.applyRoleArn = this.role("Apply", "apply", applySubjects(config, props.applyStacks), applyPolicies(scope_), config.ci.applyMaxSessionSeconds, "CI apply: the apply-<stack> environments of " + config.ci.githubRepository);
  }

  private role(id: string, kind: CiRole, subjects: string[], policies: CiPolicy[], maxSession: number, description: string): string {
    const scope = new Construct(this, id);
    const name = ciRoleName(this.config, kind);
    const trust = new DataAwsIamPolicyDocument(scope, "Trust", { statement: [githubTrustStatement(this.oidcProviderArn, subjects)] });
    const role = new IamRole(scope, "Role", { name, description, assumeRolePolicy: trust.json, maxSessionDuration: maxSession, tags: { [CI_ROLE_TAG]: kind } });
    for (const p of policies) {
      const doc = new DataAwsIamPolicyDocument(scope, `Doc-${p.suffix}`, { statement: p.statements });
      const policy = new IamPolicy(scope, `Policy-${p.suffix}`, { name: `${name}-${p.suffix}`, description: p.description, policy: doc.json, tags: { [CI_ROLE_TAG]: kind } });
      new IamRolePolicyAttachment(scope, `Attach-${p.suffix}`, { role: role.name, policyArn: policy.arn });
    }
    return role.arn;
  }
}
