// The drill's ports (src/drill/ports.ts), on the real kernel: a held port is never handed to
// anyone else, its server still binds and listens on it (also after a restart), and a server that
// exits during a start-up wait ends the wait at once with its reason (issue 23: the drill's
// "timed out after 180000 ms waiting for secondary/app3 /healthz").
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { ProcessExited, waitFor } from "../../src/drill/host-tools";
import { PortReservations } from "../../src/drill/ports";
import { run } from "../helpers/run";
import { PROJECT_ROOT } from "../helpers/synth";

/** What other processes on the machine do: bind(0) `times` times (with and without SO_REUSEADDR, as Node and Python servers do), each socket closed at once; prints the ports it got among `watched`. */
const BIND_ZERO_STORM = `
import socket, sys
watched = set(int(p) for p in sys.argv[2:])
got = set()
for i in range(int(sys.argv[1])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, i % 2)
    s.bind(("127.0.0.1", 0))
    if s.getsockname()[1] in watched:
        got.add(s.getsockname()[1])
    s.close()
print(" ".join(map(str, sorted(got))))
`;

/** bind() to the port without SO_REUSEADDR (what a plain bind of another program does): "ok" or the errno name. */
const PLAIN_BIND = `
import errno, socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
`;

/** The old way (freePort before issue 23): the kernel picks a port for bind(0), the socket is closed, the number handed on. */
function chosenAndReleased(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.end("served\n"));
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

function fetchLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(port, "127.0.0.1");
    let out = "";
    c.on("data", (d) => (out += d.toString()));
    c.on("end", () => resolve(out.trim()));
    c.on("error", reject);
  });
}

const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe("PortReservations (the drill's ports, src/drill/ports.ts)", () => {
  let ports: PortReservations;
  beforeAll(() => {
    ports = PortReservations.open();
  });
  afterAll(async () => {
    await ports.close();
  });

  it("never lets another process's bind(0) have a held port, where a port chosen and released the old way is handed out again", async () => {
    const held = await ports.reserve(8);
    expect(new Set(held).size).toBe(8);
    const released: number[] = [];
    for (let i = 0; i < 8; i++) released.push(await chosenAndReleased());
    // 20000 binds over ~14000 candidate ports (bind(0) takes the odd ones of ip_local_port_range): each
    // released port is drawn ~1.4 times on average, so all 8 escaping has a probability of about e^-11.
    const storm = await run("python3", ["-c", BIND_ZERO_STORM, "20000", ...held, ...released].map(String));
    expect(storm.status, storm.stderr).toBe(0);
    const got = storm.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    expect(got.filter((p) => held.includes(p))).toEqual([]);
    expect(got.filter((p) => released.includes(p)).length).toBeGreaterThan(0); // the hazard the old freePort had
  }, 60_000);

  it("lets a server that sets SO_REUSEADDR listen on its held port, refuses a second server and a plain bind, and keeps the port across a restart", async () => {
    const port = await ports.one();
    expect((await run("python3", ["-c", PLAIN_BIND, String(port)])).stdout.trim()).toBe("EADDRINUSE");
    const first = await listen(port); // Node sets SO_REUSEADDR on its listeners, as PostgreSQL, gunicorn, HAProxy and Go do
    expect(await fetchLine(port)).toBe("served");
    await expect(listen(port)).rejects.toMatchObject({ code: "EADDRINUSE" });
    await close(first);
    // Down between a stop and a restart: still held.
    expect((await run("python3", ["-c", PLAIN_BIND, String(port)])).stdout.trim()).toBe("EADDRINUSE");
    await expect(fetchLine(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    const again = await listen(port);
    expect(await fetchLine(port)).toBe("served");
    await close(again);
  });

  it("releases every port when the process holding them dies (its pipe closes)", async () => {
    // A parent standing in for the drill: starts the holder, prints a held port, then is SIGKILLed.
    const parent = spawn(process.execPath, ["-e", `
      const { spawn } = require("node:child_process");
      const h = spawn("python3", [${JSON.stringify(path.join(PROJECT_ROOT, "src", "drill", "hold-ports.py"))}], { stdio: ["pipe", "pipe", "inherit"] });
      h.stdout.once("data", (d) => process.stdout.write(d));
      h.stdin.write("1\\n");
      setInterval(() => undefined, 1000);
    `], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect((await run("python3", ["-c", PLAIN_BIND, String(port)])).stdout.trim()).toBe("EADDRINUSE");
    parent.kill("SIGKILL");
    await waitFor(`port ${port} to be released`, 20_000, async () => (await run("python3", ["-c", PLAIN_BIND, String(port)])).stdout.trim() === "ok");
  }, 60_000);

  it("reports a holder that cannot run instead of hanging", async () => {
    const saved = process.env.DRILL_PYTHON;
    process.env.DRILL_PYTHON = "/nonexistent/python3";
    try {
      const broken = PortReservations.open();
      await expect(broken.reserve(1)).rejects.toThrow(/could not run: .*ENOENT.*DRILL_PYTHON/);
      await broken.close();
    } finally {
      if (saved === undefined) delete process.env.DRILL_PYTHON;
      else process.env.DRILL_PYTHON = saved;
    }
  });
});

describe("waitFor (the drill's start-up waits)", () => {
  it("ends at once when the process it waits for has exited (ProcessExited), with its reason", async () => {
    const started = Date.now();
    let checks = 0;
    await expect(
      waitFor("secondary/app3 /healthz", 10_000, async () => {
        checks++;
        throw new ProcessExited("gunicorn secondary/app3 exited:\n[ERROR] Connection in use: ('127.0.0.1', 40123)");
      }),
    ).rejects.toThrow(/gunicorn secondary\/app3 exited:\n.*Connection in use/);
    expect(checks).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("keeps polling through other errors (a server not answering yet) until the check holds", async () => {
    let n = 0;
    await waitFor("a server to answer", 10_000, async () => {
      n++;
      if (n < 3) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      return true;
    });
    expect(n).toBe(3);
  });
});
