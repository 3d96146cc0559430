/**
 * The drill's scenario catalogue: each scenario of the runner (runner.ts
 * runScenario; its fault and runbook runs: scenarios/dispatch.ts), its title, what the runbook is expected to do and what the
 * scenario does (the --help text and the report's table). The point-in-time
 * restore scenarios have their own catalogue (pitr-scenario.ts PITR_SCENARIOS).
 */

/** Every drill scenario (SCENARIOS below and alert-expectations.ts ALERT_EXPECTATIONS have exactly these keys). */
export type ScenarioName =
  | "planned"
  | "unplanned"
  | "failback"
  | "db-killed"
  | "db-frozen"
  | "db-frozen-short"
  | "db-down"
  | "split-brain"
  | "app-killed"
  | "replica-paused"
  | "replica-paused-late"
  | "runbook-killed"
  | "target-killed"
  | "target-killed-before-promote"
  | "replication-cut"
  | "stale-verdict"
  | "two-operators"
  | "aurora-planned"
  | "aurora-unplanned"
  | "aurora-db-frozen"
  | "aurora-failback";

/** What the runbook is expected to do in a scenario. */
export type Expect = "failover" | "no-failover" | "refused" | "rolled-back" | "failback" | "split-brain" | "transient";

export interface ScenarioDef {
  readonly title: string;
  readonly expect: Expect;
  readonly doc: string;
}

export const SCENARIOS: Record<ScenarioName, ScenarioDef> = {
  planned: { title: "Planned switchover", expect: "failover", doc: "dr failover --planned: fence, catch-up by WAL positions, promote, force DNS" },
  unplanned: { title: "Unplanned regional failure", expect: "failover", doc: "SIGKILL of the primary's PostgreSQL, gunicorns and HAProxy, its APIs down; the region returns later" },
  failback: { title: "Failback", expect: "failback", doc: "a planned failover, then dr failback with the old primary rebuilt as a replica (and later the secondary)" },
  "db-killed": { title: "Primary database killed, web tier up", expect: "failover", doc: "SIGKILL of the primary's PostgreSQL; its apps and HAProxy keep running; the database restarts later (RDS recovery)" },
  "db-frozen": { title: "Primary database frozen, resumed right after the promotion", expect: "failover", doc: "SIGSTOP of the primary's PostgreSQL until the runbook has promoted the replica, then SIGCONT" },
  "db-frozen-short": { title: "Primary database frozen briefly", expect: "no-failover", doc: "SIGSTOP of the primary's PostgreSQL for --freeze seconds, shorter than the sustained-outage window: no failover" },
  "app-killed": { title: "One app process killed", expect: "refused", doc: "SIGKILL of one gunicorn of the primary; dr failover --unplanned is refused (Route53 sees the primary healthy)" },
  "replica-paused": { title: "Replica replay paused before a switchover", expect: "refused", doc: "pg_wal_replay_pause() on the replica, then dr failover --planned: the preflight refuses" },
  "replica-paused-late": { title: "Replica replay paused during a switchover", expect: "rolled-back", doc: "pg_wal_replay_pause() right after the preflight: the catch-up fails and the runbook rolls the fence back" },
  "db-down": { title: "Primary database down for minutes, recovered in its region", expect: "no-failover", doc: "SIGKILL of the primary's PostgreSQL, restarted after --down seconds (an in-region recovery: RDS Multi-AZ failover or reboot); the operator does not fail over and checks dr status afterwards" },
  "split-brain": { title: "Replica promoted by hand while the primary was frozen", expect: "split-brain", doc: "SIGSTOP of the primary's PostgreSQL, the replica promoted outside the runbook (pg_promote, as a console promotion would), the primary resumed: two writers; DatabaseWritableInBothRegions must fire and dr status must report the split brain" },
  "runbook-killed": { title: "Runbook process killed mid-failover", expect: "failover", doc: "SIGKILL of the runbook process right after it sent the promotion, then the same command again" },
  "target-killed": { title: "Promotion target killed right after the fence", expect: "rolled-back", doc: "dr failover --planned; SIGKILL of the replica's PostgreSQL right after the fence: the catch-up stops after a few polls and the fence is rolled back (no promotion was sent)" },
  "target-killed-before-promote": { title: "Promotion target killed just before pg_promote", expect: "rolled-back", doc: "dr failover --planned; SIGKILL of the replica's PostgreSQL right before the promotion request: a refused connection is not a promotion, the step stops after a few polls and rolls back" },
  "replication-cut": { title: "Replication cut, then the region killed", expect: "failover", doc: "the replica's WAL receiver stopped (primary_conninfo emptied) for --cut seconds, then the primary region killed: the failover completes; the writes acknowledged during the cut are lost and the runbook's RPO estimate must cover them" },
  "stale-verdict": {
    title: "Runbook suspended while the primary recovers",
    expect: "transient",
    doc: "SIGSTOP of the primary's PostgreSQL; dr failover --unplanned; SIGSTOP of the runbook process right after the outage is confirmed (at its DNS-switch step), the primary resumed, SIGCONT of the runbook --stall seconds later: it stops as transient, nothing changed (no switch left forced, no fence, no promotion)",
  },
  "two-operators": {
    title: "Two operators run the failover at once",
    expect: "failover",
    doc: "the primary region killed; three dr failover --unplanned runs 0-400 ms apart (one with its own journal folder, one sharing the first's): exactly one runs, the others are refused naming its pid; one promotion",
  },
  // The Aurora Global Database mode (database.engine "aurora-postgresql"): the same PostgreSQL pair stands in for the two member
  // clusters, the drill models the global cluster's control plane, managed switchover/failover and endpoints (src/drill/aurora.ts).
  "aurora-planned": { title: "Aurora: planned managed switchover", expect: "failover", doc: "Aurora mode: dr failover --planned: fence the fleet, SwitchoverGlobalCluster (storage fence, full sync, promotion, endpoints moved), force DNS; RPO 0" },
  "aurora-unplanned": { title: "Aurora: unplanned regional failure, managed failover", expect: "failover", doc: "Aurora mode: SIGKILL of the primary's postgres, gunicorns and haproxy, its APIs down; FailoverGlobalCluster --allow-data-loss; the region returns later (fenced, point-of-failure snapshot, rebuilt as a secondary); lost acknowledged writes counted, not asserted" },
  "aurora-db-frozen": { title: "Aurora: primary cluster frozen, resumed after the failover", expect: "failover", doc: "Aurora mode: SIGSTOP of the primary's postgres; the switchover the runbook tries first is cancelled (the old primary does not answer), then the managed failover; SIGCONT after it; RPO 0 expected" },
  "aurora-failback": { title: "Aurora: failback by switchover", expect: "failback", doc: "Aurora mode: a planned switchover, then dr failback (a switchover back; no rebuild by the operator: Aurora keeps the old primary a secondary)" },
};
export const DEFAULT_SCENARIOS = ["planned", "unplanned", "failback"];
