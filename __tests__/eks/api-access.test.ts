// Issue 14, item 1: a path to each cluster's private Kubernetes API. EKS's
// cluster security group admits only itself, so without a rule for 443 the
// monitoring stacks cannot be deployed from anywhere. These tests check what
// is synthesized (the real `terraform validate` covers the same stacks in
// __tests__/stacks/terraform-validate.test.ts) and run the tunnel script
// against a stand-in `aws` command: no AWS API can be reached from here.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { endpointArgs, findRunnerArgs, startSessionArgs, tunnelPlan } from "../../src/eks/api-tunnel";
import { EKS_API_TUNNEL_VARIABLE } from "../../src/eks/contract";
import { DEPLOY_RUNNER_AMI_PARAMETER, eksApiTunnelCommand, PORT_FORWARDING_DOCUMENT } from "../../src/eks/deploy-runner";
import { run } from "../helpers/run";
import { PROJECT_ROOT, resourceList, resources, type StackJson, synthApp } from "../helpers/synth";
import { configProblems } from "../helpers/config-problems";

const STACKS = [
  ["primary", "us-east-2", "use2"],
  ["secondary", "us-west-1", "usw1"],
] as const;
const REGION_KEY_ARN = /^\$\{aws_kms_key\.RegionKey_[A-Z0-9]+\.arn\}$/;
const CLUSTER_SG = /^\$\{aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.vpc_config\[0\]\.cluster_security_group_id\}$/;

/** The logical id of a resource whose config is `r`. */
function idOf(stack: StackJson, type: string, r: unknown): string {
  return Object.entries(resources(stack, type)).find(([, v]) => v === r)![0];
}

/** Ingress rules on the EKS cluster security group for port 443. */
function apiRules(stack: StackJson): any[] {
  return resourceList(stack, "aws_vpc_security_group_ingress_rule").filter((r) => CLUSTER_SG.test(r.security_group_id) && r.from_port === 443);
}

/**
 * Whether the synthesized policy document allows `action` on a session, for
 * a caller with `userid`: a model of IAM's documented evaluation of what
 * this policy uses (Resource patterns with * and ?, StringLike/StringEquals
 * on ssm:resourceTag/<key>, the policy variable aws:userid), with the
 * stack's partition and account references read as aws and 123456789012.
 * No IAM runs here; this checks the patterns against the session ids and
 * tags AWS documents, not AWS's evaluation itself.
 */
function allows(doc: any, action: string, session: { arn: string; tags: Record<string, string> }, userid: string): boolean {
  const resolve = (v: string) => v.replace(/\$\{data\.aws_partition\.[A-Za-z0-9_]+\.partition\}/g, "aws").replace(/\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}/g, "123456789012").replace(/&\{aws:userid\}/g, userid);
  const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&"))).join("")}$`).test(value);
  return doc.statement.some(
    (s: any) =>
      (s.effect ?? "Allow") === "Allow" &&
      s.actions.includes(action) &&
      s.resources.some((r: string) => glob(resolve(r), session.arn)) &&
      (s.condition ?? []).every((c: any) => {
        const tag = /^ssm:resourceTag\/(.+)$/.exec(c.variable)?.[1];
        const value = tag === undefined ? undefined : session.tags[tag];
        if (value === undefined) return false;
        if (c.test === "StringLike") return c.values.some((v: string) => glob(resolve(v), value));
        if (c.test === "StringEquals") return c.values.some((v: string) => resolve(v) === value);
        throw new Error(`the model does not know condition ${c.test}`);
      }),
  );
}

