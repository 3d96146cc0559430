import type { RegionRole, ValidConfig } from "../config";
import { regionClusterIdentifier } from "../database/aurora-contract";
import { endpointsParameterName, type DbEndpoints } from "../database/endpoints-parameter";
import { no, ok } from "./check-helpers";
import type { EndpointsParameterPlatform, EndpointsParameterState } from "./endpoints-parameter-platform";
import type { StepContext, StepGuard } from "./plan-model";
import type { Check, DrPlatform } from "./platform";

/**
 * The Aurora mode's database endpoints parameter as the runbook judges it (src/database/endpoints-parameter.ts):
 * which cluster a region's fleet uses, compared with what the config records (the region's member cluster, or
 * database.restoredCluster after a `dr restore` moved the app). Shared by the restore's move
 * (aurora-restore-plan.ts point-endpoints), the Aurora failover / switchover / failback guard (aurora-plan.ts) and
 * `dr readiness` (readiness.ts), so the three read the parameter the same way. Values are compared parsed (the
 * runbook's encodeEndpoints writes the bytes the stacks' jsonencode writes, keys sorted, but a parameter put by hand
 * need not).
 */

/** The platform's endpoints parameter calls, or null. */
export function endpointsParameterOf(platform: DrPlatform): EndpointsParameterPlatform | null {
  const p = platform as unknown as Partial<EndpointsParameterPlatform>;
  return typeof p.endpointsParameter === "function" && typeof p.putEndpointsParameter === "function" ? (p as EndpointsParameterPlatform) : null;
}

/** The platform's endpoints parameter calls, or a clear failure naming what is missing. */
export function endpointsOps(platform: DrPlatform, why: string): EndpointsParameterPlatform {
  const p = endpointsParameterOf(platform);
  if (!p) throw new Error(`the ${platform.name} platform has no database endpoints parameter (EndpointsParameterPlatform: endpointsParameter, putEndpointsParameter): ${why} needs it`);
  return p;
}

/** Two endpoint values name the same cluster, hosts and port. */
export function sameEndpoints(a: DbEndpoints | null, b: DbEndpoints | null): boolean {
  return !!a && !!b && a.cluster === b.cluster && a.writer === b.writer && a.reader === b.reader && a.port === b.port;
}

/** The cluster the config says a region's parameter names: database.restoredCluster when it is that region's, else the member. */
export function recordedCluster(config: ValidConfig, role: RegionRole): string {
  const rc = config.database.restoredCluster;
  return rc && rc.region === role ? rc.identifier : regionClusterIdentifier(config, role);
}

export type EndpointsVerdictKind = "recorded" | "other" | "missing" | "invalid";

export interface EndpointsVerdict {
  readonly kind: EndpointsVerdictKind;
  /** What was seen, with the parameter's name and region. */
  readonly detail: string;
}

/** Judges a region's parameter against the config's record. */
export function endpointsVerdict(config: ValidConfig, role: RegionRole, s: EndpointsParameterState): EndpointsVerdict {
  const where = `${s.name} (${config.regions[role].region})`;
  const want = recordedCluster(config, role);
  if (!s.found) return { kind: "missing", detail: `${where} does not exist (${s.detail})` };
  if (!s.value) return { kind: "invalid", detail: `${where} holds no valid value (${s.detail})` };
  const names = `${where} names ${s.value.cluster} (writer ${s.value.writer})`;
  if (s.value.cluster === want) return { kind: "recorded", detail: `${names}: ${want === regionClusterIdentifier(config, role) ? "the region's member cluster" : "the restored cluster database.restoredCluster records"}` };
  return { kind: "other", detail: `${names}, not ${want} (${config.database.restoredCluster?.region === role ? "database.restoredCluster" : "the region's member cluster"})` };
}

