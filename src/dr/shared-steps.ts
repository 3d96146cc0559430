import type { RegionRole, ValidConfig } from "../config";
import { names } from "./names";
import type { Rollback, Step, StepGuard } from "./plan-model";
import { no, ok } from "./check-helpers";
import { noPromotionRequested } from "./promote-step";

/** Steps shared by failover and failback: verify writes, restore a fleet, roll a switchover back, retire old instances. */

export function verifyStep(config: ValidConfig, id: string, role: RegionRole): Step {
  const n = names(config, role);
  return {
    id,
    title: `Verify ${n.region} (${role}) serves writes`,
    by: "runbook",
    precondition: { text: "none" },
    action: { text: "none (the wait writes a verification note)" },
    wait: {
      text: `GET ${config.web.readinessPath} through the region's load balancer answers 200 with db_role writer, and POST /api/notes answers 201`,
      timeoutSeconds: config.runbook.verifyTimeoutSeconds,
      until: async (ctx) => {
        const p = await ctx.platform.probe(role, { write: true });
        return p.ok && p.writable === true && p.wrote === true ? ok(p.detail) : no(p.detail);
      },
    },
    onFailure: `The app re-checks its database role every few seconds without a restart; if ${config.web.readinessPath} keeps reporting db_role replica, look at the instances' logs (journalctl -u drweb) for "db role changed" and at the writer endpoint in /etc/drweb/drweb.env.`,
  };
}

export function restoreFleetStep(config: ValidConfig, id: string, role: RegionRole, size: number): Step {
  const n = names(config, role);
  return {
    id,
    title: `Restore the web fleet in ${n.region} (${role}) to ${size}`,
    by: "runbook",
    precondition: { text: "none" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size ${config.web.minSize} --desired-capacity ${size}`,
      run: (ctx) => ctx.platform.scaleWeb(role, size),
    },
    wait: {
      text: `${size} healthy targets in ${n.targetGroup} (new instances install the app first: up to web.healthCheckGraceSeconds)`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds + config.web.healthCheckGraceSeconds,
      until: async (ctx) => {
        const w = await ctx.platform.web(role);
        return (w.healthyTargets ?? 0) >= size ? ok(w.detail) : no(w.detail);
      },
    },
    onFailure: `aws autoscaling describe-scaling-activities --region ${n.region} --auto-scaling-group-name ${n.asg}; an instance that never turns healthy: its console output / journalctl -u drweb.`,
  };
}

/** The planned switchover's roll-back: the fenced fleet back in service, the switch untouched. */
export function switchoverRollback(
  config: ValidConfig,
  opts: { fencedRole: RegionRole; replicaRole: RegionRole; replicaGeneration: number; promoteId: string; after: readonly string[]; size: number; safe?: StepGuard },
): Rollback {
  const f = names(config, opts.fencedRole);
  return {
    after: opts.after,
    text: `when ${opts.after.join(" or ")} fails and ${opts.safe ? opts.safe.text : "no promotion was requested"}: aws autoscaling update-auto-scaling-group --region ${f.region} --auto-scaling-group-name ${f.asg} --min-size ${config.web.minSize} --desired-capacity ${opts.size}, until a target is healthy; the failover switch is not touched`,
    safe: opts.safe ? opts.safe.check : (ctx) => noPromotionRequested(ctx, opts.replicaRole, opts.replicaGeneration, opts.promoteId),
    run: (ctx) => ctx.platform.scaleWeb(opts.fencedRole, opts.size),
    until: async (ctx) => {
      const w = await ctx.platform.web(opts.fencedRole);
      return (w.healthyTargets ?? 0) >= 1 ? ok(w.detail) : no(w.detail);
    },
    timeoutSeconds: config.runbook.fenceTimeoutSeconds + config.web.healthCheckGraceSeconds,
  };
}

/**
 * Deletion protection off on a region's instances of one generation, so the
 * next deploy can replace them (after `afterId`, whose completion it needs).
 */
export function retireStep(config: ValidConfig, id: string, role: RegionRole, generation: number, afterId: string, afterDone: string): Step {
  const n = names(config, role);
  return {
    id,
    title: `Let Terraform replace the g${generation} instances in ${n.region}: deletion protection off`,
    by: "runbook",
    precondition: { text: `${afterId} is done`, check: async (ctx) => (ctx.eventAt(afterId, "done") !== null ? ok(afterDone) : no(`${afterId} has not completed`)) },
    action: {
      text: `aws rds modify-db-instance --region ${n.region} --no-deletion-protection --apply-immediately on ${[n.writer(generation), ...n.readers(generation)].join(", ")}`,
      run: (ctx) => ctx.platform.allowDeletion(role, generation),
    },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: "Run the aws rds modify-db-instance commands by hand, then the command again.",
  };
}
