/**
 * The failback (catalogue.ts SCENARIOS): a planned failover, then dr failback in three runs around the operator's
 * two rebuild deploys. The function is the scenario's runbook runs (dispatch.ts).
 */
import { type ScenarioContext, type ScenarioRun, sleep } from "./context";

/** failback: failover --planned, then failback run 1, rebuild primary, run 2 (switch back), rebuild secondary, run 3. */
export async function failback(s: ScenarioContext): Promise<ScenarioRun> {
  const { env, primary, secondary, base, scaledConfig, ttlMs, next, runbook, spawnRunbook, mark, readiness, rel } = s;
  let outcome = "";
  let eventAt: number | undefined;
  let switchBackFrom: string | undefined;
  let fencedBefore: Set<string> | null | undefined;
  mark("switchover requested");
  const r1 = await runbook(next, "failover --planned");
  if (!r1?.ok) throw new Error(`the planned failover before the failback failed at ${r1?.failedStep}`);
  // Traffic settles on the secondary before the failback.
  await sleep(ttlMs + 1000);
  eventAt = rel(Date.now());
  mark("failback requested");
  const failedOver = scaledConfig(base, { drState: "failedOver", forceFailover: true });
  const r2 = await runbook(spawnRunbook("failback", "planned", failedOver), "failback (run 1)");
  if (r2?.failedStep !== "rebuild-primary") throw new Error(`dr failback stopped at ${r2?.failedStep ?? "the end"}, expected the rebuild-primary operator step`);
  // The operator's deploy of primary: the old primary rebuilt as a replica of the new writer (generation 2).
  await env.rebuildAsReplicaOf(primary, secondary);
  mark("operator: primary rebuilt as a replica of the secondary (deploy primary, generation 2)");
  const failback = scaledConfig(base, { drState: "failback", generations: { primary: 2, secondary: 1 }, forceFailover: true });
  const r3 = await runbook(spawnRunbook("failback", "planned", failback), "failback (run 2: switch back)");
  if (r3?.failedStep !== "rebuild-secondary") throw new Error(`dr failback stopped at ${r3?.failedStep ?? "the end"}, expected the rebuild-secondary operator step`);
  // The writer the switch back fenced: what only it holds (nothing, if the switch back lost nothing), before the rebuild wipes it.
  const fencedNow = await env.titles(secondary);
  fencedBefore = fencedNow ? new Set(fencedNow) : null;
  await env.rebuildAsReplicaOf(secondary, primary);
  mark("operator: secondary rebuilt as a replica of the primary (deploy, generation 2)");
  const normal = scaledConfig(base, { drState: "normal", generations: { primary: 2, secondary: 2 }, forceFailover: false });
  const r4 = await runbook(spawnRunbook("failback", "planned", normal), "failback (run 3)");
  outcome = r4?.ok ? "completed (3 runs: stopped at each operator deploy, resumed)" : `failed at ${r4?.failedStep}`;
  // Ready again after the failback (drState normal, both regions at generation 2).
  if (r4?.ok) await readiness("after the failback", normal, { ready: true });
  // The switch back is measured from its fence (the rebuilds before it load the writer, as a deploy would, but take no writes away).
  switchBackFrom = "fence-secondary";
  return { outcome, eventAt, switchBackFrom, fencedBefore };
}
