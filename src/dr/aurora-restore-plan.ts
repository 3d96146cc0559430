import type { RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import type { AuroraRestorePlatform } from "./aurora-restore-platform";
import { auroraRestoreProcedure, auroraRestoreTargetId } from "./aurora-restore";
import { DEAD_DB_STATUSES } from "./promote-step";
import { names } from "./names";
import { encodeEndpoints, endpointsParameterName, endpointsValueTemplate, type DbEndpoints } from "../database/endpoints-parameter";
import { deployOnly } from "./deploy-commands";
import { endpointsOps, sameEndpoints } from "./endpoints-check";
import type { EndpointsParameterPlatform, EndpointsParameterState } from "./endpoints-parameter-platform";
import { fenceStep, stillFenced } from "./fence-steps";
import type { Plan, PlanParams, Step, StepContext } from "./plan-model";
import { restoreFleetStep, switchoverRollback, verifyStep } from "./shared-steps";
import {
  identifierProblem,
  journaledRequest,
  mayHaveBeenTaken,
  RENAME_REFUSALS,
  RestoreRequestError,
  restoredTargetVerdict,
  runStamp,
  windowVerdict,
  type RestoreRequest,
} from "./restore-requests";
import { restoreParamsOf, type RestoreParams } from "./restore-params";
import { fatal, no, ok } from "./check-helpers";

/**
 * `dr restore --to-time <ISO time>` in the Aurora Global Database mode (database.engine "aurora-postgresql"), issue 26
 * point 2, with the RDS mode's discipline (restore-plan.ts: preconditions, waits with timeouts, journaled requests
 * never sent twice, a resume pinned to the journal's names and time, --dry-run printing steps and requests):
 *
 * 1. restore-window: DescribeDBClusters EarliestRestorableTime / LatestRestorableTime of the writer member cluster;
 *    a time outside is refused with both times in the message;
 * 2. restore-cluster: RestoreDBClusterToPointInTime into `<member>-pitr-<stamp>` with the member's subnet group,
 *    security groups, cluster parameter group, KMS key, deletion protection and tags (aws-aurora-restore.ts cites
 *    the API), then waited until available;
 * 3. create-instance: CreateDBInstance `<member>-pitr-<stamp>-1` (engine aurora-postgresql, database.instanceClass,
 *    the DB parameter group of the member's writer instance), waited until available;
 * 4. verify-restored: the restored cluster available, its writer instance available, its endpoints, and the
 *    platform's data probe where it has one. Up to here production is not touched.
 * 5. the move, as a failover moves writes (the same step builders): fence the writer region's fleet (fence-steps.ts:
 *    ASG to 0; its wait is the client drain, as the RDS restore's own-region path: no instance runs, so no request is
 *    in flight and every acknowledged write is in the member); point-endpoints: the region's database endpoints
 *    parameter (src/database/endpoints-parameter.ts), which the fleet's app reads when it starts, overwritten with the
 *    restored cluster's endpoints (SSM PutParameter in the writer's region only: aws-endpoints-parameter.ts), only
 *    while the fence holds and the parameter still names the member; restore-fleet (new instances start on the
 *    restored cluster); verify: a real write through the region's entry point.
 *
 * Why a parameter and not a rename: the fleet's hosts were the member's cluster endpoint, and AWS does not document
 * that an Aurora cluster endpoint follows a rename (ModifyDBCluster NewDBClusterIdentifier; the RDS User Guide says it
 * for a DB instance, "about 10 minutes", and for a Multi-AZ DB cluster, "about two minutes"; the Aurora User Guide
 * only "If you're using SSL endpoints and change the DB cluster identifier, stop and restart the DB cluster to update
 * the SSL endpoints", "Modifying an Amazon Aurora DB cluster"). The parameter is a name the project controls: no
 * rename, no Terraform run, no call outside the writer's region before writes resume (REL11-BP04).
 *
 * Roll-back: a failure before point-endpoints may have written (fence, point-endpoints refused) restores the fleet by
 * itself, nothing else was changed; once a PutParameter may have been taken, the way is forward (run again: resume).
 * The config then records the move (database.restoredCluster, printed by the epilogue with the real endpoints), and
 * Aurora failover / switchover / failback are refused until the global database is rebuilt around the restored
 * cluster (the other region's member replicates the damaged data): aurora-plan.ts, endpoints-check.ts.
 */

/** The restored cluster's first (writer) instance. */
export function auroraRestoreInstanceId(targetId: string): string {
  return `${targetId}-1`;
}

/** The Aurora mode's RestoreParams, or a RestoreRequestError naming what to change (restore-plan.ts restoreParamsFor calls it). */
export function auroraRestoreParams(config: ValidConfig, request: RestoreRequest, now: number): RestoreParams {
  if (!Number.isFinite(request.toTime)) throw new RestoreRequestError(`--to-time is not a time. Fix: give an ISO time with a zone, e.g. 2026-12-06T23:10:00Z`);
  const writerRole = AURORA_GLOBAL_PRIMARY[config.database.drState];
  const recorded = config.database.restoredCluster;
  if (recorded) {
    throw new RestoreRequestError(
      `config database.restoredCluster records that the ${recorded.region} region's app already writes to the restored cluster ${recorded.identifier}: a second \`dr restore\` would restore from ${regionClusterIdentifier(config, writerRole)}, the damaged member, not from what the app uses. ` +
        `Restore ${recorded.identifier} by hand (aws rds restore-db-cluster-to-point-in-time --source-db-cluster-identifier ${recorded.identifier}), or rebuild the global database around it first and record that. Nothing was changed.`,
    );
  }
  const stamp = runStamp(now);
  const toTimeIso = new Date(request.toTime).toISOString();
  if (request.region && request.region !== writerRole) {
    // A point-in-time restore reads the source cluster's own continuous backups, in its region: printed procedure only.
    const procedure = auroraRestoreProcedure(config, toTimeIso, stamp, request.region);
    throw new RestoreRequestError(
      [
        `dr restore --region ${request.region} is not automated for database.engine "aurora-postgresql": the writer member cluster ${regionClusterIdentifier(config, writerRole)} is in the ${writerRole} region and RestoreDBClusterToPointInTime restores it there. Leave out --region, or follow the procedure below. Nothing was changed.`,
        ...procedure,
      ].join("\n"),
    );
  }
  const writerId = regionClusterIdentifier(config, writerRole);
  const targetId = auroraRestoreTargetId(config, writerRole, stamp);
  const damagedId = `${writerId}-damaged-${stamp}`;
  for (const id of [targetId, auroraRestoreInstanceId(targetId), damagedId]) {
    const p = identifierProblem(id);
    if (p) throw new RestoreRequestError(`the restore would name a cluster or instance ${id}: ${p} (RDS API Reference, RestoreDBClusterToPointInTime DBClusterIdentifier / CreateDBInstance). Fix: shorten "project" or "environment" in the config. Nothing was changed.`);
  }
  return { toTime: request.toTime, toTimeIso, writerRole, region: writerRole, source: "instance", stamp, writerId, targetId, damagedId, drState: config.database.drState };
}


/** The platform's Aurora restore calls, or a clear failure. */
function ops(ctx: StepContext): AuroraRestorePlatform {
  const p = ctx.platform as unknown as Partial<AuroraRestorePlatform> & { name: string };
  if (!p.clusterRestoreWindow || !p.restoreClusterToTime || !p.cluster || !p.createClusterInstance || !p.instance || !p.verifyRestoredCluster) {
    throw new Error(`the ${p.name} platform cannot restore an Aurora cluster (no AuroraRestorePlatform: clusterRestoreWindow, restoreClusterToTime, cluster, createClusterInstance, instance, verifyRestoredCluster): dr restore needs them`);
  }
  return p as AuroraRestorePlatform;
}

function preflightStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  return {
    id: "preflight",
    title: `Check the restore can start: ${r.writerId} (${region}) is the writer member of ${globalClusterIdentifier(config)}`,
    by: "runbook",
    precondition: {
      text: `the platform can restore an Aurora cluster and write the database endpoints parameter; ${r.writerId} exists and has a writer instance (its continuous backups are the ones restored); ${endpointsParameterName(config, r.region)} names it (the move overwrites only that)`,
      check: async (ctx) => {
        const e = eops(ctx);
        const c = await ops(ctx).cluster(r.region, r.writerId);
        if (!c.found) return no(`${c.detail}: there is no cluster to restore from (see \`dr status\`)`);
        if (!c.writerInstance) return no(`${c.detail}: no writer instance: this is not the global writer now (see \`dr status\`; the config's drState "${r.drState}" says ${region})`);
        // Checked before anything is restored (hours), not only at the move: the move refuses a parameter it did not expect.
        const s = await e.endpointsParameter(r.region);
        if (s.value?.cluster !== r.writerId) return no(`${s.detail}: the move would refuse it (it overwrites only a parameter naming ${r.writerId}); deploy the ${r.region} stack, or see who changed it (CloudTrail PutParameter)`);
        return ok(`${c.detail}; ${s.detail}`);
      },
    },
    action: { text: "none" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: "Nothing was changed. See `dr status`.",
  };
}

const WINDOW = "aurora-restore:window";

function windowStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  return {
    id: "restore-window",
    title: `Check ${r.toTimeIso} is inside ${r.writerId}'s restorable window (${region})`,
    by: "runbook",
    precondition: {
      text: `DescribeDBClusters ${r.writerId} in ${region}: the time is between EarliestRestorableTime and LatestRestorableTime, else refused with both in the message`,
      check: async (ctx) => {
        const w = await ops(ctx).clusterRestoreWindow(r.region, r.writerId);
        ctx.scratch[WINDOW] = w;
        return windowVerdict(w, r.toTime, r.writerId);
      },
    },
    action: { text: "none (reads only)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: `Nothing was changed. Give a --to-time inside the window printed above (aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${r.writerId} --query 'DBClusters[0].[EarliestRestorableTime,LatestRestorableTime]').`,
  };
}

function restoreClusterStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  return {
    id: "restore-cluster",
    title: `Restore ${r.writerId}'s data as of ${r.toTimeIso} into a new cluster ${r.targetId} (${region})`,
    by: "runbook",
    precondition: {
      text: `${r.targetId} does not exist (or this run's journal shows it was requested: resuming)`,
      check: async (ctx) => {
        const t = await ops(ctx).cluster(r.region, r.targetId);
        if (!t.found) return ok(`${r.targetId} is free`);
        const mine = mayHaveBeenTaken(ctx, "restore-cluster");
        return mine ? ok(`${r.targetId} exists (${t.status}): ${mine}: resuming`) : no(`${r.targetId} already exists (${t.detail}) and this run did not create it: start afresh (--fresh) for new names`);
      },
    },
    action: {
      text:
        `aws rds restore-db-cluster-to-point-in-time --region ${region} --source-db-cluster-identifier ${r.writerId} --db-cluster-identifier ${r.targetId} --restore-to-time ${r.toTimeIso} --restore-type full-copy ` +
        `with ${r.writerId}'s subnet group, security groups, cluster parameter group, KMS key, port and log exports, --deletion-protection, its tags and dr-restored-to ` +
        `(otherwise "the new DB cluster is created with the default DB security group": RDS API Reference, RestoreDBClusterToPointInTime). Sent once (journaled: requesting, requested / not-taken); an existing ${r.targetId} sends nothing`,
      run: async (ctx) => {
        const a = await journaledRequest(ctx, "restore-cluster", `RestoreDBClusterToPointInTime ${r.targetId} as of ${r.toTimeIso} (${region})`, () => ops(ctx).restoreClusterToTime(r.region, r.writerId, r.toTime, r.targetId));
        return `${a.outcome}: ${a.detail}`;
      },
    },
    wait: {
      text: `${r.targetId} is available (Aurora replays the logs up to the time); a status it does not leave by itself (failed, incompatible-restore, ...) stops at once`,
      timeoutSeconds: config.runbook.restoreTimeoutMinutes * 60,
      until: async (ctx) => {
        const t = await ops(ctx).cluster(r.region, r.targetId);
        return restoredTargetVerdict(ctx, "restore-cluster", r.targetId, t, `${r.targetId}: available`);
      },
    },
    onFailure:
      `Production was not touched. aws rds describe-events --region ${region} --source-type db-cluster --source-identifier ${r.targetId}. ` +
      `A restore still running after the timeout: run the same command again (it resumes and waits, without a second request; raise runbook.restoreTimeoutMinutes for a large cluster). ` +
      `A failed restore: delete ${r.targetId} (aws rds modify-db-cluster --no-deletion-protection --apply-immediately, then aws rds delete-db-cluster --skip-final-snapshot) and run again with --fresh.`,
  };
}

function createInstanceStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  const inst = auroraRestoreInstanceId(r.targetId);
  const id = "create-instance";
  const send = (ctx: StepContext, again: string) =>
    journaledRequest(ctx, id, `CreateDBInstance ${inst} in ${r.targetId} (${region})${again}`, () => ops(ctx).createClusterInstance(r.region, r.targetId, inst, config.database.instanceClass, r.writerId));
  return {
    id,
    title: `Create the writer instance ${inst} of the restored cluster (${config.database.instanceClass})`,
    by: "runbook",
    precondition: {
      text: `${r.targetId} is available (RDS: "You can create DB instances only after the RestoreDBClusterToPointInTime operation has completed and the DB cluster is available"); ${inst} does not exist, or this run requested it`,
      check: async (ctx) => {
        const [c, i] = await Promise.all([ops(ctx).cluster(r.region, r.targetId), ops(ctx).instance(r.region, inst)]);
        if (!c.found || c.status !== "available") return no(`${r.targetId}: ${c.found ? c.status : "not listed"} (${c.detail})`);
        if (!i.found) return ok(`${r.targetId}: available; ${inst} is free`);
        const mine = mayHaveBeenTaken(ctx, id);
        return mine ? ok(`${inst} exists (${i.status}): ${mine}: resuming`) : no(`${inst} already exists (${i.detail}) and this run did not create it: start afresh (--fresh)`);
      },
    },
    action: {
      text: `aws rds create-db-instance --region ${region} --db-cluster-identifier ${r.targetId} --db-instance-identifier ${inst} --engine aurora-postgresql --db-instance-class ${config.database.instanceClass} --db-parameter-group-name <${r.writerId}'s writer instance's> --no-publicly-accessible (journaled; sent again at a poll only if RDS did not take it)`,
      run: async (ctx) => {
        const a = await send(ctx, "");
        return `${a.outcome}: ${a.detail}`;
      },
    },
    wait: {
      text: `${inst} is available`,
      timeoutSeconds: config.runbook.restoreTimeoutMinutes * 60,
      until: async (ctx) => {
        const i = await ops(ctx).instance(r.region, inst);
        if (i.found && i.status === "available") return ok(`${inst}: available`);
        if (i.found && i.status !== null && DEAD_DB_STATUSES.includes(i.status)) return fatal(`${inst} is ${i.status} (${i.detail}); production was not touched`);
        if (i.found) return no(`${inst}: ${i.status ?? "?"}`);
        // The restored cluster gone or failed meanwhile (deleted by someone): no instance can come; stop at once.
        const c = await ops(ctx).cluster(r.region, r.targetId);
        if (!c.found || (c.status !== null && DEAD_DB_STATUSES.includes(c.status))) return fatal(`${r.targetId} is ${c.found ? c.status : "gone"} (${c.detail}): ${inst} cannot be created; production was not touched`);
        const refused = (ctx.scratch[`request:${id}:refusals`] as number | undefined) ?? 0;
        const taken = mayHaveBeenTaken(ctx, id);
        if (!taken && refused >= RENAME_REFUSALS) return fatal(`RDS refused CreateDBInstance ${inst} ${refused} times in a row (see the actions above): nothing was created`);
        return no(`${inst} is not listed yet${taken ? ` (${taken})` : " (asked again)"}`);
      },
      retry: async (ctx, acting) => {
        if (mayHaveBeenTaken(ctx, id)) return null;
        const i = await ops(ctx).instance(r.region, inst);
        if (i.found) return null;
        acting();
        const a = await send(ctx, ", again");
        return `${a.outcome}: ${a.detail}`;
      },
    },
    onFailure: `Production was not touched. aws rds describe-events --region ${region} --source-type db-instance --source-identifier ${inst}. Run the same command again to keep waiting (a CreateDBInstance RDS took is not sent twice).`,
  };
}

function verifyRestoredStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  return {
    id: "verify-restored",
    title: `Check the restored cluster ${r.targetId} answers`,
    by: "runbook",
    precondition: { text: "none" },
    action: { text: "none (reads only)" },
    wait: {
      text: `${r.targetId} available with an available writer instance and an endpoint (DescribeDBClusters, DescribeDBInstances), and the platform's probe of its data where it has one`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => ops(ctx).verifyRestoredCluster(r.region, r.targetId),
    },
    onFailure: `Production was not touched. aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${r.targetId}; run the same command again to check again.`,
  };
}

// --- the move ---------------------------------------------------------------------------------------------------

const POINT = "point-endpoints";

/** The platform's endpoints parameter calls, or a clear failure. */
function eops(ctx: StepContext): EndpointsParameterPlatform {
  return endpointsOps(ctx.platform, "dr restore's move (Aurora mode)");
}

/**
 * The value point-endpoints writes: the restored cluster's identifier from the journal's parameters, its endpoints
 * and port from AWS now (DescribeDBClusters Endpoint, ReaderEndpoint, Port): the same on every run, so a resumed run
 * never writes a different value.
 */
async function restoredEndpoints(ctx: StepContext, r: RestoreParams): Promise<DbEndpoints> {
  const c = await ops(ctx).cluster(r.region, r.targetId);
  if (!c.found) throw new Error(`${r.targetId} is not listed (${c.detail}): there is nothing to point the app to`);
  if (c.status !== "available") throw new Error(`${r.targetId} is ${c.status} (${c.detail}), not available`);
  if (c.readerEndpoint === undefined) throw new Error(`the ${ctx.platform.name} platform does not report a cluster's reader endpoint (ClusterState.readerEndpoint): the parameter needs it`);
  if (!c.endpoint || !c.readerEndpoint || !c.port) throw new Error(`${r.targetId} does not report its endpoints yet (writer ${c.endpoint ?? "none"}, reader ${c.readerEndpoint ?? "none"}, port ${c.port ?? "none"})`);
  return { cluster: r.targetId, writer: c.endpoint, reader: c.readerEndpoint, port: c.port };
}

