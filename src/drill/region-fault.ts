import type { DrillRegion } from "./environment";

export interface RegionReturn {
  /** How long after the kill the region comes back (--return-after, scaled), in ms. */
  readonly returnAfterMs: number;
  /** The scenario's timeline mark. */
  readonly mark: (label: string, at?: number) => void;
  /** The scenario's background tasks (awaited before its checks): the return is pushed here. */
  readonly pending: Array<Promise<void>>;
  /** Also wait for this before the return (e.g. the runbook's failover done). */
  readonly notBefore?: () => Promise<unknown>;
  /** The least time the region stays down after `notBefore`, in ms. @default 0 */
  readonly minDownMs?: number;
}

/**
 * A regional failure of the drill: SIGKILL of the region's postgres, gunicorns
 * and haproxy, its APIs stop answering (DrillRegion.killAll), marked on the
 * timeline; its return (DrillRegion.revive: database, fleet, load balancer,
 * APIs) scheduled `returnAfterMs` after the kill, and not before `notBefore`.
 * One function for every scenario that kills a region (unplanned,
 * replication-cut, two-operators, aurora-unplanned).
 */
export function killRegionAndScheduleReturn(region: DrillRegion, o: RegionReturn): void {
  region.killAll();
  o.mark(`${region.role} region killed (database, app instances, load balancer, APIs)`);
  const returnAt = Date.now() + o.returnAfterMs;
  o.pending.push(
    (async () => {
      if (o.notBefore) await o.notBefore();
      await new Promise((r) => setTimeout(r, Math.max(o.minDownMs ?? 0, returnAt - Date.now())));
      await region.revive();
      o.mark(`the old ${region.role} region is back (database, fleet, load balancer, APIs)`);
    })(),
  );
}
