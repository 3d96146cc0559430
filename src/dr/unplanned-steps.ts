import type { RegionRole, ValidConfig } from "../config";
import { failoverBudget, failoverSwitch, switchValue } from "../dns/contract";
import { names } from "./names";
import type { Check, DatabaseState, OutageState, WebState } from "./platform";
import type { PlanParams, Step, StepContext, StepGuard, VerdictGuard } from "./plan-model";
import { errorText, fatal, fmtLag, no, ok } from "./check-helpers";
import { catchUpVerdict, sourceAlive } from "./wal-verdicts";
import { fenced } from "./fence-steps";
import { promoteStep, TARGET_DOWN_POLLS, targetDownVerdict } from "./promote-step";
import { gateStep, MAX_VERDICT_AGE_SECONDS, switchIs, US_EAST_1_SILENT } from "./switch-step";
import { verifyStep } from "./shared-steps";

/** The unplanned failover's steps: the outage verdict, the client drain, the old primary fenced and isolated, the RPO estimate. */

/** Scratch key: whether the old primary region's APIs answered the drain's last read (this run only; the Aurora path reads it to decide whether to ask that region again). */
export const OLD_REGION_ANSWERED = "old-region:answered";

/**
 * Unplanned: the drain is over when the old fleet is provably fenced, or the
 * drain window since the switch has passed. Once the window has passed the old
 * region is not asked (nothing it says can change the verdict), and the window
 * is judged again after the read: a region in a brownout that takes a call's
 * whole bound to fail does not hold the drain past its window.
 */
export async function drained(ctx: StepContext): Promise<Check & { readonly web?: WebState }> {
  const since = ctx.eventAt("force-dns", "done");
  if (since === null) return no("force-dns has not completed");
  const windowMs = ctx.params.clientDrainSeconds * 1000;
  const passed = () => ctx.clock.now() - since >= windowMs;
  const windowDetail = `${ctx.params.clientDrainSeconds} s since the switch: no client can still hold the PRIMARY answer or a request in flight there`;
  if (passed()) return { ok: true, detail: `${windowDetail} (the old region is not asked)` };
  let web: WebState | undefined;
  let seen: string;
  try {
    web = await ctx.platform.web("primary");
    ctx.scratch[OLD_REGION_ANSWERED] = true;
    if (fenced(web)) return { ok: true, detail: `the old primary's fleet is fenced (${web.detail}): no client can write there`, web };
    seen = `old fleet not fenced (${web.detail})`;
  } catch (e) {
    ctx.scratch[OLD_REGION_ANSWERED] = false;
    seen = `old region's APIs do not answer (${errorText(e)})`;
  }
  if (passed()) return { ok: true, detail: `${windowDetail}; ${seen}`, ...(web ? { web } : {}) };
  const left = windowMs - (ctx.clock.now() - since);
  return { ok: false, detail: `${seen}; ${(left / 1000).toFixed(1)} s of the ${ctx.params.clientDrainSeconds} s drain left`, ...(web ? { web } : {}) };
}

/** Scratch key: when Route 53's verdict on the primary turned unhealthy (epoch ms, runbook clock), set by confirm-outage. */
export const OUTAGE_DETECTED_AT = "outage:detectedAt";

/** How a replica's replication reads before an unplanned failover: never "lag 0" without a WAL receiver (issue 25 point 8). */
export function unplannedReplicationReport(db: DatabaseState, now: number): string {
  const replay = db.lastReplayAt != null ? `last replayed commit ${new Date(db.lastReplayAt).toISOString()} (${Math.max(0, (now - db.lastReplayAt) / 1000).toFixed(1)} s ago)` : "last replayed commit unknown";
  const broken = (db.replicationStatus != null && db.replicationStatus !== "replicating") || (db.lagSeconds !== null && db.lagSeconds < 0);
  if (broken) {
    return (
      `${db.identifier}: replica; replication BROKEN (${db.replicationStatus ?? "ReplicaLag -1"}): no lag can be read; ${replay}. ` +
      `Writes the primary acknowledged after that commit are not on the replica (the RPO estimate follows the catch-up; whether it broke before the outage is judged against the outage's start)`
    );
  }
  return `${db.identifier}: replica, ${db.replicationStatus ?? "replication status n/a"}, last lag ${fmtLag(db.lagSeconds)}; ${replay} (writes acknowledged in that window may be lost)`;
}

