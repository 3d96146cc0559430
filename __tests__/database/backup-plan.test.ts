/**
 * Backups restorable in either region (issue 26 point 1): which writer's
 * automated backups each regional stack replicates into its region, in each
 * DR state, and the config that governs them. Whole-app synthesis (real);
 * what AWS does on apply is cited in src/database/backup-plan.ts.
 */
import { configWarnings, resolveConfig } from "../../src/config";
import { BACKUP_REPLICATION } from "../../src/database/backup-plan";
import { vaultLockSettings } from "../../src/config/backup-settings";
import { resourceList, synthApp, type StackJson } from "../helpers/synth";
import { configProblems as problems } from "../helpers/config-problems";

const replications = (stack: StackJson) => stack.resource?.aws_db_instance_automated_backups_replication ?? {};
const keyRef = (stack: StackJson) => `\${aws_kms_key.${Object.keys(stack.resource!.aws_kms_key).find((k) => k.startsWith("RegionKey_"))}.arn}`;
const SRC = (region: string, id: string) => `arn:\${data.aws_partition.Partition.partition}:rds:${region}:\${data.aws_caller_identity.Account.account_id}:db:${id}`;

/** Each stack's replications as "<construct id> <- <source identifier>", sorted. */
function replicated(overrides: unknown): Record<string, string[]> {
  const app = synthApp(overrides);
  const out: Record<string, string[]> = {};
  for (const s of ["primary", "secondary"]) {
    out[s] = Object.entries(replications(app.stacks[s])).map(([id, r]: [string, any]) => `${id.replace(/_[0-9A-F]{8}$/, "")} <- ${String(r.source_db_instance_arn).split(":db:")[1]}`);
  }
  return out;
}

