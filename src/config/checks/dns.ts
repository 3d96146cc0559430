/**
 * Checks of the dns section.
 */
import type { CheckedConfig } from "../base-schema";
import { ROUTE53_CHECKER_REGIONS } from "../sections/dns";
import type { Ctx } from "./issues";

export const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function checkDns(cfg: CheckedConfig, ctx: Ctx): void {
  const d = cfg.dns;
  if (!d.enabled) return;
  const zone = d.zoneName;
  const domain = d.domainName;
  if (!zone) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneName"], message: "missing: the failover records need a hosted zone. Fix: set the zone's name, e.g. example.org (or dns.enabled: false)" });
  } else if (!DNS_NAME.test(zone)) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneName"], message: `"${d.zoneName}" is not a DNS name. Fix: use lower-case labels like example.org` });
  }
  if (!DNS_NAME.test(domain)) {
    ctx.addIssue({ code: "custom", path: ["dns", "domainName"], message: `"${d.domainName}" is not a DNS name. Fix: use lower-case labels like app.example.org` });
  } else if (zone && domain !== zone && !domain.endsWith(`.${zone}`)) {
    ctx.addIssue({
      code: "custom",
      path: ["dns", "domainName"],
      params: { uses: [["dns", "zoneName"]] },
      message: `${domain} is outside the zone ${zone}; Route53 can only answer for names inside it. Fix: use a name ending in .${zone}, or set dns.zoneName to the zone that holds ${domain}`,
    });
  }
  if (d.createZone && d.zoneId) {
    ctx.addIssue({ code: "custom", path: ["dns", "zoneId"], params: { uses: [["dns", "createZone"]] }, message: "a zone id looks up an existing zone, but createZone creates a new one. Fix: remove dns.zoneId or set dns.createZone to false" });
  }
  if (d.healthCheck.requestIntervalSeconds !== 10 && d.healthCheck.requestIntervalSeconds !== 30) {
    ctx.addIssue({
      code: "custom",
      path: ["dns", "healthCheck", "requestIntervalSeconds"],
      message: `${d.healthCheck.requestIntervalSeconds} is not a Route53 request interval; Route53 offers only 10 (fast) or 30 (standard) seconds. Fix: use 10 or 30`,
    });
  }
  const known = ROUTE53_CHECKER_REGIONS as readonly string[];
  d.healthCheck.regions.forEach((r, i) => {
    if (!known.includes(r)) {
      ctx.addIssue({ code: "custom", path: ["dns", "healthCheck", "regions", i], message: `"${r}" has no Route53 health checkers. Fix: use regions of ${known.join(", ")}` });
    }
  });
  if (new Set(d.healthCheck.regions).size < 3) {
    ctx.addIssue({ code: "custom", path: ["dns", "healthCheck", "regions"], message: `Route53 needs at least 3 distinct checker regions, got ${new Set(d.healthCheck.regions).size}. Fix: list 3 or more of ${known.join(", ")}` });
  }
}
