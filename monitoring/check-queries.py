#!/usr/bin/env python3
"""Checks of the Grafana dashboards and the metric names of every query.

Usage: check-queries.py <repo root> <out: rule file of the dashboard queries>

Standard library only. Prints one `PASS <check>` or `FAIL <check>: <why>`
line per check (scripts/test-promtool.sh counts them) and exits 1 if any
check failed. Checks:
  - each dashboard: valid JSON, a stable uid (unique), schemaVersion, unique
    panel ids, a `datasource` variable of type prometheus used by every panel
    and query, a `region` variable;
  - each dashboard and the alert rules (every monitoring/rules/*.yaml but the
    *.test.yaml): every metric a query names is exposed by the web app
    (webapp/drweb/metrics.py), or is `up`, or is one of the CloudWatch
    exporter's (RDS or Aurora lag, database role);
and writes every dashboard query, with Grafana's variables replaced, as a
recording rule into the output file, so `promtool check rules` parses them.
"""
import json
import re
import sys
from pathlib import Path

# Metrics that do not come from the app: the scrape health of every target, and
# the CloudWatch metrics as the Prometheus cloudwatch_exporter names them (RDS
# ReplicaLag; in the Aurora mode AuroraGlobalDBRPOLag and AuroraGlobalDBReplicationLag,
# src/monitoring/values.ts AURORA_LAG_METRICS; the web servers' Drweb/DatabaseRole,
# src/eks/contract.ts DB_ROLE_METRIC; `dr status --publish-metrics`'s Drweb/Backup,
# src/monitoring/backup-metric.ts BACKUP_METRIC).
EXTERNAL = {"up", "aws_rds_replica_lag_average", "drweb_database_role_maximum",
            "aws_rds_aurora_global_dbrpolag_maximum", "aws_rds_aurora_global_dbreplication_lag_maximum",
            "drweb_backup_found_maximum", "drweb_backup_restorable_lag_seconds_maximum",
            "drweb_backup_restorable_lag_limit_seconds_maximum"}
DATASOURCE = "${datasource}"
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "inf", "nan", "atan2"}


def app_metrics(metrics_py):
    """Series names the app exposes: declared names plus the suffixes prometheus_client adds."""
    names = set()
    for kind, name in re.findall(r"\b(Counter|Gauge|Histogram|Summary)\(\s*[\"']([A-Za-z_:][\w:]*)[\"']", metrics_py):
        if kind == "Counter":
            base = name[: -len("_total")] if name.endswith("_total") else name
            names |= {base + "_total"}
        elif kind == "Gauge":
            names.add(name)
        elif kind == "Histogram":
            names |= {name + s for s in ("_bucket", "_sum", "_count")}
        else:
            names |= {name, name + "_sum", name + "_count"}
    return names


def metric_names(expr):
    """Metric names a PromQL expression selects (Grafana variables allowed)."""
    e = re.sub(r"label_values\(\s*(.*?)\s*,\s*\w+\s*\)", r"\1", expr, flags=re.S)  # Grafana variable query
    e = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', e)  # strings
    e = re.sub(r"\{[^}]*\}", " ", e)  # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)  # ranges and subqueries
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)  # label lists
    e = re.sub(r"\$\{[^}]*\}|\$\w+", " ", e)  # Grafana variables
    e = re.sub(r"(?<![\w:])\d[\w.+-]*", " ", e)  # numbers and durations (1e3, 0.05, 5m)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][\w:]*", e):
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or m.group(0).lower() in KEYWORDS:
            continue  # a function, an aggregation or a keyword
        names.add(m.group(0))
    return names


