/**
 * The DR states the stacks are planned in, and the runbook's deploys between
 * them (docs/failover-runbook.md "Database failover and failback runbook", src/dr/plan.ts):
 * for each, the state it starts from, what the runbook did to AWS before it
 * (as the next refresh would read it) and what it promises the plan shows.
 */
import { deepMerge, resolveConfig, type RegionRole, type ValidConfig } from "../../src/config";
import { dbIdentifier, readerMember } from "../../src/database/database-tier";
import { Naming } from "../../src/lib/naming";
import type { StateEdit } from "./deployed-state";
import { isAurora } from "../../src/database/aurora-contract";
import { auroraRefusals, auroraStates, auroraTransitions, auroraVariant } from "./aurora-scenarios";
import { peerStates, peerTransitions } from "./peer-scenarios";
import { PLANNED_STACKS, secretRotated, webRollout, type DrStateDef, type PlannedStack, type RefusalDef, type StateId, type TransitionDef } from "./scenario-model";
import { BACKUP_REPLICA_OUTPUTS, backupReplicaCreated, backupReplicaParameterMoved, backupReplicaStopped } from "./backup-scenarios";
import type { ChangeRule, FightRule } from "./expectations";
import { FAKE_ACCOUNT_ID } from "./fake-aws";
import type { PlanResourceChange } from "./types";

// The scenario model (the shapes, the state ids, the shared change rules) lives in scenario-model.ts; re-exported.
export { PLANNED_STACKS, secretRotated, webRollout, type DrStateDef, type PlannedStack, type RefusalDef, type StateId, type TransitionDef };

/**
 * The four DR states, relative to the generations of the base config:
 * normal; failedOver (secondary promoted, DNS forced); failback (primary
 * rebuilt one generation up as a replica of the secondary); switchedBack
 * (normal after a failback: both regions one generation up).
 */
export function drStates(base: ValidConfig): DrStateDef[] {
  // The Aurora Global Database mode's states (src/offline-plan/aurora-scenarios.ts)
  // are planned with every config; its RDS states only when the config is RDS's.
  // The primary deployed while the secondary region is down
  // (peer-scenarios.ts): with the config's mode, from its normal state.
  if (isAurora(base)) {
    const aurora = auroraStates(base);
    return [...aurora, ...peerStates(aurora[0].config)];
  }
  const rds = rdsStates(base);
  return [...rds, ...peerStates(rds[0].config), ...auroraStates(auroraVariant(base))];
}

/**
 * The RDS for PostgreSQL mode's four states, and two that only a deploy
 * targets: a master password rotation (masterPasswordVersion + 1) after the
 * switch back, and the same bump made during failback (held: issue 23).
 */
function rdsStates(base: ValidConfig): DrStateDef[] {
  const g = base.database.generations;
  const v = base.database.masterPasswordVersion;
  const state = (id: StateId, title: string, drState: string, generations: { primary: number; secondary: number }, forceFailover: boolean, masterPasswordVersion = v, targetOnly = false): DrStateDef => ({
    id,
    title,
    config: resolveConfig(deepMerge(base as unknown as Record<string, unknown>, { database: { drState, generations, masterPasswordVersion }, dns: { forceFailover } }), `offline plan: ${id}`),
    ...(targetOnly ? { targetOnly } : {}),
  });
  const failback = { primary: g.primary + 1, secondary: g.secondary };
  const switchedBack = { primary: g.primary + 1, secondary: g.secondary + 1 };
  return [
    state("normal", `normal (g${g.primary}/g${g.secondary})`, "normal", g, false),
    state("failedOver", `failedOver, dns.forceFailover (g${g.primary}/g${g.secondary})`, "failedOver", g, true),
    state("failback", `failback, dns.forceFailover (g${failback.primary}/g${failback.secondary})`, "failback", failback, true),
    state("switchedBack", `normal after a failback (g${switchedBack.primary}/g${switchedBack.secondary})`, "normal", switchedBack, false),
    state("switchedBackRotated", `normal after a failback, masterPasswordVersion ${v + 1}`, "normal", switchedBack, false, v + 1, true),
    state("failbackRotated", `failback, masterPasswordVersion ${v + 1} (held)`, "failback", failback, true, v + 1, true),
  ];
}

