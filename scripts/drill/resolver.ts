import { gateThreshold, type HealthCheckRole } from "../../src/dns/contract";
import type { HealthCheckState } from "../../src/dr/platform";

/**
 * A stand-in for Route53 failover routing and a caching resolver, with the
 * semantics the dns stack relies on (src/dns/failover-records.ts):
 *
 * - an HTTP health check per region on the deep-readiness path, run by one
 *   checker per configured checker region, each every request interval
 *   (staggered, as Route53's checkers are not synchronised); a checker flips
 *   its verdict after `failureThreshold` consecutive opposite results; the
 *   endpoint is healthy while more than 18% of checkers say so;
 * - a CALCULATED "primary-gate" over the primary check, healthy while the
 *   healthy children >= its threshold (gateThreshold(forceFailover));
 * - failover records: PRIMARY (gate + evaluate target health of the primary
 *   load balancer) is answered while healthy, else SECONDARY if its check and
 *   target health are healthy, else PRIMARY (Route53 answers the primary when
 *   both are unhealthy);
 * - a resolver that caches an answer for the alias TTL.
 *
 * Time is injected and the work happens in tick(), so tests drive it on a
 * fake clock; the drill calls tick() every few milliseconds.
 */

export type Endpoint = "primary" | "secondary";

export interface ResolverOptions {
  readonly intervalMs: number;
  readonly failureThreshold: number;
  /** One checker per region (names only label them). */
  readonly checkerRegions: readonly string[];
  /** Seconds resolvers may cache an answer (the ALB alias TTL), in ms. */
  readonly ttlMs: number;
  /** Initial gate threshold (gateThreshold(config.dns.forceFailover)). */
  readonly forceFailover: boolean;
  readonly now: () => number;
  /** The health check request: true when the endpoint answered 2xx/3xx in time. */
  readonly check: (endpoint: Endpoint) => Promise<boolean>;
  /**
   * Evaluate target health of an alias: the load balancer reports a healthy
   * target (true), none (false), or cannot be asked (null: the last known
   * value stands, so a dead region is detected by the health checks, as the
   * failover budget models).
   */
  readonly targetHealthy: (endpoint: Endpoint) => Promise<boolean | null>;
}

/** Route53: an endpoint is healthy when more than 18% of the checkers report it healthy. */
export const HEALTHY_FRACTION = 0.18;

interface Checker {
  readonly region: string;
  nextAt: number;
  healthy: boolean;
  streak: number;
  last: boolean | null;
}

export interface ResolverEvent {
  readonly at: number;
  readonly what: string;
}

export class Route53Sim {
  private readonly checkers: Record<Endpoint, Checker[]>;
  private readonly targets: Record<Endpoint, boolean> = { primary: true, secondary: true };
  private targetsAt = Number.NEGATIVE_INFINITY;
  private threshold: number;
  private readonly caches = new Map<number, { answer: Endpoint; expires: number }>();
  private lastAnswer: Endpoint | null = null;
  private lastState = "";
  private busy = false;
  readonly events: ResolverEvent[] = [];

  constructor(private readonly o: ResolverOptions) {
    const t0 = o.now();
    const n = o.checkerRegions.length;
    const make = (): Checker[] => o.checkerRegions.map((region, i) => ({ region, nextAt: t0 + Math.round((i * o.intervalMs) / n), healthy: true, streak: 0, last: null }));
    this.checkers = { primary: make(), secondary: make() };
    this.threshold = gateThreshold(o.forceFailover);
  }

  endpointHealthy(e: Endpoint): boolean {
    const cs = this.checkers[e];
    return cs.filter((c) => c.healthy).length / cs.length > HEALTHY_FRACTION;
  }

  gateHealthy(): boolean {
    return (this.endpointHealthy("primary") ? 1 : 0) >= this.threshold;
  }

  gateThreshold(): number {
    return this.threshold;
  }

