// `dr` when AWS cannot be used: no credentials, credentials AWS rejects, no
// permission, an unreachable region; and the journal of a run that changed
// nothing. The AWS side is the stubbed SDK clients of fake-aws.ts (no AWS API
// emulator can run on these machines); errors are injected as the SDK raises
// them (ServiceException subclasses named by the service's error code). The
// credential chain test runs the real SDK default provider chain, offline.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RDSServiceException } from "@aws-sdk/client-rds";
import { Route53ServiceException } from "@aws-sdk/client-route-53";
import { SSMServiceException } from "@aws-sdk/client-ssm";
import { resolveConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { checkCredentials } from "../../src/dr/credentials";
import { Journal } from "../../src/dr/journal";
import type { Mode, Operation } from "../../src/dr/plan-model";
import { runRunbook } from "../../src/dr/runner";
import { FakeAws, type Call } from "./fake-aws";

const expiredToken = () =>
  new RDSServiceException({ name: "ExpiredToken", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "The security token included in the request is expired" });
const route53Denied = () =>
  new Route53ServiceException({
    name: "AccessDenied",
    $fault: "client",
    $metadata: { httpStatusCode: 403 },
    message: "User: arn:aws:sts::123456789012:assumed-role/readonly/op is not authorized to perform: route53:ListHealthChecks",
  });

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-causes-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir } });
  const lines: string[] = [];
  const run = (operation: Operation, mode: Mode, extra: Partial<Parameters<typeof runRunbook>[0]> = {}) =>
    runRunbook({ config, platform: new AwsPlatform(config, aws.clients(), clock, aws.probe, { walFn: aws.walFn }), operation, mode, clock, log: (l) => lines.push(l), ...extra });
  /** `npm run dr -- <argv>` with the stubbed clients; returns the exit code and what it printed. */
  const cli = async (argv: string[], credentials: () => Promise<{ accessKeyId: string; expiration?: Date }>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...argv, "--journal-dir", dir], { clients: aws.clients(), credentials, clock, probe: aws.probe, wal: aws.walFn, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const journalFiles = () => fs.readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  return { dir, clock, aws, config, lines, run, cli, journalFiles };
}

/** A planned failover journal as written before format 2 (no "format", no "acting" lines). */
function writeLegacyJournal(dir: string, steps: object[]): void {
  const header = { type: "plan", operation: "failover", mode: "planned", params: { operation: "failover", mode: "planned", generations: { primary: 1, secondary: 1 }, webSize: 3, backupRetentionDays: 7, maxReplicaLagSeconds: 30 }, at: "2026-01-01T00:00:00.000Z" };
  fs.writeFileSync(path.join(dir, "failover.jsonl"), [header, ...steps].map((l) => JSON.stringify(l)).join("\n") + "\n");
}

const ssmDenied = () =>
  new SSMServiceException({
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "User: arn:aws:sts::123456789012:assumed-role/readonly/op is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-west-1:123456789012:parameter/drweb-prod/dr/dns/health-check/primary",
  });

const noCredentials = async (): Promise<never> => {
  // What the SDK's default chain throws when every link failed (@smithy/core/config CredentialsProviderError).
  throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError", tryNextLink: false });
};
const someCredentials = async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE" });

