import type { RegionRole, ValidConfig } from "../config";
import { dbIdentifier, readerMember } from "../database/database-tier";
import { Naming } from "../lib/naming";
import { webAsgName } from "../web/fleet";
import { albName, targetGroupName } from "../web/load-balancer";

/** Names the plan prints (the same functions the stacks name resources with). */
export function names(config: ValidConfig, role: RegionRole) {
  const regional = new Naming(config.project, config.environment, config.regions[role].region).regional;
  return {
    region: config.regions[role].region,
    regional,
    asg: webAsgName(regional),
    targetGroup: targetGroupName(regional),
    alb: albName(regional),
    writer: (generation: number) => dbIdentifier(regional, generation, "writer"),
    readers: (generation: number) => Array.from({ length: config.database.readersPerRegion }, (_, i) => dbIdentifier(regional, generation, readerMember(i))),
  };
}
