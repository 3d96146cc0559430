import type { RegionRole } from "../../src/config";
import type { AlertExpectation } from "./alert-expectations";
import type { DrillPrometheus, PrometheusTimings, SeriesSamples } from "./prometheus";

/**
 The check of what the real Prometheus (src/drill/prometheus.ts) did against
 * the drill's alert expectations (alert-expectations.ts): the alert episodes
 * read from its samples, their deadlines, and the verdict. A scenario fails
 * when an alert that must fire has not fired by its deadline, or one that
 * must stay silent fired, or was still pending when the observation ended (it
 * would page once its `for` ran out). Deadlines and the observation window come from the
 * rules' scaled `for` and the scaled scrape, evaluation and discovery
 * intervals plus a margin for a busy machine (alertDeadline, silenceWindow),
 * never from fixed numbers.
 */


/** One alert instance's life: epoch ms, null when it did not happen in the observed window. */
export interface AlertEpisode {
  readonly alertname: string;
  /** Its labels, without alertname and alertstate. */
  readonly labels: Record<string, string>;
  readonly pendingAt: number | null;
  readonly firingAt: number | null;
  /** When it stopped (resolved, or a pending one cleared); null: still active at the end. */
  readonly endedAt: number | null;
  /** When Alertmanager's first notification of it (firing) reached the receiver; null: none; undefined: no Alertmanager. */
  readonly notifiedAt?: number | null;
}

/** An alert instance's identity: its labels without alertstate. */
export const alertKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== "alertstate" && k !== "__name__").sort(([a], [b]) => a.localeCompare(b)));

/**
 * Episodes from the raw samples of the ALERTS series (one sample per
 * evaluation while an alert is pending or firing, stamped by Prometheus).
 * An alert's samples are one episode while consecutive ones are less than
 * `gapMs` apart (a missed evaluation on a busy machine is not a new alert).
 * The last episode of an alert is still active when `active` (the alerts
 * Prometheus holds at endMs, by alertKey) has it, or, without `active`,
 * when its last sample is within `gapMs` of `endMs`. endedAt = the last
 * sample + one evaluation interval (the evaluation that no longer found it).
 */
export function episodesFromSamples(series: readonly SeriesSamples[], evaluationMs: number, endMs: number, active?: ReadonlySet<string>, gapMs = 2.5 * evaluationMs): AlertEpisode[] {
  const byAlert = new Map<string, { labels: Record<string, string>; points: Array<{ t: number; state: string }> }>();
  for (const s of series) {
    const k = alertKey(s.labels);
    const entry = byAlert.get(k) ?? { labels: s.labels, points: [] };
    for (const [t] of s.samples) entry.points.push({ t, state: s.labels.alertstate });
    byAlert.set(k, entry);
  }
  const out: AlertEpisode[] = [];
  for (const [k, { labels, points }] of byAlert.entries()) {
    points.sort((a, b) => a.t - b.t);
    const { alertname, alertstate: _s, __name__: _n, ...rest } = labels;
    let cur: { pendingAt: number | null; firingAt: number | null; last: number } | null = null;
    const close = (c: NonNullable<typeof cur>, last: boolean) => {
      const open = last && (active ? active.has(k) : endMs - c.last < gapMs);
      out.push({ alertname, labels: rest, pendingAt: c.pendingAt, firingAt: c.firingAt, endedAt: open ? null : c.last + evaluationMs });
    };
    for (const p of points) {
      if (cur && p.t - cur.last >= gapMs) {
        close(cur, false);
        cur = null;
      }
      cur ??= { pendingAt: null, firingAt: null, last: p.t };
      if (p.state === "pending" && cur.pendingAt === null && cur.firingAt === null) cur.pendingAt = p.t;
      if (p.state === "firing" && cur.firingAt === null) cur.firingAt = p.t;
      cur.last = p.t;
    }
    if (cur) close(cur, true);
  }
  return out.sort((a, b) => (a.pendingAt ?? a.firingAt ?? 0) - (b.pendingAt ?? b.firingAt ?? 0));
}

/** The drill's timings an alert's deadline depends on. */
export interface AlertTimingModel extends PrometheusTimings {
  /** Scaled `for` of each alert. */
  readonly forMs: Readonly<Record<string, number>>;
  /** How long the app takes to notice a role change (its scaled role poll plus its connect timeout). */
  readonly appNoticeMs: number;
  /** Alertmanager's scaled group_wait (a firing alert's first notification follows it); undefined: no Alertmanager. */
  readonly notifyMs?: number;
}

/**
 * The latest an alert that must fire may fire after its anchor: the app
 * notices (appNoticeMs), the next scrape and its timeout, an evaluation
 * step (a subquery sees it), the rule's `for`, one more evaluation; then x1.5
 * + 5 s for a busy machine (the drill waits only until it fires, so the
 * margin costs nothing when it does).
 */