/**
 * The unplanned RPO estimate, once the replica has replayed all it received from a source that no longer sends:
 * the outage's detection time (Route 53's verdict unhealthy since: confirm-outage; on a resumed or operator-confirmed
 * run, when confirm-outage was done: later, so the estimate only grows) minus the replica's last replayed commit.
 * Writes acknowledged in that window are lost; the window includes the detection delay (Route 53's interval x
 * threshold), so it overstates the loss by up to that much. When the last replayed commit is older than the outage's
 * start by more than the detection delay plus two check intervals, replication was broken before the outage (or the
 * primary took no writes): a warning.
 */
export async function rpoEstimate(ctx: StepContext, role: RegionRole, generation: number, config: ValidConfig): Promise<string> {
  const scratch = ctx.scratch[OUTAGE_DETECTED_AT] as number | undefined;
  const detectedAt = scratch ?? ctx.eventAt("confirm-outage", "done");
  let db: DatabaseState;
  try {
    db = await ctx.platform.database(role, generation);
  } catch (e) {
    return `RPO estimate: unknown (the replica's last replayed commit could not be read: ${errorText(e)})`;
  }
  if (db.lastReplayAt == null || detectedAt === null) return `RPO estimate: unknown (${db.lastReplayAt == null ? "the replica reports no last replayed commit" : "no outage detection time"})`;
  const seconds = Math.max(0, (detectedAt - db.lastReplayAt) / 1000);
  const hc = config.dns.healthCheck;
  const detection = failoverBudget(config).detectionSeconds;
  const brokenBefore = seconds > detection + 2 * hc.requestIntervalSeconds;
  return (
    `RPO estimate: ${seconds.toFixed(1)} s: writes the primary acknowledged after the replica's last replayed commit (${new Date(db.lastReplayAt).toISOString()}) ` +
    `and before the outage was detected (${new Date(detectedAt).toISOString()}${scratch === undefined ? ", when confirm-outage was done" : ", Route 53's verdict unhealthy since"}) are lost ` +
    `(an upper bound: it includes up to ${detection} s of detection delay)` +
    (brokenBefore
      ? `. WARNING: replication was already broken before the outage: the last replayed commit is ${seconds.toFixed(1)} s older than the outage's detection, more than detection takes (${detection} s + 2 check intervals), so the replica stopped receiving writes before the primary failed (or the primary took no writes then)`
      : "")
  );
}

/** What to do when Route 53's verdict cannot be read (confirm-outage). */
export const CONFIRM_OUTAGE_ADVICE =
  "Route 53 publishes its health-check metrics in us-east-1 only; when that does not answer, the verdict cannot be read, and the failover itself does not need it. " +
  "Check the primary yourself (its load balancer, `dr status`, the AWS Health Dashboard); if it is down, run the same command again with --confirm confirm-outage.";

