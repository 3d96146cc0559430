/**
 * Checks of the eks and monitoring sections.
 */
import { parseCidr } from "../../lib/cidr";
import type { CheckedConfig } from "../base-schema";
import { EKS_VERSIONS } from "../eks-versions";
import { LOG_RETENTION_DAYS } from "../regions";
import { REGION_ROLES } from "../sections/network";
import { checkSecretRecoveryWindow } from "./database";
import { crossIssue, type Ctx } from "./issues";

export function checkEks(cfg: CheckedConfig, ctx: Ctx): void {
  const e = cfg.eks;
  if (!(e.kubernetesVersion in EKS_VERSIONS)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "kubernetesVersion"],
      message: `"${e.kubernetesVersion}" is not a Kubernetes version this project knows for EKS. Fix: use one of ${Object.keys(EKS_VERSIONS).join(", ")} (add new versions to src/config/eks-versions.ts)`,
    });
  }
  e.publicAccessCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["eks", "publicAccessCidrs", i], message: `${c}. Fix: give an operator network such as 203.0.113.0/24` });
    } else if (c.prefix < 8) {
      ctx.addIssue({
        code: "custom",
        path: ["eks", "publicAccessCidrs", i],
        message: `${cidr} opens the Kubernetes API to /${c.prefix} of the internet; the public endpoint must be restricted. Fix: list your operators' networks (a /8 or narrower), or [] to turn the public endpoint off`,
      });
    }
  });
  e.privateAccessCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["eks", "privateAccessCidrs", i], message: `${c}. Fix: give a connected network such as 10.100.0.0/16 (your VPN's range)` });
    } else if (c.prefix < 8) {
      ctx.addIssue({
        code: "custom",
        path: ["eks", "privateAccessCidrs", i],
        message: `${cidr} admits /${c.prefix} of all addresses to the Kubernetes API. Fix: list the networks connected to the VPCs (VPN, Direct Connect, peering), a /8 or narrower`,
      });
    }
  });
  // EKS's cluster security group admits only itself, and the endpoint is
  // private unless publicAccessCidrs is set: without one of these paths the
  // monitoring stacks' kubernetes and helm providers cannot reach the API.
  if (!e.deployRunner.enabled && e.privateAccessCidrs.length === 0 && e.publicAccessCidrs.length === 0) {
    crossIssue(
      ctx,
      ["eks", "deployRunner", "enabled"],
      "nothing could reach the clusters' Kubernetes API, so primary-monitoring and secondary-monitoring could not be deployed (the endpoint is private and EKS's cluster security group admits only itself). Fix: set eks.deployRunner.enabled to true (an SSM tunnel host in each VPC, see monitoring/README.md), or list the networks connected to the VPCs (VPN, Direct Connect, peering) in eks.privateAccessCidrs, or your operators' public networks in eks.publicAccessCidrs",
      [["eks", "privateAccessCidrs"], ["eks", "publicAccessCidrs"]],
      [["eks", "deployRunner", "enabled"], ["eks", "privateAccessCidrs"], ["eks", "publicAccessCidrs"]],
    );
  }
  // Graviton families carry a "g" right after the generation (t4g, m7gd, c7gn).
  if (/^[a-z]+\d+g/.test(e.deployRunner.instanceType)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "deployRunner", "instanceType"],
      message: `${e.deployRunner.instanceType} is an Arm (Graviton) type, but the runner runs Amazon Linux 2023 for x86_64. Fix: use an x86_64 type such as t3.micro`,
    });
  }
  for (const role of REGION_ROLES) {
    const azs = cfg.regions[role].availabilityZones.length;
    if (e.nodeZoneCount > azs) {
      crossIssue(
        ctx,
        ["eks", "nodeZoneCount"],
        `${e.nodeZoneCount} node-group AZs, but the ${role} region lists only ${azs}. Fix: set eks.nodeZoneCount to ${azs} or less, or list more AZs in regions.${role}.availabilityZones`,
        [["regions", role, "availabilityZones"]],
      );
    }
  }
  if (!e.clusterCreatorAdmin && e.adminPrincipalArns.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "adminPrincipalArns"],
        params: { uses: [["eks", "clusterCreatorAdmin"]] },
      message: "no one would be able to administer the clusters (clusterCreatorAdmin is false and no admin principal is listed). Fix: list at least one IAM role ARN, or set eks.clusterCreatorAdmin to true",
    });
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(e.logRetentionDays)) {
    ctx.addIssue({
      code: "custom",
      path: ["eks", "logRetentionDays"],
      message: `${e.logRetentionDays} is not a CloudWatch Logs retention period. Fix: use one of ${LOG_RETENTION_DAYS.join(", ")}`,
    });
  }
}

export function checkMonitoring(cfg: CheckedConfig, ctx: Ctx): void {
  checkSecretRecoveryWindow(cfg, ["monitoring", "grafana", "secretRecoveryWindowDays"], cfg.monitoring.grafana.secretRecoveryWindowDays, ctx);
  const p = cfg.monitoring.prometheus;
  // Prometheus needs room for the WAL and compaction beyond the retained blocks.
  const maxRetained = Math.floor(p.volumeGb * 0.8);
  if (p.retentionSizeGb > maxRetained) {
    ctx.addIssue({
      code: "custom",
      path: ["monitoring", "prometheus", "retentionSizeGb"],
        params: { uses: [["monitoring", "prometheus", "volumeGb"]] },
      message: `${p.retentionSizeGb} GB of retained data leaves no headroom on a ${p.volumeGb} GB volume (WAL and compaction need about 20%). Fix: set it to ${maxRetained} or less, or raise monitoring.prometheus.volumeGb`,
    });
  }
  const g = cfg.monitoring.grafana;
  g.allowedCidrs.forEach((cidr, i) => {
    if (typeof parseCidr(cidr) === "string") {
      ctx.addIssue({ code: "custom", path: ["monitoring", "grafana", "allowedCidrs", i], message: `${parseCidr(cidr)}. Fix: give a CIDR block such as 10.0.0.0/8` });
    }
  });
  if (g.exposure === "internalLoadBalancer" && g.allowedCidrs.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["monitoring", "grafana", "allowedCidrs"],
        params: { uses: [["monitoring", "grafana", "exposure"]] },
      message: "an internal load balancer for Grafana needs the networks allowed to reach it. Fix: list them (e.g. your VPN range), or use exposure \"portForward\"",
    });
  }
}
