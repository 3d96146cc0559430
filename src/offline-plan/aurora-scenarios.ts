/**
 * The Aurora Global Database mode in the offline plan (docs/aurora.md "Aurora Global
 * Database mode", src/database/aurora-contract.ts): its DR states, and the
 * deploys that follow what AWS does to the global database (a managed
 * switchover or failover moves the roles; an upgrade of the global cluster
 * moves every member's version), each with what the plan must show.
 *
 * The role changes themselves are AWS's (SwitchoverGlobalCluster,
 * FailoverGlobalCluster) and cannot run here: they are modelled as state
 * edits, the values the next refresh would read (DescribeDBClusters), and
 * each edit says what it relies on.
 */
import { deepMerge, resolveConfig, type RegionRole, type ValidConfig } from "../../src/config";
import { AURORA_DEFAULT_ENGINE_VERSION, AURORA_DEFAULT_INSTANCE_CLASS } from "../../src/config/sections/database";
import { AURORA_ENGINE, auroraInstanceCount, auroraInstanceIdentifier, globalClusterIdentifier, isAurora, regionClusterArn, regionClusterIdentifier } from "../../src/database/aurora-contract";
import { Naming } from "../../src/lib/naming";
import type { StateEdit } from "./deployed-state";
import type { ChangeRule, FightRule } from "./expectations";
import { FAKE_ACCOUNT_ID } from "./fake-aws";
import { FALLBACK_CLASSES } from "../../src/database/aurora-offering";
import { secretRotated, webRollout, type AuroraStateId, type DrStateDef, type RefusalDef, type TransitionDef } from "./scenario-model";
import type { PlanResourceChange } from "./types";
import { BACKUP_PLAN_OUTPUTS, backupPlanMoved } from "./backup-scenarios";
import { auroraRestoredState, endpointsParameterMoved, restoreRecordedTransitions } from "./endpoints-parameter-scenarios";

export type { AuroraStateId };

/**
 * The Aurora mode of an RDS-mode config: engine aurora-postgresql with that
 * mode's default class and version (the RDS defaults, db.t3.small and a
 * major-only version, are refused there), everything else the same.
 */
export function auroraVariant(base: ValidConfig): ValidConfig {
  if (isAurora(base)) return base;
  return resolveConfig(
    deepMerge(base as unknown as Record<string, unknown>, { database: { engine: AURORA_ENGINE, instanceClass: AURORA_DEFAULT_INSTANCE_CLASS, engineVersion: AURORA_DEFAULT_ENGINE_VERSION } }),
    "offline plan: Aurora Global Database mode",
  );
}

/** The next minor version of "major.minor" (the target of a minor upgrade), e.g. 16.6 -> 16.7. */
export function nextMinor(version: string): string {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`offline plan: Aurora engine version "${version}" is not major.minor`);
  return `${m[1]}.${Number(m[2]) + 1}`;
}

/**
 * The Aurora mode's states (drState = which region's cluster is the global
 * primary, AURORA_GLOBAL_PRIMARY): normal; failedOver (us-west-1 primary, DNS
 * forced); failback (both clusters members again, us-west-1 still primary,
 * the same generations: the old primary rejoined); rebuild (failback with the
 * primary region one generation up: its cluster could not rejoin and is
 * replaced); upgraded (normal with the next minor engine version: only the
 * target of the upgrade deploy).
 */
