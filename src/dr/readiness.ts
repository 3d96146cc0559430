import type { RegionRole, ValidConfig } from "../config";
import { isAurora, regionClusterIdentifier } from "../database/aurora-contract";
import { CREDENTIALS_HOME } from "../database/topology";
import { failoverSwitch } from "../dns/contract";
import { auroraOps, member } from "./aurora-global";
import { endpointsParameterName } from "../database/endpoints-parameter";
import { endpointsParameterOf, endpointsVerdict, recordedCluster, restoredClusterRefusal, type EndpointsVerdict } from "./endpoints-check";
import { REGION_ROLES } from "../config";
import { names } from "./names";
import { switchCommand } from "./switch-step";
import type { DrPlatform, SecretMetadata } from "./platform";
import { collectRestorable } from "./restorable-status";
import { RUNBOOK_ACTIONS } from "./runbook-actions";
import { settle } from "./status";

/**
 * `dr readiness` (issue 28): before an incident, will the next DR operation work? Read-only checks, each one
 * ok, fail or unknown ("could not be read"), with what was seen and what to fix; Ready only when every check is
 * ok. The same code serves the command (cli.ts), its metrics (readiness-metrics.ts) and the Lambda handler
 * (readiness-handler.ts). What it reads, it reads through the platform `dr status` uses (platform.ts,
 * restorable-status.ts): never a second copy of those reads.
 *
 * The standby is the region the next operation moves writes to: drState "normal" -> the secondary (`dr failover`);
 * "failedOver" and "failback" -> the primary (`dr failback`: rebuilt as a replica, then switched back to).
 *
 * Unknown makes Ready 0: a check that could not be read has not shown that failover will work, and the point of
 * the check is to know before the incident. Only the standby's reads, the switch (secondary region) and IAM
 * (global) decide a check; the primary region's reads are bounded and, when they fail, said in a detail, never a
 * hang: with us-east-2 down and drState "normal", every check can still be ok.
 */

export const READINESS_CHECKS = ["replica-health", "replica-replay", "failover-switch", "standby-fleet", "backups-replicated", "runbook-permissions", "state-bucket", "secrets", "endpoints-parameter"] as const;
export type ReadinessCheckId = (typeof READINESS_CHECKS)[number];

export type ReadinessStatus = "ok" | "fail" | "unknown";

export interface ReadinessCheck {
  readonly id: ReadinessCheckId;
  readonly status: ReadinessStatus;
  /** What was seen (or why it could not be read). */
  readonly detail: string;
  /** What to do (null when ok). */
  readonly fix: string | null;
}

export interface ReadinessResult {
  /** Every check is ok. */
  readonly ready: boolean;
  readonly drState: string;
  /** The region the next operation moves writes to. */
  readonly standby: RegionRole;
  readonly checks: readonly ReadinessCheck[];
  /** When the checks ran (epoch ms). */
  readonly at: number;
}

