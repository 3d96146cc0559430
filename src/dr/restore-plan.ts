import type { ValidConfig } from "../config";
import { isAurora } from "../database/aurora-contract";
import { auroraRestoreParams, auroraRestorePlan } from "./aurora-restore-plan";
import { restoreEpilogue } from "./restore-epilogue";
import { confirmOutageStep, drainStep, fenceOldPrimaryStep, unplannedSteps, verdictGuard } from "./unplanned-steps";
import { fenceStep, stillFenced } from "./fence-steps";
import { gateStep } from "./switch-step";
import { names } from "./names";
import { restoreFleetStep, retireStep, verifyStep } from "./shared-steps";
import type { Plan, PlanParams, Rollback, Step, StepContext } from "./plan-model";
import type { Check } from "./platform";
import { restoreParamsOf, type RestoreParams } from "./restore-params";
import { errorText, fatal, no, ok } from "./check-helpers";
import {
  identifierProblem,
  journaledRequest,
  mayHaveBeenTaken,
  RDS_IDENTIFIER_MAX,
  RENAME_REFUSALS,
  RestoreRequestError,
  restoredTargetVerdict,
  runStamp,
  windowVerdict,
  writerRoleOf,
  type RestoreRequest,
} from "./restore-requests";
import type { RestorePlatform, RestoreWindow } from "./restore-platform";

/**
 * `dr restore --to-time <ISO time>`: point-in-time recovery from a bad write
 * (issue 26 point 2), RDS mode. Built from plan.ts's steps and run by the
 * same runner (journal, resume, lease, --dry-run).
 *
 * The design (restore-platform.ts; docs/dr-runbook.md, "dr restore"):
 * 1. read the restorable window where the restore runs and refuse a time
 *    outside it (the window, ISO, in the message);
 * 2. restore the writer's backups to the time into a NEW instance
 *    `<writer>-pitr-<stamp>` (RDS RestoreDBInstanceToPointInTime) and wait
 *    until it is available: production is untouched until then;
 * 3. fence writes in the region whose fleet uses the writer endpoint;
 * 4. rename the damaged writer away (`<writer>-damaged-<stamp>`, kept as
 *    evidence) and give the restored instance the writer's identifier: the
 *    fleet's DB_WRITER_HOST names the restored data, with no Terraform run,
 *    no fleet or launch-template change before writes resume (REL11-BP04);
 *    AWS documents exactly this use ("Renaming to replace an existing DB
 *    instance": stop traffic to the primary, rename it, restore from PITR and
 *    give the new instance the old name; RDS User Guide, "Renaming a DB
 *    instance", USER_RenameInstance.html);
 * 5. restore the fleet and verify a real write through the entry point.
 * A failure before the restored instance took the writer's name rolls back
 * by itself: the damaged writer gets its name back, the fleet is restored.
 *
 * Two sources of backups (BackupSource):
 * - "instance": the writer's own automated backups, in the writer's region
 *   (the default region).
 * - "replicated": `--region` the other one: the copy replicated into that
 *   region (RDS cross-Region automated backups replication), for when the
 *   writer's region is down or lost. Then the steps also do what an
 *   unplanned failover does around it (reused from plan.ts): confirm the
 *   outage (Route 53's verdict), force the failover switch, fence the old
 *   region wherever its APIs answer, wait out the client drain, and isolate
 *   the old writer once its region answers. Only from drState "normal"
 *   (writer in the primary, restore in the secondary): the other direction
 *   (a failed-over writer whose region is lost) has no stack that could
 *   record a writer in the primary without a failback.
 *
 * Names: the restored and the damaged identifiers are fixed when the run
 * starts (RestoreParams, journaled) so a resumed run acts on the same
 * instances. RDS identifiers are 1 to 63 letters, digits or hyphens, start
 * with a letter, no two hyphens in a row, no hyphen at the end (RDS API
 * Reference, RestoreDBInstanceToPointInTime TargetDBInstanceIdentifier and
 * ModifyDBInstance NewDBInstanceIdentifier): checked when the run starts.
 */

