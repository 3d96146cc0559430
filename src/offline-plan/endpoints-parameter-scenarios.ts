/**
 * The Aurora mode's database endpoints parameter in the offline plan (src/database/endpoints-parameter.ts,
 * docs/aurora.md "The database endpoints parameter"): every Aurora state's plan from nothing creates it in each
 * regional stack, and the deploy that records a `dr restore` (database.restoredCluster) after the runbook moved the
 * app (PutParameter in the writer's region) plans nothing at all: the runbook wrote the bytes the stacks' jsonencode
 * writes (encodeEndpoints), and no cluster, instance, launch template or role policy depends on the value (the
 * launch template's user data names the parameter, not the endpoints, so no instance is rolled).
 */
import { deepMerge, REGION_ROLES, resolveConfig, type RegionRole, type ValidConfig } from "../../src/config";
import { isAurora, regionClusterIdentifier } from "../../src/database/aurora-contract";
import { encodeEndpoints, endpointsParameterName } from "../../src/database/endpoints-parameter";
import type { ChangeRule } from "./expectations";
import type { DrStateDef, TransitionDef } from "./scenario-model";
import type { PlanResourceChange } from "./types";

/** The restored cluster's stamp in the offline plan (dr restore names it `<member>-pitr-<stamp>`). */
const STAMP = "20260101t1200";
/** The fake account's endpoint label (fake-aws.ts computedSpecials gives the members `.cluster-offline.` endpoints). */
const LABEL = "offline";
/** The members' port as the fake account reports it (fake-aws.ts computedSpecials). */
const FAKE_PORT = 5432;

/** database.restoredCluster as dr restore prints it for the global primary's region of `config` (drState normal: primary). */
export function restoredClusterOf(config: ValidConfig, role: RegionRole = "primary") {
  const identifier = `${regionClusterIdentifier(config, role)}-pitr-${STAMP}`;
  const region = config.regions[role].region;
  return { region: role, identifier, writerEndpoint: `${identifier}.cluster-${LABEL}.${region}.rds.amazonaws.com`, readerEndpoint: `${identifier}.cluster-ro-${LABEL}.${region}.rds.amazonaws.com` };
}

/** Aurora normal with a dr restore recorded (the app moved to a restored cluster in the primary region): only a deploy's target. */
export function auroraRestoredState(normal: ValidConfig): DrStateDef {
  return {
    id: "aurora-restored",
    title: "Aurora: normal with database.restoredCluster recorded (dr restore moved the us-east-2 fleet to a restored cluster)",
    config: resolveConfig(deepMerge(normal as unknown as Record<string, unknown>, { database: { restoredCluster: restoredClusterOf(normal) } }), "offline plan: aurora-restored"),
    targetOnly: true,
  };
}

/** The attributes of an aws_ssm_parameter whose value changes: the value, and the version and insecure_value the provider computes again. */
const PARAMETER_VALUE_CHANGE = ["insecure_value", "value", "version"];

const isEndpointsParameter = (name: string) => (rc: PlanResourceChange) => (rc.change.before?.name ?? rc.change.after?.name) === name;

/**
 * The deploy that records the restore, after the runbook's move: the runbook wrote the restored cluster's endpoints
 * into the primary region's parameter (PutParameter, encodeEndpoints: keys sorted, minified), and the recording
 * deploy's jsonencode writes the same bytes: the plan changes nothing (no resource, no output). A value the runbook
 * wrote in another key order would plan an in-place update here (the real plan: value, version and insecure_value),
 * so this check is what holds encodeEndpoints to Terraform's bytes.
 */
export function restoreRecordedTransitions(states: readonly DrStateDef[]): TransitionDef[] {
  const normal = states.find((x) => x.id === "aurora-normal")?.config;
  if (!normal || !states.some((x) => x.id === "aurora-restored")) return [];
  const restored = restoredClusterOf(normal);
  const name = endpointsParameterName(normal, "primary");
  const runbookValue = encodeEndpoints({ cluster: restored.identifier, writer: restored.writerEndpoint, reader: restored.readerEndpoint, port: FAKE_PORT });
  return [
    {
      id: "aurora-restore-recorded-primary",
      title: `Aurora dr restore recorded: the runbook moved the us-east-2 fleet to ${restored.identifier} (PutParameter ${name}), record database.restoredCluster, deploy primary: nothing to change`,
      stack: "primary",
      from: "aurora-normal",
      to: "aurora-restored",
      edits: [
        {
          action: `aws ssm put-parameter --region ${normal.regions.primary.region} --name ${name} --overwrite --value '${runbookValue}' (dr restore's move)`,
          type: "aws_ssm_parameter",
          where: (v) => v.name === name,
          set: { value: runbookValue },
        },
      ],
      expect: { changes: [], outputs: [] },
      quick: false,
    },
  ];
}

/**
 * What an Aurora state's plan from nothing must create in a regional stack: exactly one endpoints parameter with
 * the contract's name, a String of the Standard tier. Nothing in the RDS mode or the other stacks.
 */
export function endpointsParameterStateProblems(stack: string, config: ValidConfig, changes: readonly PlanResourceChange[]): string[] {
  if (!(REGION_ROLES as readonly string[]).includes(stack)) return [];
  const created = changes.filter((c) => c.mode === "managed" && c.type === "aws_ssm_parameter" && c.change.actions.join(",") === "create" && /\/db\/endpoints$/.test(String(c.change.after?.name)));
  if (!isAurora(config)) return created.length ? [`FAIL: the RDS mode creates a database endpoints parameter: ${created.map((c) => c.address).join(", ")}`] : [];
  const name = endpointsParameterName(config, stack as RegionRole);
  if (created.length !== 1 || created[0].change.after?.name !== name) return [`FAIL: endpoints parameter: expected ${name} created, the plan creates ${created.map((c) => c.change.after?.name).join(", ") || "none"}`];
  const a = created[0].change.after ?? {};
  if (a.type !== "String" || a.tier !== "Standard") return [`FAIL: endpoints parameter ${name}: type ${a.type}, tier ${a.tier} (String, Standard expected)`];
  return [];
}

/**
 * A rebuild (a new member cluster, a new generation): the region's endpoints parameter names the new cluster, whose
 * endpoints are known after apply: an in-place update of the value (and its computed version). The launch template
 * does change in a rebuild anyway (DB_WRITER_HOST / DB_READER_HOST name the new cluster).
 */
export function endpointsParameterMoved(config: ValidConfig, role: RegionRole): ChangeRule {
  const name = endpointsParameterName(config, role);
  return { what: `the endpoints parameter ${name} names the rebuilt cluster (value known after apply), in place`, type: "aws_ssm_parameter", kind: "update", match: isEndpointsParameter(name), attributes: PARAMETER_VALUE_CHANGE };
}
