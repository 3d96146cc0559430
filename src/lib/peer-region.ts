import type { Construct } from "constructs";
import { TerraformDataSource, TerraformResource, type TerraformProvider } from "cdktf";

/**
 * Data sources the AWS provider computes without calling AWS: they may stay
 * on the provider of an unreachable region. aws_iam_policy_document builds
 * the policy JSON from its arguments (the offline plan runs it for real with
 * every endpoint of that region refusing connections: `npm run plan:offline`,
 * transition peer-down-primary).
 */
export const LOCAL_DATA_SOURCES: ReadonlySet<string> = new Set(["aws_iam_policy_document"]);

/** What a stack holds in a region it cannot reach. */
export interface PeerRegionHold {
  /** The unreachable region. */
  readonly region: string;
  /** Terraform addresses of its resources there, kept as the state has them (lifecycle ignore_changes = all). */
  readonly held: readonly string[];
}

/**
 * Holds every managed resource of `scope` that `provider` (the unreachable
 * region's) manages as the state has it: `lifecycle { ignore_changes = all }`.
 * Terraform then never proposes an update to them ("the special keyword
 * `all` may be used to instruct Terraform to ignore all attributes, which
 * means that Terraform can create and destroy the remote object but will
 * never propose updates to it": Terraform v1.11 docs, language/meta-arguments/lifecycle),
 * and for providers on the legacy SDK (hashicorp/aws) it also reverts what the
 * provider itself changes in the plan, e.g. tags_all after a default_tags
 * change (hashicorp/terraform v1.11.4 internal/terraform/node_resource_abstract_instance.go,
 * plan(): "if resp.LegacyTypeSystem { ... processIgnoreChanges(unmarkedPriorVal,
 * plannedNewVal, nil)", which returns the prior value for `all`).
 *
 * ignore_changes does not stop Terraform from REFRESHING them (a read in that
 * region on every plan): the switch's procedure plans with -refresh=false.
 * It does not stop a destroy either: nothing here removes them from the
 * configuration.
 *
 * A data source on that provider would be read on every plan, refresh or not
 * (hashicorp/terraform v1.11.4 internal/terraform/node_resource_plan_instance.go,
 * dataResourceExecute: planDataSource has no skipRefresh), so one that calls
 * AWS is a programming error here.
 * @throws Error naming a data source that would read the unreachable region
 */
export function holdPeerRegion(scope: Construct, provider: TerraformProvider, region: string): PeerRegionHold {
  const held: string[] = [];
  for (const c of scope.node.findAll()) {
    if (c instanceof TerraformDataSource && c.provider === provider && !LOCAL_DATA_SOURCES.has(c.terraformResourceType)) {
      throw new Error(
        `data.${c.terraformResourceType}.${c.friendlyUniqueId} (${c.node.path}) reads ${region}, which is marked unreachable (regions.secondary.unreachable): ` +
          "it would fail every plan. Fix: take the value from this stack's own region while the switch is on (see stacks/regional-stack.ts)",
      );
    }
    if (c instanceof TerraformResource && c.provider === provider) {
      c.lifecycle = { ...(c.lifecycle ?? {}), ignoreChanges: "all" };
      held.push(`${c.terraformResourceType}.${c.friendlyUniqueId}`);
    }
  }
  return { region, held: held.sort() };
}