describe("dr without AWS credentials", () => {
  it.each([
    ["failover --planned", ["failover", "--to", "secondary", "--planned"]],
    ["failover --unplanned", ["failover", "--to", "secondary", "--unplanned"]],
    ["failback", ["failback"]],
    ["status", ["status"]],
    ["status --json", ["status", "--json"]],
  ])("%s: exit code 5 and what was tried, before any AWS call, step or journal", async (_name, argv) => {
    const t = setup();
    const r = await t.cli(argv, noCredentials);
    expect(r.code).toBe(5);
    expect(r.err).toContain("no usable AWS credentials: Could not load credentials from any providers");
    expect(r.err).toContain("AWS_ACCESS_KEY_ID");
    expect(r.err).toContain("AWS_PROFILE");
    expect(r.err).toContain("EC2 instance role");
    expect(r.err).toContain("aws sso login --profile <profile>");
    expect(r.out).not.toContain("preflight");
    expect(r.out).not.toContain("Lag too high");
    expect(t.aws.calls).toEqual([]);
    expect(fs.readdirSync(t.dir)).toEqual([]); // not even the journal folder's .gitignore
  });

  it("--dry-run of a failover needs no credentials", async () => {
    const t = setup();
    const r = await t.cli(["failover", "--to", "secondary", "--planned", "--dry-run"], noCredentials);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Dry run: nothing was changed");
  });

  it("the real SDK default chain, offline: no credentials in an empty environment gives exit 5; environment keys are found", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "dr-home-"));
    const keys = ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_EC2_METADATA_DISABLED", "DR_CONFIG"];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      for (const k of keys) delete process.env[k];
      process.env.AWS_CONFIG_FILE = path.join(home, "config"); // absent files: no profile
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, "credentials");
      process.env.AWS_EC2_METADATA_DISABLED = "true"; // no instance-metadata probe from a test
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-real-"));
      const out: string[] = [];
      const err: string[] = [];
      const started = Date.now();
      // No clients or credentials given: main() uses the real SDK clients and their own provider chain.
      const code = await main(["failover", "--to", "secondary", "--planned", "--journal-dir", dir], { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(code).toBe(5);
      expect(err.join("\n")).toContain("Could not load credentials from any providers");
      expect(err.join("\n")).toContain("EC2 instance role: skipped, AWS_EC2_METADATA_DISABLED is set");
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(10_000);

      process.env.AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
      process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
      const { sdkClients } = await import("../../src/dr/aws-sdk-calls");
      const found = await checkCredentials(() => sdkClients().credentials("us-west-1"));
      expect(found).toEqual({ ok: true, summary: "AWS credentials: access key ****MPLE (long-term keys)" });
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it("a credential source that does not answer is bounded; credentials that come back expired count as none", async () => {
    const hung = await checkCredentials(() => new Promise(() => {}), { timeoutMs: 50 });
    expect(hung.ok).toBe(false);
    expect(!hung.ok && hung.reason).toContain("resolving credentials timed out");
    const expired = await checkCredentials(async () => ({ accessKeyId: "ASIAEXAMPLEABCD", expiration: new Date(1_000) }), { now: () => 2_000 });
    expect(!expired.ok && expired.reason).toBe("the credentials found (access key ****ABCD) expired at 1970-01-01T00:00:01.000Z");
  });
});

describe("dr failure advice names the real cause", () => {
  it("credentials rejected in the first step: the advice is about credentials, not replica lag; nothing changed, no journal", async () => {
    const t = setup();
    t.aws.failWith = (c: Call) => (c.client === "rds" ? expiredToken() : undefined);
    const r = await t.run("failover", "planned");
    const out = t.lines.join("\n");
    expect(out).toContain("[preflight] cause: AWS rejected the credentials (ExpiredToken: The security token included in the request is expired)");
    expect(out).toContain("aws sso login");
    expect(out).not.toContain("Lag too high");
    expect(r.ok).toBe(false);
    expect(r.cause?.kind).toBe("credentials-rejected");
    expect(t.aws.mutations()).toEqual([]);
    expect(t.journalFiles().filter((f) => f === "failover.jsonl")).toEqual([]);
  });

  it("a principal without permission: the advice names permissions, not the primary's health", async () => {
    const t = setup();
    t.aws.hc("hc-primary").healthy = false;
    // The unplanned gate reads the primary check's id from SSM in us-west-1 (no Route 53 API on the recovery path).
    // (Only that read is denied here: the lease, an SSM parameter too, has its own test in runbook-guard.test.ts.)
    t.aws.failWith = (c: Call) => (c.command === "GetParametersCommand" ? ssmDenied() : undefined);
    const r = await t.run("failover", "unplanned");
    const out = t.lines.join("\n");
    expect(out).toContain("cause: AWS refused the call: the credentials are valid but the principal is not allowed (AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/readonly/op is not authorized to perform: ssm:GetParameters");
    expect(out).toContain("runbook's permissions");
    expect(out).not.toContain("what to do: The primary answers"); // the step's own advice
    expect(r.cause?.kind).toBe("access-denied");
  });

  it("credentials that expire during a wait stop it at once (not at its timeout); the kept journal resumes once they are fixed", async () => {
    const t = setup();
    t.aws.promoteTakes = 5;
    const promoted = () => t.aws.mutations().some((c) => c.command === "PromoteReadReplicaCommand");
    t.aws.failWith = (c: Call) => (promoted() && c.command === "DescribeDBInstancesCommand" ? expiredToken() : undefined);
    const start = t.clock.now();
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("promote");
    expect(r.failure).toContain("polling again cannot fix this");
    expect((t.clock.now() - start) / 1000).toBeLessThan(t.config.runbook.promoteTimeoutSeconds);
    expect(t.lines.join("\n")).toContain("[promote] cause: AWS rejected the credentials (ExpiredToken");
    expect(t.lines.join("\n")).not.toContain("Do not promote another instance");
    expect(r.acted).toBe(true);
    expect(Journal.open(t.dir, "failover", t.clock).inProgress).toBe(true);

    t.aws.failWith = null; // the operator ran `aws sso login`
    const again = await t.run("failover", "planned");
    expect(again.ok).toBe(true);
    expect(again.resumed).toBe(true);
    expect(again.skipped).toEqual(["preflight", "fence-primary", "catch-up"]);
    expect(t.aws.mutations().filter((c) => c.command === "PromoteReadReplicaCommand")).toHaveLength(1);
  });
});

