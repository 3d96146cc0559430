/**
 * What a runbook step promises about the plan of the deploy it asks for, and
 * the check of a real plan against it: the changes it says to expect and no
 * others; data-bearing resources never replaced or destroyed unless it says
 * so; rebuilds that the provider can carry out.
 */
import type { Action, Diagnostic, PlanOutputChange, PlanResourceChange, RunResult } from "./types";

export type ChangeKind = "create" | "delete" | "update" | "replace";

/** One change the runbook promises. */
export interface ChangeRule {
  /** What the runbook calls it, e.g. "g1 writer drweb-prod-use2-db-g1-writer destroyed". */
  readonly what: string;
  readonly type: string;
  readonly kind: ChangeKind;
  /** Selects the resource change (by its before/after values). */
  readonly match: (rc: PlanResourceChange) => boolean;
  /** For updates: exactly the attributes that change. */
  readonly attributes?: readonly string[];
  /** Further promises about the change; returns the broken ones. */
  readonly check?: (rc: PlanResourceChange) => string[];
  /**
   * The rule covers every matching change (one or more), each held to
   * `attributes` and `check`: for a ripple whose members the step does not
   * name one by one.
   * @default - exactly one matching change
   */
  readonly many?: boolean;
}

export interface Expectation {
  readonly changes: readonly ChangeRule[];
  /** Outputs whose value changes; every other output must keep its value. */
  readonly outputs: readonly string[];
}

/**
 * Resource types that hold data or the keys to it: replacing or destroying
 * one loses what it holds (a database, encrypted data whose key is gone,
 * objects, secrets, logs, a delegated zone, the monitoring cluster's volumes).
 */
export const DATA_BEARING = new Set([
  "aws_db_instance",
  // Aurora: the cluster holds the storage; the global cluster, its replication.
  "aws_rds_cluster",
  "aws_rds_global_cluster",
  "aws_kms_key",
  "aws_s3_bucket",
  "aws_s3_object",
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_version",
  "aws_cloudwatch_log_group",
  "aws_route53_zone",
  "aws_eks_cluster",
  // AWS Backup: the vault holds the recovery points (src/database/backup-vault.ts).
  "aws_backup_vault",
]);

/**
 * The protection of the app's backup vaults (backups.vaultLock): no step of
 * the runbook may destroy or replace them. Every argument of
 * aws_backup_vault_lock_configuration is ForceNew, so a replace is
 * DeleteBackupVaultLockConfiguration then Put: the vault unlocked in between,
 * and refused outright by a compliance lock past its lock date ("If the
 * Vault Lock configuration is immutable, then you cannot delete Vault Lock
 * using API operations, and you will receive an InvalidRequestException",
 * AWS Backup API Reference, DeleteBackupVaultLockConfiguration).
 */
export const VAULT_PROTECTION = new Set(["aws_backup_vault_lock_configuration", "aws_backup_vault_policy"]);

export function kindOf(actions: readonly Action[]): ChangeKind | "no-op" | "read" {
  const a = actions.join(",");
  if (a === "create") return "create";
  if (a === "delete") return "delete";
  if (a === "update") return "update";
  if (a === "delete,create" || a === "create,delete") return "replace";
  return a === "read" ? "read" : "no-op";
}

/**
 * A value with the legacy plugin SDK's zero values (null, "", 0, false, [],
 * {}) made equal: a plan from nothing says null where the provider stores
 * "", 0 or [] after an apply, and rewrites them so when it updates the
 * resource for another reason (e.g. a launch template's unset
 * ipv4_address_count null -> 0). Such a rewrite is no change on AWS; a
 * change from or to a non-zero value still counts.
 */
function normalized(v: unknown): unknown {
  if (v === null || v === undefined || v === "" || v === 0 || v === false) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v.map(normalized);
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalized(x)] as const).filter(([, x]) => x !== null);
    return entries.length ? Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1))) : null;
  }
  return v;
}

/** Top-level attributes whose planned value differs from the prior one (unknown counts as changed). */
export function changedAttributes(rc: PlanResourceChange): string[] {
  const before = rc.change.before ?? {};
  const after = rc.change.after ?? {};
  const unknown = (rc.change.after_unknown ?? {}) as Record<string, unknown>;
  const isUnknown = (u: unknown): boolean => u === true || (Array.isArray(u) ? u.some(isUnknown) : !!u && typeof u === "object" && Object.values(u).some(isUnknown));
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...keys].filter((k) => isUnknown(unknown[k]) || JSON.stringify(normalized(before[k])) !== JSON.stringify(normalized(after[k]))).sort();
}

