import type { ValidConfig } from "../config";
import { isAurora } from "../database/aurora-contract";
import { auroraPlan } from "./aurora-plan";
import { failbackPlan } from "./failback-plan";
import { failoverPlan } from "./failover-plan";
import type { Plan, PlanParams } from "./plan-model";
import { restorePlan } from "./restore-plan";

/**
 * The plan of a runbook run: the dispatch over the plan builders (plan.ts: RDS
 * failover and failback, and the steps the others are built from;
 * aurora-plan.ts; restore-plan.ts). Its own module so that plan.ts imports
 * none of the plans built from it (no import cycle: __tests__/house/layering.test.ts).
 */
export function buildPlan(config: ValidConfig, params: PlanParams): Plan {
  // `dr restore` (point-in-time recovery from a bad write): restore-plan.ts, built from plan.ts's steps.
  if (params.operation === "restore") return restorePlan(config, params);
  // Aurora Global Database mode: managed switchover / failover (aurora-plan.ts), built from plan.ts's steps.
  if (isAurora(config)) return auroraPlan(config, params);
  return params.operation === "failover" ? failoverPlan(config, params) : failbackPlan(config, params);
}
