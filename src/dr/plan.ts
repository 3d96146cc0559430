import type { RegionRole, ValidConfig } from "../config";
import { dbIdentifier, readerMember } from "../database/database-tier";
import { webAsgName } from "../web/fleet";
import { albName, targetGroupName } from "../web/load-balancer";
import { failoverSwitch, switchValue } from "../dns/contract";
import { Naming } from "../lib/naming";
import type { Check, DrPlatform } from "./platform";

/**
 * The runbook's plans: ordered steps, each with its precondition, action,
 * wait condition, timeout and what to do if it fails. Plans are data: the
 * runner (runner.ts) executes them, `--dry-run` prints them, the journal
 * records them. The steps follow README "Database failover and failback
 * runbook"; the AWS calls behind them are in aws-platform.ts.
 */

export type Operation = "failover" | "failback";
export type Mode = "planned" | "unplanned";

/** Fixed when a run starts and kept in the journal, so a resumed run acts on the same instances even after the config changed. */
export interface PlanParams {
  readonly operation: Operation;
  readonly mode: Mode;
  /** Database generations when the run started. */
  readonly generations: Readonly<Record<RegionRole, number>>;
  /** Web fleet size restored after a fence (web.desiredCapacity). */
  readonly webSize: number;
  readonly backupRetentionDays: number;
  readonly maxReplicaLagSeconds: number;
}

export interface StepContext {
  readonly platform: DrPlatform;
  readonly params: PlanParams;
  /** The current config (operator steps check what the operator changed in it). */
  readonly config: ValidConfig;
  /** When an earlier step recorded an event (epoch ms), from the journal. */
  eventAt(step: string, event: "done" | "action"): number | null;
}

export interface Step {
  readonly id: string;
  readonly title: string;
  /** "runbook": the command performs the action; "operator": a person runs it (a deploy), the command checks the result. */
  readonly by: "runbook" | "operator";
  readonly precondition: { readonly text: string; readonly check?: (ctx: StepContext) => Promise<Check> };
  readonly action: { readonly text: string; readonly run?: (ctx: StepContext) => Promise<string> };
  /** timeoutSeconds 0: checked once (operator steps: do it, then run the command again). */
  readonly wait: { readonly text: string; readonly until?: (ctx: StepContext) => Promise<Check>; readonly timeoutSeconds: number };
  readonly onFailure: string;
}

export interface Plan {
  readonly title: string;
  readonly params: PlanParams;
  readonly steps: readonly Step[];
  /** Printed at the end (and by --dry-run): the config change and the deploy commands that record the new state. */
  readonly epilogue: readonly string[];
}

export function paramsFromConfig(config: ValidConfig, operation: Operation, mode: Mode): PlanParams {
  return {
    operation,
    mode,
    generations: { ...config.database.generations },
    webSize: config.web.desiredCapacity,
    backupRetentionDays: config.database.backupRetentionDays,
    maxReplicaLagSeconds: config.runbook.maxReplicaLagSeconds,
  };
}

/** Names the plan prints (the same functions the stacks name resources with). */
export function names(config: ValidConfig, role: RegionRole) {
  const regional = new Naming(config.project, config.environment, config.regions[role].region).regional;
  return {
    region: config.regions[role].region,
    regional,
    asg: webAsgName(regional),
    targetGroup: targetGroupName(regional),
    alb: albName(regional),
    writer: (generation: number) => dbIdentifier(regional, generation, "writer"),
    readers: (generation: number) => Array.from({ length: config.database.readersPerRegion }, (_, i) => dbIdentifier(regional, generation, readerMember(i))),
  };
}

const ok = (detail: string): Check => ({ ok: true, detail });
const no = (detail: string): Check => ({ ok: false, detail });
const fmtLag = (s: number | null) => (s === null ? "unknown" : `${s} s`);

// --- step building blocks (shared by failover and failback) ---------------

