// `dr readiness` (issue 28 points 1 and 4): every check's pass, fail and could-not-read, Ready, the metrics, the
// Lambda handler and the command. AWS is the stubbed SDK clients of fake-aws.ts and fake-readiness.ts (no AWS API
// emulator runs here); the restorable windows are a stub of RestorePlatform.restorableWindow (the AWS calls behind
// it are aws-restore.ts's, tested there).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { resolveConfig, type RegionRole, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { READINESS_CHECKS, runReadiness, type ReadinessCheckId, type ReadinessResult } from "../../src/dr/readiness";
import { readinessHandler } from "../../src/dr/readiness-handler";
import { READINESS_METRIC, type MetricSink } from "../../src/dr/readiness-metrics";
import type { RestoreWindow } from "../../src/dr/restore-platform";
import { RUNBOOK_ACTIONS } from "../../src/dr/runbook-actions";
import { FakeAurora } from "./fake-aurora";
import { FakeAuroraRestore } from "./fake-aurora-restore";
import { FakeAws } from "./fake-aws";
import { FakeReadinessAws } from "./fake-readiness";

const MIN = 60_000;
const ROLE = "arn:aws:iam::123456789012:role/drweb-prod-dr-runbook";
type Window = { found: boolean; latestAgoMs: number } | Error;

function setup(overrides: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const extra = new FakeReadinessAws(aws);
  const config = resolveConfig({ runbook: { journalDir: dir, roleArn: ROLE }, ...overrides });
  const windows: Record<RegionRole, Window> = { primary: { found: true, latestAgoMs: 3 * MIN }, secondary: { found: true, latestAgoMs: 8 * MIN } };
  const restorableWindow = async (region: RegionRole, writer: { role: RegionRole; generation: number }): Promise<RestoreWindow> => {
    const w = windows[region];
    if (w instanceof Error) throw w;
    const now = clock.now();
    const source = region === writer.role ? "instance" : "replicated";
    return { region, source, sourceRef: w.found ? `ref-${region}` : null, earliest: w.found ? now - 7 * 24 * 60 * MIN : null, latest: w.found ? now - w.latestAgoMs : null, readAt: now, detail: w.found ? "stub: found" : "stub: no automated backups" };
  };
  const platformFor = (cfg: ValidConfig = config, opts: { callTimeoutMs?: number } = {}) => {
    const p = new AwsPlatform(cfg, extra.clients(), clock, aws.probe, { walFn: aws.walFn, ...opts });
    Object.defineProperty(p, "restorableWindow", { value: restorableWindow, configurable: true, writable: true });
    return p;
  };
  const run = (cfg: ValidConfig = config, deps: Parameters<typeof runReadiness>[2] = {}) => runReadiness(cfg, platformFor(cfg), { now: () => clock.now(), ...deps });
  return { clock, aws, extra, config, windows, platformFor, run };
}

const check = (r: ReadinessResult, id: ReadinessCheckId) => r.checks.find((c) => c.id === id)!;
const statuses = (r: ReadinessResult) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
const networkDown = () => Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });

describe("dr readiness: the checks", () => {
  it("all pass on a healthy deployment: Ready, one result per check, none with a fix", async () => {
    const t = setup();
    const r = await t.run();
    expect(r.checks.map((c) => c.id)).toEqual([...READINESS_CHECKS]);
    expect(statuses(r)).toEqual(Object.fromEntries(READINESS_CHECKS.map((id) => [id, "ok"])));
    expect(r.ready).toBe(true);
    expect(r.standby).toBe("secondary");
    expect(r.checks.every((c) => c.fix === null)).toBe(true);
    expect(check(r, "runbook-permissions").detail).toContain(`allowed all ${RUNBOOK_ACTIONS.length} actions`);
    expect(check(r, "standby-fleet").detail).toContain("AMI ami-usw1 available");
    // Read-only: nothing sent that changes AWS.
    expect(t.aws.mutations()).toEqual([]);
  });

  it("replica-health: a replica whose replication stopped, a stale lag sample, a lag above the limit fail; its region not answering is 'could not be read'", async () => {
    const t = setup();
    t.aws.replicationStatus = "error";
    let c = check(await t.run(), "replica-health");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain("read replication error");
    t.aws.replicationStatus = "replicating";
    t.aws.lagAgeMs = 10 * MIN;
    c = check(await t.run(), "replica-health");
    expect([c.status, c.detail]).toEqual(["fail", expect.stringMatching(/lag sample 600 s old \(fresh: at most 300 s\)/)]);
    t.aws.lagAgeMs = 0;
    t.aws.replicaLag = 45;
    c = check(await t.run(), "replica-health");
    expect([c.status, c.detail]).toEqual(["fail", expect.stringContaining("lag 45 s above runbook.maxReplicaLagSeconds (30 s)")]);
    t.aws.replicaLag = 2;
    t.aws.failWith = (call) => (call.client === "rds" && call.region === "us-west-1" ? networkDown() : undefined);
    const r = await t.run();
    expect(check(r, "replica-health").status).toBe("unknown");
    expect(check(r, "replica-health").detail).toContain("could not be read");
    expect(r.ready).toBe(false);
  });

  it("replica-replay: a PAUSED replay turns Ready to 0 (fails on the code before readiness.ts: it did not exist); an entry point that does not answer is 'could not be read'", async () => {
    const t = setup();
    t.aws.wal.paused = true;
    const r = await t.run();
    expect(check(r, "replica-replay")).toMatchObject({ status: "fail", fix: expect.stringContaining("pg_wal_replay_resume()") });
    expect(check(r, "replica-replay").detail).toContain("PAUSED");
    expect(r.ready).toBe(false);
    t.aws.wal.paused = false;
    const p = t.platformFor();
    Object.defineProperty(p, "walPositions", { value: async () => ({ ok: false, detail: "GET /readyz?wal=1: ECONNREFUSED", requestedAt: 0 }) });
    const u = await runReadiness(t.config, p);
    expect(check(u, "replica-replay")).toMatchObject({ status: "unknown", detail: expect.stringContaining("ECONNREFUSED") });
  });

  it("failover-switch: forced while the config says released fails with the command that sets it; an alarm read that fails is 'could not be read'", async () => {
    const t = setup();
    t.aws.setSwitch(true);
    const c = check(await t.run(), "failover-switch");
    expect(c.status).toBe("fail");
    expect(c.detail).toContain("the switch is forced, config dns.forceFailover is false");
    expect(c.fix).toContain("aws cloudwatch put-metric-data --region us-west-1 --namespace drweb/DR --metric-name ForceFailover");
    const agree = check(await t.run(resolveConfig({ runbook: { journalDir: t.config.runbook.journalDir, roleArn: ROLE }, dns: { forceFailover: true } })), "failover-switch");
    expect(agree.status).toBe("ok");
    t.aws.failWith = (call) => (call.command === "DescribeAlarmsCommand" ? Object.assign(new Error("Rate exceeded"), { name: "Throttling" }) : undefined);
    expect(check(await t.run(), "failover-switch").status).toBe("unknown");
  });

  it("standby-fleet: an AMI that is gone turns Ready to 0 (fails on the old code); MaxSize below web.desiredCapacity and a launch template that does not resolve fail; EC2 not answering is 'could not be read'", async () => {
    const t = setup();
    t.extra.images.delete("ami-usw1");
    let r = await t.run();
    expect(check(r, "standby-fleet")).toMatchObject({ status: "fail", detail: expect.stringContaining("AMI ami-usw1 of launch template lt-usw1 is not found (deregistered or disabled)") });
    expect(r.ready).toBe(false);
    t.extra.images.set("ami-usw1", "available");
    t.extra.maxSize["us-west-1"] = 2;
    r = await t.run();
    expect(check(r, "standby-fleet")).toMatchObject({ status: "fail", detail: expect.stringContaining("web.desiredCapacity 3 is above the ASG's MaxSize 2") });
    t.extra.maxSize["us-west-1"] = 6;
    t.extra.templates.delete("lt-usw1");
    expect(check(await t.run(), "standby-fleet")).toMatchObject({ status: "fail", detail: expect.stringContaining("cannot be resolved (InvalidLaunchTemplateId.NotFound)") });
    t.extra.templates.set("lt-usw1", "ami-usw1");
    t.aws.failWith = (call) => (call.client === "ec2" ? networkDown() : undefined);
    expect(check(await t.run(), "standby-fleet").status).toBe("unknown");
    // The primary's fleet is not read in drState normal.
    expect(t.aws.calls.some((c) => c.client === "ec2" && c.region === "us-east-2")).toBe(false);
  });

  it("backups-replicated: no replicated copy, a copy lagging above the limit fail; the copy's region not answering is 'could not be read'; the primary's own window failing is only said", async () => {
    const t = setup();
    t.windows.secondary = { found: false, latestAgoMs: 0 };
    expect(check(await t.run(), "backups-replicated")).toMatchObject({ status: "fail", detail: expect.stringContaining("backups not replicated") });
    t.windows.secondary = { found: true, latestAgoMs: 40 * MIN };
    expect(check(await t.run(), "backups-replicated")).toMatchObject({ status: "fail", detail: expect.stringContaining("more than runbook.maxRestorableLagMinutes (15 min)") });
    t.windows.secondary = networkDown();
    expect(check(await t.run(), "backups-replicated")).toMatchObject({ status: "unknown", detail: expect.stringContaining("could not be read") });
    t.windows.secondary = { found: true, latestAgoMs: 8 * MIN };
    t.windows.primary = networkDown();
    const c = check(await t.run(), "backups-replicated");
    expect(c.status).toBe("ok");
    expect(c.detail).toContain("us-east-2's own backups could not be read");
  });

  it("runbook-permissions: a missing permission turns Ready to 0 (fails on the old code); no role configured fails with the fix; a simulation that is refused is 'could not be read'", async () => {
    const t = setup();
    t.extra.denied.add("rds:PromoteReadReplica");
    let r = await t.run();
    expect(check(r, "runbook-permissions")).toMatchObject({ status: "fail", detail: expect.stringContaining("rds:PromoteReadReplica (implicitDeny)") });
    expect(r.ready).toBe(false);
    // All of the list was asked, over two pages.
    const sims = t.aws.calls.filter((c) => c.command === "SimulatePrincipalPolicyCommand");
    expect(sims.length).toBeGreaterThanOrEqual(2);
    expect(sims[0].input).toMatchObject({ PolicySourceArn: ROLE, ActionNames: [...RUNBOOK_ACTIONS] });
    t.extra.denied.clear();
    const none = resolveConfig({ runbook: { journalDir: t.config.runbook.journalDir } });
    r = await t.run(none);
    expect(check(r, "runbook-permissions")).toMatchObject({ status: "fail", detail: expect.stringContaining("not configured"), fix: expect.stringContaining("set runbook.roleArn") });
    t.aws.failWith = (call) => (call.client === "iam" ? Object.assign(new Error("User is not authorized to perform: iam:SimulatePrincipalPolicy"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }) : undefined);
    r = await t.run();
    expect(check(r, "runbook-permissions")).toMatchObject({ status: "unknown", detail: expect.stringContaining("could not be read") });
  });

  it("runbook.roleArn that is not a role ARN is refused, naming the field and the fix", () => {
    expect(() => resolveConfig({ runbook: { roleArn: "drweb-runbook" } })).toThrow(/runbook\.roleArn[\s\S]*must be an IAM role ARN\. Fix: give arn:aws:iam::<12-digit account>:role\/<name>/);
  });

  const S3_BACKEND = { backend: { type: "s3", primaryBucket: { bucket: "drweb-tfstate-use2", region: "us-east-2" }, secondaryBucket: { bucket: "drweb-tfstate-usw1", region: "us-west-1" } } };

  it("state-bucket: the standby deploy's bucket missing (404), denied (403) or unversioned turns Ready to 0 (fails on the code before the check: it did not exist); S3 not answering is 'could not be read'", async () => {
    const t = setup(S3_BACKEND);
    let r = await t.run();
    let c = check(r, "state-bucket");
    expect([c.status, c.detail]).toEqual(["ok", expect.stringContaining("backend.secondaryBucket s3://drweb-tfstate-usw1 (us-west-1)")]);
    expect(c.detail).toContain("versioning Enabled");
    // Sent to the bucket's own region, read-only.
    expect(t.aws.calls.filter((x) => x.client === "s3").map((x) => `${x.command} ${x.region}`)).toEqual(["HeadBucketCommand us-west-1", "GetBucketVersioningCommand us-west-1"]);
    expect(r.ready).toBe(true);

    t.extra.buckets.delete("drweb-tfstate-usw1");
    r = await t.run();
    c = check(r, "state-bucket");
    expect([c.status, c.detail, r.ready]).toEqual(["fail", expect.stringMatching(/does not exist \(HeadBucket drweb-tfstate-usw1 \(us-west-1\): 404/), false]);
    expect(c.fix).toMatch(/create the bucket in us-west-1 .* or correct backend\.secondaryBucket/);

    t.extra.buckets.set("drweb-tfstate-usw1", "Enabled");
    t.extra.forbiddenBuckets.add("drweb-tfstate-usw1");
    r = await t.run();
    c = check(r, "state-bucket");
    expect([c.status, c.detail, r.ready]).toEqual(["fail", expect.stringContaining("access denied"), false]);
    expect(c.fix).toContain("s3:ListBucket, s3:GetBucketVersioning on arn:aws:s3:::drweb-tfstate-usw1");

    t.extra.forbiddenBuckets.clear();
    t.extra.buckets.set("drweb-tfstate-usw1", "Suspended");
    c = check(await t.run(), "state-bucket");
    expect([c.status, c.detail, c.fix]).toEqual(["fail", expect.stringContaining("versioning is Suspended"), expect.stringContaining("put-bucket-versioning --region us-west-1 --bucket drweb-tfstate-usw1 --versioning-configuration Status=Enabled")]);
    t.extra.buckets.set("drweb-tfstate-usw1", undefined);
    expect(check(await t.run(), "state-bucket").detail).toContain("versioning is never enabled");

    t.extra.buckets.set("drweb-tfstate-usw1", "Enabled");
    t.aws.failWith = (call) => (call.client === "s3" ? networkDown() : undefined);
    r = await t.run();
    c = check(r, "state-bucket");
    expect([c.status, c.detail, r.ready]).toEqual(["unknown", expect.stringContaining("could not be read"), false]);
    t.aws.failWith = null;
    t.aws.hangWhen = (call) => call.client === "s3";
    r = await runReadiness(t.config, t.platformFor(t.config, { callTimeoutMs: 60_000 }), { readTimeoutMs: 300, now: () => t.clock.now() });
    expect([check(r, "state-bucket").status, check(r, "state-bucket").detail]).toEqual(["unknown", expect.stringContaining("no answer within 0.3 s")]);
  });

  it("state-bucket: in drState failedOver the standby is the primary, whose deploy uses backend.primaryBucket; a local backend is not applicable", async () => {
    const t = setup({ ...S3_BACKEND, database: { drState: "failedOver", generations: { primary: 1, secondary: 2 } }, dns: { forceFailover: true } });
    t.extra.buckets.delete("drweb-tfstate-use2");
    const c = check(await t.run(), "state-bucket");
    expect([c.status, c.detail]).toEqual(["fail", expect.stringContaining("backend.primaryBucket s3://drweb-tfstate-use2 (us-east-2)")]);
    const local = setup();
    expect(check(await local.run(), "state-bucket")).toMatchObject({ status: "ok", detail: expect.stringContaining("not applicable (backend.type local") });
  });

  it("secrets: the db master secret missing, scheduled for deletion or its replica Failed in the standby region turns Ready to 0 (fails on the old code); metadata only, never the value; Secrets Manager not answering is 'could not be read'", async () => {
    const t = setup();
    const SECRET = "drweb-prod/db/master";
    let r = await t.run();
    let c = check(r, "secrets");
    expect([c.status, c.detail]).toEqual(["ok", `secret ${SECRET} in us-west-1 exists, not scheduled for deletion (replica of us-east-2); replication from us-east-2 InSync`]);
    expect(r.ready).toBe(true);
    expect(t.aws.calls.filter((x) => x.client === "secretsmanager").map((x) => x.command)).toEqual(["DescribeSecretCommand", "DescribeSecretCommand"]);

    t.extra.secrets.get(`us-west-1 ${SECRET}`)!.DeletedDate = new Date(Date.UTC(2026, 11, 14));
    r = await t.run();
    c = check(r, "secrets");
    expect([c.status, c.detail, c.fix, r.ready]).toEqual(["fail", expect.stringContaining("scheduled for deletion on 2026-12-14T00:00:00.000Z"), expect.stringContaining(`aws secretsmanager restore-secret --region us-west-1 --secret-id ${SECRET}`), false]);

    t.extra.secrets.delete(`us-west-1 ${SECRET}`);
    r = await t.run();
    c = check(r, "secrets");
    expect([c.status, c.detail, r.ready]).toEqual(["fail", `secret ${SECRET} does not exist in us-west-1: the secondary app cannot read its database credentials`, false]);
    expect(c.fix).toContain("deploy the primary stack (it replicates");

    t.extra.secrets.set(`us-west-1 ${SECRET}`, { PrimaryRegion: "us-east-2" });
    t.extra.secrets.get(`us-east-2 ${SECRET}`)!.ReplicationStatus = [{ Region: "us-west-1", Status: "Failed", StatusMessage: "Access to KMS is not allowed" }];
    r = await t.run();
    c = check(r, "secrets");
    expect([c.status, c.detail, r.ready]).toEqual(["fail", `the replica of ${SECRET} in us-west-1 failed to replicate from us-east-2: Access to KMS is not allowed`, false]);
    expect(c.fix).toContain("replicate-secret-to-regions --region us-east-2");

    t.extra.secrets.get(`us-east-2 ${SECRET}`)!.ReplicationStatus = [{ Region: "us-west-1", Status: "InSync" }];
    t.aws.failWith = (call) => (call.client === "secretsmanager" && call.region === "us-west-1" ? networkDown() : undefined);
    r = await t.run();
    c = check(r, "secrets");
    expect([c.status, c.detail, r.ready]).toEqual(["unknown", expect.stringContaining("could not be read"), false]);
    t.aws.failWith = null;
    t.aws.hangWhen = (call) => call.client === "secretsmanager" && call.region === "us-west-1";
    r = await runReadiness(t.config, t.platformFor(t.config, { callTimeoutMs: 60_000 }), { readTimeoutMs: 300, now: () => t.clock.now() });
    expect([check(r, "secrets").status, check(r, "secrets").detail]).toEqual(["unknown", expect.stringContaining("no answer within 0.3 s")]);
    expect(t.aws.calls.filter((x) => x.client === "secretsmanager").every((x) => x.command === "DescribeSecretCommand")).toBe(true);
  });

  it("the primary region down (every us-east-2 call hangs): the answer comes within the bound, and in drState normal every check is still decided from the secondary", async () => {
    const t = setup();
    t.aws.hangWhen = (call) => call.region === "us-east-2";
    t.windows.primary = networkDown();
    const started = Date.now();
    const r = await runReadiness(t.config, t.platformFor(t.config, { callTimeoutMs: 300 }), { readTimeoutMs: 1_000, now: () => t.clock.now() });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(statuses(r)).toEqual(Object.fromEntries(READINESS_CHECKS.map((id) => [id, "ok"])));
    expect(check(r, "backups-replicated").detail).toContain("could not be read");
    expect(check(r, "secrets").detail).toContain("its replication status in us-east-2 could not be read");
  });

  it("the primary region down in drState failback (the standby is the primary): the checks that need it say 'could not be read', within the bound", async () => {
    const t = setup({ database: { drState: "failback", generations: { primary: 2, secondary: 1 } }, dns: { forceFailover: true } });
    t.aws.setSwitch(true);
    t.aws.hangWhen = (call) => call.region === "us-east-2";
    const p = t.platformFor(t.config, { callTimeoutMs: 300 });
    // The entry point's WAL read is an HTTP call (no SDK): it hangs too, the read bound ends it.
    Object.defineProperty(p, "walPositions", { value: () => new Promise(() => undefined) });
    const started = Date.now();
    const r = await runReadiness(t.config, p, { readTimeoutMs: 1_000, now: () => t.clock.now() });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.standby).toBe("primary");
    for (const id of ["replica-health", "replica-replay", "standby-fleet", "secrets"] as const) expect([id, check(r, id).status, check(r, id).detail]).toEqual([id, "unknown", expect.stringContaining("could not be read")]);
    expect(check(r, "failover-switch").status).toBe("ok");
    expect(r.ready).toBe(false);
  });
});