def rule_exprs(text):
    """The `expr` values of a rule file (block scalars and one-line values), without a YAML library."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        value = m.group(2).strip()
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            indent, block = len(m.group(1)), []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            out.append("\n".join(block))
        else:
            out.append(value.strip("'\""))
    return out


def panels_of(d):
    for p in d.get("panels", []):
        yield p
        yield from p.get("panels", [])  # panels inside a collapsed row


def check_dashboard(path, uids):
    """Structure problems of one dashboard (empty list when fine), and its queries."""
    problems, queries = [], []
    try:
        d = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return [f"not valid JSON ({e})"], queries
    uid = d.get("uid")
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
        problems.append(f"uid {uid!r} is not a stable uid (1-40 of A-Za-z0-9_-)")
    elif uid in uids:
        problems.append(f"uid {uid} is also used by {uids[uid]}")
    else:
        uids[uid] = path.name
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
        problems.append(f"schemaVersion {d.get('schemaVersion')!r} (expected >= 36)")
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("no `datasource` template variable of type datasource / prometheus")
    if "region" not in variables:
        problems.append("no `region` template variable")
    ids = [p.get("id") for p in panels_of(d)]
    if not ids:
        problems.append("no panels")
    dupes = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dupes or None in ids:
        problems.append(f"panel ids not unique / missing: {dupes or 'missing id'}")
    for p in panels_of(d):
        if p.get("type") == "row":
            continue
        where = f"panel {p.get('id')} ({p.get('title')})"
        if (p.get("datasource") or {}).get("uid") != DATASOURCE:
            problems.append(f"{where}: datasource uid is not {DATASOURCE}")
        if not p.get("targets"):
            problems.append(f"{where}: no queries")
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") != DATASOURCE:
                problems.append(f"{where} query {t.get('refId')}: datasource uid is not {DATASOURCE}")
            if not t.get("expr"):
                problems.append(f"{where} query {t.get('refId')}: empty expr")
            else:
                queries.append((where, t["expr"]))
    for name, v in variables.items():
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if q:
                queries.append((f"variable {name}", q))
    return problems, queries


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    allowed = app_metrics((root / "webapp/drweb/metrics.py").read_text()) | EXTERNAL
    results, uids, promql = [], {}, []

    def unknown_in(queries):
        bad = []
        for where, q in queries:
            for name in sorted(metric_names(q) - allowed):
                bad.append(f"{where}: {name}")
        return bad

    dashboards = sorted((root / "monitoring/dashboards").glob("*.json"))
    if not dashboards:
        results.append(("dashboards", ["no dashboards found in monitoring/dashboards"]))
    for path in dashboards:
        problems, queries = check_dashboard(path, uids)
        results.append((f"dashboard {path.name}: JSON and structure", problems))
        if queries or not problems:
            results.append((f"dashboard {path.name}: metric names", unknown_in(queries)))
        for where, q in queries:
            if where.startswith("variable"):
                q = re.sub(r"label_values\(\s*(.*?)\s*,\s*\w+\s*\)", r"\1", q, flags=re.S)
            q = (q.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
                 .replace("${region}", ".*").replace("$region", ".*"))
            promql.append((f"{path.name} {where}", q))

    rule_files = sorted(p for p in (root / "monitoring/rules").glob("*.yaml") if not p.name.endswith(".test.yaml"))
    if not rule_files:
        results.append(("alert rules", ["no rule file found in monitoring/rules"]))
    for rules in rule_files:
        exprs = rule_exprs(rules.read_text())
        results.append((f"alert rules {rules.name}: metric names",
                        unknown_in([("rule", e) for e in exprs]) + ([] if exprs else ["no expr found"])))

    with out.open("w") as f:
        f.write("# generated by monitoring/check-queries.py: every dashboard query, so promtool parses it\n")
        f.write("groups:\n  - name: dashboard-queries\n    rules:\n")
        for n, (where, q) in enumerate(promql):
            f.write(f"      # {where}\n      - record: dashboard:query{n}\n        expr: {json.dumps(q)}\n")

    for name, problems in results:
        if problems:
            print(f"FAIL {name}:")
            for p in problems:
                print(f"       {p}")
        else:
            print(f"PASS {name}")
    print(f"     (metrics allowed: {', '.join(sorted(allowed))})")
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
