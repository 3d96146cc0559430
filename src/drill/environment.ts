import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { RegionRole, ValidConfig } from "../../src/config";
import { request } from "../../src/dr/http-probe";
import { psql, type LocalRegionSite, type LocalWebState } from "../../src/dr/local-platform";
import type { FleetCapacityState } from "../../src/dr/platform";
import { regionCode } from "../../src/lib/naming";
import { PortReservations } from "./ports";
import { Processes, type Group } from "./processes";
import { asPg, haproxyBin, IS_ROOT, LOOPBACK, pgBin, pgIds, ProcessExited, run, STARTUP_TIMEOUT_MS, waitFor } from "./host-tools";
import { ALB_DEREGISTRATION_SECONDS, ALB_HEALTH, ALB_IDLE_SECONDS, APP_CONNECT_TIMEOUT_SECONDS, APP_USER, appRolePollSeconds } from "./production-model";

/**
 * The drill's two "regions" on 127.0.0.1: a real PostgreSQL 15 primary and
 * a streaming replica (set up as the pytest fixtures do: initdb, pg_basebackup
 * -R, SCRAM for the app role), per region `instances` gunicorn processes of
 * the real web app from webapp/.venv, and an HAProxy in front of them that
 * health-checks the liveness path like the ALB's target group.
 */

/** PostgreSQL's defaults the drill scales: the WAL receiver's timeout (it pings a silent sender after half of it) and the retry interval. */
const PG_WAL_RECEIVER_TIMEOUT_MS = 60_000;
const PG_WAL_RETRIEVE_RETRY_MS = 5_000;

/** HAProxy's runtime API (admin socket). */
function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket);
    let out = "";
    c.setTimeout(3_000, () => c.destroy(new Error("haproxy socket timeout")));
    c.on("connect", () => c.end(`${command}\n`));
    c.on("data", (d) => (out += d.toString()));
    c.on("end", () => resolve(out.trim()));
    c.on("error", reject);
  });
}

interface AppInstance {
  readonly name: string;
  readonly port: number;
  readonly metricsPort: number;
  group: Group | null;
}

export interface EnvironmentOptions {
  readonly root: string;
  readonly config: ValidConfig;
  /** Multiplies every interval (checks, caches): 0.1 runs ten times faster than production. */
  readonly timeScale: number;
  /** App instances per region (the ASG's desired capacity). */
  readonly instances: number;
  readonly processes: Processes;
  readonly log: (line: string) => void;
}

export class DrillRegion implements LocalRegionSite {
  pg: Group | null = null;
  haproxy: Group | null = null;
  readonly apps: AppInstance[] = [];
  private desiredCount = 0;
  /** The region's control plane (the ASG and ELB APIs' stand-in) answers; false while the region is down. */
  apiUp = true;

  constructor(
    readonly role: RegionRole,
    readonly region: string,
    readonly pgPort: number,
    readonly lbPort: number,
    readonly statsPort: number,
    readonly dir: string,
    private readonly env: DrillEnvironment,
  ) {}

  get lbUrl(): string {
    return `http://${LOOPBACK}:${this.lbPort}`;
  }

  get statsUrl(): string {
    return `http://${LOOPBACK}:${this.statsPort}/stats`;
  }

  get socket(): string {
    return path.join(this.dir, "haproxy.sock");
  }

  desired(): number {
    return this.desiredCount;
  }

  private apiDown(): Error {
    return Object.assign(new Error(`connect ETIMEDOUT: ${this.region}'s APIs do not answer (the region is down)`), { name: "TimeoutError" });
  }