describe("EKS API access (issue 14, item 1)", () => {
  const app = synthApp();

  describe.each(STACKS)("in %s (%s)", (stackName, region, code) => {
    const st = () => app.stacks[stackName];
    const runnerAsg = () => resourceList(st(), "aws_autoscaling_group").find((g) => g.name === `drweb-prod-${code}-eks-tunnel`);

    it("admits the deploy runner's security group, and nothing else, to port 443 of the cluster security group", () => {
      const rules = apiRules(st());
      expect(rules).toHaveLength(1);
      const sg = resourceList(st(), "aws_security_group").find((g) => g.name === `drweb-prod-${code}-eks-tunnel`);
      expect(sg).toBeDefined();
      expect(rules[0]).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, referenced_security_group_id: `\${aws_security_group.${idOf(st(), "aws_security_group", sg)}.id}` });
      expect(rules[0].cidr_ipv4).toBeUndefined();
    });

    it("runs one runner in the private app subnets: no public IP, no SSH, IMDSv2, CMK-encrypted root, AMI resolved at launch", () => {
      const asg = runnerAsg();
      expect(asg).toMatchObject({ min_size: 1, max_size: 1, desired_capacity: 1 });
      expect(asg.vpc_zone_identifier.join()).toMatch(/PrivateAppSubnet/);
      expect(asg.vpc_zone_identifier.join()).not.toMatch(/Public|PrivateData/);
      const lt = resourceList(st(), "aws_launch_template").find((t) => asg.launch_template.id === `\${aws_launch_template.${idOf(st(), "aws_launch_template", t)}.id}`);
      expect(lt.image_id).toBe(`resolve:ssm:${DEPLOY_RUNNER_AMI_PARAMETER}`);
      expect(lt.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      expect(lt.network_interfaces).toEqual([expect.objectContaining({ associate_public_ip_address: "false" })]);
      expect(lt.key_name).toBeUndefined();
      expect(lt.block_device_mappings[0].ebs).toMatchObject({ encrypted: "true", volume_type: "gp3" });
      expect(lt.block_device_mappings[0].ebs.kms_key_id).toMatch(REGION_KEY_ARN);
      expect(Buffer.from(lt.user_data, "base64").toString()).toContain("systemctl disable --now sshd");
    });

    it("lets the runner's group in from nowhere and out only on 443", () => {
      const sg = resourceList(st(), "aws_security_group").find((g) => g.name === `drweb-prod-${code}-eks-tunnel`);
      const ref = `\${aws_security_group.${idOf(st(), "aws_security_group", sg)}.id}`;
      expect(sg.ingress).toBeUndefined();
      expect(resourceList(st(), "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === ref)).toEqual([]);
      const egress = resourceList(st(), "aws_vpc_security_group_egress_rule").filter((r) => r.security_group_id === ref);
      expect(egress).toEqual([expect.objectContaining({ ip_protocol: "tcp", from_port: 443, to_port: 443 })]);
    });

    it("gives the runner's role Session Manager only, and operators a policy for this tunnel only", () => {
      const role = resourceList(st(), "aws_iam_role").find((r) => r.name === `drweb-prod-${code}-eks-tunnel`);
      const roleRef = `\${aws_iam_role.${idOf(st(), "aws_iam_role", role)}.name}`;
      const attached = resourceList(st(), "aws_iam_role_policy_attachment").filter((a) => a.role === roleRef);
      expect(attached.map((a) => a.policy_arn)).toEqual(["arn:${data.aws_partition.Partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
      const roleId = `\${aws_iam_role.${idOf(st(), "aws_iam_role", role)}.id}`;
      expect(resourceList(st(), "aws_iam_role_policy").filter((p) => p.role === roleId || p.role === roleRef)).toEqual([]);

      const policy = resourceList(st(), "aws_iam_policy").find((p) => p.name === `drweb-prod-${code}-eks-tunnel-operator`);
      const doc = st().data!.aws_iam_policy_document[/data\.aws_iam_policy_document\.([A-Za-z0-9_]+)\.json/.exec(policy.policy)![1]];
      const start = doc.statement.filter((s: any) => s.actions.includes("ssm:StartSession"));
      expect(start.flatMap((s: any) => s.resources)).toEqual([
        `arn:\${data.aws_partition.Partition.partition}:ec2:${region}:\${data.aws_caller_identity.Account.account_id}:instance/*`,
        `arn:\${data.aws_partition.Partition.partition}:ssm:${region}::document/${PORT_FORWARDING_DOCUMENT}`,
      ]);
      for (const s of start) expect(s.condition).toContainEqual({ test: "BoolIfExists", variable: "ssm:SessionDocumentAccessCheck", values: ["true"] });
      expect(start[0].condition).toContainEqual({ test: "StringEquals", variable: "ssm:resourceTag/eks-api-tunnel", values: [expect.stringMatching(/aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.name/)] });
      // The instance carries that tag.
      expect(runnerAsg().tag).toContainEqual({ key: "eks-api-tunnel", value: start[0].condition[0].values[0], propagate_at_launch: true });
      expect(doc.statement.flatMap((s: any) => s.actions).sort()).toEqual(["ec2:DescribeInstances", "eks:DescribeCluster", "ssm:ResumeSession", "ssm:StartSession", "ssm:StartSession", "ssm:TerminateSession"]);
      expect(st().output!.eks_tunnel_operator_policy_arn.value).toBe(`\${aws_iam_policy.${idOf(st(), "aws_iam_policy", policy)}.arn}`);
      expect(st().output!.eks_api_tunnel_command.value).toBe(`npx tsx scripts/eks-api-tunnel.ts ${stackName}`);
    });

    it("lets an operator end and resume their own sessions only, as an IAM user or an assumed role (aws:userid AROA...:name)", () => {
      const policy = resourceList(st(), "aws_iam_policy").find((p) => p.name === `drweb-prod-${code}-eks-tunnel-operator`);
      const doc = st().data!.aws_iam_policy_document[/data\.aws_iam_policy_document\.([A-Za-z0-9_]+)\.json/.exec(policy.policy)![1]];
      // Sessions as Session Manager creates them: the id starts with the
      // caller's name, and the tag aws:ssmmessages:session-id carries the
      // caller's id ("role-id:caller-specified-role-name" for an assumed
      // role, the user id for an IAM user: AWS Systems Manager User Guide,
      // "Allow a user to end only sessions they started").
      const session = (id: string, owner: string) => ({ arn: `arn:aws:ssm:${region}:123456789012:session/${id}`, tags: { "aws:ssmmessages:session-id": owner } });
      const alice = { userid: "AROAEXAMPLEROLEID:alice", session: session("alice-0a1b2c3d4e5f60718", "AROAEXAMPLEROLEID:alice") };
      const bob = { userid: "AROAEXAMPLEROLEID:bob", session: session("bob-0a1b2c3d4e5f60718", "AROAEXAMPLEROLEID:bob") };
      const user = { userid: "AIDAEXAMPLEUSERID", session: session("ops-user-0a1b2c3d4e5f60718", "AIDAEXAMPLEUSERID") };
      for (const action of ["ssm:TerminateSession", "ssm:ResumeSession"]) {
        expect(allows(doc, action, alice.session, alice.userid), `${action}: an assumed role's own session`).toBe(true);
        expect(allows(doc, action, user.session, user.userid), `${action}: an IAM user's own session`).toBe(true);
        expect(allows(doc, action, bob.session, alice.userid), `${action}: someone else's session`).toBe(false);
        expect(allows(doc, action, alice.session, user.userid), `${action}: someone else's session`).toBe(false);
      }
    });
  });

  it("admits configured connected networks instead, without a runner, when the runner is off", () => {
    const custom = synthApp({ eks: { deployRunner: { enabled: false }, privateAccessCidrs: ["10.100.0.0/16", "192.168.8.0/24"] } });
    for (const [stackName] of STACKS) {
      const st = custom.stacks[stackName];
      expect(apiRules(st).map((r) => [r.cidr_ipv4, r.from_port, r.to_port, r.ip_protocol])).toEqual([
        ["10.100.0.0/16", 443, 443, "tcp"],
        ["192.168.8.0/24", 443, 443, "tcp"],
      ]);
      expect(resourceList(st, "aws_autoscaling_group").map((g) => g.name)).not.toContain(expect.stringMatching(/eks-tunnel/));
      expect(st.output!.eks_api_tunnel_command).toBeUndefined();
    }
  });

  describe("config", () => {
    it("refuses monitoring stacks with no path to the API, naming the keys to set", () => {
      const p = configProblems({ eks: { deployRunner: { enabled: false } } });
      const mine = p.find((x) => x.field === "eks.deployRunner.enabled");
      expect(mine?.message).toMatch(/^nothing could reach the clusters' Kubernetes API, so primary-monitoring and secondary-monitoring could not be deployed/);
      expect(mine?.message).toMatch(/Fix: set eks\.deployRunner\.enabled to true .* eks\.privateAccessCidrs, .* eks\.publicAccessCidrs$/);
    });

    it("accepts the runner off when a connected or public network is listed", () => {
      expect(() => resolveConfig({ eks: { deployRunner: { enabled: false }, privateAccessCidrs: ["10.100.0.0/16"] } })).not.toThrow();
      expect(() => resolveConfig({ eks: { deployRunner: { enabled: false }, publicAccessCidrs: ["203.0.113.0/24"] } })).not.toThrow();
    });

    it("refuses an Arm instance type for the x86_64 runner", () => {
      expect(configProblems({ eks: { deployRunner: { instanceType: "t4g.micro" } } })).toEqual([
        { field: "eks.deployRunner.instanceType", message: "t4g.micro is an Arm (Graviton) type, but the runner runs Amazon Linux 2023 for x86_64. Fix: use an x86_64 type such as t3.micro" },
      ]);
      expect(() => resolveConfig({ eks: { deployRunner: { instanceType: "t3a.small" } } })).not.toThrow();
    });

    it("refuses a connected network that is not a CIDR or wider than /8", () => {
      const p = configProblems({ eks: { privateAccessCidrs: ["10.0.0.0/33", "0.0.0.0/0"] } });
      expect(p.map((x) => x.field)).toEqual(["eks.privateAccessCidrs[0]", "eks.privateAccessCidrs[1]"]);
      expect(p[1].message).toMatch(/0\.0\.0\.0\/0 admits \/0 of all addresses .* Fix:/);
    });
  });

  describe("monitoring/README.md", () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "monitoring", "README.md"), "utf8");

    it("prints the tunnel and deploy commands the code uses, with flags the pinned cdktf CLI has", async () => {
      for (const [role] of STACKS) {
        const plan = tunnelPlan(app.config, role);
        expect(doc).toContain(eksApiTunnelCommand(role));
        expect(doc).toContain(`TF_VAR_${EKS_API_TUNNEL_VARIABLE}=true npx cdktf deploy ${role}-monitoring --ignore-missing-stack-dependencies`);
        expect(doc).toContain(`${plan.localPort}`);
        expect((app.stacks[`${role}-monitoring`] as any).variable).toHaveProperty(EKS_API_TUNNEL_VARIABLE);
      }
      const help = await run(path.join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"), ["deploy", "--help"], { cwd: PROJECT_ROOT, env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
      expect(help.stdout).toContain("--ignore-missing-stack-dependencies");
    }, 60_000);
  });

  describe("scripts/eks-api-tunnel.ts", () => {
    it("derives the runner, cluster and local port from the config, matching what the stacks create", () => {
      for (const [stackName, region, code] of STACKS) {
        const plan = tunnelPlan(app.config, stackName);
        expect(plan).toEqual({ role: stackName, region, clusterName: `drweb-prod-${code}-eks`, runnerAsgName: `drweb-prod-${code}-eks-tunnel`, localPort: stackName === "primary" ? 8443 : 9443 });
        expect(resourceList(app.stacks[stackName], "aws_autoscaling_group").map((g) => g.name)).toContain(plan.runnerAsgName);
        expect(resourceList(app.stacks[stackName], "aws_eks_cluster")[0].name).toBe(plan.clusterName);
        // The monitoring stack's providers use the same local port.
        expect(app.stacks[`${stackName}-monitoring`].provider!.kubernetes[0].host).toContain(`"https://127.0.0.1:${plan.localPort}"`);
        expect(findRunnerArgs(plan)).toContain(`Name=tag:aws:autoscaling:groupName,Values=${plan.runnerAsgName}`);
        expect(endpointArgs(plan)).toEqual(["eks", "describe-cluster", "--region", region, "--name", plan.clusterName, "--query", "cluster.endpoint", "--output", "text"]);
      }
      expect(() => tunnelPlan(resolveConfig({ eks: { deployRunner: { enabled: false }, privateAccessCidrs: ["10.1.0.0/16"] } }), "primary")).toThrow(/eks\.deployRunner\.enabled is false.*Fix:/);
    });

    // A stand-in for the AWS CLI (no AWS API here): it records its arguments
    // and answers like `aws` would.
    function fakeAws(dir: string, instances: string): string {
      const log = path.join(dir, "aws.log");
      fs.writeFileSync(
        path.join(dir, "aws"),
        `#!/bin/bash
printf '%s\\n' "$*" >> ${JSON.stringify(log)}
case "$1 $2" in
  "ec2 describe-instances") echo ${JSON.stringify(instances)} ;;
  "eks describe-cluster") echo "https://ABCDEF0123456789.gr7.us-west-1.eks.amazonaws.com" ;;
  "ssm start-session") echo "Starting session" ;;
  *) echo "unexpected: $*" >&2; exit 9 ;;
esac
`,
        { mode: 0o755 },
      );
      return log;
    }

    const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

    it("opens the port-forwarding session to the endpoint host through the running runner", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drtunnel-"));
      const log = fakeAws(dir, "i-0123456789abcdef0");
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
      delete env.DR_CONFIG;
      const r = await run(tsx, ["scripts/eks-api-tunnel.ts", "secondary"], { cwd: PROJECT_ROOT, env });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("Tunnel: https://127.0.0.1:9443 -> ABCDEF0123456789.gr7.us-west-1.eks.amazonaws.com:443");
      expect(r.stdout).toContain("TF_VAR_eks_api_tunnel=true npx cdktf deploy secondary-monitoring --ignore-missing-stack-dependencies");
      const calls = fs.readFileSync(log, "utf8").trim().split("\n");
      expect(calls).toHaveLength(3);
      const plan = tunnelPlan(resolveConfig(), "secondary");
      expect(calls[2]).toBe(startSessionArgs(plan, "i-0123456789abcdef0", "ABCDEF0123456789.gr7.us-west-1.eks.amazonaws.com").join(" "));
      expect(calls[2]).toContain(`--document-name ${PORT_FORWARDING_DOCUMENT} --parameters {"host":["ABCDEF0123456789.gr7.us-west-1.eks.amazonaws.com"],"portNumber":["443"],"localPortNumber":["9443"]}`);
    }, 60_000);

    it("says what to do when no runner is running, and starts no session", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drtunnel-"));
      const log = fakeAws(dir, "");
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
      delete env.DR_CONFIG;
      const r = await run(tsx, ["scripts/eks-api-tunnel.ts", "primary"], { cwd: PROJECT_ROOT, env });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("eks-api-tunnel: no running instance in Auto Scaling group drweb-prod-use2-eks-tunnel (us-east-2). Fix: deploy the primary stack first (it creates the runner), or wait for the group to replace its instance\n");
      expect(fs.readFileSync(log, "utf8")).not.toMatch(/start-session/);
    }, 60_000);
  });
});
