import type { RequestRecord } from "./client";

/**
 * What a drill scenario measured, computed from the request records, the
 * resolver's events, the runbook's journal and what the databases hold at
 * the end.
 *
 * - RTO (per client): from its first failed request after the event to the
 *   completion of its first successful write answered by the region that
 *   holds the writer at the end; 0 for a client that never failed.
 * - RPO: acknowledged writes (201) whose token (the note's title, unique per
 *   write) is not in the final writer, checked by content, not by id (after a
 *   split brain two databases give the same ids to different rows).
 * - Writes that landed on a fenced or old database: tokens present there and
 *   not in the final writer, split into acknowledged ones (lost for the
 *   client) and ones nobody was told about (a request cut off mid-way whose
 *   insert still committed there: flagged, not an acknowledged loss).
 */

export interface Mark {
  /** ms since the scenario's time origin. */
  readonly at: number;
  readonly label: string;
}

export interface ScenarioInput {
  readonly name: string;
  readonly title: string;
  /** ms since origin when the fault (or the runbook, for a switchover) happened. */
  readonly eventAt: number;
  readonly records: readonly RequestRecord[];
  readonly marks: readonly Mark[];
  /** The region (X-Drweb-Region) whose database is the writer at the end. */
  readonly finalRegion: string | null;
  /** Tokens (titles) in the final writer; null if it could not be read. */
  readonly finalTokens: ReadonlySet<string> | null;
  /** Tokens in the other region's database when it is a standalone (fenced, old) writer; null: none, or a replica. */
  readonly fencedTokens: ReadonlySet<string> | null;
  /** What the runbook did, in a few words. */
  readonly runbookOutcome: string;
  /** Each run's actions (the journal's action lines). */
  readonly runbookActions: readonly string[];
  /** Modelled budget, scaled (ms); 0: none (no failover expected). */
  readonly budgetMs: number;
}

export interface ScenarioMetrics {
  readonly name: string;
  readonly title: string;
  readonly requests: { readonly total: number; readonly ok: number; readonly failed: number; readonly writesAcked: number; readonly reads: number; readonly writes: number; readonly failedWrites: number };
  readonly firstFailureAt: number | null;
  readonly recoveredAt: number | null;
  /** The worst client's RTO. */
  readonly rtoSeconds: number | null;
  /** Each client's RTO (its own resolver cache). */
  readonly rtoPerClient: ReadonlyArray<{ readonly client: number; readonly rtoSeconds: number | null }>;
  readonly budgetSeconds: number;
  readonly rtoWithinBudget: boolean | null;
  readonly finalRegion: string | null;
  readonly rpo: {
    readonly ackedWrites: number;
    /** Acknowledged writes whose token is not in the final writer. */
    readonly lost: number;
    readonly lostTokens: readonly string[];
    /** Acknowledged writes found only on a fenced/old database. */
    readonly ackedOnFencedOnly: number;
    /** Rows only on a fenced/old database that no client was told about. */
    readonly unackedOnFencedOnly: number;
    readonly fencedChecked: boolean;
    readonly finalChecked: boolean;
  };
  readonly runbookOutcome: string;
  readonly runbookActions: readonly string[];
  /** ms since origin of the event; marks are ms since origin too. */
  readonly eventAt: number;
  readonly marks: readonly Mark[];
}

const s = (ms: number) => Math.round(ms) / 1000;

/** One client's outage: first failed request after the event, first successful write on the final region after that. */
function outage(recs: readonly RequestRecord[], eventAt: number, finalRegion: string | null) {
  const after = recs.filter((r) => r.t >= eventAt);
  const firstFailure = after.find((r) => !r.ok) ?? null;
  const recovered = firstFailure ? (after.find((r) => r.op === "write" && r.ok && r.region === finalRegion && r.t > firstFailure.t) ?? null) : null;
  const recoveredAt = recovered ? recovered.t + recovered.latencyMs : null;
  const rtoMs = firstFailure ? (recoveredAt === null ? null : recoveredAt - firstFailure.t) : 0;
  return { firstFailure, recoveredAt, rtoMs };
}

