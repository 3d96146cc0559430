import { REGION_ROLES, type RegionRole, type ValidConfig } from "../config";
import { isAurora } from "../database/aurora-contract";
import { endpointsParameterName } from "../database/endpoints-parameter";
import { endpointsParameterOf, endpointsVerdict, recordedCluster, restoredClusterRefusal, type EndpointsVerdict } from "./endpoints-check";
import type { DrPlatform } from "./platform";

/**
 * `dr status` in the Aurora mode: which cluster each region's fleet uses, from its database endpoints parameter
 * (src/database/endpoints-parameter.ts; the app reads it when it starts), judged as the failover guard and `dr
 * readiness` judge it (endpoints-check.ts). status.ts reads it beside the rest and adds the findings.
 */

/** A region's endpoints parameter as `dr status` saw it: the verdict, or null when it could not be read (in readErrors). */
export interface EndpointsStatus {
  readonly role: RegionRole;
  readonly region: string;
  readonly name: string;
  readonly verdict: EndpointsVerdict | null;
}

/** Reads each region's parameter (Aurora mode, a platform that has it; else none). `settle` bounds each read and records what could not be read under `firstSlot + i`. */
export async function collectEndpoints(
  config: ValidConfig,
  platform: DrPlatform,
  o: { readonly settle: <T>(p: Promise<T>, what: string, slot: number, fallback: T) => Promise<T>; readonly firstSlot: number },
): Promise<EndpointsStatus[] | undefined> {
  const p = isAurora(config) ? endpointsParameterOf(platform) : null;
  if (!p) return undefined;
  return Promise.all(
    REGION_ROLES.map(async (role, i) => {
      const name = endpointsParameterName(config, role);
      const region = config.regions[role].region;
      const verdict = await o.settle(
        p.endpointsParameter(role).then((s) => endpointsVerdict(config, role, s)),
        `${region} database endpoints parameter ${name}`,
        o.firstSlot + i,
        null,
      );
      return { role, region, name, verdict };
    }),
  );
}

/** The mismatches (a parameter naming a cluster the config does not record) and warnings (missing, invalid, a recorded restore). */
export function endpointsFindings(config: ValidConfig, statuses: readonly EndpointsStatus[], mismatches: string[], warnings: string[]): void {
  for (const s of statuses) {
    const v = s.verdict;
    if (!v || v.kind === "recorded") continue;
    if (v.kind === "other") {
      mismatches.push(
        `${v.detail}: a \`dr restore\` moved the ${s.role} app and the config does not record it. Record it (database.restoredCluster, the block \`dr restore\` printed) and deploy ${s.role}, or put back ${recordedCluster(config, s.role)}'s endpoints (npx cdktf deploy ${s.role} writes them)`,
      );
    } else {
      warnings.push(`${v.detail}: the ${s.role} region's new app instances would not start (they read it when they start); deploy the ${s.role} stack`);
    }
  }
  const refusal = restoredClusterRefusal(config, "dr failover");
  if (refusal) warnings.push(refusal.replace(/ Nothing was changed\.$/, ""));
}

/** The line under a region in `dr status`'s text. */
export function renderEndpoints(s: EndpointsStatus | undefined, reason: string | undefined): string | null {
  if (!s) return null;
  return `  app uses: ${s.verdict ? s.verdict.detail : `${s.name}: could not be read (${reason ?? "?"})`}`;
}