export function auroraStates(aurora: ValidConfig): DrStateDef[] {
  const g = aurora.database.generations;
  const v = aurora.database.masterPasswordVersion;
  const state = (id: AuroraStateId, title: string, database: Record<string, unknown>, forceFailover: boolean, targetOnly = false): DrStateDef => ({
    id,
    title: `Aurora: ${title}`,
    config: resolveConfig(deepMerge(aurora as unknown as Record<string, unknown>, { database, dns: { forceFailover } }), `offline plan: ${id}`),
    ...(targetOnly ? { targetOnly } : {}),
  });
  const list = [
    state("aurora-normal", `normal (g${g.primary}/g${g.secondary})`, { drState: "normal", generations: g }, false),
    state("aurora-failedOver", `failedOver, dns.forceFailover (g${g.primary}/g${g.secondary})`, { drState: "failedOver", generations: g }, true),
    state("aurora-failback", `failback, dns.forceFailover (g${g.primary}/g${g.secondary}: the old primary rejoined)`, { drState: "failback", generations: g }, true),
    state("aurora-rebuild", `failback, dns.forceFailover (g${g.primary + 1}/g${g.secondary}: the primary region's cluster rebuilt)`, { drState: "failback", generations: { primary: g.primary + 1, secondary: g.secondary } }, true),
    state("aurora-upgraded", `normal with engine ${nextMinor(aurora.database.engineVersion)} (g${g.primary}/g${g.secondary})`, { drState: "normal", generations: g, engineVersion: nextMinor(aurora.database.engineVersion) }, false, true),
    // Master password rotation (issue 23): normal again after the rebuild
    // (switched back to the rebuilt cluster), then a bump of
    // masterPasswordVersion; and the same bump during failback (held).
    state("aurora-switchedBack", `normal after the rebuild (g${g.primary + 1}/g${g.secondary}: switched back to the rebuilt cluster)`, { drState: "normal", generations: { primary: g.primary + 1, secondary: g.secondary } }, false, true),
    state("aurora-rotated", `normal after the rebuild, masterPasswordVersion ${v + 1}`, { drState: "normal", generations: { primary: g.primary + 1, secondary: g.secondary }, masterPasswordVersion: v + 1 }, false, true),
    state("aurora-failback-rotated", `failback (g${g.primary}/g${g.secondary}), masterPasswordVersion ${v + 1} (held)`, { drState: "failback", generations: g, masterPasswordVersion: v + 1 }, true, true),
  ];
  // A dr restore recorded (database.restoredCluster): the target of its recording deploy (endpoints-parameter-scenarios.ts).
  return [...list, auroraRestoredState(list[0].config)];
}

/** Names the plan checks, from the contract the stacks name the resources with. */
function names(config: ValidConfig, role: RegionRole, generation = config.database.generations[role]) {
  const at = resolveConfig(deepMerge(config as unknown as Record<string, unknown>, { database: { generations: { ...config.database.generations, [role]: generation } } }), "offline plan: names");
  const regional = new Naming(config.project, config.environment, config.regions[role].region).regional;
  return {
    region: config.regions[role].region,
    cluster: regionClusterIdentifier(at, role),
    /** The cluster's ARN as the plan's fake account sees it (fake-aws.ts computedSpecials). */
    arn: regionClusterArn(at, role, "aws", FAKE_ACCOUNT_ID),
    instances: Array.from({ length: auroraInstanceCount(config.database) }, (_, i) => auroraInstanceIdentifier(regional, generation, i)),
  };
}

const byCluster = (id: string) => (rc: PlanResourceChange) => (rc.change.before?.cluster_identifier ?? rc.change.after?.cluster_identifier) === id;

/**
 * What a managed switchover or failover leaves on a member cluster, as the
 * next refresh (DescribeDBClusters) reads it:
 * - the member that is now a secondary reports the primary cluster's ARN as
 *   ReplicationSourceIdentifier (hashicorp/aws 5.100.0 docs, rds_cluster
 *   `replication_source_identifier`: "If DB Cluster is part of a Global
 *   Cluster, use the lifecycle configuration block ignore_changes argument
 *   to prevent Terraform from showing differences for this argument"); the
 *   member that now writes reports none;
 * - the born primary's creation settings (database_name, master_username:
 *   optional, computed, ForceNew; ignored by src/database/aurora-tier.ts
 *   BORN_PRIMARY_IGNORED) are left as they were: what DescribeDBClusters
 *   reports for them on a secondary member is not known here (no account),
 *   and this harness cannot unset a computed attribute in an update (an
 *   override_resource value only fills what the plan leaves unknown);
 * - the member that joined without credentials reports the global
 *   database's master user and database name once it writes (they are its
 *   data's); not declared there, optional and computed: no difference.
 */
