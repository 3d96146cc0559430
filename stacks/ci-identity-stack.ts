import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { ValidConfig } from "../src/config";
import { CiIdentity } from "../src/ci/ci-identity";
import { CI_OUTPUTS } from "../src/ci/contract";
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
 */
export class CiIdentityStack extends TerraformStack {
  readonly identity: CiIdentity;

  constructor(scope: Construct, id: string, props: CiIdentityStackProps) {
    super(scope, id);
    const { config } = props;
    requireTerraformVersion(this);
    configureBackend(this, config, { stackName: id, stateHome: "secondary" });
    new AwsProvider(this, "Aws", { region: config.regions.secondary.region, defaultTags: [{ tags: managedTags(config, "global") }] });
    const account = new DataAwsCallerIdentity(this, "Account");
    const partition = new DataAwsPartition(this, "Partition");
    this.identity = new CiIdentity(this, "Ci", { config, applyStacks: props.applyStacks, partition: partition.partition, accountId: account.accountId });
    new TerraformOutput(this, CI_OUTPUTS.planRoleArn, { value: this.identity.planRoleArn, description: "Repository variable DRWEB_PLAN_ROLE_ARN: the plan role (pull requests, nightly drift)" });
    new TerraformOutput(this, CI_OUTPUTS.applyRoleArn, { value: this.identity.applyRoleArn, description: "Repository variable DRWEB_APPLY_ROLE_ARN: the apply role (apply-<stack> environments only)" });
    new TerraformOutput(this, CI_OUTPUTS.oidcProviderArn, { value: this.identity.oidcProviderArn, description: "GitHub Actions' OIDC provider in IAM" });
  }
}
