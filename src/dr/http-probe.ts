import * as http from "node:http";
import * as https from "node:https";
import type { ProbeResult, WalPositions } from "./platform";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface RequestTarget {
  /** Base URL of the entry point, e.g. https://drweb-prod-usw1-alb-123.us-west-1.elb.amazonaws.com or http://127.0.0.1:18080. */
  readonly baseUrl: string;
  /** Host header and TLS server name (the application's domain: the ALB's certificate is for it). */
  readonly host?: string;
  readonly timeoutMs: number;
}

/** One HTTP request; resolves with the answer or rejects on a network error or timeout. */
export function request(target: RequestTarget, method: "GET" | "POST", path: string, body?: unknown): Promise<HttpAnswer> {
  const url = new URL(path, target.baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method,
        agent: false,
        timeout: target.timeoutMs,
        headers: {
          ...(target.host ? { host: target.host } : {}),
          ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
        },
        ...(url.protocol === "https:" && target.host ? { servername: target.host } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${target.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

function json(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** GET the readiness path; with write, POST a verification note. */
export async function probeApp(target: RequestTarget, readinessPath: string, write: boolean, label: string): Promise<ProbeResult> {
  let ready: HttpAnswer;
  try {
    ready = await request(target, "GET", readinessPath);
  } catch (e) {
    return { ok: false, dbRole: null, writable: null, wrote: null, detail: `${target.baseUrl}${readinessPath}: ${(e as Error).message}` };
  }
  const r = json(ready.body);
  const dbRole = typeof r.db_role === "string" ? r.db_role : null;
  const writable = typeof r.writable === "boolean" ? r.writable : null;
  let detail = `${readinessPath} ${ready.status} db_role ${dbRole ?? "?"} writable ${writable ?? "?"}`;
  if (ready.status !== 200) return { ok: false, dbRole, writable, wrote: null, detail };
  if (!write) return { ok: true, dbRole, writable, wrote: null, detail };
  try {
    const w = await request(target, "POST", "/api/notes", { title: label });
    const wrote = w.status === 201;
    detail += `; POST /api/notes ${w.status}${wrote ? ` id ${String(json(w.body).id)}` : ` ${String(json(w.body).error ?? "")}`}`;
    return { ok: wrote, dbRole, writable, wrote, detail };
  } catch (e) {
    return { ok: false, dbRole, writable, wrote: false, detail: `${detail}; POST /api/notes: ${(e as Error).message}` };
  }
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);

/**
 * GET <readinessPath>?wal=1 through a region's entry point: the web app's
 * view of its database's WAL positions (webapp/drweb/db.py wal_positions).
 * `now` stamps when the request was sent (the caller's clock): the answer
 * describes a moment after it.
 */
export async function readWalPositions(target: RequestTarget, readinessPath: string, now: () => number): Promise<WalPositions> {
  const requestedAt = now();
  const empty = { inRecovery: null, lsn: null, receiveLsn: null, replayLsn: null, replayPaused: null, receiverStatus: null, senderLsn: null, lastMessageAgeSeconds: null, receiverTimeoutSeconds: null };
  let answer: HttpAnswer;
  try {
    answer = await request(target, "GET", `${readinessPath}?wal=1`);
  } catch (e) {
    return { ok: false, ...empty, requestedAt, detail: `${target.baseUrl}${readinessPath}?wal=1: ${(e as Error).message}` };
  }
  const body = json(answer.body);
  const wal = body.wal;
  if (answer.status !== 200 || typeof wal !== "object" || wal === null) {
    return { ok: false, ...empty, requestedAt, detail: `${readinessPath}?wal=1 ${answer.status} db_role ${String(body.db_role ?? "?")}${wal === undefined ? ": no wal positions in the answer (an app older than the runbook?)" : ""}` };
  }
  const w = wal as Record<string, unknown>;
  if (typeof w.error === "string") return { ok: false, ...empty, requestedAt, detail: `${readinessPath}?wal=1: the app could not read them (${w.error})` };
  const p = {
    inRecovery: bool(w.in_recovery),
    lsn: text(w.lsn),
    receiveLsn: text(w.receive_lsn),
    replayLsn: text(w.replay_lsn),
    replayPaused: bool(w.replay_paused),
    receiverStatus: text(w.receiver_status),
    senderLsn: text(w.sender_lsn),
    lastMessageAgeSeconds: num(w.last_message_age_s),
    receiverTimeoutSeconds: num(w.receiver_timeout_s),
  };
  const instance = typeof body.instance === "string" ? ` (${body.instance})` : "";
  const detail = p.inRecovery
    ? `replica${instance}: received ${p.receiveLsn ?? "?"}, replayed ${p.replayLsn ?? "?"}${p.replayPaused ? " (replay PAUSED)" : ""}; receiver ${p.receiverStatus ?? "not visible"}, source at ${p.senderLsn ?? "?"}, last message ${p.lastMessageAgeSeconds === null ? "?" : `${p.lastMessageAgeSeconds.toFixed(1)} s`} ago`
    : `writer${instance} at ${p.lsn ?? "?"}`;
  return { ok: true, ...p, requestedAt, detail };
}