function rolesMoved(config: ValidConfig, action: string, writer: RegionRole): StateEdit[] {
  const w = names(config, writer);
  const other: RegionRole = writer === "primary" ? "secondary" : "primary";
  const o = names(config, other);
  return [
    {
      action: `${action}: ${w.cluster} is the global primary (no ReplicationSourceIdentifier; reports the master user and database name)`,
      type: "aws_rds_cluster",
      where: (v) => v.cluster_identifier === w.cluster,
      set: { replication_source_identifier: null, master_username: config.database.masterUsername, database_name: config.database.dbName },
    },
    {
      action: `${action}: ${o.cluster} is a secondary member (ReplicationSourceIdentifier ${w.arn})`,
      type: "aws_rds_cluster",
      where: (v) => v.cluster_identifier === o.cluster,
      set: { replication_source_identifier: w.arn },
    },
  ];
}

/** The edits of rolesMoved that concern one region's cluster (a stack holds only its own). */
const onlyIn = (edits: StateEdit[], config: ValidConfig, role: RegionRole) => edits.filter((e) => e.action.includes(`: ${names(config, role).cluster} is`));

/**
 * Outputs that say which region writes (docs/aurora.md "Endpoints the app uses, by DR
 * state"). Not db_writer_endpoint: the web tier writes through its own
 * cluster endpoint in every state (src/database/aurora-tier.ts
 * auroraClusterEndpoint), so only a new cluster (a rebuild) changes it.
 */
const ROLE_OUTPUTS = ["dr_state", "db_global_primary"];
const CLUSTER_OUTPUTS = ["db_cluster_identifier", "db_cluster_arn", "db_cluster_endpoint", "db_reader_endpoint", "db_instance_identifiers"];

/**
 * A region's cluster rebuilt one generation up. The construct ids do not
 * change, so Terraform plans each as a replacement, old one destroyed first:
 * the old cluster (deletion protection turned off by the runbook first; its
 * final snapshot taken) and its instances destroyed, the new cluster created
 * as a secondary member of the same global cluster with its own region's key
 * and deletion protection on, and its instances.
 */