export interface ReadinessDeps {
  /** The runbook's role (default: config.runbook.roleArn). */
  readonly roleArn?: string;
  /** Bound on each read (ms). */
  readonly readTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * Bound on each read: the AWS adapter's whole-call bound is 25 s (CALL_BOUNDS) and a read chains a few calls; all
 * reads run at once, so the whole check answers within about this.
 */
export const READINESS_READ_TIMEOUT_MS = 30_000;

/**
 * A lag sample older than this is not fresh: ReplicaLag is a 1-minute CloudWatch metric (RDS sends its metrics
 * every minute: "Amazon CloudWatch metrics for Amazon RDS"), so 5 minutes without one means the metric stopped.
 */
export const MAX_LAG_SAMPLE_AGE_SECONDS = 300;

/** Exit code of `dr readiness`: 0 ready, 8 not ready (a check failed or could not be read); 5 is no credentials, 6 and 7 the runbook's. */
export const EXIT_NOT_READY = 8;

export function standbyRole(drState: string): RegionRole {
  return drState === "normal" ? "secondary" : "primary";
}

const UNREAD = "could not be read";

export async function runReadiness(config: ValidConfig, platform: DrPlatform, deps: ReadinessDeps = {}): Promise<ReadinessResult> {
  const now = deps.now ?? (() => Date.now());
  const at = now();
  const timeout = deps.readTimeoutMs ?? READINESS_READ_TIMEOUT_MS;
  const drState = config.database.drState;
  const standby = standbyRole(drState);
  const why = (e: Error): string => platform.explain?.(e)?.summary ?? e?.message ?? String(e);
  const unknown = (id: ReadinessCheckId, what: string, e: Error, fix: string): ReadinessCheck => ({ id, status: "unknown", detail: `${what}: ${UNREAD} (${why(e)})`, fix });
  const checks = await Promise.all([
    settle(replicaHealth(config, platform, standby), (e) => unknown("replica-health", `the ${standby} database`, e, "look at the region's RDS console / `npm run dr -- status`; a read that keeps failing is itself a DR risk"), timeout),
    settle(replicaReplay(config, platform, standby), (e) => unknown("replica-replay", `WAL positions through the ${standby} entry point`, e, "check the region's ALB and app (/readyz?wal=1)"), timeout),
    settle(switchCheck(config, platform), (e) => unknown("failover-switch", "the failover switch", e, "check CloudWatch in the secondary region"), timeout),
    settle(fleetCheck(config, platform, standby), (e) => unknown("standby-fleet", `the ${standby} web fleet's capacity`, e, "check the ASG, its launch template and AMI in the region"), timeout),
    backupsCheck(config, platform, timeout, why),
    settle(permissionsCheck(config, platform, deps.roleArn ?? config.runbook.roleArn), (e) => unknown("runbook-permissions", "iam:SimulatePrincipalPolicy", e, "the checker's own role needs iam:SimulatePrincipalPolicy on the runbook's role"), timeout),
    settle(stateBucketCheck(config, platform, standby), (e) => unknown("state-bucket", `the ${standby} deploy's state bucket`, e, "check S3 in the bucket's region and the checker's network path to it"), timeout),
    settle(secretsCheck(config, platform, standby, timeout, why), (e) => unknown("secrets", `the ${standby} region's secrets`, e, `check Secrets Manager in ${config.regions[standby].region}`), timeout),
    settle(endpointsCheck(config, platform, standby, timeout, why), (e) => unknown("endpoints-parameter", "the database endpoints parameters", e, "check SSM Parameter Store in each region"), timeout),
  ]);
  return { ready: checks.every((c) => c.status === "ok"), drState, standby, checks, at };
}

const ok = (id: ReadinessCheckId, detail: string): ReadinessCheck => ({ id, status: "ok", detail, fix: null });
const fail = (id: ReadinessCheckId, detail: string, fix: string): ReadinessCheck => ({ id, status: "fail", detail, fix });

function noReplicaFix(config: ValidConfig, standby: RegionRole): string {
  return config.database.drState === "failedOver"
    ? `the ${config.regions[standby].region} database is rebuilt as a replica by \`npm run dr -- failback\` (its rebuild-primary step): until then there is no standby`
    : `rebuild the ${standby} region's replica (deploy its stack with the config's database.generations) before relying on a failover`;
}

async function replicaHealth(config: ValidConfig, platform: DrPlatform, standby: RegionRole): Promise<ReadinessCheck> {
  const id = "replica-health";
  const maxLag = config.runbook.maxReplicaLagSeconds;
  const region = config.regions[standby].region;
  if (isAurora(config)) {
    const g = await auroraOps({ platform }).globalCluster();
    if (!g.found) return fail(id, g.detail, "deploy the primary stack (the global cluster), then look again");
    const m = member(g, standby);
    const cid = regionClusterIdentifier(config, standby);
    if (!m) return fail(id, `${cid} (${region}) is not a member of ${g.identifier}`, noReplicaFix(config, standby));
    if (m.isWriter) return fail(id, `${cid} is already the global writer`, "the config's drState does not match AWS: `npm run dr -- status`");
    if (m.status === null) return { id, status: "unknown", detail: `${cid}: ${UNREAD} in ${region} (${m.detail})`, fix: "look again when the region answers" };
    const lagMs = m.rpoLagMs ?? m.replicationLagMs;
    const problems: string[] = [];
    if (m.status !== "available") problems.push(`status ${m.status}`);
    if (m.synchronizationStatus !== "connected") problems.push(`synchronization ${m.synchronizationStatus ?? "not reported"}`);
    if (lagMs === null) problems.push("no AuroraGlobalDBRPOLag / ReplicationLag datapoint (lag unknown)");
    else if (lagMs / 1000 > maxLag) problems.push(`lag ${lagMs / 1000} s above runbook.maxReplicaLagSeconds (${maxLag} s)`);
    if (lagMs !== null && (m.lagSampleAgeSeconds === null || m.lagSampleAgeSeconds > MAX_LAG_SAMPLE_AGE_SECONDS)) problems.push(`lag sample ${m.lagSampleAgeSeconds === null ? "of unknown age" : `${Math.round(m.lagSampleAgeSeconds)} s old`} (fresh: at most ${MAX_LAG_SAMPLE_AGE_SECONDS} s)`);
    const seen = `${cid} (${region}): secondary member, ${m.status}, sync ${m.synchronizationStatus ?? "?"}, lag ${lagMs ?? "?"} ms`;
    return problems.length ? fail(id, `${seen}: ${problems.join("; ")}`, "a switchover to a member out of sync is refused: see the Aurora console's global database events, then look again") : ok(id, seen);
  }
  const gen = config.database.generations[standby];
  const db = await platform.database(standby, gen);
  const label = `${db.identifier} (${region})`;
  if (db.dbRole === "unknown") return { id, status: "unknown", detail: `${label}: ${UNREAD} (${db.detail})`, fix: "look again when the region's RDS API (local: the database) answers" };
  if (db.dbRole !== "replica") return fail(id, `${label} is ${db.dbRole === "missing" ? "missing" : "a writer, not a replica"} (${db.detail})`, noReplicaFix(config, standby));
  const problems: string[] = [];
  if (db.status !== "available") problems.push(`status ${db.status ?? "unknown"}`);
  if (db.replicationStatus && db.replicationStatus !== "replicating") problems.push(`read replication ${db.replicationStatus}`);
  if (db.lagSeconds === null) problems.push("lag unknown (no ReplicaLag datapoint)");
  else if (db.lagSeconds < 0) problems.push("ReplicaLag -1 (RDS cannot determine the lag: replication not active)");
  else if (db.lagSeconds > maxLag) problems.push(`lag ${db.lagSeconds} s above runbook.maxReplicaLagSeconds (${maxLag} s)`);
  const age = db.lagSampleAgeSeconds ?? null;
  if (db.lagSeconds !== null && (age === null || age > MAX_LAG_SAMPLE_AGE_SECONDS)) problems.push(`lag sample ${age === null ? "of unknown age" : `${Math.round(age)} s old`} (fresh: at most ${MAX_LAG_SAMPLE_AGE_SECONDS} s)`);
  const seen = `${label}: replica, ${db.status ?? "?"}, read replication ${db.replicationStatus ?? "not reported"}, lag ${db.lagSeconds ?? "unknown"} s${age !== null ? ` (${Math.round(age)} s old)` : ""}`;
  return problems.length
    ? fail(id, `${seen}: ${problems.join("; ")}`, `a planned failover refuses a replica that is not available, replicating and within ${maxLag} s: look at the replica's RDS events and the source's health; rebuild the replica if replication stopped`)
    : ok(id, seen);
}

async function replicaReplay(config: ValidConfig, platform: DrPlatform, standby: RegionRole): Promise<ReadinessCheck> {
  const id = "replica-replay";
  if (isAurora(config)) return ok(id, "not applicable (Aurora mode: storage-level replication, no WAL replay to pause)");
  const w = await platform.walPositions(standby);
  if (!w.ok) return { id, status: "unknown", detail: `WAL positions through the ${standby} entry point: ${UNREAD} (${w.detail})`, fix: `check the ${standby} region's ALB and app: GET ${config.web.readinessPath}?wal=1` };
  if (w.inRecovery === false) return fail(id, `the ${standby} database answers as a writer, not a replica (${w.detail})`, noReplicaFix(config, standby));
  if (w.replayPaused === true)
    return fail(id, `the replica's replay is PAUSED (received ${w.receiveLsn ?? "?"}, replayed ${w.replayLsn ?? "?"}): a planned failover's catch-up would never finish`, "resume it on the replica: SELECT pg_wal_replay_resume(); (who paused it, and why?) then look again");
  if (w.inRecovery === null || w.replayPaused === null) return { id, status: "unknown", detail: `the entry point did not say whether replay is paused (${w.detail})`, fix: "the app's /readyz?wal=1 needs pg_is_wal_replay_paused() (webapp)" };
  return ok(id, `replaying (received ${w.receiveLsn ?? "?"}, replayed ${w.replayLsn ?? "?"}, receiver ${w.receiverStatus ?? "not visible"})`);
}

async function switchCheck(config: ValidConfig, platform: DrPlatform): Promise<ReadinessCheck> {
  const id = "failover-switch";
  if (!config.dns.enabled) return ok(id, "not applicable (dns.enabled is false: no failover switch)");
  const sw = failoverSwitch(config);
  const want = config.dns.forceFailover;
  const fix = `set it to the config's dns.forceFailover (${want}): ${switchCommand(config, want)}`;
  const s = await platform.failoverSwitch();
  if (s.alarmState === null) return fail(id, `alarm ${sw.alarmName} not found in ${sw.region}`, "deploy the dns stack (it owns the switch's alarm and health checks)");
  if (s.forced === null) return fail(id, `the switch has no position (${s.alarmState}: never written)`, fix);
  if (s.forced !== want) return fail(id, `the switch is ${s.forced ? "forced" : "released"}, config dns.forceFailover is ${want}`, `${fix} (or record what the runbook did in the config)`);
  const seen = `switch ${s.forced ? "forced" : "released"} as the config says (${s.detail})`;
  if (!platform.switchChecks) return ok(id, `${seen}; Route 53's view not read (this platform has none)`);
  const r = await platform.switchChecks();
  if (r.switchHealthy === null || r.switchForcedHealthy === null) return { id, status: "unknown", detail: `${seen}; Route 53's view of the switch checks: ${UNREAD} (${r.detail})`, fix: "look again in a few minutes (HealthCheckStatus, us-east-1)" };
  if (r.switchHealthy !== !want || r.switchForcedHealthy !== want)
    return fail(id, `${seen}, but Route 53's switch checks say switch ${r.switchHealthy ? "healthy" : "unhealthy"}, switch-forced ${r.switchForcedHealthy ? "healthy" : "unhealthy"} (${r.detail})`, "check the switch health checks' alarm (dns stack) and look again: Route 53 acts on them, not on the alarm");
  return ok(id, `${seen}; Route 53's switch checks agree`);
}

async function fleetCheck(config: ValidConfig, platform: DrPlatform, standby: RegionRole): Promise<ReadinessCheck> {
  const id = "standby-fleet";
  const size = config.web.desiredCapacity;
  const asg = names(config, standby).asg;
  if (!platform.fleetCapacity) return { id, status: "unknown", detail: `the ${platform.name} platform cannot tell whether the fleet can reach ${size}`, fix: "run the check on a platform that has fleetCapacity (AWS)" };
  const c = await platform.fleetCapacity(standby, size);
  return c.canReach
    ? ok(id, c.detail)
    : fail(id, `the ${standby} fleet cannot reach web.desiredCapacity ${size}: ${c.detail}`, `fix ASG ${asg} in ${config.regions[standby].region}: its MaxSize at least ${size} (web.maxSize), a launch template version that exists and an AMI that is available (publish a new one to the AMI parameter, deploy the ${standby} stack)`);
}

async function backupsCheck(config: ValidConfig, platform: DrPlatform, timeout: number, why: (e: Error) => string): Promise<ReadinessCheck> {
  const id = "backups-replicated";
  const unread = new Map<string, string>();
  const r = await collectRestorable(config, platform, {
    settle: (p, what, _slot, fallback) =>
      settle(p, (e) => {
        unread.set(what, why(e));
        return fallback;
      }, timeout),
    firstSlot: 0,
  });
  if (!r.available) return ok(id, `not applicable (${r.reason ?? `the ${platform.name} platform cannot read restorable windows`})`);
  const copy = r.regions.find((x) => x.source === "replicated");
  const own = r.regions.find((x) => x.source === "instance");
  const ownNote = own && !own.window ? `; ${own.region}'s own backups ${UNREAD} (${[...unread.entries()].find(([w]) => w.startsWith(own.region))?.[1] ?? "?"})` : "";
  if (!copy) return { id, status: "unknown", detail: "no region holds the replicated copy", fix: "check runbook config" };
  if (!copy.window) return { id, status: "unknown", detail: `the replicated copy in ${copy.region}: ${UNREAD} (${[...unread.entries()].find(([w]) => w.startsWith(copy.region))?.[1] ?? "?"})${ownNote}`, fix: "look again when the region answers" };
  const finding = r.findings.find((f) => f.includes(copy.region));
  if (!copy.found || copy.lagHigh || copy.lagSeconds === null) return fail(id, `${finding ?? `the replicated copy in ${copy.region}: latest restorable time unknown`}${ownNote}`, `turn on (or repair) the automated backups replication of ${r.writer.identifier} into ${copy.region} (database stack), then look again`);
  return ok(id, `${r.writer.identifier}'s backups replicated to ${copy.region}, ${Math.round(copy.lagSeconds / 60)} min behind (limit ${r.maxLagMinutes} min)${ownNote}`);
}

async function permissionsCheck(config: ValidConfig, platform: DrPlatform, roleArn: string | undefined): Promise<ReadinessCheck> {
  const id = "runbook-permissions";
  if (!roleArn) return fail(id, "not configured: no runbook role to check", "set runbook.roleArn to the IAM role operators assume to run `dr` (arn:aws:iam::<account>:role/<name>)");
  if (!platform.simulateRunbookRole) return { id, status: "unknown", detail: `the ${platform.name} platform cannot simulate ${roleArn}`, fix: "run the check on AWS" };
  const decisions = await platform.simulateRunbookRole(roleArn, RUNBOOK_ACTIONS);
  const allowed = new Set(decisions.filter((d) => d.decision === "allowed").map((d) => d.action));
  const denied = RUNBOOK_ACTIONS.filter((a) => !allowed.has(a));
  if (denied.length) {
    const how = denied.map((a) => `${a} (${decisions.find((d) => d.action === a)?.decision ?? "not evaluated"})`).join(", ");
    return fail(id, `${roleArn} is not allowed ${denied.length} of the runbook's ${RUNBOOK_ACTIONS.length} actions: ${how}`, `allow them to ${roleArn} (the list: docs/dr-runbook.md, "readiness"; src/dr/runbook-actions.ts)`);
  }
  void config;
  return ok(id, `${roleArn} is allowed all ${RUNBOOK_ACTIONS.length} actions of the runbook`);
}

/**
 * The Terraform state bucket the standby's deploy uses (stacks/backend.ts configureBackend: the stacks a failover
 * deploys keep their state in backend.secondaryBucket, the primary region's stacks in backend.primaryBucket), read
 * from the bucket's region: HeadBucket 200 (404 missing, 403 denied) and versioning Enabled (aws-readiness.ts).
 */
async function stateBucketCheck(config: ValidConfig, platform: DrPlatform, standby: RegionRole): Promise<ReadinessCheck> {
  const id = "state-bucket";
  const backend = config.backend;
  if (backend.type !== "s3") return ok(id, "not applicable (backend.type local: the state is in local files, not in a bucket)");
  if (!platform.stateBucket) return ok(id, `not applicable (${platform.name} platform: no S3)`);
  const key = standby === "secondary" ? "secondaryBucket" : "primaryBucket";
  const { bucket, region } = backend[key];
  const b = await platform.stateBucket(bucket, region);
  const where = `backend.${key} s3://${bucket} (${region}), the ${standby} deploy's state`;
  if (b.access === "missing") return fail(id, `${where}: does not exist (${b.detail})`, `create the bucket in ${region} (versioning on, encrypted) or correct backend.${key} in the config; without it the ${standby} stacks cannot be deployed`);
  if (b.access === "forbidden") return fail(id, `${where}: access denied (${b.detail})`, `allow s3:ListBucket, s3:GetBucketVersioning on arn:aws:s3:::${bucket} to the checker's role and the runbook's (and check the bucket policy)`);
  if (b.versioning !== "Enabled") return fail(id, `${where}: reachable, but versioning is ${b.versioning ?? "unknown"}: an overwritten or deleted state cannot be recovered`, `aws s3api put-bucket-versioning --region ${region} --bucket ${bucket} --versioning-configuration Status=Enabled`);
  return ok(id, `${where}: ${b.detail}`);
}

/**
 * The secrets the standby's app and the runbook need there: the database master secret (DB_SECRET_ID of the web
 * fleet, stacks/regional-stack.ts `<project>-<environment>/db/master`), created in the credentials home
 * (topology.ts CREDENTIALS_HOME) and replicated under the same name to the other region. Metadata only
 * (DescribeSecret, never the value): it exists in the standby region and is not scheduled for deletion (DeletedDate);
 * where the standby holds the replica, the home's ReplicationStatus for the standby's region is not Failed. The
 * home's read is bounded and only adds to the detail when it cannot be read (us-east-2 may be down).
 */
async function secretsCheck(config: ValidConfig, platform: DrPlatform, standby: RegionRole, timeout: number, why: (e: Error) => string): Promise<ReadinessCheck> {
  const id = "secrets";
  if (!platform.describeSecret) return ok(id, `not applicable (${platform.name} platform: no Secrets Manager; the drill's app reads its database password from its environment)`);
  const name = `${config.project}-${config.environment}/db/master`;
  const region = config.regions[standby].region;
  const home = config.regions[CREDENTIALS_HOME].region;
  const isReplica = home !== region;
  const homeRead = isReplica
    ? settle(platform.describeSecret(name, home).then((d): { d: SecretMetadata | null; err: string | null } => ({ d, err: null })), (e) => ({ d: null, err: why(e) }), Math.max(1, Math.floor(timeout / 2)))
    : Promise.resolve(null);
  const [d, h] = await Promise.all([platform.describeSecret(name, region), homeRead]);
  if (!d.found)
    return fail(id, `secret ${name} does not exist in ${region}: the ${standby} app cannot read its database credentials`, isReplica ? `deploy the ${CREDENTIALS_HOME} stack (it replicates ${name} to ${region}), or: aws secretsmanager replicate-secret-to-regions --region ${home} --secret-id ${name} --add-replica-regions Region=${region},KmsKeyId=<the ${region} key>` : `deploy the ${standby} stack (it owns ${name})`);
  if (d.deletedDate) return fail(id, `secret ${name} in ${region} is scheduled for deletion on ${d.deletedDate}: its value cannot be read`, `aws secretsmanager restore-secret --region ${region} --secret-id ${name} (then find who deleted it: CloudTrail DeleteSecret)`);
  const notes: string[] = [];
  if (h) {
    if (!h.d) notes.push(`its replication status in ${home} ${UNREAD} (${h.err})`);
    else {
      const rep = h.d.replication.find((r) => r.region === region);
      if (rep?.status === "Failed")
        return fail(id, `the replica of ${name} in ${region} failed to replicate from ${home}: ${rep.message ?? "no StatusMessage"}`, `fix the cause in the message (the ${region} KMS key's policy, or a secret of the same name there), then: aws secretsmanager replicate-secret-to-regions --region ${home} --secret-id ${name} --add-replica-regions Region=${region},KmsKeyId=<the ${region} key> (or deploy the ${CREDENTIALS_HOME} stack)`);
      notes.push(rep ? `replication from ${home} ${rep.status}` : `not listed in ${home}'s ReplicationStatus (a standalone secret: the password may differ from the database's)`);
    }
  }
  return ok(id, `secret ${name} in ${region} exists, not scheduled for deletion${d.primaryRegion && d.primaryRegion !== region ? ` (replica of ${d.primaryRegion})` : ""}${notes.length ? `; ${notes.join("; ")}` : ""}`);
}

/**
 * Aurora mode: each region's database endpoints parameter (src/database/endpoints-parameter.ts; the app reads it when
 * it starts) exists and names the cluster the config records: the region's member, or database.restoredCluster
 * (endpoints-check.ts, the same judgement as the failover's guard). A parameter naming another cluster is a `dr
 * restore` the config does not record (a failover would be refused); a missing or invalid one: that region's new
 * instances would not start. The standby's read decides UNKNOWN; the other region's failing read is only said.
 */
async function endpointsCheck(config: ValidConfig, platform: DrPlatform, standby: RegionRole, timeout: number, why: (e: Error) => string): Promise<ReadinessCheck> {
  const id = "endpoints-parameter";
  if (!isAurora(config)) return ok(id, "not applicable (RDS mode: the fleet's database hosts are in its launch template)");
  // A recorded restore: the app writes to a standalone cluster outside the global database, and the runbook refuses
  // every failover (the other member replicates the damaged data): not ready, whatever the parameters say.
  const refusal = restoredClusterRefusal(config, "dr failover");
  if (refusal) {
    const rc = config.database.restoredCluster!;
    return fail(id, refusal, `rebuild a global database around ${rc.identifier} (aws rds create-global-cluster --source-db-cluster-identifier <ARN of ${rc.identifier}>, then a secondary member in the other region; docs/dr-runbook.md, "dr restore", Aurora mode); until then the region's data has no cross-region copy`);
  }
  const p = endpointsParameterOf(platform);
  if (!p) return { id, status: "unknown", detail: `the ${platform.name} platform cannot read the database endpoints parameters`, fix: "run the check on AWS" };
  const reads = await Promise.all(
    REGION_ROLES.map((role) =>
      settle<{ role: RegionRole; v: EndpointsVerdict | null; error: string | null }>(
        p.endpointsParameter(role).then((s) => ({ role, v: endpointsVerdict(config, role, s), error: null })),
        (e) => ({ role, v: null, error: why(e) }),
        Math.max(1, Math.floor(timeout / 2)),
      ),
    ),
  );
  const seen: string[] = [];
  const problems: string[] = [];
  const fixes: string[] = [];
  let unread = false;
  for (const r of reads) {
    const region = config.regions[r.role].region;
    if (!r.v) {
      seen.push(`${endpointsParameterName(config, r.role)} (${region}): ${UNREAD} (${r.error})`);
      if (r.role === standby) unread = true;
      continue;
    }
    if (r.v.kind === "recorded") {
      seen.push(r.v.detail);
      continue;
    }
    problems.push(r.v.detail);
    fixes.push(
      r.v.kind === "other"
        ? `${endpointsParameterName(config, r.role)} names a cluster the config does not record: if \`dr restore\` moved the ${r.role} app, record it (database.restoredCluster, the block it printed) and deploy ${r.role}; else put back ${recordedCluster(config, r.role)}'s endpoints (npx cdktf deploy ${r.role} writes them)`
        : `deploy the ${r.role} stack (it creates ${endpointsParameterName(config, r.role)} with ${recordedCluster(config, r.role)}'s endpoints): without it the region's new app instances do not start`,
    );
  }
  if (problems.length) return fail(id, [...problems, ...seen].join("; "), fixes.join("; "));
  if (unread) return { id, status: "unknown", detail: seen.join("; "), fix: `look again when SSM in ${config.regions[standby].region} answers` };
  return ok(id, seen.join("; "));
}

/** Plain text, one line per check. */
export function renderReadiness(r: ReadinessResult): string[] {
  const mark = { ok: "ok     ", fail: "FAIL   ", unknown: "UNKNOWN" } as const;
  return [
    `readiness (drState "${r.drState}", standby: ${r.standby}) at ${new Date(r.at).toISOString()}:`,
    ...r.checks.flatMap((c) => [`  ${mark[c.status]} ${c.id.padEnd(20)} ${c.detail}`, ...(c.fix ? [`          fix: ${c.fix}`] : [])]),
    r.ready ? "READY: every check passed." : `NOT READY: ${r.checks.filter((c) => c.status !== "ok").map((c) => `${c.id} ${c.status === "fail" ? "failed" : UNREAD}`).join(", ")}.`,
  ];
}
