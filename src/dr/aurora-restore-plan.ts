import type { RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import type { AuroraRestorePlatform } from "./aurora-restore-platform";
import { auroraRestoreProcedure, auroraRestoreTargetId } from "./aurora-restore";
import { DEAD_DB_STATUSES } from "./promote-step";
import { names } from "./names";
import type { Plan, PlanParams, Step, StepContext } from "./plan-model";
import type { Check } from "./platform";
import {
  identifierProblem,
  journaledRequest,
  mayHaveBeenTaken,
  RENAME_REFUSALS,
  RestoreRequestError,
  runStamp,
  windowVerdict,
  type RestoreRequest,
} from "./restore-requests";
import type { RestoreParams } from "./restore-params";

/**
 * `dr restore --to-time <ISO time>` in the Aurora Global Database mode (database.engine "aurora-postgresql"), issue 26
 * point 2: steps 1 to 5 of the procedure automated with the RDS mode's discipline (restore-plan.ts: preconditions,
 * waits with timeouts, journaled requests never sent twice, a resume pinned to the journal's names and time,
 * --dry-run printing steps and requests), then a stop with the restored cluster ready and the move printed as a
 * manual procedure (the epilogue), exit 0 as the RDS mode's "done, the record commands follow".
 *
 * 1. restore-window: DescribeDBClusters EarliestRestorableTime / LatestRestorableTime of the writer member cluster;
 *    a time outside is refused with both times in the message;
 * 2. restore-cluster: RestoreDBClusterToPointInTime into `<member>-pitr-<stamp>` with the member's subnet group,
 *    security groups, cluster parameter group, KMS key, deletion protection and tags (aws-aurora-restore.ts cites
 *    the API), then waited until available;
 * 3. create-instance: CreateDBInstance `<member>-pitr-<stamp>-1` (engine aurora-postgresql, database.instanceClass,
 *    the DB parameter group of the member's writer instance), waited until available;
 * 4. verify-restored: the restored cluster available, its writer instance available, its endpoint, and the
 *    platform's data probe where it has one.
 * Production is never touched: no fence, no rename, nothing to roll back.
 *
 * Why the move (steps 6+) is not automated, from the AWS documentation read for it (docs/dr-runbook.md, "dr
 * restore", Aurora mode, cites each):
 * - documented: detaching the secondary (RemoveFromGlobalCluster: "Detaches an Aurora secondary cluster from an
 *   Aurora global database cluster. The cluster becomes a standalone cluster with read-write capability"), then the
 *   primary once it is the last member ("After you remove or delete all secondary clusters, then you can remove the
 *   primary cluster the same way", Aurora User Guide, "Removing a cluster from an Amazon Aurora global database";
 *   "Remove the primary DB cluster from the Aurora global database. This becomes a standalone Aurora DB cluster",
 *   "Deleting an Amazon Aurora global database"); renaming a cluster (ModifyDBCluster NewDBClusterIdentifier, applied
 *   with ApplyImmediately); and for Aurora only: "If you're using SSL endpoints and change the DB cluster
 *   identifier, stop and restart the DB cluster to update the SSL endpoints" (Aurora User Guide, "Modifying an
 *   Amazon Aurora DB cluster").
 * - NOT documented for an Aurora DB cluster: that its cluster endpoint follows a rename and when the new name
 *   resolves (the RDS User Guide says it for a DB instance, "about 10 minutes", and for a Multi-AZ DB cluster,
 *   "about two minutes"; the Aurora User Guide has no "Renaming" page), nor a "rename to replace" use like the RDS
 *   instance's. The fleet's DB_WRITER_HOST is the member's cluster endpoint, so the move rests on exactly that.
 * - And the move dissolves the global database: both members detached, the deployment has no cross-region copy
 *   until a new global cluster is built around the restored cluster (a stacks change, hours of initial sync).
 * A step the runbook cannot show to be safe is not automated (the same rule as the refusal this replaces).
 */

/** The restored cluster's first (writer) instance. */
export function auroraRestoreInstanceId(targetId: string): string {
  return `${targetId}-1`;
}

/** The Aurora mode's RestoreParams, or a RestoreRequestError naming what to change (restore-plan.ts restoreParamsFor calls it). */
export function auroraRestoreParams(config: ValidConfig, request: RestoreRequest, now: number): RestoreParams {
  if (!Number.isFinite(request.toTime)) throw new RestoreRequestError(`--to-time is not a time. Fix: give an ISO time with a zone, e.g. 2026-12-06T23:10:00Z`);
  const writerRole = AURORA_GLOBAL_PRIMARY[config.database.drState];
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

const ok = (detail: string): Check => ({ ok: true, detail });
const no = (detail: string): Check => ({ ok: false, detail });
const fatal = (detail: string): Check => ({ ok: false, fatal: true, detail });

function rp(params: PlanParams): RestoreParams {
  if (!params.restore) throw new Error("restore plan without restore parameters");
  return params.restore;
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
  const r = rp(params);
  const region = names(config, r.region).region;
  return {
    id: "preflight",
    title: `Check the restore can start: ${r.writerId} (${region}) is the writer member of ${globalClusterIdentifier(config)}`,
    by: "runbook",
    precondition: {
      text: `the platform can restore an Aurora cluster; ${r.writerId} exists and has a writer instance (its continuous backups are the ones restored)`,
      check: async (ctx) => {
        const c = await ops(ctx).cluster(r.region, r.writerId);
        if (!c.found) return no(`${c.detail}: there is no cluster to restore from (see \`dr status\`)`);
        return c.writerInstance ? ok(c.detail) : no(`${c.detail}: no writer instance: this is not the global writer now (see \`dr status\`; the config's drState "${r.drState}" says ${region})`);
      },
    },
    action: { text: "none" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: "Nothing was changed. See `dr status`.",
  };
}

const WINDOW = "aurora-restore:window";

function windowStep(config: ValidConfig, params: PlanParams): Step {
  const r = rp(params);
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
  const r = rp(params);
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
        if (t.found && t.status === "available") return ok(`${r.targetId}: available`);
        if (t.found && t.status !== null && DEAD_DB_STATUSES.includes(t.status)) return fatal(`${r.targetId} is ${t.status} (${t.detail}): the restore failed; production was not touched`);
        if (t.found) return no(`${r.targetId}: ${t.status ?? "?"}`);
        const taken = mayHaveBeenTaken(ctx, "restore-cluster");
        if (!taken) return fatal(`RDS did not take the restore (${String(ctx.scratch["request:restore-cluster"] ?? "not sent")}; see the action above): ${r.targetId} does not exist; production was not touched`);
        return no(`${r.targetId} is not listed yet (${taken})`);
      },
    },
    onFailure:
      `Production was not touched. aws rds describe-events --region ${region} --source-type db-cluster --source-identifier ${r.targetId}. ` +
      `A restore still running after the timeout: run the same command again (it resumes and waits, without a second request; raise runbook.restoreTimeoutMinutes for a large cluster). ` +
      `A failed restore: delete ${r.targetId} (aws rds modify-db-cluster --no-deletion-protection --apply-immediately, then aws rds delete-db-cluster --skip-final-snapshot) and run again with --fresh.`,
  };
}