describe("BackupReplica", () => {
  it("replicates the primary writer's backups into us-west-1 in normal, with the us-west-1 key, the configured retention and a parameter dr restore reads", () => {
    const app = synthApp();
    const sec = app.stacks.secondary;
    const reps = Object.values(replications(sec));
    expect(reps).toHaveLength(1);
    expect(reps[0]).toMatchObject({ source_db_instance_arn: SRC("us-east-2", "drweb-prod-use2-db-g1-writer"), kms_key_id: keyRef(sec), retention_period: 7 });
    // Declared with the secondary stack's own (us-west-1) provider: no alias.
    expect(reps[0].provider).toBeUndefined();
    expect(sec.provider!.aws[0].region).toBe("us-west-1");
    const param = resourceList(sec, "aws_ssm_parameter").find((p) => p.name === "/drweb-prod/dr/db/backup-replica");
    expect(param).toMatchObject({ type: "String" });
    expect(param.value).toContain("automatedBackupsArn");
    expect(param.value).toContain("aws_db_instance_automated_backups_replication.BackupReplica_Replication_");
    expect(Object.keys(sec.output!)).toEqual(expect.arrayContaining(["db_backup_replica_arn", "db_backup_replica_source_arn", "db_backup_replica_kms_key_arn", "db_backup_replica_parameter"]));
    expect(replications(app.stacks.primary)).toEqual({});
    expect(app.stacks.primary.output!.db_backup_replica_arn).toBeUndefined();
  });

  it("follows the writer through failover and failback: kept in failedOver, the primary replicates the promoted writer in failback, a new resource per source generation", () => {
    expect(replicated({})).toEqual({ primary: [], secondary: ["BackupReplica_Replication <- drweb-prod-use2-db-g1-writer"] });
    // failedOver: the same resource with the same arguments (no change, nothing sent to the region that is down).
    expect(replicated({ database: { drState: "failedOver" } })).toEqual({ primary: [], secondary: ["BackupReplica_Replication <- drweb-prod-use2-db-g1-writer"] });
    const normal = synthApp();
    const failedOver = synthApp({ database: { drState: "failedOver" } });
    expect(replications(failedOver.stacks.secondary)).toEqual(replications(normal.stacks.secondary));
    // failback: us-east-2 (rebuilt as g2) holds a copy of the promoted us-west-1 writer's backups, with the us-east-2 key.
    const fb = { database: { drState: "failback", generations: { primary: 2 } } };
    expect(replicated(fb)).toEqual({ primary: ["BackupReplica_Replication <- drweb-prod-usw1-db-g1-writer"], secondary: [] });
    const primary = synthApp(fb).stacks.primary;
    expect(Object.values(replications(primary))[0]).toMatchObject({ source_db_instance_arn: SRC("us-west-1", "drweb-prod-usw1-db-g1-writer"), kms_key_id: keyRef(primary) });
    // back to normal, both rebuilt: us-west-1 replicates the g2 writer under a new address.
    expect(replicated({ database: { generations: { primary: 2, secondary: 2 } } })).toEqual({ primary: [], secondary: ["BackupReplica_ReplicationG2 <- drweb-prod-use2-db-g2-writer"] });
    // second cycle: failback with the primary at g3 replicates the secondary's g2 writer.
    expect(replicated({ database: { drState: "failback", generations: { primary: 3, secondary: 2 } } })).toEqual({ primary: ["BackupReplica_ReplicationG2 <- drweb-prod-usw1-db-g2-writer"], secondary: [] });
  });

  it("replicates only a writer that is not a replica (its source has backups of its own), never into the writer's own region", () => {
    for (const state of ["normal", "failedOver", "failback"] as const) {
      const app = synthApp({ database: { drState: state, generations: state === "failback" ? { primary: 2 } : {} } });
      for (const [role, source] of Object.entries(BACKUP_REPLICATION[state])) {
        const arn = String(Object.values(replications(app.stacks[role]))[0].source_db_instance_arn);
        const writer = Object.values(app.stacks[source!].resource!.aws_db_instance).find((d: any) => arn.endsWith(`:db:${d.identifier}`)) as any;
        expect(writer, `${state} ${role}`).toBeDefined();
        expect(writer.replicate_source_db, `${state}: the replicated writer is not a read replica`).toBeUndefined();
        expect(writer.backup_retention_period).toBeGreaterThan(0);
        expect(app.config.regions[role as "primary"].region).not.toBe(app.config.regions[source!].region);
      }
    }
  });

  it("is off with backups.crossRegion.enabled false (outside production), and absent in the Aurora mode", () => {
    expect(replicated({ environment: "staging", backups: { crossRegion: { enabled: false } } })).toEqual({ primary: [], secondary: [] });
    expect(replicated({ database: { engine: "aurora-postgresql" } })).toEqual({ primary: [], secondary: [] });
  });

  it("takes its retention from backups.crossRegion.retentionDays", () => {
    const app = synthApp({ backups: { crossRegion: { retentionDays: 14 }, minRetentionDays: 7 } });
    expect(Object.values(replications(app.stacks.secondary))[0].retention_period).toBe(14);
  });
});

