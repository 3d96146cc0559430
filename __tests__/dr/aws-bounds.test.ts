// Every AWS call of the runbook is bounded: the real SDK clients (sdkClients)
// against loopback HTTP servers that accept and never answer (a brownout) or
// answer with a Date header (AWS's clock); the stubbed clients of fake-aws.ts
// for `dr status` and a failover step whose calls hang. No AWS endpoint is
// reachable here and no AWS emulator runs: the loopback servers stand in for
// an endpoint's network behaviour only.
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { PromoteReadReplicaCommand } from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/dr/aws-clients";
import { AwsPlatform } from "../../src/dr/aws-platform";
import { CALL_BOUNDS, mayHaveBeenSent, sdkClients, trackAttempts } from "../../src/dr/aws-sdk-calls";
import { classifyAwsError, failedBeforeConnecting } from "../../src/dr/aws-errors";
import { FakeClock } from "../../src/dr/clock";
import { runRunbook } from "../../src/dr/runner";
import { collectStatus, renderStatus } from "../../src/dr/status";
import { FakeAws } from "./fake-aws";

const ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED"] as const;
let saved: Record<string, string | undefined> = {};
beforeAll(() => {
  saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", AWS_EC2_METADATA_DISABLED: "true" });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});
afterAll(() => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});

/** A TCP server on loopback that accepts connections and never writes a byte. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const config = resolveConfig({});

describe("sdkClients (the real SDK clients, bounded)", () => {
  it("pins the handler settings the bound relies on: throwOnRequestTimeout, a socket timeout, 3 attempts", async () => {
    const c = sdkClients().rds("us-west-1") as unknown as { config: { maxAttempts: () => Promise<number>; requestHandler: { httpHandlerConfigs: () => Record<string, unknown>; configProvider: Promise<Record<string, unknown>> } } };
    const handler = await c.config.requestHandler.configProvider;
    expect(handler).toMatchObject({ throwOnRequestTimeout: true, requestTimeout: CALL_BOUNDS.requestTimeoutMs, socketTimeout: CALL_BOUNDS.requestTimeoutMs, connectionTimeout: CALL_BOUNDS.connectionTimeoutMs });
    expect(await c.config.maxAttempts()).toBe(3);
    // 3 attempts x (connect + answer) fit the whole-call bound, which fits the shortest step budget.
    expect(CALL_BOUNDS.maxAttempts * CALL_BOUNDS.requestTimeoutMs).toBeLessThanOrEqual(CALL_BOUNDS.callTimeoutMs + 10_000);
    expect(CALL_BOUNDS.callTimeoutMs).toBeLessThan(Math.min(config.runbook.fenceTimeoutSeconds, config.runbook.catchUpTimeoutSeconds, config.runbook.dnsTimeoutSeconds, config.runbook.verifyTimeoutSeconds) * 1000);
  });

  it("an endpoint that accepts and never answers fails the call after attempts x requestTimeout (throwOnRequestTimeout), as a network cause", async () => {
    const srv = await silentServer();
    try {
      const clients = sdkClients({ bounds: { connectionTimeoutMs: 1_000, requestTimeoutMs: 300, maxAttempts: 2, callTimeoutMs: 20_000 }, endpoint: srv.url });
      const platform = new AwsPlatform(config, clients, new FakeClock());
      const t0 = Date.now();
      const err = await platform.database("secondary", 1).then(() => null, (e: unknown) => e);
      const took = Date.now() - t0;
      expect(err).not.toBeNull();
      expect((err as Error).name).toBe("TimeoutError");
      expect((err as Error).message).toContain("requestTimeout");
      expect(classifyAwsError(err)?.kind).toBe("network");
      expect(took).toBeGreaterThanOrEqual(550); // both attempts ran
      expect(took).toBeLessThan(10_000);
    } finally {
      await srv.close();
    }
  });

  it("the whole-call AbortSignal bounds a call whatever the per-attempt settings (all attempts and back-offs)", async () => {
    const srv = await silentServer();
    try {
      const clients = sdkClients({ bounds: { connectionTimeoutMs: 30_000, requestTimeoutMs: 30_000, maxAttempts: 3, callTimeoutMs: 400 }, endpoint: srv.url });
      const platform = new AwsPlatform(config, clients, new FakeClock(), undefined, { callTimeoutMs: 400 });
      const t0 = Date.now();
      const err = await platform.web("primary").then(() => null, (e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect((err as Error).message).toMatch(/Auto Scaling DescribeAutoScalingGroups \(us-east-2\): no answer within 0.4 s \(all attempts\)/);
      expect(classifyAwsError(err)).toMatchObject({ kind: "network", permanent: false });
    } finally {
      await srv.close();
    }
  });

  it("keeps AWS's clock from each answer's Date header (what sample ages are judged on), not this host's", async () => {
    const awsNow = new Date(Date.now() + 3_600_000); // AWS an hour ahead of this host
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/xml", date: awsNow.toUTCString() });
      res.end(`<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const clients = sdkClients({ endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
      expect(clients.serverNow!("us-west-1")).toBeNull();
      const db = await new AwsPlatform(config, clients, new FakeClock()).database("secondary", 1);
      expect(db.dbRole).toBe("missing");
      const seen = clients.serverNow!("us-west-1")!;
      expect(Math.abs(seen - awsNow.getTime())).toBeLessThan(2_000); // the header has 1 s resolution
      expect(clients.serverNow!("us-east-2")).toBeNull(); // per region
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("a brownout does not hang the runbook (stubbed clients whose calls never answer)", () => {
  it("dr status answers within its bounds and says what it could not read", async () => {
    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    aws.hangWhen = (c) => c.client === "rds" && c.region === "us-east-2";
    const platform = new AwsPlatform(config, aws.clients(), clock, aws.probe, { walFn: aws.walFn, callTimeoutMs: 100 });
    const t0 = Date.now();
    const s = await collectStatus(config, platform, { readTimeoutMs: 2_000 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(s.readErrors.map((e) => [e.what, e.cause])).toEqual([
      ["us-east-2 database drweb-prod-use2-db-g1-writer and its readers", "network"],
      // The writer's restorable window is read in its region too (dr restore's window: restorable-status.ts).
      ["us-east-2 restorable window of drweb-prod-use2-db-g1-writer", "network"],
    ]);
    expect(renderStatus(s).join("\n")).toContain("could not be read (the AWS endpoint could not be reached (TimeoutError: RDS DescribeDBInstances drweb-prod-use2-db-g1-reader1 (us-east-2): no answer within 0.1 s (all attempts))");
  });

  it("dr status never waits longer than its read bound, even on a read whose calls are not bounded", async () => {
    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    const platform = new AwsPlatform(config, aws.clients(), clock, aws.probe, { walFn: aws.walFn });
    platform.failoverSwitch = () => new Promise(() => undefined); // never settles
    const t0 = Date.now();
    const s = await collectStatus(config, platform, { readTimeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    // The health checks that follow the switch's alarm read it too.
    expect(s.readErrors.map((e) => e.what)).toEqual(["Route53 health checks", "failover switch (alarm drweb-prod-dns-failover-switch in us-west-1)"]);
    expect(s.readErrors[0].reason).toContain("no answer within 0.3 s");
  });

  it("a failover step whose calls hang fails as a network cause at its poll bound, and keeps polling to its timeout", async () => {
    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-bounds-"));
    const cfg = resolveConfig({ runbook: { journalDir: dir } });
    // us-east-2's Auto Scaling API accepts the fence and then never answers a describe: the fence's wait cannot read the fleet.
    aws.hangWhen = (c) => c.client === "autoscaling" && c.region === "us-east-2" && c.command === "DescribeAutoScalingGroupsCommand";
    const lines: string[] = [];
    const t0 = Date.now();
    const r = await runRunbook({ config: cfg, platform: new AwsPlatform(cfg, aws.clients(), clock, aws.probe, { walFn: aws.walFn, callTimeoutMs: 50 }), operation: "failover", mode: "planned", clock, log: (l) => lines.push(l) });
    expect(Date.now() - t0).toBeLessThan(10_000); // real time: 600 s of fake polls, each bounded at 50 ms
    expect(r.failedStep).toBe("fence-primary");
    expect(r.failure).toContain(`timed out after ${cfg.runbook.fenceTimeoutSeconds} s`);
    expect(r.cause?.kind).toBe("network");
    expect(lines.join("\n")).toContain("no answer within 0.05 s (all attempts)");
    // The fence failed after acting: the runner did not roll back (fence failures are not after-fence failures); the journal resumes.
    expect(r.rolledBack).toBeFalsy();
    expect(r.acted).toBe(true);
  });
});

/** A loopback port nothing listens on (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

/** A TCP server that reads a request and then resets the connection (the request reached it; no answer). */
async function resettingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = net.createServer((s) => s.once("data", () => s.resetAndDestroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe("a request that cannot be taken back: did it leave? (the real SDK against loopback endpoints)", () => {
  const bounds = { connectionTimeoutMs: 1_000, requestTimeoutMs: 300, maxAttempts: 3, callTimeoutMs: 20_000 };
  const promoteOnce = async (url: string) => {
    const command = new PromoteReadReplicaCommand({ DBInstanceIdentifier: "drweb-prod-usw1-db-g1-writer", BackupRetentionPeriod: 7 });
    const attempts = trackAttempts(command);
    const err = await sdkClients({ bounds, endpoint: url }).rds("us-west-1").send(command).then(() => null, (e: unknown) => e);
    return { err, attempts };
  };

  it("every attempt refused at connect (ECONNREFUSED, retried by the SDK): provably not sent", async () => {
    const { err, attempts } = await promoteOnce(await closedPort());
    expect((err as { code?: string }).code).toBe("ECONNREFUSED");
    expect(attempts).toHaveLength(3); // each attempt recorded inside the SDK's retry loop
    expect(attempts.every((a) => failedBeforeConnecting(a))).toBe(true);
    expect(mayHaveBeenSent(err, attempts)).toBe(false);
  });

  it("an endpoint that reads the request and never answers (request timeout), or resets after reading it: it may have been taken", async () => {
    const silent = await silentServer();
    const reset = await resettingServer();
    try {
      for (const url of [silent.url, reset.url]) {
        const { err, attempts } = await promoteOnce(url);
        expect(err).not.toBeNull();
        expect(attempts.length).toBeGreaterThanOrEqual(1);
        expect(failedBeforeConnecting(attempts[0])).toBe(false);
        expect(mayHaveBeenSent(err, attempts)).toBe(true);
      }
    } finally {
      await silent.close();
      await reset.close();
    }
  });

  it("AwsPlatform.promote: RDS's endpoint refusing connections gives not-sent (nothing taken); one that takes the request and says nothing is thrown (may have been taken)", async () => {
    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    const base = aws.clients();
    // The replica is read through the stub; only PromoteReadReplica goes through the real SDK to the loopback endpoint.
    const through = (url: string): AwsClients => ({
      ...base,
      rds: (r) =>
        ({
          send: (cmd: unknown, opts?: unknown) => (cmd instanceof PromoteReadReplicaCommand ? sdkClients({ bounds, endpoint: url }).rds(r).send(cmd, opts as never) : base.rds(r).send(cmd as never, opts as never)),
        }) as never,
    });
    const refused = await new AwsPlatform(config, through(await closedPort()), clock, aws.probe, { walFn: aws.walFn }).promote("secondary", 1, 7);
    expect(refused.outcome).toBe("not-sent");
    expect(refused.detail).toContain("could not be sent");
    const silent = await silentServer();
    try {
      const err = await new AwsPlatform(config, through(silent.url), clock, aws.probe, { walFn: aws.walFn }).promote("secondary", 1, 7).then(() => null, (e: unknown) => e);
      expect(classifyAwsError(err)?.kind).toBe("network");
    } finally {
      await silent.close();
    }
  });
});
