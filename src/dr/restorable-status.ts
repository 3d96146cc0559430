import { REGION_ROLES, type RegionRole, type ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, isAurora, regionClusterIdentifier } from "../database/aurora-contract";
import { names } from "./names";
import type { DrPlatform } from "./platform";
import type { BackupSource, RestoreWindow } from "./restore-platform";

/**
 * `dr status`'s restorable windows (issue 26 point 4): for each region, the
 * window a point-in-time restore of the writer could target from the backups
 * readable THERE: the writer's own automated backups in the writer's region
 * ("instance"), their copy replicated into the other region ("replicated",
 * what `dr restore --region` uses when the writer's region is down).
 *
 * Findings (warnings of `dr status`; they do not change its exit code, which
 * stays about config vs AWS: 3 mismatch, 4 could not read):
 * - no automated backups of the writer in a region (no replicated copy in the
 *   other region: "backups not replicated");
 * - the latest restorable time more than runbook.maxRestorableLagMinutes
 *   behind now. AWS: RDS uploads transaction logs every 5 minutes, so an
 *   instance's LatestRestorableTime is normally up to 5 minutes behind
 *   ("Restoring a DB instance to a specified time for Amazon RDS", RDS User
 *   Guide); the replicated copy follows: "RDS initiates a cross-Region copy of
 *   all snapshots and transaction logs as soon as they are ready" ("Replicating
 *   automated backups to another AWS Region", RDS User Guide);
 * - a window whose latest restorable time is unknown.
 * A window that could not be read (the region does not answer) is a read error
 * of `dr status` (exit 4), never "not replicated". A platform without
 * restorableWindow says "not available" (available false), no finding.
 *
 * RDS publishes no CloudWatch metric of the latest restorable time (the
 * AWS/RDS metrics are listed in "Amazon CloudWatch metrics for Amazon RDS";
 * the backup ones are storage sizes): `dr status --publish-metrics` puts the
 * lag of each window into its region's CloudWatch (restorable-metrics.ts) for
 * the BackupRestorableLagHigh / BackupNotReplicated alerts.
 */

/** What `dr status` says about restorable windows in the Aurora mode. */
export const AURORA_NOT_READ = "Aurora mode: not read (these instance windows are RDS mode only; dr restore reads the writer member cluster's window itself; the global cluster's backups: docs/dr-runbook.md, Aurora Global Database mode)";

export interface RestorableRegion {
  readonly role: RegionRole;
  readonly region: string;
  /** "instance": the writer's own region; "replicated": the other one. */
  readonly source: BackupSource;
  /** What the platform answered; null: could not be read (the reason is in `dr status`'s readErrors). */
  readonly window: RestoreWindow | null;
  /** true: backups of the writer were found there (sourceRef known); null: could not be read. */
  readonly found: boolean | null;
  /** Seconds the latest restorable time lags the read (readAt - latest); null: unknown. */
  readonly lagSeconds: number | null;
  /** The lag is above runbook.maxRestorableLagMinutes. */
  readonly lagHigh: boolean;
}

export interface RestorableStatus {
  /** false: the platform cannot read restorable windows (no restorableWindow): "not available". */
  readonly available: boolean;
  /** Why not available, when it is not the platform (the Aurora mode). */
  readonly reason?: string;
  /** The writer whose backups are read (the config's drState and generations). */
  readonly writer: { readonly role: RegionRole; readonly generation: number; readonly identifier: string };
  readonly maxLagMinutes: number;
  /** One per region, primary first; empty when not available. */
  readonly regions: readonly RestorableRegion[];
  /** The warnings, one sentence each. */
  readonly findings: readonly string[];
}

/** How `dr status` bounds a read and records what it could not read (status.ts settle/unread). */
export interface RestorableReads {
  settle<T>(p: Promise<T>, what: string, slot: number, fallback: T): Promise<T>;
  /** The read-error slot of the first region (the second gets firstSlot + 1). */
  readonly firstSlot: number;
}

/** The writer the config's drState names (the global primary in the Aurora mode), and its identifier. */
export function restoreWriter(config: ValidConfig): RestorableStatus["writer"] {
  const role = AURORA_GLOBAL_PRIMARY[config.database.drState];
  const generation = config.database.generations[role];
  const identifier = isAurora(config) ? regionClusterIdentifier(config, role) : names(config, role).writer(generation);
  return { role, generation, identifier };
}

export function restorableWhat(config: ValidConfig, role: RegionRole, writerId: string): string {
  return `${config.regions[role].region} restorable window of ${writerId}`;
}

const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;

