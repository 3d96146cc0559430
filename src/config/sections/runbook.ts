/**
 * The config's runbook section: thresholds and timeouts of the `dr` runbook
 * command (src/dr/), its RTO targets and its IAM role.
 */
import { z } from "zod";

/** A whole number of minutes from 1 to `max` for runbook.rtoTargetMinutes.<key>, each error naming the field and the fix. */
export function rtoTargetMinutes(key: string, max: number, example: number) {
  const fix = `Fix: give a whole number from 1 to ${max}, e.g. ${example} (runbook.rtoTargetMinutes.${key})`;
  return z
    .number({ message: `must be a number of minutes. ${fix}` })
    .int({ message: `must be a whole number of minutes. ${fix}` })
    .min(1, { message: `must be at least 1 minute(s). ${fix}` })
    .max(max, { message: `must be at most ${max} minutes. ${fix}` });
}

export const runbookSchema = z.strictObject({
  /**
   * Planned failover precondition (and failback's primary-in-sync): the replica's CloudWatch ReplicaLag (seconds)
   * may be at most this before writes are fenced, unless the WAL positions show the replica at its source's WAL
   * end (an idle source's replica reports up to five minutes of lag: docs/dr-runbook.md, "The idle lag").
   */
  maxReplicaLagSeconds: z.number().min(0).max(3600),
  /** Seconds to wait for writes to stop on the old primary (web fleet scaled to zero, targets drained). */
  fenceTimeoutSeconds: z.number().int().min(1).max(7200),
  /** Seconds to wait, once writes are fenced, for the replica to replay everything (lag 0). */
  catchUpTimeoutSeconds: z.number().int().min(1).max(7200),
  /** Seconds to wait for a promoted replica to be available and writable (RDS: usually 5-15 minutes). */
  promoteTimeoutSeconds: z.number().int().min(1).max(7200),
  /** Seconds to wait for the failover switch to reach its new state: its alarm (ALARM forced, OK released) and, when it can be read, Route 53's view of the switch checks. */
  dnsTimeoutSeconds: z.number().int().min(1).max(7200),
  /** Seconds to wait for the new primary region to serve writes (/readyz db_role writer). */
  verifyTimeoutSeconds: z.number().int().min(1).max(7200),
  /** Seconds between two polls of a wait. */
  pollIntervalSeconds: z.number().min(0.01).max(300),
  /**
   * Unplanned failover: Route53's verdict on the primary (its HealthCheckStatus
   * metric) must have been unhealthy this long, without a break, before
   * anything is changed; a shorter fault ends the run with nothing changed.
   */
  minOutageSeconds: z.number().min(0).max(3600),
  /**
   * Unplanned failover: after the failover switch is forced, how long a
   * client may still hold the primary's answer and have a request in
   * flight there (Route53 interval x threshold + alias TTL + ALB idle
   * timeout). The new writer is promoted only after it, unless the old
   * region is provably fenced (no instance of its fleet runs).
   * @default - derived from dns.healthCheck: interval x threshold + 60 s TTL + 60 s ALB idle timeout
   */
  clientDrainSeconds: z.number().min(0).max(7200).optional(),
  /**
   * `dr restore`: minutes to wait for RestoreDBInstanceToPointInTime's new instance to be available. A restore
   * replays the transaction logs since the last backup, so it takes longer with the database's size and the
   * logs to replay (docs/dr-runbook.md, "dr restore").
   */
  restoreTimeoutMinutes: z
    .number({ message: "must be a number of minutes. Fix: give a whole number from 10 to 2880, e.g. 240" })
    .int({ message: "must be a whole number of minutes. Fix: give a whole number from 10 to 2880, e.g. 240" })
    .min(10, { message: "must be at least 10 minutes (an RDS restore takes longer than that). Fix: give 10 to 2880, e.g. 240" })
    .max(2880, { message: "must be at most 2880 minutes (48 h). Fix: give 10 to 2880, e.g. 240" }),
  /** Folder (relative to the working directory) of the runbook's journal files (resume after an interruption). */
  journalDir: z.string().min(1),
  /**
   * The RTO each `dr` run's report (src/dr/run-report.ts) measures against: minutes from the run's start to the
   * first write the runbook verified in the region it activated (the verify step's successful write). Defaults
   * and their sources: docs/dr-runbook.md, "Run reports".
   */
  rtoTargetMinutes: z.strictObject({
    /** `dr failover --planned`. */
    failoverPlanned: rtoTargetMinutes("failoverPlanned", 1440, 20),
    /** `dr failover --unplanned` (the run starts once Route53 saw the outage; it waits the sustained-outage window and the client drain). */
    failoverUnplanned: rtoTargetMinutes("failoverUnplanned", 1440, 30),
    /** `dr failback` (rebuilds the primary's replica before switching back). */
    failback: rtoTargetMinutes("failback", 2880, 180),
    /** `dr restore` (the point-in-time restore itself: runbook.restoreTimeoutMinutes). */
    restore: rtoTargetMinutes("restore", 2880, 300),
  }),
  /**
   * Buckets each `dr` run's report is uploaded to (S3 PutObject, key `dr-reports/<operation>/<run start>.json` and
   * `.md`), in the region the run activated: `secondary` for a failover, `primary` for a failback, the restore's
   * region for a restore. Each regional stack creates its region's bucket (src/dr/report-bucket.ts) named
   * `<project>-<environment>-<region code>-dr-reports`, or this name when set (for a derived name taken in S3's
   * global namespace). Set both to turn the upload on (docs/dr-runbook.md, "Run reports"). A failed upload is
   * printed and never fails the run.
   * @default - none: the stacks create the derived names; the report stays next to the journal only
   */
  reportBucket: z
    .strictObject({
      /** The report bucket in the primary region (failback runs, restores there). */
      primary: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens). Fix: name the bucket in the primary region, e.g. drweb-prod-dr-reports-use2").optional(),
      /** The report bucket in the secondary region (failover runs, restores there). */
      secondary: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens). Fix: name the bucket in the secondary region, e.g. drweb-prod-dr-reports-usw1").optional(),
    })
    .optional(),
  /**
   * `dr status` (and the BackupRestorableLagHigh alert through `dr status --publish-metrics`): warn when a
   * region's latest restorable time (the writer's own automated backups, or their copy replicated into the other
   * region) is more than this many minutes behind now. RDS uploads transaction logs every 5 minutes, so
   * LatestRestorableTime is normally up to 5 minutes behind (RDS User Guide, "Restoring a DB instance to a
   * specified time"); a limit of 5 or less would warn all the time (docs/dr-runbook.md, "dr status").
   */
  maxRestorableLagMinutes: z
    .number()
    .int("must be a whole number of minutes")
    .min(6, "must be at least 6: RDS uploads transaction logs every 5 minutes, so the latest restorable time is normally up to 5 minutes behind and a lower limit warns all the time. Fix: set runbook.maxRestorableLagMinutes to 15 (the default) or more")
    .max(1440, "must be at most 1440 (a day): a larger lag means point-in-time recovery is broken. Fix: set runbook.maxRestorableLagMinutes to 15 (the default) or up to 1440"),
  /**
   * `dr readiness`: the IAM role operators assume to run the runbook; its permissions are simulated
   * (iam:SimulatePrincipalPolicy) over the runbook's actions (src/dr/runbook-actions.ts). Set it from the
   * ci-identity stack's output `runbook_role_arn` (runbook.role.enabled: docs/dr-runbook.md, "The runbook role").
   * Not set: the permissions check fails and says to set it (docs/dr-runbook.md, "readiness").
   */
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, "must be an IAM role ARN. Fix: give arn:aws:iam::<12-digit account>:role/<name>, the role operators assume to run `dr`")
    .optional(),
  /**
   * The runbook's role as code (src/dr/runbook-role.ts, in the ci-identity stack: IAM is global): the IAM role
   * `<project>-<environment>-dr-runbook` with exactly the runbook's actions (src/dr/runbook-actions.ts), scoped to
   * the project's resources. Set runbook.roleArn from the stack's output `runbook_role_arn` (docs/dr-runbook.md,
   * "The runbook role").
   */
  role: z.strictObject({
    /** Create the role (builds the ci-identity stack even with ci.enabled false). */
    enabled: z.boolean(),
    /**
     * Who may assume the role (sts:AssumeRole): IAM ARNs of users, roles or an account root
     * (arn:aws:iam::<account>:root lets that account's IAM policies decide). Required when the role is enabled.
     * @default - none
     */
    trustedPrincipalArns: z.array(z.string()),
    /**
     * Require MFA for sts:AssumeRole (aws:MultiFactorAuthPresent true). IAM users that signed in with MFA carry
     * it; a role session (IAM Identity Center, a chained role) does not, so turn it off when only roles are trusted.
     * @default - true
     */
    requireMfa: z.boolean(),
    /** Longest session of the role (seconds, 3600-43200: IAM MaxSessionDuration); a failback takes hours. */
    maxSessionSeconds: z
      .number()
      .int({ message: "must be a whole number of seconds. Fix: give 3600 to 43200, e.g. 14400" })
      .min(3600, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" })
      .max(43200, { message: "must be 3600-43200 (IAM MaxSessionDuration). Fix: e.g. 14400" }),
  }),
  /**
   * The deployed readiness checker (docs/dr-runbook.md, "The deployed checker"): a Lambda function in the
   * secondary region running `dr readiness` on an EventBridge Scheduler schedule, publishing the Ready metric,
   * and an alarm on it to the secondary region's alert topic (src/dr/readiness-checker.ts).
   */
  readiness: z.strictObject({
    /**
     * Deploy the checker (function, schedule, alarm) with the secondary stack.
     * @default true
     */
    enabled: z.boolean({ message: "must be true or false. Fix: set runbook.readiness.enabled to true (the default) or false" }),
    /**
     * How often it runs: an EventBridge Scheduler expression, rate(<n> minutes|hours|days) or a 6-field
     * cron(...) ("Schedule types on EventBridge Scheduler"). The alarm's period follows a rate (missing data is
     * breaching, so a rate longer than the alarm's window alarms between runs: keep it at most 60 minutes).
     * @default "rate(5 minutes)"
     */
    schedule: z
      .string()
      .regex(
        /^(rate\((1 (minute|hour|day)|[1-9]\d* (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/,
        "must be an EventBridge Scheduler expression. Fix: give rate(5 minutes) (the default), rate(<n> minutes|hours) or cron(<6 fields>) (runbook.readiness.schedule)",
      ),
  }),
});