/** The member's own endpoints (what the parameter named before the move), for pointing back by hand; null when not reported. */
async function memberEndpoints(ctx: StepContext, r: RestoreParams): Promise<DbEndpoints | null> {
  const c = await ops(ctx).cluster(r.region, r.writerId);
  return c.found && c.endpoint && c.readerEndpoint && c.port ? { cluster: r.writerId, writer: c.endpoint, reader: c.readerEndpoint, port: c.port } : null;
}

/** The by-hand command that points the region's fleet back to the member (with its value, or placeholders). */
function pointBackCommand(config: ValidConfig, r: RestoreParams, member: DbEndpoints | null): string {
  const region = names(config, r.region).region;
  const value = member ? encodeEndpoints(member) : endpointsValueTemplate(r.writerId, `<${r.writerId}'s Endpoint>`);
  return `aws ssm put-parameter --region ${region} --name ${endpointsParameterName(config, r.region)} --type String --overwrite --value '${value}'${member ? "" : ` (the values: aws rds describe-db-clusters --region ${region} --db-cluster-identifier ${r.writerId} --query 'DBClusters[0].[Endpoint,ReaderEndpoint,Port]')`}`;
}

function pointEndpointsStep(config: ValidConfig, params: PlanParams): Step {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  const name = endpointsParameterName(config, r.region);
  const send = (ctx: StepContext, value: DbEndpoints, again: string) =>
    journaledRequest(ctx, POINT, `SSM PutParameter ${name} = ${encodeEndpoints(value)} (${region})${again}`, () => eops(ctx).putEndpointsParameter(r.region, value));
  /** The parameter names the member (not moved yet) or the target (moved earlier); anything else: null and why. */
  const ours = (s: EndpointsParameterState): "member" | "target" | null => (s.value?.cluster === r.writerId ? "member" : s.value?.cluster === r.targetId ? "target" : null);
  const foreign = (s: EndpointsParameterState) =>
    !s.found
      ? `${s.detail}: the ${region} stack creates it in the Aurora mode (deploy it); the runbook does not create it`
      : `${s.detail}: it names neither the member ${r.writerId} nor the restored ${r.targetId}: someone else changed it; the runbook does not overwrite what it did not write. See who (CloudTrail PutParameter), then put it back or record it`;
  return {
    id: POINT,
    title: `Point the ${region} fleet's database endpoints parameter ${name} to ${r.targetId}`,
    by: "runbook",
    precondition: {
      text: `the ${region} fleet is still fenced (checked in AWS now, not taken from the journal); ${name} names the member ${r.writerId} (or already ${r.targetId}: written earlier in this run); ${r.targetId} is available with its endpoints; anything else is refused with what was found`,
      check: async (ctx) => {
        const f = await stillFenced(ctx, r.region);
        if (!f.ok) return f;
        const s = await eops(ctx).endpointsParameter(r.region);
        const which = ours(s);
        if (which === null) return no(foreign(s));
        const d = await restoredEndpoints(ctx, r);
        if (which === "target") return ok(`${f.detail}; ${s.detail}: already the restored cluster (written earlier in this run)`);
        return ok(`${f.detail}; ${s.detail}: the member; to point it back by hand later: ${pointBackCommand(config, r, s.value)}; ${r.targetId}: writer ${d.writer}, reader ${d.reader}, port ${d.port}`);
      },
    },
    action: {
      text:
        `aws ssm put-parameter --region ${region} --name ${name} --type String --overwrite --value '${endpointsValueTemplate(r.targetId)}' ` +
        `(the endpoints read from DescribeDBClusters ${r.targetId} now; SSM PutParameter Overwrite true; journaled: requesting, requested / not-taken; a parameter that already holds it sends nothing)`,
      run: async (ctx) => {
        const s = await eops(ctx).endpointsParameter(r.region);
        if (ours(s) === null) throw new Error(`${foreign(s)} (changed since the precondition): nothing sent`);
        const d = await restoredEndpoints(ctx, r);
        if (sameEndpoints(s.value, d)) return `${s.detail}: already holds ${r.targetId}'s endpoints: nothing sent`;
        const a = await send(ctx, d, "");
        return `${a.outcome}: ${a.detail}`;
      },
    },
    wait: {
      text: `${name} reads back (parsed) as ${r.targetId}'s endpoints; a parameter deleted or naming another cluster stops at once`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: async (ctx) => {
        const [s, d] = await Promise.all([eops(ctx).endpointsParameter(r.region), restoredEndpoints(ctx, r)]);
        if (sameEndpoints(s.value, d)) return ok(`${s.detail}: reads back as written`);
        if (ours(s) === null) return fatal(foreign(s));
        return no(`${s.detail}: not ${r.targetId}'s endpoints yet${mayHaveBeenTaken(ctx, POINT) ? "" : " (asked again)"}`);
      },
      retry: async (ctx, acting) => {
        // PutParameter of the same value twice is harmless (unlike an RDS request); sent again only while the value
        // is not there, the parameter names the member or the target, and the fence still holds.
        const s = await eops(ctx).endpointsParameter(r.region);
        if (ours(s) === null) return null;
        const d = await restoredEndpoints(ctx, r);
        if (sameEndpoints(s.value, d)) return null;
        if (!(await stillFenced(ctx, r.region)).ok) return null;
        acting();
        const a = await send(ctx, d, ", again");
        return `${a.outcome}: ${a.detail}`;
      },
    },
    recheck: {
      text: `${name} still names ${r.targetId} (SSM, not the journal)`,
      check: async (ctx) => {
        const s = await eops(ctx).endpointsParameter(r.region);
        return s.value?.cluster === r.targetId ? ok(s.detail) : no(s.detail);
      },
      until: "restore-fleet",
    },
    onFailure:
      `Before ${name} may name ${r.targetId} (no PutParameter in the journal), the runbook restores the fleet by itself (the roll-back below): the app serves ${r.writerId} as before and nothing else was changed. ` +
      `Once a PutParameter may have been taken, the way is forward: run the same command again (it resumes: the same value, then the fleet, then the write check). ` +
      `To point the app back to ${r.writerId} instead (by hand, the fleet fenced): ${pointBackCommand(config, r, null)}, then aws autoscaling update-auto-scaling-group --region ${region} --auto-scaling-group-name ${names(config, r.region).asg} --min-size ${config.web.minSize} --desired-capacity ${params.webSize}.`,
  };
}

