import type { DrState, RegionRole, ValidConfig } from "../config";
import { AURORA_GLOBAL_PRIMARY, globalClusterIdentifier, regionClusterIdentifier } from "../database/aurora-contract";
import { deployOnly, deployWithDependencies } from "./deploy-commands";
import {
  confirmOutageStep,
  drained,
  drainStep,
  fenced,
  fenceHolds,
  stillFenced,
  fenceOldPrimaryStep,
  fenceStep,
  gateStep,
  MAX_LAG_AGE_SECONDS,
  names,
  restoreFleetStep,
  switchIs,
  switchoverRollback,
  verifyStep,
  type Plan,
  type PlanParams,
  type Step,
  type StepContext,
  type StepGuard,
} from "./plan";
import type { Check, GlobalClusterState, GlobalDatabasePlatform, GlobalMemberState } from "./platform";

/**
 * The runbook's plans in the Aurora Global Database mode
 * (`database.engine: "aurora-postgresql"`, /work design: src/database/aurora-contract.ts):
 * the database moves by AWS's managed operations on the global cluster, not
 * by promoting a read replica:
 *
 * - planned failover and failback: SwitchoverGlobalCluster, which "waits for
 *   the target secondary Region clusters to be fully synchronized with the
 *   primary Region cluster" before the old primary becomes read-only, so no
 *   data is lost (RPO 0);
 * - unplanned failover: FailoverGlobalCluster with AllowDataLoss, which
 *   "doesn't wait for data to synchronize": writes not yet replicated (the RPO
 *   lag at the time) are lost; "Aurora attempts to take a snapshot of the old
 *   storage volume at the point of failure" named
 *   `rds:unplanned-global-failover-<old primary cluster>-<timestamp>` before it
 *   adds the old primary Region back as a secondary when it recovers.
 * (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
 * Database": https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html)
 *
 * The safety rules are the RDS path's, with its own step builders (plan.ts):
 * fence the old writer's fleet before a switchover (rolled back by itself when
 * nothing was taken), a sustained outage by Route53's verdict and the switch
 * plus the client drain before a failover. After the database moved, the new
 * primary region's web tier writes through its cluster endpoint only once
 * `database.drState` says so and its regional stack is deployed (an operator
 * step, checked through the region's entry point before the verification).
 */

const ok = (detail: string): Check => ({ ok: true, detail });
const no = (detail: string): Check => ({ ok: false, detail });
const fatal = (detail: string): Check => ({ ok: false, fatal: true, detail });
const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

/** The platform's global-database calls, or a clear error (the local drill platform has none). */
export function auroraOps(ctx: Pick<StepContext, "platform">): GlobalDatabasePlatform {
  const p = ctx.platform;
  if (!p.globalCluster || !p.switchoverGlobal || !p.failoverGlobal) {
    throw new Error(
      `database.engine is "aurora-postgresql", but the ${p.name} platform has no Aurora Global Database calls (globalCluster, switchoverGlobal, failoverGlobal): the Aurora plans run against AWS only (the local drill models RDS for PostgreSQL). Use the AWS platform, or engine "postgres" for the drill`,
    );
  }
  return p as unknown as GlobalDatabasePlatform;
}

export const member = (g: GlobalClusterState, role: RegionRole): GlobalMemberState | undefined => g.members.find((m) => m.role === role);

const other = (role: RegionRole): RegionRole => (role === "primary" ? "secondary" : "primary");

/** The lag a switchover or failover is judged on (ms): AuroraGlobalDBRPOLag, else AuroraGlobalDBReplicationLag. */
function lagMs(m: GlobalMemberState): number | null {
  return m.rpoLagMs ?? m.replicationLagMs;
}

/** An operation toward the target is pending or running (a cancelled one is not). */
function underWayToward(g: GlobalClusterState, m: GlobalMemberState): boolean {
  return g.failoverState !== null && g.failoverState.status !== "cancelling" && g.failoverState.toClusterArn === m.clusterArn;
}

