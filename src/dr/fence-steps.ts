import type { RegionRole, ValidConfig } from "../config";
import { names } from "./names";
import type { Check, WebState } from "./platform";
import type { Mode, Step, StepContext } from "./plan-model";
import { no, ok } from "./check-helpers";
import { catchUpVerdict } from "./wal-verdicts";
import { TARGET_DOWN_POLLS, targetDownVerdict } from "./promote-step";

/** Fencing a region's writes (its web fleet to zero) and waiting for the replica to catch up behind the fence. */

// --- step building blocks (shared by failover and failback) ---------------

/** The fleet is fenced: desired 0, no target left (healthy or draining) and no instance still running. */
export function fenced(w: WebState): boolean {
  return w.desiredCapacity === 0 && w.healthyTargets === 0 && w.totalTargets === 0 && w.runningInstances === 0;
}

/** A guard's fence condition: the role's fleet is still fenced, checked now (not taken from the journal). */
export async function stillFenced(ctx: StepContext, role: RegionRole): Promise<Check> {
  const f = await fenceHolds(ctx, role);
  return f.ok ? f : no(`the ${role} fleet is no longer fenced: ${f.detail}`);
}

export async function fenceHolds(ctx: StepContext, role: RegionRole): Promise<Check> {
  const w = await ctx.platform.web(role);
  return fenced(w) ? ok(`fenced: ${w.detail}`) : no(`not fenced: ${w.detail}`);
}

export function fenceStep(config: ValidConfig, id: string, role: RegionRole, why: string, liftedBy?: string): Step {
  const n = names(config, role);
  return {
    id,
    title: `Fence writes in ${n.region} (${role}): web fleet to zero`,
    by: "runbook",
    precondition: { text: "none (scaling a fleet to zero is safe to repeat)" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0 (local: stop the region's app instances)`,
      run: (ctx) => ctx.platform.scaleWeb(role, 0),
    },
    wait: {
      text: `the fleet's desired size is 0, target group ${n.targetGroup} has no target left (healthy or draining) and no instance of the fleet runs any more (in-flight requests have finished, so every acknowledged write is on the writer): ${why}`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: (ctx) => fenceHolds(ctx, role),
    },
    recheck: { text: `the ${n.region} fleet is still fenced (AWS, not the journal)`, check: (ctx) => fenceHolds(ctx, role), ...(liftedBy ? { until: liftedBy } : {}) },
    onFailure: `Instances still run in ${n.region}: look at the ASG's activities (aws autoscaling describe-scaling-activities --region ${n.region} --auto-scaling-group-name ${n.asg}) and for scale-in protection, then run the command again. To abort instead: scale back with --min-size ${config.web.minSize} --desired-capacity ${config.web.desiredCapacity}.`,
  };
}

/** Positions of the replica region through its entry point, judged for a catch-up since `sinceStep` was done. */
export async function caughtUp(ctx: StepContext, replicaRole: RegionRole, sinceStep: string, mode: Mode): Promise<Check> {
  const since = ctx.eventAt(sinceStep, "done");
  if (since === null) return no(`${sinceStep} has not completed`);
  return catchUpVerdict(await ctx.platform.walPositions(replicaRole), since, mode);
}

export function catchUpStep(config: ValidConfig, id: string, replicaRole: RegionRole, generation: number, fenceStepId: string, fencedRole: RegionRole): Step {
  const n = names(config, replicaRole);
  return {
    id,
    title: `Wait until ${n.writer(generation)} has replayed every write its source acknowledged (WAL positions)`,
    by: "runbook",
    precondition: {
      text: `the ${config.regions[fencedRole].region} fleet is fenced now (checked in AWS, not taken from the journal), so no write can be acknowledged any more`,
      check: (ctx) => fenceHolds(ctx, fencedRole),
    },
    action: { text: "none (waits)" },
    wait: {
      text:
        `GET ${config.web.readinessPath}?wal=1 through ${n.region}'s load balancer: a message from the source's WAL sender, sent after ${fenceStepId} was done, reports the source's WAL end ` +
        `(pg_stat_wal_receiver.latest_end_lsn) and the replica has received and replayed up to it (pg_last_wal_replay_lsn()); a paused replay fails at once`,
      timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
      until: async (ctx) => {
        const since = ctx.eventAt(fenceStepId, "done");
        if (since === null) return no(`${fenceStepId} has not completed`);
        const p = await ctx.platform.walPositions(replicaRole);
        const c = catchUpVerdict(p, since, "planned");
        if (c.ok || c.fatal || p.ok) return c;
        // A dead target cannot catch up: stop after a few polls (the fence is rolled back: nothing was promoted).
        const down = await targetDownVerdict(ctx, replicaRole, generation, id, (db) =>
          `the promotion target ${db.identifier} is down (${db.dbRole}, ${db.status ?? "?"}: ${db.detail}) for ${TARGET_DOWN_POLLS} polls in a row: it cannot catch up; no promotion was requested (last reading: ${c.detail})`,
        );
        return down ?? c;
      },
    },
    onFailure: `The replica did not show it has every write (or it is down: see the reason above). The runbook rolls the fence back by itself when no promotion was requested (below). To check by hand: on the source SELECT pg_current_wal_lsn(); on the replica SELECT pg_last_wal_replay_lsn(), pg_is_wal_replay_paused(); if replayed >= the source's position, run again with --confirm ${id}.`,
  };
}
