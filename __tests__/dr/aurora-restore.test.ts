// `dr restore` in the Aurora Global Database mode (issue 26 point 2): the names the automated steps and the printed
// move use exist in the synthesized Aurora-mode stacks (real synthesis, not a fixture); `--region` the other region
// is a refusal with the manual procedure. AWS APIs are stubbed (fake-aurora.ts, fake-aurora-restore.ts): the tests
// check what is sent. The runbook itself: aurora-restore-runbook.test.ts.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { auroraRestoreProcedure } from "../../src/dr/aurora-restore";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { auroraRestorePlan } from "../../src/dr/aurora-restore-plan";
import { restoreParamsFor, RestoreRequestError } from "../../src/dr/restore-plan";
import { resourceList, synthApp } from "../helpers/synth";
import { FakeAurora } from "./fake-aurora";
import { FakeAuroraRestore } from "./fake-aurora-restore";

const AURORA = { database: { engine: "aurora-postgresql", instanceClass: "db.r6g.large", engineVersion: "16.6" } };
const TO = "2026-12-06T23:10:00.000Z";
const NOW = Date.UTC(2026, 11, 6, 23, 40, 5);

function refusal(overrides: Record<string, any>, region?: "primary" | "secondary"): string {
  const config = resolveConfig(overrides);
  try {
    restoreParamsFor(config, { toTime: Date.parse(TO), ...(region ? { region } : {}) }, NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(RestoreRequestError);
    return (e as Error).message;
  }
  throw new Error("restoreParamsFor did not refuse Aurora mode");
}

describe("dr restore, Aurora mode: the names it uses, and the refusals", () => {
  it("names the writer member cluster, its region, the new cluster, its instance and the fleet, as the synthesized Aurora stacks name them", () => {
    const config = resolveConfig(AURORA);
    const r = restoreParamsFor(config, { toTime: Date.parse(TO) }, NOW);
    const app = synthApp(AURORA);
    const primary = app.stacks["primary"];
    const member = "drweb-prod-use2-db-g1-cluster";
    expect(resourceList(primary, "aws_rds_cluster").map((c) => c.cluster_identifier)).toContain(member);
    const globals = Object.values(app.stacks).flatMap((s) => resourceList(s, "aws_rds_global_cluster").map((g) => g.global_cluster_identifier));
    expect(globals).toContain("drweb-prod-db-global");
    const plan = auroraRestorePlan(config, { operation: "restore", mode: "planned", generations: config.database.generations, webSize: 3, backupRetentionDays: 7, maxReplicaLagSeconds: 30, minOutageSeconds: 60, clientDrainSeconds: 60, restore: r });
    const msg = [...plan.steps.map((s) => s.action.text), ...plan.epilogue].join("\n");
    expect(r).toMatchObject({ writerId: member, region: "primary", targetId: `${member}-pitr-20261206234005`, toTimeIso: TO });
    // The fence and the fleet's restore name the primary stack's ASG.
    const asgs = resourceList(primary, "aws_autoscaling_group").map((g) => g.name);
    expect(asgs.find((n) => typeof n === "string" && msg.includes(`--auto-scaling-group-name ${n} --min-size 0 --desired-capacity 0`)), `no ASG of the primary stack (${asgs.join(", ")}) in the fence`).toBeDefined();
    const secondaryMember = resourceList(app.stacks["secondary"], "aws_rds_cluster").map((c) => c.cluster_identifier);
    expect(secondaryMember).toContain("drweb-prod-usw1-db-g1-cluster");
    expect(msg).toContain("drweb-prod-usw1-db-g1-cluster (us-west-1) still replicates the damaged data");
    expect(msg).toContain("aws ssm put-parameter --region us-east-2 --name /drweb-prod-use2/db/endpoints --type String --overwrite");
    // RDS identifiers: 1 to 63 characters.
    expect(`${r.targetId}-1`.length).toBeLessThanOrEqual(63);
  });

  it("follows the global primary: failedOver and failback restore the secondary's member in us-west-1", () => {
    for (const drState of ["failedOver", "failback"] as const) {
      const r = restoreParamsFor(resolveConfig({ database: { ...AURORA.database, drState } }), { toTime: Date.parse(TO) }, NOW);
      expect(r).toMatchObject({ writerId: "drweb-prod-usw1-db-g1-cluster", writerRole: "secondary", region: "secondary" });
    }
  });

  it("--region the other region says why a point-in-time restore reads the writer member's own region", () => {
    const msg = refusal(AURORA, "secondary");
    expect(msg).toMatch(/--region secondary: a point-in-time restore reads the source cluster's continuous backups in its own region/);
    expect(msg).toContain("the writer member drweb-prod-use2-db-g1-cluster is in us-east-2");
    // The other region's copies: the AWS Backup vault the secondary stack declares (snapshots, no PITR).
    const vaults = resourceList(synthApp(AURORA).stacks["secondary"], "aws_backup_vault").map((v) => v.name);
    const vault = vaults.find((v) => typeof v === "string" && msg.includes(`--backup-vault-name ${v}`));
    expect(vault, `no vault of the secondary stack (${vaults.join(", ")}) in the message`).toBeDefined();
    expect(msg).toContain("list-recovery-points-by-backup-vault --region us-west-1");
    expect(auroraRestoreProcedure(resolveConfig(AURORA), TO, "20261206234005")).not.toEqual(expect.arrayContaining([expect.stringMatching(/^--region/)]));
  });

  it("a --to-time that is not a time is refused naming the field and the fix", () => {
    expect(() => restoreParamsFor(resolveConfig(AURORA), { toTime: Number.NaN }, NOW)).toThrow(/--to-time is not a time\. Fix: give an ISO time with a zone/);
  });

  it("the CLI --dry-run exits 0, prints the steps and the move, and sends nothing to AWS", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-aurora-restore-"));
    const f = path.join(dir, "config.json");
    fs.writeFileSync(f, JSON.stringify({ ...AURORA, runbook: { journalDir: dir } }));
    const clock = new FakeClock();
    const fa = new FakeAurora(clock);
    const fake = new FakeAuroraRestore(fa);
    const outs: string[] = [];
    const code = await main(["restore", "--to-time", TO, "--config", f, "--dry-run"], { out: (l) => outs.push(l), err: (l) => outs.push(l), clients: fake.clients(), clock });
    expect(code, outs.join("\n")).toBe(0);
    expect(outs.join("\n")).toContain("aws rds restore-db-cluster-to-point-in-time --region us-east-2 --source-db-cluster-identifier drweb-prod-use2-db-g1-cluster");
    expect(outs.join("\n")).toContain("Point the us-east-2 fleet's database endpoints parameter /drweb-prod-use2/db/endpoints to drweb-prod-use2-db-g1-cluster-pitr-");
    expect(fa.aws.calls).toEqual([]);
    expect(fs.readdirSync(dir).filter((n) => n !== "config.json")).toEqual([]);
  });
});
