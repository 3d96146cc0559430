import { FAILOVER_DESIGN, type FailoverDesign, type FailoverSwitch, HEALTH_CHECK_ROLES, type HealthCheckRole } from "../../src/dns/contract";
import { type AlarmStream, checkHealthy, failoverAnswer, type Route53World } from "../../src/dns/route53-model";
import type { HealthCheckState, OutageState, SwitchState } from "../../src/dr/platform";

/**
 * A stand-in for Route53 failover routing and a caching resolver, with the
 * semantics the dns stack relies on (src/dns/failover-records.ts):
 *
 * - an HTTP health check per region on the deep-readiness path, run by one
 *   checker per configured checker region, each every request interval
 *   (staggered, as Route53's checkers are not synchronised); a checker flips
 *   its verdict after `failureThreshold` consecutive opposite results; the
 *   endpoint is healthy while more than 18% of checkers say so;
 * - the failover switch as on AWS (src/dns/failover-switch.ts): the runbook
 *   writes a metric (putSwitchMetric, PutMetricData's stand-in); an alarm
 *   takes the Maximum of the last period and keeps its state when there is
 *   no data (treat_missing_data "ignore"); Route53's switch checks read the
 *   data stream once per request interval (an assumption: AWS does not say
 *   how often) and keep their last known status when it is empty;
 * - the health checks and records of FAILOVER_DESIGN (the dns stack declares
 *   exactly that design: __tests__/dns/failover-model.test.ts), evaluated
 *   with Route53's documented rules (src/dns/route53-model.ts: calculated
 *   checks, inversion, evaluate target health, "if no record is healthy, all
 *   records are healthy");
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
  /** The failover switch (failoverSwitch(config)): its values and period. */
  readonly switch: Pick<FailoverSwitch, "forcedValue" | "alarmName" | "region">;
  /** The switch alarm's period in ms (60 s, scaled like the interval). */
  readonly switchPeriodMs: number;
  /** The design evaluated. @default FAILOVER_DESIGN */
  readonly design?: FailoverDesign;
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
  private readonly design: FailoverDesign;
  /** Datapoints of the switch metric. */
  private readonly datapoints: Array<{ at: number; value: number }> = [];
  /** The switch alarm's state (what DescribeAlarms reads). */
  private alarmState: AlarmStream = "INSUFFICIENT_DATA";
  /** The switch alarm's data stream as Route53 last read it. */
  private stream: AlarmStream = "INSUFFICIENT_DATA";
  private streamAt: number;
  /** CLOUDWATCH_METRIC checks' status the last time the stream had data. */
  private readonly lastKnown = new Map<string, boolean>();
  private readonly caches = new Map<number, { answer: Endpoint; expires: number }>();
  private lastAnswer: Endpoint | null = null;
  private lastState = "";
  /** Since when each endpoint's aggregated verdict has been unhealthy (null: healthy). */
  private readonly unhealthySince: Record<Endpoint, number | null> = { primary: null, secondary: null };
  /** When the last checker result came in. */
  private lastSampleAt: number;
  /** Per client: when its resolver cache last changed answer, and to what. */
  readonly cacheChanges: Array<{ at: number; client: number; answer: Endpoint }> = [];
  private busy = false;
  readonly events: ResolverEvent[] = [];

  constructor(private readonly o: ResolverOptions) {
    const t0 = o.now();
    const n = o.checkerRegions.length;
    const make = (): Checker[] => o.checkerRegions.map((region, i) => ({ region, nextAt: t0 + Math.round((i * o.intervalMs) / n), healthy: true, streak: 0, last: null }));
    this.checkers = { primary: make(), secondary: make() };
    this.design = o.design ?? FAILOVER_DESIGN;
    this.streamAt = t0;
    this.lastSampleAt = t0;
  }

  /**
   * Route53's aggregated verdict on an endpoint over time (what the
   * HealthCheckStatus metric reports on AWS): healthy or not, since when
   * unhealthy, and how old the latest checker result is, all on the
   * stand-in's own clock.
   */
  verdict(e: Endpoint): OutageState {
    const now = this.o.now();
    const healthy = this.endpointHealthy(e);
    const since = this.unhealthySince[e];
    const cs = this.checkers[e];
    return {
      healthy,
      unhealthyForSeconds: healthy || since === null ? 0 : (now - since) / 1000,
      sampleAgeSeconds: (now - this.lastSampleAt) / 1000,
      detail: `Route53 stand-in: ${e} ${healthy ? "healthy" : `unhealthy for ${since === null ? 0 : ((now - since) / 1000).toFixed(1)} s`} (${cs.filter((c) => c.healthy).length}/${cs.length} checkers healthy)`,
    };
  }

  endpointHealthy(e: Endpoint): boolean {
    const cs = this.checkers[e];
    return cs.filter((c) => c.healthy).length / cs.length > HEALTHY_FRACTION;
  }

  private world(): Route53World {
    return {
      endpointHealthy: { primary: this.endpointHealthy("primary"), secondary: this.endpointHealthy("secondary") },
      targetHealthy: { ...this.targets },
      alarm: () => this.stream,
      lastKnown: (id) => this.lastKnown.get(id),
    };
  }

  /** A health check of the design, by its role. */
  checkHealthy(role: HealthCheckRole): boolean {
    return checkHealthy(this.design, role, this.world());
  }

  /** The PRIMARY record's gate. */
  gateHealthy(): boolean {
    return this.checkHealthy("primary-gate");
  }

  /** PutMetricData of the switch metric (the runbook's action). */
  putSwitchMetric(value: number): void {
    this.note(`switch metric <- ${value}`);
    this.datapoints.push({ at: this.o.now(), value });
    this.evaluateAlarm();
    this.observe();
  }

  switchState(): SwitchState {
    const forced = this.alarmState === "ALARM" ? true : this.alarmState === "OK" ? false : null;
    return { forced, alarmState: this.alarmState, detail: `alarm ${this.o.switch.alarmName} (stand-in, ${this.o.switch.region}): ${this.alarmState}; Route53 reads ${this.stream}` };
  }

  /** The Maximum of the switch metric over the last period, if any datapoint. */
  private windowMax(): number | undefined {
    const since = this.o.now() - this.o.switchPeriodMs;
    const inWindow = this.datapoints.filter((d) => d.at > since);
    return inWindow.length ? Math.max(...inWindow.map((d) => d.value)) : undefined;
  }

  /** The alarm: the last period's Maximum against the threshold; no data keeps the state (treat_missing_data "ignore"). */
  private evaluateAlarm(): void {
    const max = this.windowMax();
    if (max !== undefined) this.alarmState = max >= this.o.switch.forcedValue ? "ALARM" : "OK";
  }

  /** Route53 reads the alarm's data stream; the checks that follow it remember their status while it has data. */
  private pollStream(): void {
    const max = this.windowMax();
    this.stream = max === undefined ? "INSUFFICIENT_DATA" : max >= this.o.switch.forcedValue ? "ALARM" : "OK";
    if (this.stream === "INSUFFICIENT_DATA") return;
    const w = this.world();
    for (const [id, spec] of Object.entries(this.design.checks)) if (spec.type === "CLOUDWATCH_METRIC") this.lastKnown.set(id, checkHealthy(this.design, id, w));
  }

  /** What Route53 answers now (no cache). */
  authoritative(): Endpoint {
    return failoverAnswer(this.design, this.world()).target;
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
      if (cache && cache.answer !== answer) {
        this.note(`client ${client}: resolver cache now ${answer}`);
        this.cacheChanges.push({ at: now, client, answer });
      }
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
      this.evaluateAlarm();
      if (now >= this.streamAt) {
        this.streamAt = now + this.o.intervalMs;
        this.pollStream();
      }
      const due: Array<[Endpoint, Checker]> = [];
      for (const e of ["primary", "secondary"] as const) for (const c of this.checkers[e]) if (c.nextAt <= now) due.push([e, c]);
      const work: Array<Promise<void>> = due.map(async ([e, c]) => {
        c.nextAt += this.o.intervalMs;
        while (c.nextAt <= now) c.nextAt += this.o.intervalMs; // never queue up missed checks
        const ok = await this.o.check(e).catch(() => false);
        c.last = ok;
        this.lastSampleAt = this.o.now();
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
    const w = this.world();
    return HEALTH_CHECK_ROLES.map((role): HealthCheckState => {
      const spec = this.design.checks[role];
      const healthy = checkHealthy(this.design, role, w);
      if (spec.type === "ENDPOINT") {
        const cs = this.checkers[spec.endpoint];
        return { role, id: role, healthy, detail: `${cs.filter((c) => c.healthy).length}/${cs.length} checkers healthy; alias target ${this.targets[spec.endpoint] ? "healthy" : "unhealthy"}` };
      }
      if (spec.type === "CALCULATED") {
        return { role, id: role, healthy, healthThreshold: spec.threshold, children: spec.children.length, detail: `CALCULATED over ${spec.children.join(", ")}, threshold ${spec.threshold}: ${healthy ? "healthy" : "unhealthy"}` };
      }
      return { role, id: role, healthy, detail: `follows the switch alarm (stream ${this.stream}${spec.inverted ? ", inverted" : ""}): ${healthy ? "healthy" : "unhealthy"}` };
    });
  }

  private note(what: string): void {
    this.events.push({ at: this.o.now(), what });
  }

  /** Records every change of endpoint health, switch, gates and answer. */
  private observe(): void {
    for (const e of ["primary", "secondary"] as const) {
      const healthy = this.endpointHealthy(e);
      if (healthy) this.unhealthySince[e] = null;
      else this.unhealthySince[e] ??= this.o.now();
    }
    const h = (b: boolean) => (b ? "healthy" : "unhealthy");
    const state = `primary ${h(this.endpointHealthy("primary"))}, secondary ${h(this.endpointHealthy("secondary"))}, switch ${this.alarmState === "ALARM" ? "forced" : this.alarmState === "OK" ? "released" : "unset"} (Route53 reads ${this.stream}), gate ${h(this.gateHealthy())}, secondary-gate ${h(this.checkHealthy("secondary-gate"))}, targets ${this.targets.primary ? "up" : "down"}/${this.targets.secondary ? "up" : "down"}`;
    if (state !== this.lastState) this.note(state);
    this.lastState = state;
    const a = this.authoritative();
    if (a !== this.lastAnswer) this.note(`Route53 answers ${a.toUpperCase()}`);
    this.lastAnswer = a;
  }
}
