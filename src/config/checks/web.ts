/**
 * Checks of the web tier: group sizes (web and EKS nodes), the fleet's
 * architecture and CIDRs, the ALB's inbound-rule quota.
 */
import { albIngressPlan, ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT, SG_INBOUND_RULES_QUOTA } from "../../lib/alb-ingress";
import { parseCidr } from "../../lib/cidr";
import { WHEEL_TARGET } from "../../lib/wheel-target";
import type { CheckedConfig } from "../base-schema";
import { REGION_ROLES } from "../sections/network";
import type { Ctx, FieldPath } from "./issues";

export function checkSizes(cfg: CheckedConfig, ctx: Ctx): void {
  const groups: Array<[string, { min: number; desired: number; max: number }]> = [
    ["web", { min: cfg.web.minSize, desired: cfg.web.desiredCapacity, max: cfg.web.maxSize }],
    ["eks", { min: cfg.eks.nodesPerZone.min, desired: cfg.eks.nodesPerZone.desired, max: cfg.eks.nodesPerZone.max }],
  ];
  for (const [section, g] of groups) {
    if (g.min > g.desired || g.desired > g.max) {
      const fields: FieldPath[] = section === "web" ? [["web", "minSize"], ["web", "desiredCapacity"], ["web", "maxSize"]] : [["eks", "nodesPerZone", "min"], ["eks", "nodesPerZone", "desired"], ["eks", "nodesPerZone", "max"]];
      ctx.addIssue({
        code: "custom",
        path: section === "web" ? [section] : ["eks", "nodesPerZone"],
        params: { uses: fields },
        message: `sizes must satisfy min <= desired <= max, got min ${g.min}, desired ${g.desired}, max ${g.max}. Fix: adjust the ${section === "web" ? "web" : "eks.nodesPerZone"} sizes`,
      });
    }
  }
}

export function checkWeb(cfg: CheckedConfig, ctx: Ctx): void {
  if (cfg.web.appPort === cfg.web.metricsPort) {
    ctx.addIssue({
      code: "custom",
      path: ["web", "metricsPort"],
        params: { uses: [["web", "appPort"]] },
      message: `equals web.appPort (${cfg.web.appPort}); the metrics must be on a separate port the ALB does not expose. Fix: use another port, e.g. 9102`,
    });
  }
  cfg.web.ingressCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (typeof c === "string") {
      ctx.addIssue({ code: "custom", path: ["web", "ingressCidrs", i], message: `${c}. Fix: give a CIDR block such as 0.0.0.0/0 or 203.0.113.0/24` });
    } else if (cfg.web.ingressCidrs.indexOf(cidr) !== i) {
      ctx.addIssue({ code: "custom", path: ["web", "ingressCidrs", i], message: `${cidr} is listed twice (AWS refuses a duplicate security-group rule). Fix: remove the repeat` });
    }
  });
  checkAlbRuleQuota(cfg, ctx);
  // The instances install wheels built for x86_64 (src/web/wheelhouse.ts).
  if (/arm64|aarch64/.test(cfg.web.amiSsmParameter) || /^[a-z]+\d+g[a-z]*\./.test(cfg.web.instanceType)) {
    ctx.addIssue({
      code: "custom",
      path: ["web", /arm64|aarch64/.test(cfg.web.amiSsmParameter) ? "amiSsmParameter" : "instanceType"],
      params: { uses: [["web", "instanceType"], ["web", "amiSsmParameter"]] },
      message: `${cfg.web.instanceType} / ${cfg.web.amiSsmParameter} is an Arm (Graviton) web fleet, but the app's wheels are built for ${WHEEL_TARGET.architecture} (src/web/wheelhouse.ts). Fix: use an x86_64 instance type (e.g. t3.micro) and the x86_64 AL2023 parameter`,
    });
  }
  for (const role of REGION_ROLES) {
    const arn = cfg.regions[role].certificateArn;
    if (arn && arn.split(":")[3] !== cfg.regions[role].region) {
      ctx.addIssue({
        code: "custom",
        path: ["regions", role, "certificateArn"],
        params: { uses: [["regions", role, "region"]] },
        message: `the certificate is in ${arn.split(":")[3]}, but an ALB can only use an ACM certificate of its own region (${cfg.regions[role].region}). Fix: issue or import the certificate in ${cfg.regions[role].region}`,
      });
    }
  }
}

/** The ALB's inbound rules in each region must fit the security-group quota (src/lib/alb-ingress.ts). */
export function checkAlbRuleQuota(cfg: CheckedConfig, ctx: Ctx): void {
  for (const role of REGION_ROLES) {
    const p = albIngressPlan(cfg.web.ingressCidrs.length, cfg.dns.enabled || !!cfg.regions[role].certificateArn, cfg.dns.enabled);
    if (p.rules <= SG_INBOUND_RULES_QUOTA) continue;
    const checkers = p.healthCheckers ? ` + ${ROUTE53_HEALTHCHECKS_PREFIX_LIST_WEIGHT} for the Route53 health checkers (a prefix list counts as its maximum entries)` : "";
    ctx.addIssue({
      code: "custom",
      path: ["web", "ingressCidrs"],
      params: { uses: [["dns", "enabled"], ["regions", role, "certificateArn"]] },
      message: `${p.cidrs} CIDRs x ${p.ports.length} listener ports (${p.ports.join(", ")})${checkers} = ${p.rules} inbound rules on the ALB security group of the ${role} region, over the quota of ${SG_INBOUND_RULES_QUOTA} rules per security group. Fix: list at most ${p.maxCidrs} CIDRs (aggregate neighbouring ranges into larger blocks)`,
    });
    return; // one message: ingressCidrs is shared by both regions
  }
}