/** A change as one report line: action, address, the instance's identifier and what changes. */
export function describeChange(rc: PlanResourceChange): string {
  const kind = kindOf(rc.change.actions);
  const id = rc.change.after?.identifier ?? rc.change.before?.identifier ?? rc.change.after?.name ?? rc.change.before?.name;
  const detail = kind === "update" ? ` [${changedAttributes(rc).join(", ")}]` : kind === "replace" ? ` (${rc.change.actions.join(" then ")}; forced by ${JSON.stringify(rc.change.replace_paths ?? [])})` : "";
  return `${kind} ${rc.address}${typeof id === "string" ? ` (${id})` : ""}${detail}`;
}

/**
 * A control's promise: with the lifecycle ignore list removed, the plan
 * changes this resource (an update or a replacement) in at least one of
 * `attributes` (what Terraform would then fight AWS over).
 */
export interface FightRule {
  readonly what: string;
  readonly type: string;
  readonly match: (rc: PlanResourceChange) => boolean;
  readonly attributes: readonly string[];
}

/**
 * Checks a control plan: each rule's resource must be updated or replaced
 * with one of its attributes changed (a replacement counts when one of them
 * is among the attributes that differ). Returns the broken promises.
 */
export function checkFights(resourceChanges: readonly PlanResourceChange[], rules: readonly FightRule[]): { problems: string[]; changes: string[] } {
  const problems: string[] = [];
  const changed = resourceChanges.filter((rc) => rc.mode === "managed" && ["update", "replace"].includes(kindOf(rc.change.actions)));
  for (const rule of rules) {
    const hits = changed.filter((rc) => rc.type === rule.type && rule.match(rc));
    const fighting = hits.filter((rc) => changedAttributes(rc).some((a) => rule.attributes.includes(a)));
    if (fighting.length === 0) {
      problems.push(
        `control: ${rule.what}: without ignore_changes the plan should update or replace it over [${rule.attributes.join(", ")}]; it has ${hits.map(describeChange).join("; ") || "no change"}` +
          " (so the ignore list is not what keeps the real transition clean, or the state edit does not reach it)",
      );
    }
  }
  return { problems, changes: changed.map(describeChange) };
}

/**
 * Rules every plan of this project must keep, whatever the step:
 * - a database instance is never renamed or re-pointed in place: the
 *   provider cannot change a replica's source (it refuses "cannot elect new
 *   source database for replication"), and an in-place rename would keep a
 *   diverged writer under a new name instead of rebuilding it;
 * - nothing is destroyed while its deletion protection is on (the apply
 *   would fail half-way: RDS and ELB refuse DeleteDBInstance/DeleteLoadBalancer);
 * - a destroyed writer leaves a final snapshot, and a destroyed read
 *   replica does not ask for one: RDS refuses a final snapshot of a read
 *   replica, and Terraform destroys with the values in state, so the
 *   setting must have been applied by an earlier deploy;
 * - a backup vault's lock and access policy are never destroyed or
 *   replaced (VAULT_PROTECTION);
 * - a replaced resource is
 *   destroyed before its replacement is created when both would carry the
 *   same name.
 */
