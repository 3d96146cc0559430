import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadDashboards, loadRuleGroups, MONITORING_FILES, terraformLiteral } from "../../src/monitoring/repo-files";
import { PROJECT_ROOT } from "../helpers/synth";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "drmon-"));
}

describe("terraformLiteral", () => {
  it("escapes Terraform's template sequences and nothing else", () => {
    expect(terraformLiteral('uid: "${datasource}", %{ if x }')).toBe('uid: "$${datasource}", %%{ if x }');
    // Prometheus and Go-template syntax is not Terraform's.
    for (const s of ["$1:9102", "{{ $labels.region }}", "$$ 100%", "a$b{c}"]) expect(terraformLiteral(s)).toBe(s);
    // Already-literal "$${" stays literal: Terraform reads "$$${" as "$" + "${".
    expect(terraformLiteral("$${x}")).toBe("$$${x}");
  });
});

describe("loadRuleGroups", () => {
  it("reads the groups of the repository's alert rules", () => {
    const groups = loadRuleGroups(path.join(PROJECT_ROOT, MONITORING_FILES.rules));
    expect(groups.map((g) => g.name)).toEqual(["drweb-web", "drweb-database"]);
    expect(groups.flatMap((g) => g.rules.map((r) => r.alert))).toContain("DatabaseReplicaLagHigh");
  });

  it("rejects a file that is not a rule file", () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "a.yaml"), "rules: []\n");
    expect(() => loadRuleGroups(path.join(dir, "a.yaml"))).toThrow(/non-empty "groups" list/);
    fs.writeFileSync(path.join(dir, "b.yaml"), "groups:\n  - rules: []\n");
    expect(() => loadRuleGroups(path.join(dir, "b.yaml"))).toThrow(/"name" and a "rules" list/);
  });
});

describe("loadDashboards", () => {
  it("reads every dashboard of the repository, in file-name order", () => {
    const ds = loadDashboards(path.join(PROJECT_ROOT, MONITORING_FILES.dashboards));
    expect(ds.map((d) => d.fileName)).toEqual(["drweb-database.json", "drweb-web-red.json"]);
    expect(ds[0].name).toBe("drweb-database");
  });

  it("rejects a dashboard that is not JSON, and a folder without dashboards", () => {
    const dir = tmpDir();
    expect(() => loadDashboards(dir)).toThrow(/no Grafana dashboard/);
    fs.writeFileSync(path.join(dir, "broken.json"), "{ not json");
    expect(() => loadDashboards(dir)).toThrow(/broken\.json: not valid JSON/);
  });
});
