/**
 * The RDS runbook's plans, split by concern (issue 29 point 4):
 *   plan-model.ts       the step/plan model, StepContext, requests that cannot be taken back
 *   plan-params.ts      PlanParams from the config, the client drain
 *   wal-verdicts.ts     the WAL-position verdicts (catch-up, not behind, replay advancing)
 *   fence-steps.ts      fence a region's writes, wait for the catch-up
 *   promote-step.ts     promote a replica (journaled requests, a dead target)
 *   switch-step.ts      the failover switch (write it, confirm it)
 *   shared-steps.ts     verify, restore a fleet, roll a switchover back, retire instances
 *   unplanned-steps.ts  the unplanned failover's steps
 *   failover-plan.ts    failoverPlan
 *   failback-plan.ts    failbackPlan
 * This file only re-exports them: nothing in this repository imports it (each
 * importer names the module it needs); it stays so that branches written
 * against the former plan.ts still compile when merged. Import from the
 * modules above in new code.
 */
export * from "./plan-model";
export * from "./plan-params";
export * from "./wal-verdicts";
export * from "./fence-steps";
export * from "./promote-step";
export * from "./switch-step";
export * from "./shared-steps";
export * from "./unplanned-steps";
export * from "./failover-plan";
export * from "./failback-plan";
export { names } from "./names";
