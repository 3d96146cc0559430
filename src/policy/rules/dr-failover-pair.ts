import { block } from "../context";
import type { AppRule } from "../types";
import { COMPLIANT, fail } from "../types";

/** DR: every PRIMARY failover record is health-checked and has a SECONDARY twin. */
export const drFailoverPair: AppRule = {
  kind: "app",
  id: "dr-failover-pair",
  description: "Every PRIMARY failover record has a health check and a SECONDARY record of the same name, type and zone",
  fix: "attach health_check_id to the PRIMARY record and declare the SECONDARY record (FailoverRecords does both)",
  check(ctx) {
    const records = ctx.resources("aws_route53_record").filter((r) => block(r.config.failover_routing_policy));
    return records
      .filter((r) => block(r.config.failover_routing_policy)!.type === "PRIMARY")
      .map((p) => {
        if (!p.config.health_check_id) return { resource: p, verdict: fail("the PRIMARY record has no health check: Route53 would never fail over") };
        const twin = records.find(
          (s) => s.stack === p.stack && block(s.config.failover_routing_policy)!.type === "SECONDARY" && s.config.name === p.config.name && s.config.type === p.config.type && s.config.zone_id === p.config.zone_id,
        );
        if (!twin) return { resource: p, verdict: fail(`no SECONDARY ${p.config.type} record for ${p.config.name}`) };
        if (twin.config.set_identifier === p.config.set_identifier) return { resource: p, verdict: fail("PRIMARY and SECONDARY share a set identifier") };
        return { resource: p, verdict: COMPLIANT };
      });
  },
};
