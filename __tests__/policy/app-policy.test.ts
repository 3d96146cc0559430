/**
 * The policy on the real app: zero unsuppressed violations in every DR
 * state, suppressions visible with their reasons, and weakening a setting in
 * config or code makes synthesis fail with the rule's message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { resolveConfig } from "../../src/config";
import { suppressPolicy } from "../../src/policy";
import { buildApp } from "../../stacks/app";
import { run } from "../helpers/run";
import { PROJECT_ROOT, synthApp } from "../helpers/synth";

// main.ts as cdktf.json runs it (bundled, scripts/synth/run.js).
const SYNTH = [path.join(PROJECT_ROOT, "scripts", "synth", "run.js"), "main.ts"];
const S3 = { type: "s3", primaryBucket: { bucket: "st-use2", region: "us-east-2" }, secondaryBucket: { bucket: "st-usw1", region: "us-west-1" } };

function built(overrides: unknown = {}) {
  const config = resolveConfig(overrides);
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "drpol-")) });
  return { app, config, drApp: buildApp(app, config, PROJECT_ROOT) };
}

describe("policy on the whole app", () => {
  it.each([
    ["defaults", {}],
    ["failed over, DNS forced", { database: { drState: "failedOver" }, dns: { forceFailover: true } }],
    ["failing back", { database: { drState: "failback", generations: { primary: 2 } } }],
    ["S3 backend, created zone, EKS public endpoint for one CIDR", { backend: S3, dns: { createZone: true, zoneName: "drweb.io", domainName: "drweb.io" }, eks: { publicAccessCidrs: ["203.0.113.0/24"] } }],
    // The Aurora Global Database mode (issue 16): its clusters are judged by
    // rds-encrypted-cmk, rds-protected, aurora-cluster-hardened,
    // secrets-write-only, dr-db-replicated and dr-region-parity.
    ["Aurora Global Database mode", { database: { engine: "aurora-postgresql" } }],
    ["Aurora, failed over", { database: { engine: "aurora-postgresql", drState: "failedOver" }, dns: { forceFailover: true } }],
    ["Aurora, failing back", { database: { engine: "aurora-postgresql", drState: "failback" } }],
    // Issue 26: the isolated copy named (plans copy into another account's locked vault).
    ["isolated backup copies", { backups: { isolatedCopy: { enabled: true, accountId: "210987654321", vaultName: "drweb-isolated" } } }],
    ["Aurora, isolated backup copies", { database: { engine: "aurora-postgresql" }, backups: { isolatedCopy: { enabled: true, accountId: "210987654321", vaultName: "drweb-isolated" } } }],
  ])("has no unsuppressed violation: %s", (name, overrides) => {
    // The findings of the synthesis other tests of this worker share (the policy ran on it).
    const findings = synthApp(overrides).drApp.policy.findings();
    expect(findings.filter((f) => f.status === "non-compliant")).toEqual([]);
    // Every rule found something to judge somewhere, so none is vacuous.
    expect(findings.filter((f) => f.status === "compliant").length).toBeGreaterThan(100);
    if (name.startsWith("Aurora")) {
      // The Aurora resources themselves were judged (not an RDS build passing).
      for (const ruleId of ["rds-encrypted-cmk", "rds-protected", "aurora-cluster-hardened", "dr-db-replicated"]) {
        const judged = findings.filter((f) => f.ruleId === ruleId && f.status === "compliant" && /aws_rds_(global_)?cluster/.test(f.address));
        expect(judged.length, ruleId).toBeGreaterThan(0);
      }
      // Each region's database endpoints parameter, judged where it is.
      const endpoints = findings.filter((f) => f.ruleId === "aurora-endpoints-parameter").map((f) => `${f.stack}:${f.status}`);
      expect(endpoints.sort()).toEqual(["primary:compliant", "secondary:compliant"]);
    }
  });

  it("checks the state placement and lists only the two reviewed suppressions, each with its reason", () => {
    const findings = built({ backend: S3 }).drApp.policy.findings();
    expect(findings.filter((f) => f.ruleId === "dr-state-placement").map((f) => f.status)).toEqual(Array(7).fill("compliant"));
    const suppressed = findings.filter((f) => f.status === "suppressed");
    expect(suppressed.map((f) => `${f.stack}:${f.ruleId}:${f.path}`).sort()).toEqual([
      "primary:s3-encrypted-cmk:primary/Web/AccessLogs/Store/Bucket",
      "secondary:s3-encrypted-cmk:secondary/Web/AccessLogs/Store/Bucket",
    ]);
    for (const f of suppressed) expect(f.reason).toMatch(/ELB access-log delivery writes only to buckets encrypted with SSE-S3/);
  });

  it("fails synth when code opens SSH to the internet", () => {
    const { app, drApp } = built();
    new VpcSecurityGroupIngressRule(drApp.regional.primary, "SshFromAnywhere", {
      securityGroupId: drApp.regional.primary.web.securityGroups.webSecurityGroupId,
      description: "ssh for debugging",
      ipProtocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrIpv4: "0.0.0.0/0",
    });
    expect(() => app.synth()).toThrow(/sg-internet-ingress: opens ports 22-22 to the internet on a group that is not a load balancer's[\s\S]*Fix: admit a narrower CIDR/);
    // The first stack's validation fails before any stack is written (App
    // itself makes the empty stacks/ folder).
    expect(fs.readdirSync(path.join(app.outdir, "stacks"))).toEqual([]);
  });

  it("fails synth when code turns off volume encryption, and accepts a suppression with a reason", () => {
    const weakened = () => {
      const b = built();
      const lt = b.drApp.regional.secondary.node.findAll().find((c) => c.node.path === "secondary/Web/Fleet/LaunchTemplate") as any;
      lt.addOverride("block_device_mappings.0.ebs.encrypted", "false");
      return { ...b, lt };
    };
    const w = weakened();
    expect(() => w.app.synth()).toThrow(/\[secondary\] aws_launch_template\.Web_Fleet_LaunchTemplate_[A-Z0-9]+[\s\S]*ebs-encrypted-cmk: a volume is not encrypted/);
    const s = weakened();
    suppressPolicy(s.lt, "ebs-encrypted-cmk", "test: an exception a reviewer accepted, with its reason");
    expect(s.drApp.policy.findings().find((f) => f.ruleId === "ebs-encrypted-cmk" && f.status === "suppressed")?.reason).toMatch(/reviewer accepted/);
    expect(() => s.app.synth()).not.toThrow();
  });

  describe("backups (issue 26 point 5): a weakened stack fails synth with the rule's message", () => {
    const ISOLATED = { backups: { isolatedCopy: { enabled: true, accountId: "210987654321", vaultName: "drweb-isolated" } } };
    const replication = (b: ReturnType<typeof built>) => b.drApp.regional.secondary.backupReplica!.replication;
    const backups = (b: ReturnType<typeof built>) => b.drApp.regional.primary.backups!;
    /** The plan's daily rule with no copy rule. */
    const noCopies = (b: ReturnType<typeof built>) => backups(b).plan!.putRule([{ ruleName: "daily", targetVaultName: "drweb-prod-use2-db-backups", schedule: "cron(0 5 ? * * *)", lifecycle: { deleteAfter: 7 } }]);

    it("backup-copies-destination-key: the us-west-1 copy encrypted with a us-east-2 key ARN", () => {
      const b = built();
      replication(b).addOverride("kms_key_id", "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-4000-8000-000000000001");
      expect(() => b.app.synth()).toThrow(/\[secondary\] aws_db_instance_automated_backups_replication\.[\s\S]*backup-copies-destination-key: the replicated backups of drweb-prod-use2-db-g1-writer in us-west-1 is encrypted with a key of us-east-2/);
    });

    it("backup-retention-minimum: the copy kept fewer days than backups.minRetentionDays", () => {
      const b = built();
      replication(b).addOverride("retention_period", 3);
      expect(() => b.app.synth()).toThrow(/backup-retention-minimum: the replicated backups of drweb-prod-use2-db-g1-writer are kept 3 days, below backups.minRetentionDays \(7\)/);
    });

    it("dr-db-backups-replicated: the writer's backups replicated into its own region", () => {
      const b = built();
      replication(b).addOverride("source_db_instance_arn", "arn:aws:rds:us-west-1:123456789012:db:drweb-prod-use2-db-g1-writer");
      expect(() => b.app.synth()).toThrow(/dr-db-backups-replicated: the backups of drweb-prod-use2-db-g1-writer are replicated into their own region us-west-1/);
    });

    it("dr-db-backups-replicated: the Aurora plan's copy rule removed", () => {
      const b = built({ database: { engine: "aurora-postgresql" } });
      noCopies(b);
      expect(() => b.app.synth()).toThrow(/dr-db-backups-replicated: AWS Backup plan drweb-prod-use2-db copies into no vault of another region/);
    });

    it("backup-vault-protected: a vault force-destroyed, and a plan without the isolated copy", () => {
      const b = built(ISOLATED);
      backups(b).vault.addOverride("force_destroy", true);
      noCopies(b);
      expect(() => b.app.synth()).toThrow(/backup-vault-protected: vault drweb-prod-use2-db-backups has force_destroy[\s\S]*backup-vault-protected: AWS Backup plan drweb-prod-use2-db does not copy into the isolated vault drweb-isolated of account 210987654321 in us-west-1/);
    });
  });

  it("refuses suppressions without a reason or for a rule that does not exist", () => {
    const { app, drApp } = built();
    expect(() => suppressPolicy(drApp.regional.primary, "kms-rotation", "because")).toThrow(/the reason must say why/);
    suppressPolicy(drApp.regional.primary, "kms-rotaton", "a typo in the rule id must not silently suppress nothing");
    expect(() => app.synth()).toThrow(/Policy suppression for unknown rule\(s\): kms-rotaton at primary/);
  });

  it("synthesizes byte-identical stacks with the policy checked first (it only reads)", () => {
    const a = synthApp();
    const b = built();
    b.drApp.policy.findings();
    b.app.synth();
    for (const s of ["primary", "dns"]) {
      expect(fs.readFileSync(path.join(b.app.outdir, "stacks", s, "cdk.tf.json"), "utf8")).toBe(a.text(s));
    }
  });

  describe("through main.ts (cdktf synth)", () => {
    const runMain = async (config: unknown) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drpolmain-"));
      fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify(config));
      const outdir = path.join(dir, "cdktf.out");
      const r = await run(process.execPath, SYNTH, { cwd: PROJECT_ROOT, env: { ...process.env, DR_CONFIG: path.join(dir, "c.json"), CDKTF_OUTDIR: outdir } });
      return { ...r, outdir };
    };

    it("fails on a weakening config with the rule's message and fix, writing nothing", async () => {
      const r = await runMain({ web: { albDeletionProtection: false }, dns: { zoneName: "drweb.io", domainName: "www.drweb.io" } });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Policy violations \(nothing was written/);
      expect(r.stderr).toMatch(/\[primary\] aws_lb\.Web_LoadBalancer_Alb_[A-Z0-9]+ \(primary\/Web\/LoadBalancer\/Alb\)\n\s+alb-hardened: deletion protection is off \(web\.albDeletionProtection\)\n\s+Fix: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(r.outdir)).toBe(false);
    }, 60_000);

    it("lists the suppressions in the synth output", async () => {
      const r = await runMain({ dns: { zoneName: "drweb.io", domainName: "www.drweb.io" } });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Policy suppressions \(deliberate exceptions, each with its reason\):\n\s+- \[primary\] aws_s3_bucket\.Web_AccessLogs_Store_Bucket_[A-Z0-9]+: s3-encrypted-cmk suppressed: ELB access-log delivery/);
    }, 60_000);
  });

  it("npm run policy prints the rules x stacks table", async () => {
    const r = await run(process.execPath, [SYNTH[0], "scripts/policy-report.ts"], { cwd: PROJECT_ROOT, env: { ...process.env, DR_CONFIG: "" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\| rule\s+\| dns\s+\| dns-alarms\s+\| dns-zone\s+\| primary\s+\| primary-monitoring\s+\| secondary\s+\| secondary-monitoring\s+\|$/m);
    expect(r.stdout).toMatch(/^\| s3-encrypted-cmk\s+\| n\/a\s+\| n\/a\s+\| n\/a\s+\| suppressed \(1\)\s+\|/m);
    expect(r.stdout).toMatch(/^\| dr-failover-pair\s+\| pass\s+\|/m);
    expect(r.stdout).toMatch(/^\| dr-failover-switch\s+\| pass\s+\|/m);
    expect(r.stdout).toContain("No violations.");
  }, 60_000);
});