/** The base config with the hosted zone created by the project (the dns-zone stack exists only then). */
export function zoneConfig(base: ValidConfig): ValidConfig | undefined {
  if (!base.dns.enabled) return undefined;
  const dns: Record<string, unknown> = { createZone: true };
  const raw = deepMerge(base as unknown as Record<string, unknown>, { dns }) as Record<string, any>;
  delete raw.dns.zoneId;
  return resolveConfig(raw, "offline plan: dns.createZone");
}

/**
 * The base config with the CI identity on (the ci-identity stack exists
 * only then), for the repository acme/drweb, with S3 state (fake buckets, so
 * the roles' state statements are planned too) unless the config has its
 * own; `existingProvider`: the account's OIDC provider looked up, not created.
 */
export function ciConfigs(base: ValidConfig): Array<{ id: string; title: string; config: ValidConfig }> {
  const backend = base.backend.type === "s3" ? {} : { backend: { type: "s3", primaryBucket: { bucket: "offline-plan-state-use2", region: base.regions.primary.region }, secondaryBucket: { bucket: "offline-plan-state-usw1", region: base.regions.secondary.region } } };
  const ci = (createOidcProvider: boolean) => ({ enabled: true, githubRepository: base.ci.githubRepository ?? "acme/drweb", createOidcProvider });
  const make = (id: string, title: string, createOidcProvider: boolean) => ({
    id,
    title,
    config: resolveConfig(deepMerge(base as unknown as Record<string, unknown>, { ci: ci(createOidcProvider), ...backend }), `offline plan: ${id}`),
  });
  // The runbook's role alone (ci off): the ci-identity stack with only it (src/dr/runbook-role.ts).
  const runbookRole = {
    id: "runbook-role",
    title: "runbook.role.enabled, ci off (the ci-identity stack with only the runbook role)",
    config: resolveConfig(deepMerge(base as unknown as Record<string, unknown>, { ci: { enabled: false }, runbook: { role: { enabled: true, trustedPrincipalArns: [`arn:aws:iam::${FAKE_ACCOUNT_ID}:role/oncall`] } }, ...backend }), "offline plan: runbook-role"),
  };
  return [make("ci", "ci.enabled (the ci-identity stack: OIDC provider, plan and apply roles)", true), make("ci-existing-provider", "ci.enabled, ci.createOidcProvider false (the provider looked up)", false), runbookRole];
}

/** Names the runbook uses, from the same functions the stacks name resources with. */
function names(config: ValidConfig, role: RegionRole) {
  const regional = new Naming(config.project, config.environment, config.regions[role].region).regional;
  return {
    region: config.regions[role].region,
    writer: (g: number) => dbIdentifier(regional, g, "writer"),
    readers: (g: number) => Array.from({ length: config.database.readersPerRegion }, (_, i) => dbIdentifier(regional, g, readerMember(i))),
    /** The writer's ARN as the plan sees it: fake account, partition aws. */
    writerArn: (g: number) => `arn:aws:rds:${config.regions[role].region}:${FAKE_ACCOUNT_ID}:db:${dbIdentifier(regional, g, "writer")}`,
  };
}

/** The refusal checks of the planned states (the Aurora mode's offering check). */
export function refusals(states: readonly DrStateDef[]): RefusalDef[] {
  return states.some((x) => x.id === "aurora-normal") ? auroraRefusals(states) : [];
}

const byIdentifier = (id: string) => (rc: PlanResourceChange) => (rc.change.before?.identifier ?? rc.change.after?.identifier) === id;

/** Deletion protection off (the runbook's `aws rds modify-db-instance --no-deletion-protection`). */
function allowDeletion(region: string, ids: readonly string[]): StateEdit {
  return {
    action: `aws rds modify-db-instance --region ${region} --no-deletion-protection --apply-immediately on ${ids.join(", ")}`,
    type: "aws_db_instance",
    where: (v) => ids.includes(String(v.identifier)),
    set: { deletion_protection: false },
  };
}

/** A promotion (`aws rds promote-read-replica`): the instance no longer has a source. */
function promote(region: string, id: string, backupDays: number): StateEdit {
  return {
    action: `aws rds promote-read-replica --region ${region} --db-instance-identifier ${id} --backup-retention-period ${backupDays}`,
    type: "aws_db_instance",
    where: (v) => v.identifier === id,
    set: { replicate_source_db: null, backup_retention_period: backupDays },
  };
}