export async function collectRestorable(config: ValidConfig, platform: DrPlatform, reads: RestorableReads): Promise<RestorableStatus> {
  const writer = restoreWriter(config);
  const maxLagMinutes = config.runbook.maxRestorableLagMinutes;
  const read = platform.restorableWindow?.bind(platform);
  // Aurora mode: `dr restore` reads the member cluster's window in its own step (aurora-restore-plan.ts); the clusters' own windows
  // (DescribeDBClusters EarliestRestorableTime / LatestRestorableTime) are not read here yet.
  if (isAurora(config)) return { available: false, reason: AURORA_NOT_READ, writer, maxLagMinutes, regions: [], findings: [] };
  if (!read) return { available: false, writer, maxLagMinutes, regions: [], findings: [] };
  const windows = await Promise.all(
    REGION_ROLES.map((role, i) =>
      reads.settle<RestoreWindow | null>(
        Promise.resolve().then(() => read(role, { role: writer.role, generation: writer.generation })),
        restorableWhat(config, role, writer.identifier),
        reads.firstSlot + i,
        null,
      ),
    ),
  );
  const findings: string[] = [];
  const regions = REGION_ROLES.map((role, i): RestorableRegion => {
    const region = config.regions[role].region;
    const source: BackupSource = role === writer.role ? "instance" : "replicated";
    const w = windows[i];
    if (!w) return { role, region, source, window: null, found: null, lagSeconds: null, lagHigh: false };
    const found = w.sourceRef !== null;
    const lagSeconds = found && w.latest !== null ? Math.max(0, (w.readAt - w.latest) / 1000) : null;
    const lagHigh = lagSeconds !== null && lagSeconds > maxLagMinutes * 60;
    const writerRegion = config.regions[writer.role].region;
    if (!found) {
      findings.push(
        source === "replicated"
          ? `backups not replicated: no copy of ${writer.identifier}'s automated backups in ${region} (${w.detail}): if ${writerRegion} is lost, no point-in-time restore is possible in ${region}. Check the automated backups replication of ${writer.identifier} into ${region} (aws rds describe-db-instance-automated-backups --region ${region})`
          : `no automated backups of ${writer.identifier} in ${region} (${w.detail}): no point-in-time restore is possible (backup retention 0?)`,
      );
    } else if (w.latest === null) {
      findings.push(`${region}: the latest restorable time of ${writer.identifier} (${source === "instance" ? "its own automated backups" : "the replicated copy"}) is unknown (${w.detail})`);
    } else if (lagHigh) {
      findings.push(
        `${region}: the latest restorable time of ${writer.identifier} (${source === "instance" ? "its own automated backups" : "the copy replicated from " + writerRegion}) is ${new Date(w.latest).toISOString()}, ${minutes(lagSeconds!)} behind, more than runbook.maxRestorableLagMinutes (${maxLagMinutes} min): ` +
          `a restore there now would lose the writes since then (RDS uploads transaction logs every 5 minutes; a longer lag means the uploads${source === "replicated" ? " or the cross-Region copy" : ""} fall behind)`,
      );
    }
    return { role, region, source, window: w, found, lagSeconds, lagHigh };
  });
  return { available: true, writer, maxLagMinutes, regions, findings };
}

const iso = (t: number | null) => (t === null ? "unknown" : new Date(t).toISOString());

/** The `dr status` section: one line per region. */
export function renderRestorable(s: RestorableStatus, readErrors: readonly { readonly what: string; readonly reason: string }[]): string[] {
  const head = `restorable window (point-in-time restore of the writer ${s.writer.identifier}, lag limit ${s.maxLagMinutes} min):`;
  if (!s.available) return [head, `  ${s.reason ?? "not available (this platform cannot read restorable windows)"}`];
  return [
    head,
    ...s.regions.map((r) => {
      const from = r.source === "instance" ? "own backups" : "replicated copy";
      if (!r.window) {
        const e = readErrors.find((x) => x.what.startsWith(`${r.region} restorable window`));
        return `  ${r.region} (${from}): could not be read (${e?.reason ?? "?"})`;
      }
      if (!r.found) return `  ${r.region} (${from}): NONE FOUND${r.source === "replicated" ? " (backups not replicated)" : ""}  (${r.window.detail})`;
      const lag = r.lagSeconds === null ? "lag unknown" : `${minutes(r.lagSeconds)} behind${r.lagHigh ? " (ABOVE THE LIMIT)" : ""}`;
      return `  ${r.region} (${from}): earliest ${iso(r.window.earliest)}, latest ${iso(r.window.latest)}, ${lag}  (${r.window.sourceRef})`;
    }),
  ];
}