/** Unplanned: Route53's verdict must show the primary down for runbook.minOutageSeconds without a break (nothing changes before). */
export function confirmOutageStep(config: ValidConfig, params: PlanParams): Step {
  const W = params.minOutageSeconds;
  return {
    id: "confirm-outage",
    title: `Confirm the primary has been down for ${W} s without a break (Route53's own verdict)`,
    by: "runbook",
    precondition: { text: "none (the wait reads Route53's verdict)" },
    action: { text: "none (nothing is changed before the outage is confirmed)" },
    wait: {
      text:
        `Route53's verdict on the primary check (its HealthCheckStatus metric, CloudWatch in us-east-1; the check's id from the dns stack's SSM parameter in ${config.regions.secondary.region}: no Route 53 API) has been unhealthy for ${W} s (runbook.minOutageSeconds) without a healthy sample, the newest sample at most ${MAX_VERDICT_AGE_SECONDS} s old on AWS's clock. ` +
        `If the verdict cannot be read (no answer from us-east-1, no id published) the step stops at once with nothing changed: confirm the outage yourself and run again with --confirm confirm-outage. ` +
        `A healthy verdict after an unhealthy one ends the run (a transient fault: nothing changed); a verdict still healthy after ${Math.min(MAX_VERDICT_AGE_SECONDS, Math.max(W, 1))} s ends it too (the primary answers: use --planned)`,
      timeoutSeconds: W + MAX_VERDICT_AGE_SECONDS + 300,
      until: async (ctx) => {
        // No answer is not a verdict: stop at the first network failure (each call already made its attempts within
        // its bound) with the way forward, instead of polling a region that does not answer for the whole timeout.
        // An answer that is not yet a sustained outage keeps the wait going.
        let o: OutageState;
        try {
          o = await ctx.platform.outage("primary");
        } catch (e) {
          const cause = ctx.platform.explain?.(e);
          if (cause?.kind !== "network") throw e;
          ctx.scratch[US_EAST_1_SILENT] = errorText(e);
          return fatal(`Route53's verdict could not be read: ${cause.summary}. Nothing was changed. ${CONFIRM_OUTAGE_ADVICE}`);
        }
        if (o.unreadable) return fatal(`Route53's verdict cannot be read: ${o.detail}. Nothing was changed. ${CONFIRM_OUTAGE_ADVICE}`);
        const startedAt = (ctx.scratch["outage:since"] ??= ctx.clock.now()) as number;
        if (o.healthy === true) {
          if (ctx.scratch["outage:seen"]) return { ...fatal(`the primary recovered (Route53 verdict healthy: ${o.detail}): a transient fault; nothing was changed and nothing will be`), transient: true };
          if (ctx.clock.now() - startedAt >= Math.min(MAX_VERDICT_AGE_SECONDS, Math.max(W, 1)) * 1000) return fatal(`Route53 sees the primary healthy (${o.detail}): the primary region answers; use --planned (RPO 0)`);
          return no(`Route53's newest verdict is still healthy (its 1-minute datapoints lag the checks): waiting for it to show the outage (${o.detail})`);
        }
        if (o.healthy === null) return no(`no verdict: ${o.detail}`);
        ctx.scratch["outage:seen"] = true;
        if (o.sampleAgeSeconds !== null && o.sampleAgeSeconds > MAX_VERDICT_AGE_SECONDS) return no(`the latest verdict is ${Math.round(o.sampleAgeSeconds)} s old: waiting for a current one (${o.detail})`);
        if (o.unhealthyForSeconds < W) return no(`unhealthy for ${Math.round(o.unhealthyForSeconds)} s of ${W} s: ${o.detail}`);
        // The outage's detection time (the RPO estimate's end): when Route 53's verdict turned unhealthy, on the runbook's clock.
        const detectedAt = ctx.clock.now() - o.unhealthyForSeconds * 1000; // AWS: from the newest datapoint's minute, so a little late (the estimate only grows)
        ctx.scratch[OUTAGE_DETECTED_AT] = detectedAt;
        return ok(`unhealthy for ${Math.round(o.unhealthyForSeconds)} s >= ${W} s: ${o.detail} (the outage detected: unhealthy since ${new Date(detectedAt).toISOString()})`);
      },
    },
    onFailure:
      `Nothing was changed. The primary recovered: no failover (if it keeps flapping, use --planned). The verdict cannot be read (us-east-1 impaired): check the primary yourself, then run again with --confirm confirm-outage (and --confirm preflight if needed).`,
  };
}

/**
 * The unplanned failover's verdict guard (VerdictGuard): Route 53's verdict
 * on the primary check (the same read as confirm-outage: HealthCheckStatus,
 * us-east-1, id from SSM; no Route 53 API), re-read right before the switch
 * is forced and before the old fleet is fenced. A healthy verdict (the
 * primary recovered while the run was suspended, or before a resumed run got
 * here) stops the run as transient: nothing was changed, or only the switch,
 * which is then released (the primary was never fenced and nothing was
 * promoted, so releasing it is the way back to normal). A verdict that cannot
 * be read now (us-east-1 not answering) or has no datapoint leaves the
 * verdict read by confirm-outage standing: the run goes on.
 */