describe("dr status: what could not be read", () => {
  it('prints "could not be read (<reason>)" for each unreadable field, in text and --json, and exits 4', async () => {
    const t = setup();
    t.aws.down.add("us-east-2");
    t.aws.failWith = (c: Call) => (c.client === "route53" ? route53Denied() : undefined);
    const text = await t.cli(["status"], someCredentials);
    expect(text.code).toBe(4);
    expect(text.out).toContain("Route53 health checks:\n  could not be read (AWS refused the call: the credentials are valid but the principal is not allowed (AccessDenied:");
    expect(text.out).not.toContain("none found");
    expect(text.out).toContain("us-east-2 (primary):\n  web:      could not be read (the AWS endpoint could not be reached (TimeoutError: connect ETIMEDOUT");
    expect(text.out).toContain("  database: drweb-prod-use2-db-g1-writer: could not be read (the AWS endpoint could not be reached");
    expect(text.out).not.toMatch(/\?\/\?|desired \?|unknown, \?/);
    // What could be read is shown as read.
    expect(text.out).toMatch(/us-west-1 \(secondary\):\n {2}web: {6}3\/3 targets healthy/);
    expect(text.out).toContain("drweb-prod-usw1-db-g1-writer: replica of arn:aws:rds:us-east-2:123456789012:db:drweb-prod-use2-db-g1-writer, available, read replication replicating, lag 2 s");

    const json = await t.cli(["status", "--json"], someCredentials);
    expect(json.code).toBe(4);
    const s = JSON.parse(json.out) as { incomplete: boolean; readErrors: Array<{ what: string; reason: string; cause?: string }> };
    expect(s.incomplete).toBe(true);
    expect(s.readErrors.map((e) => [e.what, e.cause])).toEqual([
      ["Route53 health checks", "access-denied"],
      ["us-east-2 web fleet (ASG drweb-prod-use2-web, target group drweb-prod-use2-web)", "network"],
      ["us-east-2 database drweb-prod-use2-db-g1-writer and its readers", "network"],
      ["us-east-2 restorable window of drweb-prod-use2-db-g1-writer", "network"],
    ]);
  });
});

