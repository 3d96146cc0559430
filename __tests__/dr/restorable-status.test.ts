// `dr status`: each region's restorable window (issue 26 point 4). AWS is the stubbed SDK clients of fake-aws.ts
// (no AWS API emulator runs here), and the restorable window itself is a stub of RestorePlatform.restorableWindow
// (the contract of src/dr/restore-platform.ts; its AWS calls are the AWS adapter's, tested there): these check what
// `dr status` reads, shows, warns about and exits with on the windows it gets.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig, type RegionRole, type ValidConfig } from "../../src/config";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { FakeClock } from "../../src/dr/clock";
import type { RestoreWindow } from "../../src/dr/restore-platform";
import { main } from "../../src/dr/cli";
import { publishRestorableMetrics } from "../../src/dr/restorable-metrics";
import { collectStatus, renderStatus, statusExitCode } from "../../src/dr/status";
import { BACKUP_METRIC } from "../../src/monitoring/backup-metric";
import { FakeAws } from "./fake-aws";

const MIN = 60_000;
const REGION = { primary: "us-east-2", secondary: "us-west-1" } as const;

type Answer = { found: boolean; latestAgoMs: number | null; earliestAgoMs?: number } | Error;

function setup(overrides: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-journal-"));
  const clock = new FakeClock();
  const aws = new FakeAws(clock);
  const config = resolveConfig({ runbook: { journalDir: dir }, ...overrides });
  const answers: Record<RegionRole, Answer> = {
    primary: { found: true, latestAgoMs: 3 * MIN },
    secondary: { found: true, latestAgoMs: 8 * MIN },
  };
  const asked: string[] = [];
  const platformFor = (cfg: ValidConfig, withWindow = true) => {
    const p = new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
    const restorableWindow = async (region: RegionRole, writer: { role: RegionRole; generation: number }): Promise<RestoreWindow> => {
      asked.push(`${region}<-${writer.role}/g${writer.generation}`);
      const a = answers[region];
      if (a instanceof Error) throw a;
      const now = clock.now();
      const source = region === writer.role ? "instance" : "replicated";
      return {
        region,
        source,
        sourceRef: a.found ? (source === "instance" ? `db-${writer.role}-g${writer.generation}` : `arn:aws:rds:${REGION[region]}:123456789012:auto-backup:ab-1`) : null,
        earliest: a.found ? now - (a.earliestAgoMs ?? 7 * 24 * 60 * MIN) : null,
        latest: a.found && a.latestAgoMs !== null ? now - a.latestAgoMs : null,
        readAt: now,
        detail: a.found ? "stub: found" : `stub: no automated backups in ${REGION[region]}`,
      };
    };
    // Own property: set or removed whether or not the AWS adapter implements it.
    Object.defineProperty(p, "restorableWindow", { value: withWindow ? restorableWindow : undefined, configurable: true, writable: true });
    return p;
  };
  return { clock, aws, config, answers, asked, platformFor };
}

