// `npm run dr -- <command>`: the failover runbook as a command (docs/dr-runbook.md).
import { parseArgs } from "node:util";
import { ConfigError, loadProjectConfig, type ValidConfig } from "../config";
import type { AwsClients } from "./aws-clients";
import { AwsPlatform } from "./aws-platform";
import { sdkClients } from "./aws-sdk-calls";
import { realClock, type Clock } from "./clock";
import { checkCredentials, EXIT_NO_CREDENTIALS, type CredentialsProvider } from "./credentials";
import type { probeApp, readWalPositions } from "./http-probe";
import { Journal } from "./journal";
import { LeaseHeldError, LeaseNotTakenError, releaseAll } from "./lease";
import { journalName, runRunbook } from "./runner";
import { RunnerError } from "./run-options";
import { publishRestorableMetrics } from "./restorable-metrics";
import { collectStatus, renderStatus, statusExitCode } from "./status";
import { EXIT_NOT_READY, renderReadiness, runReadiness } from "./readiness";
import { cloudWatchSink, publishReadiness } from "./readiness-metrics";
import { restoreParamsFor, RestoreRequestError, writerRoleOf, type RestoreRequest } from "./restore-plan";
import type { RegionRole } from "../config";
import { isAurora } from "../database/aurora-contract";

const USAGE = `usage:
  dr status [--json]                         both regions, Route53, the failover switch, database roles and lag; config vs AWS
                                             (exit 3: mismatch, a SPLIT BRAIN among them; 4: something could not be read); each region's
                                             restorable window (warnings: not replicated, lag above runbook.maxRestorableLagMinutes)
  dr status --publish-metrics                the same, and each region's restorable lag into that region's CloudWatch (Drweb/Backup:
                                             the BackupRestorableLagHigh / BackupNotReplicated alerts); a failed PutMetricData: exit 4
  dr readiness [--json] [--publish-metrics]  read-only: will the next failover (or failback) work? the replica's health and fresh lag, its
                                             replay not paused, the switch vs the config, the standby fleet's capacity (launch template, AMI,
                                             MaxSize), backups replicated, the runbook role's permissions (runbook.roleArn); exit 0 ready,
                                             8 not ready; --publish-metrics: Ready and one ReadinessCheck metric per check into the secondary
                                             region's CloudWatch (<project>/DR; a failed PutMetricData: exit 4)
  dr failover --to secondary --planned       switchover: fence writes, prove the catch-up by WAL positions, promote, force DNS (RPO 0);
                                             rolls the fence back by itself if the catch-up or the promotion fails
  dr failover --to secondary --unplanned     the primary is down: wait for a sustained outage (Route53's verdict), force DNS, fence the
                                             old fleet or wait out the client drain, promote, then isolate the old writer
  dr failback                                rebuild the old primary as a replica, switch back, rebuild the secondary
  dr restore --to-time <ISO time> [--region primary|secondary]
                                             point-in-time recovery from a bad write: restore the writer's backups to the time into a new
                                             instance, fence, rename the damaged writer away and give the restored one its name, restore the
                                             fleet, verify a write (rolls back by itself before the app moved); --region the other region:
                                             from the backups replicated there, with the unplanned failover's steps around it (the writer's
                                             region is down). Refuses a time outside the restorable window (printed). Aurora mode: restores
                                             the writer member into a new cluster and its instance, verifies it and
                                             stops there: the move is printed (docs/dr-runbook.md, "dr restore")
  (database.engine "aurora-postgresql": the same commands use the global cluster's managed switchover (--planned,
   failback) and managed failover with data loss (--unplanned); docs/dr-runbook.md, Aurora Global Database mode)
options:
  --dry-run            print the plan (steps, preconditions, waits, timeouts, what to do on failure); change nothing
  --confirm <step>     treat that step's checks as confirmed by you (repeatable)
  --fresh              archive an unfinished journal and start over (default: resume it)
  --config <file>      config override file (default: $DR_CONFIG, else cdktf.json context configFile)
  --journal-dir <dir>  default: runbook.journalDir (${".dr"})
exit codes: 0 done; 1 a step failed; 2 usage, config, or an unfinished journal of the other mode;
  3/4 status (mismatch / could not read everything); 8 readiness: not ready (4: its metrics could not be published); ${EXIT_NO_CREDENTIALS} no AWS credentials (checked before anything runs);
  6 transient: the primary was healthy again before the failover changed anything (a forced switch is released): nothing to do;
  7 another dr run holds the lease (the journal folder's dr.lock, or the SSM parameter in the secondary region): the holder is named;
    or the lease could not be taken (no permission, the secondary region does not answer): the cause is named`;