export function verdictGuard(config: ValidConfig): VerdictGuard {
  const sw = failoverSwitch(config);
  return {
    text: `Route53's verdict on the primary check, read again right before the switch is forced and before the old fleet is fenced (and again if that read was not fresh: the run was suspended): healthy again stops the run as transient (exit 6)`,
    steps: ["force-dns", "fence-old-primary"],
    establishedBy: "confirm-outage",
    check: async (ctx) => {
      if (ctx.scratch[US_EAST_1_SILENT]) return ok(`not re-read: us-east-1 did not answer earlier in this run (${String(ctx.scratch[US_EAST_1_SILENT])}); the verdict read before stands`);
      let o: OutageState;
      try {
        o = await ctx.platform.outage("primary");
      } catch (e) {
        const cause = ctx.platform.explain?.(e);
        if (cause?.permanent) throw e;
        if (cause?.kind === "network") ctx.scratch[US_EAST_1_SILENT] = errorText(e);
        return ok(`could not be re-read (${cause ? cause.summary : errorText(e)}): the verdict read before stands`);
      }
      if (o.unreadable || o.healthy === null) return ok(`no current verdict (${o.detail}): the verdict read before stands`);
      if (o.healthy === true && (o.sampleAgeSeconds === null || o.sampleAgeSeconds <= MAX_VERDICT_AGE_SECONDS)) {
        return { ok: false, transient: true, detail: `the primary is healthy again (Route53 verdict: ${o.detail})` };
      }
      return ok(`still unhealthy (${o.detail})`);
    },
    undo: {
      text: `the failover switch released (PutMetricData ${sw.namespace} ${sw.metricName} = ${switchValue(config, false)} in ${sw.region}), until its alarm is OK`,
      run: async (ctx) => {
        const did = await ctx.platform.setForcedFailover(false);
        const deadline = ctx.clock.now() + config.runbook.dnsTimeoutSeconds * 1000;
        for (;;) {
          const c = await switchIs(ctx, false);
          if (c.ok) return `${did}; the switch alarm is OK again (${c.detail})`;
          if (ctx.clock.now() >= deadline) throw new Error(`the switch was written released (${did}) but its alarm did not show it within ${config.runbook.dnsTimeoutSeconds} s (${c.detail})`);
          await ctx.clock.sleep(ctx.pollMs);
        }
      },
    },
  };
}

/** Unplanned: the old primary's web fleet to zero wherever its APIs answer (a region that does not answer is covered by the drain). */
export function fenceOldPrimaryStep(config: ValidConfig): Step {
  const p = names(config, "primary");
  return {
    id: "fence-old-primary",
    title: `Fence the old primary region wherever its APIs answer: web fleet to zero (${p.region})`,
    by: "runbook",
    precondition: { text: "none" },
    action: {
      text: `aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0; if ${p.region}'s APIs do not answer, recorded and retried by the next steps`,
      run: async (ctx) => {
        try {
          return await ctx.platform.scaleWeb("primary", 0);
        } catch (e) {
          if (ctx.platform.explain?.(e)?.permanent) throw e;
          return `${p.region}'s APIs did not answer (${errorText(e)}): the drain below covers it and retries`;
        }
      },
    },
    wait: { text: "none (the drain waits for it)", timeoutSeconds: 0 },
    onFailure: "Credentials or permissions: fix them and run again (it resumes here).",
  };
}

/** Unplanned: no client can still write to the old primary (its fleet fenced, or the client drain since the switch has passed). */
/** The guard of the unplanned move (RDS promotion, Aurora's managed failover): the switch is forced and the client drain holds, re-checked right before it. */
export const FORCED_AND_DRAINED: StepGuard = {
  text: "the switch is forced and the drain holds (checked now)",
  check: async (ctx) => {
    const sw = await switchIs(ctx, true);
    if (!sw.ok) return no(`the failover switch is not forced (${sw.detail})`);
    const d = await drained(ctx);
    return d.ok ? ok(d.detail) : no(d.detail);
  },
};

