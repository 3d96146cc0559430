import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { mustParseCidr, overlaps } from "../../src/lib/cidr";
import { planSubnets } from "../../src/network/subnet-plan";
import { resourceList, synthApp, type StackJson } from "../helpers/synth";

const tierOf = (s: any) => s.tags.Tier as string;

function subnetsByTier(stack: StackJson): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const s of resourceList(stack, "aws_subnet")) (out[tierOf(s)] ??= []).push(s);
  return out;
}

/** Maps route-table reference -> subnets associated with it. */
function routesOfSubnet(stack: StackJson, subnetLogicalId: string): any[] {
  const assoc = resourceList(stack, "aws_route_table_association").find((a) => a.subnet_id === `\${aws_subnet.${subnetLogicalId}.id}`);
  const rt = /aws_route_table\.([^.]+)\.id/.exec(assoc.route_table_id)![1];
  return resourceList(stack, "aws_route").filter((r) => r.route_table_id === `\${aws_route_table.${rt}.id}`);
}

describe("Network", () => {
  const defaults = synthApp();

  it.each([
    ["primary", ["us-east-2a", "us-east-2b", "us-east-2c"]],
    ["secondary", ["us-west-1c", "us-west-1b"]],
  ])("creates public, private-app and private-data subnets in every configured AZ of %s", (stack, azs) => {
    const tiers = subnetsByTier(defaults.stacks[stack]);
    expect(Object.keys(tiers).sort()).toEqual(["privateApp", "privateData", "public"]);
    for (const list of Object.values(tiers)) expect(list.map((s) => s.availability_zone)).toEqual(azs);
    for (const s of resourceList(defaults.stacks[stack], "aws_subnet")) expect(s.map_public_ip_on_launch).toBe(false);
  });

  it("gives each region non-overlapping VPC and subnet blocks", () => {
    const p = resourceList(defaults.stacks.primary, "aws_vpc")[0].cidr_block;
    const s = resourceList(defaults.stacks.secondary, "aws_vpc")[0].cidr_block;
    expect(overlaps(mustParseCidr(p), mustParseCidr(s))).toBe(false);
    const all = ["primary", "secondary"].flatMap((st) => resourceList(defaults.stacks[st], "aws_subnet").map((x) => mustParseCidr(x.cidr_block)));
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
  });

  it("keeps existing subnets in place when an AZ is appended", () => {
    const two = planSubnets("10.20.0.0/16", ["us-west-1c", "us-west-1b"], 4, 4);
    const three = planSubnets("10.20.0.0/16", ["us-west-1c", "us-west-1b", "us-west-1a"], 4, 4);
    for (const s of two) expect(three).toContainEqual(s);
  });

  it("creates a NAT gateway per AZ by default, each app subnet routing to its own AZ's NAT", () => {
    const st = defaults.stacks.primary;
    const nats = Object.keys(st.resource!.aws_nat_gateway);
    expect(nats).toHaveLength(3);
    const appSubnets = Object.entries(st.resource!.aws_subnet).filter(([, s]) => tierOf(s) === "privateApp");
    const natTargets = appSubnets.map(([id]) => routesOfSubnet(st, id).map((r) => r.nat_gateway_id));
    expect(new Set(natTargets.flat()).size).toBe(3);
    // NAT i sits in public subnet i (same AZ as app subnet i).
    const pubs = Object.entries(st.resource!.aws_subnet).filter(([, s]) => tierOf(s) === "public");
    Object.values(st.resource!.aws_nat_gateway).forEach((nat: any, i) => expect(nat.subnet_id).toBe(`\${aws_subnet.${pubs[i][0]}.id}`));
  });

  it("creates a single NAT gateway shared by every app subnet when natGateways is single", () => {
    const st = synthApp({ network: { natGateways: "single" } }).stacks.primary;
    expect(Object.keys(st.resource!.aws_nat_gateway)).toHaveLength(1);
    expect(Object.keys(st.resource!.aws_eip)).toHaveLength(1);
    const appSubnets = Object.entries(st.resource!.aws_subnet).filter(([, s]) => tierOf(s) === "privateApp");
    const targets = new Set(appSubnets.flatMap(([id]) => routesOfSubnet(st, id).map((r) => r.nat_gateway_id)));
    expect(targets.size).toBe(1);
  });

  it("routes public subnets to the internet gateway and gives data subnets no internet route", () => {
    const st = defaults.stacks.secondary;
    for (const [id, s] of Object.entries(st.resource!.aws_subnet)) {
      const routes = routesOfSubnet(st, id);
      if (tierOf(s) === "public") expect(routes.map((r) => r.gateway_id)).toEqual([expect.stringContaining("aws_internet_gateway")]);
      if (tierOf(s) === "privateData") expect(routes).toEqual([]);
    }
  });

  it("strips the default security group of every rule", () => {
    expect(defaults.text("primary")).toHaveResourceWithProperties(DefaultSecurityGroup, { ingress: [], egress: [] });
  });

  it("sends VPC flow logs to a KMS-encrypted log group with retention, through a scoped role", () => {
    const st = defaults.stacks.primary;
    expect(defaults.text("primary")).toHaveResourceWithProperties(FlowLog, { traffic_type: "ALL", log_destination_type: "cloud-watch-logs" });
    const group = resourceList(st, "aws_cloudwatch_log_group").find((g) => g.name.endsWith("/flow-logs"))!;
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\.RegionKey_[A-Za-z0-9_]+\.arn\}$/);
    const perms = Object.entries(st.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Network_FlowLogPermissions"))![1];
    expect(perms.statement[0].actions).toEqual(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]);
    expect(perms.statement[0].resources[0]).toMatch(/aws_cloudwatch_log_group\..*\.arn/);
    const trust = Object.entries(st.data!.aws_iam_policy_document).find(([id]) => id.startsWith("Network_FlowLogTrust"))![1];
    expect(trust.statement[0].condition.map((c: any) => c.variable)).toEqual(["aws:SourceAccount", "aws:SourceArn"]);
    const retention = synthApp({ network: { flowLogs: { retentionDays: 90 } } });
    expect(retention.text("secondary")).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 90 });
  });

  it("creates one KMS key per region with rotation on, letting CloudWatch Logs of that region use it", () => {
    for (const [stack, region] of [["primary", "us-east-2"], ["secondary", "us-west-1"]]) {
      expect(defaults.text(stack)).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
      // One key in the stack's own region (the primary also creates the key
      // of the secret's replica in the peer region, through the peer provider).
      const keys = resourceList(defaults.stacks[stack], "aws_kms_key").filter((k) => !k.provider);
      expect(keys).toHaveLength(1);
      const policy = Object.entries(defaults.stacks[stack].data!.aws_iam_policy_document).find(([id]) => id.startsWith("RegionKey_Policy"))![1];
      const logs = policy.statement.find((s: any) => s.sid === "CloudWatchLogsEncrypts");
      expect(logs.principals[0].identifiers).toEqual([`logs.${region}.amazonaws.com`]);
    }
  });

  it("checks the configured AZs against the account's available AZs at plan time", () => {
    const azData = Object.values(defaults.stacks.secondary.data!.aws_availability_zones)[0] as any;
    expect(azData.state).toBe("available");
    expect(azData.lifecycle.postcondition[0].condition).toBe('${length(setsubtract(["us-west-1c","us-west-1b"], self.names)) == 0}');
    expect(azData.lifecycle.postcondition[0].error_message).toContain("regions.<role>.availabilityZones");
  });

  it("outputs the ids later modules need", () => {
    for (const stack of ["primary", "secondary"]) {
      expect(Object.keys(defaults.stacks[stack].output!)).toEqual(
        expect.arrayContaining(["vpc_id", "public_subnet_ids", "private_app_subnet_ids", "private_data_subnet_ids", "kms_key_arn", "nat_gateway_ids"]),
      );
    }
  });
});