/**
 * A promoted writer's final snapshot recorded by the deploy after its
 * promotion: a Terraform-only change (the provider sends no ModifyDBInstance
 * for skip_final_snapshot or final_snapshot_identifier: hashicorp/aws
 * internal/service/rds/instance.go, resourceInstanceUpdate, calls it only
 * `if d.HasChangesExcept(..., "final_snapshot_identifier", ...,
 * "skip_final_snapshot", ...)`; both are read on delete), made before any
 * apply can destroy the instance, so it is
 * destroyed with a final snapshot (src/database/database-tier.ts finalSnapshot).
 */
function finalSnapshotRecorded(id: string): ChangeRule {
  return {
    what: `${id}, promoted, recorded as a standalone writer that keeps a final snapshot (${id}-final) on delete`,
    type: "aws_db_instance",
    kind: "update",
    match: byIdentifier(id),
    attributes: ["final_snapshot_identifier", "skip_final_snapshot"],
    check: (rc) => (rc.change.after?.skip_final_snapshot === false && rc.change.after?.final_snapshot_identifier === `${id}-final` ? [] : [`skip_final_snapshot ${rc.change.after?.skip_final_snapshot}, final_snapshot_identifier ${rc.change.after?.final_snapshot_identifier}`]),
  };
}

/**
 * The master password written to the writer that writes: `password_wo_version`
 * of the credentials home's Writer moves (in place: ModifyDBInstance
 * MasterUserPassword with the password read back from the secret version;
 * src/database/database-tier.ts, the "promoted" declaration).
 */
function writerPasswordDelivered(id: string, version: number, extra: readonly string[] = [], check?: ChangeRule["check"]): ChangeRule {
  return {
    what: `${id} given the master password (password_wo_version ${version}: ModifyDBInstance MasterUserPassword, in place)`,
    type: "aws_db_instance",
    kind: "update",
    match: byIdentifier(id),
    attributes: ["password_wo_version", ...extra],
    check: (rc) => [...(rc.change.after?.password_wo_version === version ? [] : [`password_wo_version ${rc.change.after?.password_wo_version}`]), ...(check?.(rc) ?? [])],
  };
}

/** The credentials secret version, for a control: without its ignore list it would be rewritten. */
const SECRET_WRITTEN: FightRule = { what: "the master credentials secret version", type: "aws_secretsmanager_secret_version", match: () => true, attributes: ["secret_string_wo_version"] };

const DB_OUTPUTS = ["db_writer_endpoint", "db_writer_identifier", "db_writer_arn", "db_reader_endpoint", "db_reader_identifiers", "db_reader_arns"];

/**
 * A region's database rebuilt one generation up as a cross-region replica of
 * the other region's writer: the old instances destroyed (deletion
 * protection already off, the writer's final snapshot taken), the new writer
 * and readers created, the web fleet's launch template given the new
 * endpoints (a new version, which the Auto Scaling group rolls out).
 */
function rebuild(config: ValidConfig, role: RegionRole, oldGen: number, newGen: number, sourceArn: string): ChangeRule[] {
  const n = names(config, role);
  const rules: ChangeRule[] = [
    {
      what: `old writer ${n.writer(oldGen)} destroyed, leaving its final snapshot ${n.writer(oldGen)}-final`,
      type: "aws_db_instance",
      kind: "delete",
      match: byIdentifier(n.writer(oldGen)),
      check: (rc) => (rc.change.before?.final_snapshot_identifier === `${n.writer(oldGen)}-final` ? [] : [`final_snapshot_identifier is ${rc.change.before?.final_snapshot_identifier}`]),
    },
    ...n.readers(oldGen).map<ChangeRule>((id) => ({
      what: `old reader ${id} destroyed without a final snapshot (RDS refuses one for a read replica)`,
      type: "aws_db_instance",
      kind: "delete",
      match: byIdentifier(id),
      check: (rc) => (rc.change.before?.skip_final_snapshot === true ? [] : [`skip_final_snapshot is ${rc.change.before?.skip_final_snapshot} in state`]),
    })),
    {
      what: `new writer ${n.writer(newGen)} created as a cross-region replica of ${sourceArn.split(":").pop()}, encrypted with the ${n.region} key, Multi-AZ, backups on, deletion protection on`,
      type: "aws_db_instance",
      kind: "create",
      match: byIdentifier(n.writer(newGen)),
      check: (rc) => {
        const a = rc.change.after ?? {};
        const bad: string[] = [];
        if (a.replicate_source_db !== sourceArn) bad.push(`replicate_source_db is ${a.replicate_source_db}, want ${sourceArn}`);
        if (a.storage_encrypted !== true) bad.push("storage not encrypted");
        if (!(rc.change.after_unknown?.kms_key_id === true || String(a.kms_key_id ?? "").startsWith(`arn:aws:kms:${n.region}:`))) bad.push(`kms_key_id ${a.kms_key_id} is not a ${n.region} key`);
        if (a.multi_az !== true) bad.push("not Multi-AZ");
        if (a.backup_retention_period !== config.database.backupRetentionDays) bad.push(`backup_retention_period ${a.backup_retention_period}`);
        if (a.deletion_protection !== true) bad.push("deletion protection off");
        return bad;
      },
    },
    ...n.readers(newGen).map<ChangeRule>((id) => ({
      what: `new reader ${id} created as a replica of ${n.writer(newGen)}`,
      type: "aws_db_instance",
      kind: "create",
      match: byIdentifier(id),
      check: (rc) => (rc.change.after?.replicate_source_db === n.writer(newGen) ? [] : [`replicate_source_db is ${rc.change.after?.replicate_source_db}`]),
    })),
    ...webRollout(),
  ];
  return rules;
}