/**
 * The move's roll-back: the fence, or point-endpoints before its parameter may name the restored cluster, failed: the
 * fleet is restored (its parameter still names the member, what it ran on before). Not once a PutParameter may have
 * been taken (the forward path), nor when the parameter names another cluster (a fleet restored now would start on it).
 */
function moveRollback(config: ValidConfig, params: PlanParams) {
  const r = restoreParamsOf(params);
  const name = endpointsParameterName(config, r.region);
  return switchoverRollback(config, {
    fencedRole: r.region,
    replicaRole: r.region,
    replicaGeneration: params.generations[r.region],
    promoteId: POINT,
    after: ["fence", POINT],
    size: params.webSize,
    safe: {
      text: `no PutParameter of ${name} may have been taken and it still names the member ${r.writerId} (SSM, now)`,
      check: async (ctx) => {
        const taken = mayHaveBeenTaken(ctx, POINT);
        if (taken) return no(`${taken}: ${name} may name ${r.targetId}: the way is forward (run the same command again)`);
        const s = await eops(ctx).endpointsParameter(r.region);
        return s.value?.cluster === r.writerId ? ok(`${s.detail}: the member, as before the fence`) : no(`${s.detail}: not the member ${r.writerId}: a fleet restored now would start on it; the fence stays`);
      },
    },
  });
}

