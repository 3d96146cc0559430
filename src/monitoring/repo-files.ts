import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** Repository paths of the monitoring content, relative to the project root. */
export const MONITORING_FILES = {
  /** The alert rules (plain Prometheus rule-file format; tested by promtool). */
  rules: path.join("monitoring", "rules", "drweb-alerts.yaml"),
  /** Alert rules deployed only in the Aurora Global Database mode, next to `rules` (src/monitoring/engine-content.ts). */
  auroraRules: path.join("monitoring", "rules", "drweb-aurora-alerts.yaml"),
  /** Alert rules on the writer's restorable window (Drweb/Backup), deployed in both modes next to `rules` (withBackupRules). */
  backupRules: path.join("monitoring", "rules", "drweb-backup-alerts.yaml"),
  /** One Grafana dashboard per *.json file. */
  dashboards: path.join("monitoring", "dashboards"),
} as const;

/** A Prometheus rule group, as the rule file holds it. */
export type RuleGroup = { readonly name: string; readonly rules: readonly Record<string, unknown>[] } & Record<string, unknown>;

/**
 * The `groups` of a Prometheus rule file. The file is deployed as is (the
 * PrometheusRule `spec`), so its content is only checked for the shape the
 * chart needs; promtool checks the rules themselves.
 */
export function loadRuleGroups(file: string): RuleGroup[] {
  const doc = parse(fs.readFileSync(file, "utf8")) as unknown;
  const groups = (doc as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new Error(`${file}: expected a Prometheus rule file with a non-empty "groups" list`);
  }
  for (const g of groups as RuleGroup[]) {
    if (typeof g?.name !== "string" || !Array.isArray(g.rules)) {
      throw new Error(`${file}: every group needs a "name" and a "rules" list`);
    }
  }
  return groups as RuleGroup[];
}

/**
 * The rule groups a region deploys (one PrometheusRule): the engine's
 * (engine-content.ts) and the restorable-window alerts of
 * MONITORING_FILES.backupRules, whose group names must not repeat theirs.
 */
export function withBackupRules(groups: readonly RuleGroup[], projectRoot: string): RuleGroup[] {
  const backup = loadRuleGroups(path.join(projectRoot, MONITORING_FILES.backupRules));
  const names = new Set(groups.map((g) => g.name));
  for (const g of backup) {
    if (names.has(g.name)) throw new Error(`${MONITORING_FILES.backupRules}: group "${g.name}" is also in the other rule files; rename it (one PrometheusRule holds all the groups)`);
  }
  return [...groups, ...backup];
}

/** A Grafana dashboard file. */
export interface DashboardFile {
  /** File name without ".json", e.g. "drweb-web-red". */
  readonly name: string;
  /** File name, e.g. "drweb-web-red.json" (the ConfigMap data key). */
  readonly fileName: string;
  /** The file's text, unchanged. */
  readonly json: string;
}

/** Every *.json dashboard in a folder, by file name; each must parse as JSON. */
export function loadDashboards(dir: string): DashboardFile[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no Grafana dashboard (*.json) found`);
  return files.map((fileName) => {
    const json = fs.readFileSync(path.join(dir, fileName), "utf8");
    try {
      JSON.parse(json);
    } catch (e) {
      throw new Error(`${path.join(dir, fileName)}: not valid JSON (${(e as Error).message})`);
    }
    return { name: fileName.slice(0, -".json".length), fileName, json };
  });
}

/**
 * Terraform reads every string of the synthesized JSON as a template, so
 * literal text that contains `${` or `%{` (Grafana's `${datasource}`
 * variables, Prometheus `${1}` replacements) must be escaped as `$${` and
 * `%%{` to reach the cluster unchanged. cdktf does not escape plain strings
 * (its Fn.rawString also rewrites newlines, which JSON does not need).
 */
export function terraformLiteral(text: string): string {
  // A function replacement: in a replacement string "$$" would mean "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