/** RestoreParams lives in restore-params.ts (plan.ts's PlanParams holds one: no import cycle); the shared request rules in restore-requests.ts. */
export type { RestoreParams, RestoreRequest };
export { identifierProblem, journaledRequest, mayHaveBeenTaken, RDS_IDENTIFIER_MAX, RENAME_REFUSALS, RestoreRequestError, runStamp, windowVerdict, writerRoleOf };

/**
 * The restore's parameters, or a RestoreRequestError naming what to change:
 * Aurora mode, the failback state, a replicated restore from a failed-over
 * state, identifiers RDS would refuse.
 */
export function restoreParamsFor(config: ValidConfig, request: RestoreRequest, now: number): RestoreParams {
  // Aurora mode: the restore into a new cluster, then the move through the endpoints parameter (aurora-restore-plan.ts).
  if (isAurora(config)) return auroraRestoreParams(config, request, now);
  const writerRole = writerRoleOf(config.database.drState);
  if (!writerRole) {
    throw new RestoreRequestError(`config database.drState is "failback": a failback is under way (the primary is being rebuilt as a replica). Finish it with \`dr failback\` (or see \`dr status\`), then restore. Nothing was changed.`);
  }
  const region = request.region ?? writerRole;
  if (region !== writerRole && writerRole !== "primary") {
    throw new RestoreRequestError(
      `--region ${region}: the writer is in the secondary (drState "${config.database.drState}"); a restore in the primary from replicated backups has no stack to record it before a failback. Restore in the secondary (leave out --region), or fail back first. Nothing was changed.`,
    );
  }
  if (!Number.isFinite(request.toTime)) throw new RestoreRequestError(`--to-time is not a time. Fix: give an ISO time with a zone, e.g. 2026-12-06T23:10:00Z`);
  const stamp = runStamp(now);
  const writerId = names(config, region).writer(config.database.generations[region]);
  const targetId = `${writerId}-pitr-${stamp}`;
  const damagedId = `${writerId}-damaged-${stamp}`;
  for (const id of [targetId, damagedId]) {
    const p = identifierProblem(id);
    if (p) throw new RestoreRequestError(`the restore would name an instance ${id}: ${p} (RDS API Reference, RestoreDBInstanceToPointInTime / ModifyDBInstance). Fix: shorten "project" or "environment" in the config. Nothing was changed.`);
  }
  return {
    toTime: request.toTime,
    toTimeIso: new Date(request.toTime).toISOString(),
    writerRole,
    region,
    source: region === writerRole ? "instance" : "replicated",
    stamp,
    writerId,
    targetId,
    damagedId,
    drState: config.database.drState,
  };
}


/** The platform's restore calls, or a clear failure (a platform without them: restore-platform.ts). */
function ops(ctx: StepContext): RestorePlatform {
  const p = ctx.platform;
  if (!p.restorableWindow || !p.restoreToTime || !p.instance || !p.renameInstance) {
    throw new Error(`the ${p.name} platform cannot restore (no RestorePlatform: restorableWindow, restoreToTime, instance, renameInstance): dr restore needs them`);
  }
  return p as unknown as RestorePlatform;
}

/** Scratch key of the window read in this run. */
const WINDOW = "restore:window";

async function readWindow(ctx: StepContext): Promise<RestoreWindow> {
  const r = restoreParamsOf(ctx.params);
  const w = await ops(ctx).restorableWindow(r.region, { role: r.writerRole, generation: ctx.params.generations[r.writerRole] });
  ctx.scratch[WINDOW] = w;
  return w;
}

// --- steps -------------------------------------------------------------------

function preflightStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const wn = names(config, r.writerRole);
  const writer = wn.writer(params.generations[r.writerRole]);
  return {
    id: "preflight",
    title: `Check the restore can start: ${writer} (${wn.region}) is the writer${r.source === "replicated" ? "; its region is down, so the backups replicated to " + names(config, r.region).region + " are used" : ""}`,
    by: "runbook",
    precondition: {
      text:
        r.source === "instance"
          ? `the platform can restore; ${writer} exists and is a writer (not a replica): its automated backups are the ones restored`
          : `the platform can restore (the writer's region is not asked: confirm-outage reads Route 53's verdict)`,
      check: async (ctx) => {
        ops(ctx);
        if (r.source === "replicated") return ok(`restoring in ${names(config, r.region).region} from the replicated automated backups of ${writer}`);
        const db = await ctx.platform.database(r.writerRole, params.generations[r.writerRole]);
        return db.dbRole === "writer" ? ok(`${db.identifier}: writer, ${db.status ?? "?"}`) : no(`${db.identifier} is ${db.dbRole} (${db.detail}): there is no writer whose backups to restore (see \`dr status\`)`);
      },
    },
    action: { text: "none" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: "Nothing was changed. See `dr status`.",
  };
}

function windowStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const writer = names(config, r.writerRole).writer(params.generations[r.writerRole]);
  const read =
    r.source === "instance"
      ? `DescribeDBInstances ${writer} (LatestRestorableTime, DbiResourceId) and DescribeDBInstanceAutomatedBackups (RestoreWindow.EarliestTime) in ${n.region}`
      : `DescribeDBInstanceAutomatedBackups in ${n.region}: the copy replicated from ${writer} (DBInstanceAutomatedBackupsArn, RestoreWindow EarliestTime and LatestTime)`;
  return {
    id: "restore-window",
    title: `Check ${r.toTimeIso} is inside the restorable window (${r.source === "replicated" ? "replicated backups" : "automated backups"} in ${n.region})`,
    by: "runbook",
    precondition: {
      text: `${read}; the time is between the earliest and the latest restorable time, else refused with the window in the message`,
      check: async (ctx) => windowVerdict(await readWindow(ctx), r.toTime, writer),
    },
    action: { text: "none (reads only)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: `Nothing was changed. Give a --to-time inside the window printed above (aws rds describe-db-instance-automated-backups --region ${n.region} shows it too). A time after the latest restorable time: wait for RDS to upload the transaction logs (every few minutes) and run again.`,
  };
}

function restoreStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const writer = names(config, r.writerRole).writer(params.generations[r.writerRole]);
  const template = r.source === "instance" ? writer : n.writer(params.generations[r.region]);
  const timeout = config.runbook.restoreTimeoutMinutes * 60;
  return {
    id: "restore",
    title: `Restore ${writer}'s data as of ${r.toTimeIso} into a new instance ${r.targetId} (${n.region})`,
    by: "runbook",
    precondition: {
      text: `${r.targetId} does not exist (or this run's journal shows it was requested: resuming)`,
      check: async (ctx) => {
        const t = await ops(ctx).instance(r.region, r.targetId);
        if (!t.found) return ok(`${r.targetId} is free`);
        const mine = mayHaveBeenTaken(ctx, "restore");
        return mine ? ok(`${r.targetId} exists (${t.status}): ${mine}: resuming`) : no(`${r.targetId} already exists (${t.status}; ${t.detail}) and this run did not create it: start afresh (--fresh) for new names`);
      },
    },
    action: {
      text:
        `aws rds restore-db-instance-to-point-in-time --region ${n.region} ${r.source === "instance" ? `--source-dbi-resource-id <${writer}'s DbiResourceId>` : "--source-db-instance-automated-backups-arn <the replicated backups' ARN>"} ` +
        `--target-db-instance-identifier ${r.targetId} --restore-time ${r.toTimeIso} with ${template}'s subnet group, security groups, parameter group, instance class, Multi-AZ and storage type, --deletion-protection, tags ` +
        `(RestoreDBInstanceToPointInTime otherwise uses "the default security group, the default subnet group, and the default DB parameter group" and a single-AZ deployment: RDS API Reference). ` +
        `Sent once (journaled: requesting, requested / not-taken); an existing ${r.targetId} sends nothing`,
      run: async (ctx) => {
        const w = (ctx.scratch[WINDOW] as RestoreWindow | undefined) ?? (await readWindow(ctx));
        const a = await journaledRequest(ctx, "restore", `RestoreDBInstanceToPointInTime ${r.targetId} as of ${r.toTimeIso} (${n.region})`, () => ops(ctx).restoreToTime(r.region, w, r.toTime, r.targetId));
        return `${a.outcome}: ${a.detail}`;
      },
    },
    wait: {
      text: `${r.targetId} is available (RDS replays the transaction logs up to the time: it takes longer with the database's size and the logs to replay); a status it does not leave by itself (failed, incompatible-restore, ...) stops at once`,
      timeoutSeconds: timeout,
      until: async (ctx) => {
        const t = await ops(ctx).instance(r.region, r.targetId);
        return restoredTargetVerdict(ctx, "restore", r.targetId, t, `${r.targetId}: available (${t.detail})`);
      },
    },
    onFailure:
      `Production was not touched (the fleet serves the damaged data as before). aws rds describe-events --region ${n.region} --source-type db-instance --source-identifier ${r.targetId}. ` +
      `A restore still running after the timeout: run the same command again (it resumes and waits, without a second request; raise runbook.restoreTimeoutMinutes for a large database). A failed restore: delete ${r.targetId} (aws rds delete-db-instance --skip-final-snapshot after --no-deletion-protection) and run again with --fresh.`,
  };
}

