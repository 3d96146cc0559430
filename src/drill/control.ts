import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "./host-tools";

/**
 * The drill's "control plane" on loopback: what the runbook (a separate
 * process, as an operator's `dr` is) calls instead of the AWS APIs. Each
 * region serves its fleet's state and scaling (the ASG and ELB APIs'
 * stand-in; it stops answering while the region is down), the Route53
 * stand-in its health checks, switch and verdict. One POST /rpc per call:
 * { target, method, args } -> { result } or { error, name }.
 */

/** Methods a runbook may call, per kind of target. */
const ALLOWED: Record<string, readonly string[]> = {
  region: ["webState", "scale"],
  dns: ["healthChecks", "putSwitchMetric", "switchState", "verdict"],
  // The Aurora scenarios' global cluster (src/drill/aurora.ts): the RDS API's stand-in.
  aurora: ["globalCluster", "switchoverGlobal", "failoverGlobal", "clusterSnapshots", "clusterSnapshot", "copyClusterSnapshot", "endpointsParameter", "putEndpointsParameter"],
  // The Aurora mode's `dr restore` (src/drill/aurora-restore.ts).
  "aurora-restore": ["clusterRestoreWindow", "restoreClusterToTime", "cluster", "createClusterInstance", "instance", "verifyRestoredCluster"],
  // The PITR scenarios' RDS restore calls (src/drill/pitr.ts).
  pitr: ["restorableWindow", "restoreToTime", "instance", "renameInstance", "isolateInstance"],
};

export class ControlServer {
  private server: http.Server | null = null;
  url = "";

  constructor(private readonly targets: Readonly<Record<string, { readonly kind: "region" | "dns" | "aurora" | "aurora-restore" | "pitr"; readonly target: object }>>) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void (async () => {
          let status = 200;
          let body: unknown;
          try {
            const { target, method, args } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { target: string; method: string; args: unknown[] };
            const t = this.targets[target];
            if (!t || !ALLOWED[t.kind].includes(method)) throw new Error(`no ${target}.${method} in the drill's control plane`);
            const fn = (t.target as Record<string, (...a: unknown[]) => unknown>)[method];
            body = { result: (await fn.apply(t.target, args ?? [])) ?? null };
          } catch (e) {
            status = 500;
            body = { error: (e as Error).message, name: (e as Error).name };
          }
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        })();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, LOOPBACK, resolve));
    this.url = `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server!.close(() => r(undefined)));
    this.server = null;
  }
}

/** A client of the control plane: rpc(target, method, ...args), rejecting with the remote error (its name kept). */
export function controlClient(url: string, timeoutMs = 10_000) {
  return (target: string, method: string, ...args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify({ target, method, args }));
      const req = http.request(`${url}/rpc`, { method: "POST", agent: false, timeout: timeoutMs, headers: { "content-type": "application/json", "content-length": String(payload.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { result?: unknown; error?: string; name?: string };
            if (res.statusCode === 200) resolve(body.result);
            else reject(Object.assign(new Error(body.error ?? `HTTP ${res.statusCode}`), { name: body.name ?? "Error" }));
          } catch (e) {
            reject(e as Error);
          }
        });
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error(`control plane: no answer within ${timeoutMs} ms`), { name: "TimeoutError" })));
      req.on("error", reject);
      req.end(payload);
    });
}
