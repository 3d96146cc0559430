import { REGION_ROLES, type ValidConfig } from "../config";
import { regionTopology } from "../database/topology";
import { failoverSwitch } from "../dns/contract";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, isAurora, regionClusterIdentifier } from "../database/aurora-contract";
import { auroraOps } from "./aurora-global";
import { names } from "./names";
import { switchCommand } from "./switch-step";
import type { DatabaseState, DrPlatform, HealthCheckState, WebState } from "./platform";
import type { GlobalClusterState, RegionalClusterState } from "./global-database-platform";
import { collectRestorable, renderRestorable } from "./restorable-status";
import { collectEndpoints, endpointsFindings, renderEndpoints } from "./endpoints-status";
import { auroraFindings, auroraSplitBrain, auroraWriteState, memberAsDatabase, renderMember } from "./status-aurora";
import { provablyFenced, UNREAD, type DrStatus, type ReadError, type RegionStatus } from "./status-model";

/**
 * `dr status`: both regions at a glance, and whether AWS matches the
 * config's `database.drState` and `dns.forceFailover` (a mismatch means the
 * config, and so the next deploy or runbook run, would fight what the
 * runbook did; the failover switch itself is never changed by a deploy).
 * Whatever could not be read is said so, with the reason ("could not be
 * read (...)", and `readErrors` in --json), never shown as empty or as
 * "none found".
 *
 * What it reports: status-model.ts (DrStatus); the Aurora mode's judgements: status-aurora.ts.
 */

/** `dr status`'s exit code: 3 a mismatch (config vs AWS, a split brain), 4 something could not be read, 0 they agree. */
export function statusExitCode(s: Pick<DrStatus, "verdict">): number {
  return s.verdict === "mismatch" ? 3 : s.verdict === "incomplete" ? 4 : 0;
}

/**
 * Bound on each read of `dr status` (a read chains a few SDK calls, each
 * bounded by its own abort signal): the status never waits longer than this
 * for anything, and says what it could not read in time.
 */
export const STATUS_READ_TIMEOUT_MS = 60_000;

