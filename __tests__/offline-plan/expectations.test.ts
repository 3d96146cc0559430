import { changedAttributes, checkFights, checkPlan, checkRefusal, invariantProblems, planNotes, type Expectation, type FightRule } from "../../src/offline-plan/expectations";
import type { Diagnostic, PlanResourceChange } from "../../src/offline-plan/types";

/** A resource change as `terraform test -json -verbose` reports it (values trimmed to what the checks read). */
function rc(address: string, actions: PlanResourceChange["change"]["actions"], before: Record<string, unknown> | null, after: Record<string, unknown> | null, afterUnknown: Record<string, unknown> = {}): PlanResourceChange {
  const [type, name] = address.split(".");
  return { address, mode: "managed", type, name, change: { actions, before, after, after_unknown: afterUnknown } };
}

const writerG1 = { identifier: "drweb-prod-use2-db-g1-writer", deletion_protection: false, skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-use2-db-g1-writer-final", replicate_source_db: null };
const source = "arn:aws:rds:us-west-1:123456789012:db:drweb-prod-usw1-db-g1-writer";

describe("offline plan expectations", () => {
  it("flags a database instance renamed and re-pointed in place (the failback defect the plan found)", () => {
    const renamed = rc("aws_db_instance.Database_Writer_2C00925F", ["update"], writerG1, { ...writerG1, identifier: "drweb-prod-use2-db-g2-writer", replicate_source_db: source });
    const problems = invariantProblems([renamed]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('identifier "drweb-prod-use2-db-g1-writer" -> "drweb-prod-use2-db-g2-writer"');
    expect(problems[0]).toContain("renamed/re-pointed instead of rebuilt");
  });

  it("flags a destroy the apply would refuse: deletion protection still on, or a writer without a final snapshot", () => {
    const protectedWriter = rc("aws_db_instance.W", ["delete"], { ...writerG1, deletion_protection: true }, null);
    const noSnapshot = rc("aws_db_instance.X", ["delete"], { ...writerG1, skip_final_snapshot: true }, null);
    const alb = rc("aws_lb.A", ["delete", "create"], { name: "x", enable_deletion_protection: true }, { name: "x" });
    const problems = invariantProblems([protectedWriter, noSnapshot, alb]);
    expect(problems.some((p) => p.startsWith("aws_db_instance.W: destroyed while deletion protection is on"))).toBe(true);
    expect(problems).toContain("aws_db_instance.X: a writer destroyed without a final snapshot");
    expect(problems.some((p) => p.startsWith("aws_lb.A: destroyed while deletion protection is on"))).toBe(true);
  });

  it("flags a backup vault's lock or deny policy destroyed or replaced, whatever the step promises (backups.vaultLock)", () => {
    const lock = { backup_vault_name: "drweb-prod-use2-db-backups", min_retention_days: 7 };
    const replaced = rc("aws_backup_vault_lock_configuration.L", ["delete", "create"], lock, { ...lock, min_retention_days: 14 });
    const dropped = rc("aws_backup_vault_policy.P", ["delete"], { backup_vault_name: lock.backup_vault_name, policy: "{}" }, null);
    const kept = rc("aws_backup_vault_lock_configuration.K", ["no-op"], lock, lock);
    const problems = invariantProblems([replaced, dropped, kept]);
    expect(problems).toEqual([
      expect.stringMatching(/^aws_backup_vault_lock_configuration\.L: the backup vault's lock replaced \(deleted, then put again\): no DR step may unprotect a vault/),
      expect.stringMatching(/^aws_backup_vault_policy\.P: the backup vault's deny-deletion access policy destroyed/),
    ]);
  });

  const rebuild: Expectation = {
    changes: [
      { what: "old writer destroyed", type: "aws_db_instance", kind: "delete", match: (r) => r.change.before?.identifier === writerG1.identifier },
      { what: "new writer created", type: "aws_db_instance", kind: "create", match: (r) => r.change.after?.identifier === "drweb-prod-use2-db-g2-writer", check: (r) => (r.change.after?.replicate_source_db === source ? [] : ["wrong source"]) },
    ],
    outputs: ["db_writer_identifier"],
  };
  const outputs = { db_writer_identifier: { actions: ["update" as const], before: "a", after: "b" }, region: { actions: ["no-op" as const], before: "x", after: "x" } };

  it("passes a rebuild that destroys the old generation and creates the new one, and nothing else", () => {
    const plan = [
      rc("aws_db_instance.Database_Writer_2C00925F", ["delete"], writerG1, null),
      rc("aws_db_instance.Database_WriterG2_1291086F", ["create"], null, { identifier: "drweb-prod-use2-db-g2-writer", replicate_source_db: source }),
      rc("aws_vpc.V", ["no-op"], { cidr_block: "10.10.0.0/16" }, { cidr_block: "10.10.0.0/16" }),
    ];
    expect(checkPlan(plan, outputs, rebuild).problems).toEqual([]);
  });

  it("fails when a promised change is missing, a promise about it is broken, or anything else changes (data loss called out)", () => {
    const plan = [
      rc("aws_db_instance.Database_WriterG2_1291086F", ["create"], null, { identifier: "drweb-prod-use2-db-g2-writer", replicate_source_db: "arn:aws:rds:us-west-1:123456789012:db:other" }),
      rc("aws_kms_key.RegionKey", ["delete", "create"], { key_usage: "ENCRYPT_DECRYPT" }, { key_usage: "SIGN_VERIFY" }),
      rc("aws_security_group.Web", ["update"], { description: "a" }, { description: "b" }),
    ];
    const { problems } = checkPlan(plan, { ...outputs, region: { actions: ["update"], before: "x", after: "y" } }, rebuild);
    expect(problems).toContain("expected delete: old writer destroyed; the plan has no such change");
    expect(problems).toContain("new writer created: wrong source");
    expect(problems.some((p) => p.startsWith("DATA LOSS: unexpected change (the runbook does not promise it): replace aws_kms_key.RegionKey"))).toBe(true);
    expect(problems).toContain("unexpected change (the runbook does not promise it): update aws_security_group.Web [description]");
    expect(problems).toContain("outputs that change: [db_writer_identifier, region]; the runbook promises [db_writer_identifier]");
  });

  it("counts only real differences as changes: the legacy SDK's null vs \"\" vs 0 vs [] is none, an unknown value is one", () => {
    const lt = rc(
      "aws_launch_template.L",
      ["update"],
      { user_data: "a", latest_version: 1, network_interfaces: [{ description: null, ipv4_addresses: null, ipv4_address_count: null, device_index: 0 }], ebs_optimized: true },
      { user_data: "b", latest_version: null, network_interfaces: [{ description: "", ipv4_addresses: [], ipv4_address_count: 0, device_index: 0 }], ebs_optimized: false },
      { latest_version: true },
    );
    expect(changedAttributes(lt)).toEqual(["ebs_optimized", "latest_version", "user_data"]);
  });

  it("fails a plan that destroys a read replica whose state still asks for a final snapshot (RDS refuses it: the apply would stop there)", () => {
    const reader = rc("aws_db_instance.R", ["delete"], { identifier: "r1", replicate_source_db: "w1", skip_final_snapshot: false, final_snapshot_identifier: "r1-final", deletion_protection: false }, null);
    const problems = invariantProblems([reader]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("aws_db_instance.R (r1): a read replica destroyed with skip_final_snapshot = false in state");
    expect(problems[0]).toContain("API_DeleteDBInstance.html");
    // The same replica with the setting applied by an earlier deploy is destroyable.
    const ready = rc("aws_db_instance.R", ["delete"], { identifier: "r1", replicate_source_db: "w1", skip_final_snapshot: true, final_snapshot_identifier: null, deletion_protection: false }, null);
    expect(invariantProblems([ready])).toEqual([]);
    expect(planNotes([ready])).toEqual([]);
  });
});

describe("offline plan expectations, Aurora Global Database", () => {
  const cluster = { cluster_identifier: "drweb-prod-use2-db-g1-cluster", global_cluster_identifier: "drweb-prod-db-global", deletion_protection: false, skip_final_snapshot: false, final_snapshot_identifier: "drweb-prod-use2-db-g1-cluster-final" };

  it("flags a cluster destroyed with deletion protection on in state (DeleteDBCluster refuses it) or without a final snapshot", () => {
    const guarded = rc("aws_rds_cluster.C", ["delete", "create"], { ...cluster, deletion_protection: true }, { ...cluster, cluster_identifier: "drweb-prod-use2-db-g2-cluster" });
    const noSnapshot = rc("aws_rds_cluster.D", ["delete"], { ...cluster, skip_final_snapshot: true, final_snapshot_identifier: null }, null);
    const problems = invariantProblems([guarded, noSnapshot]);
    expect(problems).toContain("aws_rds_cluster.C: destroyed while deletion protection is on (the apply would fail): the runbook must turn it off first");
    expect(problems).toContain("aws_rds_cluster.D: an Aurora cluster destroyed without a final snapshot (skip_final_snapshot true in state)");
    expect(invariantProblems([rc("aws_rds_cluster.E", ["delete"], cluster, null)])).toEqual([]);
  });

  it("flags a cluster moved to or out of a global cluster in place (the provider refuses to add an existing cluster to one)", () => {
    const rejoined = rc("aws_rds_cluster.C", ["update"], { ...cluster, global_cluster_identifier: null }, cluster);
    const problems = invariantProblems([rejoined]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('global_cluster_identifier null -> "drweb-prod-db-global"');
    // The AWS-managed attributes changing is not a move.
    expect(invariantProblems([rc("aws_rds_cluster.C", ["update"], { ...cluster, replication_source_identifier: "arn:x" }, cluster)])).toEqual([]);
  });

  it("counts an Aurora cluster replaced without a promise as data loss", () => {
    const replaced = rc("aws_rds_cluster.C", ["delete", "create"], cluster, { ...cluster, database_name: "drweb" });
    const { problems } = checkPlan([replaced], {}, { changes: [], outputs: [] });
    expect(problems.some((p) => p.startsWith("DATA LOSS: unexpected change (the runbook does not promise it): replace aws_rds_cluster.C"))).toBe(true);
  });

  const born: FightRule = { what: "born primary", type: "aws_rds_cluster", match: (r) => r.change.before?.cluster_identifier === cluster.cluster_identifier, attributes: ["replication_source_identifier", "database_name"] };

  it("passes a control plan only when the resource is updated or replaced over one of the named attributes", () => {
    const fought = rc("aws_rds_cluster.C", ["update"], { ...cluster, replication_source_identifier: "arn:aws:rds:us-west-1:123456789012:cluster:x" }, { ...cluster, replication_source_identifier: null });
    expect(checkFights([fought], [born]).problems).toEqual([]);
    const replaced = rc("aws_rds_cluster.C", ["delete", "create"], { ...cluster, database_name: null }, { ...cluster, database_name: "drweb" });
    expect(checkFights([replaced], [born]).problems).toEqual([]);
  });

  it("fails a control plan that leaves the resource alone or changes only other attributes (the ignore list would then prove nothing)", () => {
    const untouched = rc("aws_rds_cluster.C", ["no-op"], cluster, cluster);
    const other = rc("aws_rds_cluster.C", ["update"], cluster, { ...cluster, deletion_protection: true });
    const [none] = checkFights([untouched], [born]).problems;
    expect(none).toContain("control: born primary: without ignore_changes the plan should update or replace it over [replication_source_identifier, database_name]; it has no change");
    expect(checkFights([other], [born]).problems[0]).toContain("it has update aws_rds_cluster.C [deletion_protection]");
  });

  describe("refusal checks (a guard must stop the plan with its message)", () => {
    const refusal = { dataSource: "aws_rds_orderable_db_instance", says: ["database.instanceClass", "us-west-1", "Fix:"] };
    // Diagnostics as `terraform test -json` reports a failed postcondition (summary, detail, the snippet's context).
    const guard: Diagnostic = {
      severity: "error",
      summary: "Resource postcondition failed",
      detail: "database.instanceClass: db.r6g.large is not offered for Aurora PostgreSQL 16.6 in us-west-1 (regions.secondary.region). Fix: ...",
      context: "data.aws_rds_orderable_db_instance.Database_Offering_InstanceClass_BD375ACB.lifecycle.postcondition[0]",
    };

    it("passes a plan that errored at the guard's postcondition, saying all it promises", () => {
      expect(checkRefusal({ name: "plan", status: "error" }, [guard], refusal)).toEqual([]);
    });

    it("fails a plan that passed (no guard) or stopped elsewhere, or a message that misses the field", () => {
      expect(checkRefusal({ name: "plan", status: "pass", resourceChanges: [] }, [], refusal)).toEqual([
        "the plan passed: no guard stopped it (the config would reach AWS's create calls)",
        "no postcondition of a data.aws_rds_orderable_db_instance failed",
      ]);
      const other: Diagnostic = { severity: "error", summary: "Invalid reference", detail: "x", context: "resource.aws_lb.A" };
      const problems = checkRefusal({ name: "plan", status: "error" }, [other], refusal);
      expect(problems).toContain("no postcondition of a data.aws_rds_orderable_db_instance failed");
      expect(problems).toContain("another error stopped the plan: Invalid reference (resource.aws_lb.A): x");
      const vague = checkRefusal({ name: "plan", status: "error" }, [{ ...guard, detail: "not offered" }], refusal);
      expect(vague[0]).toContain('its message does not say "database.instanceClass", "us-west-1", "Fix:"');
      // Another data source's postcondition is not this guard.
      expect(checkRefusal({ name: "plan", status: "error" }, [{ ...guard, context: "data.aws_availability_zones.Z.lifecycle.postcondition[0]" }], refusal)).toContain("no postcondition of a data.aws_rds_orderable_db_instance failed");
    });
  });
});