/** Rename `from` to `to` (journaled request), waited until `to` is available and `from` gone. */
function renameStep(config: ValidConfig, params: PlanParams, id: string, from: string, to: string, why: string, guard?: { readonly text: string; readonly check: (ctx: StepContext) => Promise<Check> }): Step {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  return {
    id,
    title: `Rename ${from} to ${to} (${n.region}): ${why}`,
    by: "runbook",
    precondition: {
      text: `${from} exists and ${to} is free (or ${to} exists and ${from} is gone: renamed earlier in this run)${guard ? `; ${guard.text}` : ""}`,
      check: async (ctx) => {
        const [f, t] = await Promise.all([ops(ctx).instance(r.region, from), ops(ctx).instance(r.region, to)]);
        if (t.found && !f.found) return ok(`${to} exists (${t.status}) and ${from} is gone: renamed earlier`);
        if (!f.found) return no(`${from} does not exist (${f.detail})`);
        if (t.found) return no(`${to} already exists (${t.status}; ${t.detail}): a DB instance cannot take an existing name (RDS User Guide, "Renaming a DB instance")`);
        if (guard) {
          const g = await guard.check(ctx);
          if (!g.ok) return g;
          return ok(`${from}: ${f.status}; ${to} free; ${g.detail}`);
        }
        return ok(`${from}: ${f.status}; ${to} free`);
      },
    },
    action: {
      text: `aws rds modify-db-instance --region ${n.region} --db-instance-identifier ${from} --new-db-instance-identifier ${to} --apply-immediately (journaled: requesting, requested / not-taken); sent again at a poll only if RDS did not take it`,
      run: async (ctx) => {
        const a = await journaledRequest(ctx, id, `ModifyDBInstance ${from} -> ${to} (${n.region})`, () => ops(ctx).renameInstance(r.region, from, to));
        return `${a.outcome}: ${a.detail}`;
      },
    },
    wait: {
      text: `${to} is available and ${from} is gone (RDS: "The new DNS name for the renamed DB instance becomes effective in about 10 minutes. The renamed DB instance is not available until the new name becomes effective", and the instance reboots)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => {
        const [f, t] = await Promise.all([ops(ctx).instance(r.region, from), ops(ctx).instance(r.region, to)]);
        if (t.found && !f.found && t.status === "available") return ok(`${to}: available; ${from} is gone`);
        if (t.found) return no(`${to}: ${t.status ?? "?"}${f.found ? `; ${from} still listed (${f.status})` : ""}`);
        const refused = (ctx.scratch[`request:${id}:refusals`] as number | undefined) ?? 0;
        if (!mayHaveBeenTaken(ctx, id) && refused >= RENAME_REFUSALS) return fatal(`RDS refused the rename of ${from} to ${to} ${refused} times in a row (see the actions above): nothing was renamed`);
        return no(`${to} not listed yet; ${from}: ${f.found ? f.status : "not listed"}${mayHaveBeenTaken(ctx, id) ? "" : " (asked again)"}`);
      },
      retry: async (ctx, acting) => {
        if (mayHaveBeenTaken(ctx, id)) return null;
        const [f, t] = await Promise.all([ops(ctx).instance(r.region, from), ops(ctx).instance(r.region, to)]);
        if (!f.found || t.found || f.status !== "available") return null;
        acting();
        const a = await journaledRequest(ctx, id, `ModifyDBInstance ${from} -> ${to} (${n.region}), again`, () => ops(ctx).renameInstance(r.region, from, to));
        return `${a.outcome}: ${a.detail}`;
      },
    },
    onFailure: `aws rds describe-db-instances --region ${n.region} --db-instance-identifier ${to}; aws rds describe-events --region ${n.region} --source-type db-instance --source-identifier ${from}. Run the same command again to keep waiting (a rename RDS took is not sent twice).`,
  };
}

/**
 * The damaged writer, renamed away, isolated from the app (RestorePlatform.isolateInstance: AWS a new random master
 * password and the dr-isolated tag) before the fleet comes back: a stale DNS answer for the writer's name ("the old
 * DNS name ... could remain cached for a few minutes": RDS User Guide, "Renaming a DB instance") must not let a new
 * app instance write to the damaged data, where the write would be acknowledged and lost. After rename-restored:
 * the roll-back is over by then (it would need the old password back). A platform without isolateInstance says so.
 */
function isolateDamagedStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  return {
    id: "isolate-damaged",
    title: `Isolate the damaged ${r.damagedId} from the app (kept as evidence)`,
    by: "runbook",
    precondition: { text: "none" },
    action: {
      text: `aws rds modify-db-instance --region ${n.region} --db-instance-identifier ${r.damagedId} --master-user-password <random> --apply-immediately; aws rds add-tags-to-resource (tag dr-isolated): the app's secret no longer opens it`,
      run: async (ctx) => {
        const p = ops(ctx);
        return p.isolateInstance ? p.isolateInstance(r.region, r.damagedId) : `not isolated: the ${ctx.platform.name} platform has no isolateInstance (the damaged instance keeps its password)`;
      },
    },
    wait: {
      text: `${r.damagedId} shows the isolation (tag dr-isolated, no password change pending), where the platform tells`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: async (ctx) => {
        const d = await ops(ctx).instance(r.region, r.damagedId);
        if (!d.found) return ok(`${r.damagedId} is not listed (${d.detail}): nothing can write to it`);
        if (d.isolated === true) return ok(`${r.damagedId}: isolated`);
        if (d.isolated == null) return ok(`${r.damagedId}: ${d.status} (the platform does not report isolation)`);
        return no(`${r.damagedId}: ${d.status}, isolation not applied yet (${d.detail})`);
      },
    },
    onFailure: `The app is still fenced and the restored data carries the writer's name. Set a random master password on ${r.damagedId} by hand (aws rds modify-db-instance --region ${n.region} --db-instance-identifier ${r.damagedId} --master-user-password <random> --apply-immediately), then run the same command again, or go on without it with --confirm isolate-damaged.`,
  };
}