/** Why Aurora failover / switchover / failback are refused while a restore is recorded, or null. */
export function restoredClusterRefusal(config: ValidConfig, what: string): string | null {
  const rc = config.database.restoredCluster;
  if (!rc) return null;
  const other: RegionRole = rc.region === "primary" ? "secondary" : "primary";
  return (
    `${what} is refused: config database.restoredCluster records that \`dr restore\` moved the ${rc.region} region's app to the restored cluster ${rc.identifier}, a standalone cluster outside the global database. ` +
    `The ${other} region's member ${regionClusterIdentifier(config, other)} still replicates the damaged global primary ${regionClusterIdentifier(config, rc.region)}: a failover or switchover would make the damaged data the writer again. ` +
    `Fix: rebuild the global database around ${rc.identifier} first (aws rds create-global-cluster --source-db-cluster-identifier <ARN of ${rc.identifier}>; docs/dr-runbook.md, "dr restore", Aurora mode), then record it in the config. Nothing was changed.`
  );
}

/** How long the unplanned failover's guard waits for a region's parameter before it only reports it. */
export const UNREACHABLE_READ_MS = 5_000;

/**
 * The failover guard: every region's parameter names what the config records (an unrecorded restore: refused).
 * `unreachableOk`: a region whose parameter cannot be read (its region down: an unplanned failover) is reported,
 * not fatal. A missing or invalid parameter is reported (readiness says it), not a refusal: it names no other cluster.
 */
export function endpointsGuard(config: ValidConfig, roles: readonly RegionRole[], unreachableOk: boolean): StepGuard {
  return {
    text: `each region's database endpoints parameter (${roles.map((r) => endpointsParameterName(config, r)).join(", ")}) names the cluster the config records (the member, or database.restoredCluster): a parameter naming another cluster is a \`dr restore\` the config does not record${unreachableOk ? "; a region that does not answer is only reported" : ""}`,
    check: async (ctx: StepContext): Promise<Check> => {
      const p = endpointsParameterOf(ctx.platform);
      if (!p) return ok(`the ${ctx.platform.name} platform has no database endpoints parameter: not checked`);
      // Read at once; where a region that does not answer is only reported, its read is cut after UNREACHABLE_READ_MS
      // (an unplanned failover's preflight does not wait out the adapter's whole call bound on a region that is down).
      const read = (role: RegionRole) => {
        const r = p.endpointsParameter(role).then((s) => ({ role, s }), (e: unknown) => ({ role, error: (e as Error)?.message ?? String(e) }));
        if (!unreachableOk) return r;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<{ role: RegionRole; error: string }>((resolve) => {
          timer = setTimeout(() => resolve({ role, error: `no answer within ${UNREACHABLE_READ_MS / 1000} s` }), UNREACHABLE_READ_MS);
          timer.unref?.();
        });
        return Promise.race([r, late]).finally(() => clearTimeout(timer));
      };
      const reads = await Promise.all(roles.map(read));
      const seen: string[] = [];
      for (const r of reads) {
        if (!("s" in r)) {
          const why = `${endpointsParameterName(config, r.role)} (${config.regions[r.role].region}) could not be read (${r.error})`;
          if (!unreachableOk) return no(why);
          seen.push(`${why}: not checked there`);
          continue;
        }
        const v = endpointsVerdict(config, r.role, r.s);
        if (v.kind === "other") {
          return no(
            `${v.detail}: a \`dr restore\` moved this region's app and the config does not record it (database.restoredCluster). The other member replicates the damaged data: a failover would make it the writer again. ` +
              `Record the restore (the config block \`dr restore\` printed) or point the parameter back, then run again`,
          );
        }
        seen.push(v.detail);
      }
      return ok(seen.join("; "));
    },
  };
}

/** A step with `guard` checked before its own precondition (both must hold). */
export function withGuard<S extends { readonly precondition: { readonly text: string; readonly check?: (ctx: StepContext) => Promise<Check> } }>(step: S, guard: StepGuard): S {
  const own = step.precondition.check;
  return {
    ...step,
    precondition: {
      text: `${guard.text}; ${step.precondition.text}`,
      check: async (ctx: StepContext): Promise<Check> => {
        const g = await guard.check(ctx);
        if (!g.ok) return g;
        if (!own) return g;
        const c = await own(ctx);
        return c.ok ? ok(`${c.detail}; ${g.detail}`) : c;
      },
    },
  };
}