/** A read bounded by timeoutMs: its value, or fallback(the error) (a throw, or "no answer within N s"). Shared with readiness.ts. */
export async function settle<T>(p: Promise<T>, fallback: (e: Error) => T, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { name: "TimeoutError" })), timeoutMs);
      timer.unref?.();
    });
    p.catch(() => undefined);
    return await Promise.race([p, late]);
  } catch (e) {
    return fallback(e as Error);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
export async function collectStatus(config: ValidConfig, platform: DrPlatform, opts: { readonly readTimeoutMs?: number } = {}): Promise<DrStatus> {
  const readTimeout = opts.readTimeoutMs ?? STATUS_READ_TIMEOUT_MS;
  const drState = config.database.drState;
  const gens = config.database.generations;
  // Filled as the reads settle; listed in a fixed order (health checks, the switch, then each region's web and database).
  const unreadAt: Array<ReadError | undefined> = [];
  const unread = (slot: number, what: string, e: Error): string => {
    const cause = platform.explain?.(e) ?? null;
    const reason = cause ? cause.summary : (e?.message ?? String(e));
    unreadAt[slot] = { what, reason, ...(cause ? { cause: cause.kind } : {}) };
    return reason;
  };
  const sw = failoverSwitch(config);
  const switchWhat = `failover switch (alarm ${sw.alarmName} in ${sw.region})`;
  const aurora = isAurora(config);
  const globalWhat = `Aurora global cluster ${globalClusterIdentifier(config)}`;
  // A read in its slot: settled within readTimeout, or reported unread there with the fallback in its place.
  const slotted = <T>(p: Promise<T>, what: string, slot: number, fallback: T): Promise<T> => settle(p, (e) => {
    unread(slot, what, e);
    return fallback;
  }, readTimeout);
  // Aurora: one read of the global cluster gives both regions' databases (each member read in its own region).
  const globalRead: Promise<GlobalClusterState | null> = aurora
    ? slotted(Promise.resolve().then(() => auroraOps({ platform }).globalCluster()), globalWhat, 6, null)
    : Promise.resolve(null);
  // Slots 7 and 8: each region's restorable window (restorable-status.ts), read beside the rest.
  const restorableRead = collectRestorable(config, platform, { settle: slotted, firstSlot: 7 });
  // Slots 9 and 10 (Aurora mode): the cluster each region's fleet uses, from its endpoints parameter (endpoints-status.ts).
  const endpointsRead = collectEndpoints(config, platform, { settle: slotted, firstSlot: 9 });
  const [healthChecks, switchState, ...perRegion] = await Promise.all([
    slotted(platform.healthChecks(), "Route53 health checks", 0, [] as HealthCheckState[]),
    config.dns.enabled ? slotted(platform.failoverSwitch(), switchWhat, 1, null) : Promise.resolve(null),
    ...REGION_ROLES.flatMap((role, i) => {
      const n = names(config, role);
      return [
        settle(platform.web(role), (e): WebState => ({
          role, healthyTargets: null, totalTargets: null, desiredCapacity: null, runningInstances: null,
          detail: `${UNREAD} (${unread(2 + 2 * i, `${n.region} web fleet (ASG ${n.asg}, target group ${n.targetGroup})`, e)})`,
        }), readTimeout),
        aurora
          ? platform.regionalCluster
            ? slotted(platform.regionalCluster(role), `${n.region} Aurora cluster ${regionClusterIdentifier(config, role)}`, 3 + 2 * i, null)
            : Promise.resolve(undefined)
          : settle(platform.database(role, gens[role]), (e): DatabaseState => ({
          role, identifier: n.writer(gens[role]), dbRole: "unknown", status: null, source: null, lagSeconds: null, lagSampledAt: null, readers: [],
          detail: `${UNREAD} (${unread(3 + 2 * i, `${n.region} database ${n.writer(gens[role])} and its readers`, e)})`,
        }), readTimeout),
      ];
    }),
  ]);
  const globalCluster = await globalRead;
  const restorable = await restorableRead;
  const endpoints = await endpointsRead;
  const regions: RegionStatus[] = REGION_ROLES.map((role, i) => {
    if (aurora) {
      // drState names the global primary (AURORA_GLOBAL_PRIMARY); in failedOver the primary region is not deployed: anything goes there.
      const expected = AURORA_GLOBAL_PRIMARY[drState] === role ? "writer" : drState === "failedOver" && role === "primary" ? "any" : "replica";
      const cluster = perRegion[2 * i + 1] as RegionalClusterState | null | undefined;
      const write = auroraWriteState(config, role, globalCluster, cluster);
      return {
        role,
        region: config.regions[role].region,
        web: perRegion[2 * i] as WebState,
        database: memberAsDatabase(config, role, globalCluster, cluster, write),
        expectedDbRole: expected,
        ...(cluster !== undefined ? { cluster } : {}),
        auroraWrite: write,
      };
    }
    const topo = regionTopology(drState, role, gens[role]);
    // In failedOver the old primary is stale and not deployed: whatever it is, the config does not describe it.
    const expected = drState === "failedOver" && role === "primary" ? "any" : topo.writer === "replica" ? "replica" : "writer";
    return { role, region: config.regions[role].region, web: perRegion[2 * i] as WebState, database: perRegion[2 * i + 1] as DatabaseState, expectedDbRole: expected };
  });

  const mismatches: string[] = [];
  const warnings: string[] = [];
  if (aurora && globalCluster) auroraFindings(config, globalCluster, mismatches, warnings);
  if (aurora) auroraSplitBrain(config, regions, mismatches, warnings);
  if (endpoints) endpointsFindings(config, endpoints, mismatches, warnings);
  for (const r of regions) {
    if (aurora) break; // compared as a whole by auroraFindings
    const db = r.database;
    if (r.expectedDbRole === "any") {
      if (db.dbRole === "writer" && db.isolated === false) {
        warnings.push(`${r.region}: the old writer ${db.identifier} is not isolated from the app (no ${"dr-isolated"} tag): \`dr failover --unplanned\` does it after the promotion, \`dr failback\` retires it`);
      }
      continue;
    }
    if (db.dbRole === "unknown") {
      // In readErrors; nothing to compare.
    } else if (db.dbRole !== r.expectedDbRole) {
      mismatches.push(
        `${r.region} (${r.role}): config database.drState "${drState}" (generation ${gens[r.role]}) expects ${db.identifier} to be a ${r.expectedDbRole}, AWS reports ${db.dbRole}` +
          (db.dbRole === "writer" && r.expectedDbRole === "replica" ? ` (it was promoted: set drState to "failedOver", docs/failover-runbook.md step 4)` : ""),
      );
    }
  }
  // Two writers: whatever the config says, at most one of them may have a fleet that can still serve (Aurora: auroraSplitBrain).
  const writers = aurora ? [] : regions.filter((r) => r.database.dbRole === "writer");
  if (writers.length > 1) {
    const serving = writers.filter((r) => r.web.desiredCapacity !== null && !provablyFenced(r.web));
    const unknown = writers.filter((r) => r.web.desiredCapacity === null);
    if (serving.length > 1) {
      mismatches.push(
        `SPLIT BRAIN: both regions have a standalone writer and a web fleet that can serve (${serving.map((r) => `${r.region}: ${r.database.identifier}, fleet desired ${r.web.desiredCapacity}, ${r.web.runningInstances ?? "?"} instance(s)`).join("; ")}): ` +
          `writes may land in either. Fence the old primary now: aws autoscaling update-auto-scaling-group --region ${serving[0].region} --auto-scaling-group-name ${names(config, serving[0].role).asg} --min-size 0 --desired-capacity 0 (the region Route53 does not send users to), then \`dr status\` again`,
      );
    } else if (serving.length === 1 && unknown.length) {
      warnings.push(`both regions have a standalone writer and ${unknown.map((r) => r.region).join(", ")}'s fleet could not be read: a split brain cannot be ruled out`);
    }
  }
  if (!config.dns.enabled) {
    warnings.push("dns.enabled is false: no health checks, no failover switch");
  } else if (switchState === null) {
    // In readErrors.
  } else if (switchState.alarmState === null) {
    warnings.push(`${switchWhat} was not found (dns stack not deployed?)`);
  } else if (switchState.forced === null) {
    warnings.push(
      `${switchWhat} has no position (${switchState.alarmState}: never written since it was created). Route53 treats it as released, but set it once so both switch checks settle: ${switchCommand(config, config.dns.forceFailover)}`,
    );
  } else if (switchState.forced !== config.dns.forceFailover) {
    mismatches.push(
      `${switchWhat}: config dns.forceFailover ${config.dns.forceFailover}, the switch is ${switchState.forced ? "forced (traffic goes to the secondary whatever its health)" : "released (traffic follows health)"}` +
        ` (${switchState.detail}): set dns.forceFailover to ${switchState.forced} to record it (no deploy changes the switch), or flip the switch: ${switchCommand(config, config.dns.forceFailover)}`,
    );
  }
  if (config.dns.enabled && healthChecks.length && !healthChecks.some((h) => h.role === "primary-gate")) {
    warnings.push("no Route53 health check tagged dr-health-check=primary-gate was found (dns stack not deployed?)");
  }
  for (const h of healthChecks) if (h.healthy === false && (h.role === "primary" || h.role === "secondary")) warnings.push(`Route53 ${h.role} check is unhealthy: ${h.detail}`);
  warnings.push(...restorable.findings);
  const readErrors = unreadAt.filter((e): e is ReadError => e !== undefined);
  const incomplete = readErrors.length > 0;
  const verdict = mismatches.length ? "mismatch" : incomplete ? "incomplete" : "agree";
  return { drState, forceFailover: config.dns.forceFailover, healthChecks, failoverSwitch: switchState, ...(aurora ? { globalCluster } : {}), regions, mismatches, warnings, readErrors, incomplete, verdict, restorable, ...(endpoints ? { endpoints } : {}) };
}
export function renderStatus(s: DrStatus): string[] {
  const hc = (h: HealthCheckState) =>
    `  ${h.role.padEnd(13)} ${h.healthy === null ? "unknown  " : h.healthy ? "healthy  " : "UNHEALTHY"} ${h.healthThreshold !== undefined ? `threshold ${h.healthThreshold}/${h.children ?? 1} child  ` : ""}${h.detail}`;
  const out = [`config: database.drState "${s.drState}", dns.forceFailover ${s.forceFailover}`, "", "Route53 health checks:"];
  const hcError = s.readErrors.find((e) => e.what === "Route53 health checks");
  if (hcError) out.push(`  ${UNREAD} (${hcError.reason})`);
  else out.push(...(s.healthChecks.length ? s.healthChecks.map(hc) : ["  none tagged dr-health-check for this project and environment (dns stack not deployed?)"]));
  const swError = s.readErrors.find((e) => e.what.startsWith("failover switch"));
  const sw = s.failoverSwitch;
  out.push(
    `failover switch: ${swError ? `${UNREAD} (${swError.reason})` : !sw ? "none (dns disabled)" : `${sw.forced === null ? "no position" : sw.forced ? "FORCED to the secondary" : "released (follows health)"}  (${sw.detail})`}`,
  );
  out.push("");
  if (s.globalCluster !== undefined) {
    const g = s.globalCluster;
    const gError = s.readErrors.find((e) => e.what.startsWith("Aurora global cluster"));
    if (gError || !g) out.push(`Aurora global cluster: ${UNREAD} (${gError?.reason ?? "?"})`);
    else if (!g.found) out.push(`Aurora global cluster: ${g.detail}`);
    else {
      const f = g.failoverState;
      out.push(`Aurora global cluster ${g.identifier}: ${g.status ?? "?"}; ${f ? `${f.isDataLossAllowed ? "FAILOVER" : "SWITCHOVER"} ${f.status} from ${f.fromClusterArn ?? "?"} to ${f.toClusterArn ?? "?"}` : "no switchover or failover under way"}`);
      out.push(...g.members.map(renderMember));
    }
    out.push("");
  }
  for (const r of s.regions) {
    const db = r.database;
    out.push(`${r.region} (${r.role}):`);
    if (s.globalCluster !== undefined) {
      out.push(`  database: ${r.auroraWrite?.how ?? `${db.identifier}: ${db.dbRole}`}  (config expects: ${r.expectedDbRole === "replica" ? "secondary member" : r.expectedDbRole})`);
      if (r.web.healthyTargets === null) out.push(`  web:      ${r.web.detail}`);
      else out.push(`  web:      ${r.web.healthyTargets}/${r.web.totalTargets ?? 0} targets healthy, fleet desired ${r.web.desiredCapacity ?? "none (no such ASG)"}, ${r.web.runningInstances ?? "?"} instance(s)  (${r.web.detail})`);
      const e = s.endpoints?.find((x) => x.role === r.role);
      const line = renderEndpoints(e, s.readErrors.find((x) => e && x.what.endsWith(e.name))?.reason);
      if (line) out.push(line);
      continue;
    }
    if (r.web.healthyTargets === null) {
      out.push(`  web:      ${r.web.detail}`);
    } else {
      out.push(`  web:      ${r.web.healthyTargets}/${r.web.totalTargets ?? 0} targets healthy, fleet desired ${r.web.desiredCapacity ?? "none (no such ASG)"}, ${r.web.runningInstances ?? "?"} instance(s)  (${r.web.detail})`);
    }
    if (db.dbRole === "unknown") {
      out.push(`  database: ${db.identifier}: ${db.detail}  (config expects: ${r.expectedDbRole})`);
      continue;
    }
    const lag =
      db.lagSeconds !== null
        ? `, ${db.lagSeconds < 0 ? "ReplicaLag -1 (RDS cannot determine the lag: replication not active)" : `lag ${db.lagSeconds} s`}${db.lagSampledAt ? ` at ${new Date(db.lagSampledAt).toISOString()}` : ""}${db.lagSampleAgeSeconds != null ? ` (${Math.round(db.lagSampleAgeSeconds)} s old)` : ""}`
        : db.dbRole === "replica"
          ? ", lag unknown (no ReplicaLag datapoint in the last 20 minutes)"
          : "";
    const repl = db.replicationStatus ? `, read replication ${db.replicationStatus}` : "";
    const iso = db.isolated === true ? ", isolated from the app by the runbook" : "";
    out.push(`  database: ${db.identifier}: ${db.dbRole}${db.source ? ` of ${db.source}` : ""}, ${db.status ?? "no status"}${repl}${lag}${iso}  (config expects: ${r.expectedDbRole})`);
    for (const rd of db.readers) out.push(`            ${rd.identifier}: ${rd.status ?? "missing"}`);
  }
  if (s.restorable) out.push("", ...renderRestorable(s.restorable, s.readErrors));
  out.push("");
  if (s.mismatches.length) out.push("MISMATCH between config and AWS:", ...s.mismatches.map((m) => `  - ${m}`));
  else if (s.incomplete) out.push("no mismatch found in what could be read, but not everything could be read (below).");
  else out.push("config and AWS agree.");
  if (s.readErrors.length) out.push(`${UNREAD}:`, ...s.readErrors.map((e) => `  - ${e.what}: ${e.reason}`));
  if (s.warnings.length) out.push("warnings:", ...s.warnings.map((w) => `  - ${w}`));
  return out;
}
