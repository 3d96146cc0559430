import type { ValidConfig } from "../config";
import { names } from "./names";
import { deployOnly } from "./deploy-commands";
import type { Check, WalPositions } from "./platform";
import type { Plan, PlanParams, Step } from "./plan-model";
import { fmtLag, no, ok } from "./check-helpers";
import { IDLE_LAG_NOTE, MAX_LAG_AGE_SECONDS, PREFLIGHT_REPLAY_SAMPLES, replayedSourceEnd, replayVerdict } from "./wal-verdicts";
import { catchUpStep, caughtUp, fenceStep, stillFenced } from "./fence-steps";
import { promoteStep } from "./promote-step";
import { gateStep } from "./switch-step";
import { switchoverRollback, verifyStep } from "./shared-steps";
import { unplannedSteps, verdictGuard } from "./unplanned-steps";

/** Failover of the database and DNS from the primary region to the secondary (planned: a switchover; unplanned: unplanned-steps.ts). */

function plannedPreflight(config: ValidConfig, params: PlanParams): Step {
  const s = names(config, "secondary");
  const gS = params.generations.secondary;
  return {
    id: "preflight",
    title: "Check the secondary can take over with no data loss",
    by: "runbook",
    precondition: {
      text:
        `${s.writer(gS)} is a replica (or already a writer after an interrupted run) whose replication is healthy (RDS status replicating; ReplicaLag known, not -1, sampled within ${MAX_LAG_AGE_SECONDS} s on AWS's clock, and <= runbook.maxReplicaLagSeconds (${params.maxReplicaLagSeconds} s) ` +
        `unless the WAL positions show the replica is not behind its source: an idle source's replica reports up to five minutes of lag) ` +
        `and whose WAL replay advances (${config.web.readinessPath}?wal=1 through ${s.region}'s load balancer, read twice a poll apart, up to 3 times: streaming from the source, replay not paused, not stuck behind received WAL)`,
      check: async (ctx) => {
        const db = await ctx.platform.database("secondary", gS);
        if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer: resuming after its promotion`);
        if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
        if (db.replicationStatus && db.replicationStatus !== "replicating") return no(`${db.identifier}: replication status "${db.replicationStatus}" (${db.detail})`);
        if (db.lagSeconds === null) return no(`${db.identifier}: replica lag unknown (${db.detail})`);
        if (db.lagSeconds < 0) return no(`${db.identifier}: ReplicaLag -1: RDS cannot determine the lag (replication not active, the replica in error or setting up)`);
        if (db.lagSampleAgeSeconds != null && db.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${db.identifier}: the latest ReplicaLag datapoint is ${Math.round(db.lagSampleAgeSeconds)} s old (AWS clock): no current reading`);
        // A lag above the threshold is judged against the WAL positions below, not refused on its own.
        const highLag = db.lagSeconds > params.maxReplicaLagSeconds ? `replica lag ${db.lagSeconds} s > ${params.maxReplicaLagSeconds} s (runbook.maxReplicaLagSeconds)` : null;
        // Two samples a poll apart; a refusal other than a paused replay is sampled again (up to
        // PREFLIGHT_REPLAY_SAMPLES pairs): one slow read or a replay that stood still for one poll on a busy
        // replica is not a reason to refuse a switchover (found by the drill under CPU load). This gate changes
        // nothing either way; the catch-up after the fence proves RPO 0 on its own.
        let r: Check = no("not sampled");
        let latest: WalPositions | null = null;
        const refused: string[] = [];
        for (let attempt = 1; attempt <= PREFLIGHT_REPLAY_SAMPLES; attempt++) {
          const first = await ctx.platform.walPositions("secondary");
          await ctx.clock.sleep(Math.min(ctx.pollMs, 10_000));
          const second = await ctx.platform.walPositions("secondary");
          latest = second;
          r = replayVerdict(first, second);
          if (r.ok || first.replayPaused === true || second.replayPaused === true) break;
          refused.push(r.detail);
        }
        const before = r.ok && refused.length ? ` (after ${refused.length} refused sample(s): ${refused.join("; ")})` : "";
        const tries = !r.ok && refused.length > 1 ? ` (${refused.length} samples a poll apart)` : "";
        if (!r.ok) return no(`${db.identifier}: ${highLag ? `${highLag}; ` : ""}${r.detail}${tries}`);
        if (highLag) {
          // CloudWatch says behind; the positions decide: an idle source inflates ReplicaLag, a replica really behind is refused.
          const proof = latest ? replayedSourceEnd(latest) : no("no WAL positions");
          if (!proof.ok) return no(`${db.identifier}: ${highLag}, and the WAL positions do not show it caught up: ${proof.detail}`);
          return ok(`${db.identifier}: replica, ${db.replicationStatus ?? "status n/a"}; CloudWatch ${highLag}, but ${proof.detail} (not a veto: ${IDLE_LAG_NOTE}); ${r.detail}${before}`);
        }
        return ok(`${db.identifier}: replica, lag ${fmtLag(db.lagSeconds)}, ${db.replicationStatus ?? "status n/a"}; ${r.detail}${before}`);
      },
    },
    action: { text: "none (records what it saw in the journal)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure:
      "Nothing was changed. Replication not healthy (lag, -1, status, replay paused or stuck): find what holds the replica (CloudWatch ReplicaLag, the replica's PostgreSQL log for replay conflicts, pg_is_wal_replay_paused()) and try again later, or, if the primary is failing, use --unplanned. Not a replica: see `dr status`.",
  };
}

