import type { ValidConfig } from "../config";
import { regionClusterIdentifier } from "../database/aurora-contract";
import { deployWithDependencies } from "./deploy-commands";
import { confirmOutageStep, drainStep, fenceOldPrimaryStep, FORCED_AND_DRAINED, verdictGuard } from "./unplanned-steps";
import { stillFenced, fenceStep } from "./fence-steps";
import { gateStep } from "./switch-step";
import { names } from "./names";
import type { Plan, PlanParams, Step } from "./plan-model";
import { restoreFleetStep, switchoverRollback, verifyStep } from "./shared-steps";
import type { GlobalReadOptions } from "./platform";
import { ok, no } from "./check-helpers";
import { auroraOps, member, describeOp, detachAndPromote, managedMoveBlockers, writerGuard } from "./aurora-global";
import { noSwitchoverRequested, switchoverPreflight, moveStep } from "./aurora-move-step";
import { recordStep, failoverRecord, fenceOldFleetStep, failoverSnapshotPrefix, keepLostWritesStep } from "./aurora-steps";
import { endpointsGuard, restoredClusterRefusal, withGuard } from "./endpoints-check";
import { RunnerError } from "./run-options";

/**
 * The runbook's plans in the Aurora Global Database mode
 * (`database.engine: "aurora-postgresql"`, src/database/aurora-contract.ts):
 * the database moves by AWS's managed operations on the global cluster, not
 * by promoting a read replica:
 *
 * - planned failover and failback: SwitchoverGlobalCluster, which "waits for
 *   the target secondary Region clusters to be fully synchronized with the
 *   primary Region cluster" before the old primary becomes read-only, so no
 *   data is lost (RPO 0);
 * - unplanned failover: a switchover too when the old primary still answers
 *   after the drain (only its web tier failed: RPO 0, no storage rebuild),
 *   else FailoverGlobalCluster with AllowDataLoss, which "doesn't wait for
 *   data to synchronize": writes not yet replicated (the RPO lag at the time)
 *   are lost; "Aurora attempts to take a snapshot of the old storage volume
 *   at the point of failure" named
 *   `rds:unplanned-global-failover-<old primary cluster>-<timestamp>` before it
 *   adds the old primary Region back as a secondary when it recovers (the
 *   failback copies that snapshot to a manual one: keep-lost-writes).
 * (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
 * Database": https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html)
 *
 * Writes resume without a deploy: the app finds where it may write at run
 * time (docs/aurora.md "Aurora Global Database mode", endpoints), so each plan checks
 * writes through the new primary region's entry point right after the move
 * (`verify`, as the RDS mode), and only then asks the operator to record the
 * new drState (an operator step whose deploy changes outputs, no launch
 * template: no instance is replaced). Between the fault and the first write
 * the unplanned path makes no Terraform run and reads the global cluster in
 * the surviving region only (GlobalReadOptions `only`): docs/dr-runbook.md
 * lists each call and its region.
 *
 * The safety rules are the RDS path's, with its own step builders
 * (fence-steps.ts, switch-step.ts, shared-steps.ts, unplanned-steps.ts):
 * fence the old writer's fleet before a switchover (rolled back by itself when
 * nothing was taken), a sustained outage by Route53's verdict and the switch
 * plus the client drain before a failover.
 *
 * This file holds the plans; the global cluster's reads are in
 * aurora-global.ts, the managed move in aurora-move-step.ts, the other steps
 * in aurora-steps.ts.
 */

// --- plans ---------------------------------------------------------------------

function failoverEpilogue(config: ValidConfig, planned: boolean): string[] {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const out = [
    `Recorded during record-failed-over (config, DR_CONFIG), after writes had resumed in ${config.regions.secondary.region}:`,
    `  "database": { "drState": "failedOver" },`,
    `  "dns": { "forceFailover": true }`,
    `Check: npm run synth && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
    `Do not deploy primary while in failedOver: fail back with \`dr failback\` (it starts with drState "failback" and the primary stack deployed).`,
  ];
  if (planned) {
    out.push(`${pId} (${p.region}) is a secondary member of the global cluster, in sync (no data was lost); ${p.region}'s web fleet is fenced (at 0).`);
  } else {
    out.push(
      `If the move was a switchover (the journal's failover step says which), no data was lost and ${pId} is a secondary in sync. After a failover with data loss:`,
      `writes ${pId} committed and had not replicated when the failover was taken (its RPO lag then: see preflight in the journal) are not in the new primary.`,
      `When ${p.region} recovers, Aurora creates a new volume for ${pId} and adds it back as a secondary; before that it attempts a snapshot of the old volume at the point of failure (Aurora User Guide, managed failovers), subject to ${pId}'s backup retention. \`dr failback\` copies it (keep-lost-writes); to keep it sooner:`,
      `  aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId} --query "DBClusterSnapshots[?starts_with(DBClusterSnapshotIdentifier,'${failoverSnapshotPrefix(pId)}')]"`,
      `  aws rds copy-db-cluster-snapshot --region ${p.region} --source-db-cluster-snapshot-identifier <that identifier> --target-db-cluster-snapshot-identifier ${pId}-lost-writes-<time> --copy-tags`,
      `then restore it as a separate cluster and reconcile the lost writes by hand.`,
      `${p.region}'s web fleet is fenced (at 0) or will be by fence-old-primary-fleet once its APIs answer.`,
    );
  }
  return out;
}