describe("backups config", () => {
  it("refuses retention outside 1-35 days, naming the field", () => {
    expect(problems({ backups: { crossRegion: { retentionDays: 36 } } })).toEqual([
      { field: "backups.crossRegion.retentionDays", message: expect.stringMatching(/36 is outside RDS's backup retention range \(1 to 35 days\)\. Fix: set 1 to 35/) },
    ]);
    expect(problems({ backups: { minRetentionDays: 0 } }).map((p) => p.field)).toContain("backups.minRetentionDays");
  });

  it("refuses a retention below backups.minRetentionDays", () => {
    expect(problems({ backups: { minRetentionDays: 14 } }).map((p) => p.field).sort()).toEqual(["backups.crossRegion.retentionDays", "database.backupRetentionDays"]);
    const [p] = problems({ backups: { minRetentionDays: 10 }, database: { backupRetentionDays: 10 } });
    expect(p).toEqual({ field: "backups.crossRegion.retentionDays", message: expect.stringMatching(/7 days is below backups\.minRetentionDays \(10\)\. Fix: raise backups\.crossRegion\.retentionDays to at least 10/) });
  });

  it("refuses turning cross-region replication off in a production environment", () => {
    expect(problems({ backups: { crossRegion: { enabled: false } } })).toEqual([{ field: "backups.crossRegion.enabled", message: expect.stringMatching(/production one.*Fix: set true/) }]);
    expect(() => resolveConfig({ environment: "dev", backups: { crossRegion: { enabled: false } } })).not.toThrow();
  });

  it("validates the isolated copy's account, vault, region and schedule with a fix for each", () => {
    const got = problems({ backups: { isolatedCopy: { accountId: "12345", vaultName: "a b", region: "us-nowhere-1", schedule: "daily" } } });
    expect(got.map((p) => p.field).sort()).toEqual(["backups.isolatedCopy.accountId", "backups.isolatedCopy.region", "backups.isolatedCopy.schedule", "backups.isolatedCopy.vaultName"]);
    expect(got.find((p) => p.field === "backups.isolatedCopy.accountId")!.message).toMatch(/not an AWS account id\. Fix: give the backup account's 12 digits/);
    expect(got.find((p) => p.field === "backups.isolatedCopy.vaultName")!.message).toMatch(/not an AWS Backup vault name.*Fix:/);
    expect(problems({ backups: { isolatedCopy: { enabled: true } } }).map((p) => p.field).sort()).toEqual(["backups.isolatedCopy.accountId", "backups.isolatedCopy.vaultName"]);
  });

  it("is on by default in prod: without a backup account it warns, with one it is settled; off by default elsewhere", () => {
    expect(configWarnings(resolveConfig({})).join("\n")).toMatch(/backups\.isolatedCopy: on by default in environment "prod", but no backup account is named/);
    expect(configWarnings(resolveConfig({ environment: "staging" })).join("\n")).not.toMatch(/isolatedCopy/);
    expect(configWarnings(resolveConfig({ backups: { isolatedCopy: { enabled: false } } })).join("\n")).not.toMatch(/isolatedCopy/);
    expect(configWarnings(resolveConfig({ backups: { isolatedCopy: { accountId: "210987654321", vaultName: "drweb-isolated" } } })).join("\n")).not.toMatch(/isolatedCopy/);
  });
});

describe("backups.vaultLock config", () => {
  it("is on in prod (governance, min = backups.minRetentionDays, no max), off elsewhere; compliance takes a 3-day grace time by default", () => {
    expect(vaultLockSettings(resolveConfig({}))).toEqual({ mode: "governance", minRetentionDays: 7 });
    expect(vaultLockSettings(resolveConfig({ environment: "staging" }))).toBeUndefined();
    expect(vaultLockSettings(resolveConfig({ backups: { vaultLock: { mode: "compliance" } } }))).toEqual({ mode: "compliance", minRetentionDays: 7, changeableForDays: 3 });
  });

  it("refuses a lock whose minimum exceeds the plan's retention (every backup and copy job would fail), naming both fields and the fix", () => {
    expect(problems({ backups: { vaultLock: { minRetentionDays: 8 } } })).toEqual([
      { field: "backups.vaultLock.minRetentionDays", message: expect.stringMatching(/8 days is above backups\.crossRegion\.retentionDays \(7\).*FAIL every backup and copy job\. Fix: lower backups\.vaultLock\.minRetentionDays to at most 7, or raise backups\.crossRegion\.retentionDays to at least 8/) },
    ]);
    // The default minimum follows backups.minRetentionDays; fine as long as the plan keeps at least that long.
    expect(() => resolveConfig({ database: { backupRetentionDays: 14 }, backups: { minRetentionDays: 14, crossRegion: { retentionDays: 14 } } })).not.toThrow();
  });

  it("refuses a maximum below the plan's retention, out of range, or below the minimum", () => {
    expect(problems({ backups: { vaultLock: { maxRetentionDays: 6 } } })).toEqual([
      { field: "backups.vaultLock.maxRetentionDays", message: expect.stringMatching(/6 days is below backups\.crossRegion\.retentionDays \(7\).*Fix: raise backups\.vaultLock\.maxRetentionDays to at least 7/) },
    ]);
    expect(problems({ backups: { vaultLock: { maxRetentionDays: 40000 } } })[0]).toEqual({ field: "backups.vaultLock.maxRetentionDays", message: expect.stringMatching(/outside 1-36500 days/) });
    expect(problems({ backups: { vaultLock: { minRetentionDays: 0 } } })[0]).toEqual({ field: "backups.vaultLock.minRetentionDays", message: expect.stringMatching(/shortest minimum retention AWS Backup accepts \(1 day\)/) });
  });

  it("refuses changeableForDays in governance mode and below AWS's 3-day cooling-off period", () => {
    expect(problems({ backups: { vaultLock: { changeableForDays: 5 } } })).toEqual([{ field: "backups.vaultLock.changeableForDays", message: expect.stringMatching(/mode is "governance".*Fix: remove changeableForDays, or set backups\.vaultLock\.mode "compliance"/) }]);
    expect(problems({ backups: { vaultLock: { mode: "compliance", changeableForDays: 2 } } })).toEqual([{ field: "backups.vaultLock.changeableForDays", message: expect.stringMatching(/below AWS Backup's 72-hour cooling-off period\. Fix: set 3 or more/) }]);
    expect(problems({ backups: { vaultLock: { mode: "locked" } } }).map((p) => p.field)).toEqual(["backups.vaultLock.mode"]);
  });

  it("does not check the lock's retention when the lock is off", () => {
    expect(() => resolveConfig({ environment: "dev", backups: { vaultLock: { minRetentionDays: 30 } } })).not.toThrow();
  });
});

describe("DatabaseBackups", () => {
  const ISOLATED = { backups: { isolatedCopy: { accountId: "210987654321", vaultName: "drweb-isolated" } } };
  const plans = (stack: StackJson) => resourceList(stack, "aws_backup_plan");

  it("builds nothing of AWS Backup in the RDS mode without an isolated account (the default)", () => {
    const app = synthApp();
    for (const s of ["primary", "secondary"]) expect(resourceList(app.stacks[s], "aws_backup_vault"), s).toEqual([]);
  });

  it("copies the writing database into the isolated account's vault from the writing region, the vault kept in both regions in every DR state", () => {
    for (const [state, writes] of [["normal", "primary"], ["failedOver", "secondary"], ["failback", "secondary"]] as const) {
      const app = synthApp({ ...ISOLATED, database: { drState: state, generations: state === "failback" ? { primary: 2 } : {} } });
      for (const s of ["primary", "secondary"] as const) {
        const stack = app.stacks[s];
        const vaults = resourceList(stack, "aws_backup_vault");
        expect(vaults, `${state} ${s}`).toHaveLength(1);
        expect(vaults[0]).toMatchObject({ kms_key_arn: keyRef(stack), force_destroy: false });
        expect(plans(stack).length, `${state} ${s}`).toBe(s === writes ? 1 : 0);
      }
      const [plan] = plans(app.stacks[writes]);
      expect(plan.rule[0].copy_action).toEqual([{ destination_vault_arn: "arn:${data.aws_partition.Partition.partition}:backup:us-west-1:210987654321:backup-vault:drweb-isolated", lifecycle: { delete_after: 35 } }]);
      const [sel] = resourceList(app.stacks[writes], "aws_backup_selection");
      const writer = Object.entries(app.stacks[writes].resource!.aws_db_instance).find(([, d]: [string, any]) => !d.replicate_source_db)![0];
      expect(sel.resources).toEqual([`\${aws_db_instance.${writer}.arn}`]);
    }
  });

  it("locks each app vault (governance, min 7) and denies recovery-point deletion to every principal, in both regions in every DR state (backups.vaultLock, on in prod)", () => {
    for (const state of ["normal", "failedOver", "failback"] as const) {
      const app = synthApp({ ...ISOLATED, database: { drState: state, generations: state === "failback" ? { primary: 2 } : {} } });
      for (const s of ["primary", "secondary"] as const) {
        const stack = app.stacks[s];
        const vaultId = Object.keys(stack.resource!.aws_backup_vault)[0];
        const locks = resourceList(stack, "aws_backup_vault_lock_configuration");
        expect(locks.map(({ "//": _m, ...l }) => l), `${state} ${s}`).toEqual([{ backup_vault_name: `\${aws_backup_vault.${vaultId}.name}`, min_retention_days: 7 }]);
        const [policy] = resourceList(stack, "aws_backup_vault_policy");
        expect(policy.backup_vault_name).toBe(`\${aws_backup_vault.${vaultId}.name}`);
        const doc = stack.data!.aws_iam_policy_document[/data\.aws_iam_policy_document\.([^.]+)\.json/.exec(policy.policy)![1]];
        expect(doc.statement).toEqual([{ sid: "DenyRecoveryPointDeletion", effect: "Deny", principals: [{ type: "AWS", identifiers: ["*"] }], actions: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], resources: ["*"] }]);
      }
    }
  });

  it("makes the lock a compliance lock with the configured grace time and maximum, and builds neither lock nor policy with vaultLock off", () => {
    const compliance = synthApp({ ...ISOLATED, backups: { ...ISOLATED.backups, vaultLock: { mode: "compliance", changeableForDays: 14, maxRetentionDays: 35 } } });
    expect(resourceList(compliance.stacks.primary, "aws_backup_vault_lock_configuration")[0]).toMatchObject({ min_retention_days: 7, max_retention_days: 35, changeable_for_days: 14 });
    const off = synthApp({ ...ISOLATED, backups: { ...ISOLATED.backups, vaultLock: { enabled: false } } });
    for (const s of ["primary", "secondary"]) {
      expect(resourceList(off.stacks[s], "aws_backup_vault")).toHaveLength(1);
      expect(resourceList(off.stacks[s], "aws_backup_vault_lock_configuration")).toEqual([]);
      expect(resourceList(off.stacks[s], "aws_backup_vault_policy")).toEqual([]);
    }
  });

  it("shares the region key with the isolated account (use only), and only then", () => {
    const statements = (o: unknown) => JSON.stringify(synthApp(o).stacks.primary.data!.aws_iam_policy_document);
    expect(statements(ISOLATED)).toContain("arn:${data.aws_partition.Partition.partition}:iam::210987654321:root");
    expect(statements({})).not.toContain("210987654321");
  });

  it("Aurora mode: the global primary's cluster backed up and copied to the other region's vault (same account) in every DR state", () => {
    for (const [state, writes, other] of [["normal", "primary", "us-west-1"], ["failedOver", "secondary", "us-east-2"], ["failback", "secondary", "us-east-2"]] as const) {
      const app = synthApp({ environment: "staging", database: { engine: "aurora-postgresql", drState: state, generations: state === "failback" ? { primary: 2 } : {} } });
      const [plan] = plans(app.stacks[writes]);
      const otherPrefix = other === "us-west-1" ? "drweb-staging-usw1" : "drweb-staging-use2";
      expect(plan.rule[0].copy_action, state).toEqual([{ destination_vault_arn: `arn:\${data.aws_partition.Partition.partition}:backup:${other}:\${data.aws_caller_identity.Account.account_id}:backup-vault:${otherPrefix}-db-backups`, lifecycle: { delete_after: 7 } }]);
      expect(resourceList(app.stacks[writes], "aws_backup_selection")[0].resources[0]).toMatch(/^\$\{aws_rds_cluster\./);
      // The other region's vault, with the name the copy rule gives.
      const otherRole = writes === "primary" ? "secondary" : "primary";
      expect(resourceList(app.stacks[otherRole], "aws_backup_vault")[0].name).toBe(`${otherPrefix}-db-backups`);
    }
  });
});