export function invariantProblems(changes: readonly PlanResourceChange[]): string[] {
  const problems: string[] = [];
  for (const rc of changes) {
    const kind = kindOf(rc.change.actions);
    const before = rc.change.before ?? {};
    const after = rc.change.after ?? {};
    if (rc.type === "aws_db_instance" && kind === "update") {
      const moved = ["identifier", "replicate_source_db"].filter((k) => changedAttributes(rc).includes(k));
      if (moved.length) {
        problems.push(
          `${rc.address}: updated in place with ${moved.map((k) => `${k} ${JSON.stringify(before[k] ?? null)} -> ${JSON.stringify(after[k] ?? null)}`).join(", ")}: ` +
            "a database instance is renamed/re-pointed instead of rebuilt (the provider refuses to change a replica's source on apply)",
        );
      }
    }
    if ((rc.type === "aws_rds_cluster" || rc.type === "aws_rds_global_cluster") && kind === "update") {
      // A member renamed or moved to another global cluster in place: the
      // provider refuses to add an existing cluster to a global cluster
      // ("existing RDS Clusters cannot be added to an existing RDS Global
      // Cluster", hashicorp/aws internal/service/rds/cluster.go), and a
      // rename would keep a diverged cluster under a new generation's name.
      const moved = ["cluster_identifier", "global_cluster_identifier"].filter((k) => changedAttributes(rc).includes(k));
      if (moved.length) {
        problems.push(
          `${rc.address}: updated in place with ${moved.map((k) => `${k} ${JSON.stringify(before[k] ?? null)} -> ${JSON.stringify(after[k] ?? null)}`).join(", ")}: ` +
            "an Aurora cluster is renamed/moved between global clusters instead of rebuilt",
        );
      }
    }
    if (rc.type === "aws_rds_cluster" && (kind === "delete" || kind === "replace") && (before.skip_final_snapshot !== false || !before.final_snapshot_identifier)) {
      problems.push(`${rc.address}: an Aurora cluster destroyed without a final snapshot (skip_final_snapshot ${JSON.stringify(before.skip_final_snapshot ?? null)} in state)`);
    }
    if ((kind === "delete" || kind === "replace") && (before.deletion_protection === true || before.enable_deletion_protection === true)) {
      problems.push(`${rc.address}: destroyed while deletion protection is on (the apply would fail): the runbook must turn it off first`);
    }
    if (rc.type === "aws_db_instance" && (kind === "delete" || kind === "replace") && !before.replicate_source_db && (before.skip_final_snapshot !== false || !before.final_snapshot_identifier)) {
      problems.push(`${rc.address}: a writer destroyed without a final snapshot`);
    }
    if (rc.type === "aws_db_instance" && (kind === "delete" || kind === "replace") && before.replicate_source_db && before.skip_final_snapshot !== true) {
      problems.push(
        `${rc.address} (${before.identifier}): a read replica destroyed with skip_final_snapshot = ${JSON.stringify(before.skip_final_snapshot ?? null)} in state` +
          (before.final_snapshot_identifier ? ` and final_snapshot_identifier ${before.final_snapshot_identifier}` : "") +
          ": RDS refuses a final snapshot of a read replica (DeleteDBInstance: SkipFinalSnapshot \"If you delete a read replica ..., you must enable this setting\", " +
          "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html), so the apply would stop here. Terraform destroys with the values in state: " +
          "deploy the stack with skip_final_snapshot = true on the replica (the current code's value) before the deploy that destroys it",
      );
    }
    if (VAULT_PROTECTION.has(rc.type) && (kind === "delete" || kind === "replace")) {
      problems.push(`${rc.address}: the backup vault's ${rc.type === "aws_backup_vault_policy" ? "deny-deletion access policy" : "lock"} ${kind === "delete" ? "destroyed" : "replaced (deleted, then put again)"}: no DR step may unprotect a vault (backups.vaultLock; a compliance lock past its lock date refuses the delete and the apply would fail)`);
    }
    if (kind === "replace" && rc.change.actions[0] === "create" && before.identifier && before.identifier === after.identifier) {
      problems.push(`${rc.address}: created before its predecessor is destroyed, under the same identifier ${before.identifier}`);
    }
  }
  return problems;
}

/**
 * Findings a plan shows but cannot decide (they fail, or not, on apply):
 * printed with the result, they do not fail the check. (None at present: a
 * read replica destroyed with a final snapshot, once noted here, is now a
 * problem of invariantProblems.)
 */
export function planNotes(_changes: readonly PlanResourceChange[]): string[] {
  return [];
}

export interface CheckResult {
  readonly problems: string[];
  /** What the plan shows that only an apply decides (planNotes). */
  readonly notes: string[];
  /** Every change of the plan, described. */
  readonly changes: string[];
  readonly outputs: string[];
}