/**
 * The restore's roll-back (Plan.rollback): when a rename fails before the restored instance may have taken the
 * writer's name, the damaged writer gets its name back and the fenced fleet is restored; the restored instance stays
 * under its own name for a later try. Once the rename of the restored instance may have been taken, never (the app
 * may already write to the restored data).
 */
function restoreRollback(config: ValidConfig, params: PlanParams): Rollback {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const unRename = async (ctx: StepContext): Promise<string | null> => {
    const [w, d] = await Promise.all([ops(ctx).instance(r.region, r.writerId), ops(ctx).instance(r.region, r.damagedId)]);
    if (w.found || !d.found || d.status !== "available") return null;
    const a = await ops(ctx).renameInstance(r.region, r.damagedId, r.writerId);
    return `un-rename ${r.damagedId} -> ${r.writerId}: ${a.outcome}: ${a.detail}`;
  };
  return {
    after: ["rename-damaged", "rename-restored"],
    text:
      `when rename-damaged or rename-restored fails and no rename of ${r.targetId} to ${r.writerId} may have been taken: ${r.damagedId} renamed back to ${r.writerId} (if it was renamed), ` +
      `then aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size ${config.web.minSize} --desired-capacity ${params.webSize}, until ${r.writerId} is available and a target is healthy; ${r.targetId} is kept`,
    safe: async (ctx) => {
      const taken = mayHaveBeenTaken(ctx, "rename-restored");
      if (taken) return no(`${taken}: the app may already use the restored data; putting the damaged writer back could lose writes made since`);
      const t = await ops(ctx).instance(r.region, r.targetId);
      return t.found ? ok(`${r.targetId} still has its own name (${t.status}): the app never moved to it`) : no(`${r.targetId} is not listed (${t.detail}): where the restored data is cannot be shown; not rolling back`);
    },
    run: async (ctx) => {
      const did: string[] = [];
      const u = await unRename(ctx);
      if (u) did.push(u);
      did.push(await ctx.platform.scaleWeb(r.region, params.webSize));
      return did.join("; ");
    },
    until: async (ctx) => {
      const w = await ops(ctx).instance(r.region, r.writerId);
      if (!w.found) {
        const again = await unRename(ctx).catch((e: unknown) => `un-rename: ${errorText(e)}`);
        return no(`${r.writerId} is not listed yet${again ? ` (${again})` : ""}`);
      }
      if (w.status !== "available") return no(`${r.writerId}: ${w.status}`);
      const web = await ctx.platform.web(r.region);
      return (web.healthyTargets ?? 0) >= 1 ? ok(`${r.writerId}: available; ${web.detail}`) : no(`${r.writerId}: available; ${web.detail}`);
    },
    timeoutSeconds: config.runbook.promoteTimeoutSeconds + config.runbook.fenceTimeoutSeconds + config.web.healthCheckGraceSeconds,
  };
}

