import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import { request } from "../../src/dr/http-probe";
import { alertmanagerConfig } from "../../src/monitoring/values";
import type { Group, Processes } from "./processes";
import { formatDuration, parseDuration } from "./prometheus";

/**
 * The drill's Alertmanager: the real server (Debian's prometheus-alertmanager)
 * on 127.0.0.1 with the production routing (src/monitoring/values.ts
 * alertmanagerConfig: grouped by alert and region, the chart's Watchdog and
 * InfoInhibitor to a null receiver, resolved notifications sent), its
 * group_wait/group_interval/repeat_interval x the time scale, and the SNS
 * receiver replaced by a webhook to a recorder in the drill (SNS cannot run
 * here). The recorder is what "on-call got paged" means in the report.
 */

export const ALERTMANAGER_LISTEN = "127.0.0.1";

export function alertmanagerBin(): string {
  for (const d of [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/local/bin"]) {
    for (const name of ["prometheus-alertmanager", "alertmanager"]) if (d && fs.existsSync(path.join(d, name))) return path.join(d, name);
  }
  throw new Error("Alertmanager not found: run bash scripts/setup-alertmanager.sh (Debian's prometheus-alertmanager package)");
}

/** One alert of a notification (Alertmanager's webhook payload). */
export interface NotifiedAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
}

/** One notification as the receiver got it. */
export interface Notification {
  /** epoch ms it arrived. */
  readonly at: number;
  readonly receiver: string;
  readonly status: "firing" | "resolved";
  readonly alerts: readonly NotifiedAlert[];
}

/** The webhook receiver standing in for the SNS topic: records every notification. */
export class NotificationRecorder {
  readonly notifications: Notification[] = [];
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => (body += d));
      req.on("end", () => {
        try {
          const p = JSON.parse(body) as { receiver: string; status: "firing" | "resolved"; alerts: Array<{ status: "firing" | "resolved"; labels: Record<string, string> }> };
          this.notifications.push({ at: Date.now(), receiver: p.receiver, status: p.status, alerts: p.alerts.map((a) => ({ status: a.status, labels: a.labels })) });
        } catch {
          // not a webhook payload: ignored
        }
        res.writeHead(200).end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, ALERTMANAGER_LISTEN, resolve));
    this.server.unref();
    return `http://${ALERTMANAGER_LISTEN}:${(this.server.address() as AddressInfo).port}/notify`;
  }

  stop(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Durations of the production route x the time scale; the SNS receiver -> a webhook to `url`. */
export function drillAlertmanagerConfig(url: string, timeScale: number, region: string): Record<string, unknown> {
  const prod = alertmanagerConfig("arn:aws:sns:drill:000000000000:drill", region) as { route: Record<string, unknown>; receivers: Array<Record<string, unknown>> };
  const scaled = (d: unknown) => formatDuration(Math.max(100, parseDuration(String(d)) * timeScale));
  const route = { ...prod.route };
  for (const k of ["group_wait", "group_interval", "repeat_interval"]) route[k] = scaled(route[k]);
  return {
    route,
    receivers: prod.receivers.map((r) => (r.sns_configs ? { name: r.name, webhook_configs: [{ url, send_resolved: true }] } : r)),
  };
}

/** The scaled group_wait of the production route, ms: a firing alert's first notification comes after it. */
export function scaledGroupWaitMs(timeScale: number): number {
  return Math.max(100, parseDuration(String((alertmanagerConfig("x", "x") as { route: { group_wait: string } }).route.group_wait)) * timeScale);
}

export class DrillAlertmanager {
  private constructor(
    readonly url: string,
    private readonly group: Group,
    private readonly processes: Processes,
  ) {}

  /** host:port for Prometheus' alerting configuration. */
  get address(): string {
    return this.url.replace(/^http:\/\//, "");
  }

  static async start(o: { dir: string; processes: Processes; port: number; receiverUrl: string; timeScale: number; region: string }): Promise<DrillAlertmanager> {
    const cfg = path.join(o.dir, "alertmanager.yml");
    const log = path.join(o.dir, "alertmanager.log");
    fs.writeFileSync(cfg, stringify(drillAlertmanagerConfig(o.receiverUrl, o.timeScale, o.region), { lineWidth: 0 }));
    const g = o.processes.spawn(
      "alertmanager",
      alertmanagerBin(),
      [
        `--config.file=${cfg}`,
        `--storage.path=${path.join(o.dir, "alertmanager-data")}`,
        `--web.listen-address=${ALERTMANAGER_LISTEN}:${o.port}`,
        // No HA cluster: it would listen on 0.0.0.0:9094 (loopback only here).
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME }, log },
    );
    const url = `http://${ALERTMANAGER_LISTEN}:${o.port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!o.processes.alive(g)) throw new Error(`alertmanager exited:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
      const ready = await request({ baseUrl: url, timeoutMs: 1000 }, "GET", "/-/ready").catch(() => null);
      if (ready?.status === 200) return new DrillAlertmanager(url, g, o.processes);
      if (Date.now() > deadline) {
        await o.processes.stop(g);
        throw new Error(`alertmanager not ready after 30 s:\n${fs.readFileSync(log, "utf8").slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.processes.stop(this.group);
  }
}