export function drainStep(_config: ValidConfig, params: PlanParams): Step {
  const drain = params.clientDrainSeconds;
  const switchForced = { text: "the failover switch is forced now (alarm read in AWS)", check: (ctx: StepContext) => switchIs(ctx, true) };
  return {
    id: "drain",
    title: "Wait until no client can still write to the old primary",
    by: "runbook",
    precondition: switchForced,
    action: { text: "none (waits; retries the fence whenever the old region answers)" },
    wait: {
      text: `the old fleet is fenced (desired 0, no target, no instance running), or ${drain} s (runbook.clientDrainSeconds: Route53 interval x threshold + alias TTL + ALB idle timeout) have passed since the switch was forced`,
      timeoutSeconds: drain + 60,
      until: (ctx) => drained(ctx),
      retry: async (ctx, acting) => {
        // The wait's read just found the old region not answering: not asked twice in one poll (a brownout costs each call its whole bound).
        if (ctx.scratch[OLD_REGION_ANSWERED] === false) return null;
        let w: WebState;
        try {
          w = await ctx.platform.web("primary");
        } catch {
          return null; // the region does not answer: nothing to do yet
        }
        if (w.desiredCapacity === 0) return null;
        acting();
        return ctx.platform.scaleWeb("primary", 0);
      },
    },
    recheck: { text: "still drained: the old fleet fenced or the window passed", check: (ctx) => drained(ctx) },
    onFailure: "This wait ends by time at the latest; a failure here is the switch's (run again) or the clock's.",
  };
}

