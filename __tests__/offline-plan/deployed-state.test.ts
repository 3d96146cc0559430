import { deployedState, fromResourceChanges, literal, removedByLastDeploy, withPlannedValues } from "../../src/offline-plan/deployed-state";
import type { PlanResourceChange, ProviderSchemaBlock, StackJson } from "../../src/offline-plan/types";

// Schema fragments shaped like hashicorp/aws 5.100.0's (`terraform providers schema -json`).
const roleSchema: ProviderSchemaBlock = {
  attributes: {
    name: { optional: true, computed: true },
    path: { optional: true },
    assume_role_policy: { required: true },
    arn: { computed: true, type: "string" },
    id: { optional: true, computed: true, type: "string" },
    max_session_duration: { optional: true },
  },
};
const lifecycleSchema: ProviderSchemaBlock = {
  attributes: { bucket: { required: true }, id: { computed: true, type: "string" } },
  block_types: {
    rule: {
      nesting_mode: "list",
      block: {
        attributes: { id: { required: true }, status: { required: true } },
        block_types: {
          filter: { nesting_mode: "list", block: { attributes: { prefix: { optional: true, computed: true }, object_size_greater_than: { optional: true, computed: true } } } },
        },
      },
    },
  },
};

describe("deployedState", () => {
  it("writes the provider's defaults into the configuration, keeping references and escaping literal templates", () => {
    const out = withPlannedValues(roleSchema, { name: "r", assume_role_policy: "${data.aws_iam_policy_document.T.json}" }, { name: "r", path: "/", assume_role_policy: '{"x":"${aws:username}"}', max_session_duration: 3600, arn: null }, { arn: true });
    expect(out).toEqual({ name: "r", assume_role_policy: "${data.aws_iam_policy_document.T.json}", path: "/", max_session_duration: 3600 });
    expect(literal("arn:${aws:username}")).toBe("arn:$${aws:username}");
  });

  const stack: StackJson = {
    terraform: {},
    provider: { aws: [{ region: "us-east-2" }] },
    resource: {
      aws_iam_role: { Role: { name: "r", assume_role_policy: "{}", "//": { metadata: {} } } },
      aws_s3_bucket_lifecycle_configuration: { Lc: { bucket: "b", rule: [{ id: "x", status: "Enabled", filter: [{ prefix: "" }] }] } },
    },
  };
  const plan: PlanResourceChange[] = [
    { address: "aws_iam_role.Role", mode: "managed", type: "aws_iam_role", name: "Role", change: { actions: ["create"], before: null, after: { name: "r", path: "/", assume_role_policy: "{}", arn: null, id: null }, after_unknown: { arn: true, id: true } } },
    {
      address: "aws_s3_bucket_lifecycle_configuration.Lc",
      mode: "managed",
      type: "aws_s3_bucket_lifecycle_configuration",
      name: "Lc",
      change: { actions: ["create"], before: null, after: { bucket: "b", rule: [{ id: "x", status: "Enabled", filter: [{ prefix: "", object_size_greater_than: null }] }] }, after_unknown: { id: true } },
    },
  ];
  const schemas = { aws_iam_role: roleSchema, aws_s3_bucket_lifecycle_configuration: lifecycleSchema };

  it("gives every computed attribute an override: known values (nulls too, nested ones as one object per block) or AWS-shaped fakes", () => {
    const d = deployedState(stack, plan, schemas, () => "us-east-2");
    expect(d.config.resource!.aws_iam_role.Role).toMatchObject({ path: "/", "//": { metadata: {} } });
    const role = d.overrides.find((o) => o.target === "aws_iam_role.Role")!.values;
    expect(role.arn).toMatch(/^arn:aws:iam::123456789012:iam_role\/[0-9a-f]{12}$/);
    const lc = d.overrides.find((o) => o.target === "aws_s3_bucket_lifecycle_configuration.Lc")!.values;
    expect(lc.rule).toEqual({ filter: { object_size_greater_than: null } });
  });

  it("applies the runbook's AWS actions as the next refresh would read them, and refuses an action that matches nothing", () => {
    const edit = { action: "rename", type: "aws_iam_role", where: (v: Readonly<Record<string, unknown>>) => v.name === "r", set: { path: "/moved/", name: null } };
    const d = deployedState(stack, plan, schemas, () => "us-east-2", [edit]);
    expect(d.config.resource!.aws_iam_role.Role.path).toBe("/moved/");
    expect(d.config.resource!.aws_iam_role.Role.name).toBeUndefined();
    expect(d.edited).toEqual([{ action: "rename", addresses: ["aws_iam_role.Role"] }]);
    expect(() => deployedState(stack, plan, schemas, () => "us-east-2", [{ ...edit, where: () => false }])).toThrow('the runbook action(s) "rename" match no resource of the stack');
  });

  it("writes an AWS action's attributes even where the config ignores them, and reads what it unset as null (not the value planned at creation)", () => {
    const clusterSchema: ProviderSchemaBlock = {
      attributes: {
        cluster_identifier: { optional: true, computed: true },
        replication_source_identifier: { optional: true },
        database_name: { optional: true, computed: true },
        engine_version: { optional: true, computed: true },
        arn: { computed: true, type: "string" },
      },
    };
    const s2: StackJson = {
      terraform: {},
      provider: { aws: [{ region: "us-east-2" }] },
      resource: { aws_rds_cluster: { C: { cluster_identifier: "c1", database_name: "drweb", lifecycle: { ignore_changes: ["replication_source_identifier", "database_name", "engine_version"] } } } },
    };
    const p2: PlanResourceChange[] = [
      { address: "aws_rds_cluster.C", mode: "managed", type: "aws_rds_cluster", name: "C", change: { actions: ["create"], before: null, after: { cluster_identifier: "c1", database_name: "drweb", replication_source_identifier: null, engine_version: "16.6", arn: null }, after_unknown: { arn: true } } },
    ];
    const edit = { action: "switchover", type: "aws_rds_cluster", where: (v: Readonly<Record<string, unknown>>) => v.cluster_identifier === "c1", set: { replication_source_identifier: "arn:aws:rds:us-west-1:123456789012:cluster:c2", database_name: null } };
    const d = deployedState(s2, p2, { aws_rds_cluster: clusterSchema }, () => "us-east-2", [edit]);
    const body = d.config.resource!.aws_rds_cluster.C;
    expect(body.replication_source_identifier).toBe("arn:aws:rds:us-west-1:123456789012:cluster:c2");
    expect(body.database_name).toBeUndefined();
    // Still ignored: what the action did not touch.
    expect(body.lifecycle).toEqual({ ignore_changes: ["engine_version"] });
    const values = d.overrides.find((o) => o.target === "aws_rds_cluster.C")!.values;
    expect(values.database_name).toBeNull();
    expect(values.engine_version).toBe("16.6");
    // Without edits the stack's lifecycle is kept as it is.
    expect(deployedState(s2, p2, { aws_rds_cluster: clusterSchema }, () => "us-east-2").config.resource!.aws_rds_cluster.C.lifecycle).toEqual(s2.resource!.aws_rds_cluster.C.lifecycle);
  });

  // A transition created in one state and last deployed in another whose
  // resources differ (issue 26: the backup replication and AWS Backup's plan
  // follow the writer): the offline plan's aws_actions run.
  const rc = (address: string, after: Record<string, unknown>): PlanResourceChange => ({ address, mode: "managed", type: address.split(".")[0], name: address.split(".")[1], change: { actions: ["create"], before: null, after, after_unknown: {} } });
  it("takes a resource the last deploy added from that state's plan, and keeps the created state's values for the rest", () => {
    const created = [rc("aws_iam_role.R", { name: "created" })];
    const from = [rc("aws_iam_role.R", { name: "from" }), rc("aws_backup_plan.P", { name: "plan" })];
    const merged = fromResourceChanges(created, from);
    expect(merged.map((r) => `${r.address}=${r.change.after?.name}`)).toEqual(["aws_iam_role.R=created", "aws_backup_plan.P=plan"]);
    expect(fromResourceChanges(created, undefined)).toEqual(created);
  });

  it("lists the overrides of what the created state holds and the last deploy no longer declares", () => {
    const deployed = [{ target: "aws_iam_role.R", values: {} }, { target: "aws_ssm_parameter.P", values: { arn: "x" } }];
    expect(removedByLastDeploy(deployed, [{ target: "aws_iam_role.R", values: {} }])).toEqual([{ target: "aws_ssm_parameter.P", values: { arn: "x" } }]);
    expect(removedByLastDeploy(deployed, deployed)).toEqual([]);
  });
});
