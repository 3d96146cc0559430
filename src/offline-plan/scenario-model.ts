/**
 * The offline plan's scenario model: the shapes of a DR state, a runbook
 * deploy (transition) and a refusal, the state ids of every mode, and the
 * change rules the RDS and Aurora modes share. Its own module so that
 * scenarios.ts (which combines the modes) and the modes' files
 * (aurora-scenarios.ts, peer-scenarios.ts) import it and not each other
 * (no import cycle: __tests__/house/layering.test.ts).
 */
import type { ValidConfig } from "../../src/config";
import type { StateEdit } from "./deployed-state";
import type { ChangeRule, Expectation, FightRule, Refusal } from "./expectations";
import type { FakeAnswer } from "./tftest";
import type { PlanResourceChange } from "./types";

/** The Aurora Global Database mode's states (aurora-scenarios.ts). */
export type AuroraStateId = "aurora-normal" | "aurora-failedOver" | "aurora-failback" | "aurora-rebuild" | "aurora-upgraded" | "aurora-switchedBack" | "aurora-rotated" | "aurora-failback-rotated" | "aurora-restored";
/** The states of the deploys while the secondary region is down (peer-scenarios.ts). */
export type PeerStateId = "peerDown" | "peerFixed";

export type StateId = "normal" | "failedOver" | "failback" | "switchedBack" | "switchedBackRotated" | "failbackRotated" | AuroraStateId | PeerStateId;

export interface DrStateDef {
  readonly id: StateId;
  readonly title: string;
  readonly config: ValidConfig;
  /**
   * Only the target of a runbook deploy: not planned from nothing (its
   * stacks differ from another state's in one setting, e.g. the engine version).
   * @default - planned from nothing like every state
   */
  readonly targetOnly?: boolean;
}

/** The stacks that use only the aws provider (the mirror holds no other). */
export const PLANNED_STACKS = ["primary", "secondary", "dns"] as const;

export type PlannedStack = (typeof PLANNED_STACKS)[number] | "dns-zone";

export interface TransitionDef {
  readonly id: string;
  /** The runbook step and the deploy it asks for. */
  readonly title: string;
  readonly stack: PlannedStack;
  /** The config the stack was last deployed with. */
  readonly from: StateId;
  /**
   * The state its resources were created in (whose plan from nothing gives
   * their values), when it is not `from`: the secondary's writer was created
   * as a replica in `normal` and promoted, and `failedOver` only records that.
   * @default - from
   */
  readonly createdIn?: StateId;
  readonly to: StateId;
  /** What the runbook did to AWS since the last deploy of this stack. */
  readonly edits: readonly StateEdit[];
  readonly expect: Expectation;
  /** Part of the short set that `npm test` runs. */
  readonly quick: boolean;
  /**
   * A control that must fail the ordinary way: the target configuration with
   * `lifecycle.ignore_changes` removed from these resource types, and the
   * plan must then change what `fights` names (so the ignore list is what
   * keeps the real transition clean). `expect` is not checked.
   * @default - the ordinary check against `expect`
   */
  readonly withoutIgnoreChanges?: readonly string[];
  readonly fights?: readonly FightRule[];
  /**
   * A region that is down during this deploy: in every run, each endpoint of
   * the stack's providers there refuses connections (fake-aws.ts
   * REFUSED_ENDPOINT), and the final plan has no override_data for the data
   * sources there.
   * @default - every provider on the responder, every data source overridden
   */
  readonly unreachableRegion?: string;
  /**
   * A control that must fail: the final plan must stop on a call to this
   * region (an error naming REFUSED_ENDPOINT); `expect` is not checked.
   * @default - the ordinary check against `expect`
   */
  readonly mustFailReaching?: string;
}

/**
 * A control of a plan-time guard: the fake account answers some data
 * sources as an account would that does not offer what the config asks for
 * (FakeAnswer, merged over fake-aws.ts dataSourceValues), and the plan of
 * `stack` in `state` must then stop at the guard, with its message (the
 * config field and the fix). The ordinary state plans show the guard lets
 * the config through; this shows it would stop it.
 */
export interface RefusalDef {
  readonly id: string;
  readonly title: string;
  readonly stack: PlannedStack;
  readonly state: StateId;
  /** What the fake account says instead. */
  readonly answer: FakeAnswer;
  readonly refusedBy: Refusal;
}

/**
 * The credentials secret's new version: a new password generated and written
 * (PutSecretValue), before the database reads it back. hashicorp/aws 5.100.0
 * forces a new aws_secretsmanager_secret_version when secret_string_wo_version
 * changes (the plan's replace_paths say so), destroying the old resource
 * first. That destroy keeps the password: "If the AWSCURRENT staging label is
 * present on this version during resource deletion, that label cannot be
 * removed and will be skipped ... That label will leave this secret version
 * active even after the resource is deleted" (provider docs,
 * secretsmanager_secret_version), so the old version stays current until
 * the new one takes AWSCURRENT (then AWSPREVIOUS).
 */
export function secretRotated(version: number): ChangeRule {
  return {
    what: `the master credentials secret gets a new version with a new password (secret_string_wo_version ${version}; a new aws_secretsmanager_secret_version, the old one left as AWSPREVIOUS), written before the database reads it back`,
    type: "aws_secretsmanager_secret_version",
    kind: "replace",
    match: () => true,
    check: (rc) => {
      const bad: string[] = [];
      if (rc.change.after?.secret_string_wo_version !== version) bad.push(`secret_string_wo_version ${rc.change.after?.secret_string_wo_version}`);
      if (JSON.stringify(rc.change.replace_paths ?? []) !== JSON.stringify([["secret_string_wo_version"]])) bad.push(`replaced because of ${JSON.stringify(rc.change.replace_paths)}, not only the version`);
      if (rc.change.before?.secret_id !== rc.change.after?.secret_id) bad.push("another secret");
      return bad;
    },
  };
}

/**
 * The web fleet given new database endpoints: a new launch-template version
 * (the default one) whose user data carries them, rolled out by the Auto
 * Scaling group's instance refresh.
 */
export function webRollout(): ChangeRule[] {
  const lt = (rc: PlanResourceChange) => String(rc.change.before?.name ?? "").endsWith("-web");
  return [
    { what: "the web launch template: a new version (the default one) whose user data carries the new endpoints", type: "aws_launch_template", kind: "update", match: lt, attributes: ["default_version", "latest_version", "user_data"] },
    { what: "the web Auto Scaling group moves to the new launch-template version (instance refresh)", type: "aws_autoscaling_group", kind: "update", match: () => true, attributes: ["launch_template"] },
  ];
}