/**
 * The runbook's deploys. Steps that change no config (snapshots,
 * promotions, scaling) are AWS actions, modelled as edits of the state the
 * next deploy starts from.
 */
export function transitions(states: readonly DrStateDef[]): TransitionDef[] {
  const aurora = states.some((x) => x.id === "aurora-normal") ? auroraTransitions(states) : [];
  const rds = states.some((x) => x.id === "normal") ? rdsTransitions(states) : [];
  return [...rds, ...peerTransitions(states), ...aurora];
}

/** The RDS for PostgreSQL runbook's deploys. */
function rdsTransitions(states: readonly DrStateDef[]): TransitionDef[] {
  const s = Object.fromEntries(states.map((x) => [x.id, x.config])) as Record<StateId, ValidConfig>;
  const base = s.normal;
  const gP = base.database.generations.primary;
  const gS = base.database.generations.secondary;
  const P = names(base, "primary");
  const S = names(base, "secondary");
  const days = base.database.backupRetentionDays;
  const pwv = base.database.masterPasswordVersion;
  const stateOutputs = ["dr_state", "db_writer_mode"];
  return [
    {
      id: "failover-4-secondary",
      title: `Failover step 4: record failedOver, deploy secondary (${S.writer(gS)} promoted by step 2)`,
      stack: "secondary",
      from: "normal",
      to: "failedOver",
      edits: [promote(S.region, S.writer(gS), days)],
      expect: { changes: [finalSnapshotRecorded(S.writer(gS))], outputs: stateOutputs },
      quick: false,
    },
    {
      id: "failover-4-dns",
      title: "Failover step 4: record dns.forceFailover true (the switch is a CloudWatch metric, not Terraform's): npx cdktf diff dns",
      stack: "dns",
      from: "normal",
      to: "failedOver",
      edits: [],
      expect: { changes: [], outputs: [] },
      quick: false,
    },
    {
      id: "failback-3-primary",
      title: `Failback step 3: failback with generations.primary ${gP + 1}, deploy primary (deletion protection turned off by step 2)`,
      stack: "primary",
      from: "normal",
      to: "failback",
      edits: [allowDeletion(P.region, [P.writer(gP), ...P.readers(gP)])],
      // The promoted us-west-1 writer's backups now replicated into us-east-2 (src/database/backup-plan.ts).
      expect: { changes: [...rebuild(base, "primary", gP, gP + 1, S.writerArn(gS)), ...backupReplicaCreated(base, P.region, S.writerArn(gS), true)], outputs: [...stateOutputs, ...DB_OUTPUTS, ...BACKUP_REPLICA_OUTPUTS] },
      quick: true,
    },
    {
      id: "failback-3-secondary",
      title: "Failback step 3: the secondary in failback (still the promoted writer; the replication of the old us-east-2 writer's backups no longer declared)",
      stack: "secondary",
      from: "failedOver",
      createdIn: "normal",
      to: "failback",
      edits: [promote(S.region, S.writer(gS), days)],
      // The replication of the old us-east-2 writer (deleted by failback step 3's primary deploy) is no longer declared.
      expect: { changes: backupReplicaStopped(base, P.writerArn(gP), true), outputs: ["dr_state", ...BACKUP_REPLICA_OUTPUTS] },
      quick: false,
    },
    {
      id: "failback-5-primary",
      title: `Failback step 5: normal with generations ${gP + 1}/${gS + 1}, deploy primary (${P.writer(gP + 1)} promoted by step 4)`,
      stack: "primary",
      from: "failback",
      to: "switchedBack",
      edits: [promote(P.region, P.writer(gP + 1), days)],
      // The promoted writer now also carries the master password (the same
      // one it replicated from its source: harmless), so that a later
      // rotation reaches it.
      // us-east-2 writes again: it stops replicating the us-west-1 writer's backups (the secondary replicates its own now).
      expect: { changes: [writerPasswordDelivered(P.writer(gP + 1), pwv, ["final_snapshot_identifier", "skip_final_snapshot"], finalSnapshotRecorded(P.writer(gP + 1)).check), ...backupReplicaStopped(base, S.writerArn(gS), true)], outputs: [...stateOutputs, ...BACKUP_REPLICA_OUTPUTS] },
      quick: false,
    },
    {
      id: "rotation-after-failback-primary",
      title: `Master password rotation after a failback: normal, generations ${gP + 1}/${gS + 1}, masterPasswordVersion ${pwv} -> ${pwv + 1}, deploy primary`,
      stack: "primary",
      from: "switchedBack",
      createdIn: "failback",
      to: "switchedBackRotated",
      // Created as a replica in failback step 3, promoted in step 4, deployed in step 5.
      edits: [promote(P.region, P.writer(gP + 1), days)],
      expect: { changes: [secretRotated(pwv + 1), writerPasswordDelivered(P.writer(gP + 1), pwv + 1)], outputs: [] },
      quick: false,
    },
    {
      id: "rotation-deferred-failback-primary",
      title: `A rotation during failback (masterPasswordVersion ${pwv} -> ${pwv + 1}), deploy primary: held, nothing written (the writer is us-west-1's, which no stack gives a password)`,
      stack: "primary",
      from: "failback",
      to: "failbackRotated",
      edits: [],
      expect: { changes: [], outputs: [] },
      quick: false,
    },
    {
      id: "rotation-deferred-failback-primary-without-ignore",
      title: "Control of rotation-deferred-failback-primary: without the secret version's lifecycle ignore_changes the bump would write a new password",
      stack: "primary",
      from: "failback",
      to: "failbackRotated",
      edits: [],
      expect: { changes: [], outputs: [] },
      withoutIgnoreChanges: ["aws_secretsmanager_secret_version"],
      fights: [SECRET_WRITTEN],
      quick: false,
    },
    {
      id: "readers-kms-key-inherited",
      title: "Readers deployed with kms_key_id (before issue 23), planned with the current config (no kms_key_id on a same-region replica): no change, no replacement",
      stack: "primary",
      from: "normal",
      to: "normal",
      edits: P.readers(gP).map((id) => ({
        action: `${id} as a previous version deployed it: kms_key_id set (what RDS reports for a same-region replica: its source's key, the region key)`,
        type: "aws_db_instance",
        where: (v) => v.identifier === id,
        set: { kms_key_id: `arn:aws:kms:${P.region}:${FAKE_ACCOUNT_ID}:key/00000000-0000-4000-8000-000000000001` },
      })),
      expect: { changes: [], outputs: [] },
      quick: false,
    },
    {
      id: "failback-5-secondary",
      title: `Failback step 5: normal with generations ${gP + 1}/${gS + 1}, deploy secondary (deletion protection turned off in step 5)`,
      stack: "secondary",
      from: "failedOver",
      createdIn: "normal",
      to: "switchedBack",
      // Created in normal, promoted in failover step 2, last deployed in
      // failover step 4 (failedOver); failback step 3 left it alone.
      edits: [promote(S.region, S.writer(gS), days), allowDeletion(S.region, [S.writer(gS), ...S.readers(gS)])],
      // The replication follows the writer: the old g writer's stopped, the new one's started (a new address), the parameter repointed.
      expect: {
        changes: [...rebuild(base, "secondary", gS, gS + 1, P.writerArn(gP + 1)), ...backupReplicaStopped(base, P.writerArn(gP), false), ...backupReplicaCreated(base, S.region, P.writerArn(gP + 1), false), backupReplicaParameterMoved(base)],
        outputs: [...stateOutputs, ...DB_OUTPUTS, "db_backup_replica_arn", "db_backup_replica_source_arn"],
      },
      quick: false, // the full matrix (.ci/run): npm test keeps one rebuild, the primary's (issue 18: suite time)
    },
  ];
}
