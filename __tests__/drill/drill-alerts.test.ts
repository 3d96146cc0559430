// The drill's alert expectations and their check (src/drill/alert-expectations.ts, src/drill/alerts.ts),
// and the rule-file scaling and configuration of its Prometheus
// (src/drill/prometheus.ts): pure functions, no server.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { WEB_SCRAPE_JOB } from "../../src/eks/contract";
import { MONITORING_FILES } from "../../src/monitoring/repo-files";
import { ALERT_EXPECTATIONS, AURORA_RULE_ALERTS, RULE_ALERTS } from "../../src/drill/alert-expectations";
import {
  alertDeadlineMs,
  alertKey,
  type AlertTimingModel,
  checkExpectations,
  episodesFromSamples,
  observeAlerts,
  silenceWindowMs,
} from "../../src/drill/alerts";
import { expectationsTable } from "../../src/drill/live-alerts";
import { drillAlertmanagerConfig, scaledGroupWaitMs } from "../../src/drill/alertmanager";
import { alertmanagerConfig, webScrapeJob } from "../../src/monitoring/values";
import { drillPrometheusConfig, ec2LikeTargetGroups, formatDuration, parseDuration, ruleForDurations, scaledTimings, scaleRuleTimes } from "../../src/drill/prometheus";
import { PROJECT_ROOT } from "../helpers/synth";

const RULES_TEXT = fs.readFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.rules), "utf8");
const REGIONS = { primary: "us-east-2", secondary: "us-west-1" };

describe("the drill's rule file", () => {
  it("parses and formats Prometheus durations", () => {
    expect(parseDuration("3m")).toBe(180_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(() => parseDuration("3 minutes")).toThrow(/not a Prometheus duration/);
    expect(formatDuration(18_000)).toBe("18s");
    expect(formatDuration(1_500)).toBe("1500ms");
  });

  it("is the repository's rule file with every `for:` and every expression range scaled, and nothing else changed", () => {
    const scaled = scaleRuleTimes(RULES_TEXT, 0.1);
    const original = ruleForDurations(RULES_TEXT);
    expect(ruleForDurations(scaled)).toEqual(Object.fromEntries(Object.entries(original).map(([k, v]) => [k, v / 10])));
    expect(original).toMatchObject({ WebTargetsDown: 180_000, WebTooFewHealthyTargets: 120_000, DatabaseWritableInBothRegions: 60_000, DatabaseRoleChanged: 0 });
    // Line by line: only `for:` lines and expression lines with a range differ, by their durations.
    const a = RULES_TEXT.split("\n");
    const b = scaled.split("\n");
    expect(b).toHaveLength(a.length);
    const changed = a.map((l, i) => [l, b[i]]).filter(([x, y]) => x !== y);
    const forLines = changed.filter(([x]) => /^\s+for: \w+$/.test(x));
    expect(forLines.length).toBe(Object.values(original).filter((v) => v > 0).length + 1); // DatabaseReplicaLagHigh has two rules
    const rangeLines = changed.filter(([x]) => !/^\s+for: \w+$/.test(x));
    expect(rangeLines.length).toBeGreaterThanOrEqual(5); // four rate ranges and the role subquery
    for (const [x, y] of rangeLines) {
      expect(x).toMatch(/\[\d+m:?\]/);
      expect(y.replace(/\[[^\]]*\]/g, "[]")).toBe(x.replace(/\[[^\]]*\]/g, "[]"));
    }
    expect(scaled).toContain('rate(drweb_http_errors_total{job="drweb-web"}[12s])'); // WebHighErrorRate's 2m
    expect(scaled).toContain('rate(drweb_http_request_duration_seconds_bucket{job="drweb-web"}[30s])'); // WebHighLatency's 5m
    expect(scaled).toContain('(drweb_db_role{job="drweb-web"} >= 0)[60s:]');
    expect(scaled).not.toMatch(/\[(2m|5m|10m:)\]/);
  });

  it("scales a subquery's step too, and refuses a range outside an expression", () => {
    const rule = (expr: string, extra = "") => `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: ${expr}\n        for: 5m\n${extra}`;
    expect(scaleRuleTimes(rule("max_over_time(up[1h:5m]) == 0"), 0.1)).toContain("max_over_time(up[360s:30s]) == 0");
    expect(() => scaleRuleTimes(rule("up == 0", "        annotations:\n          summary: rate over [5m]\n"), 0.1)).toThrow(/range outside an expression/);
  });

  it("refuses a file whose layout it does not understand rather than change more than `for`", () => {
    // A line of an annotation's block text that looks like a `for:` line.
    const text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n        annotations:\n          note: |\n            for: 5m\n";
    expect(() => scaleRuleTimes(text, 0.1)).toThrow(/changed more than the durations/);
  });

  it("names every alert of the rule file in RULE_ALERTS, and every scenario has an expectation for each", () => {
    const alerts = new Set((parse(RULES_TEXT).groups as Array<{ rules: Array<{ alert?: string }> }>).flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean));
    expect([...alerts].sort()).toEqual([...RULE_ALERTS].sort());
    for (const [scenario, exps] of Object.entries(ALERT_EXPECTATIONS)) {
      // The Aurora scenarios load the Aurora mode's rule file too: its alerts are expected there as well.
      const loaded = scenario.startsWith("aurora-") ? [...RULE_ALERTS, ...AURORA_RULE_ALERTS] : [...RULE_ALERTS];
      expect([...new Set(exps.map((e) => e.alert))].sort(), scenario).toEqual(loaded.sort());
      for (const e of exps) expect(e.why.length, `${scenario} ${e.alert}`).toBeGreaterThan(10);
    }
    // A regional failure must page; a planned switchover must not page for the fenced region.
    expect(ALERT_EXPECTATIONS.unplanned).toContainEqual(expect.objectContaining({ alert: "WebTooFewHealthyTargets", region: "primary", verdict: "fires" }));
    expect(ALERT_EXPECTATIONS.planned).toContainEqual(expect.objectContaining({ alert: "WebTooFewHealthyTargets", verdict: "silent" }));
  });
});

