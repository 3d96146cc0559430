/**
 * The config's eks section: the EKS cluster of each region and its add-ons.
 */
import { z } from "zod";
import { EKS_ADDONS } from "../eks-versions";
import { count } from "./fields";

export const eksSchema = z.strictObject({
  /** Kubernetes minor version of both clusters (a row of src/config/eks-versions.ts): unknown versions are refused; a version past EKS standard support prints a warning. */
  kubernetesVersion: z.string(),
  /** EC2 instance type of the monitoring nodes. */
  nodeInstanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.medium" }),
  /**
   * AZs with a monitoring node group: the first N of each region's
   * availabilityZones, one managed node group each. The monitoring
   * volumes (EBS, zonal) are created only in these AZs, so a replacement
   * node always lands in the AZ of the volumes it must mount.
   */
  nodeZoneCount: count(),
  /** Nodes of each per-AZ node group (min >= 1: every volume's AZ keeps a node). */
  nodesPerZone: z.strictObject({
    /** Fewest nodes of each per-AZ node group (at least 1: every volume's AZ keeps a node). */
    min: count(),
    /** Nodes each per-AZ node group runs. */
    desired: count(),
    /** Most nodes of each per-AZ node group. */
    max: count(),
  }),
  /** Node root volume (GiB), gp3, encrypted with the region's key. */
  nodeDiskGb: z.number().int().min(20).max(1024),
  /**
   * CIDRs allowed to reach the public API endpoint. Empty: the public
   * endpoint is off and the API is reachable only from inside the VPC
   * (the private endpoint is always on). Else the operator networks allowed (/8 or narrower).
   */
  publicAccessCidrs: z.array(z.string()),
  /**
   * Networks connected to the VPCs (VPN, Direct Connect, peering, a CI
   * runner's VPC) admitted to the private API endpoint: port 443 on the
   * cluster security group, which otherwise admits only itself. With the deploy runner off and no public CIDRs,
   * one is required (the config refuses a cluster nobody can reach).
   */
  privateAccessCidrs: z.array(z.string()),
  /**
   * A small SSM-managed instance in each region's private app subnets
   * (no SSH, no public IP, no inbound rule) through which operators open
   * a Session Manager port-forwarding tunnel to the private API endpoint
   * (monitoring/README.md). Its role holds only Session Manager.
   */
  deployRunner: z.strictObject({
    /** Build the deploy runner (an SSM-managed tunnel host) in each region. */
    enabled: z.boolean(),
    /** An x86_64 instance type (the runner runs Amazon Linux 2023 x86_64). */
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: "must be an EC2 instance type like t3.micro" }),
  }),
  /** Give the identity that creates the cluster (the one running `cdktf deploy`) cluster-admin; this or adminPrincipalArns is required. */
  clusterCreatorAdmin: z.boolean(),
  /** IAM role/user ARNs granted cluster-admin through EKS access entries; this or clusterCreatorAdmin is required. */
  adminPrincipalArns: z.array(
    z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/, { message: "must be an IAM role or user ARN. Fix: e.g. arn:aws:iam::123456789012:role/platform-admin" }),
  ),
  /** Days the control-plane logs are kept. */
  logRetentionDays: z.number().int(),
  /**
   * Version of each managed add-on: an exact version ("v1.20.4-eksbuild.2")
   * pins it; "default" takes the pin of src/config/eks-versions.ts for the
   * Kubernetes version, or, for an add-on without one there, EKS's default
   * version when the add-on is created, never updated by a later deploy (pin one to change it). kube-proxy
   * and CoreDNS are pinned there from the EKS user guide.
   */
  addonVersions: z.strictObject(
    Object.fromEntries(EKS_ADDONS.map((a) => [a, z.string().regex(/^(default|v\d+\.\d+\.\d+-eksbuild\.\d+)$/, { message: 'must be "default" or an EKS add-on version like v1.20.4-eksbuild.2' })])) as Record<(typeof EKS_ADDONS)[number], z.ZodString>,
  ),
});