function auroraRebuild(config: ValidConfig, role: RegionRole, oldGen: number, newGen: number): ChangeRule[] {
  const old = names(config, role, oldGen);
  const neu = names(config, role, newGen);
  const global = globalClusterIdentifier(config);
  const unknown = (rc: PlanResourceChange, k: string) => (rc.change.after_unknown as Record<string, unknown> | undefined)?.[k] === true;
  const destroyedFirst = (rc: PlanResourceChange) => (rc.change.actions[0] === "delete" ? [] : [`created before the old one is destroyed (${rc.change.actions.join(" then ")})`]);
  return [
    {
      what:
        `cluster replaced: old ${old.cluster} destroyed first, leaving its final snapshot ${old.cluster}-final (deletion protection turned off by the runbook before this deploy: ` +
        "with deletion_protection = true in state, DeleteDBCluster refuses and the apply stops there, and the plan check fails such a plan), " +
        `then ${neu.cluster} created as a secondary member of ${global} (no master credentials), encrypted with the ${neu.region} key, backups on, deletion protection on, final snapshot ${neu.cluster}-final`,
      type: "aws_rds_cluster",
      kind: "replace",
      match: (rc) => rc.change.before?.cluster_identifier === old.cluster,
      check: (rc) => {
        const b = rc.change.before ?? {};
        const a = rc.change.after ?? {};
        const bad: string[] = [...destroyedFirst(rc)];
        if (b.final_snapshot_identifier !== `${old.cluster}-final` || b.skip_final_snapshot !== false) bad.push(`old cluster's final snapshot in state: skip_final_snapshot ${b.skip_final_snapshot}, final_snapshot_identifier ${b.final_snapshot_identifier}`);
        if (b.deletion_protection !== false) bad.push(`old cluster's deletion_protection is ${b.deletion_protection} in state`);
        if (a.cluster_identifier !== neu.cluster) bad.push(`new cluster_identifier ${a.cluster_identifier}`);
        if (a.global_cluster_identifier !== global && !unknown(rc, "global_cluster_identifier")) bad.push(`global_cluster_identifier is ${a.global_cluster_identifier}`);
        if (a.storage_encrypted !== true) bad.push("storage not encrypted");
        if (!(unknown(rc, "kms_key_id") || String(a.kms_key_id ?? "").startsWith(`arn:aws:kms:${neu.region}:`))) bad.push(`kms_key_id ${a.kms_key_id} is not a ${neu.region} key`);
        if (a.deletion_protection !== true) bad.push("deletion protection off");
        if (a.backup_retention_period !== config.database.backupRetentionDays) bad.push(`backup_retention_period ${a.backup_retention_period}`);
        if (a.skip_final_snapshot !== false || a.final_snapshot_identifier !== `${neu.cluster}-final`) bad.push(`final snapshot: skip ${a.skip_final_snapshot}, id ${a.final_snapshot_identifier}`);
        if (a.master_username || a.database_name || a.master_password_wo_version) bad.push(`declared with credentials (master_username ${a.master_username}, database_name ${a.database_name}): a secondary member cannot be created with them`);
        return bad;
      },
    },
    ...old.instances.map<ChangeRule>((id, i) => ({
      what: `instance replaced: old ${id} destroyed first, then ${neu.instances[i]} created in ${neu.cluster}, class ${config.database.instanceClass}`,
      type: "aws_rds_cluster_instance",
      kind: "replace",
      match: (rc) => rc.change.before?.identifier === id,
      check: (rc) => {
        const a = rc.change.after ?? {};
        const bad: string[] = [...destroyedFirst(rc)];
        if (a.identifier !== neu.instances[i]) bad.push(`new identifier ${a.identifier}`);
        if (a.cluster_identifier !== neu.cluster && !unknown(rc, "cluster_identifier")) bad.push(`cluster_identifier ${a.cluster_identifier}`);
        if (a.instance_class !== config.database.instanceClass) bad.push(`instance_class ${a.instance_class}`);
        return bad;
      },
    })),
    ...webRollout(),
    // The region's database endpoints parameter names the new cluster (its endpoints known after apply).
    endpointsParameterMoved(config, role),
  ];
}

/**
 * The master password given to the credentials home's cluster of a later
 * generation, once it is the global primary in "normal" (src/database/
 * aurora-contract.ts auroraPasswordDelivery): master_password_wo_version
 * (ModifyDBCluster MasterUserPassword), applied immediately.
 */
function clusterPasswordDelivered(cluster: string, version: number, attributes: readonly string[]): ChangeRule {
  return {
    what: `${cluster} given the master password (master_password_wo_version ${version}: ModifyDBCluster MasterUserPassword, applied immediately), in place; its master user and database name stay undeclared`,
    type: "aws_rds_cluster",
    kind: "update",
    match: byCluster(cluster),
    attributes,
    check: (rc) => {
      const a = rc.change.after ?? {};
      const bad: string[] = [];
      if (a.master_password_wo_version !== version) bad.push(`master_password_wo_version ${a.master_password_wo_version}`);
      if (a.apply_immediately !== true) bad.push(`apply_immediately ${a.apply_immediately}`);
      return bad;
    },
  };
}