describe("the drill's Alertmanager configuration", () => {
  it("is the production routing with its durations scaled and the SNS receiver replaced by the recorder's webhook", () => {
    const prod: any = alertmanagerConfig("arn:aws:sns:us-east-2:123456789012:t", "us-east-2");
    const drill: any = drillAlertmanagerConfig("http://127.0.0.1:1/notify", 0.1, "us-east-2");
    expect(drill.route).toEqual({ ...prod.route, group_wait: "3s", group_interval: "30s", repeat_interval: "1440s" });
    expect(drill.receivers).toEqual([{ name: "null" }, { name: "sns", webhook_configs: [{ url: "http://127.0.0.1:1/notify", send_resolved: true }] }]);
    expect(prod.receivers.map((r: any) => r.name)).toEqual(drill.receivers.map((r: any) => r.name));
    expect(scaledGroupWaitMs(0.1)).toBe(3000);
  });
});

describe("the expectations table of docs/drill.md (\"Alerts in the drill\")", () => {
  it("is exactly the table ALERT_EXPECTATIONS gives", () => {
    const page = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "drill.md"), "utf8");
    const m = /<!-- alert-expectations:start -->\n([\s\S]*?)\n<!-- alert-expectations:end -->/.exec(page);
    expect(m, "docs/drill.md has the alert-expectations markers").not.toBeNull();
    expect(m![1]).toBe(expectationsTable());
  });
});

