import * as fs from "node:fs";
import type { RegionRole, ValidConfig } from "../config";
import { LocalPlatform, type LocalDns, type LocalPlatformOptions, type LocalRegionSite } from "./local-platform";
import { names } from "./names";
import type { InstanceState, RestoreAttempt, RestorePlatform, RestoreWindow } from "./restore-platform";

type MaybePromise<T> = T | Promise<T>;

/**
 * `dr restore` on the local drill (src/drill/pitr.ts serves it): the RDS
 * calls of RestorePlatform on real PostgreSQL. The primary archives its WAL
 * continuously (archive_command) into its region's archive and into a copy
 * that stands for the automated backups replicated into the secondary region;
 * a base backup (pg_basebackup) taken at the start is in both. A restore is a
 * new data directory from the base backup replaying archived WAL up to
 * recovery_target_time, then promoted (PostgreSQL 15 documentation,
 * "Continuous Archiving and Point-in-Time Recovery (PITR)", 26.3.4
 * "Recovering Using a Continuous Archive Backup"; "Recovery Target"
 * settings, 20.5.5). Identifiers stand for endpoints: the app and this
 * platform find an instance's address by name in the drill's hosts file
 * (webapp/drweb/drill_hosts.py), so a rename moves the writer endpoint as
 * RDS's ModifyDBInstance NewDBInstanceIdentifier does. Calls to a region
 * whose APIs are down throw, as the AWS calls time out.
 */
export interface LocalRestore {
  restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): MaybePromise<RestoreWindow>;
  restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): MaybePromise<RestoreAttempt>;
  instance(region: RegionRole, identifier: string): MaybePromise<InstanceState>;
  renameInstance(region: RegionRole, from: string, to: string): MaybePromise<RestoreAttempt>;
  isolateInstance(region: RegionRole, identifier: string): MaybePromise<string>;
}

/** The address a name has in the drill's hosts file ({"names": {name: [addresses] | null}}); null: no such name or unreadable. */
export function hostsFileAddress(file: string, name: string): string | null {
  try {
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { names?: Record<string, string[] | null> };
    const a = doc.names?.[name];
    return Array.isArray(a) && a.length ? String(a[0]) : null;
  } catch {
    return null;
  }
}

/**
 * The runbook's platform in the drill's PITR scenarios: the local adapter plus
 * RestorePlatform. Its database reads go to the address the region's writer
 * identifier (the current generation's) has in the hosts file, so after the
 * rename they read the restored instance, as the writer endpoint would on RDS.
 */
export class LocalRestorePlatform extends LocalPlatform implements RestorePlatform {
  constructor(
    config: ValidConfig,
    sites: Readonly<Record<RegionRole, LocalRegionSite>>,
    dns: LocalDns,
    opts: LocalPlatformOptions & { readonly hostsFile: string },
    private readonly restore: LocalRestore,
  ) {
    super(config, sites, dns, {
      ...opts,
      // A name without an address (mid-rename) reads nothing: an unresolvable host fails like a missing endpoint.
      pgHost: (role) => hostsFileAddress(opts.hostsFile, names(config, role).writer(config.database.generations[role])) ?? "no-such-endpoint.invalid",
    });
  }

  async restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): Promise<RestoreWindow> {
    return this.restore.restorableWindow(region, writer);
  }

  async restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): Promise<RestoreAttempt> {
    return this.restore.restoreToTime(region, window, toTime, target);
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    return this.restore.instance(region, identifier);
  }

  async renameInstance(region: RegionRole, from: string, to: string): Promise<RestoreAttempt> {
    return this.restore.renameInstance(region, from, to);
  }

  async isolateInstance(region: RegionRole, identifier: string): Promise<string> {
    return this.restore.isolateInstance(region, identifier);
  }
}
