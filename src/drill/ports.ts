import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

/**
 * Loopback ports held for the drill's servers for as long as the drill needs them.
 *
 * The cause of the drill's start-up flakes (issue 23): every port was chosen by binding port 0,
 * closing the socket and handing the number on (the old `freePort`). Between the close and the
 * server's own bind the port belonged to nobody, so (1) the kernel could hand the same number to
 * the next `freePort` of the same start-up (18 numbers are chosen while most of them are free:
 * measured 0.9 % of start-ups chose one twice, ~10 % of an `--scenario all` run's 12 start-ups),
 * and (2) any other process's bind(0) (the pytest lane's gunicorns and PostgreSQL, vitest's
 * servers, a second drill) could take it, also while a server was down between a stop and its
 * restart (a fenced fleet, a killed region, a rebuilt database: seconds to minutes). The server
 * that lost its port exited, and the start-up wait swallowed the exit (now `ProcessExited`), so
 * it surfaced 180 s later as "timed out ... waiting for secondary/app3 /healthz".
 *
 * A server that can bind port 0 and report it would not need this, but PostgreSQL cannot bind
 * port 0, Prometheus and Alertmanager do not report the port they bound, and every server here
 * must come back on the same address after a restart (the apps' DB_PORT, the replica's
 * primary_conninfo, HAProxy's server lines and the runbook's sites hold it, as an RDS endpoint or
 * an ALB name stays the same in AWS). So the drill owns each port from the moment the kernel picks
 * it: a helper (hold-ports.py) binds a socket to 127.0.0.1:0 with SO_REUSEADDR and never listens
 * on it, until the environment stops.
 *
 * Why that is enough, Linux socket(7), SO_REUSEADDR: "For AF_INET sockets this means that a
 * socket may bind, except when there is an active listening socket bound to the address." Both
 * sockets must set it (net/ipv4/inet_connection_sock.c, inet_bind_conflict), so:
 *  - the server binds and listens on its reserved port: each sets SO_REUSEADDR on its listener
 *    (PostgreSQL's pqcomm.c, so "a new postmaster can be started right after a stop"; gunicorn's
 *    sock.py; HAProxy's sock_inet.c; Go's setDefaultListenerSockopts for Prometheus and
 *    Alertmanager; Python's http.server.HTTPServer.allow_reuse_address for the app's metrics
 *    server), and connections reach only the listening socket;
 *  - nobody else gets it: the kernel's choice of a port for bind(0) or connect() skips every port
 *    that has a bound socket (inet_csk_find_open_port checks with `relax` false, which refuses
 *    even two SO_REUSEADDR sockets), and a bind without SO_REUSEADDR to it fails with EADDRINUSE;
 *  - no second server can bind it while the first listens (the "except" above).
 * __tests__/drill/drill-ports.test.ts proves each of these on the running kernel. What it cannot
 * stop: another program that binds the number explicitly with SO_REUSEADDR while our server is
 * down, having found it by the same bind-close-hand-on race; nothing in this project does that
 * any more (the web app's tests hold their ports the same way, webapp/tests/conftest.py).
 */
export class PortReservations {
  private readonly waiting: Array<{ resolve: (ports: number[]) => void; reject: (e: Error) => void }> = [];
  private exited: Error | null = null;
  private readonly done: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      if (line.startsWith("error ")) w.reject(new Error(`could not reserve a loopback port: ${line.slice(6)}`));
      else w.resolve(line.trim().split(/\s+/).filter(Boolean).map(Number));
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => undefined);
    let resolveDone: () => void = () => undefined;
    this.done = new Promise((resolve) => (resolveDone = resolve));
    const fail = (why: string) => {
      if (this.exited) return;
      this.exited = new Error(`the port holder (python3 src/drill/hold-ports.py) ${why}${stderr ? `: ${stderr.trim().slice(-500)}` : ""}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
      resolveDone();
    };
    child.on("error", (e) => fail(`could not run: ${e.message} (set DRILL_PYTHON to a Python 3)`));
    child.on("close", (code, signal) => fail(`exited (${signal ?? code})`));
  }

  /** Starts the holder (python3, or $DRILL_PYTHON) for ports on `host`. */
  static open(host = "127.0.0.1"): PortReservations {
    const python = process.env.DRILL_PYTHON ?? "python3";
    const child = spawn(python, [path.join(__dirname, "hold-ports.py"), host], { stdio: ["pipe", "pipe", "pipe"] });
    return new PortReservations(child);
  }

  /** n distinct ports, each held until close(). */
  reserve(n: number): Promise<number[]> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.waiting.push({
        resolve: (ports) => (ports.length === n && ports.every((p) => p > 0) ? resolve(ports) : reject(new Error(`could not reserve ${n} loopback ports: got "${ports.join(" ")}"`))),
        reject,
      });
      this.child.stdin.write(`${n}\n`);
    });
  }

  async one(): Promise<number> {
    return (await this.reserve(1))[0];
  }

  /** Releases every port (call it after the servers on them have stopped). */
  async close(): Promise<void> {
    if (!this.exited) this.child.stdin.end();
    await this.done;
  }
}
