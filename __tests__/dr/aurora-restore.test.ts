// `dr restore` in the Aurora Global Database mode (issue 26 point 2): a documented refusal that prints the exact
// manual procedure with this deployment's names (src/dr/aurora-restore.ts says why the app is not moved by the
// runbook). AWS APIs are stubbed (fake-aws.ts): the tests check that nothing is sent and that every name the
// procedure prints exists in the synthesized Aurora-mode stacks (real synthesis, not a fixture).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../../src/config";
import { auroraRestoreProcedure } from "../../src/dr/aurora-restore";
import { main } from "../../src/dr/cli";
import { FakeClock } from "../../src/dr/clock";
import { restoreParamsFor, RestoreRequestError } from "../../src/dr/restore-plan";
import { resourceList, synthApp, userDataEnv } from "../helpers/synth";
import { FakeAws } from "./fake-aws";
import { FakeRestore } from "./fake-restore";

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

describe("dr restore, Aurora mode: refusal with the exact manual procedure", () => {
  it("names the writer member cluster, its region, the time, the new cluster, its instance and the fleet, as the synthesized Aurora stacks name them", () => {
    const msg = refusal(AURORA);
    const app = synthApp(AURORA);
    const primary = app.stacks["primary"];
    const clusters = resourceList(primary, "aws_rds_cluster").map((c) => c.cluster_identifier);
    const member = "drweb-prod-use2-db-g1-cluster";
    expect(clusters).toContain(member);
    const globals = Object.values(app.stacks).flatMap((s) => resourceList(s, "aws_rds_global_cluster").map((g) => g.global_cluster_identifier));
    expect(globals).toContain("drweb-prod-db-global");
    const asgs = resourceList(primary, "aws_autoscaling_group").map((g) => g.name);
    const asg = asgs.find((n) => typeof n === "string" && msg.includes(n));
    expect(asg, `no ASG of the primary stack (${asgs.join(", ")}) in the message`).toBeDefined();
    // The claim the refusal rests on: the fleet's DB_WRITER_HOST is the member cluster's endpoint (in the launch template).
    expect(userDataEnv(primary).DB_WRITER_HOST).toMatch(/aws_rds_cluster\./);

    const target = `${member}-pitr-20261206234005`;
    expect(msg).toContain("Nothing was changed.");
    expect(msg).toContain(`aws rds describe-db-clusters --region us-east-2 --db-cluster-identifier ${member}`);
    expect(msg).toMatch(/EarliestRestorableTime.*LatestRestorableTime/);
    expect(msg).toContain(`aws rds restore-db-cluster-to-point-in-time --region us-east-2 --source-db-cluster-identifier ${member} --db-cluster-identifier ${target} --restore-to-time ${TO}`);
    expect(msg).toMatch(/--vpc-security-group-ids <sgs> --db-cluster-parameter-group-name <params> --kms-key-id <kms> --deletion-protection/);
    expect(msg).toContain(`aws rds wait db-cluster-available --region us-east-2 --db-cluster-identifier ${target}`);
    expect(msg).toContain(`aws rds create-db-instance --region us-east-2 --db-cluster-identifier ${target} --db-instance-identifier ${target}-1 --engine aurora-postgresql --db-instance-class db.r6g.large`);
    expect(msg).toContain("global cluster drweb-prod-db-global");
    expect(msg).toMatch(/Moving the app is NOT automated/);
    // RDS identifiers: 1 to 63 characters.
    expect(target.length).toBeLessThanOrEqual(63);
  });

  it("follows the global primary: failedOver and failback restore the secondary's member in us-west-1", () => {
    for (const drState of ["failedOver", "failback"] as const) {
      const msg = refusal({ database: { ...AURORA.database, drState } });
      expect(msg).toContain("--source-db-cluster-identifier drweb-prod-usw1-db-g1-cluster");
      expect(msg).toContain("--region us-west-1");
      expect(msg).not.toContain("--region us-east-2 --source-db-cluster-identifier");
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

  it("the CLI exits 2, prints the procedure and sends nothing to AWS, even without --dry-run", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dr-aurora-restore-"));
    const f = path.join(dir, "config.json");
    fs.writeFileSync(f, JSON.stringify({ ...AURORA, runbook: { journalDir: dir } }));
    const clock = new FakeClock();
    const aws = new FakeAws(clock);
    const fake = new FakeRestore(aws);
    const errs: string[] = [];
    const outs: string[] = [];
    const code = await main(["restore", "--to-time", TO, "--config", f], { out: (l) => outs.push(l), err: (l) => errs.push(l), clients: fake.clients(), clock });
    expect(code).toBe(2);
    expect(errs.join("\n")).toContain("aws rds restore-db-cluster-to-point-in-time --region us-east-2 --source-db-cluster-identifier drweb-prod-use2-db-g1-cluster");
    expect(errs.join("\n")).toContain("docs/dr-runbook.md, \"dr restore\", Aurora mode");
    expect(aws.calls).toEqual([]);
    expect(fs.readdirSync(dir).filter((n) => n !== "config.json")).toEqual([]);
  });
});
