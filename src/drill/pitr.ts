// Point-in-time recovery on the drill's real PostgreSQL (issue 26 point 3): continuous WAL archiving on the
// primary, a base backup, a copy of both standing for the backups RDS replicates into the secondary region,
// and the RDS calls `dr restore` makes (src/dr/local-restore.ts), served to the runbook's process over the
// drill's control plane.
//
// PostgreSQL 15 documentation, "Continuous Archiving and Point-in-Time Recovery (PITR)":
//  - 26.3.1 "Setting Up WAL Archiving": archive_mode, archive_command with %p / %f; "the archive command
//    should generally be designed to refuse to overwrite any pre-existing archive file" and must return
//    zero only on success; archive_timeout bounds how old the newest archived WAL can be on a quiet server.
//  - 26.3.2 "Making a Base Backup": pg_basebackup; the backup is usable from its end (the end-of-backup WAL).
//  - 26.3.4 "Recovering Using a Continuous Archive Backup": a copy of the base backup, restore_command,
//    recovery.signal, recovery_target_time; recovery_target_action = 'promote' ends recovery at the target
//    and opens for writes (20.5.5 "Recovery Target"). Recovery that reaches the end of the archive before
//    the target fails ("recovery ended before configured recovery target was reached"): the window's latest
//    time is the newest archived commit, never the clock.
// RDS (User Guide, "Restoring a DB instance to a specified time"): "RDS uploads transaction logs for DB
// instances to Amazon S3 every 5 minutes" and LatestRestorableTime "is typically within the last 5 minutes":
// the drill's archive_timeout is those 5 minutes on its time scale.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../../src/config";
import { randomBytes } from "node:crypto";
import { ISOLATED_MARK, psql } from "../../src/dr/local-platform";
import type { LocalRestore } from "../../src/dr/local-restore";
import { names } from "../../src/dr/names";
import type { InstanceState, RestoreAttempt, RestoreWindow } from "../../src/dr/restore-platform";
import { APP_USER } from "./production-model";
import { type DrillEnvironment } from "./environment";
import { asPg, LOOPBACK, pgBin, pgIds, run } from "./host-tools";
import type { Group } from "./processes";

/** RDS uploads transaction logs every 5 minutes (above). */
export const RDS_LOG_UPLOAD_SECONDS = 300;
/** The restored instances' loopback addresses: each instance has its own address on its region's port (an endpoint). */
const FIRST_RESTORE_ADDRESS = 2;

/** archive_timeout on the drill's time scale, whole seconds (PostgreSQL's unit), at least 1. */
export function archiveTimeoutSeconds(scale: number): number {
  return Math.max(1, Math.round(RDS_LOG_UPLOAD_SECONDS * scale));
}

interface Instance {
  readonly region: RegionRole;
  readonly address: string;
  readonly port: number;
  /** creating: recovery runs; available; incompatible-restore: the restore failed (RDS's status for it). */
  status: "creating" | "available" | "incompatible-restore";
  detail: string;
  /** The process holding it (a restored one's own; the environment's for the original servers). */
  readonly group: () => Group | null;
  readonly dataDir: string;
}

/** A WAL segment file's name (timeline + position, 24 hex digits). */
const SEGMENT = /^[0-9A-F]{24}$/;

