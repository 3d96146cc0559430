import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsEksAddonVersion } from "@cdktf/provider-aws/lib/data-aws-eks-addon-version";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { ValidConfig } from "../config";
import { addonVersionChoice, type EksAddon as EksAddonName } from "../config/eks-versions";
import { EBS_CSI_SERVICE_ACCOUNT } from "./contract";
import { PodIdentityRole } from "./pod-identity-role";

export type EksSettings = Readonly<ValidConfig["eks"]>;

/** Every EKS control-plane log type. */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** Add-ons the nodes need to become Ready (installed before the node group). */
const NODE_BOOTSTRAP_ADDONS: readonly EksAddonName[] = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"];

export interface EksMonitoringClusterProps {
  /** Cluster name (src/eks/contract.ts clusterName). */
  readonly clusterName: string;
  /** Name prefix for IAM roles and the launch template, e.g. drweb-prod-use2. */
  readonly namePrefix: string;
  readonly region: string;
  readonly partition: string;
  /** Private-app subnets, one per AZ: the control-plane ENIs. */
  readonly subnetIds: readonly string[];
  /**
   * The AZs of the node groups, each with its private-app subnet: one
   * managed node group per entry (src/eks/contract.ts monitoringNodeZones).
   */
  readonly nodeZones: readonly { readonly zone: string; readonly subnetId: string }[];
  /** The region's customer-managed key (secrets, logs, node volumes, PVs). */
  readonly kmsKeyArn: string;
  readonly settings: EksSettings;
  /** Tags of the node instances and volumes. */
  readonly nodeTags: Readonly<Record<string, string>>;
}

/**
 * The region's EKS cluster for Prometheus and Grafana: private API endpoint
 * (public only for configured CIDRs; the private one admits the configured
 * connected networks and, through allowApiFrom, the deploy runner), API
 * authentication with access entries, secrets envelope-encrypted with the
 * region's key, every control-plane log type, one managed node group per
 * monitoring AZ on IMDSv2, managed add-ons whose versions no plan changes
 * by itself, and the EBS CSI driver with its own Pod Identity role.
 */
