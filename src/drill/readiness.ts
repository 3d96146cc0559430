// The readiness check (src/dr/readiness.ts) against the drill's local platform (issue 28 point 4): the real
// PostgreSQL pair, the real app's /readyz?wal=1, the Route53 stand-in's switch, the region stand-in's fleet. What
// the drill has no stand-in for is said: IAM (the runbook role's simulation is stubbed: every action allowed) and
// the restorable windows (the local platform has none: "not applicable").
import type { RegionRole, ValidConfig } from "../../src/config";
import { LocalPlatform, type LocalDns, type LocalRegionSite } from "../../src/dr/local-platform";
import { renderReadiness, runReadiness, type ReadinessCheckId, type ReadinessResult } from "../../src/dr/readiness";

/** The runbook role the drill's readiness names (runbook.roleArn's stand-in). */
export const DRILL_RUNBOOK_ROLE = "arn:aws:iam::000000000000:role/drill-dr-runbook";

export async function drillReadiness(config: ValidConfig, sites: Readonly<Record<RegionRole, LocalRegionSite>>, dns: LocalDns, appUser: string): Promise<ReadinessResult> {
  const platform = new LocalPlatform(config, sites, dns, {
    appUser,
    psqlTimeoutMs: 3_000,
    // Stubbed: the drill has no IAM.
    simulateRunbookRole: async (_role, actions) => actions.map((action) => ({ action, decision: "allowed" })),
  });
  return runReadiness(config, platform, { roleArn: DRILL_RUNBOOK_ROLE, readTimeoutMs: 10_000 });
}

/** The drill's check of a readiness result: ready as expected and, when not ready, the expected check failed. */
export function readinessExpectation(label: string, r: ReadinessResult, expect: { readonly ready: true } | { readonly ready: false; readonly failing: ReadinessCheckId }): [string, boolean] {
  const bad = r.checks.filter((c) => c.status !== "ok");
  const seen = r.ready ? "READY" : `NOT READY: ${bad.map((c) => `${c.id} ${c.status} (${c.detail})`).join("; ")}`;
  const want = expect.ready ? "ready" : `not ready, ${expect.failing} failed`;
  const ok = expect.ready ? r.ready : !r.ready && bad.some((c) => c.id === expect.failing && c.status === "fail");
  return [`readiness ${label}: ${want} (${seen})`, ok];
}

export { renderReadiness };