/** The last commit's time in a WAL segment (pg_waldump's "COMMIT 2026-12-06 23:40:01.123456 UTC"), epoch ms; null: none. */
export function lastCommitIn(waldumpOutput: string): number | null {
  let last: number | null = null;
  for (const m of waldumpOutput.matchAll(/COMMIT (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC/g)) {
    const [date, time] = m[1].split(" ");
    const t = Date.parse(`${date}T${time.slice(0, 12)}Z`);
    if (Number.isFinite(t) && (last === null || t > last)) last = t;
  }
  return last;
}

export interface PitrOptions {
  readonly timeScale: number;
  readonly log: (line: string) => void;
}

export class PitrSim implements LocalRestore {
  readonly hostsFile: string;
  readonly backupsDir: string;
  private readonly instances = new Map<string, Instance>();
  private nextAddress = FIRST_RESTORE_ADDRESS;
  private readonly jobs: Array<Promise<void>> = [];
  readonly events: Array<{ at: number; what: string }> = [];

  constructor(
    private readonly env: DrillEnvironment,
    private readonly config: ValidConfig,
    private readonly o: PitrOptions,
  ) {
    this.hostsFile = path.join(env.dir, "rds-hosts.json");
    this.backupsDir = path.join(env.dir, "backups");
  }

  /** A region's writer identifier at the config's generation: the name the region's app connects to (DB_WRITER_HOST). */
  writerName(role: RegionRole): string {
    return names(this.config, role).writer(this.config.database.generations[role]);
  }

  /** Where a region's backups are: the primary's own archive, or the copy replicated into the secondary. */
  archiveOf(region: RegionRole): string {
    return path.join(this.backupsDir, region);
  }

  private note(what: string): void {
    this.events.push({ at: Date.now(), what });
    this.o.log(`pitr: ${what}`);
  }

  /**
   * Wires the environment before its start: 1 MB WAL segments (initdb --wal-segsize: 16 MB files every few
   * seconds would fill the disk), archiving on the primary into both archives, the base backup once both
   * databases run, the hosts file and the apps' writer names.
   */
  configure(): void {
    this.configureArchiving();
    this.writeHosts({ [this.writerName("primary")]: [LOOPBACK], [this.writerName("secondary")]: [LOOPBACK] });
    this.env.appExtraEnv = (role) => ({ DB_WRITER_HOST: this.writerName(role), DRWEB_DRILL_HOSTS_FILE: this.hostsFile });
  }

  /**
   * The archive alone (the Aurora mode's restore uses it with its own endpoints, src/drill/aurora-restore.ts): 1 MB WAL
   * segments, archiving on the primary into both archives, the base backup once both databases run.
   */
  configureArchiving(): void {
    const env = this.env;
    fs.mkdirSync(this.backupsDir, { recursive: true });
    for (const r of ["primary", "secondary"] as const) fs.mkdirSync(path.join(this.archiveOf(r), "wal"), { recursive: true });
    const script = path.join(this.backupsDir, "archive.sh");
    // Each copy is written under a temporary name and renamed (a crash never leaves a partial segment under its name);
    // an existing segment with the same content is success (a retry after a crash between the two copies), with other
    // content a failure (PostgreSQL's advice: never overwrite).
    fs.writeFileSync(
      script,
      [
        "#!/bin/sh",
        "# archive_command: $1 = %p (relative to the data directory), $2 = %f",
        "set -e",
        `for d in '${path.join(this.archiveOf("primary"), "wal")}' '${path.join(this.archiveOf("secondary"), "wal")}'; do`,
        '  if [ -f "$d/$2" ]; then cmp -s "$1" "$d/$2" && continue; echo "archive: $d/$2 exists with other content" >&2; exit 1; fi',
        '  cp "$1" "$d/$2.part"',
        '  mv "$d/$2.part" "$d/$2"',
        "done",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    // Writable by the server before it starts: a failed archive_command three times in a row makes PostgreSQL's
    // archiver wait 60 s before it tries again (pgarch.c NUM_ARCHIVE_RETRIES), which would stall the window.
    if (process.getuid?.() === 0) {
      const [uid, gid] = pgIds();
      for (const d of [this.backupsDir, ...(["primary", "secondary"] as const).flatMap((r) => [this.archiveOf(r), path.join(this.archiveOf(r), "wal")])]) fs.chownSync(d, uid, gid);
    }
    env.initdbExtraArgs = ["--wal-segsize=1"];
    env.pgExtraConf = `archive_mode = on\narchive_command = '${script} %p %f'\narchive_timeout = ${archiveTimeoutSeconds(this.o.timeScale)}\n`;
    env.afterDatabases = () => this.baseBackup();
  }

  /** Registers the environment's servers (after its start) as the two regions' instances. */
  registerOriginals(): void {
    for (const role of ["primary", "secondary"] as const) {
      const r = this.env.regions[role];
      this.instances.set(this.writerName(role), { region: role, address: LOOPBACK, port: r.pgPort, status: "available", detail: "", group: () => r.pg, dataDir: path.join(this.env.dir, `pg-${role}`) });
    }
  }

  /** The base backup (pg_basebackup, WAL included) into the primary's archive, then its copy into the secondary's. */
  async baseBackup(): Promise<void> {
    if (process.getuid?.() === 0) await run("chown", ["-R", "postgres:postgres", this.backupsDir]);
    const p = this.env.regions.primary;
    const base = path.join(this.archiveOf("primary"), "base");
    const t0 = Date.now();
    await run(...asPg(pgBin("pg_basebackup"), ["-h", LOOPBACK, "-p", String(p.pgPort), "-U", "postgres", "-D", base, "-X", "stream", "-c", "fast", "--no-sync"]));
    // Usable from its end: the end-of-backup record is written before pg_basebackup returns.
    const endedAt = Date.now();
    fs.writeFileSync(path.join(this.archiveOf("primary"), "base.json"), JSON.stringify({ startedAt: t0, endedAt }));
    await run(...asPg("cp", ["-a", base, path.join(this.archiveOf("secondary"), "base")]));
    fs.writeFileSync(path.join(this.archiveOf("secondary"), "base.json"), JSON.stringify({ startedAt: t0, endedAt, copiedAt: Date.now() }));
    this.note(`base backup of the primary ended ${new Date(endedAt).toISOString()} (${((endedAt - t0) / 1000).toFixed(1)} s), copied to the secondary's archive`);
  }

  private writeHosts(names: Record<string, string[] | null>): void {
    const tmp = `${this.hostsFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ names }, null, 1));
    fs.renameSync(tmp, this.hostsFile);
  }

  private hosts(): Record<string, string[] | null> {
    return (JSON.parse(fs.readFileSync(this.hostsFile, "utf8")) as { names: Record<string, string[] | null> }).names;
  }

  private api(region: RegionRole): void {
    if (!this.env.regions[region].apiUp) {
      throw Object.assign(new Error(`connect ETIMEDOUT: ${this.config.regions[region].region}'s APIs do not answer (the region is down)`), { name: "TimeoutError" });
    }
  }

  /** The newest archived commit's time: the segments newest first, the first that has a commit (pg_waldump). */
  async latestArchivedCommit(region: RegionRole): Promise<{ at: number | null; segment: string | null; segments: number }> {
    const dir = path.join(this.archiveOf(region), "wal");
    const segs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => SEGMENT.test(f)).sort() : [];
    for (const seg of [...segs].reverse().slice(0, 8)) {
      const out = await new Promise<string>((resolve) =>
        // pg_waldump exits non-zero at the end of a segment's valid records ("invalid record length"): its output up to there is what counts.
        execFile(pgBin("pg_waldump"), ["--path", dir, seg], { env: { ...process.env, TZ: "UTC" }, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (_e, stdout) => resolve(stdout ?? "")),
      );
      const at = lastCommitIn(out);
      if (at !== null) return { at, segment: seg, segments: segs.length };
    }
    return { at: null, segment: null, segments: segs.length };
  }

  async restorableWindow(region: RegionRole, writer: { readonly role: RegionRole; readonly generation: number }): Promise<RestoreWindow> {
    this.api(region);
    const readAt = Date.now();
    const source = region === writer.role ? "instance" : "replicated";
    const archived = writer.role === "primary" && writer.generation === this.config.database.generations.primary;
    const meta = path.join(this.archiveOf(region), "base.json");
    if (!archived || !fs.existsSync(meta)) {
      return { region, source, sourceRef: null, earliest: null, latest: null, readAt, detail: `no backups of ${names(this.config, writer.role).writer(writer.generation)} in ${this.config.regions[region].region} (the drill archives the primary's generation-${this.config.database.generations.primary} writer only)` };
    }
    const base = JSON.parse(fs.readFileSync(meta, "utf8")) as { endedAt: number };
    const latest = await this.latestArchivedCommit(region);
    const dir = this.archiveOf(region);
    return {
      region,
      source,
      sourceRef: dir,
      earliest: base.endedAt,
      latest: latest.at,
      readAt,
      detail:
        `${source === "instance" ? "the writer's archive" : "the copy replicated into this region"} ${dir}: base backup ended ${new Date(base.endedAt).toISOString()}; ` +
        `${latest.segments} archived WAL segment(s), newest commit ${latest.at === null ? "none" : `${new Date(latest.at).toISOString()} (in ${latest.segment}; ${((readAt - latest.at) / 1000).toFixed(1)} s behind)`}`,
    };
  }

  async restoreToTime(region: RegionRole, window: RestoreWindow, toTime: number, target: string): Promise<RestoreAttempt> {
    this.api(region);
    if (this.instances.has(target)) return { outcome: "exists", detail: `${target} exists (${this.instances.get(target)!.status}): nothing sent` };
    if (window.region !== region || window.sourceRef !== this.archiveOf(region)) {
      return { outcome: "refused", detail: `InvalidParameterCombination (stand-in): the window was read from ${window.sourceRef ?? "no backups"} in ${window.region}, not from ${region}'s archive ${this.archiveOf(region)}` };
    }
    // The service checks the time against the window as it is now (RDS: InvalidRestoreFault outside it).
    const now = await this.restorableWindow(region, { role: "primary", generation: this.config.database.generations.primary });
    if (now.earliest === null || now.latest === null || toTime < now.earliest || toTime > now.latest) {
      return {
        outcome: "refused",
        detail: `InvalidRestoreFault (stand-in): ${new Date(toTime).toISOString()} is outside the restorable window ${now.earliest === null ? "?" : new Date(now.earliest).toISOString()} .. ${now.latest === null ? "?" : new Date(now.latest).toISOString()}`,
      };
    }
    const address = `127.0.0.${this.nextAddress++}`;
    const dataDir = path.join(this.env.dir, `pg-restore-${target}`);
    let group: Group | null = null;
    const inst: Instance = { region, address, port: this.env.regions[region].pgPort, status: "creating", detail: `restoring to ${new Date(toTime).toISOString()}`, group: () => group, dataDir };
    this.instances.set(target, inst);
    this.note(`restore of ${this.archiveOf(region)} to ${new Date(toTime).toISOString()} into ${target} (${address}:${inst.port}) requested`);
    const job = (async () => {
      const t0 = Date.now();
      await run(...asPg("cp", ["-a", path.join(this.archiveOf(region), "base"), dataDir]));
      for (const f of ["standby.signal", "postmaster.pid"]) fs.rmSync(path.join(dataDir, f), { force: true });
      fs.appendFileSync(
        path.join(dataDir, "postgresql.auto.conf"),
        `\n# dr restore (drill): point-in-time recovery from ${this.archiveOf(region)}\n` +
          `listen_addresses = '${address}'\n` +
          // The restored instance does not archive into the source's archive (on RDS it starts its own backups).
          "archive_mode = off\nprimary_conninfo = ''\n" +
          `restore_command = 'cp ${path.join(this.archiveOf(region), "wal")}/%f %p'\n` +
          `recovery_target_time = '${new Date(toTime).toISOString().replace("T", " ").replace("Z", "+00")}'\n` +
          "recovery_target_action = 'promote'\n",
      );
      fs.writeFileSync(path.join(dataDir, "pg_hba.conf"), "host replication postgres 127.0.0.0/8 trust\nhost all postgres 127.0.0.0/8 trust\nhost all all 127.0.0.0/8 scram-sha-256\n");
      fs.writeFileSync(path.join(dataDir, "recovery.signal"), "");
      if (process.getuid?.() === 0) await run("chown", ["-R", "postgres:postgres", dataDir]);
      const log = path.join(this.env.dir, `postgres-restore-${target}.log`);
      const [cmd, args] = asPg(pgBin("postgres"), ["-D", dataDir, "-p", String(inst.port)]);
      group = this.env.processes.spawn(`postgres restore ${target}`, cmd, args, { env: process.env, log, stopSignal: "SIGINT" });
      const deadline = Date.now() + 180_000;
      for (;;) {
        if (!this.env.processes.alive(group)) {
          // The server's reason: its FATAL line (e.g. "recovery ended before configured recovery target was reached"), else the log's end.
          const lines = fs.readFileSync(log, "utf8").trim().split("\n");
          const fatal = lines.filter((l) => /FATAL|PANIC/.test(l));
          throw new Error(`postgres exited during recovery: ${(fatal.length ? fatal : lines.slice(-3)).join(" | ")}`);
        }
        const rec = await psql(inst.port, "SELECT pg_is_in_recovery()", "postgres", 2_000, address).catch(() => null);
        if (rec === "f") break;
        if (Date.now() > deadline) throw new Error("recovery did not end within 180 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      inst.status = "available";
      inst.detail = `restored to ${new Date(toTime).toISOString()} and promoted in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      this.note(`${target}: ${inst.detail}`);
    })().catch((e: Error) => {
      inst.status = "incompatible-restore";
      inst.detail = e.message;
      this.note(`${target}: restore FAILED: ${e.message}`);
    });
    this.jobs.push(job);
    return { outcome: "requested", detail: `RestoreDBInstanceToPointInTime (stand-in) ${target} from ${this.archiveOf(region)} to ${new Date(toTime).toISOString()}: creating at ${address}:${inst.port}` };
  }

  async instance(region: RegionRole, identifier: string): Promise<InstanceState> {
    this.api(region);
    const i = this.instances.get(identifier);
    if (!i || i.region !== region) return { identifier, found: false, status: null, detail: `DBInstanceNotFound: ${identifier} in ${this.config.regions[region].region}` };
    const g = i.group();
    const status = i.status !== "available" ? i.status : g && this.env.processes.alive(g) ? "available" : "stopped";
    // Isolation as the AWS adapter reports it (its tag): the marker isolateInstance leaves on the app role; a replica (or an unreadable server): not told.
    const mark =
      status === "available"
        ? await psql(i.port, `SELECT CASE WHEN pg_is_in_recovery() THEN 'replica' ELSE COALESCE((SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = '${APP_USER}'), '') END`, "postgres", 3_000, i.address).catch(() => "replica")
        : "replica";
    const isolated = mark === "replica" ? null : mark.startsWith(ISOLATED_MARK);
    return { identifier, found: true, status, isolated, detail: `${identifier} ${status} at ${i.address}:${i.port}${isolated ? `; ${mark}` : ""}${i.detail ? `: ${i.detail}` : ""}` };
  }

  async renameInstance(region: RegionRole, from: string, to: string): Promise<RestoreAttempt> {
    this.api(region);
    const a = this.instances.get(from);
    const b = this.instances.get(to);
    if (!a && b && b.region === region) return { outcome: "exists", detail: `${to} exists and ${from} does not: renamed before, nothing sent` };
    if (!a || a.region !== region) return { outcome: "refused", detail: `DBInstanceNotFound: ${from} in ${this.config.regions[region].region}` };
    if (b) return { outcome: "refused", detail: `DBInstanceAlreadyExists: ${to}` };
    this.instances.delete(from);
    this.instances.set(to, a);
    // The endpoint follows the identifier: the old name stops resolving, the new one resolves to the instance's address.
    const h = this.hosts();
    delete h[from];
    h[to] = [a.address];
    this.writeHosts(h);
    this.note(`renamed ${from} -> ${to} (${a.address}:${a.port})`);
    return { outcome: "requested", detail: `ModifyDBInstance (stand-in) ${from} NewDBInstanceIdentifier ${to}: the endpoint ${to} now names ${a.address}:${a.port}` };
  }

  /**
   * The damaged instance made unusable by the app, as the AWS adapter does (a new random master password and the
   * dr-isolated tag): the app role's password replaced by one nobody knows, marked. Idempotent; a replica takes no
   * writes (and cannot be changed): nothing to do.
   */
  async isolateInstance(region: RegionRole, identifier: string): Promise<string> {
    this.api(region);
    const i = this.instances.get(identifier);
    if (!i || i.region !== region) throw Object.assign(new Error(`DBInstanceNotFound: ${identifier} in ${this.config.regions[region].region}`), { name: "DBInstanceNotFoundFault" });
    if ((await psql(i.port, "SELECT pg_is_in_recovery()", "postgres", 5_000, i.address)) === "t") return `${identifier} is a read replica: it takes no writes, nothing to isolate`;
    const mark = `${ISOLATED_MARK} ${new Date().toISOString()}`;
    await psql(i.port, `ALTER ROLE ${APP_USER} PASSWORD '${randomBytes(24).toString("base64url")}'; COMMENT ON ROLE ${APP_USER} IS '${mark}'`, "postgres", 5_000, i.address);
    this.note(`${identifier} isolated (${APP_USER}'s password replaced, ${mark})`);
    return `${identifier} (${i.address}:${i.port}): the app role ${APP_USER}'s password replaced by one nobody knows (new sign-ins fail), marked ${ISOLATED_MARK}`;
  }

  /** The instance a name holds now (for the drill's checks). */
  address(identifier: string): { address: string; port: number } | null {
    const i = this.instances.get(identifier);
    return i ? { address: i.address, port: i.port } : null;
  }

  /** The name the region's original server (the environment's) holds now: the damaged writer after its rename. */
  originalName(region: RegionRole): string | null {
    for (const [n, i] of this.instances) if (i.region === region && i.address === LOOPBACK) return n;
    return null;
  }

  /** Restores still running end before the environment stops. */
  async settle(): Promise<void> {
    await Promise.all(this.jobs);
  }
}