export function alertDeadlineMs(alert: string, m: AlertTimingModel): number {
  const nominal = m.appNoticeMs + m.scrapeMs + m.scrapeTimeoutMs + m.evaluationMs + (m.forMs[alert] ?? 0) + m.evaluationMs;
  return Math.round(nominal * 1.5 + 5000);
}

/** The latest the first notification of an alert that must fire may arrive: its deadline, then group_wait (x1.5). */
export function notifyDeadlineMs(alert: string, m: AlertTimingModel): number {
  return alertDeadlineMs(alert, m) + Math.round((m.notifyMs ?? 0) * 1.5);
}

/**
 * How long after its anchor (the fault, or the promotion if later) a
 * condition can take to show in Prometheus at all: the app notices, the
 * next scrape, two evaluations (a subquery step, the rule). The drill
 * watches at least this long, so an alert that must stay silent had its
 * chance to go pending.
 */
export function onsetWindowMs(m: AlertTimingModel): number {
  return m.appNoticeMs + m.scrapeMs + 2 * m.evaluationMs;
}

/**
 * How long a transient pending state may take to clear (a scaled-down
 * instance until discovery drops it; a region's series until it goes
 * stale): the discovery delay, the onset window and a scrape, x1.5 for a
 * busy machine. An alert that must stay silent and is still pending this
 * long after the last anchor counts as firing-to-be.
 */
export function silenceWindowMs(m: AlertTimingModel): number {
  return Math.round((m.discoveryDelayMs + onsetWindowMs(m) + m.scrapeMs) * 1.5);
}

export interface ExpectationResult {
  readonly expectation: AlertExpectation;
  readonly ok: boolean;
  /** One line: what happened against what was expected. */
  readonly detail: string;
  readonly episodes: readonly AlertEpisode[];
}

export interface CheckContext {
  /** AWS region of each role. */
  readonly regions: Record<RegionRole, string>;
  /** epoch ms of the fault and (if it happened) of the promotion. */
  readonly faultAt: number;
  readonly promotedAt: number | null;
  /** End of the observation (epoch ms). */
  readonly endAt: number;
  readonly timing: AlertTimingModel;
}

