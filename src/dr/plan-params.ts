import type { ValidConfig } from "../config";
import { failoverBudget } from "../dns/contract";
import type { Mode, Operation, PlanParams } from "./plan-model";

/** A run's parameters taken from the config when it starts (PlanParams), and the client drain they need. */

/**
 * The ALB's idle timeout (src/web/load-balancer.ts, idleTimeout 60): the
 * longest a request can stay in flight through it without a byte moving, so
 * the longest after which an answer (an acknowledged write) can still reach a
 * client that sent it before the drain began.
 */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

/**
 * After the failover switch is forced: Route53 picks the switch up (bounded
 * here by interval x threshold: AWS does not document how often a
 * CLOUDWATCH_METRIC check reads its alarm, and a health change takes seconds
 * to reach Route53's DNS servers), resolvers may serve the cached PRIMARY
 * answer for the alias TTL, and a request sent just before can be answered up
 * to the ALB idle timeout later. The drain counts from force-dns's end, which
 * waits for Route 53's own view of the switch checks when it can be read
 * (switchConfirmed): then the pick-up term is margin; when only the alarm
 * confirmed it (us-east-1 not answering), it is the bound.
 */
export function clientDrainSeconds(config: ValidConfig): number {
  if (config.runbook.clientDrainSeconds !== undefined) return config.runbook.clientDrainSeconds;
  const b = failoverBudget(config);
  return b.detectionSeconds + b.ttlSeconds + ALB_IDLE_TIMEOUT_SECONDS;
}

export function paramsFromConfig(config: ValidConfig, operation: Operation, mode: Mode): PlanParams {
  return {
    operation,
    mode,
    generations: { ...config.database.generations },
    webSize: config.web.desiredCapacity,
    backupRetentionDays: config.database.backupRetentionDays,
    maxReplicaLagSeconds: config.runbook.maxReplicaLagSeconds,
    minOutageSeconds: config.runbook.minOutageSeconds,
    clientDrainSeconds: clientDrainSeconds(config),
  };
}