export function analyse(x: ScenarioInput): ScenarioMetrics {
  const recs = [...x.records].sort((a, b) => a.t - b.t);
  const clients = [...new Set(recs.map((r) => r.client))].sort((a, b) => a - b);
  const per = clients.map((c) => ({ client: c, ...outage(recs.filter((r) => r.client === c), x.eventAt, x.finalRegion) }));
  const worst = per.reduce((w, p) => (p.rtoMs === null || (w.rtoMs !== null && p.rtoMs > w.rtoMs) ? p : w), per[0]);
  const firstFailure = per.map((p) => p.firstFailure).filter((f) => f !== null).sort((a, b) => a!.t - b!.t)[0] ?? null;
  const acked = recs.filter((r) => r.op === "write" && r.ok && r.token !== undefined);
  const ackedTokens = new Set(acked.map((r) => r.token!));
  const lost = x.finalTokens ? acked.filter((r) => !x.finalTokens!.has(r.token!)) : [];
  const onlyFenced = x.fencedTokens && x.finalTokens ? [...x.fencedTokens].filter((t) => !x.finalTokens!.has(t)) : [];
  const ackedOnFencedOnly = onlyFenced.filter((t) => ackedTokens.has(t)).length;
  return {
    name: x.name,
    title: x.title,
    requests: {
      total: recs.length,
      ok: recs.filter((r) => r.ok).length,
      failed: recs.filter((r) => !r.ok).length,
      writesAcked: acked.length,
      reads: recs.filter((r) => r.op === "read").length,
      writes: recs.filter((r) => r.op === "write").length,
      failedWrites: recs.filter((r) => r.op === "write" && !r.ok).length,
    },
    firstFailureAt: firstFailure?.t ?? null,
    recoveredAt: worst?.recoveredAt ?? null,
    rtoSeconds: worst ? (worst.rtoMs === null ? null : s(worst.rtoMs)) : null,
    rtoPerClient: per.map((p) => ({ client: p.client, rtoSeconds: p.rtoMs === null ? null : s(p.rtoMs) })),
    budgetSeconds: s(x.budgetMs),
    rtoWithinBudget: x.budgetMs > 0 && worst ? worst.rtoMs !== null && worst.rtoMs <= x.budgetMs : null,
    finalRegion: x.finalRegion,
    rpo: {
      ackedWrites: acked.length,
      lost: lost.length,
      lostTokens: lost.slice(0, 50).map((r) => r.token!),
      ackedOnFencedOnly,
      unackedOnFencedOnly: onlyFenced.length - ackedOnFencedOnly,
      fencedChecked: x.fencedTokens !== null,
      finalChecked: x.finalTokens !== null,
    },
    runbookOutcome: x.runbookOutcome,
    runbookActions: x.runbookActions,
    eventAt: x.eventAt,
    marks: [...x.marks].sort((a, b) => a.at - b.at),
  };
}