describe("the drill's Aurora scenarios", () => {
  it("load the Aurora mode's rule file beside the common one, as that mode deploys both, and expect each of its alerts", () => {
    const aurora = fs.readFileSync(path.join(PROJECT_ROOT, MONITORING_FILES.auroraRules), "utf8");
    const alerts = new Set((parse(aurora).groups as Array<{ rules: Array<{ alert?: string }> }>).flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean));
    expect([...alerts].sort()).toEqual([...AURORA_RULE_ALERTS].sort());
    const cfg: any = drillPrometheusConfig({ timings: scaledTimings(30, 0.1), sdFile: "/tmp/x.json", ruleFile: "/tmp/r.yaml", extraRuleFiles: ["/tmp/drweb-aurora-alerts.yaml"] });
    expect(cfg.rule_files).toEqual(["/tmp/r.yaml", "/tmp/drweb-aurora-alerts.yaml"]);
    const scenarios = Object.keys(ALERT_EXPECTATIONS).filter((s) => s.startsWith("aurora-")).sort();
    expect(scenarios).toEqual(["aurora-db-frozen", "aurora-failback", "aurora-planned", "aurora-unplanned"]);
    for (const s of scenarios) {
      const exps = ALERT_EXPECTATIONS[s as keyof typeof ALERT_EXPECTATIONS];
      // The split brain must be prevented, not only alerted: silent in every Aurora scenario; each promotion is seen.
      expect(exps, s).toContainEqual(expect.objectContaining({ alert: "DatabaseWritableInBothRegions", verdict: "silent" }));
      expect(exps, s).toContainEqual(expect.objectContaining({ alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires" }));
    }
  });
});

describe("the drill's Prometheus configuration", () => {
  it("scrapes with the production web job: its name and relabelling, fed with the meta labels EC2 discovery gives", () => {
    const t = scaledTimings(30, 0.1);
    expect(t).toEqual({ scrapeMs: 3000, evaluationMs: 3000, scrapeTimeoutMs: 3000, sdRefreshMs: 1000, discoveryDelayMs: 11_000 });
    const cfg: any = drillPrometheusConfig({ timings: t, sdFile: "/tmp/x.json", ruleFile: "/tmp/r.yaml" });
    expect(cfg.global).toEqual({ scrape_interval: "3s", evaluation_interval: "3s", scrape_timeout: "3s" });
    const job = cfg.scrape_configs[0];
    const prod: any = webScrapeJob("us-east-2", 9102);
    expect(job.job_name).toBe(WEB_SCRAPE_JOB);
    expect(job.relabel_configs).toEqual(prod.relabel_configs);
    expect(job.file_sd_configs).toEqual([{ files: ["/tmp/x.json"], refresh_interval: "1s" }]);
    const groups = ec2LikeTargetGroups([{ region: "us-west-1", instanceId: "usw1-app1", availabilityZone: "us-west-1c", address: "127.0.0.1:4001" }]);
    expect(groups).toEqual([{ targets: ["127.0.0.1:4001"], labels: expect.objectContaining({ __meta_ec2_instance_id: "usw1-app1", __meta_ec2_region: "us-west-1", __meta_ec2_availability_zone: "us-west-1c" }) }]);
    // Every meta label the production relabelling reads is provided.
    for (const c of prod.relabel_configs) for (const l of c.source_labels ?? []) expect(groups[0].labels).toHaveProperty(l);
  });
});

const TIMING: AlertTimingModel = { ...scaledTimings(30, 0.1), forMs: { WebTargetsDown: 18_000, DatabaseRoleChanged: 0, DatabaseWritableInBothRegions: 6_000 }, appNoticeMs: 2_500 };
const T0 = 1_700_000_000_000;
const samples = (labels: Record<string, string>, times: number[]) => ({ labels: { __name__: "ALERTS", ...labels }, samples: times.map((t) => [T0 + t, 1] as const) });
const every = (from: number, to: number, step = 3000) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe("alert episodes from the ALERTS series", () => {
  const down = { alertname: "WebTargetsDown", instance: "use2-app1", region: "us-east-2", severity: "warning" };

  it("follows an alert from pending to firing to resolved, at Prometheus' evaluation timestamps", () => {
    const eps = episodesFromSamples([samples({ ...down, alertstate: "pending" }, every(3000, 18_000)), samples({ ...down, alertstate: "firing" }, every(21_000, 30_000))], 3000, T0 + 60_000);
    expect(eps).toEqual([{ alertname: "WebTargetsDown", labels: { instance: "use2-app1", region: "us-east-2", severity: "warning" }, pendingAt: T0 + 3000, firingAt: T0 + 21_000, endedAt: T0 + 33_000 }]);
  });

  it("ends an alert Prometheus no longer holds, even right after its last sample", () => {
    const series = [samples({ ...down, alertstate: "firing" }, every(0, 9000))];
    expect(episodesFromSamples(series, 3000, T0 + 10_000, new Set())[0].endedAt).toBe(T0 + 12_000);
    expect(episodesFromSamples(series, 3000, T0 + 10_000, new Set([alertKey(down)]))[0].endedAt).toBeNull();
  });

  it("keeps an alert active at the end, tolerates a missed evaluation, and splits on a real gap", () => {
    const times = [...every(0, 9000), 15_000, ...every(30_000, 36_000)];
    const eps = episodesFromSamples([samples({ ...down, alertstate: "firing" }, times)], 3000, T0 + 37_000);
    expect(eps.map((e) => [e.firingAt! - T0, e.endedAt === null ? null : e.endedAt - T0])).toEqual([
      [0, 18_000], // 9 s -> 15 s is one missed evaluation (< 2.5 intervals), 15 s -> 30 s is a new episode
      [30_000, null],
    ]);
  });
});

describe("checkExpectations", () => {
  const ctx = { regions: REGIONS, faultAt: T0, promotedAt: T0 + 4000, endAt: T0 + 40_000, timing: TIMING };
  const ep = (alertname: string, region: string, pendingAt: number | null, firingAt: number | null, endedAt: number | null) => ({ alertname, labels: { region }, pendingAt, firingAt, endedAt });

  it("passes an alert that fired by its deadline, fails one that fired late or never", () => {
    const deadline = alertDeadlineMs("WebTargetsDown", TIMING);
    expect(deadline).toBe(Math.round((2500 + 3000 + 3000 + 3000 + 18_000 + 3000) * 1.5 + 5000));
    const e = { alert: "WebTargetsDown", region: "primary" as const, verdict: "fires" as const, why: "killed" };
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-east-2", T0 + 3000, T0 + 21_000, null)], ctx)[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/^fired at \+21\.0 s after the fault/) });
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-east-2", T0, T0 + deadline + 1, null)], ctx)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^fired late/) });
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-west-1", T0, T0 + 21_000, null)], ctx)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^did not fire/) });
    // Counted from the promotion when the expectation says so.
    const changed = { alert: "DatabaseRoleChanged", region: "secondary" as const, verdict: "fires" as const, anchor: "promotion" as const, why: "promoted" };
    expect(checkExpectations([changed], [ep("DatabaseRoleChanged", "us-west-1", null, T0 + 10_000, null)], ctx)[0].detail).toMatch(/^fired at \+6\.0 s after the promotion/);
    expect(checkExpectations([changed], [], { ...ctx, promotedAt: null })[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/never happened/) });
  });

  it("fails a silent alert that fired or is still pending at the end, passes one whose pending state cleared", () => {
    const e = { alert: "WebTargetsDown", verdict: "silent" as const, why: "fleet scaled to zero" };
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-east-2", T0 + 3000, null, T0 + 9000)], ctx)[0]).toMatchObject({ ok: true, detail: "silent through +40.0 s, pending 1x and cleared" });
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-east-2", T0 + 3000, null, null)], ctx)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/still pending/) });
    expect(checkExpectations([e], [ep("WebTargetsDown", "us-east-2", T0, T0 + 21_000, T0 + 30_000)], ctx)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^fired at \+21\.0 s/) });
    expect(checkExpectations([{ ...e, verdict: "either" }], [ep("WebTargetsDown", "us-east-2", T0, T0 + 21_000, null)], ctx)[0]).toMatchObject({ ok: true });
  });

  it("watches long enough for a scaled-down instance's pending alert to clear", () => {
    // discovery drops it within its delay; the window covers that plus scrapes and evaluations
    expect(silenceWindowMs(TIMING)).toBeGreaterThan(TIMING.discoveryDelayMs + 2 * TIMING.scrapeMs + 2 * TIMING.evaluationMs);
  });
});