/** Checks a plan (resource and output changes) against what the runbook step promises. */
export function checkPlan(resourceChanges: readonly PlanResourceChange[], outputChanges: Readonly<Record<string, PlanOutputChange>>, expected: Expectation): CheckResult {
  const problems: string[] = [];
  const changed = resourceChanges.filter((rc) => rc.mode === "managed" && !["no-op", "read"].includes(kindOf(rc.change.actions)));
  const matchedBy = new Map<PlanResourceChange, ChangeRule>();
  for (const rule of expected.changes) {
    const hits = changed.filter((rc) => rc.type === rule.type && rule.match(rc));
    const right = hits.filter((rc) => kindOf(rc.change.actions) === rule.kind);
    if (right.length === 0) {
      const wrong = hits.map(describeChange).join("; ");
      problems.push(`expected ${rule.kind}: ${rule.what}; the plan has ${wrong || "no such change"}`);
      continue;
    }
    if (right.length > 1 && !rule.many) problems.push(`expected one ${rule.kind} for ${rule.what}, the plan has ${right.length}: ${right.map((r) => r.address).join(", ")}`);
    for (const rc of right) {
      matchedBy.set(rc, rule);
      if (rule.attributes) {
        const attrs = changedAttributes(rc);
        const want = [...rule.attributes].sort();
        if (attrs.join(",") !== want.join(",")) problems.push(`${rule.what}: changes [${attrs.join(", ")}], the runbook promises [${want.join(", ")}]`);
      }
      for (const p of rule.check?.(rc) ?? []) problems.push(`${rule.what}: ${p}`);
    }
  }
  for (const rc of changed) {
    if (matchedBy.has(rc)) continue;
    const kind = kindOf(rc.change.actions);
    const data = DATA_BEARING.has(rc.type) && (kind === "delete" || kind === "replace");
    problems.push(`${data ? "DATA LOSS: " : ""}unexpected change (the runbook does not promise it): ${describeChange(rc)}`);
  }
  problems.push(...invariantProblems(changed));
  const outputs = Object.entries(outputChanges)
    .filter(([, oc]) => !oc.actions.every((a) => a === "no-op"))
    .map(([name]) => name)
    .sort();
  const wantOutputs = [...expected.outputs].sort();
  if (outputs.join(",") !== wantOutputs.join(",")) problems.push(`outputs that change: [${outputs.join(", ")}]; the runbook promises [${wantOutputs.join(", ")}]`);
  return { problems, notes: planNotes(changed), changes: changed.map(describeChange), outputs };
}

/** Action counts of a plan, e.g. { create: 124, read: 16 }. */
export function actionCounts(resourceChanges: readonly PlanResourceChange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const rc of resourceChanges) {
    const k = kindOf(rc.change.actions);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** The guard a refusal check expects to stop the plan (scenarios.ts RefusalDef). */
export interface Refusal {
  /** Data source type whose postcondition must fail, e.g. aws_rds_engine_version. */
  readonly dataSource: string;
  /** Text its message must contain (the config field, the region, the fix). */
  readonly says: readonly string[];
}

/**
 * Checks a plan that must be refused: it did not pass, it failed at a
 * postcondition of `refusal.dataSource` whose message says everything
 * promised, and nothing else failed (an unrelated error would hide whether
 * the guard fired). Returns the broken promises.
 */
export function checkRefusal(run: RunResult | undefined, diagnostics: readonly Diagnostic[], refusal: Refusal): string[] {
  const problems: string[] = [];
  if (!run || run.status === "pass") problems.push(`the plan ${run ? "passed" : "did not run"}: no guard stopped it (the config would reach AWS's create calls)`);
  const errors = diagnostics.filter((d) => d.severity === "error");
  const isGuard = (d: Diagnostic) => d.summary === "Resource postcondition failed" && (d.context ?? "").startsWith(`data.${refusal.dataSource}.`);
  const guard = errors.filter(isGuard);
  if (guard.length === 0) problems.push(`no postcondition of a data.${refusal.dataSource} failed`);
  for (const d of guard) {
    const missing = refusal.says.filter((t) => !(d.detail ?? "").includes(t));
    if (missing.length) problems.push(`${d.context}: its message does not say ${missing.map((t) => JSON.stringify(t)).join(", ")}: ${d.detail}`);
  }
  for (const d of errors.filter((x) => !isGuard(x))) problems.push(`another error stopped the plan: ${d.summary}${d.context ? ` (${d.context})` : ""}${d.detail ? `: ${d.detail.replace(/\s+/g, " ").trim()}` : ""}`);
  return problems;
}
