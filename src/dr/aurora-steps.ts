import type { DrState, RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, regionClusterIdentifier } from "../database/aurora-contract";
import { deployOnly } from "./deploy-commands";
import { fenced, fenceHolds } from "./fence-steps";
import { names } from "./names";
import type { Step, StepContext } from "./plan-model";
import type { Check, ClusterSnapshotState } from "./platform";
import { ok, no, errorText } from "./check-helpers";
import { auroraOps } from "./aurora-global";

/** The Aurora plans' other steps: writes through the entry point, the operator's record of the new state, the old fleet fenced, the lost writes' snapshot kept. */

/** The region's entry point answers with a writable database (the app's readiness, no write). */
function writableThrough(config: ValidConfig, role: RegionRole): { text: string; check: (ctx: StepContext) => Promise<Check> } {
  return {
    text: `GET ${config.web.readinessPath} through ${config.regions[role].region}'s load balancer still answers 200 with the database writable (the deploy replaced nothing)`,
    check: async (ctx) => {
      const p = await ctx.platform.probe(role, { write: false });
      return p.ok && p.writable === true ? ok(p.detail) : no(`${p.detail} (db_role ${p.dbRole ?? "?"})`);
    },
  };
}

/**
 * The operator records the new DR state after the verification (as the RDS
 * mode records it after `verify`): the config and a deploy that changes the
 * stacks' outputs only (the app finds its writer at run time: no launch
 * template, no instance replaced). Checked: the config, then once that the
 * region still takes writes.
 */
export function recordStep(config: ValidConfig, id: string, want: { readonly drState: DrState; readonly forceFailover: boolean }, command: string, diff: string): Step {
  const writer = AURORA_GLOBAL_PRIMARY[want.drState];
  const w = names(config, writer);
  const todo = `set "database": { "drState": "${want.drState}" }, "dns": { "forceFailover": ${want.forceFailover} } in your config (DR_CONFIG; generations unchanged); npm run synth && ${diff}; ${command}`;
  const until = writableThrough(config, writer);
  return {
    id,
    title: `Record drState "${want.drState}" (config and a deploy you run; writes already resumed in ${w.region}: the deploy replaces no instance)`,
    by: "operator",
    precondition: {
      text: `config: database.drState "${want.drState}", dns.forceFailover ${want.forceFailover}`,
      check: async (ctx) => {
        const bad: string[] = [];
        if (ctx.config.database.drState !== want.drState) bad.push(`database.drState is "${ctx.config.database.drState}", want "${want.drState}"`);
        if (ctx.config.dns.forceFailover !== want.forceFailover) bad.push(`dns.forceFailover is ${ctx.config.dns.forceFailover}, want ${want.forceFailover}`);
        return bad.length ? no(`config: ${bad.join("; ")}`) : ok("config is set for this step");
      },
    },
    action: { text: todo },
    wait: { text: `${until.text} (checked once: deploy, then run the same command again)`, timeoutSeconds: 0, until: until.check },
    onFailure: `Writes already go to ${w.region}; this records it. Do this, then run the same command again (it resumes here): ${todo}`,
  };
}

export function failoverRecord(config: ValidConfig): Step {
  return recordStep(
    config,
    "record-failed-over",
    { drState: "failedOver", forceFailover: true },
    `${deployOnly("secondary")} (only secondary: in failedOver the regional stacks do not depend on each other, and ${config.regions.primary.region} is not deployed in this state)`,
    `npx cdktf diff secondary (expect the outputs dr_state and the role outputs only: no change to the web launch template or Auto Scaling group, no change to the clusters: AWS moved the primary)`,
  );
}

/** Unplanned, after the failover: the old primary's fleet fenced, retried until its region answers (Aurora's own write fencing is best effort). */
export function fenceOldFleetStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  return {
    id: "fence-old-primary-fleet",
    title: `Keep the old primary's web fleet at zero (${p.region}), retried until its APIs answer`,
    by: "runbook",
    precondition: { text: "none" },
    action: { text: "none (the wait acts whenever the old region answers)" },
    wait: {
      text:
        `the ${p.region} fleet is fenced (desired 0, no target, nothing running): Aurora's own write fencing of the old primary is "a best-effort attempt" (Aurora User Guide, managed failovers), ` +
        `so no app instance may keep writing there; each poll retries the scale-in`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: async (ctx) => {
        try {
          return await fenceHolds(ctx, "primary");
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return no(`${p.region}'s APIs do not answer (${errorText(e)})`);
        }
      },
      retry: async (ctx, acting) => {
        try {
          const w = await ctx.platform.web("primary");
          if (w.desiredCapacity === 0 || fenced(w)) return null;
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return null;
        }
        acting();
        return ctx.platform.scaleWeb("primary", 0);
      },
    },
    onFailure:
      `The failover itself is done: ${regionClusterIdentifier(config, "secondary")} takes the writes. What is missing is the old region's fence; run the same command again when ${p.region} answers (it resumes here), ` +
      `or by hand: aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0. If ${p.region} is lost for good: --confirm fence-old-primary-fleet.`,
  };
}

/** Prefix of the system snapshot Aurora attempts of the old primary's volume before it rebuilds it after a failover with data loss. */
export function failoverSnapshotPrefix(clusterId: string): string {
  return `rds:unplanned-global-failover-${clusterId}`;
}

/**
 * The manual copy's identifier: 1 to 63 letters, digits or hyphens, a letter
 * first, no two hyphens in a row, none at the end (RDS API Reference,
 * CopyDBClusterSnapshot, TargetDBClusterSnapshotIdentifier); derived from the
 * source's creation time (else its identifier's digits), so a rerun finds the
 * copy it made.
 */