describe("dr status: the restorable window of each region", () => {
  it("shows earliest, latest and lag of the writer's own backups and of the replicated copy; no warning within the limit", async () => {
    const t = setup();
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(t.asked).toEqual(["primary<-primary/g1", "secondary<-primary/g1"]);
    expect(s.restorable?.regions.map((r) => [r.region, r.source, r.found, r.lagSeconds])).toEqual([
      ["us-east-2", "instance", true, 180],
      ["us-west-1", "replicated", true, 480],
    ]);
    expect(s.warnings.filter((w) => /restor|backups/.test(w))).toEqual([]);
    expect(s.verdict).toBe("agree");
    const text = renderStatus(s).join("\n");
    expect(text).toContain("restorable window (point-in-time restore of the writer drweb-prod-use2-db-g1-writer, lag limit 15 min):");
    expect(text).toContain("  us-east-2 (own backups): earliest 2025-12-25T00:00:00.000Z, latest 2025-12-31T23:57:00.000Z, 3.0 min behind  (db-primary-g1)");
    expect(text).toContain("  us-west-1 (replicated copy): earliest 2025-12-25T00:00:00.000Z, latest 2025-12-31T23:52:00.000Z, 8.0 min behind  (arn:aws:rds:us-west-1:123456789012:auto-backup:ab-1)");
    expect(t.aws.mutations()).toEqual([]);
  });

  it("warns that backups are not replicated when the other region has no copy; the exit code stays about config vs AWS", async () => {
    const t = setup();
    t.answers.secondary = { found: false, latestAgoMs: null };
    const s = await collectStatus(t.config, t.platformFor(t.config));
    const w = s.warnings.filter((x) => x.startsWith("backups not replicated"));
    expect(w).toHaveLength(1);
    expect(w[0]).toContain("no copy of drweb-prod-use2-db-g1-writer's automated backups in us-west-1");
    expect(w[0]).toContain("if us-east-2 is lost, no point-in-time restore is possible in us-west-1");
    expect(renderStatus(s).join("\n")).toContain("  us-west-1 (replicated copy): NONE FOUND (backups not replicated)");
    expect(statusExitCode(s)).toBe(0);
  });

  it("warns when the latest restorable time lags more than runbook.maxRestorableLagMinutes, and not below a larger limit", async () => {
    const t = setup();
    t.answers.secondary = { found: true, latestAgoMs: 20 * MIN };
    const s = await collectStatus(t.config, t.platformFor(t.config));
    const w = s.warnings.filter((x) => x.includes("runbook.maxRestorableLagMinutes"));
    expect(w).toEqual([expect.stringMatching(/^us-west-1: the latest restorable time of drweb-prod-use2-db-g1-writer \(the copy replicated from us-east-2\) is 2025-12-31T23:40:00.000Z, 20.0 min behind, more than runbook.maxRestorableLagMinutes \(15 min\)/)]);
    expect(renderStatus(s).join("\n")).toContain("20.0 min behind (ABOVE THE LIMIT)");
    expect(s.restorable?.regions[1].lagHigh).toBe(true);

    const relaxed = resolveConfig({ runbook: { journalDir: t.config.runbook.journalDir, maxRestorableLagMinutes: 30 } });
    const s2 = await collectStatus(relaxed, t.platformFor(relaxed));
    expect(s2.warnings.filter((x) => x.includes("maxRestorableLagMinutes"))).toEqual([]);
  });

  it("a window that cannot be read is a read error (exit 4), never 'not replicated'", async () => {
    const t = setup();
    t.answers.secondary = Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(s.readErrors.map((e) => e.what)).toEqual(["us-west-1 restorable window of drweb-prod-use2-db-g1-writer"]);
    expect(s.warnings.filter((x) => x.includes("not replicated"))).toEqual([]);
    expect(s.verdict).toBe("incomplete");
    expect(statusExitCode(s)).toBe(4);
    expect(renderStatus(s).join("\n")).toMatch(/  us-west-1 \(replicated copy\): could not be read \(.*ETIMEDOUT/);
  });

  it("a window read that never answers is bounded by the status read timeout, like every other read", async () => {
    const t = setup();
    const p = t.platformFor(t.config);
    Object.defineProperty(p, "restorableWindow", { value: () => new Promise(() => undefined), configurable: true });
    const s = await collectStatus(t.config, p, { readTimeoutMs: 50 });
    expect(s.readErrors.filter((e) => e.what.includes("restorable window")).map((e) => [e.what, e.reason])).toEqual([
      ["us-east-2 restorable window of drweb-prod-use2-db-g1-writer", "the AWS endpoint could not be reached (TimeoutError: no answer within 0.05 s)"],
      ["us-west-1 restorable window of drweb-prod-use2-db-g1-writer", "the AWS endpoint could not be reached (TimeoutError: no answer within 0.05 s)"],
    ]);
    expect(statusExitCode(s)).toBe(4);
  });

  it("a platform without restorableWindow says 'not available' (no crash, no warning)", async () => {
    const t = setup();
    const s = await collectStatus(t.config, t.platformFor(t.config, false));
    expect(s.restorable).toMatchObject({ available: false, regions: [], findings: [] });
    expect(renderStatus(s).join("\n")).toContain("  not available (this platform cannot read restorable windows)");
    expect(s.verdict).toBe("agree");
  });

  it("the Aurora mode reads no instance windows (they are RDS mode only) and says so", async () => {
    const t = setup();
    const config = resolveConfig({ runbook: { journalDir: t.config.runbook.journalDir }, database: { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" } });
    const s = await collectStatus(config, t.platformFor(config));
    expect(t.asked).toEqual([]);
    expect(s.restorable).toMatchObject({ available: false, regions: [], findings: [] });
    expect(renderStatus(s).join("\n")).toContain("Aurora mode: not read (these instance windows are RDS mode only; dr restore reads the writer member cluster's window itself");
  });

  it("failedOver: the writer is the secondary's generation; its own backups are in us-west-1, the copy in us-east-2", async () => {
    const t = setup({ database: { drState: "failedOver", generations: { primary: 1, secondary: 2 } }, dns: { forceFailover: true } });
    t.answers.primary = { found: false, latestAgoMs: null };
    const s = await collectStatus(t.config, t.platformFor(t.config));
    expect(t.asked).toEqual(["primary<-secondary/g2", "secondary<-secondary/g2"]);
    expect(s.restorable?.writer).toEqual({ role: "secondary", generation: 2, identifier: "drweb-prod-usw1-db-g2-writer" });
    expect(s.restorable?.regions.map((r) => r.source)).toEqual(["replicated", "instance"]);
    expect(s.warnings.join("\n")).toContain("backups not replicated: no copy of drweb-prod-usw1-db-g2-writer's automated backups in us-east-2");
  });
});

describe("config runbook.maxRestorableLagMinutes", () => {
  it("defaults to 15 and refuses a limit at or below RDS's 5-minute log upload interval, naming the field and the fix", () => {
    expect(resolveConfig({}).runbook.maxRestorableLagMinutes).toBe(15);
    let err: unknown;
    try {
      resolveConfig({ runbook: { maxRestorableLagMinutes: 5 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("runbook.maxRestorableLagMinutes: must be at least 6: RDS uploads transaction logs every 5 minutes");
    expect((err as Error).message).toContain("Fix: set runbook.maxRestorableLagMinutes to 15 (the default) or more");
  });
});

// --- dr status --publish-metrics: the metric the BackupRestorableLagHigh / BackupNotReplicated alerts read ---------
// CloudWatch is a recording stub of the SDK client's send (no AWS here); the other calls go to fake-aws.ts.

type Put = { region: string; namespace: string; data: Array<{ name: string; dims: Record<string, string>; value: number; unit?: string }> };

function recordingClients(t: ReturnType<typeof setup>, failIn: string | null = null) {
  const puts: Put[] = [];
  const base = t.aws.clients();
  const clients = {
    ...base,
    cloudwatch: (region: string) => {
      const real = base.cloudwatch(region);
      return {
        send: (cmd: unknown, opts?: unknown) => {
          if (cmd instanceof PutMetricDataCommand && cmd.input.Namespace === BACKUP_METRIC.namespace) {
            if (region === failIn) return Promise.reject(Object.assign(new Error("User is not authorized to perform: cloudwatch:PutMetricData"), { name: "AccessDenied" }));
            puts.push({
              region,
              namespace: cmd.input.Namespace,
              data: (cmd.input.MetricData ?? []).map((m) => ({ name: m.MetricName!, dims: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name!, d.Value!])), value: m.Value!, unit: m.Unit })),
            });
            return Promise.resolve({});
          }
          return (real.send as (c: unknown, o?: unknown) => Promise<unknown>)(cmd, opts);
        },
      };
    },
  };
  return { clients: clients as typeof base, puts };
}

describe("dr status --publish-metrics", () => {
  it("puts each region's window into that region's CloudWatch (Drweb/Backup): found, lag and the configured limit; Found 0 without lag when there is no copy; nothing for a region not read", async () => {
    const t = setup();
    t.answers.secondary = { found: false, latestAgoMs: null };
    const s = await collectStatus(t.config, t.platformFor(t.config));
    const { clients, puts } = recordingClients(t);
    const published = await publishRestorableMetrics(t.config, s.restorable!, (r) => clients.cloudwatch(r));
    expect(published.map((p) => [p.region, p.error])).toEqual([["us-east-2", null], ["us-west-1", null]]);
    const dims = (region: string, source: string) => ({ Deployment: "drweb-prod", Region: region, Source: source });
    expect(puts).toEqual([
      {
        region: "us-east-2",
        namespace: "Drweb/Backup",
        data: [
          { name: "Found", dims: dims("us-east-2", "instance"), value: 1, unit: "Count" },
          { name: "RestorableLagSeconds", dims: dims("us-east-2", "instance"), value: 180, unit: "Seconds" },
          { name: "RestorableLagLimitSeconds", dims: dims("us-east-2", "instance"), value: 900, unit: "Seconds" },
        ],
      },
      { region: "us-west-1", namespace: "Drweb/Backup", data: [{ name: "Found", dims: dims("us-west-1", "replicated"), value: 0, unit: "Count" }] },
    ]);

    const t2 = setup();
    t2.answers.primary = new Error("connect ETIMEDOUT");
    const s2 = await collectStatus(t2.config, t2.platformFor(t2.config));
    const r2 = recordingClients(t2);
    await publishRestorableMetrics(t2.config, s2.restorable!, (r) => r2.clients.cloudwatch(r));
    expect(r2.puts.map((p) => p.region)).toEqual(["us-west-1"]);
  });

  it("the command: --json carries what was published; a failed PutMetricData is said and makes exit 4; the flag belongs to status only", async () => {
    const t = setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-status-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify({ runbook: { journalDir: dir } }));
    const proto = AwsPlatform.prototype as unknown as Record<string, unknown>;
    const saved = Object.getOwnPropertyDescriptor(proto, "restorableWindow");
    const stub = t.platformFor(t.config) as unknown as { restorableWindow: unknown };
    Object.defineProperty(proto, "restorableWindow", { value: stub.restorableWindow, configurable: true, writable: true });
    try {
      const run = async (argv: string[], failIn: string | null = null) => {
        const { clients, puts } = recordingClients(t, failIn);
        const out: string[] = [];
        const err: string[] = [];
        const code = await main([...argv, "--config", file], { clients, credentials: async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }), clock: t.clock, probe: t.aws.probe, out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, out: out.join("\n"), err: err.join("\n"), puts };
      };
      const ok = await run(["status", "--publish-metrics", "--json"]);
      expect(ok.code).toBe(0);
      expect(ok.puts.map((p) => p.region)).toEqual(["us-east-2", "us-west-1"]);
      const json = JSON.parse(ok.out) as { publishedMetrics: Array<{ region: string; error: string | null; sent: string[] }>; restorable: { available: boolean } };
      expect(json.restorable.available).toBe(true);
      expect(json.publishedMetrics).toEqual([
        { region: "us-east-2", error: null, sent: ["Found{instance}=1", "RestorableLagSeconds{instance}=180", "RestorableLagLimitSeconds{instance}=900"] },
        { region: "us-west-1", error: null, sent: ["Found{replicated}=1", "RestorableLagSeconds{replicated}=480", "RestorableLagLimitSeconds{replicated}=900"] },
      ]);

      const failed = await run(["status", "--publish-metrics"], "us-west-1");
      expect(failed.code).toBe(4);
      expect(failed.out).toContain("  us-west-1: FAILED (AccessDenied: User is not authorized to perform: cloudwatch:PutMetricData)");
      expect(failed.err).toContain("dr status --publish-metrics: PutMetricData in us-west-1 failed");

      const plain = await run(["status"]);
      expect(plain.puts).toEqual([]);
      expect(plain.code).toBe(0);

      const wrong = await run(["failover", "--to", "secondary", "--planned", "--publish-metrics", "--dry-run"]);
      expect(wrong.code).toBe(2);
      expect(wrong.err).toContain("--publish-metrics is an option of `dr status`");
    } finally {
      if (saved) Object.defineProperty(proto, "restorableWindow", saved);
      else delete proto.restorableWindow;
    }
  });
});