/** The config block that records the move (database.restoredCluster, src/config/sections/database.ts). */
export function restoredClusterBlock(region: RegionRole, target: DbEndpoints): { database: { restoredCluster: { region: RegionRole; identifier: string; writerEndpoint: string; readerEndpoint: string } } } {
  return { database: { restoredCluster: { region, identifier: target.cluster, writerEndpoint: target.writer, readerEndpoint: target.reader } } };
}

/**
 * What is left after the move, with this deployment's names: the config block that records it and the deploy, what
 * is lost, the damaged member, the refusals until a rebuild. `found`: what the run read from AWS at its end (the
 * restored cluster's endpoints, the member's); without it (--dry-run) placeholders.
 */
export function auroraRestoreEpilogue(config: ValidConfig, params: PlanParams, found?: { readonly target: DbEndpoints; readonly member: DbEndpoints | null }): string[] {
  const r = restoreParamsOf(params);
  const n = names(config, r.region);
  const other: RegionRole = r.region === "primary" ? "secondary" : "primary";
  const o = names(config, other);
  const otherMember = regionClusterIdentifier(config, other);
  const global = globalClusterIdentifier(config);
  const inst = auroraRestoreInstanceId(r.targetId);
  const name = endpointsParameterName(config, r.region);
  const block = found
    ? JSON.stringify(restoredClusterBlock(r.region, found.target).database.restoredCluster)
    : `{"region": "${r.region}", "identifier": "${r.targetId}", "writerEndpoint": "<${r.targetId}'s cluster endpoint>", "readerEndpoint": "<its reader endpoint>"}`;
  const lines = [
    `Done: the ${n.region} fleet writes to ${r.targetId}, ${r.writerId}'s data as of ${r.toTimeIso} (writer instance ${inst}): ${name} names it and the fleet restarted on it; a write through the entry point was checked.`,
    `Record the move in your config file (DR_CONFIG), so the ${r.region} stack's parameter keeps naming the restored cluster (the deploy then changes nothing the runbook did):`,
    `  "database": { "restoredCluster": ${block} }`,
    `  npm run synth && npx cdktf diff ${r.region}   # expect at most ${name}'s value re-encoded (the same endpoints: Terraform's jsonencode orders the keys); no launch template, Auto Scaling group or database change`,
    `  ${deployOnly(r.region)}   # only ${r.region}: nothing else records the move`,
    `Lost by design: writes acknowledged after ${r.toTimeIso} and before the fence: they are only in ${r.writerId}. Reconcile what is wanted by hand (pg_dump --data-only -t <table> from ${r.writerId}'s endpoint) before deleting anything.`,
    `${r.writerId} (the damaged data) is kept as evidence: nothing in ${n.region} writes to it any more (the fleet reads ${name}). It is still the primary of ${global}: ${otherMember} (${o.region}) still replicates the damaged data, and \`dr failover\` / \`dr failback\` are refused while database.restoredCluster is set (a failover or switchover would make the damaged data the writer again).`,
    `  Next (not built by this project yet): rebuild a global database around ${r.targetId} (aws rds create-global-cluster --source-db-cluster-identifier <ARN of ${r.targetId}>, then a secondary cluster in ${o.region}): a stacks change; plan it with npm run plan:offline and npx cdktf diff before any deploy.`,
  ];
  if (config.database.writeForwarding !== "off") {
    lines.push(
      `database.writeForwarding is "${config.database.writeForwarding}": the ${o.region} fleet's writes are forwarded to ${r.writerId}, the damaged data. Fence it until the rebuild: aws autoscaling update-auto-scaling-group --region ${o.region} --auto-scaling-group-name ${o.asg} --min-size 0 --desired-capacity 0`,
    );
  }
  lines.push(
    `${r.targetId} has deletion protection on and is outside Terraform (created by the runbook): keep it on while the app uses it.`,
    `The restored cluster's master password is the source's as of ${r.toTimeIso} (Aurora restores the database as it was): if it was rotated since, the app's secret does not open it (verify fails): aws rds modify-db-cluster --region ${n.region} --db-cluster-identifier ${r.targetId} --master-user-password <the secret's value> --apply-immediately.`,
    `To point the app back to ${r.writerId} (the writes made on ${r.targetId} since are then only there): fence the fleet (--min-size 0 --desired-capacity 0), ${pointBackCommand(config, r, found?.member ?? null)}, restore the fleet (--min-size ${config.web.minSize} --desired-capacity ${params.webSize}), and remove database.restoredCluster from the config.`,
    `Instead of the move (a bounded bad write, keeping the global database): copy the destroyed rows from ${r.targetId} back into ${r.writerId} with SQL (docs/dr-runbook.md, "dr restore", Aurora mode, option A).`,
  );
  return lines;
}