/** Failover to the secondary region in the Aurora mode. */
export function auroraFailoverPlan(config: ValidConfig, params: PlanParams): Plan {
  const planned = params.mode === "planned";
  const s = names(config, "secondary");
  if (planned) {
    return {
      title: `failover to ${s.region} (secondary), planned: Aurora Global Database switchover`,
      params,
      steps: [
        withGuard(switchoverPreflight(config, params, "secondary"), endpointsGuard(config, ["primary", "secondary"], false)),
        fenceStep(config, "fence-primary", "primary", "no request reaches the writer being switched away from"),
        moveStep(config, "switchover", "planned", "secondary", {
          text: "the primary fleet is still fenced (checked now, not taken from the journal)",
          check: (ctx) => stillFenced(ctx, "primary"),
        }),
        gateStep(config, "force-dns", true, writerGuard(config, "secondary")),
        verifyStep(config, "verify", "secondary"),
        failoverRecord(config),
      ],
      epilogue: failoverEpilogue(config, true),
      rollback: switchoverRollback(config, {
        fencedRole: "primary",
        replicaRole: "secondary",
        replicaGeneration: params.generations.secondary,
        promoteId: "switchover",
        after: ["switchover"],
        size: params.webSize,
        safe: noSwitchoverRequested(config, "switchover", "primary"),
      }),
    };
  }
  const sId = regionClusterIdentifier(config, "secondary");
  const lean: GlobalReadOptions = { only: "secondary" };
  return {
    title: `failover to ${s.region} (secondary), unplanned: Aurora Global Database switchover if the old primary answers, else managed failover (allows data loss)`,
    params,
    steps: [
      withGuard<Step>({
        id: "preflight",
        title: "Record the secondary member's state and RPO lag (the data at risk); refuse what AWS would refuse",
        by: "runbook",
        precondition: {
          text:
            `${sId} is a member of the global cluster (or already its writer after an interrupted run), read in ${s.region} only; it has an available DB instance and the global cluster's major.minor engine version ` +
            `(else a managed failover is impossible: nothing is changed and the detach-and-promote path is printed); its AuroraGlobalDBRPOLag is recorded: writes committed on the primary within that lag are lost by a failover with data loss`,
          check: async (ctx) => {
            const g = await auroraOps(ctx).globalCluster(lean);
            if (!g.found) return no(g.detail);
            const t = member(g, "secondary");
            if (!t) return no(`${sId} is not a member of ${g.identifier} (${g.detail})`);
            if (t.isWriter) return ok(`${sId} is already the writer: resuming after the failover`);
            const blockers = managedMoveBlockers(g, t);
            if (blockers.length) return no(`a managed failover to ${sId} is impossible: ${blockers.join("; ")}. ${detachAndPromote(config, "secondary")}`);
            return ok(
              `${sId}: secondary, ${t.status ?? "status unknown"}, ${t.engineVersion ?? "version ?"}, sync ${t.synchronizationStatus ?? "?"}; last RPO lag ${t.rpoLagMs ?? "unknown"} ms, replication lag ${t.replicationLagMs ?? "unknown"} ms` +
                `${t.lagSampleAgeSeconds !== null ? ` (${Math.round(t.lagSampleAgeSeconds)} s old)` : ""}: writes the primary committed within that window are lost by a failover with data loss; ${describeOp(g)}`,
            );
          },
        },
        action: { text: "none (records what it saw in the journal)" },
        wait: { text: "none", timeoutSeconds: 0 },
        onFailure:
          "Nothing was changed. Not a member, or the global cluster cannot be read in the secondary region: see `dr status`; if the secondary region's RDS API answers but this check cannot, --confirm preflight. " +
          "Engine versions that differ or a headless secondary: the managed failover is impossible, follow the detach-and-promote path printed above (docs/dr-runbook.md).",
              // The surviving region's parameter only: the preflight reads nothing in the region that failed (REL11-BP04). An
        // unrecorded restore in the failed region is what database.restoredCluster (refused above) and `dr readiness`
        // (both regions' parameters, before an incident) are for.
      }, endpointsGuard(config, ["secondary"], true)),
      confirmOutageStep(config, params),
      gateStep(config, "force-dns", true, {
        text: `${sId} is a member of the global cluster (read in ${s.region}; it is failed over to once no client can write to the primary any more); the switch is taken first so that Route53 never sends users back to a primary that returns`,
        check: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster(lean);
          const t = member(g, "secondary");
          return t ? ok(`${sId}: ${t.isWriter ? "writer" : "secondary"}, ${t.status ?? "?"}`) : no(`${sId} is not a member (${g.detail})`);
        },
      }),
      fenceOldPrimaryStep(config),
      drainStep(config, params),
      moveStep(config, "failover", "unplanned", "secondary", FORCED_AND_DRAINED),
      verifyStep(config, "verify", "secondary"),
      failoverRecord(config),
      fenceOldFleetStep(config),
    ],
    verdict: verdictGuard(config),
    epilogue: failoverEpilogue(config, false),
  };
}