/** The Aurora mode's deploys after what AWS did to the global database. */
export function auroraTransitions(states: readonly DrStateDef[]): TransitionDef[] {
  const cfg = states.find((x) => x.id === "aurora-normal")!.config;
  const rebuilt = states.find((x) => x.id === "aurora-rebuild")!.config;
  const pwv = cfg.database.masterPasswordVersion;
  const P2 = names(rebuilt, "primary");
  // The switch back to the rebuilt cluster (SwitchoverGlobalCluster to
  // us-east-2): it is the global primary again.
  const backToPrimary = onlyIn(rolesMoved(rebuilt, "aws rds switchover-global-cluster back to us-east-2", "primary"), rebuilt, "primary");
  const gP = cfg.database.generations.primary;
  const P = names(cfg, "primary");
  const S = names(cfg, "secondary");
  const newVersion = nextMinor(cfg.database.engineVersion);
  // Failover (managed, with data loss allowed) or switchover to us-west-1;
  // the us-east-2 cluster, once reachable, is a secondary member again
  // (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
  // Database": after a failover Aurora adds the old primary back as a
  // secondary when its region is available).
  const toSecondary = rolesMoved(cfg, "aws rds failover-global-cluster / switchover-global-cluster to us-west-1", "secondary");
  const primaryCluster: FightRule = { what: `born primary ${P.cluster}`, type: "aws_rds_cluster", match: byCluster(P.cluster), attributes: ["replication_source_identifier"] };
  const bornPrimaryAsSecondary = { stack: "primary" as const, from: "aurora-normal" as const, edits: onlyIn(toSecondary, cfg, "primary") };
  return [
    {
      id: "aurora-failover-secondary",
      title: `Aurora failover: us-west-1 promoted by AWS (${S.cluster} now writes; its app found that at run time), record failedOver, deploy secondary: outputs only, no launch template or instance replaced`,
      stack: "secondary",
      from: "aurora-normal",
      to: "aurora-failedOver",
      edits: onlyIn(toSecondary, cfg, "secondary"),
      // No database declaration changes (AWS moved the roles), and no web
      // fleet change: the user data is the same in every DR state. AWS
      // Backup's plan moves here with the global primary.
      expect: { changes: backupPlanMoved("create"), outputs: [...ROLE_OUTPUTS, ...BACKUP_PLAN_OUTPUTS] },
      quick: false,
    },
    {
      id: "aurora-failback-secondary",
      title: "Aurora failback: record failback, deploy secondary (still the global primary: nothing changes but dr_state)",
      stack: "secondary",
      from: "aurora-failedOver",
      // Created from the failedOver plan, not aurora-normal's: the failover
      // deploy created AWS Backup's plan here (the global primary moved), and
      // the harness builds the deployed state from one plan. The member
      // cluster is declared alike in every DR state (aurora-contract.ts), so
      // its planned values are the same either way; the edits give it what
      // AWS reports after the failover.
      to: "aurora-failback",
      edits: onlyIn(toSecondary, cfg, "secondary"),
      expect: { changes: [], outputs: ["dr_state"] },
      quick: false,
    },
    {
      id: "aurora-failback-primary",
      title: `Aurora failback: record failback, deploy primary (${P.cluster}, the born primary, rejoined by AWS as a secondary member): outputs only, no launch template or instance replaced`,
      ...bornPrimaryAsSecondary,
      to: "aurora-failback",
      expect: { changes: backupPlanMoved("delete"), outputs: [...ROLE_OUTPUTS, ...BACKUP_PLAN_OUTPUTS] },
      quick: false,
    },
    {
      id: "aurora-failback-primary-without-ignore",
      title: "Control of aurora-failback-primary: the same state with lifecycle ignore_changes removed from the clusters must plan a change to the born primary",
      ...bornPrimaryAsSecondary,
      to: "aurora-failback",
      expect: { changes: [], outputs: [] },
      withoutIgnoreChanges: ["aws_rds_cluster"],
      fights: [primaryCluster],
      quick: false,
    },
    {
      id: "aurora-rebuild-primary",
      title: `Aurora failback with generations.primary ${gP + 1}: ${P.cluster} could not rejoin (removed from the global cluster), deletion protection turned off, deploy primary`,
      stack: "primary",
      from: "aurora-normal",
      to: "aurora-rebuild",
      edits: [
        {
          action: `aws rds remove-from-global-cluster (${P.cluster} left the global cluster) and aws rds modify-db-cluster --region ${P.region} --db-cluster-identifier ${P.cluster} --no-deletion-protection --apply-immediately`,
          type: "aws_rds_cluster",
          where: (v) => v.cluster_identifier === P.cluster,
          set: { global_cluster_identifier: null, replication_source_identifier: null, deletion_protection: false },
        },
      ],
      // db_writer_endpoint: the new cluster's cluster endpoint.
      expect: { changes: [...auroraRebuild(cfg, "primary", gP, gP + 1), ...backupPlanMoved("delete")], outputs: [...ROLE_OUTPUTS, "db_writer_endpoint", ...CLUSTER_OUTPUTS, ...BACKUP_PLAN_OUTPUTS] },
      quick: false,
    },
    {
      id: "aurora-switchback-primary",
      title: `Aurora switch back after the rebuild: ${P2.cluster} made the global primary by a switchover, record normal (g${gP + 1}), deploy primary`,
      stack: "primary",
      from: "aurora-rebuild",
      to: "aurora-switchedBack",
      edits: backToPrimary,
      // The rebuilt cluster is given the master password (the one it already
      // has by replication: harmless) so that a later rotation reaches it.
      // The web fleet is not touched: its app found the writer at run time.
      expect: { changes: [clusterPasswordDelivered(P2.cluster, pwv, ["apply_immediately", "master_password_wo_version"]), ...backupPlanMoved("create")], outputs: [...ROLE_OUTPUTS, ...BACKUP_PLAN_OUTPUTS] },
      quick: false,
    },
    {
      id: "aurora-rotation-after-rebuild-primary",
      title: `Aurora master password rotation after the rebuild: normal (g${gP + 1}), masterPasswordVersion ${pwv} -> ${pwv + 1}, deploy primary`,
      stack: "primary",
      from: "aurora-switchedBack",
      createdIn: "aurora-rebuild",
      to: "aurora-rotated",
      edits: backToPrimary,
      expect: { changes: [secretRotated(pwv + 1), clusterPasswordDelivered(P2.cluster, pwv + 1, ["master_password_wo_version"])], outputs: [] },
      quick: false,
    },
    {
      id: "aurora-rotation-deferred-failback-primary",
      title: `Aurora: a rotation during failback (masterPasswordVersion ${pwv} -> ${pwv + 1}), deploy primary: held, nothing written (the global primary is us-west-1's cluster)`,
      ...bornPrimaryAsSecondary,
      from: "aurora-failback",
      createdIn: "aurora-normal",
      to: "aurora-failback-rotated",
      expect: { changes: [], outputs: [] },
      quick: false,
    },
    {
      id: "aurora-upgrade-primary",
      title: `Aurora minor upgrade: database.engineVersion ${newVersion}, deploy primary (the global cluster upgrades every member; the members' own engine_version is ignored)`,
      stack: "primary",
      from: "aurora-normal",
      to: "aurora-upgraded",
      edits: [],
      expect: {
        changes: [
          {
            what: `global cluster ${globalClusterIdentifier(cfg)} upgraded to ${newVersion} in place (the provider's aws_rds_global_cluster update upgrades each member: ModifyDBCluster EngineVersion for a minor version, hashicorp/aws internal/service/rds/global_cluster.go globalClusterUpgradeMinorEngineVersion)`,
            type: "aws_rds_global_cluster",
            kind: "update",
            match: () => true,
            attributes: ["engine_version"],
            check: (rc) => (rc.change.after?.engine_version === newVersion ? [] : [`engine_version ${rc.change.after?.engine_version}`]),
          },
        ],
        outputs: [],
      },
      quick: false,
    },
    {
      id: "aurora-upgrade-primary-without-ignore",
      title: "Control of aurora-upgrade-primary: with lifecycle ignore_changes removed from the clusters, the member must plan its own engine_version change",
      stack: "primary",
      from: "aurora-normal",
      to: "aurora-upgraded",
      edits: [],
      expect: { changes: [], outputs: [] },
      withoutIgnoreChanges: ["aws_rds_cluster"],
      fights: [{ what: `member ${P.cluster}`, type: "aws_rds_cluster", match: byCluster(P.cluster), attributes: ["engine_version"] }],
      quick: false,
    },
    ...restoreRecordedTransitions(states),
  ];
}