function describeOp(g: GlobalClusterState): string {
  const f = g.failoverState;
  return f ? `a ${f.isDataLossAllowed ? "failover" : "switchover"} ${f.status} from ${f.fromClusterArn ?? "?"} to ${f.toClusterArn ?? "?"}` : "no switchover or failover under way";
}

/** The target region's member is the global cluster's writer. */
export function writerGuard(config: ValidConfig, role: RegionRole): StepGuard {
  const id = regionClusterIdentifier(config, role);
  return {
    text: `${id} (${config.regions[role].region}) is the global cluster's writer, so traffic is sent where the database writes`,
    check: async (ctx) => {
      const g = await auroraOps(ctx).globalCluster();
      const m = member(g, role);
      return m?.isWriter ? ok(`${id}: writer, ${m.status ?? "?"}`) : no(`${id}: ${m ? "secondary" : "not a member"} (${g.detail})`);
    },
  };
}

// --- requests ----------------------------------------------------------------

/** Sends (or not: see GlobalActionAttempt) a switchover or failover and records what it got (scratch), like requestPromotion. */
async function requestGlobal(ctx: StepContext, kind: "switchover" | "failover", target: RegionRole, stepId: string): Promise<string> {
  const key = `global:${stepId}`;
  const prev = ctx.scratch[key] as string | undefined;
  let outcome: string;
  let detail: string;
  try {
    const ops = auroraOps(ctx);
    const a = kind === "switchover" ? await ops.switchoverGlobal(target) : await ops.failoverGlobal(target);
    outcome = a.outcome;
    detail = a.detail;
  } catch (e) {
    // Credentials, permissions, a global cluster or target that does not exist: stop. No answer: AWS may have taken it.
    if (ctx.platform.explain?.(e)?.permanent || !ctx.platform.explain?.(e)) throw e;
    outcome = "unknown";
    detail = `no answer (${errorText(e)}): the request may have been taken`;
  }
  const taken = outcome === "requested" || outcome === "already-writer" || outcome === "in-progress";
  ctx.scratch[key] = taken ? "requested" : outcome === "unknown" ? (prev === "requested" ? "requested" : "unknown") : (prev ?? "refused");
  return `${outcome}: ${detail}`;
}

/** Roll-back safety: no switchover was (or may have been) requested, and the global cluster still has its writer where it was. */
function noSwitchoverRequested(config: ValidConfig, stepId: string, writerRole: RegionRole): StepGuard {
  const id = regionClusterIdentifier(config, writerRole);
  return {
    text: `no switchover was requested (or every request was refused) and ${id} is still the writer with no operation under way`,
    check: async (ctx) => {
      const state = ctx.scratch[`global:${stepId}`];
      if (state === "requested" || state === "unknown") return no(`a switchover was requested (or may have been: ${state}): putting the old fleet back could send writes to a cluster that is being demoted`);
      if (ctx.eventsAt(stepId, "acting").some((t) => t < ctx.runStartedAt)) return no(`an earlier run of this journal sent a switchover request: whether it was taken is unknown`);
      const g = await auroraOps(ctx).globalCluster();
      if (g.failoverState) return no(`${describeOp(g)}: not rolling back under it`);
      const w = member(g, writerRole);
      if (!w?.isWriter) return no(`${id} is not the writer any more (${g.detail})`);
      return ok(`${id} is still the writer, ${describeOp(g)}; no switchover was requested${state === "refused" ? " (every request was refused)" : ""}`);
    },
  };
}

// --- steps -------------------------------------------------------------------

