import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { ValidConfig } from "../src/config";
import { CiIdentity } from "../src/ci/ci-identity";
import { CI_OUTPUTS } from "../src/ci/contract";
import { RUNBOOK_ROLE_OUTPUT, RunbookRole } from "../src/dr/runbook-role";
import { managedTags } from "../src/lib/tags";
import { configureBackend, requireTerraformVersion } from "./backend";

export interface CiIdentityStackProps {
  readonly config: ValidConfig;
  /** The stacks the pipeline applies (every other stack of the app): one apply-<stack> environment each. */
  readonly applyStacks: readonly string[];
}

/**
 * The delivery pipeline's AWS identity (docs/ci-identity.md "CI identity"): GitHub's
 * OIDC provider and the plan and apply roles. IAM is global: the only
 * provider is the secondary region, the state is with the dns stacks' (the
 * secondary's bucket), so nothing of it needs the primary region. Created
 * once by hand (`npx cdktf deploy ci-identity`); the pipeline never applies
 * it (the apply role is denied every IAM action on it).
 *
 * It also owns the account's other hand-made identity, the `dr` runbook's role
 * (runbook.role.enabled; src/dr/runbook-role.ts): the stack is built when
 * either is on, and holds only what is on.
 */
export class CiIdentityStack extends TerraformStack {
  /** The CI identity (with ci.enabled). */
  readonly identity?: CiIdentity;
  /** The runbook's role (with runbook.role.enabled). */
  readonly runbookRole?: RunbookRole;

  constructor(scope: Construct, id: string, props: CiIdentityStackProps) {
    super(scope, id);
    const { config } = props;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" });
    new AwsProvider(this, "Aws", { region: config.regions.secondary.region, defaultTags: [{ tags: managedTags(config, "global") }] });
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    if (config.ci.enabled) {
      const identity = new CiIdentity(this, "Ci", { config, applyStacks: props.applyStacks, partition: partition.partition, accountId: account.accountId });
      this.identity = identity;
      new TerraformOutput(this, CI_OUTPUTS.planRoleArn, { value: identity.planRoleArn, description: "Repository variable DRWEB_PLAN_ROLE_ARN: the plan role (pull requests, nightly drift)" });
      new TerraformOutput(this, CI_OUTPUTS.applyRoleArn, { value: identity.applyRoleArn, description: "Repository variable DRWEB_APPLY_ROLE_ARN: the apply role (apply-<stack> environments only)" });
      new TerraformOutput(this, CI_OUTPUTS.oidcProviderArn, { value: identity.oidcProviderArn, description: "GitHub Actions' OIDC provider in IAM" });
    }
    if (config.runbook.role.enabled) {
      this.runbookRole = new RunbookRole(this, "Runbook", { config, partition: partition.partition, accountId: account.accountId });
      new TerraformOutput(this, RUNBOOK_ROLE_OUTPUT, { value: this.runbookRole.roleArn, description: "runbook.roleArn: the role operators assume to run dr (docs/dr-runbook.md, \"The runbook role\")" });
    }
  }
}