/** Success rate and latency per time bucket. */
export function buckets(records: readonly RequestRecord[], bucketMs: number): Array<{ t: number; total: number; ok: number; p50: number; max: number }> {
  if (!records.length) return [];
  const end = Math.max(...records.map((r) => r.t));
  const out: Array<{ t: number; total: number; ok: number; p50: number; max: number }> = [];
  for (let t = Math.floor(Math.min(...records.map((r) => r.t)) / bucketMs) * bucketMs; t <= end; t += bucketMs) {
    const inB = records.filter((r) => r.t >= t && r.t < t + bucketMs);
    const lat = inB.map((r) => r.latencyMs).sort((a, b) => a - b);
    out.push({ t, total: inB.length, ok: inB.filter((r) => r.ok).length, p50: lat.length ? lat[Math.floor(lat.length / 2)] : 0, max: lat.length ? lat[lat.length - 1] : 0 });
  }
  return out;
}

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An SVG chart: success rate per bucket (top) and every request's latency (bottom), with the drill's marks and the budget. */
export function chartSvg(m: ScenarioMetrics, records: readonly RequestRecord[], eventAt: number, bucketMs: number): string {
  const W = 960;
  const L = 64;
  const R = 24;
  const top = { y: 48, h: 170 };
  const bot = { y: 260, h: 170 };
  const marks: Array<{ at: number; label: string; color: string }> = [
    { at: eventAt, label: `event: ${m.marks.find((mk) => mk.at === eventAt)?.label ?? m.title}`, color: "#000" },
    ...m.marks.map((mk) => ({ at: mk.at, label: mk.label, color: "#ff7f0e" })),
    ...(m.recoveredAt === null ? [] : [{ at: m.recoveredAt, label: `worst client's first successful write on ${m.finalRegion ?? "?"}: RTO ${m.rtoSeconds} s`, color: "#2ca02c" }]),
    ...(m.budgetSeconds > 0 ? [{ at: eventAt + m.budgetSeconds * 1000, label: `modelled budget: event + ${m.budgetSeconds} s`, color: "#9467bd" }] : []),
  ].sort((a, b) => a.at - b.at);
  const legendY = bot.y + bot.h + 48;
  const H = legendY + marks.length * 15 + 12;
  const t0 = Math.min(...records.map((r) => r.t), eventAt);
  const t1 = Math.max(...records.map((r) => r.t + r.latencyMs), eventAt + m.budgetSeconds * 1000) + 250;
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const maxLat = Math.max(50, ...records.map((r) => r.latencyMs));
  const yLat = (ms: number) => bot.y + bot.h - (Math.log10(1 + ms) / Math.log10(1 + maxLat)) * bot.h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14" font-weight="bold">${esc(m.title)}: RTO ${m.rtoSeconds ?? "n/a"} s, ${m.rpo.lost} of ${m.rpo.ackedWrites} acknowledged writes lost, ${m.rpo.ackedOnFencedOnly} on a fenced primary only; runbook: ${esc(m.runbookOutcome)}</text>`,
    `<text x="${L}" y="${top.y - 8}">success rate per ${bucketMs} ms (all requests of all clients)</text>`,
    `<text x="${L}" y="${bot.y - 8}">latency per request, ms (log scale; green ok, red failed)</text>`,
  ];
  for (const p of [top, bot]) parts.push(`<rect x="${L}" y="${p.y}" width="${W - L - R}" height="${p.h}" fill="none" stroke="#999"/>`);
  for (const v of [0, 50, 100]) {
    const y = top.y + top.h - (v / 100) * top.h;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${v}%</text>`);
  }
  for (const v of [1, 10, 100, 1000, 10000].filter((v) => v <= maxLat)) {
    const y = yLat(v);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${v}</text>`);
  }
  const step = Math.max(1, Math.ceil((t1 - t0) / 1000 / 12));
  for (let sec = Math.ceil((t0 - eventAt) / 1000 / step) * step; eventAt + sec * 1000 <= t1; sec += step) {
    const xx = x(eventAt + sec * 1000);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${bot.y + bot.h}" y2="${bot.y + bot.h + 4}" stroke="#333"/><text x="${xx}" y="${bot.y + bot.h + 16}" text-anchor="middle">${sec}s</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${bot.y + bot.h + 32}" text-anchor="middle">seconds after the event</text>`);
  const bs = buckets(records, bucketMs);
  const pts = bs.filter((b) => b.total).map((b) => `${x(b.t + bucketMs / 2).toFixed(1)},${(top.y + top.h - (b.ok / b.total) * top.h).toFixed(1)}`);
  parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
  for (const r of records) parts.push(`<circle cx="${x(r.t).toFixed(1)}" cy="${yLat(r.latencyMs).toFixed(1)}" r="1.6" fill="${r.ok ? "#2ca02c" : "#d62728"}" fill-opacity="0.6"/>`);
  // Marks: a dashed line with a number on top; the legend below says what each is.
  marks.forEach((mk, i) => {
    const xx = x(mk.at).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${top.y}" y2="${bot.y + bot.h}" stroke="${mk.color}" stroke-dasharray="4 3"/>`);
    parts.push(`<circle cx="${xx}" cy="${top.y + 10 + (i % 4) * 16}" r="7" fill="white" stroke="${mk.color}"/><text x="${xx}" y="${top.y + 14 + (i % 4) * 16}" text-anchor="middle" fill="${mk.color}" font-size="10">${i + 1}</text>`);
    parts.push(`<text x="${L}" y="${legendY + i * 15}" fill="${mk.color}">${i + 1}. ${((mk.at - eventAt) / 1000).toFixed(2)} s: ${esc(mk.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

export function markdown(opts: {
  command: string;
  timeScale: number;
  budget: { detectionSeconds: number; ttlSeconds: number; totalSeconds: number };
  healthCheck: string;
  runbookSettings: string;
  scenarios: readonly ScenarioMetrics[];
  charts: Record<string, string>;
  checks: Record<string, ReadonlyArray<readonly [string, boolean]>>;
  leftovers: readonly string[];
}): string {
  const b = opts.budget;
  const k = opts.timeScale;
  const lines = [
    "# DR drill report",
    "",
    `Command: \`${opts.command}\``,
    "",
    `Time scale ${k}: every interval of the model runs ${k === 1 ? "at production speed" : `${1 / k}x faster`} (Route53 checks, the alias TTL, the ALB-like health checks and deregistration delay, PostgreSQL's WAL receiver timeout, the app's role cache, the runbook's polls, timeouts and windows).`,
    `Health checks: ${opts.healthCheck}.`,
    `Runbook: ${opts.runbookSettings}.`,
    `Modelled DNS budget (failoverBudget): detection ${b.detectionSeconds} s + alias TTL ${b.ttlSeconds} s = ${b.totalSeconds} s, scaled ${(b.totalSeconds * k).toFixed(2)} s (a switchover's and an unplanned failover's budget adds the runbook's own steps: see each scenario).`,
    "",
    "| scenario | runbook | RTO worst client (s) | RTO per client (s) | failed requests | acknowledged writes | lost | acked on a fenced primary only | unacked rows on a fenced primary only | checks |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...opts.scenarios.map((m) => {
      const c = opts.checks[m.name] ?? [];
      const failed = c.filter(([, ok]) => !ok).length;
      return `| ${m.title} | ${m.runbookOutcome} | ${m.rtoSeconds ?? "n/a"} | ${m.rtoPerClient.map((x) => x.rtoSeconds ?? "n/a").join(", ")} | ${m.requests.failed} of ${m.requests.total} | ${m.requests.writesAcked} | ${m.rpo.finalChecked ? m.rpo.lost : "unread"} | ${m.rpo.fencedChecked ? m.rpo.ackedOnFencedOnly : "n/a"} | ${m.rpo.fencedChecked ? m.rpo.unackedOnFencedOnly : "n/a"} | ${c.length ? (failed ? `**${failed} failed**` : `${c.length} passed`) : "-"} |`;
    }),
    "",
    "RTO: per client (each with its own resolver cache, at a different phase of the TTL), from its first failed request after the event to the completion of its first successful write answered by the region that holds the writer at the end (0: it never failed). Lost: acknowledged writes (201) whose unique token is not in the final writer. On a fenced primary only: tokens found only in the other region's standalone database (acknowledged ones would be losses; unacknowledged ones are inserts whose request was cut off).",
    "",
  ];
  for (const m of opts.scenarios) {
    lines.push(`## ${m.title}`, "", `![${m.name}](${opts.charts[m.name]})`, "", `Runbook: ${m.runbookOutcome}. Final writer: ${m.finalRegion ?? "none"}.`, "");
    if (m.runbookActions.length) lines.push("What the runbook did:", "", ...m.runbookActions.map((a) => `- ${a}`), "");
    lines.push("| t (s, after the event) | what |", "| --- | --- |");
    for (const mk of m.marks) lines.push(`| ${((mk.at - m.eventAt) / 1000).toFixed(3)} | ${mk.label} |`);
    const c = opts.checks[m.name] ?? [];
    if (c.length) lines.push("", "Checks:", "", ...c.map(([what, ok]) => `- ${ok ? "PASS" : "**FAIL**"} ${what}`));
    if (m.rpo.lost) lines.push("", `Lost acknowledged writes (tokens): ${m.rpo.lostTokens.join(", ")}${m.rpo.lost > m.rpo.lostTokens.length ? ", ..." : ""}`);
    lines.push("");
  }
  lines.push(`Processes left running after the drill: ${opts.leftovers.length ? opts.leftovers.join(", ") : "none"}.`, "");
  return lines.join("\n");
}
