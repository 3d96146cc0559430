import { COMPLIANT, fail, type ResourceRule } from "../types";

/** Helm releases install an exact chart version from an HTTPS repository. */
export const helmChartPinned: ResourceRule = {
  kind: "resource",
  id: "helm-chart-pinned",
  description: "Helm releases pin an exact chart version from an HTTPS repository",
  fix: "set version to an exact chart version (e.g. 79.7.1; monitoring.chart.version) and repository to an https:// URL",
  resourceTypes: ["helm_release"],
  check(r) {
    if (typeof r.config.version !== "string" || !/^\d+\.\d+\.\d+$/.test(r.config.version)) return fail(`chart version ${r.config.version ?? "unset"} is not exact: deploys are not repeatable`);
    if (typeof r.config.repository !== "string" || !r.config.repository.startsWith("https://")) return fail(`repository ${r.config.repository ?? "unset"} is not HTTPS`);
    return COMPLIANT;
  },
};
