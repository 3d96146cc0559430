/**
 * The primary deployed while the secondary region is down
 * (regions.secondary.unreachable; docs/deploy-and-state.md "Deploying the primary while the
 * secondary region is down"), and the way back, in the offline plan.
 *
 * In the checks marked `unreachableRegion`, every endpoint of the primary
 * stack's provider in that region refuses connections (REFUSED_ENDPOINT),
 * in every run, and the final plan has no override_data for the data
 * sources there: whatever the plan would read or write there fails, as in
 * the outage.
 */
import { deepMerge, resolveConfig, type ValidConfig } from "../../src/config";
import type { ChangeRule } from "./expectations";
import type { DrStateDef, PeerStateId, TransitionDef } from "./scenario-model";
import type { PlanResourceChange } from "./types";

export type { PeerStateId };

/**
 * A fix to deploy while the secondary region is down, chosen because it
 * reaches both regions: kms.deletionWindowDays is an argument of the
 * primary region's key and of the secret replica's key in the secondary
 * region (a Terraform-only value: the provider sends it only with
 * ScheduleKeyDeletion).
 */
function fixedWindow(normal: ValidConfig): number {
  return normal.kms.deletionWindowDays === 7 ? 8 : 7;
}

/** The two configs of these checks, from the normal state's: the fix with the switch on, and the fix alone. */
export function peerStates(normal: ValidConfig): DrStateDef[] {
  const days = fixedWindow(normal);
  const state = (id: PeerStateId, title: string, unreachable: boolean): DrStateDef => ({
    id,
    title,
    config: resolveConfig(deepMerge(normal as unknown as Record<string, unknown>, { kms: { deletionWindowDays: days }, regions: { secondary: { unreachable } } }), `offline plan: ${id}`),
    targetOnly: true,
  });
  const r = normal.regions.secondary.region;
  return [
    state("peerDown", `normal, regions.secondary.unreachable (${r} down), kms.deletionWindowDays ${days}`, true),
    state("peerFixed", `normal, kms.deletionWindowDays ${days} (${r} back)`, false),
  ];
}

const keyIn = (region: string) => (rc: PlanResourceChange) => String(rc.change.before?.arn ?? "").startsWith(`arn:aws:kms:${region}:`);

/**
 * The certificate validation when its record FQDN changes source (the
 * dns-zone stack's SSM parameter, whose `value` the provider marks
 * sensitive, <-> the certificate's own domain_validation_options): the same
 * string, only its sensitivity differs, which Terraform plans as an update
 * and applies WITHOUT calling the provider ("If we have an Update action,
 * our before and after values are equal, and only differ on their
 * sensitivity, ... we should not communicate with the provider":
 * hashicorp/terraform v1.11.4 internal/terraform/node_resource_abstract_instance.go,
 * apply). A different FQDN would be a replacement (ForceNew), which fails this rule.
 */
const validationSensitivityOnly: ChangeRule = {
  what: "the certificate validation: its record FQDN unchanged, only its sensitivity (recorded in state, no provider call)",
  type: "aws_acm_certificate_validation",
  kind: "update",
  match: () => true,
  attributes: [],
  check: (rc) => (JSON.stringify(rc.change.before) === JSON.stringify(rc.change.after) ? [] : [`values change: ${JSON.stringify(rc.change.before)} -> ${JSON.stringify(rc.change.after)}`]),
};

/**
 * The deploys of the outage and of the way back, from the config's own
 * mode's normal state (the first of `states`, drStates).
 */
export function peerTransitions(states: readonly DrStateDef[]): TransitionDef[] {
  const normalId = states[0]?.id;
  const normal = states[0]?.config;
  const down = states.find((s) => s.id === "peerDown")?.config;
  if (!normal || !down) return [];
  const primary = normal.regions.primary.region;
  const secondary = normal.regions.secondary.region;
  const days = down.kms.deletionWindowDays;
  const windowChange = (region: string, what: string): ChangeRule => ({
    what,
    type: "aws_kms_key",
    kind: "update",
    match: keyIn(region),
    attributes: ["deletion_window_in_days"],
    check: (rc) => (rc.change.after?.deletion_window_in_days === days ? [] : [`deletion_window_in_days ${rc.change.after?.deletion_window_in_days}, want ${days}`]),
  });
  return [
    {
      id: "peer-down-primary",
      title: `${secondary} down: regions.secondary.unreachable and a fix (kms.deletionWindowDays ${days}), deploy primary with -refresh=false; every ${secondary} endpoint refuses connections`,
      stack: "primary",
      from: normalId,
      to: "peerDown",
      edits: [],
      unreachableRegion: secondary,
      // Only the primary region's key changes (and what reads it): the
      // secret replica's key in the unreachable region is held
      // (ignore_changes = all), the certificate validation keeps its record
      // (taken from the certificate: the same FQDN), the secret keeps its
      // replica block.
      expect: {
        changes: [
          windowChange(primary, `the ${primary} key's deletion window ${days} days (the fix; nothing in ${secondary} is changed)`),
          {
            // Terraform defers a data source's read to the apply when "the
            // data resource depends directly on a managed resource that
            // itself has planned changes in the current plan" (Terraform
            // v1.11 docs, language/data-sources, "Data Resource Behavior"):
            // the policy documents naming the key are read again on apply
            // (the same JSON: the key's ARN does not change).
            what: `IAM role policies whose document names the ${primary} key: read again on apply (it depends on the key's planned change)`,
            type: "aws_iam_role_policy",
            kind: "update",
            many: true,
            match: (rc) => String(rc.change.before?.policy ?? "").includes(`arn:aws:kms:${primary}:`),
            attributes: ["policy"],
            check: (rc) => ((rc.change.after_unknown as Record<string, unknown> | undefined)?.policy === true ? [] : ["policy is not re-read (known after)"]),
          },
          validationSensitivityOnly,
        ],
        outputs: [],
      },
      quick: false,
    },
    {
      id: "peer-down-primary-without-switch",
      title: `control: the same fix without the switch, every ${secondary} endpoint refusing: the plan must fail reaching ${secondary}`,
      stack: "primary",
      from: normalId,
      to: "peerFixed",
      edits: [],
      unreachableRegion: secondary,
      expect: { changes: [], outputs: [] },
      mustFailReaching: secondary,
      quick: false,
    },
    {
      id: "peer-back-primary",
      title: `${secondary} back: the switch removed, deploy primary (last deployed with the switch on)`,
      stack: "primary",
      from: "peerDown",
      createdIn: normalId,
      to: "peerFixed",
      edits: [],
      // What was held is planned now, in place: no second key, no new
      // alias or parameter (a create would fail on the existing ones), the
      // secret's replica unchanged.
      expect: { changes: [windowChange(secondary, `the ${secondary} secret replica key's deletion window ${days} days (held while ${secondary} was down)`), validationSensitivityOnly], outputs: [] },
      quick: false,
    },
  ];
}
