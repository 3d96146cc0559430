import { deployedState, literal, withPlannedValues } from "../../scripts/plan/deployed-state";
import type { PlanResourceChange, ProviderSchemaBlock, StackJson } from "../../scripts/plan/types";

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
});
