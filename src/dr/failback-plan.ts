import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch } from "../dns/contract";
import { names } from "./names";
import { deployOnly, deployWithDependencies } from "./deploy-commands";
import type { Plan, PlanParams, Step, StepContext } from "./plan-model";
import { fmtLag, no, ok } from "./check-helpers";
import { IDLE_LAG_NOTE, MAX_LAG_AGE_SECONDS, replayedSourceEnd } from "./wal-verdicts";
import { catchUpStep, caughtUp, fenceStep, stillFenced } from "./fence-steps";
import { promoteStep } from "./promote-step";
import { gateStep } from "./switch-step";
import { restoreFleetStep, retireStep, switchoverRollback, verifyStep } from "./shared-steps";

/**
 * Failback (docs/failover-runbook.md "Failback to us-east-2"): rebuild the old primary as a
 * replica of the promoted secondary (generation bump, a deploy the operator
 * runs), switch over to it (planned: RPO 0), rebuild the secondary as its
 * replica (a second generation bump and deploy).
 */
export function failbackPlan(config: ValidConfig, params: PlanParams): Plan {
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const gP2 = gP + 1;
  const gS2 = gS + 1;
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const snapshotId = `${p.writer(gP)}-diverged`;
  const cfgCheck = (want: { drState: string; primary: number; secondary: number; forceFailover?: boolean }) => async (ctx: StepContext) => {
    const d = ctx.config.database;
    const bad: string[] = [];
    if (d.drState !== want.drState) bad.push(`database.drState is "${d.drState}", want "${want.drState}"`);
    if (d.generations.primary !== want.primary) bad.push(`database.generations.primary is ${d.generations.primary}, want ${want.primary}`);
    if (d.generations.secondary !== want.secondary) bad.push(`database.generations.secondary is ${d.generations.secondary}, want ${want.secondary}`);
    if (want.forceFailover !== undefined && ctx.config.dns.forceFailover !== want.forceFailover) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want ${want.forceFailover}`);
    return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
  };
  const replicaOf = (role: RegionRole, generation: number) => async (ctx: StepContext) => {
    const db = await ctx.platform.database(role, generation);
    return (db.dbRole === "replica" || db.dbRole === "writer") && db.status === "available"
      ? ok(`${db.identifier}: ${db.dbRole} of ${db.source ?? "-"}, available`)
      : no(`${db.identifier}: ${db.dbRole}, ${db.status ?? "?"} (${db.detail})`);
  };

  const steps: Step[] = [
    {
      id: "preflight",
      title: `Check the failed-over state: ${s.writer(gS)} writes, DNS forced to the secondary`,
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a writer; the failover switch is forced (alarm ${failoverSwitch(config).alarmName} in ${s.region} is ALARM)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          if (db.dbRole !== "writer") return no(`${db.identifier}: ${db.dbRole}: there is nothing to fail back from (see \`dr status\`)`);
          const sw = await ctx.platform.failoverSwitch();
          if (sw.forced !== true && ctx.eventAt("unforce-dns", "action") === null) return no(`the failover switch is not forced (${sw.detail}): traffic is not forced to the secondary`);
          return ok(`${db.identifier}: writer; switch ${sw.detail}`);
        },
      },
      action: { text: "none" },
      wait: { text: "none", timeoutSeconds: 0 },
      onFailure: "Run `dr status`; fail back only from the failedOver state.",
    },
    fenceStep(config, "fence-old-primary", "primary", `the diverged writer ${p.writer(gP)} takes no writes`, "restore-primary-fleet"),
    {
      id: "snapshot-old-primary",
      title: `Keep the evidence: snapshot ${p.writer(gP)} as ${snapshotId}`,
      by: "runbook",
      precondition: { text: "none" },
      action: {
        text: `aws rds create-db-snapshot --region ${p.region} --db-instance-identifier ${p.writer(gP)} --db-snapshot-identifier ${snapshotId} (skipped if it exists)`,
        run: (ctx) => ctx.platform.snapshot("primary", gP, snapshotId),
      },
      wait: {
        text: `snapshot ${snapshotId} is available (writes that never replicated are reconciled from it by hand)`,
        timeoutSeconds: config.runbook.promoteTimeoutSeconds,
        until: async (ctx) => {
          const st = await ctx.platform.snapshotStatus("primary", snapshotId);
          return st === "available" ? ok(`${snapshotId}: available`) : no(`${snapshotId}: ${st ?? "missing"}`);
        },
      },
      onFailure: `aws rds describe-db-snapshots --region ${p.region} --db-snapshot-identifier ${snapshotId}. If ${p.writer(gP)} is gone for good (region lost), run again with --confirm snapshot-old-primary.`,
    },
    retireStep(config, "retire-old-primary", "primary", gP, "snapshot-old-primary", "snapshot taken"),
    {
      id: "rebuild-primary",
      title: `Rebuild ${p.region} as a replica of ${s.writer(gS)} (generation ${gP2}): a deploy you run`,
      by: "operator",
      precondition: {
        text: `config: database.drState "failback", generations { primary: ${gP2}, secondary: ${gS} }, dns.forceFailover true`,
        check: cfgCheck({ drState: "failback", primary: gP2, secondary: gS, forceFailover: true }),
      },
      action: {
        text: `set "database": { "drState": "failback", "generations": { "primary": ${gP2}, "secondary": ${gS} } } (keep "dns": { "forceFailover": true }); npm run synth && npx cdktf diff primary (expect exactly: ${p.writer(gP)} destroyed with its final snapshot ${p.writer(gP)}-final, ${p.readers(gP).join(", ")} destroyed without one (skip_final_snapshot true in the diff: RDS refuses a final snapshot of a read replica; if it shows false, see docs/failover-runbook.md failback step 3), ${p.writer(gP2)} created as a cross-region replica of ${s.writer(gS)} plus ${p.readers(gP2).join(", ")}, the web launch template and Auto Scaling group updated (new endpoints); npm run plan:offline checks this plan); ${deployOnly("primary")} (only primary: ${s.writer(gS)}, its source, is named by ARN and already running, and the secondary and DNS-zone stacks it depends on do not change)`,
      },
      wait: { text: `${p.writer(gP2)} exists, is a replica of ${s.writer(gS)} and available (checked once: deploy, then run the command again)`, timeoutSeconds: 0, until: replicaOf("primary", gP2) },
      onFailure: "Set the config as shown, deploy primary, then run `dr failback` again: it resumes here.",
    },
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    {
      id: "primary-in-sync",
      title: `Wait until ${p.writer(gP2)} is within runbook.maxReplicaLagSeconds (or its WAL positions show it is not behind)`,
      by: "runbook",
      precondition: { text: "none" },
      action: { text: "none (waits)" },
      wait: {
        text:
          `ReplicaLag of ${p.writer(gP2)} known, not -1, a current datapoint, RDS status replicating, and <= ${params.maxReplicaLagSeconds} s ` +
          `or, above it, ${config.web.readinessPath}?wal=1 through ${p.region}'s load balancer shows the replica streaming and replayed up to its source's WAL end (an idle source's replica reports up to five minutes of lag)`,
        timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
        until: async (ctx) => {
          const db = await ctx.platform.database("primary", gP2);
          if (db.dbRole === "writer") return ok(`${db.identifier}: already a writer`);
          if (db.replicationStatus && db.replicationStatus !== "replicating") return no(`${db.identifier}: replication status "${db.replicationStatus}"`);
          if (db.lagSeconds === null || db.lagSeconds < 0) return no(`${db.identifier}: lag ${fmtLag(db.lagSeconds)}`);
          if (db.lagSampleAgeSeconds != null && db.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${db.identifier}: the latest ReplicaLag datapoint is ${Math.round(db.lagSampleAgeSeconds)} s old`);
          if (db.lagSeconds <= params.maxReplicaLagSeconds) return ok(`${db.identifier}: lag ${db.lagSeconds} s`);
          const proof = replayedSourceEnd(await ctx.platform.walPositions("primary"));
          return proof.ok
            ? ok(`${db.identifier}: CloudWatch lag ${db.lagSeconds} s > ${params.maxReplicaLagSeconds} s, but ${proof.detail} (not a veto: ${IDLE_LAG_NOTE})`)
            : no(`${db.identifier}: lag ${fmtLag(db.lagSeconds)}; WAL positions: ${proof.detail}`);
        },
      },
      onFailure: "A new replica first replays the backlog since it was created; wait and run again.",
    },
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from", "restore-secondary-fleet"),
    catchUpStep(config, "catch-up", "primary", gP2, "fence-secondary", "secondary"),
    promoteStep(config, "promote-primary", "primary", gP2, {
      text: "the secondary fleet is still fenced and the replica has caught up (both checked now, not taken from the journal)",
      check: async (ctx) => {
        const f = await stillFenced(ctx, "secondary");
        if (!f.ok) return f;
        const c = await caughtUp(ctx, "primary", "fence-secondary", "planned");
        return c.ok ? ok(c.detail) : no(`not caught up: ${c.detail}`);
      },
    }),
    gateStep(config, "unforce-dns", false, { role: "primary", generation: gP2 }),
    verifyStep(config, "verify-primary", "primary"),
    retireStep(config, "retire-old-secondary", "secondary", gS, "verify-primary", "primary verified"),
    {
      id: "rebuild-secondary",
      title: `Rebuild ${s.region} as a replica of ${p.writer(gP2)} (generation ${gS2}): a deploy you run`,
      by: "operator",
      precondition: {
        text: `config: database.drState "normal", generations { primary: ${gP2}, secondary: ${gS2} }, dns.forceFailover false`,
        check: cfgCheck({ drState: "normal", primary: gP2, secondary: gS2, forceFailover: false }),
      },
      action: {
        text: `set "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } }, "dns": { "forceFailover": false }; npm run synth && npx cdktf diff primary (expect the outputs dr_state and db_writer_mode and one in-place update: ${p.writer(gP2)}, promoted, now keeps a final snapshot on delete); ${deployWithDependencies(config, ["primary", "secondary", "dns"])} (the secondary: ${s.writer(gS)} destroyed with its final snapshot ${s.writer(gS)}-final (recorded by failover step 4's deploy), ${s.readers(gS).join(", ")} destroyed without one, ${s.writer(gS2)} and ${s.readers(gS2).join(", ")} created as replicas of ${p.writer(gP2)}, launch template and Auto Scaling group updated)`,
      },
      wait: { text: `${s.writer(gS2)} exists, is a replica of ${p.writer(gP2)} and available (checked once)`, timeoutSeconds: 0, until: replicaOf("secondary", gS2) },
      onFailure: "Set the config as shown, deploy, then run `dr failback` again: it resumes here.",
    },
    restoreFleetStep(config, "restore-secondary-fleet", "secondary", params.webSize),
  ];
  return {
    title: `failback to ${p.region} (primary)`,
    params,
    steps,
    rollback: switchoverRollback(config, { fencedRole: "secondary", replicaRole: "primary", replicaGeneration: gP2, promoteId: "promote-primary", after: ["catch-up", "promote-primary"], size: params.webSize }),
    epilogue: [
      `The final config (set during rebuild-secondary):`,
      `  "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
      `Snapshot ${snapshotId} in ${p.region} holds the writes the old primary took that never replicated: reconcile them by hand, then delete it.`,
    ],
  };
}