/**
 * The Aurora mode's offering check (src/database/aurora-offering.ts) made to
 * fire: the fake account answers as a region would that lacks the version,
 * its Global Database support, the class, or the class's Global Database
 * support, each the way the provider would return it (hashicorp/aws 5.100.0:
 * the first of the preferred versions/classes the region has, here the
 * fallback; the row's SupportsGlobalDatabases). The plan must stop at the
 * check's postcondition, whose message names the config field, the region
 * and the fix; it stops before anything of the database is planned.
 */
export function auroraRefusals(states: readonly DrStateDef[]): RefusalDef[] {
  const cfg = states.find((x) => x.id === "aurora-normal")!.config;
  const v = cfg.database.engineVersion;
  const cls = cfg.database.instanceClass;
  const P = cfg.regions.primary.region;
  const S = cfg.regions.secondary.region;
  /** A version the fake region has instead (its default). */
  const other = `${Number(v.split(".")[0]) - 1}.10`;
  const fallback = FALLBACK_CLASSES.find((c) => c !== cls)!;
  /** The lookup of the configured version (the other one is the region's default, default_only). */
  const versionLookup = (type: string, args: Record<string, any>) => type === "aws_rds_engine_version" && !args.default_only;
  return [
    {
      id: "aurora-refused-version-not-offered",
      title: `Aurora guard: ${S} does not offer Aurora PostgreSQL ${v} (the lookup returns the region's default ${other}): the secondary's plan must stop at database.engineVersion`,
      stack: "secondary",
      state: "aurora-normal",
      answer: (type) => (type === "aws_rds_engine_version" ? { version: other, version_actual: other, id: other, parameter_group_family: `aurora-postgresql${other.split(".")[0]}` } : undefined),
      refusedBy: { dataSource: "aws_rds_engine_version", says: ["database.engineVersion", `Aurora PostgreSQL ${v} is not offered in ${S} (regions.secondary.region)`, `its default is ${other}`, "Fix:"] },
    },
    {
      id: "aurora-refused-version-without-global",
      title: `Aurora guard: ${P} offers Aurora PostgreSQL ${v} without Global Database support: the primary's plan (the global cluster's owner) must stop at database.engineVersion`,
      stack: "primary",
      state: "aurora-normal",
      answer: (type, args) => (versionLookup(type, args) ? { supports_global_databases: false } : undefined),
      refusedBy: { dataSource: "aws_rds_engine_version", says: ["database.engineVersion", `Aurora PostgreSQL ${v} in ${P} (regions.primary.region) does not support Aurora Global Database`, "Fix:"] },
    },
    {
      id: "aurora-refused-class-not-offered",
      title: `Aurora guard: ${S} has no ${cls} for Aurora PostgreSQL ${v} (the lookup returns the fallback ${fallback}): the secondary's plan must stop at database.instanceClass`,
      stack: "secondary",
      state: "aurora-normal",
      answer: (type) => (type === "aws_rds_orderable_db_instance" ? { instance_class: fallback, id: fallback } : undefined),
      refusedBy: { dataSource: "aws_rds_orderable_db_instance", says: ["database.instanceClass", `${cls} is not offered for Aurora PostgreSQL ${v} in ${S} (regions.secondary.region)`, `${fallback} is offered`, "Fix:"] },
    },
    {
      id: "aurora-refused-class-without-global",
      title: `Aurora guard: ${S} offers ${cls} for Aurora PostgreSQL ${v}, but not for Global Database: the secondary's plan must stop at database.instanceClass`,
      stack: "secondary",
      state: "aurora-normal",
      answer: (type) => (type === "aws_rds_orderable_db_instance" ? { supports_global_databases: false } : undefined),
      refusedBy: { dataSource: "aws_rds_orderable_db_instance", says: ["database.instanceClass", `${cls} is offered for Aurora PostgreSQL ${v} in ${S} (regions.secondary.region), but not for Aurora Global Database`, "Fix:"] },
    },
  ];
}