function createInstanceStep(config: ValidConfig, params: PlanParams): Step {
  const r = rp(params);
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
  const r = rp(params);
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

/** What is left after step 5, with this deployment's names: the move, known and unknown, and how to record it. */
export function auroraRestoreEpilogue(config: ValidConfig, params: PlanParams): string[] {
  const r = rp(params);
  const n = names(config, r.region);
  const other: RegionRole = r.region === "primary" ? "secondary" : "primary";
  const o = names(config, other);
  const otherMember = regionClusterIdentifier(config, other);
  const global = globalClusterIdentifier(config);
  const inst = auroraRestoreInstanceId(r.targetId);
  return [
    `Done: ${r.targetId} (${n.region}) holds ${r.writerId}'s data as of ${r.toTimeIso}, with its writer instance ${inst}. The app still uses ${r.writerId} (the damaged data); nothing the app uses was changed.`,
    `Moving the app to it is NOT automated (docs/dr-runbook.md, "dr restore", Aurora mode, says why with the AWS text): AWS documents removing the members from ${global} (the secondary first, the primary last) and ModifyDBCluster NewDBClusterIdentifier,`,
    `but not what an Aurora cluster endpoint does on a rename (the fleet's DB_WRITER_HOST is ${r.writerId}'s cluster endpoint), only "If you're using SSL endpoints and change the DB cluster identifier, stop and restart the DB cluster" (Aurora User Guide, "Modifying an Amazon Aurora DB cluster").`,
    `Option A (keeps the global database and DR intact; recommended for a bounded bad write): copy the destroyed rows from ${r.targetId} back into ${r.writerId} with SQL (pg_dump --data-only -t <table> from ${r.targetId}'s endpoint, then insert what is missing), fenced if the app must not write meanwhile:`,
    `  aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0`,
    `  ... copy the rows ..., then --min-size ${config.web.minSize} --desired-capacity ${params.webSize}, and \`dr status\`. ${otherMember} replicates the repaired rows like any write.`,
    `Option B (the whole cluster back to ${r.toTimeIso}; the global database is dissolved and rebuilt, no cross-region copy meanwhile; each step documented but the endpoint behaviour is not: try it on a non-production cluster first):`,
    `  1. fence: aws autoscaling update-auto-scaling-group --region ${n.region} --auto-scaling-group-name ${n.asg} --min-size 0 --desired-capacity 0 (and ${o.asg} in ${o.region}); wait runbook.clientDrainSeconds`,
    `  2. aws rds remove-from-global-cluster --region ${o.region} --global-cluster-identifier ${global} --db-cluster-identifier <ARN of ${otherMember}>   (RDS API Reference, RemoveFromGlobalCluster)`,
    `  3. aws rds remove-from-global-cluster --region ${n.region} --global-cluster-identifier ${global} --db-cluster-identifier <ARN of ${r.writerId}>   ("After you remove or delete all secondary clusters, then you can remove the primary cluster the same way": Aurora User Guide, "Removing a cluster from an Amazon Aurora global database")`,
    `  4. aws rds modify-db-cluster --region ${n.region} --db-cluster-identifier ${r.writerId} --new-db-cluster-identifier ${r.damagedId} --apply-immediately; wait until describe-db-clusters lists ${r.damagedId} available`,
    `  5. aws rds modify-db-cluster --region ${n.region} --db-cluster-identifier ${r.targetId} --new-db-cluster-identifier ${r.writerId} --apply-immediately; then stop-db-cluster / start-db-cluster (the SSL endpoint note above); resolve ${r.writerId}'s cluster endpoint and check it answers`,
    `  6. restore the fleet (--min-size ${config.web.minSize} --desired-capacity ${params.webSize}) and check a write with \`dr status\`; ${r.damagedId}: set a random master password (modify-db-cluster --master-user-password) so nothing writes to it`,
    `  7. record it: a new global cluster around the restored cluster (aws rds create-global-cluster --source-db-cluster-identifier <ARN of ${r.writerId}>) is a generation change of the stacks like the detach-and-promote path's rebuild (docs/dr-runbook.md, "Detach and promote"); plan it with npm run plan:offline and npx cdktf diff before any deploy.`,
    `Lost by design: writes acknowledged after ${r.toTimeIso}: they are only in ${r.writerId} (option A keeps them; option B leaves them in ${r.damagedId}). Reconcile before deleting anything.`,
    `${r.targetId} has deletion protection on. Not used: aws rds modify-db-cluster --region ${n.region} --db-cluster-identifier ${r.targetId} --no-deletion-protection --apply-immediately; aws rds delete-db-instance --db-instance-identifier ${inst}; aws rds delete-db-cluster --db-cluster-identifier ${r.targetId} --skip-final-snapshot.`,
    `The restored cluster's master password is the source's as of ${r.toTimeIso}: if it was rotated since, the app's secret does not open it (aws rds modify-db-cluster --master-user-password <the secret's value> --apply-immediately).`,
  ];
}

/** `dr restore`'s plan in the Aurora mode. */
export function auroraRestorePlan(config: ValidConfig, params: PlanParams): Plan {
  const r = rp(params);
  return {
    title: `restore ${r.writerId} (${names(config, r.region).region}) to ${r.toTimeIso} into a new cluster ${r.targetId} (Aurora mode: the app is not moved)`,
    params,
    steps: [preflightStep(config, params), windowStep(config, params), restoreClusterStep(config, params), createInstanceStep(config, params), verifyRestoredStep(config, params)],
    epilogue: auroraRestoreEpilogue(config, params),
  };
}
