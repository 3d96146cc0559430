/**
 * What the drill models of production, in one place: the app's database user, how soon an app instance notices
 * a role change, and the ALB target group's health check, deregistration delay and idle timeout (the values of
 * src/web/load-balancer.ts, which HAProxy stands in for).
 */

/** The app's database role: the stand-in for the RDS master user the app signs in with. */
export const APP_USER = "drweb";

/** The app's background role check in the drill (production: 15 s), seconds. */
export function appRolePollSeconds(scale: number): number {
  return Math.max(0.5, 15 * scale);
}

/** The app's database connect timeout in the drill, seconds (DB_CONNECT_TIMEOUT). */
export const APP_CONNECT_TIMEOUT_SECONDS = 1;

/** How long an app instance can take to report a role change: one role poll plus a connect timeout. */
export function appRoleNoticeSeconds(scale: number): number {
  return appRolePollSeconds(scale) + APP_CONNECT_TIMEOUT_SECONDS;
}

/** The ALB target group's health check (src/web/load-balancer.ts): every 15 s, 2 to flip. */
export const ALB_HEALTH = { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 2 };
/** The target group's deregistration delay (src/web/load-balancer.ts, 30 s): how long a stopping instance may finish its requests before it is killed. */
export const ALB_DEREGISTRATION_SECONDS = 30;
/** The ALB's idle timeout (src/web/load-balancer.ts, 60 s): HAProxy's server timeout stands in for it. */
export const ALB_IDLE_SECONDS = 60;