export function unplannedSteps(config: ValidConfig, params: PlanParams): Step[] {
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const switchForced = { text: "the failover switch is forced now (alarm read in AWS)", check: (ctx: StepContext) => switchIs(ctx, true) };
  return [
    {
      id: "preflight",
      title: "Record the secondary's replication state (the data at risk)",
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a replica (or already a writer after an interrupted run)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer: resuming after its promotion`);
          if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
          return ok(unplannedReplicationReport(db, ctx.clock.now()));
        },
      },
      action: { text: "none (records what it saw in the journal)" },
      wait: { text: "none", timeoutSeconds: 0 },
      onFailure: "Not a replica: see `dr status`.",
    },
    confirmOutageStep(config, params),
    gateStep(config, "force-dns", true, "before-promotion"),
    fenceOldPrimaryStep(config),
    drainStep(config, params),
    {
      id: "catch-up",
      title: `Let ${s.writer(gS)} replay what its source sent (all of it, when the source still talks)`,
      by: "runbook",
      precondition: switchForced,
      action: { text: "none (waits)" },
      wait: {
        text:
          `${config.web.readinessPath}?wal=1 through ${s.region}'s load balancer: if the source still streams, a message it sent after the drain reports its WAL end and the replica has replayed it; if not, the replica has replayed everything it received, ` +
          `and the RPO estimate is printed and journaled: the outage's detection time (Route 53's verdict unhealthy since) minus the replica's last replayed commit (local: pg_last_xact_replay_timestamp(); AWS: from its ReplicaLag). A paused replay fails at once; a replica that is down itself fails after ${TARGET_DOWN_POLLS} polls`,
        timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
        until: async (ctx) => {
          const since = ctx.eventAt("drain", "done");
          if (since === null) return no("drain has not completed");
          const p = await ctx.platform.walPositions("secondary");
          const c = catchUpVerdict(p, since, "unplanned");
          if (c.fatal) return c;
          if (!c.ok && !p.ok) {
            // The replica itself down is not "the source still streams": name it (issue 25 point 6).
            const down = await targetDownVerdict(ctx, "secondary", gS, "catch-up", (db) =>
              `the promotion target ${db.identifier} is down itself (${db.dbRole}, ${db.status ?? "?"}: ${db.detail}) for ${TARGET_DOWN_POLLS} polls in a row, not only the source: there is no replica to promote; nothing was promoted (last reading: ${c.detail})`,
            );
            return down ?? c;
          }
          if (!c.ok || p.inRecovery === false || sourceAlive(p)) return c;
          return ok(`${c.detail}; ${await rpoEstimate(ctx, "secondary", gS, config)}`);
        },
      },
      onFailure:
        `Nothing was promoted. Read the reason above: (a) "the promotion target ... is down itself": the replica in ${s.region} does not answer (or is gone) as well as the primary: bring it back (RDS: aws rds describe-events --region ${s.region} --source-type db-instance --source-identifier ${s.writer(gS)}; reboot it) and run the same command again, or restore ${s.region} from a snapshot; ` +
        `(b) "WAL replay is paused": resume it (SELECT pg_wal_replay_resume()) and run again; (c) a timeout while the source still streams: the replica could not be shown to have its last writes: check it (SELECT pg_last_wal_replay_lsn(), pg_is_wal_replay_paused()); to promote anyway (accepting the loss of what is not replayed), run again with --confirm catch-up.`,
    },
    promoteStep(config, "promote", "secondary", gS, FORCED_AND_DRAINED),
    verifyStep(config, "verify", "secondary"),
    {
      id: "isolate-old-primary",
      title: `Fence and isolate the old primary (${p.region}), retried until its APIs answer`,
      by: "runbook",
      precondition: {
        text: `${s.writer(gS)} is a writer (the old writer is isolated only after the promotion: a replica would inherit the change)`,
        check: async (ctx) => {
          const db = await ctx.platform.database("secondary", gS);
          return db.dbRole === "writer" ? ok(`${db.identifier}: writer`) : no(`${db.identifier}: ${db.dbRole}`);
        },
      },
      action: { text: "none (the wait acts whenever the old region answers)" },
      wait: {
        text:
          `the ${p.region} fleet is fenced (desired 0, nothing running) and ${p.writer(gP)} is isolated from the app: a new random master password (aws rds modify-db-instance --master-user-password ... --apply-immediately; the app's secret no longer opens it) and the tag dr-isolated ` +
          `(local: the same on the app role); each poll retries what is missing`,
        timeoutSeconds: config.runbook.fenceTimeoutSeconds,
        until: async (ctx) => {
          const parts: string[] = [];
          let done = true;
          try {
            const w = await ctx.platform.web("primary");
            if (!fenced(w)) done = false;
            parts.push(`fleet ${fenced(w) ? "fenced" : "not fenced"} (${w.detail})`);
          } catch (e) {
            done = false;
            parts.push(`fleet: APIs do not answer (${errorText(e)})`);
          }
          try {
            const db = await ctx.platform.database("primary", gP);
            if (db.isolated !== true) done = false;
            parts.push(`${db.identifier}: ${db.dbRole}, ${db.isolated === true ? "isolated" : db.isolated === false ? "not isolated" : "isolation unknown"} (${db.detail})`);
          } catch (e) {
            if (ctx.platform.explain?.(e)?.permanent) throw e;
            done = false;
            parts.push(`${p.writer(gP)}: APIs do not answer (${errorText(e)})`);
          }
          return done ? ok(parts.join("; ")) : no(parts.join("; "));
        },
        retry: async (ctx, acting) => {
          const did: string[] = [];
          try {
            const w = await ctx.platform.web("primary");
            if (w.desiredCapacity !== 0) {
              acting();
              did.push(await ctx.platform.scaleWeb("primary", 0));
            }
          } catch {
            // not answering yet
          }
          let db: DatabaseState;
          try {
            db = await ctx.platform.database("primary", gP);
          } catch (e) {
            if (ctx.platform.explain?.(e)?.permanent) throw e;
            return did.length ? did.join("; ") : null;
          }
          if (db.isolated !== true && (db.dbRole === "writer" || db.dbRole === "replica")) {
            acting();
            try {
              did.push(await ctx.platform.isolateWriter("primary", gP));
            } catch (e) {
              if (ctx.platform.explain?.(e)?.permanent) throw e;
              did.push(`isolating ${db.identifier}: ${errorText(e)} (retried)`);
            }
          }
          return did.length ? did.join("; ") : null;
        },
      },
      onFailure:
        `The failover itself is done: ${s.writer(gS)} takes the writes and the switch keeps users on ${s.region}. What is missing is the old region's fence; it is retried each time you run the same command again (it resumes at this step). ` +
        `By hand when ${p.region} answers: aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0; aws rds modify-db-instance --region ${p.region} --db-instance-identifier ${p.writer(gP)} --master-user-password <random> --apply-immediately. If ${p.region} is lost for good: --confirm isolate-old-primary.`,
    },
  ];
}