/** Failback to the primary region in the Aurora mode: a switchover back, once its cluster is a secondary member in sync again. */
export function auroraFailbackPlan(config: ValidConfig, params: PlanParams): Plan {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const steps: Step[] = [
    {
      id: "deploy-primary",
      title: `Record drState "failback" and deploy ${p.region}: its cluster is a secondary member again (a deploy you run)`,
      by: "operator",
      precondition: {
        text: `config: database.drState "failback", dns.forceFailover true`,
        check: async (ctx) => {
          const bad: string[] = [];
          if (ctx.config.database.drState !== "failback") bad.push(`database.drState is "${ctx.config.database.drState}", want "failback"`);
          if (ctx.config.dns.forceFailover !== true) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want true`);
          return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
        },
      },
      action: {
        text:
          `set "database": { "drState": "failback" }, "dns": { "forceFailover": true } in your config (DR_CONFIG; generations unchanged); npm run synth && npx cdktf diff primary ` +
          `(no change to the global cluster or its members: AWS made ${pId} a secondary); ${deployWithDependencies(config, ["secondary", "primary"])} (in failback primary depends on secondary: both, in that order)`,
      },
      wait: {
        text:
          `${pId} is a secondary member of the global cluster, available, SynchronizationStatus connected (after a failover with data loss Aurora adds it back only once ${p.region} recovers, rebuilt on a new volume: "a few minutes to several hours"; a switchover left it so) ` +
          `(checked once: deploy, then run the same command again)`,
        timeoutSeconds: 0,
        until: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster();
          const m = member(g, "primary");
          if (!m) return no(`${pId} is not a member of ${g.identifier} (${g.detail}): Aurora adds it back when ${p.region} is available again`);
          if (m.isWriter) return ok(`${pId} is already the writer: resuming after the switchover back`);
          return m.status === "available" && m.synchronizationStatus === "connected" ? ok(m.detail) : no(`${m.detail}: not yet an available member in sync (after a failover Aurora rebuilds it: minutes to hours)`);
        },
      },
      onFailure: "Set the config as shown, deploy, then run `dr failback` again: it resumes here (and waits for Aurora to have rebuilt the old primary).",
    },
    keepLostWritesStep(config),
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    withGuard(switchoverPreflight(config, params, "primary"), endpointsGuard(config, ["primary", "secondary"], false)),
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from", "restore-secondary-fleet"),
    moveStep(config, "switchover", "planned", "primary", {
      text: "the secondary fleet is still fenced (checked now, not taken from the journal)",
      check: (ctx) => stillFenced(ctx, "secondary"),
    }),
    gateStep(config, "unforce-dns", false, writerGuard(config, "primary")),
    verifyStep(config, "verify-primary", "primary"),
    restoreFleetStep(config, "restore-secondary-fleet", "secondary", params.webSize),
    recordStep(
      config,
      "record-normal",
      { drState: "normal", forceFailover: false },
      deployWithDependencies(config, ["primary", "secondary", "dns"]),
      `npx cdktf diff primary (expect the outputs dr_state and the role outputs only: no change to the web launch template or Auto Scaling group)`,
    ),
  ];
  return {
    title: `failback to ${p.region} (primary): Aurora Global Database switchover back`,
    params,
    steps,
    rollback: switchoverRollback(config, {
      fencedRole: "secondary",
      replicaRole: "primary",
      replicaGeneration: params.generations.primary,
      promoteId: "switchover",
      after: ["switchover"],
      size: params.webSize,
      safe: noSwitchoverRequested(config, "switchover", "secondary"),
    }),
    epilogue: [
      `The final config (set during record-normal, after writes had resumed in ${p.region}):`,
      `  "database": { "drState": "normal" },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
      `${regionClusterIdentifier(config, "secondary")} is a secondary member again (no data was lost by the switchover back).`,
      `The manual snapshots ${pId}-lost-writes-* (keep-lost-writes), if any, hold the writes the unplanned failover lost: restore one as a separate cluster, reconcile by hand, then delete it.`,
    ],
  };
}

/**
 * The Aurora mode's failover / failback plan. Refused while config database.restoredCluster records a `dr restore`
 * that moved the app to a standalone restored cluster: the other region's member replicates the damaged global
 * primary, so a switchover or failover would make the damaged data the writer again (endpoints-check.ts). Each
 * preflight also reads the regions' database endpoints parameters: one naming a cluster the config does not record
 * (an unrecorded restore) refuses; the unplanned failover only reports a region that does not answer.
 */
export function auroraPlan(config: ValidConfig, params: PlanParams): Plan {
  const refusal = restoredClusterRefusal(config, params.operation === "failover" ? `dr failover (${params.mode}) in the Aurora mode` : "dr failback in the Aurora mode");
  if (refusal) throw new RunnerError(refusal);
  return params.operation === "failover" ? auroraFailoverPlan(config, params) : auroraFailbackPlan(config, params);
}