/** The episodes an expectation is about. */
export function matching(e: AlertExpectation, episodes: readonly AlertEpisode[], regions: Record<RegionRole, string>): AlertEpisode[] {
  return episodes.filter((ep) => ep.alertname === e.alert && (e.region === undefined || ep.labels.region === regions[e.region]));
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** Checks every expectation against the episodes observed from before the fault to endAt. */
export function checkExpectations(expectations: readonly AlertExpectation[], episodes: readonly AlertEpisode[], ctx: CheckContext): ExpectationResult[] {
  return expectations.map((e) => {
    const eps = matching(e, episodes, ctx.regions);
    const fired = eps.filter((ep) => ep.firingAt !== null);
    if (e.verdict === "either") return { expectation: e, ok: true, detail: fired.length ? `fired ${fired.length}x (not asserted)` : "did not fire (not asserted)", episodes: eps };
    if (e.verdict === "silent") {
      if (fired.length) return { expectation: e, ok: false, detail: `fired at +${sec(fired[0].firingAt! - ctx.faultAt)} s after the fault (must stay silent)`, episodes: eps };
      const stillPending = eps.filter((ep) => ep.endedAt === null);
      if (stillPending.length) return { expectation: e, ok: false, detail: `still pending at the end of the observation (+${sec(ctx.endAt - ctx.faultAt)} s): it would fire`, episodes: eps };
      const cleared = eps.length ? `, pending ${eps.length}x and cleared` : "";
      return { expectation: e, ok: true, detail: `silent through +${sec(ctx.endAt - ctx.faultAt)} s${cleared}`, episodes: eps };
    }
    const anchorAt = e.anchor === "promotion" ? ctx.promotedAt : ctx.faultAt;
    if (anchorAt === null) return { expectation: e, ok: false, detail: "its anchor (the promotion) never happened", episodes: eps };
    const deadline = anchorAt + alertDeadlineMs(e.alert, ctx.timing);
    const inTime = fired.filter((ep) => ep.firingAt! >= ctx.faultAt && ep.firingAt! <= deadline);
    if (inTime.length && ctx.timing.notifyMs !== undefined) {
      const notifyBy = anchorAt + notifyDeadlineMs(e.alert, ctx.timing);
      const notified = inTime.find((ep) => typeof ep.notifiedAt === "number" && ep.notifiedAt <= notifyBy);
      const what = `fired at +${sec(inTime[0].firingAt! - anchorAt)} s after the ${e.anchor ?? "fault"} (deadline +${sec(deadline - anchorAt)} s)`;
      if (!notified) return { expectation: e, ok: false, detail: `${what}, but no notification by +${sec(notifyBy - anchorAt)} s`, episodes: eps };
      return { expectation: e, ok: true, detail: `${what}, notified at +${sec(notified.notifiedAt! - anchorAt)} s`, episodes: eps };
    }
    if (inTime.length) return { expectation: e, ok: true, detail: `fired at +${sec(inTime[0].firingAt! - anchorAt)} s after the ${e.anchor ?? "fault"} (deadline +${sec(deadline - anchorAt)} s)`, episodes: eps };
    const late = fired.find((ep) => ep.firingAt! > deadline);
    return { expectation: e, ok: false, detail: late ? `fired late: +${sec(late.firingAt! - anchorAt)} s (deadline +${sec(deadline - anchorAt)} s)` : `did not fire by +${sec(deadline - anchorAt)} s after the ${e.anchor ?? "fault"}`, episodes: eps };
  });
}

/**
 * Waits (polling the live alerts) until the scenario can be judged: every
 * "fires" expectation has fired or passed its deadline, the onset window
 * after the last anchor has passed, and no alert that must stay silent is
 * pending (or the silence window after the last anchor is over). Returns
 * the end of the observation (epoch ms).
 */
export async function observeAlerts(
  prom: Pick<DrillPrometheus, "alerts">,
  expectations: readonly AlertExpectation[],
  ctx: Omit<CheckContext, "endAt">,
  opts: { notBefore?: number; pollMs?: number; notified?: (e: AlertExpectation) => boolean } = {},
): Promise<number> {
  const must = expectations.filter((e) => e.verdict === "fires");
  const silent = expectations.filter((e) => e.verdict === "silent");
  const lastAnchor = Math.max(ctx.faultAt, ctx.promotedAt ?? ctx.faultAt);
  const onsetEnd = Math.max(opts.notBefore ?? 0, lastAnchor + onsetWindowMs(ctx.timing));
  const silenceEnd = lastAnchor + silenceWindowMs(ctx.timing);
  const deadline = Math.max(onsetEnd, ...must.map((e) => ((e.anchor === "promotion" ? ctx.promotedAt : ctx.faultAt) ?? ctx.faultAt) + notifyDeadlineMs(e.alert, ctx.timing)));
  const firing = new Set<string>();
  const is = (e: AlertExpectation, labels: Record<string, string>) => labels.alertname === e.alert && (e.region === undefined || labels.region === ctx.regions[e.region]);
  for (;;) {
    const active = await prom.alerts().catch(() => null);
    // The time of the answer, not of the question: an alert the answer shows cleared was cleared by then (a clock read
    // before the request could be a millisecond before the moment the answer describes).
    const now = Date.now();
    for (const a of active ?? []) if (a.state === "firing") firing.add(alertKey(a.labels));
    const allFired = must.every((e) => [...firing].some((k) => is(e, Object.fromEntries(JSON.parse(k) as Array<[string, string]>))) && (opts.notified?.(e) ?? true));
    // An alert that must stay silent and is pending is judged when it clears, or when its `for` has run out (then it fires): the
    // verdict is due at activeAt + for + two evaluations (a rate window can hold a recovered blip for its length, so the silence
    // window alone would end the observation with the question open).
    const pendingSilent = (active ?? []).filter((a) => a.state === "pending" && silent.some((e) => is(e, a.labels)));
    const verdictDue = Math.max(silenceEnd, ...pendingSilent.map((a) => (a.activeAt ?? now) + (ctx.timing.forMs[a.labels.alertname] ?? 0) + 2 * ctx.timing.evaluationMs));
    const silentPending = active === null || active.some((a) => silent.some((e) => is(e, a.labels)));
    if ((allFired || now >= deadline) && now >= onsetEnd && (!silentPending || now >= verdictDue)) return now;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

/**
 * Every episode since `sinceMs`, from the TSDB (exact evaluation
 * timestamps), with what is still active now from the alerts API.
 */
export async function alertEpisodes(prom: Pick<DrillPrometheus, "rawSamples" | "alerts">, sinceMs: number, evaluationMs: number): Promise<AlertEpisode[]> {
  const active = new Set((await prom.alerts()).map((a) => alertKey(a.labels)));
  const endMs = Date.now();
  const series = await prom.rawSamples("ALERTS", endMs - sinceMs + 1000);
  return episodesFromSamples(series, evaluationMs, endMs, active).filter((ep) => (ep.pendingAt ?? ep.firingAt ?? 0) >= sinceMs - 1000);
}

/** A notification's alerts, as Alertmanager's webhook sends them. */
export interface NotificationLike {
  readonly at: number;
  readonly alerts: ReadonlyArray<{ readonly status: string; readonly labels: Record<string, string> }>;
}

/** Each episode with the first firing notification of it that arrived after it fired (null: none). */
export function withNotifications(episodes: readonly AlertEpisode[], notifications: readonly NotificationLike[], evaluationMs: number): AlertEpisode[] {
  return episodes.map((ep) => {
    const k = alertKey({ alertname: ep.alertname, ...ep.labels });
    const n = ep.firingAt === null ? undefined : notifications.find((x) => x.at >= ep.firingAt! - evaluationMs && x.alerts.some((a) => a.status === "firing" && alertKey(a.labels) === k));
    return { ...ep, notifiedAt: n ? n.at : null };
  });
}