function fenceStep(config: ValidConfig, id: string, role: RegionRole, why: string): Step {
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
      text: `the fleet's desired size is 0 and target group ${n.targetGroup} has no target left, healthy or draining (in-flight requests have finished, so every acknowledged write is on the writer): ${why}`,
      timeoutSeconds: config.runbook.fenceTimeoutSeconds,
      until: async (ctx) => {
        const w = await ctx.platform.web(role);
        return w.desiredCapacity === 0 && w.healthyTargets === 0 && w.totalTargets === 0 ? ok(w.detail) : no(w.detail);
      },
    },
    onFailure: `Instances still serve in ${n.region}: look at the ASG's activities (aws autoscaling describe-scaling-activities --region ${n.region} --auto-scaling-group-name ${n.asg}) and for scale-in protection, then run the command again. To abort instead: scale back with --min-size ${config.web.minSize} --desired-capacity ${config.web.desiredCapacity}.`,
  };
}

function catchUpStep(config: ValidConfig, id: string, replicaRole: RegionRole, generation: number, fenceStepId: string): Step {
  const n = names(config, replicaRole);
  return {
    id,
    title: `Wait for ${n.writer(generation)} to replay every write (lag 0)`,
    by: "runbook",
    precondition: {
      text: `step ${fenceStepId} is done (no new writes), so lag 0 means nothing can be lost (RPO 0)`,
      check: async (ctx) => (ctx.eventAt(fenceStepId, "done") !== null ? ok(`${fenceStepId} done`) : no(`${fenceStepId} has not completed`)),
    },
    action: { text: "none (waits)" },
    wait: {
      text: "ReplicaLag 0 in a CloudWatch datapoint taken after the fence (local: replay LSN = source LSN); an already-promoted instance counts as caught up",
      timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
      until: async (ctx) => {
        const db = await ctx.platform.database(replicaRole, generation);
        if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer (promoted earlier in this run)`);
        return ctx.platform.replicaCaughtUp(replicaRole, generation, ctx.eventAt(fenceStepId, "done") ?? 0);
      },
    },
    onFailure: `The replica does not reach lag 0. Compare LSNs by SQL (source: SELECT pg_current_wal_lsn(); replica: SELECT pg_last_wal_replay_lsn()); if they are equal, run the command again with --confirm ${id}. To abort: restore the fenced fleet (aws autoscaling update-auto-scaling-group ... --min-size ${config.web.minSize} --desired-capacity ${config.web.desiredCapacity}).`,
  };
}

function promoteStep(config: ValidConfig, id: string, role: RegionRole, generation: number, mode: Mode): Step {
  const n = names(config, role);
  const writer = n.writer(generation);
  return {
    id,
    title: `Promote ${writer} (${n.region}) to a standalone writer`,
    by: "runbook",
    precondition: {
      text: `${writer} exists and is a replica${mode === "planned" ? " that has caught up" : ""} (or is already a writer: promoted earlier in this run)`,
      check: async (ctx) => {
        const db = await ctx.platform.database(role, generation);
        if (db.dbRole === "replica" || db.dbRole === "writer") return ok(`${db.identifier}: ${db.dbRole}, ${db.status}`);
        return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
      },
    },
    action: {
      text: `aws rds promote-read-replica --region ${n.region} --db-instance-identifier ${writer} --backup-retention-period ${config.database.backupRetentionDays} (local: SELECT pg_promote()); skipped when already promoted or promoting`,
      run: (ctx) => ctx.platform.promote(role, generation, ctx.params.backupRetentionDays),
    },
    wait: {
      text: `${writer} is a writer (no replication source) and available (aws rds wait db-instance-available)`,
      timeoutSeconds: config.runbook.promoteTimeoutSeconds,
      until: async (ctx) => {
        const db = await ctx.platform.database(role, generation);
        return db.dbRole === "writer" && db.status === "available" ? ok(`${db.identifier}: writer, available`) : no(`${db.identifier}: ${db.dbRole}, ${db.status ?? "?"}`);
      },
    },
    onFailure: `Look at aws rds describe-events --region ${n.region} --source-type db-instance --source-identifier ${writer}. Do not promote another instance. A promotion, once started, cannot be undone: run the command again to keep waiting (it does not promote twice).`,
  };
}

/** The shell command that writes the switch by hand (what setForcedFailover does). */
export function switchCommand(config: ValidConfig, forced: boolean): string {
  const sw = failoverSwitch(config);
  const dims = Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",");
  return `aws cloudwatch put-metric-data --region ${sw.region} --namespace ${sw.namespace} --metric-name ${sw.metricName} --dimensions ${dims} --value ${switchValue(config, forced)} --storage-resolution 60`;
}

function gateStep(config: ValidConfig, id: string, forced: boolean, writerRole: RegionRole, writerGeneration: number): Step {
  const sw = failoverSwitch(config);
  const n = names(config, writerRole);
  const readSwitch = `aws cloudwatch describe-alarms --region ${sw.region} --alarm-names ${sw.alarmName}`;
  return {
    id,
    title: forced ? "Force DNS to the secondary (failover switch: forced)" : "Return DNS to health-based routing (failover switch: released)",
    by: "runbook",
    precondition: {
      text: `${n.writer(writerGeneration)} is a writer, so traffic is sent where writes work`,
      check: async (ctx) => {
        const db = await ctx.platform.database(writerRole, writerGeneration);
        return db.dbRole === "writer" ? ok(`${db.identifier}: writer`) : no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
      },
    },
    action: {
      text:
        `PutMetricData in ${sw.region}: ${sw.namespace} ${sw.metricName} = ${switchValue(config, forced)} (${switchCommand(config, forced)}); ` +
        `local: the resolver's switch. A data-plane call in ${sw.region}: no Route53 API, nothing in us-east-1, no deploy. ` +
        `Record it afterwards as "dns": { "forceFailover": ${forced} } in the config (what dr status compares the switch with; no deploy changes the switch)`,
      run: (ctx) => ctx.platform.setForcedFailover(forced),
    },
    wait: {
      text: forced
        ? `the switch alarm ${sw.alarmName} (${sw.region}) is ALARM: Route53's switch checks follow it, so PRIMARY is unhealthy and SECONDARY healthy whatever either region's health; resolvers get the SECONDARY answer once their cached answer expires (TTL)`
        : `the switch alarm ${sw.alarmName} (${sw.region}) is OK: Route53 answers PRIMARY again while the primary's check passes, once resolvers' cached answers expire`,
      timeoutSeconds: config.runbook.dnsTimeoutSeconds,
      until: async (ctx) => {
        const st = await ctx.platform.failoverSwitch();
        return st.forced === forced ? ok(st.detail) : no(st.detail);
      },
    },
    onFailure:
      `The same flip by hand: ${switchCommand(config, forced)}; then ${readSwitch} (StateValue ${forced ? "ALARM" : "OK"} within a minute or two). ` +
      `The alarm is created by the dns stack (npx cdktf deploy dns); it does not need us-east-1.` +
      (forced ? " Once it is ALARM, clients still on the primary have a cached answer (TTL) or resolve through a resolver that ignores TTLs." : " Traffic returns only while the primary's Route53 check passes (`dr status`)."),
  };
}

function verifyStep(config: ValidConfig, id: string, role: RegionRole): Step {
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

function restoreFleetStep(config: ValidConfig, id: string, role: RegionRole, size: number): Step {
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

/**
 * Deletion protection off on a region's instances of one generation, so the
 * next deploy can replace them (after `afterId`, whose completion it needs).
 */
function retireStep(config: ValidConfig, id: string, role: RegionRole, generation: number, afterId: string, afterDone: string): Step {
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

// --- failover --------------------------------------------------------------

/** Failover of the database and DNS from the primary region to the secondary. */
export function failoverPlan(config: ValidConfig, params: PlanParams): Plan {
  const gP = params.generations.primary;
  const gS = params.generations.secondary;
  const p = names(config, "primary");
  const s = names(config, "secondary");
  const planned = params.mode === "planned";
  const preflight: Step = {
    id: "preflight",
    title: planned ? "Check the secondary can take over with no data loss" : "Confirm the primary is down and record the replica lag (the data at risk)",
    by: "runbook",
    precondition: {
      text: planned
        ? `${s.writer(gS)} is a replica (or already a writer after an interrupted run) and its ReplicaLag <= runbook.maxReplicaLagSeconds (${params.maxReplicaLagSeconds} s)`
        : `${s.writer(gS)} is a replica (or already a writer) and the Route53 primary check is not healthy (else use --planned: RPO 0)`,
      check: async (ctx) => {
        const db = await ctx.platform.database("secondary", gS);
        if (db.dbRole === "writer") return ok(`${db.identifier} is already a writer: resuming after its promotion`);
        if (db.dbRole !== "replica") return no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
        if (planned) {
          if (db.lagSeconds === null) return no(`${db.identifier}: replica lag unknown (${db.detail})`);
          if (db.lagSeconds > params.maxReplicaLagSeconds) return no(`${db.identifier}: replica lag ${db.lagSeconds} s > ${params.maxReplicaLagSeconds} s (runbook.maxReplicaLagSeconds)`);
          return ok(`${db.identifier}: replica, lag ${fmtLag(db.lagSeconds)}`);
        }
        const primary = (await ctx.platform.healthChecks()).find((h) => h.role === "primary");
        if (primary?.healthy === true) return no(`the primary health check is healthy (${primary.detail}): the primary region answers`);
        return ok(`${db.identifier}: replica, last lag ${fmtLag(db.lagSeconds)} (writes acknowledged in that window may be lost); primary check: ${primary ? primary.detail : "not found"}`);
      },
    },
    action: { text: "none (records what it saw in the journal)" },
    wait: { text: "none", timeoutSeconds: 0 },
    onFailure: planned
      ? "Lag too high: find what loads the replica or the link (CloudWatch ReplicaLag, WriteIOPS on the source) and try again later, or, if the primary is failing, use --unplanned. Not a replica: see `dr status`."
      : "The primary answers: use --planned (fences writes first, RPO 0). If it answers but misbehaves, run again with --confirm preflight.",
  };
  const steps: Step[] = [preflight];
  if (planned) {
    steps.push(fenceStep(config, "fence-primary", "primary", "no request reaches the old writer"));
    steps.push(catchUpStep(config, "catch-up", "secondary", gS, "fence-primary"));
  }
  steps.push(promoteStep(config, "promote", "secondary", gS, params.mode));
  steps.push(gateStep(config, "force-dns", true, "secondary", gS));
  steps.push(verifyStep(config, "verify", "secondary"));

  const epilogue = [
    `Record the new state (README "Database failover and failback runbook", Failover step 4). In your config file (DR_CONFIG):`,
    `  "database": { "drState": "failedOver", "generations": { "primary": ${gP}, "secondary": ${gS} } },`,
    `  "dns": { "forceFailover": true }`,
    `then:`,
    `  npm run synth`,
    `  npx cdktf diff secondary     # expect no resource changes (outputs dr_state, db_writer_mode): ${s.writer(gS)} is declared as the replica without its source`,
    `  npx cdktf deploy secondary`,
    `  npx cdktf diff dns           # expect no changes: the switch is a metric; Terraform manages only its alarm`,
    `Do not deploy primary while in failedOver.`,
  ];
  if (!planned) {
    epilogue.push(
      `When ${p.region} comes back, fence it before anything else (its old writer ${p.writer(gP)} is a diverged standalone database):`,
      `  aws autoscaling update-auto-scaling-group --region ${p.region} --auto-scaling-group-name ${p.asg} --min-size 0 --desired-capacity 0`,
      `  (\`dr failback\` does this as its first step.) If ${p.region} is lost for good:`,
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
  };
}

// --- failback --------------------------------------------------------------

/**
 * Failback (README "Failback to us-east-2"): rebuild the old primary as a
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
    fenceStep(config, "fence-old-primary", "primary", `the diverged writer ${p.writer(gP)} takes no writes`),
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
        text: `set "database": { "drState": "failback", "generations": { "primary": ${gP2}, "secondary": ${gS} } } (keep "dns": { "forceFailover": true }); npm run synth && npx cdktf diff primary (expect exactly: ${[p.writer(gP), ...p.readers(gP)].join(", ")} destroyed (final snapshot ${p.writer(gP)}-final), ${p.writer(gP2)} created as a cross-region replica of ${s.writer(gS)} plus ${p.readers(gP2).join(", ")}, the web launch template and Auto Scaling group updated (new endpoints); npm run plan:offline checks this plan); npx cdktf deploy primary`,
      },
      wait: { text: `${p.writer(gP2)} exists, is a replica of ${s.writer(gS)} and available (checked once: deploy, then run the command again)`, timeoutSeconds: 0, until: replicaOf("primary", gP2) },
      onFailure: "Set the config as shown, deploy primary, then run `dr failback` again: it resumes here.",
    },
    restoreFleetStep(config, "restore-primary-fleet", "primary", params.webSize),
    {
      id: "primary-in-sync",
      title: `Wait until ${p.writer(gP2)} is within runbook.maxReplicaLagSeconds`,
      by: "runbook",
      precondition: { text: "none" },
      action: { text: "none (waits)" },
      wait: {
        text: `ReplicaLag of ${p.writer(gP2)} <= ${params.maxReplicaLagSeconds} s`,
        timeoutSeconds: config.runbook.catchUpTimeoutSeconds,
        until: async (ctx) => {
          const db = await ctx.platform.database("primary", gP2);
          if (db.dbRole === "writer") return ok(`${db.identifier}: already a writer`);
          return db.lagSeconds !== null && db.lagSeconds <= params.maxReplicaLagSeconds ? ok(`${db.identifier}: lag ${db.lagSeconds} s`) : no(`${db.identifier}: lag ${fmtLag(db.lagSeconds)}`);
        },
      },
      onFailure: "A new replica first replays the backlog since it was created; wait and run again.",
    },
    fenceStep(config, "fence-secondary", "secondary", "no request reaches the writer being switched away from"),
    catchUpStep(config, "catch-up", "primary", gP2, "fence-secondary"),
    promoteStep(config, "promote-primary", "primary", gP2, "planned"),
    gateStep(config, "unforce-dns", false, "primary", gP2),
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
        text: `set "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } }, "dns": { "forceFailover": false }; npm run synth && npx cdktf diff primary (expect no resource changes, only the outputs dr_state and db_writer_mode); npx cdktf deploy primary secondary dns (the secondary: ${[s.writer(gS), ...s.readers(gS)].join(", ")} destroyed, ${s.writer(gS2)} and ${s.readers(gS2).join(", ")} created as replicas of ${p.writer(gP2)}, launch template and Auto Scaling group updated)`,
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
    epilogue: [
      `The final config (set during rebuild-secondary):`,
      `  "database": { "drState": "normal", "generations": { "primary": ${gP2}, "secondary": ${gS2} } },`,
      `  "dns": { "forceFailover": false }`,
      `Check: npm run synth && npx cdktf diff primary secondary dns   # expect no changes`,
      `Snapshot ${snapshotId} in ${p.region} holds the writes the old primary took that never replicated: reconcile them by hand, then delete it.`,
    ],
  };
}

export function buildPlan(config: ValidConfig, params: PlanParams): Plan {
  return params.operation === "failover" ? failoverPlan(config, params) : failbackPlan(config, params);
}
