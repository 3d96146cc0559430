import type { RegionRole, ValidConfig } from "../config";
import { failoverSwitch, healthCheckParameter, switchValue } from "../dns/contract";
import { names } from "./names";
import { deployOnly } from "./deploy-commands";
import type { Check } from "./platform";
import type { Step, StepContext, StepGuard } from "./plan-model";
import { errorText, no, ok } from "./check-helpers";

/** The failover switch (a CloudWatch metric and its alarm that Route 53's switch checks follow): writing it and confirming it. */

/** Route53's verdict must be no older than this (1-minute datapoints, published with a delay). */
export const MAX_VERDICT_AGE_SECONDS = 180;

/** The shell command that writes the switch by hand (what setForcedFailover does). */
export function switchCommand(config: ValidConfig, forced: boolean): string {
  const sw = failoverSwitch(config);
  const dims = Object.entries(sw.dimensions).map(([k, v]) => `${k}=${v}`).join(",");
  return `aws cloudwatch put-metric-data --region ${sw.region} --namespace ${sw.namespace} --metric-name ${sw.metricName} --dimensions ${dims} --value ${switchValue(config, forced)} --storage-resolution 60`;
}

export async function switchIs(ctx: StepContext, forced: boolean): Promise<Check> {
  const st = await ctx.platform.failoverSwitch();
  return st.forced === forced ? ok(st.detail) : no(st.detail);
}

/** Scratch key: us-east-1 (Route 53's metrics) did not answer in this run; it is not asked again on the critical path. */
export const US_EAST_1_SILENT = "us-east-1:silent";

/** What confirmed the switch's position (SwitchConfirmation.by): the alarm and Route 53's own view of the switch checks, or the alarm alone. */
export type SwitchConfirmedBy = "route53" | "alarm-only";

/**
 * Has the failover switch reached `forced`, as far as it can be known?
 *
 * 1. The alarm (DescribeAlarms in the switch's region, us-west-1) is in the
 *    state the value puts it in: the datapoint arrived and the alarm evaluated it.
 * 2. Route 53's own view: the HealthCheckStatus metric (us-east-1) of the two
 *    checks that follow the alarm ("switch" unhealthy and "switch-forced"
 *    healthy while forced; the opposite when released), the newest datapoint
 *    of each at most MAX_VERDICT_AGE_SECONDS old on AWS's clock. Route 53
 *    "monitors the data stream for the corresponding alarm instead of
 *    monitoring the alarm state" (Route 53 Developer Guide, "How Amazon Route 53
 *    determines whether a health check is healthy"), and how often it reads it
 *    is not documented: the alarm's state alone does not show that Route 53 has
 *    followed. No Route 53 API is called (the check ids come from SSM in the
 *    handoff region).
 *
 * When Route 53's view cannot be read (us-east-1 does not answer, no
 * datapoint, a platform without it) the alarm alone confirms it, and the
 * result says so ("confirmed by the alarm only"); when it answers and still
 * shows the old position, the wait goes on (the step writes the value again).
 */
export async function switchConfirmed(ctx: StepContext, forced: boolean): Promise<Check & { readonly by?: SwitchConfirmedBy; readonly lagging?: boolean }> {
  const want = forced ? "forced" : "released";
  const st = await ctx.platform.failoverSwitch();
  if (st.forced !== forced) return { ok: false, detail: `the alarm is not ${forced ? "ALARM" : "OK"} yet (${st.detail})` };
  const alarmOnly = (why: string) => ({ ok: true, by: "alarm-only" as const, detail: `${want}: confirmed by the alarm only (${st.detail}); Route 53's view of the switch checks ${why}` });
  if (!ctx.platform.switchChecks) return alarmOnly(`cannot be read on the ${ctx.platform.name} platform`);
  if (ctx.scratch[US_EAST_1_SILENT]) return alarmOnly(`was not read: us-east-1 did not answer earlier in this run (${String(ctx.scratch[US_EAST_1_SILENT])})`);
  let r;
  try {
    r = await ctx.platform.switchChecks();
  } catch (e) {
    const cause = ctx.platform.explain?.(e);
    if (cause?.kind === "network") ctx.scratch[US_EAST_1_SILENT] = errorText(e);
    return alarmOnly(`could not be read (${cause ? cause.summary : errorText(e)})`);
  }
  if (r.switchHealthy === null || r.switchForcedHealthy === null) return alarmOnly(`has no datapoint (${r.detail})`);
  if (r.sampleAgeSeconds !== null && r.sampleAgeSeconds > MAX_VERDICT_AGE_SECONDS) return alarmOnly(`has no current datapoint (${r.detail})`);
  const follows = r.switchHealthy === !forced && r.switchForcedHealthy === forced;
  if (follows) return { ok: true, by: "route53", detail: `${want}: confirmed by the alarm and by Route 53's switch checks (${r.detail}; ${st.detail})` };
  return { ok: false, lagging: true, detail: `the alarm is ${forced ? "ALARM" : "OK"}, but Route 53's switch checks do not show it yet (${r.detail})` };
}