  setGateThreshold(t: number): void {
    if (t !== this.threshold) this.note(`primary-gate threshold ${this.threshold} -> ${t}`);
    this.threshold = t;
    this.observe();
  }

  /** What Route53 answers now (no cache). */
  authoritative(): Endpoint {
    if (this.gateHealthy() && this.targets.primary) return "primary";
    if (this.endpointHealthy("secondary") && this.targets.secondary) return "secondary";
    return "primary";
  }

  /**
   * What client `client`'s resolver answers: its cached answer until the TTL
   * runs out. Clients' caches start at different phases (client k of n
   * first expires k/n of a TTL early), as real resolvers' caches do.
   */
  resolve(client = 0, clients = 1): Endpoint {
    const now = this.o.now();
    const cache = this.caches.get(client);
    if (!cache || now >= cache.expires) {
      const answer = this.authoritative();
      if (cache && cache.answer !== answer) this.note(`client ${client}: resolver cache now ${answer}`);
      const phase = cache ? 0 : Math.round((this.o.ttlMs * client) / clients);
      this.caches.set(client, { answer, expires: now + this.o.ttlMs - phase });
      return answer;
    }
    return cache.answer;
  }

  /** Runs the checks that are due; call it often. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = this.o.now();
      const due: Array<[Endpoint, Checker]> = [];
      for (const e of ["primary", "secondary"] as const) for (const c of this.checkers[e]) if (c.nextAt <= now) due.push([e, c]);
      const work: Array<Promise<void>> = due.map(async ([e, c]) => {
        c.nextAt += this.o.intervalMs;
        while (c.nextAt <= now) c.nextAt += this.o.intervalMs; // never queue up missed checks
        const ok = await this.o.check(e).catch(() => false);
        c.last = ok;
        if (ok === c.healthy) {
          c.streak = 0;
        } else if (++c.streak >= this.o.failureThreshold) {
          c.healthy = ok;
          c.streak = 0;
        }
      });
      if (now - this.targetsAt >= this.o.intervalMs) {
        this.targetsAt = now;
        work.push(
          ...(["primary", "secondary"] as const).map(async (e) => {
            const v = await this.o.targetHealthy(e).catch(() => null);
            if (v !== null) this.targets[e] = v;
          }),
        );
      }
      await Promise.all(work);
      this.observe();
    } finally {
      this.busy = false;
    }
  }

  healthChecks(): HealthCheckState[] {
    const ep = (role: Endpoint): HealthCheckState => {
      const cs = this.checkers[role];
      return { role, id: role, healthy: this.endpointHealthy(role), detail: `${cs.filter((c) => c.healthy).length}/${cs.length} checkers healthy; alias target ${this.targets[role] ? "healthy" : "unhealthy"}` };
    };
    const gate: HealthCheckState = {
      role: "primary-gate" as HealthCheckRole,
      id: "primary-gate",
      healthy: this.gateHealthy(),
      healthThreshold: this.threshold,
      children: 1,
      detail: `CALCULATED over primary, threshold ${this.threshold}: ${this.gateHealthy() ? "healthy" : "unhealthy"}`,
    };
    return [ep("primary"), ep("secondary"), gate];
  }

  private note(what: string): void {
    this.events.push({ at: this.o.now(), what });
  }

  /** Records every change of endpoint health, gate and answer. */
  private observe(): void {
    const state = `primary ${this.endpointHealthy("primary") ? "healthy" : "unhealthy"}, secondary ${this.endpointHealthy("secondary") ? "healthy" : "unhealthy"}, gate ${this.gateHealthy() ? "healthy" : "unhealthy"}, targets ${this.targets.primary ? "up" : "down"}/${this.targets.secondary ? "up" : "down"}`;
    if (state !== this.lastState) this.note(state);
    this.lastState = state;
    const a = this.authoritative();
    if (a !== this.lastAnswer) this.note(`Route53 answers ${a.toUpperCase()}`);
    this.lastAnswer = a;
  }
}