/** Failover of the database and DNS from the primary region to the secondary. */
export function failoverPlan(config: ValidConfig, params: PlanParams): Plan {
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const planned = params.mode === "planned";
  const steps: Step[] = planned
    ? [
        plannedPreflight(config, params),
        fenceStep(config, "fence-primary", "primary", "no request reaches the old writer"),
        catchUpStep(config, "catch-up", "secondary", gS, "fence-primary", "primary"),
        promoteStep(config, "promote", "secondary", gS, {
          text: "the primary fleet is still fenced and the replica has caught up (both checked now, not taken from the journal)",
          check: async (ctx) => {
            const f = await stillFenced(ctx, "primary");
            if (!f.ok) return f;
            const c = await caughtUp(ctx, "secondary", "fence-primary", "planned");
            return c.ok ? ok(c.detail) : no(`not caught up: ${c.detail}`);
          },
        }),
        gateStep(config, "force-dns", true, { role: "secondary", generation: gS }),
        verifyStep(config, "verify", "secondary"),
      ]
    : unplannedSteps(config, params);

  const epilogue = [
    `Record the new state (docs/failover-runbook.md "Database failover and failback runbook", Failover step 4). In your config file (DR_CONFIG):`,
    `  "database": { "drState": "failedOver", "generations": { "primary": ${gP}, "secondary": ${gS} } },`,
    `  "dns": { "forceFailover": true }`,
    `then:`,
    `  npm run synth`,
    `  npx cdktf diff secondary     # expect outputs dr_state, db_writer_mode and one in-place update: ${s.writer(gS)}, declared as the replica without its source, now keeps a final snapshot on delete (skip_final_snapshot false, final_snapshot_identifier ${s.writer(gS)}-final: Terraform-only, no AWS call)`,
    `  ${deployOnly("secondary")}   # only secondary: what it depends on (${config.regions.primary.region}, the DNS zone) is not redeployed mid-incident, and this deploy needs neither`,
    `  npx cdktf diff dns           # expect no changes: the switch is a metric; Terraform manages only its alarm`,
    `Do not deploy primary while in failedOver.`,
  ];
  if (!planned) {
    epilogue.push(
      `${p.region} is fenced (web fleet at 0) and its old writer ${p.writer(gP)} is isolated (new random master password, tag dr-isolated): a diverged standalone database, kept as evidence.`,
      `If ${p.region} is lost for good:`,
      `  aws secretsmanager stop-replication-to-replica --region ${s.region} --secret-id ${config.project}-${config.environment}/db/master`,
    );
  } else {
    epilogue.push(`${p.region} is fenced (web fleet at 0) and its writer ${p.writer(gP)} takes no writes; fail back with \`dr failback\`.`);
  }
  return {
    title: `failover to ${s.region} (secondary), ${params.mode}`,
    params,
    steps,
    epilogue,
    ...(planned ? { rollback: switchoverRollback(config, { fencedRole: "primary", replicaRole: "secondary", replicaGeneration: gS, promoteId: "promote", after: ["catch-up", "promote"], size: params.webSize }) } : { verdict: verdictGuard(config) }),
  };
}