export class EksMonitoringCluster extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  /** Security group EKS puts on the control plane and the managed nodes (and so on pods). */
  readonly clusterSecurityGroupId: string;
  readonly nodeRoleArn: string;
  /** Version of each managed add-on as installed (the add-on's own attribute). */
  readonly addonVersions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: EksMonitoringClusterProps) {
    super(scope, id);
    const s = props.settings;
    const p = props.partition;
    const managed = (name: string) => `arn:${p}:iam::aws:policy/${name}`;

    // --- Control plane
    const logGroup = new CloudwatchLogGroup(this, "ControlPlaneLogs", {
      // The name EKS writes to; created first so retention and the key apply.
      name: `/aws/eks/${props.clusterName}/cluster`,
      retentionInDays: s.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const clusterTrust = new DataAwsIamPolicyDocument(this, "ClusterTrust", {
      statement: [{ actions: ["sts:AssumeRole", "sts:TagSession"], principals: [{ type: "Service", identifiers: ["eks.amazonaws.com"] }] }],
    });
    const clusterRole = new IamRole(this, "ClusterRole", {
      name: `${props.namePrefix}-eks-cluster`,
      description: "EKS control plane",
      assumeRolePolicy: clusterTrust.json,
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "ClusterPolicy", { role: clusterRole.name, policyArn: managed("AmazonEKSClusterPolicy") });
    const secretsKey = new DataAwsIamPolicyDocument(this, "SecretsKeyAccess", {
      statement: [
        { sid: "EnvelopeEncryption", actions: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:ListGrants"], resources: [props.kmsKeyArn] },
        {
          sid: "GrantsForAwsResources",
          actions: ["kms:CreateGrant"],
          resources: [props.kmsKeyArn],
          condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
        },
      ],
    });
    const clusterKeyPolicy = new IamRolePolicy(this, "ClusterKeyPolicy", { name: "secrets-encryption", role: clusterRole.id, policy: secretsKey.json });

    const publicCidrs = [...s.publicAccessCidrs];
    const cluster = new EksCluster(this, "Cluster", {
      name: props.clusterName,
      version: s.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: [...props.subnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs.length > 0,
        ...(publicCidrs.length > 0 ? { publicAccessCidrs: publicCidrs } : {}),
      },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: s.clusterCreatorAdmin },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: props.kmsKeyArn } },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      // STANDARD: never run (and pay for) extended support; EKS upgrades the
      // cluster when standard support ends. Keep kubernetesVersion current.
      upgradePolicy: { supportType: "STANDARD" },
      // Every add-on is a managed add-on below, at a chosen version.
      bootstrapSelfManagedAddons: false,
      dependsOn: [logGroup, clusterPolicy, clusterKeyPolicy],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;
    // The cluster security group EKS creates admits only itself ("View
    // Amazon EKS security group requirements for clusters", default rules:
    // https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html),
    // and it is on the private endpoint's ENIs: whoever reaches a private
    // API "must ensure that your Amazon EKS control plane security group
    // contains rules to allow ingress traffic on port 443" from them ("Cluster
    // API server endpoint", https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html).
    s.privateAccessCidrs.forEach((cidr, i) => {
      new VpcSecurityGroupIngressRule(this, `ApiFromConnectedNetwork${i}`, {
        securityGroupId: cluster.vpcConfig.clusterSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
        description: `Kubernetes API (private endpoint) from connected network ${cidr} (eks.privateAccessCidrs)`,
      });
    });

    s.adminPrincipalArns.forEach((principalArn, i) => {
      const entry = new EksAccessEntry(this, `AdminEntry${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD" });
      new EksAccessPolicyAssociation(this, `AdminPolicy${i}`, {
        clusterName: cluster.name,
        principalArn,
        policyArn: `arn:${p}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
        dependsOn: [entry],
      });
    });

    // --- Add-ons. A DR deploy must change only what the runbook says, so no
    // add-on version is resolved anew at plan time: a version pinned in the
    // config or in src/config/eks-versions.ts is kept exactly; an add-on
    // without a pin gets EKS's default for the Kubernetes version when it is
    // created, and `ignore_changes` keeps every later plan from updating it
    // when AWS designates a newer default (pin it to change it on purpose).
    const addonVersions: Record<string, string> = {};
    const addon = (name: EksAddonName, extra: Partial<ConstructorParameters<typeof EksAddon>[2]> = {}) => {
      const choice = addonVersionChoice(name, s.addonVersions[name], s.kubernetesVersion);
      const version =
        choice.kind === "pinned"
          ? choice.version
          : new DataAwsEksAddonVersion(this, `DefaultVersion${pascal(name)}`, { addonName: name, kubernetesVersion: cluster.version, mostRecent: false }).version;
      const a = new EksAddon(this, `Addon${pascal(name)}`, {
        clusterName: cluster.name,
        addonName: name,
        addonVersion: version,
        // Config is the source of truth for add-on settings.
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        ...(choice.kind === "frozen" ? { lifecycle: { ignoreChanges: ["addon_version"] } } : {}),
        ...extra,
      });
      addonVersions[name] = a.addonVersion;
      return a;
    };
    const bootstrap = NODE_BOOTSTRAP_ADDONS.map((a) => addon(a));

    // --- Nodes
    const nodeTrust = new DataAwsIamPolicyDocument(this, "NodeTrust", {
      statement: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
    });
    const nodeRole = new IamRole(this, "NodeRole", {
      name: `${props.namePrefix}-eks-node`,
      description: "EKS managed nodes of the monitoring cluster",
      assumeRolePolicy: nodeTrust.json,
    });
    this.nodeRoleArn = nodeRole.arn;
    // AmazonEKS_CNI_Policy stays on the node role (AWS's default set-up):
    // the VPC CNI must assign pod IPs before any Pod Identity credential can
    // be served, so giving it a Pod Identity role would add a boot-order risk
    // for no gain on a cluster that runs only the monitoring stack.
    const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"].map(
      (name) => new IamRolePolicyAttachment(this, `Node${name}`, { role: nodeRole.name, policyArn: managed(name) }),
    );

    const tagSpec = (resourceType: string) => ({ resourceType, tags: { ...props.nodeTags, Name: `${props.namePrefix}-eks-node` } });
    const nodeTemplate = new LaunchTemplate(this, "NodeTemplate", {
      name: `${props.namePrefix}-eks-node`,
      description: "EKS monitoring nodes: IMDSv2 only, CMK-encrypted gp3 root",
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // Hop limit 1: pods (other than host-network ones) cannot reach the
        // node's instance role; they get credentials from Pod Identity.
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeType: "gp3", volumeSize: s.nodeDiskGb, encrypted: "true", kmsKeyId: props.kmsKeyArn, deleteOnTermination: "true" },
        },
      ],
      tagSpecifications: [tagSpec("instance"), tagSpec("volume"), tagSpec("network-interface")],
    });
    // One node group per monitoring AZ: EBS volumes are zonal, and a
    // managed node group spanning several AZs may replace a lost node in
    // another AZ than its volumes'. With a group per AZ (min >= 1), the AZ
    // of every volume keeps a node. (AWS: "Creating Kubernetes Auto Scaling
    // Groups for Multiple Availability Zones", one group per AZ for EBS-backed
    // workloads, https://aws.amazon.com/blogs/containers/amazon-eks-cluster-multi-zone-auto-scaling-groups/;
    // eksctl: "If your workloads are zone-specific you'll need to create
    // separate nodegroups for each zone", https://docs.aws.amazon.com/eks/latest/eksctl/autoscaling.html.)
    const nodeGroups = props.nodeZones.map(
      ({ zone, subnetId }, i) =>
        new EksNodeGroup(this, `NodeGroup${i}`, {
          clusterName: cluster.name,
          nodeGroupName: `${props.namePrefix}-monitoring-${zone}`,
          nodeRoleArn: nodeRole.arn,
          subnetIds: [subnetId],
          version: cluster.version,
          amiType: "AL2023_x86_64_STANDARD",
          capacityType: "ON_DEMAND",
          instanceTypes: [s.nodeInstanceType],
          scalingConfig: { desiredSize: s.nodesPerZone.desired, minSize: s.nodesPerZone.min, maxSize: s.nodesPerZone.max },
          updateConfig: { maxUnavailable: 1 },
          launchTemplate: { id: nodeTemplate.id, version: nodeTemplate.latestVersion.toString() },
          labels: { "drweb/role": "monitoring" },
          dependsOn: [...nodePolicies, ...bootstrap],
        }),
    );

    // --- EBS CSI driver (Prometheus, Grafana and Alertmanager volumes)
    const ebsCsiRole = new PodIdentityRole(this, "EbsCsiRole", {
      roleName: `${props.namePrefix}-eks-ebs-csi`,
      description: "EBS CSI controller: create, attach and encrypt volumes for the monitoring cluster",
      clusterArn: cluster.arn,
      // The add-on's podIdentityAssociation below binds it.
      serviceAccount: EBS_CSI_SERVICE_ACCOUNT,
      managedPolicyArns: [`arn:${p}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy`],
      statements: [
        {
          sid: "EncryptVolumesWithRegionKey",
          actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
          resources: [props.kmsKeyArn],
        },
        {
          sid: "GrantsForAttachedVolumes",
          actions: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
          resources: [props.kmsKeyArn],
          condition: [{ test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
        },
      ],
    });
    // These need running nodes to become healthy.
    addon("coredns", { dependsOn: nodeGroups });
    addon("aws-ebs-csi-driver", {
      podIdentityAssociation: [{ roleArn: ebsCsiRole.roleArn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name }],
      dependsOn: nodeGroups,
    });
    this.addonVersions = addonVersions;
  }

  /**
   * Admits a security group of the VPC (the deploy runner's) to the private
   * API endpoint: port 443 on the cluster security group.
   */
  allowApiFrom(id: string, sourceSecurityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.clusterSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: sourceSecurityGroupId,
      description,
    });
  }
}

/** "aws-ebs-csi-driver" -> "AwsEbsCsiDriver" (construct ids become Terraform addresses). */
function pascal(name: string): string {
  return name.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}