describe("dr journal: a run that changed nothing", () => {
  it("a planned run that failed before acting leaves no journal, and a following --unplanned run starts fresh", async () => {
    const t = setup();
    t.aws.replicaLag = 45;
    t.aws.wal.backlog = 0x80n; // and the WAL positions show it behind (a high lag alone is not a veto: idle sources)
    const planned = await t.run("failover", "planned");
    expect(planned.failedStep).toBe("preflight");
    expect(planned.acted).toBe(false);
    expect(fs.existsSync(path.join(t.dir, "failover.jsonl"))).toBe(false);
    expect(t.lines.join("\n")).toContain("nothing was changed by this run (no action was sent)");

    // The incident: the primary's database goes down; --unplanned is not blocked by the planned run.
    t.aws.wal.backlog = 0n; // the replica has caught up meanwhile
    t.aws.hc("hc-primary").healthy = false;
    const unplanned = await t.run("failover", "unplanned");
    expect(unplanned.ok).toBe(true);
    expect(unplanned.resumed).toBe(false);
    expect(unplanned.skipped).toEqual([]);
    expect(Journal.open(t.dir, "failover", t.clock).header?.mode).toBe("unplanned");
  });

  it("a run interrupted after its checks but before its first action does not block the other mode", async () => {
    const t = setup();
    await expect(
      t.run("failover", "planned", {
        beforeStep: (s) => {
          if (s.id === "fence-primary") throw new Error("SIGINT");
        },
      }),
    ).rejects.toThrow("SIGINT");
    const left = Journal.open(t.dir, "failover", t.clock);
    expect(left.isDone("preflight")).toBe(true);
    expect(left.inProgress).toBe(false);
    t.aws.hc("hc-primary").healthy = false;
    const unplanned = await t.run("failover", "unplanned");
    expect(unplanned.ok).toBe(true);
    expect(unplanned.resumed).toBe(false);
    expect(t.lines.join("\n")).toMatch(/the earlier failover \(planned\) of .* changed nothing: its journal is archived as .*failover\..*\.jsonl, not resumed/);
  });

  it("journals written before this rule: one whose run changed nothing does not block; one whose run acted still does", async () => {
    const t = setup();
    // The journal the old code left after a failover with no credentials (reproduced before the fix).
    writeLegacyJournal(t.dir, [
      { type: "step", step: "preflight", event: "started", at: "2026-01-01T00:00:00.001Z" },
      { type: "step", step: "preflight", event: "precondition", at: "2026-01-01T00:00:00.002Z", detail: "error: Could not load credentials from any providers" },
      { type: "step", step: "preflight", event: "failed", at: "2026-01-01T00:00:00.003Z", detail: "precondition not met: ... (error: Could not load credentials from any providers)" },
    ]);
    t.aws.hc("hc-primary").healthy = false;
    expect((await t.run("failover", "unplanned")).ok).toBe(true);

    const t2 = setup();
    writeLegacyJournal(t2.dir, [
      { type: "step", step: "preflight", event: "done", at: "2026-01-01T00:00:00.001Z" },
      { type: "step", step: "fence-primary", event: "started", at: "2026-01-01T00:00:00.002Z" },
      { type: "step", step: "fence-primary", event: "action", at: "2026-01-01T00:00:00.003Z", detail: "ASG drweb-prod-use2-web (us-east-2): min 0, desired 0" },
    ]);
    await expect(t2.run("failover", "unplanned")).rejects.toThrow(/unfinished failover \(planned\)/);
  });

  it("a format-2 journal (acting lines, no request lines) whose run acted in promote: the resumed run keeps the old rule and does not roll back", async () => {
    const t = setup();
    const header = { type: "plan", operation: "failover", mode: "planned", params: { operation: "failover", mode: "planned", generations: { primary: 1, secondary: 1 }, webSize: 3, backupRetentionDays: 7, maxReplicaLagSeconds: 30 }, at: "2026-01-01T00:00:00.000Z", format: 2 };
    const step = (s: string, event: string, ms: number) => ({ type: "step", step: s, event, at: new Date(Date.parse("2026-01-01T00:00:00.000Z") + ms).toISOString() });
    const lines = [header, step("preflight", "done", 1), step("fence-primary", "acting", 2), step("fence-primary", "done", 3), step("catch-up", "done", 4), step("promote", "started", 5), step("promote", "acting", 6)];
    fs.writeFileSync(path.join(t.dir, "failover.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    t.aws.desired["us-east-2"] = 0;
    t.aws.healthy["us-east-2"] = 0;
    t.clock.advance(60_000);
    t.aws.replicaBusy = { status: "backing-up", describes: -1 };
    const r = await t.run("failover", "planned");
    expect(r.resumed).toBe(true);
    expect(r.failedStep).toBe("promote");
    expect(r.rolledBack).toBeFalsy();
    expect(t.lines.join("\n")).toContain("NOT rolling back: an earlier run of this journal (written before requests were journaled) acted in promote");
  });

  it("an action that failed may have acted: its journal is kept, blocks the other mode, and resumes", async () => {
    const t = setup();
    t.aws.failWith = (c: Call) =>
      c.command === "UpdateAutoScalingGroupCommand" ? Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" }) : undefined;
    const r = await t.run("failover", "planned");
    expect(r.failedStep).toBe("fence-primary");
    expect(r.cause?.kind).toBe("network");
    expect(r.acted).toBe(true);
    expect(t.lines.join("\n")).toContain("[fence-primary] cause: the AWS endpoint could not be reached");
    await expect(t.run("failover", "unplanned")).rejects.toThrow(/unfinished failover \(planned\)/);
    t.aws.failWith = null;
    const again = await t.run("failover", "planned");
    expect(again.ok).toBe(true);
    expect(again.resumed).toBe(true);
  });
});