export function keptSnapshotId(clusterId: string, source: ClusterSnapshotState): string {
  const digits = source.createdAt !== null ? new Date(source.createdAt).toISOString().replace(/\D/g, "").slice(0, 14) : source.identifier.replace(/\D/g, "").slice(-14);
  const suffix = `-lost-writes-${digits || "0"}`;
  const base = clusterId.slice(0, 63 - suffix.length);
  return `${base}${suffix}`.replace(/[^A-Za-z0-9-]/g, "-").replace(/-{2,}/g, "-").replace(/^[^A-Za-z]+/, "").replace(/-+$/, "");
}

/**
 * Failback: the only copy of the writes an unplanned failover lost is AWS's
 * snapshot of the old volume, "a system snapshot that's subject to the backup
 * retention period configured on the old primary cluster. To preserve this
 * snapshot outside of the retention period, you can copy it to save it as a
 * manual snapshot" (Aurora User Guide, "Performing managed failovers"): the
 * runbook copies each one it finds, as the RDS failback's
 * snapshot-old-primary keeps the diverged writer's. None found (a planned
 * failover, or AWS's attempt failed): --confirm keep-lost-writes.
 */
export function keepLostWritesStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const prefix = failoverSnapshotPrefix(pId);
  const calls = (ctx: StepContext) => {
    const ops = auroraOps(ctx);
    if (!ops.clusterSnapshots || !ops.copyClusterSnapshot || !ops.clusterSnapshot) throw new Error(`the ${ctx.platform.name} platform cannot list or copy DB cluster snapshots: copy ${prefix}-* by hand (aws rds copy-db-cluster-snapshot) and run again with --confirm keep-lost-writes`);
    return { list: ops.clusterSnapshots.bind(ops), copy: ops.copyClusterSnapshot.bind(ops), get: ops.clusterSnapshot.bind(ops) };
  };
  /** Copies every available source without a copy; returns what it did, or null when nothing was to do. */
  const copyMissing = async (ctx: StepContext, acting?: () => void): Promise<string | null> => {
    const c = calls(ctx);
    const did: string[] = [];
    for (const s of await c.list("primary", prefix)) {
      const target = keptSnapshotId(pId, s);
      if (s.status !== "available" || (await c.get("primary", target))) continue;
      acting?.();
      did.push(await c.copy("primary", s.identifier, target));
    }
    return did.length ? did.join("; ") : null;
  };
  return {
    id: "keep-lost-writes",
    title: `Keep the writes an unplanned failover lost: copy AWS's ${prefix}-* snapshot(s) (${p.region}) to manual snapshots`,
    by: "runbook",
    precondition: {
      text: `a ${prefix}-* snapshot exists in ${p.region} (Aurora attempts it when the old primary region recovers, before it rebuilds the cluster's volume; after a planned failover there is none: --confirm keep-lost-writes)`,
      check: async (ctx) => {
        const found = await calls(ctx).list("primary", prefix);
        if (!found.length) {
          return no(
            `no ${prefix}-* snapshot in ${p.region} (aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId}): ` +
              `after a planned failover (switchover) AWS takes none, and after an unplanned one it only "attempts" it; if either is the case, run again with --confirm keep-lost-writes`,
          );
        }
        return ok(found.map((s) => `${s.identifier} (${s.type ?? "?"}, ${s.status ?? "?"}) -> ${keptSnapshotId(pId, s)}`).join("; "));
      },
    },
    action: {
      text: `aws rds copy-db-cluster-snapshot --region ${p.region} --source-db-cluster-snapshot-identifier ${prefix}-<timestamp> --target-db-cluster-snapshot-identifier ${pId}-lost-writes-<its creation time> --copy-tags (same region, same KMS key; skipped if the copy exists; a source still creating is copied by the wait)`,
      // Never fails the step by itself: with --confirm keep-lost-writes (none to keep, or us-east-2 lost for good) the
      // operator has decided; without it the wait copies again at each poll.
      run: async (ctx) => {
        try {
          return (await copyMissing(ctx)) ?? "nothing to copy (every snapshot found has its copy, or none is available yet)";
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return `not copied now (${errorText(e)}): the wait tries again`;
        }
      },
    },
    wait: {
      text: `every ${prefix}-* snapshot has its manual copy ${pId}-lost-writes-<time>, available (restore it as a separate cluster to reconcile the lost writes by hand)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => {
        const c = calls(ctx);
        const found = await c.list("primary", prefix);
        if (!found.length) return no(`no ${prefix}-* snapshot any more (deleted by its retention?)`);
        const states: string[] = [];
        let all = true;
        for (const s of found) {
          const copy = await c.get("primary", keptSnapshotId(pId, s));
          if (copy?.status !== "available") all = false;
          states.push(`${keptSnapshotId(pId, s)}: ${copy ? (copy.status ?? "?") : `not copied yet (source ${s.status ?? "?"})`}`);
        }
        return all ? ok(states.join("; ")) : no(states.join("; "));
      },
      retry: (ctx, acting) => copyMissing(ctx, acting),
    },
    onFailure:
      `aws rds describe-db-cluster-snapshots --region ${p.region} --db-cluster-identifier ${pId}; copy by hand with aws rds copy-db-cluster-snapshot (a manual snapshot is kept until you delete it). ` +
      `If there is none (a planned failover, or AWS's attempt failed: its events, aws rds describe-events --region ${p.region} --source-type db-cluster), run again with --confirm keep-lost-writes.`,
  };
}