/** Exit code: the fault was transient (RunResult.transient): the run stopped with nothing changed. */
export const EXIT_TRANSIENT = 6;
/** Exit code: another run holds the runbook's lease (lease.ts LeaseHeldError). */
export const EXIT_LEASE_HELD = 7;

/** What main() talks to; tests pass stubs (no AWS here). */
export interface CliDeps {
  /** SDK clients (default: the real ones, sdkClients()). */
  readonly clients?: AwsClients;
  /** Resolves the credentials those clients sign with (default: the SDK clients' own provider chain). */
  readonly credentials?: CredentialsProvider;
  readonly clock?: Clock;
  /** The HTTP check of a region's entry point. */
  readonly probe?: typeof probeApp;
  /** The WAL positions through a region's entry point (GET /readyz?wal=1). */
  readonly wal?: typeof readWalPositions;
  /** Standard output and error, one line per call. */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  const clock = deps.clock ?? realClock;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: "string" },
      "to-time": { type: "string" },
      region: { type: "string" },
      planned: { type: "boolean", default: false },
      unplanned: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      confirm: { type: "string", multiple: true, default: [] },
      fresh: { type: "boolean", default: false },
      config: { type: "string" },
      "journal-dir": { type: "string" },
      json: { type: "boolean", default: false },
      "publish-metrics": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  let config: ValidConfig;
  try {
    config = loadProjectConfig(process.cwd(), values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  if (command !== "status" && command !== "readiness" && command !== "failover" && command !== "failback" && command !== "restore") {
    err(`unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  if (values["publish-metrics"] && command !== "status" && command !== "readiness") {
    err("--publish-metrics is an option of `dr status` and `dr readiness`");
    return 2;
  }
  let mode: "planned" | "unplanned" = "planned";
  if (command === "failover") {
    if (values.to !== "secondary") {
      err(values.to === "primary" ? "failing over to the primary is `dr failback`" : "give --to secondary");
      return 2;
    }
    if (values.planned === values.unplanned) {
      err("give exactly one of --planned (switchover, RPO 0) or --unplanned (the primary is down)");
      return 2;
    }
    mode = values.unplanned ? "unplanned" : "planned";
  }

  let restore: RestoreRequest | undefined;
  if (command === "restore") {
    const r = parseRestoreArgs(values["to-time"], values.region, config.database.drState);
    if (typeof r === "string") {
      err(r);
      return 2;
    }
    restore = r;
    try {
      // Checked before anything is read (Aurora mode, failback, identifiers RDS would refuse).
      restoreParamsFor(config, restore, clock.now());
    } catch (e) {
      if (e instanceof RestoreRequestError) {
        err(e.message);
        return 2;
      }
      throw e;
    }
    const writer = writerRoleOf(config.database.drState);
    // Aurora mode: the restore runs in the writer member's region only (aurora-restore-plan.ts), never unplanned.
    mode = isAurora(config) || (restore.region ?? writer) === writer ? "planned" : "unplanned";
  }

  const sdk = deps.clients ? null : sdkClients();
  const clients = deps.clients ?? sdk!;
  // Every command but a failover/failback --dry-run calls AWS: no credentials
  // is said so before anything is read, any step runs or any journal is
  // written. Resolved as the secondary region's client would: the region a
  // failover relies on.
  if (command === "status" || command === "readiness" || !values["dry-run"]) {
    const provider = deps.credentials ?? (() => (sdk ?? sdkClients()).credentials(config.regions.secondary.region));
    const creds = await checkCredentials(provider, { now: () => clock.now() });
    if (!creds.ok) {
      for (const line of creds.report) err(line);
      return EXIT_NO_CREDENTIALS;
    }
    if (command !== "status" && command !== "readiness") out(creds.summary);
  }
  const platform = new AwsPlatform(config, clients, clock, deps.probe, deps.wal ? { walFn: deps.wal } : {});

  if (command === "readiness") {
    const r = await runReadiness(config, platform, { now: () => clock.now() });
    const published = values["publish-metrics"] ? await publishReadiness(config, r, cloudWatchSink((region) => clients.cloudwatch(region))) : null;
    if (values.json) out(JSON.stringify(published ? { ...r, publishedMetrics: published } : r, null, 2));
    else {
      for (const l of renderReadiness(r)) out(l);
      if (published && !published.error) out(`published (CloudWatch ${published.namespace}, ${published.region}): ${published.sent.join(", ")}`);
    }
    if (published?.error) {
      err(`dr readiness --publish-metrics: PutMetricData in ${published.region} failed: ${published.error}`);
      return 4;
    }
    return r.ready ? 0 : EXIT_NOT_READY;
  }
  if (command === "status") {
    const s = await collectStatus(config, platform);
    // --publish-metrics: before printing, so --json carries what was published (restorable-metrics.ts).
    const published = values["publish-metrics"] && s.restorable ? await publishRestorableMetrics(config, s.restorable, (region) => clients.cloudwatch(region)) : null;
    if (values.json) out(JSON.stringify(published ? { ...s, publishedMetrics: published } : s, null, 2));
    else {
      for (const l of renderStatus(s)) out(l);
      if (published) {
        out(published.length ? "published (CloudWatch Drweb/Backup):" : "published: nothing (no restorable window was read)");
        for (const p of published) out(`  ${p.region}: ${p.error ? `FAILED (${p.error})` : p.sent.join(", ")}`);
      }
    }
    const failed = (published ?? []).filter((p) => p.error);
    for (const p of failed) err(`dr status --publish-metrics: PutMetricData in ${p.region} failed: ${p.error}`);
    const code = statusExitCode(s);
    return failed.length && code === 0 ? 4 : code;
  }
  if (command === "failover" && config.database.drState !== "normal" && !values["dry-run"]) {
    err(`warning: config database.drState is "${config.database.drState}"; a failover starts from "normal" (steps already done in AWS pass their checks and are not repeated). See \`dr status\`.`);
  }
  const journalDir = values["journal-dir"] ?? config.runbook.journalDir;
  const onSigint = () => {
    const acted = Journal.open(journalDir, journalName(command), clock).inProgress;
    out(
      `${new Date(clock.now()).toISOString()} interrupted: ${acted ? "the journal keeps the progress; run the same command again to resume" : "no action had been sent, so nothing was changed; the next run starts afresh"}`,
    );
    // The leases this run holds are released on the way out (bounded): the next run need not wait for a dead holder.
    void releaseAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSigint);
  try {
    const result = await runRunbook({
      config,
      platform,
      operation: command,
      mode,
      clock,
      log: out,
      journalDir,
      dryRun: values["dry-run"],
      confirm: values.confirm,
      fresh: values.fresh,
      ...(restore ? { restore } : {}),
    });
    return result.ok ? 0 : result.transient ? EXIT_TRANSIENT : 1;
  } catch (e) {
    if (e instanceof LeaseHeldError || e instanceof LeaseNotTakenError) {
      err(`${e.message} (exit code ${EXIT_LEASE_HELD})`);
      return EXIT_LEASE_HELD;
    }
    if (e instanceof RunnerError || e instanceof RestoreRequestError) {
      err(e.message);
      return 2;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/**
 * `dr restore`'s arguments: --to-time an ISO 8601 time with a zone (Z or +hh:mm: a time without one would be read
 * in this host's zone), --region primary or secondary. A string: the error to print (exit 2).
 */
export function parseRestoreArgs(toTime: string | undefined, region: string | undefined, drState: string): RestoreRequest | string {
  if (!toTime) return "dr restore needs --to-time <ISO time>, e.g. --to-time 2026-12-06T23:10:00Z (just before the bad write; `dr status` shows the restorable window)";
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(toTime) || Number.isNaN(Date.parse(toTime))) {
    return `--to-time "${toTime}" is not an ISO 8601 time with a zone. Fix: give e.g. 2026-12-06T23:10:00Z (UTC) or 2026-12-06T18:10:00-05:00`;
  }
  if (region !== undefined && region !== "primary" && region !== "secondary") return `--region "${region}": give primary or secondary (default: where the writer is, from database.drState "${drState}")`;
  return { toTime: Date.parse(toTime), ...(region ? { region: region as RegionRole } : {}) };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    },
  );
}