  /** The fleet as the ASG and the target group would report it (HAProxy's stats and the app processes). */
  async webState(): Promise<LocalWebState> {
    if (!this.apiUp) throw this.apiDown();
    const csv = await request({ baseUrl: this.statsUrl, timeoutMs: 2_000 }, "GET", `${new URL(this.statsUrl).pathname};csv`);
    const rows = csv.body.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(","));
    const servers = rows.filter((r) => r[0] === "web" && r[1] !== "FRONTEND" && r[1] !== "BACKEND");
    const running = this.runningInstances();
    // A server taken out (MAINT) whose process still runs is draining: like an ELB target during deregistration, still registered.
    const states = servers.map((r) => ((r[17] ?? "?") === "MAINT" && running.includes(r[1]) ? "MAINT (draining)" : (r[17] ?? "?")));
    return {
      desired: this.desiredCount,
      healthy: states.filter((x) => x.startsWith("UP")).length,
      registered: states.filter((x) => x !== "MAINT").length,
      running: running.length,
      detail: `instances desired ${this.desiredCount}, running ${running.length}; haproxy servers: ${servers.map((r, i) => `${r[1]} ${states[i]}`).join(", ")}`,
    };
  }

  /**
   * 0: take every instance out of HAProxy (as ELB deregistration does) and
   * stop it gracefully: in-flight requests finish, so an instance counts as
   * "draining" until its process has exited (runningInstances); one still
   * busy after the deregistration delay (scaled) is killed, as an instance
   * is terminated after it. n: start instances and put them in service.
   */
  async scale(n: number): Promise<void> {
    if (!this.apiUp) throw this.apiDown();
    if (n > 0 && this.fleetCannotStart) throw new Error(`${this.region}: the fleet cannot start: ${this.fleetCannotStart}`);
    this.desiredCount = n;
    if (n === 0) {
      for (const a of this.apps) await haproxyCommand(this.socket, `set server web/${a.name} state maint`).catch(() => "");
      // Not awaited: the runbook's wait watches the instances drain; stop() escalates to SIGKILL after the grace period.
      const grace = Math.max(500, ALB_DEREGISTRATION_SECONDS * 1000 * this.env.o.timeScale);
      for (const a of this.apps) if (a.group) void this.env.processes.stop(a.group, grace);
      return;
    }
    await Promise.all(this.apps.slice(0, n).filter((a) => !a.group || !this.env.processes.alive(a.group)).map((a) => this.env.startApp(this, a)));
    for (const a of this.apps.slice(0, n)) await haproxyCommand(this.socket, `set server web/${a.name} state ready`).catch(() => "");
  }

  /** Readiness stand-in: why this region's fleet cannot start (an AMI gone, a broken launch template); null: it can. scale(n > 0) then fails too. */
  fleetCannotStart: string | null = null;

  /** The stand-in for the ASG's launch template, AMI and MaxSize (readiness: the standby fleet can reach its size). */
  fleetCapacity(size: number): FleetCapacityState {
    if (!this.apiUp) throw this.apiDown();
    if (this.fleetCannotStart) return { canReach: false, maxSize: null, imageId: null, detail: `${this.region}: ${this.fleetCannotStart} (drill stand-in)` };
    return { canReach: true, maxSize: null, imageId: null, detail: `${this.region}: the app can start (drill stand-in; ${size} asked, ${this.apps.length} instance(s) defined)` };
  }

  runningInstances(): string[] {
    return this.apps.filter((a) => a.group && this.env.processes.alive(a.group)).map((a) => a.name);
  }

  /** The regional outage: SIGKILL the region's database, app instances and load balancer at once; its APIs stop answering. */
  killAll(): void {
    this.apiUp = false;
    for (const g of [this.pg, this.haproxy, ...this.apps.map((a) => a.group)]) if (g) this.env.processes.kill(g);
  }

  /** The region comes back as AWS would bring it back: its database (crash recovery, a writer again), its fleet at the desired size, its load balancer, its APIs. */
  async revive(): Promise<void> {
    await this.env.startPg(this);
    await Promise.all(this.apps.slice(0, this.desiredCount).filter((a) => !a.group || !this.env.processes.alive(a.group)).map((a) => this.env.startApp(this, a)));
    if (!this.haproxy || !this.env.processes.alive(this.haproxy)) await this.env.startHaproxy(this);
    this.apiUp = true;
  }

  /** SIGSTOP / SIGCONT of the database's processes: a frozen primary (a stalled host, a long I/O hang). */
  freezeDb(): void {
    if (this.pg) this.env.processes.signal(this.pg, "SIGSTOP");
  }

  thawDb(): void {
    if (this.pg) this.env.processes.signal(this.pg, "SIGCONT");
  }

  killDb(): void {
    if (this.pg) this.env.processes.kill(this.pg);
  }

  async restartDb(): Promise<void> {
    await this.env.startPg(this);
  }

  killApp(name: string): void {
    const a = this.apps.find((x) => x.name === name);
    if (a?.group) this.env.processes.kill(a.group);
  }

  setDesired(n: number): void {
    this.desiredCount = n;
  }
}

