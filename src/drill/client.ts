import { request } from "../../src/dr/http-probe";
import type { Endpoint } from "./resolver";

/**
 * The drill's users: a writer loop (POST /api/notes) and a reader loop
 * (GET /api/notes) that look the name up through the resolver before every
 * request, as a client honouring DNS TTLs does. Every request is recorded;
 * every write carries a unique token as its title, and an acknowledged write
 * (201) keeps the token and the id it was given: the RPO check looks for the
 * token (the content), not the id (after a split brain two databases hand
 * out the same ids for different rows).
 */

export interface RequestRecord {
  /** Which client (each has its own resolver cache). */
  readonly client: number;
  /** Start, ms since the drill's time origin. */
  readonly t: number;
  readonly op: "write" | "read";
  /** Where DNS sent it. */
  readonly to: Endpoint;
  readonly ok: boolean;
  readonly status: number;
  readonly latencyMs: number;
  /** Region that answered (X-Drweb-Region), if the app answered. */
  readonly region: string | null;
  /** Id of an acknowledged write. */
  readonly id?: number;
  /** The write's unique token (its title), acknowledged or not. */
  readonly token?: string;
  readonly error?: string;
}

export interface ClientOptions {
  readonly client: number;
  readonly resolve: () => Endpoint;
  readonly baseUrl: (e: Endpoint) => string;
  /** Time origin (ms, epoch) of the records. */
  readonly origin: number;
  readonly writeGapMs: number;
  readonly readGapMs: number;
  /** Hard bound on requests (both loops). */
  readonly maxRequests: number;
  readonly timeoutMs: number;
  /** Prefix of the write tokens (unique per drill run and scenario). */
  readonly tokenPrefix: string;
}

export class TrafficClient {
  readonly records: RequestRecord[] = [];
  private stopped = false;
  private loops: Array<Promise<void>> = [];
  private seq = 0;

  constructor(private readonly o: ClientOptions) {}

  start(): void {
    this.loops = [this.loop("write", this.o.writeGapMs), this.loop("read", this.o.readGapMs)];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  get exhausted(): boolean {
    return this.records.length >= this.o.maxRequests;
  }

  /** Records of several clients, in time order. */
  static merge(clients: readonly TrafficClient[]): RequestRecord[] {
    return clients.flatMap((c) => c.records).sort((a, b) => a.t - b.t);
  }

  private async loop(op: "write" | "read", gapMs: number): Promise<void> {
    while (!this.stopped && this.records.length < this.o.maxRequests) {
      await this.once(op);
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  private async once(op: "write" | "read"): Promise<void> {
    const to = this.o.resolve();
    const start = Date.now();
    const token = op === "write" ? `${this.o.tokenPrefix}-c${this.o.client}-${++this.seq}` : undefined;
    const target = { baseUrl: this.o.baseUrl(to), timeoutMs: this.o.timeoutMs };
    try {
      const res = op === "write" ? await request(target, "POST", "/api/notes", { title: token! }) : await request(target, "GET", "/api/notes?limit=5");
      const ok = op === "write" ? res.status === 201 : res.status === 200;
      let id: number | undefined;
      if (ok && op === "write") id = Number((JSON.parse(res.body) as { id: number }).id);
      const region = typeof res.headers["x-drweb-region"] === "string" ? res.headers["x-drweb-region"] : null;
      this.records.push({ client: this.o.client, t: start - this.o.origin, op, to, ok, status: res.status, latencyMs: Date.now() - start, region, ...(id === undefined ? {} : { id }), ...(token ? { token } : {}), ...(ok ? {} : { error: res.body.slice(0, 160) }) });
    } catch (e) {
      this.records.push({ client: this.o.client, t: start - this.o.origin, op, to, ok: false, status: 0, latencyMs: Date.now() - start, region: null, ...(token ? { token } : {}), error: (e as Error).message });
    }
  }
}