describe("dr readiness: the Aurora mode (the global secondary)", () => {
  it("a connected secondary member with a fresh lag within the limit is ok; pending-resync and no lag datapoint fail; replay is not applicable", async () => {
    const clock = new FakeClock();
    const fa = new FakeAurora(clock);
    new FakeAuroraRestore(fa); // each region's database endpoints parameter, as the stacks create it
    const extra = new FakeReadinessAws(fa.aws, () => fa.clients());
    const config = resolveConfig({ runbook: { journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-aurora-")), roleArn: ROLE }, database: { engine: "aurora-postgresql" } });
    const run = () => runReadiness(config, new AwsPlatform(config, extra.clients(), clock, fa.probe, { walFn: fa.aws.walFn }), { now: () => clock.now() });
    let r = await run();
    expect(check(r, "replica-health")).toMatchObject({ status: "ok", detail: expect.stringContaining("drweb-prod-usw1-db-g1-cluster (us-west-1): secondary member, available, sync connected") });
    expect(check(r, "replica-replay")).toMatchObject({ status: "ok", detail: expect.stringContaining("not applicable") });
    expect(check(r, "backups-replicated")).toMatchObject({ status: "ok", detail: expect.stringContaining("not applicable") });
    expect(r.ready).toBe(true);
    fa.member("us-west-1").sync = "pending-resync";
    r = await run();
    expect(check(r, "replica-health")).toMatchObject({ status: "fail", detail: expect.stringContaining("synchronization pending-resync") });
    expect(r.ready).toBe(false);
    fa.member("us-west-1").sync = "connected";
    fa.rpoLagMs = null;
    fa.replicationLagMs = null;
    expect(check(await run(), "replica-health")).toMatchObject({ status: "fail", detail: expect.stringContaining("lag unknown") });
  });

  it("endpoints-parameter: each region's parameter names its member; otherwise not ready, saying what it names; a recorded restore is not ready (failover refused)", async () => {
    const clock = new FakeClock();
    const fa = new FakeAurora(clock);
    const fr = new FakeAuroraRestore(fa);
    const extra = new FakeReadinessAws(fa.aws, () => fa.clients());
    const db = { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" };
    const cfg = (extraDb: Record<string, unknown> = {}) => resolveConfig({ runbook: { journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-ep-")), roleArn: ROLE }, database: { ...db, ...extraDb } });
    const run = async (c: ValidConfig) => check(await runReadiness(c, new AwsPlatform(c, extra.clients(), clock, fa.probe, { walFn: fa.aws.walFn }), { now: () => clock.now() }), "endpoints-parameter");
    const config = cfg();
    expect(await run(config)).toMatchObject({ status: "ok", detail: expect.stringContaining("/drweb-prod-use2/db/endpoints (us-east-2) names drweb-prod-use2-db-g1-cluster (writer drweb-prod-use2-db-g1-cluster.cluster-abc.us-east-2.rds.amazonaws.com): the region's member cluster") });
    // A restore the config does not record.
    const target = "drweb-prod-use2-db-g1-cluster-pitr-20261206234005";
    const moved = { cluster: target, writer: `${target}.cluster-abc.us-east-2.rds.amazonaws.com`, reader: `${target}.cluster-ro-abc.us-east-2.rds.amazonaws.com`, port: 5432 };
    fr.setParam("us-east-2", JSON.stringify(moved));
    const other = await run(config);
    expect(other).toMatchObject({ status: "fail", detail: expect.stringContaining(`/drweb-prod-use2/db/endpoints (us-east-2) names ${target} (writer ${moved.writer}), not drweb-prod-use2-db-g1-cluster (the region's member cluster)`) });
    expect(other.fix).toContain("record it (database.restoredCluster");
    // Recorded: the parameter agrees, but every failover is refused (the other member replicates the damaged data): not ready.
    const recorded = cfg({ restoredCluster: { region: "primary", identifier: target, writerEndpoint: moved.writer, readerEndpoint: moved.reader } });
    expect(await run(recorded)).toMatchObject({ status: "fail", detail: expect.stringContaining(`dr failover is refused: config database.restoredCluster records`), fix: expect.stringContaining(`rebuild a global database around ${target}`) });
    // Back on the member. Missing in the standby region: fail (its new instances would not start).
    fr.setParam("us-east-2", JSON.stringify({ cluster: "drweb-prod-use2-db-g1-cluster", writer: "drweb-prod-use2-db-g1-cluster.cluster-abc.us-east-2.rds.amazonaws.com", reader: "drweb-prod-use2-db-g1-cluster.cluster-ro-abc.us-east-2.rds.amazonaws.com", port: 5432 }));
    fr.setParam("us-west-1", undefined);
    expect(await run(config)).toMatchObject({ status: "fail", detail: expect.stringContaining("/drweb-prod-usw1/db/endpoints (us-west-1) does not exist"), fix: expect.stringContaining("deploy the secondary stack") });
    // The standby's region not answering: unknown; the other region's: only said.
    fr.setParam("us-west-1", JSON.stringify({ cluster: "drweb-prod-usw1-db-g1-cluster", writer: "w.example", reader: "r.example", port: 5432 }));
    fa.aws.failWith = (c) => (c.client === "ssm" && c.region === "us-west-1" && c.command === "GetParameterCommand" ? Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }) : undefined);
    expect(await run(config)).toMatchObject({ status: "unknown", detail: expect.stringContaining("/drweb-prod-usw1/db/endpoints (us-west-1): could not be read") });
    fa.aws.failWith = (c) => (c.client === "ssm" && c.region === "us-east-2" ? Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }) : undefined);
    expect(await run(config)).toMatchObject({ status: "ok", detail: expect.stringContaining("/drweb-prod-use2/db/endpoints (us-east-2): could not be read") });
    // RDS mode: not applicable.
    fa.aws.failWith = null;
    const rds = resolveConfig({ runbook: { journalDir: fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-ep-")), roleArn: ROLE } });
    expect(await run(rds)).toMatchObject({ status: "ok", detail: expect.stringContaining("not applicable (RDS mode") });
  });
});

describe("dr readiness: metrics, the Lambda handler and the command", () => {
  it("the handler publishes Ready and one ReadinessCheck per check into the secondary region (1 ok, 0 failed, -1 could not be read)", async () => {
    const t = setup();
    const sent: Array<{ region: string; namespace: string; data: Array<{ name: string; check?: string; value: number }> }> = [];
    const sink: MetricSink = async (region, namespace, data) => {
      sent.push({ region, namespace, data: data.map((d) => ({ name: d.MetricName!, check: d.Dimensions!.find((x) => x.Name === READINESS_METRIC.dimensions.check)?.Value, value: d.Value! })) });
    };
    const handler = readinessHandler({ config: t.config, platform: t.platformFor(), sink, now: () => t.clock.now() });
    const ok = await handler({});
    expect(ok.result.ready).toBe(true);
    expect(sent[0].region).toBe("us-west-1");
    expect(sent[0].namespace).toBe("drweb/DR");
    expect(sent[0].data.find((d) => d.name === "Ready")?.value).toBe(1);
    expect(sent[0].data.filter((d) => d.name === "ReadinessCheck").map((d) => d.check)).toEqual([...READINESS_CHECKS]);

    // A paused replica, a fleet that cannot start, a missing permission, a check that cannot be read: Ready 0.
    t.aws.wal.paused = true;
    t.extra.images.delete("ami-usw1");
    t.extra.denied.add("autoscaling:UpdateAutoScalingGroup");
    t.aws.failWith = (call) => (call.command === "DescribeAlarmsCommand" ? networkDown() : undefined);
    await handler({ roleArn: ROLE });
    const values = Object.fromEntries(sent[1].data.map((d) => [d.check ?? d.name, d.value]));
    expect(values).toMatchObject({ Ready: 0, "replica-replay": 0, "standby-fleet": 0, "runbook-permissions": 0, "failover-switch": -1, "replica-health": 1 });

    // Only the standby's secret scheduled for deletion: Ready 0 through the handler too.
    t.aws.wal.paused = false;
    t.extra.images.set("ami-usw1", "available");
    t.extra.denied.clear();
    t.aws.failWith = null;
    t.extra.secrets.get("us-west-1 drweb-prod/db/master")!.DeletedDate = new Date(t.clock.now() + 7 * 24 * 60 * MIN);
    await handler({ roleArn: ROLE });
    const onlySecret = Object.fromEntries(sent[2].data.map((d) => [d.check ?? d.name, d.value]));
    expect(onlySecret).toMatchObject({ Ready: 0, secrets: 0, "replica-replay": 1, "standby-fleet": 1, "runbook-permissions": 1, "failover-switch": 1 });

    const broken = readinessHandler({ config: t.config, platform: t.platformFor(), sink: async () => Promise.reject(Object.assign(new Error("not authorized: cloudwatch:PutMetricData"), { name: "AccessDenied" })) });
    await expect(broken({})).rejects.toThrow(/PutMetricData in us-west-1 failed: AccessDenied/);
  });

  it("the command: exit 0 ready, 8 not ready; --json; --publish-metrics sends PutMetricData in us-west-1", async () => {
    const t = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-readiness-cli-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify({ runbook: { journalDir: dir, roleArn: ROLE } }));
    const proto = AwsPlatform.prototype as unknown as Record<string, unknown>;
    const saved = Object.getOwnPropertyDescriptor(proto, "restorableWindow");
    const stub = t.platformFor() as unknown as { restorableWindow: unknown };
    Object.defineProperty(proto, "restorableWindow", { value: stub.restorableWindow, configurable: true, writable: true });
    try {
      const run = async (argv: string[]) => {
        const base = t.extra.clients();
        const puts: Array<{ region: string; namespace?: string }> = [];
        const clients = {
          ...base,
          cloudwatch: (region: string) => {
            const real = base.cloudwatch(region) as unknown as { send: (c: unknown, o?: unknown) => Promise<unknown> };
            return { send: (cmd: unknown, o?: unknown) => (cmd instanceof PutMetricDataCommand && cmd.input.Namespace === "drweb/DR" && cmd.input.MetricData?.[0]?.MetricName === "Ready" ? (puts.push({ region, namespace: cmd.input.Namespace }), Promise.resolve({})) : real.send(cmd, o)) } as never;
          },
        };
        const out: string[] = [];
        const err: string[] = [];
        const code = await main([...argv, "--config", file], { clients, credentials: async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }), clock: t.clock, probe: t.aws.probe, wal: t.aws.walFn, out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, out: out.join("\n"), err: err.join("\n"), puts };
      };
      const ready = await run(["readiness"]);
      expect(ready.code).toBe(0);
      expect(ready.out).toContain("READY: every check passed.");
      t.aws.wal.paused = true;
      const notReady = await run(["readiness", "--json", "--publish-metrics"]);
      expect(notReady.code).toBe(8);
      const json = JSON.parse(notReady.out) as { ready: boolean; publishedMetrics: { region: string; sent: string[] } };
      expect(json.ready).toBe(false);
      expect(json.publishedMetrics.sent).toContain("ReadinessCheck{replica-replay}=0");
      expect(notReady.puts).toEqual([{ region: "us-west-1", namespace: "drweb/DR" }]);
    } finally {
      if (saved) Object.defineProperty(proto, "restorableWindow", saved);
      else delete proto.restorableWindow;
    }
  });
});