export class DrillEnvironment {
  readonly dir: string;
  readonly appPassword = `drill-${randomBytes(9).toString("base64url")}`;
  regions!: Record<RegionRole, DrillRegion>;
  /** More of the app's environment per region (the Aurora scenarios: DB_ENGINE, the cluster endpoints, the hosts file; src/drill/aurora.ts). */
  appExtraEnv: ((role: RegionRole) => Record<string, string>) | null = null;
  /** The PITR scenarios (src/drill/pitr.ts): more initdb arguments, more primary settings (WAL archiving), and a step once both databases run (the base backup). */
  initdbExtraArgs: string[] = [];
  pgExtraConf = "";
  afterDatabases: (() => Promise<void>) | null = null;
  /** Every port of the environment's servers, held from start() to stop() (src/drill/ports.ts). */
  private ports: PortReservations | null = null;

  private readonly forget: () => void;

  constructor(readonly o: EnvironmentOptions, keep = false) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "drweb-drill-"));
    fs.chmodSync(this.dir, 0o755);
    // Interrupted (Ctrl-C) or crashed: the folder goes too, after its processes are stopped.
    this.forget = o.processes.onCleanup(() => {
      if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
    });
  }

  get processes(): Processes {
    return this.o.processes;
  }

  private pgDir(role: RegionRole): string {
    return path.join(this.dir, `pg-${role}`);
  }

  /** n loopback ports held for this environment's servers until stop() (they keep them across restarts). */
  reservePorts(n: number): Promise<number[]> {
    this.ports ??= PortReservations.open(LOOPBACK);
    return this.ports.reserve(n);
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    await this.startDatabasesOnly();
    this.o.log(`postgres: primary 127.0.0.1:${this.regions.primary.pgPort}, streaming replica 127.0.0.1:${this.regions.secondary.pgPort}`);
    for (const r of Object.values(this.regions)) {
      for (let i = 1; i <= this.o.instances; i++) {
        const [port, metricsPort] = await this.reservePorts(2);
        r.apps.push({ name: `app${i}`, port, metricsPort, group: null });
      }
    }
    await Promise.all(Object.values(this.regions).flatMap((r) => r.apps.map((a) => this.startApp(r, a))));
    for (const r of Object.values(this.regions)) {
      r.setDesired(this.o.instances);
      await this.startHaproxy(r);
    }
    this.o.log(
      `started in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
        Object.values(this.regions).map((r) => `${r.region} lb ${r.lbUrl} (${r.apps.length} gunicorn: ${r.apps.map((a) => a.port).join(", ")})`).join("; "),
    );
  }

  /**
   * The two regions (their ports and folders) and their databases alone: the primary and its streaming replica, no
   * app, no load balancer. start()'s first step; the drill's database tests start only this.
   */
  async startDatabasesOnly(): Promise<void> {
    const mk = async (role: RegionRole) => {
      const dir = path.join(this.dir, role);
      fs.mkdirSync(dir);
      const [pg, lb, stats] = await this.reservePorts(3);
      return new DrillRegion(role, this.o.config.regions[role].region, pg, lb, stats, dir, this);
    };
    this.regions = { primary: await mk("primary"), secondary: await mk("secondary") };
    await this.startDatabases();
  }

  private async startDatabases(): Promise<void> {
    if (IS_ROOT) fs.chownSync(this.dir, ...pgIds());
    const p = this.regions.primary;
    const s = this.regions.secondary;
    await run(...asPg(pgBin("initdb"), ["-D", this.pgDir("primary"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", ...this.initdbExtraArgs]));
    fs.appendFileSync(
      path.join(this.pgDir("primary"), "postgresql.conf"),
      `\nlisten_addresses = '${LOOPBACK}'\nunix_socket_directories = ''\nwal_level = replica\nmax_wal_senders = 10\nwal_keep_size = '128MB'\nhot_standby = on\nfsync = off\nshared_buffers = '32MB'\nmax_connections = 100\n` +
        // PostgreSQL's replication timers on the drill's time scale: the replica pings a silent sender after half of wal_receiver_timeout.
        `wal_receiver_timeout = ${Math.max(1000, Math.round(PG_WAL_RECEIVER_TIMEOUT_MS * this.o.timeScale))}ms\nwal_sender_timeout = ${Math.max(1000, Math.round(PG_WAL_RECEIVER_TIMEOUT_MS * this.o.timeScale))}ms\n` +
        `wal_retrieve_retry_interval = ${Math.max(100, Math.round(PG_WAL_RETRIEVE_RETRY_MS * this.o.timeScale))}ms\n` +
        this.pgExtraConf,
    );
    fs.writeFileSync(
      path.join(this.pgDir("primary"), "pg_hba.conf"),
      `host replication postgres ${LOOPBACK}/32 trust\nhost all postgres ${LOOPBACK}/32 trust\nhost all all ${LOOPBACK}/32 scram-sha-256\n`,
    );
    await this.startPg(p);
    await psql(p.pgPort, `CREATE ROLE ${APP_USER} LOGIN PASSWORD '${this.appPassword}'`);
    await psql(p.pgPort, `CREATE DATABASE drweb OWNER ${APP_USER}`);
    // The app reads its replica's WAL receiver (/readyz?wal=1): pg_stat_wal_receiver's detail needs pg_read_all_stats
    // (on RDS the master user has it through rds_superuser; docs/dr-runbook.md).
    await psql(p.pgPort, `GRANT pg_read_all_stats TO ${APP_USER}`);
    await run(...asPg(pgBin("pg_basebackup"), ["-h", LOOPBACK, "-p", String(p.pgPort), "-U", "postgres", "-D", this.pgDir("secondary"), "-R", "-X", "stream", "-c", "fast", "--no-sync"]));
    await this.startPg(s);
    await waitFor("the replica to stream", STARTUP_TIMEOUT_MS, async () => (await psql(s.pgPort, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")) === "1");
    await this.afterDatabases?.();
  }

  /** Rebuilds a region's database as a streaming replica of another's (the failback deploy's stand-in): a new base backup. */
  async rebuildAsReplicaOf(r: DrillRegion, source: DrillRegion): Promise<void> {
    if (r.pg) await this.processes.stop(r.pg);
    // Not rmSync: the drill's clients share this event loop, and removing a data folder on a loaded machine can take seconds.
    await fs.promises.rm(this.pgDir(r.role), { recursive: true, force: true });
    await run(...asPg(pgBin("pg_basebackup"), ["-h", LOOPBACK, "-p", String(source.pgPort), "-U", "postgres", "-D", this.pgDir(r.role), "-R", "-X", "stream", "-c", "fast", "--no-sync"]));
    await this.startPg(r);
    await waitFor(`${r.role} to stream from ${source.role}`, STARTUP_TIMEOUT_MS, async () => {
      this.assertAlive(r.pg!, `postgres ${r.role}`, path.join(this.dir, `postgres-${r.role}.log`));
      return (await psql(r.pgPort, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")) === "1";
    });
  }

  /** Titles of the notes in a region's database (null: unreachable). */
  async titles(r: DrillRegion): Promise<string[] | null> {
    try {
      return (await psql(r.pgPort, "SELECT title FROM notes", "drweb", 10_000)).split("\n").filter(Boolean);
    } catch {
      return null;
    }
  }

  async startPg(r: DrillRegion): Promise<void> {
    const role = r.role;
    const [cmd, args] = asPg(pgBin("postgres"), ["-D", this.pgDir(role), "-p", String(r.pgPort)]);
    r.pg = this.processes.spawn(`postgres ${role}`, cmd, args, { env: process.env, log: path.join(this.dir, `postgres-${role}.log`), stopSignal: "SIGINT" });
    await waitFor(`postgres ${role} to accept connections`, STARTUP_TIMEOUT_MS, async () => {
      this.assertAlive(r.pg!, `postgres ${role}`, path.join(this.dir, `postgres-${role}.log`));
      return (await psql(r.pgPort, "SELECT 1")) === "1";
    });
  }

  /** One gunicorn of the real app (deploy/gunicorn.conf.py), 1 worker, bound to loopback. */
  async startApp(r: DrillRegion, a: AppInstance): Promise<void> {
    const venv = path.join(this.o.root, "webapp", ".venv");
    const scale = this.o.timeScale;
    const metricsDir = path.join(r.dir, `metrics-${a.name}`);
    fs.mkdirSync(metricsDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.join(venv, "bin")}:${process.env.PATH ?? ""}`,
      HOME: process.env.HOME,
      LANG: "C.UTF-8",
      DRWEB_REGION: r.region,
      DRWEB_INSTANCE_ID: `${regionCode(r.region)}-${a.name}`,
      DB_WRITER_HOST: LOOPBACK,
      DB_PORT: String(r.pgPort),
      DB_USER: APP_USER,
      DB_PASSWORD: this.appPassword,
      DB_AUTH: "password",
      DB_SSLMODE: "disable",
      DB_CONNECT_TIMEOUT: String(APP_CONNECT_TIMEOUT_SECONDS),
      DRWEB_PORT: String(a.port),
      DRWEB_METRICS_PORT: String(a.metricsPort),
      DRWEB_BIND_ADDR: LOOPBACK,
      DRWEB_METRICS_ADDR: LOOPBACK,
      DRWEB_WORKERS: "1",
      DRWEB_THREADS: "8",
      // The app's own timers, scaled with the drill (production: 2 s role cache, 15 s poll).
      DRWEB_ROLE_CACHE_SECONDS: String(Math.max(0.05, 2 * scale)),
      DRWEB_ROLE_POLL_SECONDS: String(appRolePollSeconds(scale)),
      DRWEB_LOG_LEVEL: "WARNING",
      DRWEB_GUNICORN_LOG_LEVEL: process.env.DRILL_GUNICORN_LOG_LEVEL ?? "warning",
      PROMETHEUS_MULTIPROC_DIR: metricsDir,
      ...(this.appExtraEnv?.(r.role) ?? {}),
    };
    a.group = this.processes.spawn(`gunicorn ${r.role}/${a.name}`, path.join(venv, "bin", "gunicorn"), ["-c", path.join(this.o.root, "webapp", "deploy", "gunicorn.conf.py"), "--control-socket", path.join(r.dir, `${a.name}.ctl`), "drweb.wsgi:app"], {
      env,
      cwd: path.join(this.o.root, "webapp"),
      log: path.join(r.dir, `${a.name}.log`),
    });
    const g = a.group;
    await waitFor(`${r.role}/${a.name} /healthz`, STARTUP_TIMEOUT_MS, async () => {
      this.assertAlive(g, `gunicorn ${r.role}/${a.name}`, path.join(r.dir, `${a.name}.log`));
      return (await request({ baseUrl: `http://${LOOPBACK}:${a.port}`, timeoutMs: 1_000 }, "GET", this.o.config.web.livenessPath)).status === 200;
    });
  }

  async startHaproxy(r: DrillRegion): Promise<void> {
    const s = this.o.timeScale;
    const inter = Math.max(100, Math.round(ALB_HEALTH.intervalSeconds * 1000 * s));
    const cfg = [
      "global",
      "  maxconn 4000",
      `  stats socket ${r.socket} mode 600 level admin`,
      "defaults",
      "  mode http",
      "  timeout connect 1s",
      "  timeout client 30s",
      `  timeout server ${Math.max(500, Math.round(ALB_IDLE_SECONDS * 1000 * s))}ms`,
      // The ALB's 5 s check timeout, scaled, but never under 1 s: a health check answer slowed by CPU load on
      // this machine (not a modelled fault) must not take every server out of the pool.
      `  timeout check ${Math.max(1000, Math.round(ALB_HEALTH.timeoutSeconds * 1000 * s))}ms`,
      "  retries 0",
      // One request per server connection: no idle pooled connection keeps a
      // stopping gunicorn waiting (the ALB's deregistration delay bounds that in AWS).
      "  option http-server-close",
      "frontend lb",
      `  bind ${LOOPBACK}:${r.lbPort}`,
      "  default_backend web",
      "backend web",
      "  balance roundrobin",
      `  option httpchk GET ${this.o.config.web.livenessPath}`,
      "  http-check expect status 200",
      `  default-server inter ${inter}ms fall ${ALB_HEALTH.unhealthyThreshold} rise ${ALB_HEALTH.healthyThreshold}`,
      ...r.apps.map((a) => `  server ${a.name} ${LOOPBACK}:${a.port} check`),
      "listen stats",
      `  bind ${LOOPBACK}:${r.statsPort}`,
      "  stats enable",
      "  stats uri /stats",
      "",
    ].join("\n");
    const file = path.join(r.dir, "haproxy.cfg");
    fs.writeFileSync(file, cfg);
    const g = this.processes.spawn(`haproxy ${r.role}`, haproxyBin(), ["-f", file, "-db"], { env: process.env, log: path.join(r.dir, "haproxy.log") });
    r.haproxy = g;
    await waitFor(`haproxy ${r.role}`, STARTUP_TIMEOUT_MS, async () => {
      this.assertAlive(g, `haproxy ${r.role}`, path.join(r.dir, "haproxy.log"));
      return (await request({ baseUrl: r.lbUrl, timeoutMs: 1_000 }, "GET", this.o.config.web.livenessPath)).status === 200;
    });
  }

  /** For a start-up wait: a process that has exited will not start (ProcessExited, with its log's end). */
  private assertAlive(g: Group, name: string, log: string): void {
    if (!this.processes.alive(g)) throw new ProcessExited(`${name} exited:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "(no log)"}`);
  }

  /** Stops everything and removes the folder (keep: leave the folder with its logs). */
  async stop(keep: boolean): Promise<void> {
    await this.processes.stopAll();
    await this.ports?.close(); // after the servers on them have stopped
    this.ports = null;
    this.forget();
    if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