describe("the observation of a scenario's alerts", () => {
  // Small timings so the real polling loop runs in well under a second of wall time.
  const timing: AlertTimingModel = { scrapeMs: 20, scrapeTimeoutMs: 20, evaluationMs: 20, sdRefreshMs: 20, discoveryDelayMs: 20, forMs: { WebHighErrorRate: 600 }, appNoticeMs: 20 };
  const silentErrors = { alert: "WebHighErrorRate", verdict: "silent" as const, why: "a blip is not a page" };

  it("waits for a pending alert that must stay silent to clear, past the silence window, instead of ending with the question open", async () => {
    const start = Date.now();
    const clearsAt = start + 400; // longer than the onset and silence windows (~100-200 ms here), shorter than its `for`
    const prom = { alerts: async () => (Date.now() < clearsAt ? [{ labels: { alertname: "WebHighErrorRate", region: "us-east-2" }, state: "pending" as const, activeAt: start }] : []) };
    const end = await observeAlerts(prom, [silentErrors], { regions: { primary: "us-east-2", secondary: "us-west-1" }, faultAt: start, promotedAt: null, timing }, { pollMs: 10 });
    expect(end).toBeGreaterThanOrEqual(clearsAt);
  });

  it("stops once the pending alert's `for` has run out (it would fire: judged, not waited on for ever)", async () => {
    const start = Date.now();
    const prom = { alerts: async () => [{ labels: { alertname: "WebHighErrorRate", region: "us-east-2" }, state: "pending" as const, activeAt: start }] };
    const end = await observeAlerts(prom, [silentErrors], { regions: { primary: "us-east-2", secondary: "us-west-1" }, faultAt: start, promotedAt: null, timing }, { pollMs: 10 });
    expect(end - start).toBeGreaterThanOrEqual(600);
    expect(end - start).toBeLessThan(5_000);
  });
});