/**
 * The failover switch. `writer`: the region that must hold a writer first
 * (traffic goes where writes work); none for the unplanned failover, which
 * takes the gate before promoting so Route53 can never send users back to
 * a primary that comes back.
 */
export function gateStep(config: ValidConfig, id: string, forced: boolean, writer: { readonly role: RegionRole; readonly generation: number } | "before-promotion" | StepGuard): Step {
  const sw = failoverSwitch(config);
  const readSwitch = `aws cloudwatch describe-alarms --region ${sw.region} --alarm-names ${sw.alarmName}`;
  const s = names(config, "secondary");
  return {
    id,
    title: forced ? "Force DNS to the secondary (failover switch: forced)" : "Return DNS to health-based routing (failover switch: released)",
    by: "runbook",
    precondition:
      "check" in Object(writer)
        ? (writer as StepGuard)
        : writer === "before-promotion"
        ? {
            text: `the secondary's Writer is a replica or a writer (it is promoted once no client can write to the primary any more); the switch is taken first so that Route53 never sends users back to a primary that returns`,
            check: async (ctx) => {
              const db = await ctx.platform.database("secondary", ctx.params.generations.secondary);
              return db.dbRole === "replica" || db.dbRole === "writer" ? ok(`${db.identifier}: ${db.dbRole}`) : no(`${db.identifier}: ${db.dbRole} (${db.detail})`);
            },
          }
        : {
            text: `${names(config, (writer as { role: RegionRole }).role).writer((writer as { generation: number }).generation)} is a writer, so traffic is sent where writes work`,
            check: async (ctx) => {
              const w = writer as { readonly role: RegionRole; readonly generation: number };
              const db = await ctx.platform.database(w.role, w.generation);
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
      text:
        (forced
          ? `the switch alarm ${sw.alarmName} (${sw.region}) is ALARM and Route 53's own view of its two switch checks follows it ("switch" unhealthy, "switch-forced" healthy: their HealthCheckStatus in us-east-1, ids from SSM in ${sw.region}), so PRIMARY is unhealthy and SECONDARY healthy whatever either region's health; resolvers get the SECONDARY answer once their cached answer expires (TTL)`
          : `the switch alarm ${sw.alarmName} (${sw.region}) is OK and Route 53's view of its two switch checks follows it ("switch" healthy, "switch-forced" unhealthy): Route53 answers PRIMARY again while the primary's check passes, once resolvers' cached answers expire`) +
        `. The value is written again once a minute while the alarm does not show it (a lost datapoint) or Route 53's checks lag behind it; when Route 53's view cannot be read (us-east-1 does not answer, no datapoint) the alarm alone confirms it and the step says "confirmed by the alarm only"`,
      timeoutSeconds: config.runbook.dnsTimeoutSeconds,
      until: async (ctx) => {
        const c = await switchConfirmed(ctx, forced);
        ctx.scratch[`switch:${id}:lagging`] = c.lagging === true;
        if (c.ok) ctx.scratch[`switch:${id}:by`] = c.by;
        return c;
      },
      retry: async (ctx, acting) => {
        // Once a switch period (60 s: the alarm evaluates one datapoint a minute) has passed since the last write
        // without the alarm showing the value (a lost datapoint), or with Route 53's checks still behind it: write it
        // again, so the alarm and the data stream Route 53 reads get a current datapoint (a repeated value changes
        // nothing: the alarm takes each minute's Maximum).
        const last = ctx.eventAt(id, "action") ?? 0;
        const lagging = ctx.scratch[`switch:${id}:lagging`] === true;
        if (ctx.clock.now() - last < sw.periodSeconds * 1000) return null;
        acting();
        return `written again (${lagging ? "Route 53's switch checks lag behind the alarm" : "the alarm does not show it"}): ${await ctx.platform.setForcedFailover(forced)}`;
      },
    },
    recheck: { text: `the switch is still ${forced ? "forced" : "released"} (alarm in ${s.region}, not the journal)`, check: (ctx) => switchIs(ctx, forced) },
    onFailure:
      `The same flip by hand: ${switchCommand(config, forced)}; then ${readSwitch} (StateValue ${forced ? "ALARM" : "OK"} within a minute or two) and Route 53's view of the switch checks: ` +
      `aws cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/Route53 --metric-name HealthCheckStatus --dimensions Name=HealthCheckId,Value=$(aws ssm get-parameter --region ${sw.region} --name ${healthCheckParameter(config, "switch")} --query Parameter.Value --output text) --statistics Minimum --period 60 --start-time <10 minutes ago> --end-time <now> ` +
      `(${forced ? "0 once forced" : "1 once released"}). If the alarm shows it and Route 53's checks never do, the checks do not follow the alarm (dns stack: the switch checks' alarm name and region). ` +
      `The alarm is created by the dns stack (${deployOnly("dns")}: only dns, which finds the regions' load balancers by the names they published, so the regional stacks it depends on are not redeployed mid-incident); it does not need us-east-1.` +
      (forced ? " Once it is ALARM, clients still on the primary have a cached answer (TTL) or resolve through a resolver that ignores TTLs." : " Traffic returns only while the primary's Route53 check passes (`dr status`)."),
  };
}
