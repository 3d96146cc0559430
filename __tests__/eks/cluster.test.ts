import { configWarnings, resolveConfig } from "../../src/config";
import { EKS_ADDONS } from "../../src/config/eks-versions";
import { ALERTMANAGER_SERVICE_ACCOUNT, CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT, PROMETHEUS_SERVICE_ACCOUNT } from "../../src/eks/contract";
import { resourceList, resources, synthApp, type StackJson } from "../helpers/synth";

const STACKS = [
  ["primary", "us-east-2", "use2"],
  ["secondary", "us-west-1", "usw1"],
] as const;

const REGION_KEY_ARN = /^\$\{aws_kms_key\.RegionKey_[A-Z0-9]+\.arn\}$/;
const CLUSTER_ARN = /^\$\{aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.arn\}$/;

function one(stack: StackJson, type: string): any {
  const list = resourceList(stack, type);
  expect(list, type).toHaveLength(1);
  return list[0];
}

function policyDoc(stack: StackJson, idPrefix: string): any {
  const hit = Object.entries(stack.data!.aws_iam_policy_document).find(([id]) => id.startsWith(idPrefix));
  if (!hit) throw new Error(`no policy document ${idPrefix}*`);
  return hit[1];
}

/** Logical id of a "${type.id.attr}" reference. */
const refId = (ref: string) => /^\$\{(?:data\.)?[a-z0-9_]+\.([A-Za-z0-9_]+)\./.exec(ref)![1];

describe("EKS monitoring cluster", () => {
  const app = synthApp();

  describe.each(STACKS)("in %s (%s)", (stackName, region, code) => {
    const st = () => app.stacks[stackName];

    it("is private, API-authenticated, secrets-encrypted with the region's key, and logs every control-plane log type", () => {
      const c = one(st(), "aws_eks_cluster");
      expect(c.name).toBe(`drweb-prod-${code}-eks`);
      expect(c.version).toBe("1.35");
      expect(c.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
      expect(c.vpc_config.public_access_cidrs).toBeUndefined();
      expect(c.access_config).toEqual({ authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: true });
      expect(c.encryption_config.resources).toEqual(["secrets"]);
      expect(c.encryption_config.provider.key_arn).toMatch(REGION_KEY_ARN);
      expect([...c.enabled_cluster_log_types].sort()).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
      expect(c.upgrade_policy).toEqual({ support_type: "STANDARD" });
      expect(c.bootstrap_self_managed_addons).toBe(false);
      // Control-plane ENIs in the private app subnets of every AZ.
      expect(c.vpc_config.subnet_ids).toEqual(expect.arrayContaining([expect.stringMatching(/aws_subnet\.Network_PrivateAppSubnet0/)]));
      expect(c.vpc_config.subnet_ids).toHaveLength(app.config.regions[stackName].availabilityZones.length);
      expect(c.vpc_config.subnet_ids.join()).not.toMatch(/Public|PrivateData/);
      // Its log group exists first, with retention and the region's key.
      const lg = resourceList(st(), "aws_cloudwatch_log_group").find((g) => g.name === `/aws/eks/drweb-prod-${code}-eks/cluster`);
      expect(lg).toMatchObject({ retention_in_days: 90 });
      expect(lg.kms_key_id).toMatch(REGION_KEY_ARN);
      expect(c.depends_on.some((d: string) => d.startsWith("aws_cloudwatch_log_group.Eks_ControlPlaneLogs"))).toBe(true);
    });

    it("runs one t3.medium node group per monitoring AZ (the first 2 AZs), each in that AZ's subnet only, on IMDSv2 with CMK-encrypted volumes", () => {
      // Issue 14: EBS volumes are zonal; a group spanning 3 AZs could replace a
      // lost node in an AZ without its volumes. One group per AZ, min 1 each.
      const groups = resourceList(st(), "aws_eks_node_group");
      const zones = app.config.regions[stackName].availabilityZones.slice(0, 2);
      expect(groups.map((g) => g.node_group_name)).toEqual(zones.map((z) => `drweb-prod-${code}-monitoring-${z}`));
      groups.forEach((ng, i) => {
        expect(ng.subnet_ids).toEqual([expect.stringMatching(new RegExp(`^\\$\\{aws_subnet\\.Network_PrivateAppSubnet${i}_[A-Z0-9]+\\.id\\}$`))]);
        expect(ng.scaling_config).toEqual({ desired_size: 1, min_size: 1, max_size: 2 });
        expect(ng.instance_types).toEqual(["t3.medium"]);
        expect(ng.version).toMatch(/aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.version/);
      });
      // Subnets are in AZ order: subnet i is in availabilityZones[i].
      const subnets = resources(st(), "aws_subnet");
      groups.forEach((ng, i) => expect(subnets[refId(ng.subnet_ids[0])].availability_zone).toBe(zones[i]));
      const lt = resourceList(st(), "aws_launch_template").find((t) => t.name === `drweb-prod-${code}-eks-node`);
      for (const ng of groups) expect(ng.launch_template.id).toBe(`\${aws_launch_template.${Object.entries(st().resource!.aws_launch_template).find(([, v]) => v === lt)![0]}.id}`);
      expect(lt.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
      expect(lt.block_device_mappings[0].ebs).toMatchObject({ volume_type: "gp3", encrypted: "true", volume_size: 40 });
      expect(lt.block_device_mappings[0].ebs.kms_key_id).toMatch(REGION_KEY_ARN);
      expect(lt.network_interfaces).toBeUndefined(); // no public IP settings: managed nodes in private subnets
      // The control plane still spans every AZ.
      expect(one(st(), "aws_eks_cluster").vpc_config.subnet_ids).toHaveLength(app.config.regions[stackName].availabilityZones.length);
    });

    it("installs every managed add-on once, the node bootstrap ones before the nodes, EBS CSI with its own role", () => {
      const addons = resourceList(st(), "aws_eks_addon");
      expect(addons.map((a) => a.addon_name).sort()).toEqual([...EKS_ADDONS].sort());
      const byName = Object.fromEntries(Object.entries(st().resource!.aws_eks_addon).map(([id, a]: [string, any]) => [a.addon_name, { id, ...a }]));
      const groups = resourceList(st(), "aws_eks_node_group");
      for (const ng of groups) for (const early of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) expect(ng.depends_on).toContain(`aws_eks_addon.${byName[early].id}`);
      for (const late of ["coredns", "aws-ebs-csi-driver"]) expect(byName[late].depends_on.filter((d: string) => d.startsWith("aws_eks_node_group."))).toHaveLength(groups.length);
      const ebs = byName["aws-ebs-csi-driver"];
      expect(ebs.pod_identity_association).toEqual([{ role_arn: expect.stringMatching(/^\$\{aws_iam_role\.Eks_EbsCsiRole_[A-Z0-9]+\.arn\}$/), service_account: "ebs-csi-controller-sa" }]);
      const ebsPerms = policyDoc(st(), "Eks_EbsCsiRole_Permissions");
      for (const s of ebsPerms.statement) expect(s.resources).toEqual([expect.stringMatching(REGION_KEY_ARN)]);
    });

    it("never lets a plan change a deployed add-on's version by itself (issue 14, item 4)", () => {
      const byName = Object.fromEntries(resourceList(st(), "aws_eks_addon").map((a) => [a.addon_name, a]));
      // Pinned in src/config/eks-versions.ts for Kubernetes 1.35 (EKS user guide tables): literal versions, no lookup.
      expect(byName["kube-proxy"].addon_version).toBe("v1.35.3-eksbuild.13");
      expect(byName.coredns.addon_version).toBe("v1.14.3-eksbuild.3");
      for (const pinned of ["kube-proxy", "coredns"]) expect(byName[pinned].lifecycle).toBeUndefined();
      // No documented pin: EKS's default when created, then ignored by every later plan.
      for (const frozen of ["vpc-cni", "eks-pod-identity-agent", "aws-ebs-csi-driver"]) {
        const a = byName[frozen];
        expect(a.lifecycle).toEqual({ ignore_changes: ["addon_version"] });
        const data = st().data!.aws_eks_addon_version[refId(a.addon_version)];
        expect(data).toMatchObject({ addon_name: frozen, most_recent: false });
      }
      expect(Object.values(st().data!.aws_eks_addon_version).map((d: any) => d.addon_name).sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent", "vpc-cni"]);
      // The output reports what is installed (the add-on's own attribute), not a fresh lookup.
      const versions = st().output!.eks_addon_versions.value as Record<string, string>;
      for (const v of Object.values(versions)) expect(v).toMatch(new RegExp(`^\\$\\{aws_eks_addon\\.Eks_Addon[A-Za-z]+_[A-Z0-9]+\\.addon_version\\}$`));
      expect(Object.keys(versions).sort()).toEqual([...EKS_ADDONS].sort());
    });

    it("lets Prometheus only describe EC2 in its region, through Pod Identity for its one service account", () => {
      const perms = policyDoc(st(), "MonitoringRoles_Prometheus_Permissions");
      expect(perms.statement).toHaveLength(1);
      expect(perms.statement[0].actions.every((a: string) => /^ec2:Describe[A-Za-z]+$/.test(a))).toBe(true);
      expect(perms.statement[0].actions).toContain("ec2:DescribeInstances");
      expect(perms.statement[0].condition).toEqual([{ test: "StringEquals", variable: "aws:RequestedRegion", values: [region] }]);
      const trust = policyDoc(st(), "MonitoringRoles_Prometheus_Trust");
      expect(trust.statement[0].principals).toEqual([{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }]);
      const roles = Object.values(st().resource!.aws_iam_role) as any[];
      expect(roles.find((r) => r.name === `drweb-prod-${code}-prometheus`)).toBeDefined();
      // No managed policy on it: exactly the inline statement above.
      const attachments = resourceList(st(), "aws_iam_role_policy_attachment").filter((a) => /MonitoringRoles_Prometheus/.test(a.role));
      expect(attachments).toEqual([]);
      const assoc = resourceList(st(), "aws_eks_pod_identity_association");
      expect(assoc.map((a) => [a.namespace, a.service_account]).sort()).toEqual(
        [["monitoring", ALERTMANAGER_SERVICE_ACCOUNT], ["monitoring", CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT], ["monitoring", PROMETHEUS_SERVICE_ACCOUNT]].sort(),
      );
      const cw = policyDoc(st(), "MonitoringRoles_CloudwatchExporter_Permissions");
      expect(cw.statement.flatMap((s: any) => s.actions).every((a: string) => /^cloudwatch:(Get|List)/.test(a))).toBe(true);
    });

    it.each([
      ["MonitoringRoles_Prometheus_Trust", "monitoring", PROMETHEUS_SERVICE_ACCOUNT],
      ["MonitoringRoles_CloudwatchExporter_Trust", "monitoring", CLOUDWATCH_EXPORTER_SERVICE_ACCOUNT],
      ["MonitoringRoles_Alertmanager_Trust", "monitoring", ALERTMANAGER_SERVICE_ACCOUNT],
      ["Eks_EbsCsiRole_Trust", "kube-system", "ebs-csi-controller-sa"],
    ])("trusts Pod Identity for %s only through the documented session tags of its one service account %s/%s (issue 14, item 7)", (doc, namespace, sa) => {
      const trust = policyDoc(st(), doc);
      expect(trust.statement).toHaveLength(1);
      const t = trust.statement[0];
      expect(t.principals).toEqual([{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }]);
      expect([...t.actions].sort()).toEqual(["sts:AssumeRole", "sts:TagSession"]);
      expect(t.condition).toEqual([
        { test: "StringEquals", variable: "aws:RequestTag/eks-cluster-arn", values: [expect.stringMatching(CLUSTER_ARN)] },
        { test: "StringEquals", variable: "aws:RequestTag/kubernetes-namespace", values: [namespace] },
        { test: "StringEquals", variable: "aws:RequestTag/kubernetes-service-account", values: [sa] },
      ]);
      // The association (or the EBS add-on's) names the same service account.
      const roleId = /^Eks_EbsCsiRole|^MonitoringRoles_[A-Za-z]+/.exec(doc)![0];
      const roleRef = (r: string) => r.includes(`aws_iam_role.${roleId}_`);
      const assoc = resourceList(st(), "aws_eks_pod_identity_association").filter((a) => roleRef(a.role_arn));
      const addonAssoc = resourceList(st(), "aws_eks_addon").flatMap((a) => a.pod_identity_association ?? []).filter((a: any) => roleRef(a.role_arn));
      if (namespace === "kube-system") expect(addonAssoc.map((a: any) => a.service_account)).toEqual([sa]);
      else expect(assoc.map((a) => [a.namespace, a.service_account])).toEqual([[namespace, sa]]);
    });

    it("admits scrapes of the web servers' metrics port from the cluster's security group only", () => {
      const rules = resourceList(st(), "aws_vpc_security_group_ingress_rule").filter((r) => r.from_port === 9102);
      expect(rules).toHaveLength(1);
      expect(rules[0].referenced_security_group_id).toMatch(/aws_eks_cluster\.Eks_Cluster_[A-Z0-9]+\.vpc_config\[0\]\.cluster_security_group_id/);
    });
  });

  it("opens the public endpoint only to configured CIDRs, adds access entries, and pins explicit add-on versions", () => {
    const admin = "arn:aws:iam::123456789012:role/platform-admin";
    const custom = synthApp({
      eks: {
        publicAccessCidrs: ["203.0.113.0/24"],
        clusterCreatorAdmin: false,
        adminPrincipalArns: [admin],
        addonVersions: { coredns: "v1.12.4-eksbuild.1", "vpc-cni": "v1.20.4-eksbuild.2" },
        nodeZoneCount: 1,
        nodesPerZone: { desired: 3, max: 4 },
      },
    });
    for (const [stackName] of STACKS) {
      const st = custom.stacks[stackName];
      const c = one(st, "aws_eks_cluster");
      expect(c.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ["203.0.113.0/24"], endpoint_private_access: true });
      expect(c.access_config.bootstrap_cluster_creator_admin_permissions).toBe(false);
      expect(one(st, "aws_eks_access_entry")).toMatchObject({ principal_arn: admin, type: "STANDARD" });
      expect(one(st, "aws_eks_access_policy_association")).toMatchObject({
        principal_arn: admin,
        policy_arn: "arn:${data.aws_partition.Partition.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        access_scope: { type: "cluster" },
      });
      const byName = Object.fromEntries(resourceList(st, "aws_eks_addon").map((a) => [a.addon_name, a]));
      // Pinned in the config: kept exactly (no lookup, no ignore_changes).
      expect(byName.coredns).toMatchObject({ addon_version: "v1.12.4-eksbuild.1" });
      expect(byName["vpc-cni"]).toMatchObject({ addon_version: "v1.20.4-eksbuild.2" });
      expect(byName.coredns.lifecycle).toBeUndefined();
      expect(byName["vpc-cni"].lifecycle).toBeUndefined();
      expect(Object.values(st.data!.aws_eks_addon_version).map((d: any) => d.addon_name).sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent"]);
      expect(one(st, "aws_eks_node_group").scaling_config).toEqual({ desired_size: 3, min_size: 1, max_size: 4 });
    }
  });

  describe("config", () => {
    it("rejects a Kubernetes version it does not know, naming the known ones", () => {
      expect(() => resolveConfig({ eks: { kubernetesVersion: "1.29" } })).toThrow(/eks\.kubernetesVersion: "1\.29" is not a Kubernetes version.*Fix: use one of 1\.33, 1\.34, 1\.35/);
    });
    it("refuses a public endpoint open to the internet", () => {
      expect(() => resolveConfig({ eks: { publicAccessCidrs: ["0.0.0.0/0"] } })).toThrow(/eks\.publicAccessCidrs\[0\]: 0\.0\.0\.0\/0 opens the Kubernetes API.*Fix: list your operators' networks/);
    });
    it("refuses a cluster no one can administer", () => {
      expect(() => resolveConfig({ eks: { clusterCreatorAdmin: false } })).toThrow(/eks\.adminPrincipalArns: no one would be able to administer/);
    });
    it("rejects a malformed admin ARN and add-on version", () => {
      expect(() => resolveConfig({ eks: { adminPrincipalArns: ["platform-admin"] } })).toThrow(/eks\.adminPrincipalArns\[0\]: must be an IAM role or user ARN/);
      expect(() => resolveConfig({ eks: { addonVersions: { "vpc-cni": "latest" } } })).toThrow(/eks\.addonVersions\.vpc-cni: must be "default" or an EKS add-on version/);
      expect(() => resolveConfig({ eks: { addonVersions: { "vpc_cni": "default" } } })).toThrow(/eks\.addonVersions\.vpc_cni: unknown key. Fix: did you mean "vpc-cni"/);
    });
    it("checks node group sizes and the node-group AZ count", () => {
      expect(() => resolveConfig({ eks: { nodesPerZone: { desired: 5 } } })).toThrow(/eks\.nodesPerZone: sizes must satisfy min <= desired <= max, got min 1, desired 5, max 2/);
      expect(() => resolveConfig({ eks: { nodesPerZone: { min: 0 } } })).toThrow(/eks\.nodesPerZone\.min: must be at least 1/);
      // us-west-1 lists 2 AZs.
      expect(() => resolveConfig({ eks: { nodeZoneCount: 3 } })).toThrow(/eks\.nodeZoneCount: 3 node-group AZs, but the secondary region lists only 2\. Fix: set eks\.nodeZoneCount to 2 or less/);
    });
    it("warns (without failing) when the version is past EKS standard support", () => {
      const cfg = resolveConfig({ eks: { kubernetesVersion: "1.34" }, dns: { zoneName: "drweb.io", domainName: "www.drweb.io" }, backups: { isolatedCopy: { accountId: "210987654321", vaultName: "drweb-isolated" } } });
      expect(configWarnings(cfg, new Date("2026-11-30T00:00:00Z"))).toEqual([]);
      expect(configWarnings(cfg, new Date("2026-12-03T00:00:00Z"))).toEqual([expect.stringMatching(/eks\.kubernetesVersion: 1\.34 left EKS standard support on 2026-12-02/)]);
    });
  });
});