/** Planned: can the target take over with no data loss (checked before anything changes). */
function switchoverPreflight(config: ValidConfig, params: PlanParams, target: RegionRole): Step {
  const tId = regionClusterIdentifier(config, target);
  const sId = regionClusterIdentifier(config, other(target));
  const maxMs = params.maxReplicaLagSeconds * 1000;
  return {
    id: "preflight",
    title: `Check ${tId} (${config.regions[target].region}) can take over with no data loss`,
    by: "runbook",
    precondition: {
      text:
        `global cluster ${globalClusterIdentifier(config)}: no switchover or failover under way (FailoverState empty), ${sId} the writer, both members available, ` +
        `${tId} SynchronizationStatus connected and its AuroraGlobalDBRPOLag known, <= runbook.maxReplicaLagSeconds (${params.maxReplicaLagSeconds} s) and sampled within ${MAX_LAG_AGE_SECONDS} s on AWS's clock ` +
        `(or, resuming: ${tId} already the writer, or a switchover toward it under way)`,
      check: async (ctx) => {
        const g = await auroraOps(ctx).globalCluster();
        if (!g.found) return no(g.detail);
        const t = member(g, target);
        const s = member(g, other(target));
        if (!t) return no(`${tId} is not a member of ${g.identifier} (${g.detail}): deploy its regional stack first`);
        if (t.isWriter) return ok(`${tId} is already the writer: resuming after the switchover`);
        if (underWayToward(g, t)) return ok(`${describeOp(g)}: resuming (the switchover step waits for it)`);
        if (g.failoverState) return no(`${describeOp(g)}: wait for it to end (aws rds describe-global-clusters --global-cluster-identifier ${g.identifier})`);
        if (!s?.isWriter) return no(`${sId} is not the writer (${g.detail}): see \`dr status\``);
        for (const m of [s, t]) if (m.status !== "available") return no(`${m.clusterIdentifier}: status ${m.status ?? "unknown"} (${m.detail}): a switchover needs both clusters available`);
        if (t.synchronizationStatus !== "connected") return no(`${tId}: SynchronizationStatus ${t.synchronizationStatus ?? "not reported"}, not connected: it is not in sync with the primary (a switchover would be refused)`);
        const lag = lagMs(t);
        if (lag === null) return no(`${tId}: lag unknown (no AuroraGlobalDBRPOLag / ReplicationLag datapoint in the last 20 minutes in ${t.region})`);
        if (t.lagSampleAgeSeconds !== null && t.lagSampleAgeSeconds > MAX_LAG_AGE_SECONDS) return no(`${tId}: the latest lag datapoint is ${Math.round(t.lagSampleAgeSeconds)} s old (AWS clock): no current reading`);
        if (lag > maxMs) return no(`${tId}: RPO lag ${lag} ms > ${maxMs} ms (runbook.maxReplicaLagSeconds): the switchover would wait that long with writes fenced`);
        return ok(`${tId}: secondary, ${t.status}, sync connected, RPO lag ${t.rpoLagMs ?? "?"} ms, replication lag ${t.replicationLagMs ?? "?"} ms; ${sId}: writer, ${s.status}`);
      },
    },
    action: { text: "none (records what it saw in the journal)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure:
      "Nothing was changed. A member not available or not in sync (pending-resync), a lag above runbook.maxReplicaLagSeconds, or an operation under way: see `dr status` and aws rds describe-global-clusters, wait and try again; if the primary region is failing, use --unplanned.",
  };
}

/**
 * A managed switchover (planned) or failover (unplanned) to `target`,
 * idempotent and resumable: the target already the writer is done, an
 * operation toward it under way is waited for (no second request), a refused
 * request is asked again at each poll; a switchover refused while the target is
 * not in sync ends the step at once (nothing changed: the roll-back restores
 * the fence).
 */
function moveStep(config: ValidConfig, id: string, kind: "switchover" | "failover", target: RegionRole, guard: StepGuard): Step {
  const tId = regionClusterIdentifier(config, target);
  const gId = globalClusterIdentifier(config);
  const tRegion = config.regions[target].region;
  const fromRegion = config.regions[other(target)].region;
  const arn = `$(aws rds describe-db-clusters --region ${tRegion} --db-cluster-identifier ${tId} --query 'DBClusters[0].DBClusterArn' --output text)`;
  const cli =
    kind === "switchover"
      ? `aws rds switchover-global-cluster --region ${fromRegion} --global-cluster-identifier ${gId} --target-db-cluster-identifier ${arn}`
      : `aws rds failover-global-cluster --region ${tRegion} --global-cluster-identifier ${gId} --target-db-cluster-identifier ${arn} --allow-data-loss`;
  const done = async (ctx: StepContext): Promise<Check> => {
    const g = await auroraOps(ctx).globalCluster();
    const t = member(g, target);
    if (!t) return no(`${tId} is not a member of ${gId} (${g.detail})`);
    if (g.failoverState?.status === "cancelling") return fatal(`${describeOp(g)}: Aurora is cancelling the ${kind} and returning both clusters to their previous roles`);
    const taken = ctx.scratch[`global:${id}`];
    if (kind === "switchover" && !t.isWriter && !g.failoverState && taken !== "requested" && taken !== "unknown" && t.synchronizationStatus !== "connected") {
      return fatal(`RDS refused the switchover and ${tId} is not in sync (SynchronizationStatus ${t.synchronizationStatus ?? "not reported"}): nothing was changed`);
    }
    if (!t.isWriter || t.status !== "available") return no(`${tId}: ${t.isWriter ? "writer" : "secondary"}, ${t.status ?? "?"}; ${describeOp(g)}`);
    // A switchover also demotes the old primary: done once no operation is left. A failover is done once the target
    // writes ("As soon as the new primary writer is promoted and available, the new primary Region's cluster can handle
    // read and write operations": Aurora User Guide); the old primary rejoins when its region recovers, later.
    if (kind === "switchover" && g.failoverState) return no(`${tId}: writer, available; ${describeOp(g)}`);
    return ok(`${tId}: writer, available; ${describeOp(g)}`);
  };
  return {
    id,
    title:
      kind === "switchover"
        ? `Switch the global cluster's primary over to ${tId} (${tRegion}): managed switchover, no data loss`
        : `Fail the global cluster over to ${tId} (${tRegion}): managed failover that allows data loss`,
    by: "runbook",
    precondition: {
      text: `${tId} is a member (already the writer, or a ${kind} toward it under way, when resuming); ${guard.text}`,
      check: async (ctx) => {
        const g = await auroraOps(ctx).globalCluster();
        const t = member(g, target);
        if (!t) return no(`${tId} is not a member of ${gId} (${g.detail})`);
        if (t.isWriter) return ok(`${tId}: already the writer`);
        if (underWayToward(g, t)) return ok(`${describeOp(g)}: resuming`);
        const c = await guard.check(ctx);
        return c.ok ? ok(`${tId}: secondary, ${t.status ?? "?"}; ${c.detail}`) : no(c.detail);
      },
    },
    action: {
      text:
        `${cli}; ` +
        (kind === "switchover"
          ? `Aurora first waits for ${tId} to be fully synchronized, then makes the old primary read-only and promotes ${tId} (RPO 0); `
          : `Aurora does not wait for ${tId} to synchronize: writes the old primary committed and had not replicated (its RPO lag at the time, recorded by preflight) are lost to the new primary; they stay in the snapshot rds:unplanned-global-failover-${regionClusterIdentifier(config, other(target))}-<timestamp> that Aurora attempts of the old volume before it adds ${fromRegion} back as a secondary; `) +
        `requested again at every poll while AWS refuses it; never again once taken, or while one toward ${tId} is under way (a resumed run waits for it)`,
      run: (ctx) => requestGlobal(ctx, kind, target, id),
    },
    wait: {
      text:
        kind === "switchover"
          ? `${tId} is the writer (IsWriter), its cluster status available, and FailoverState is empty (the old primary demoted); a cancelled switchover, or one refused while ${tId} is not in sync, fails at once`
          : `${tId} is the writer (IsWriter) and its cluster status available (the old primary rejoins later, when its region recovers)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: done,
      retry: async (ctx, acting) => {
        if (ctx.scratch[`global:${id}`] === "requested") return null;
        const g = await auroraOps(ctx).globalCluster();
        const t = member(g, target);
        if (!t || t.isWriter || g.failoverState) return null;
        acting();
        return requestGlobal(ctx, kind, target, id);
      },
    },
    onFailure:
      `aws rds describe-global-clusters --global-cluster-identifier ${gId} (FailoverState, members' SynchronizationStatus) and aws rds describe-events --region ${tRegion} --source-type db-cluster --source-identifier ${tId}. ` +
      (kind === "switchover"
        ? `Not in sync (pending-resync): nothing was changed and the fence is rolled back; wait until \`dr status\` shows it connected and run again. A switchover, once taken, completes or is cancelled by Aurora: run the same command again to keep waiting (it does not request twice).`
        : `A failover, once taken, cannot be undone: run the same command again to keep waiting (it does not request twice). Do not switch over or fail over to another cluster meanwhile.`),
  };
}

/** The operator records the new DR state and deploys: the new primary region's web tier then writes through its cluster endpoint. */
function deployStep(
  config: ValidConfig,
  id: string,
  want: { readonly drState: DrState; readonly forceFailover: boolean },
  command: string,
  diff: string,
  until: { readonly text: string; readonly check: (ctx: StepContext) => Promise<Check> },
): Step {
  const writer = AURORA_GLOBAL_PRIMARY[want.drState];
  const w = names(config, writer);
  const todo = `set "database": { "drState": "${want.drState}" }, "dns": { "forceFailover": ${want.forceFailover} } in your config (DR_CONFIG; generations unchanged); npm run synth && ${diff}; ${command}`;
  return {
    id,
    title: `Record drState "${want.drState}" and deploy: ${w.region}'s web tier writes through ${regionClusterIdentifier(config, writer)}'s cluster endpoint (a deploy you run)`,
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
    onFailure: `Do this, then run the same command again (it resumes here): ${todo}`,
  };
}

/** The region's entry point answers with a writable database (the app's readiness, no write). */
function writableThrough(config: ValidConfig, role: RegionRole): { text: string; check: (ctx: StepContext) => Promise<Check> } {
  return {
    text: `GET ${config.web.readinessPath} through ${config.regions[role].region}'s load balancer answers 200 with the database writable`,
    check: async (ctx) => {
      const p = await ctx.platform.probe(role, { write: false });
      return p.ok && p.writable === true ? ok(p.detail) : no(`${p.detail} (db_role ${p.dbRole ?? "?"}: the web tier still writes through the reader endpoint until its stack is deployed with the new drState)`);
    },
  };
}

function failoverDeploy(config: ValidConfig): Step {
  return deployStep(
    config,
    "deploy-secondary",
    { drState: "failedOver", forceFailover: true },
    `${deployOnly("secondary")} (only secondary: in failedOver the regional stacks do not depend on each other, and ${config.regions.primary.region} is not deployed in this state)`,
    `npx cdktf diff secondary (expect the outputs dr_state and db_writer_endpoint and the web launch template / Auto Scaling group updated: DB_WRITER_HOST becomes ${regionClusterIdentifier(config, "secondary")}'s cluster endpoint; no change to the clusters: AWS moved the primary)`,
    writableThrough(config, "secondary"),
  );
}

/** Unplanned, after the failover: the old primary's fleet fenced, retried until its region answers (Aurora's own write fencing is best effort). */
function fenceOldFleetStep(config: ValidConfig): Step {
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

// --- plans ---------------------------------------------------------------------

function failoverEpilogue(config: ValidConfig, planned: boolean): string[] {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const out = [
    `Recorded during deploy-secondary (config, DR_CONFIG):`,
    `  "database": { "drState": "failedOver" },`,
    `  "dns": { "forceFailover": true }`,
    `Check: npm run synth && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
    `Do not deploy primary while in failedOver: fail back with \`dr failback\` (it starts with drState "failback" and the primary stack deployed).`,
  ];
  if (planned) {
    out.push(`${pId} (${p.region}) is a secondary member of the global cluster, in sync (no data was lost); ${p.region}'s web fleet is fenced (at 0).`);
  } else {
    out.push(
      `Writes ${pId} committed and had not replicated when the failover was taken (its RPO lag then: see preflight in the journal) are not in the new primary.`,
      `When ${p.region} recovers, Aurora creates a new volume for ${pId} and adds it back as a secondary; before that it attempts a snapshot of the old volume at the point of failure (Aurora User Guide, managed failovers). Find it:`,
      `  aws rds describe-db-cluster-snapshots --region ${p.region} --query "DBClusterSnapshots[?starts_with(DBClusterSnapshotIdentifier,'rds:unplanned-global-failover-${pId}')]"`,
      `copy it to a manual snapshot (aws rds copy-db-cluster-snapshot) before anything else, restore it as a separate cluster and reconcile the lost writes by hand.`,
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
        switchoverPreflight(config, params, "secondary"),
        fenceStep(config, "fence-primary", "primary", "no request reaches the writer being switched away from"),
        moveStep(config, "switchover", "switchover", "secondary", {
          text: "the primary fleet is still fenced (checked now, not taken from the journal)",
          check: (ctx) => stillFenced(ctx, "primary"),
        }),
        gateStep(config, "force-dns", true, writerGuard(config, "secondary")),
        failoverDeploy(config),
        verifyStep(config, "verify", "secondary"),
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
  const switchForced = { text: "the failover switch is forced now (alarm read in AWS)", check: (ctx: StepContext) => switchIs(ctx, true) };
  return {
    title: `failover to ${s.region} (secondary), unplanned: Aurora Global Database managed failover (allows data loss)`,
    params,
    steps: [
      {
        id: "preflight",
        title: "Record the secondary member's state and RPO lag (the data at risk)",
        by: "runbook",
        precondition: {
          text: `${sId} is a member of the global cluster (or already its writer after an interrupted run); its AuroraGlobalDBRPOLag is recorded: writes committed on the primary within that lag are lost by the failover`,
          check: async (ctx) => {
            const g = await auroraOps(ctx).globalCluster();
            if (!g.found) return no(g.detail);
            const t = member(g, "secondary");
            if (!t) return no(`${sId} is not a member of ${g.identifier} (${g.detail})`);
            if (t.isWriter) return ok(`${sId} is already the writer: resuming after the failover`);
            return ok(
              `${sId}: secondary, ${t.status ?? "status unknown"}, sync ${t.synchronizationStatus ?? "?"}; last RPO lag ${t.rpoLagMs ?? "unknown"} ms, replication lag ${t.replicationLagMs ?? "unknown"} ms` +
                `${t.lagSampleAgeSeconds !== null ? ` (${Math.round(t.lagSampleAgeSeconds)} s old)` : ""}: writes the primary committed within that window are lost by a failover; ${describeOp(g)}`,
            );
          },
        },
        action: { text: "none (records what it saw in the journal)" },
        wait: { text: "none", timeoutSeconds: 0 },
        onFailure: "Not a member, or the global cluster cannot be read from either region: see `dr status`. If the secondary region's RDS API answers but this check cannot, --confirm preflight.",
      },
      confirmOutageStep(config, params),
      gateStep(config, "force-dns", true, {
        text: `${sId} is a member of the global cluster (it is failed over to once no client can write to the primary any more); the switch is taken first so that Route53 never sends users back to a primary that returns`,
        check: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster();
          const t = member(g, "secondary");
          return t ? ok(`${sId}: ${t.isWriter ? "writer" : "secondary"}, ${t.status ?? "?"}`) : no(`${sId} is not a member (${g.detail})`);
        },
      }),
      fenceOldPrimaryStep(config),
      drainStep(config, params),
      moveStep(config, "failover", "failover", "secondary", {
        text: "the switch is forced and the drain holds (checked now)",
        check: async (ctx) => {
          const sw = await switchForced.check(ctx);
          if (!sw.ok) return no(`the failover switch is not forced (${sw.detail})`);
          const d = await drained(ctx);
          return d.ok ? ok(d.detail) : no(d.detail);
        },
      }),
      failoverDeploy(config),
      verifyStep(config, "verify", "secondary"),
      fenceOldFleetStep(config),
    ],
    epilogue: failoverEpilogue(config, false),
  };
}

/** Failback to the primary region in the Aurora mode: a switchover back, once its cluster is a secondary member in sync again. */
export function auroraFailbackPlan(config: ValidConfig, params: PlanParams): Plan {
  const p = names(config, "primary");
  const pId = regionClusterIdentifier(config, "primary");
  const steps: Step[] = [
    deployStep(
      config,
      "deploy-primary",
      { drState: "failback", forceFailover: true },
      `${deployWithDependencies(config, ["secondary", "primary"])} (in failback primary depends on secondary: both, in that order)`,
      `npx cdktf diff primary (expect the web tier and outputs of ${p.region} in read-only mode: DB_WRITER_HOST is ${pId}'s reader endpoint; no change to the global cluster or its members: AWS made ${pId} a secondary)`,
      {
        text: `${pId} is a secondary member of the global cluster, available, SynchronizationStatus connected (Aurora re-added it after a failover; a switchover left it so)`,
        check: async (ctx) => {
          const g = await auroraOps(ctx).globalCluster();
          const m = member(g, "primary");
          if (!m) return no(`${pId} is not a member of ${g.identifier} (${g.detail})`);
          if (m.isWriter) return ok(`${pId} is already the writer: resuming after the switchover back`);
          return m.status === "available" && m.synchronizationStatus === "connected" ? ok(m.detail) : no(`${m.detail}: not yet an available member in sync (after a failover Aurora rebuilds it: minutes to hours)`);
        },
      },
    ),
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    switchoverPreflight(config, params, "primary"),
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from", "restore-secondary-fleet"),
    moveStep(config, "switchover", "switchover", "primary", {
      text: "the secondary fleet is still fenced (checked now, not taken from the journal)",
      check: (ctx) => stillFenced(ctx, "secondary"),
    }),
    gateStep(config, "unforce-dns", false, writerGuard(config, "primary")),
    deployStep(
      config,
      "deploy-normal",
      { drState: "normal", forceFailover: false },
      deployWithDependencies(config, ["primary", "secondary", "dns"]),
      `npx cdktf diff primary (expect the outputs dr_state and db_writer_endpoint and the web launch template / Auto Scaling group updated: DB_WRITER_HOST becomes ${pId}'s cluster endpoint)`,
      writableThrough(config, "primary"),
    ),
    verifyStep(config, "verify-primary", "primary"),
    restoreFleetStep(config, "restore-secondary-fleet", "secondary", params.webSize),
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
      `The final config (set during deploy-normal):`,
      `  "database": { "drState": "normal" },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary && npx cdktf diff secondary && npx cdktf diff dns   # expect no changes (cdktf diff takes one stack)`,
      `${regionClusterIdentifier(config, "secondary")} is a secondary member again (no data was lost by the switchover back).`,
    ],
  };
}

export function auroraPlan(config: ValidConfig, params: PlanParams): Plan {
  return params.operation === "failover" ? auroraFailoverPlan(config, params) : auroraFailbackPlan(config, params);
}