/** `dr restore`'s plan in the Aurora mode: restore into a new cluster, then move the writer region's app to it. */
export function auroraRestorePlan(config: ValidConfig, params: PlanParams): Plan {
  const r = restoreParamsOf(params);
  const region = names(config, r.region).region;
  return {
    title: `restore ${r.writerId} (${region}) to ${r.toTimeIso} into a new cluster ${r.targetId} and move the ${region} app to it`,
    params,
    steps: [
      preflightStep(config, params),
      windowStep(config, params),
      restoreClusterStep(config, params),
      createInstanceStep(config, params),
      verifyRestoredStep(config, params),
      fenceStep(config, "fence", r.region, `no app instance still holds a connection to ${r.writerId}: every acknowledged write is in it, and nothing writes to the damaged data once the parameter names ${r.targetId} (the client drain: no instance runs, so no request is in flight)`, "restore-fleet"),
      pointEndpointsStep(config, params),
      restoreFleetStep(config, "restore-fleet", r.region, params.webSize),
      verifyStep(config, "verify", r.region),
    ],
    epilogue: auroraRestoreEpilogue(config, params),
    finalEpilogue: async (ctx) => auroraRestoreEpilogue(config, params, { target: await restoredEndpoints(ctx, r), member: await memberEndpoints(ctx, r).catch(() => null) }),
    rollback: moveRollback(config, params),
  };
}