/** `dr restore`'s plan (its epilogue: restore-epilogue.ts). */
export function restorePlan(config: ValidConfig, params: PlanParams): Plan {
  if (isAurora(config)) return auroraRestorePlan(config, params);
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const restoredGuard = {
    text: `${r.targetId} (the restored data) is available, checked now`,
    check: async (ctx: StepContext): Promise<Check> => {
      const t = await ops(ctx).instance(r.region, r.targetId);
      const w = await ops(ctx).instance(r.region, r.writerId);
      // After rename-restored, the restored data is under the writer's name.
      if (t.found) return t.status === "available" ? ok(`${r.targetId}: available`) : no(`${r.targetId}: ${t.status}`);
      return ctx.eventAt("rename-restored", "done") !== null && w.found ? ok(`${r.writerId} holds the restored data (renamed)`) : no(`${r.targetId} is not listed (${t.detail})`);
    },
  };
  const steps: Step[] = [preflightStep(config, params), windowStep(config, params)];
  if (r.source === "replicated") steps.push(confirmOutageStep(config, params));
  steps.push(restoreStep(config, params));
  if (r.source === "replicated") {
    steps.push(gateStep(config, "force-dns", true, restoredGuard), fenceOldPrimaryStep(config), drainStep(config, params));
  }
  steps.push(
    fenceStep(config, "fence", r.region, `no app instance still holds a connection to ${r.writerId}, so nothing writes to the damaged data once the app moves`, "restore-fleet"),
    renameStep(config, params, "rename-damaged", r.writerId, r.damagedId, "the damaged writer steps aside (kept as evidence)", {
      text: `${restoredGuard.text}; the ${n.region} fleet is still fenced (checked now, not taken from the journal)`,
      check: async (ctx) => {
        const f = await stillFenced(ctx, r.region);
        if (!f.ok) return f;
        const g = await restoredGuard.check(ctx);
        return g.ok ? ok(`${g.detail}; ${f.detail}`) : g;
      },
    }),
    renameStep(config, params, "rename-restored", r.targetId, r.writerId, "the restored data takes the writer's name, so the fleet's DB_WRITER_HOST names it"),
    ...(r.source === "instance" ? [isolateDamagedStep(config, params)] : []),
    restoreFleetStep(config, "restore-fleet", r.region, params.webSize),
    verifyStep(config, "verify", r.region),
  );
  if (r.source === "replicated") {
    const isolate = unplannedSteps(config, params).find((s) => s.id === "isolate-old-primary");
    if (isolate) steps.push(isolate);
  } else if (r.drState === "normal") {
    steps.push(retireStep(config, "retire-old-replica", "secondary", params.generations.secondary, "verify", "the restored writer serves writes"));
  }
  return {
    title: `restore ${r.writerId} (${n.region}) to ${r.toTimeIso} from ${r.source === "replicated" ? "the replicated automated backups" : "its automated backups"}`,
    params,
    steps,
    epilogue: restoreEpilogue(config, params),
    rollback: restoreRollback(config, params),
    ...(r.source === "replicated" ? { verdict: verdictGuard(config) } : {}),
  };
}
