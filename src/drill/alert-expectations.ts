/**
 * What the drill expects of the alert rules in each scenario (the check of what
 * the real Prometheus did against it is alerts.ts checkExpectations).
 *
 * An expectation names an alert (and the region role it is about, if the
 * alert is per region) and says whether it must fire, must stay silent, or
 * is not asserted ("either", with the reason). A scenario fails when an alert
 * that must fire has not fired by its deadline, or one that must stay silent
 * fired, or was still pending when the observation ended (it would page once
 * its `for` ran out).
 */
import type { RegionRole } from "../../src/config";
import type { ScenarioName } from "./catalogue";

export type Verdict = "fires" | "silent" | "either";
/** What an alert's deadline counts from: the fault (kill, fence) or the promotion of the secondary. */
export type Anchor = "fault" | "promotion";

export interface AlertExpectation {
  readonly alert: string;
  /** The region the alert is about, by role (per-region alerts); omitted: any labels. */
  readonly region?: RegionRole;
  readonly verdict: Verdict;
  /** For "fires": what the deadline counts from. @default "fault" */
  readonly anchor?: Anchor;
  /** Why, one line (shown in docs/drill.md's table and the report). */
  readonly why: string;
}

/** Every alert of monitoring/rules/drweb-alerts.yaml (a test checks the list against the file). */
export const RULE_ALERTS = [
  "WebTargetsDown",
  "WebTooFewHealthyTargets",
  "WebTargetsMissing",
  "WebHighErrorRate",
  "WebHighLatency",
  "DatabaseUnreachable",
  "DatabaseReplicaLagHigh",
  "DatabaseRoleChanged",
  "DatabaseWritableInBothRegions",
] as const;

/** Every alert of monitoring/rules/drweb-aurora-alerts.yaml: the drill's Aurora scenarios load that file too, as the Aurora mode deploys it. */
export const AURORA_RULE_ALERTS = ["DatabaseGlobalReplicationLagHigh"] as const;

/** The Aurora rule file's alerts in an Aurora scenario: none has a series in the drill (CloudWatch metrics). */
const AURORA_LAG = { alert: "DatabaseGlobalReplicationLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (AuroraGlobalDBRPOLag) metric; the rule is loaded and evaluated" } as const;

/**
 * The expectations, one table for every scenario (docs/drill.md "Alerts in the
 * drill" prints it). Every alert of the rule file appears in every scenario.
 */
export const ALERT_EXPECTATIONS: Record<ScenarioName, readonly AlertExpectation[]> = {
  planned: [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the primary's fleet is scaled to zero: its instances leave discovery, they are not down" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "a region with no instances has no `up` series; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the secondary's targets stay discovered" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "no database is lost" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the old writer's fleet stops before the promotion: one region reports a writer" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "silent", why: "the primary's database stays a writer (fenced by its fleet, not demoted)" },
    { alert: "WebHighErrorRate", region: "primary", verdict: "silent", why: "the fence drains the primary's requests (its load balancer answers the rest, not the app)" },
    { alert: "WebHighErrorRate", region: "secondary", verdict: "either", why: "the fence fails the primary's health check, so Route53 sends clients to the secondary before its promotion: writes get 503 read-only until then (in production an RDS promotion takes minutes: expect this page)" },
    { alert: "WebHighLatency", verdict: "silent", why: "no slow requests" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  unplanned: [
    { alert: "WebTooFewHealthyTargets", region: "primary", verdict: "fires", why: "every primary instance stops answering (SIGKILL)" },
    { alert: "WebTargetsDown", region: "primary", verdict: "fires", why: "each killed instance is still discovered (the region's API is gone with it) and down" },
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "WebTargetsDown", region: "secondary", verdict: "silent", why: "the secondary's instances all answer" },
    { alert: "WebTooFewHealthyTargets", region: "secondary", verdict: "silent", why: "the secondary keeps 3 instances" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the primary's web servers died with its database: nothing reports it unreachable (Route53's check and WebTooFewHealthyTargets do)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the old writer is dead: one writer" },
    { alert: "WebHighErrorRate", verdict: "either", why: "clients that reach the secondary before its promotion get 503s on writes; whether that passes 5% for the scaled 5m depends on timing" },
    { alert: "WebHighLatency", verdict: "silent", why: "failed requests fail fast; p95 stays under 1 s" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  failback: [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the failover before the failback promotes the secondary" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "either", why: "the rebuilt primary is promoted again on the switch back; whether the role change outlasts the rebuild's own restart in the window depends on timing" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "every promotion comes after the other writer's fleet is fenced, and each old writer is rebuilt as a replica" },
    { alert: "WebTargetsDown", verdict: "silent", why: "fenced fleets leave discovery, they are not down" },
    { alert: "WebTooFewHealthyTargets", verdict: "either", why: "a rebuild restarts the region's app instances against the new database" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered or leave discovery with the fleet" },
    { alert: "DatabaseUnreachable", verdict: "either", why: "a rebuild replaces the region's database under its running app instances (a deploy would too)" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach a region before its promotion get 503 read-only" },
    { alert: "WebHighLatency", verdict: "either", why: "a rebuild (base backup) loads the machine" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "db-killed": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "silent", why: "the restarted primary database is still a writer (fenced by its fleet, then isolated)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the runbook fences the primary's fleet before the promotion: the restarted old writer has no web server reporting it" },
    { alert: "DatabaseUnreachable", region: "primary", verdict: "either", why: "the runbook fences the primary's fleet (the alert's only reporters) before the rule's 2m runs out; db-down shows it firing when nobody fails over. The page for this fault is the Route53 health-check alarm (dns-alarms stack)" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes; the fence removes them from discovery" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "scrapes succeed until the fence removes the primary's instances; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered until the fleet is fenced" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes fail until the promotion; whether that passes 5% for the scaled 5m depends on timing" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait for the database connect timeout" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "db-frozen": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "silent", why: "the resumed primary database is still a writer (fenced, then isolated)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the runbook fences the primary's fleet before the promotion: when the old writer resumes, no web server reports it (the split brain issue 15 found is prevented, not just alerted)" },
    { alert: "DatabaseUnreachable", region: "primary", verdict: "either", why: "the fence removes its reporters before the rule's 2m runs out (see db-killed)" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes; the fence removes them from discovery" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "scrapes succeed until the fence; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered until the fleet is fenced" },
    { alert: "WebHighErrorRate", verdict: "either", why: "requests to the frozen database time out until the promotion" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait on the frozen database" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "db-frozen-short": [
    { alert: "DatabaseUnreachable", verdict: "silent", why: "frozen for less than the rule's 2m: a blip is not a page" },
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "no promotion" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "no instance stops" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "silent", why: "errors last the freeze, far less than the rule's 5m" },
    { alert: "WebHighLatency", verdict: "silent", why: "slow requests last the freeze, far less than the rule's 10m" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "db-down": [
    { alert: "DatabaseUnreachable", region: "primary", verdict: "fires", why: "the primary's database is down for longer than the rule's 2m and nobody fails over" },
    { alert: "DatabaseUnreachable", region: "secondary", verdict: "silent", why: "the replica is up" },
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "no promotion; the restarted database is the same writer" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "no instance stops" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes fail while the database is down; whether that passes 5% for the scaled 5m depends on the outage's length" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait for the database connect timeout" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "split-brain": [
    { alert: "DatabaseWritableInBothRegions", verdict: "fires", anchor: "promotion", why: "the replica was promoted by hand with the old writer's fleet still serving: both regions report a writer" },
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "silent", why: "the resumed primary is still a writer" },
    { alert: "DatabaseUnreachable", verdict: "either", why: "frozen only until just after the promotion, near the rule's 2m" },
    { alert: "WebTargetsDown", verdict: "silent", why: "every app instance keeps answering its scrapes" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "no instance stops" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "either", why: "requests to the frozen database fail until it resumes" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait on the frozen database" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "app-killed": [
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "one of three instances stops: the region keeps enough healthy targets, no page for the region" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "silent", why: "the load balancer takes the killed instance out; the others serve" },
    { alert: "WebTargetsDown", region: "primary", verdict: "either", why: "a warning for the killed instance while it stays discovered (in AWS the Auto Scaling group replaces it)" },
    { alert: "WebTargetsDown", region: "secondary", verdict: "silent", why: "the secondary's instances all answer" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the databases are up" },
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "no promotion (the runbook refuses)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "WebHighLatency", verdict: "silent", why: "no slow requests" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "replica-paused": [
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "the preflight refuses: no promotion" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the databases are up" },
    { alert: "WebTargetsDown", verdict: "silent", why: "nothing stops" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "nothing stops" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "nothing stops" },
    { alert: "WebHighErrorRate", verdict: "silent", why: "the primary serves throughout" },
    { alert: "WebHighLatency", verdict: "silent", why: "no slow requests" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric (in AWS a paused replay shows as lag)" },
  ],
  "replica-paused-late": [
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "the catch-up fails and the runbook rolls back: no promotion" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the databases are up" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the fenced fleet leaves discovery and comes back; nothing is down" },
    { alert: "WebTooFewHealthyTargets", verdict: "either", why: "the primary's fleet is at 0 until the roll-back restores it" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the fence and roll-back are shorter than the rule's 5m" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach the secondary during the fence get 503 read-only" },
    { alert: "WebHighLatency", verdict: "silent", why: "no slow requests" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "stale-verdict": [
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "the runbook stops as transient: no promotion" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout" },
    { alert: "DatabaseUnreachable", verdict: "either", why: "frozen until the outage is confirmed, close to the rule's 2m on the scaled clock" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes; nothing is fenced" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "no instance stops" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "either", why: "requests to the frozen database fail until it resumes" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait on the frozen database" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "two-operators": [
    { alert: "WebTooFewHealthyTargets", region: "primary", verdict: "fires", why: "every primary instance stops answering (SIGKILL), as in unplanned" },
    { alert: "WebTargetsDown", region: "primary", verdict: "fires", why: "each killed instance is still discovered and down, as in unplanned" },
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted (once: the other runs are refused)" },
    { alert: "WebTargetsDown", region: "secondary", verdict: "silent", why: "the secondary's instances all answer" },
    { alert: "WebTooFewHealthyTargets", region: "secondary", verdict: "silent", why: "the secondary keeps 3 instances" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the primary's web servers died with its database (see unplanned)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the old writer is dead and only one run promotes: one writer" },
    { alert: "WebHighErrorRate", verdict: "either", why: "clients that reach the secondary before its promotion get 503s on writes (see unplanned)" },
    { alert: "WebHighLatency", verdict: "silent", why: "failed requests fail fast; p95 stays under 1 s" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "runbook-killed": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted (once)" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "silent", why: "the primary's database stays a writer (fenced by its fleet)" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the old writer's fleet stops before the promotion" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "no database is lost" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the fenced fleet leaves discovery" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "a region with no instances has no `up` series; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the secondary's targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach the secondary before its promotion get 503 read-only (longer here: the second run resumes)" },
    { alert: "WebHighLatency", verdict: "silent", why: "no slow requests" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "target-killed": [
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "the replica is killed right after the fence; nothing is promoted and the roll-back keeps the primary the writer" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout (the killed replica is no writer)" },
    { alert: "DatabaseUnreachable", region: "primary", verdict: "silent", why: "the primary's database is up" },
    { alert: "DatabaseUnreachable", region: "secondary", verdict: "either", why: "the secondary's app instances report their killed database; whether that outlasts the rule's 2m (scaled) before the scenario ends depends on timing" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the fenced fleet leaves discovery and comes back; the secondary's instances keep answering their scrapes" },
    { alert: "WebTooFewHealthyTargets", verdict: "either", why: "the primary's fleet is at 0 until the roll-back restores it" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the fence and roll-back are shorter than the rule's 5m" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach the secondary during the fence fail (read-only, then its database is dead)" },
    { alert: "WebHighLatency", verdict: "either", why: "requests to the secondary wait for its dead database's connect timeout" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "target-killed-before-promote": [
    { alert: "DatabaseRoleChanged", verdict: "silent", why: "the replica is killed just before pg_promote: nothing is promoted and the roll-back keeps the primary the writer" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "one writer throughout (the killed replica is no writer)" },
    { alert: "DatabaseUnreachable", region: "primary", verdict: "silent", why: "the primary's database is up" },
    { alert: "DatabaseUnreachable", region: "secondary", verdict: "either", why: "the secondary's app instances report their killed database; whether that outlasts the rule's 2m (scaled) before the scenario ends depends on timing" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the fenced fleet leaves discovery and comes back; the secondary's instances keep answering their scrapes" },
    { alert: "WebTooFewHealthyTargets", verdict: "either", why: "the primary's fleet is at 0 until the roll-back restores it" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the fence and roll-back are shorter than the rule's 5m" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach the secondary during the fence fail (read-only, then its database is dead)" },
    { alert: "WebHighLatency", verdict: "either", why: "requests to the secondary wait for its dead database's connect timeout" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
  ],
  "replication-cut": [
    { alert: "WebTooFewHealthyTargets", region: "primary", verdict: "fires", why: "every primary instance stops answering (SIGKILL)" },
    { alert: "WebTargetsDown", region: "primary", verdict: "fires", why: "each killed instance is still discovered (the region's API is gone with it) and down" },
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the secondary's replica is promoted" },
    { alert: "WebTargetsDown", region: "secondary", verdict: "silent", why: "the secondary's instances all answer" },
    { alert: "WebTooFewHealthyTargets", region: "secondary", verdict: "silent", why: "the secondary keeps 3 instances" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "the primary's web servers died with its database; the replica stays up" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the old writer is dead: one writer" },
    { alert: "WebHighErrorRate", verdict: "either", why: "clients that reach the secondary before its promotion get 503s on writes" },
    { alert: "WebHighLatency", verdict: "silent", why: "failed requests fail fast; p95 stays under 1 s" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric (in AWS the cut shows as lag, then -1)" },
  ],
  "aurora-planned": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the switchover promotes the secondary's cluster; its app finds its cluster endpoint resolving to a writer" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "either", why: "the old primary is demoted, but its fleet was fenced before: whether a stopping instance reports the change is timing" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the fleet fence, then Aurora's storage fence, before the promotion: one region reports a writer" },
    { alert: "DatabaseUnreachable", verdict: "silent", why: "no database is lost" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the primary's fleet is scaled to zero: its instances leave discovery, they are not down" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "a region with no instances has no `up` series; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "the secondary's targets stay discovered" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach the secondary before its promotion get 503 read-only" },
    { alert: "WebHighLatency", verdict: "either", why: "the old primary's rebuild (base backup) loads the machine" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
    AURORA_LAG,
  ],
  "aurora-unplanned": [
    { alert: "WebTooFewHealthyTargets", region: "primary", verdict: "fires", why: "every primary instance stops answering (SIGKILL)" },
    { alert: "WebTargetsDown", region: "primary", verdict: "fires", why: "each killed instance is still discovered (the region's API is gone with it) and down" },
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the managed failover promotes the secondary's cluster" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the returning old primary's cluster endpoint has no DNS name and Aurora fences it: its app reports it unreachable, never writer" },
    { alert: "WebTargetsDown", region: "secondary", verdict: "silent", why: "the secondary's instances all answer" },
    { alert: "WebTooFewHealthyTargets", region: "secondary", verdict: "silent", why: "the secondary keeps 3 instances" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered" },
    { alert: "DatabaseUnreachable", verdict: "either", why: "the returning region's instances report their fenced cluster unreachable until the runbook scales them to zero" },
    { alert: "WebHighErrorRate", verdict: "either", why: "clients that reach the secondary before its promotion get 503s on writes" },
    { alert: "WebHighLatency", verdict: "either", why: "the returning region's rebuild (base backup) loads the machine" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
    AURORA_LAG,
  ],
  "aurora-db-frozen": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the managed failover promotes the secondary's cluster" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "the runbook fences the primary's fleet before the failover; the resumed old primary is fenced by Aurora and has no cluster endpoint" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "either", why: "the fleet fence removes its reporters around the time the frozen database resumes" },
    { alert: "DatabaseUnreachable", region: "primary", verdict: "either", why: "the fence removes its reporters before the rule's 2m runs out (see db-killed)" },
    { alert: "WebTargetsDown", verdict: "silent", why: "the app instances keep answering their scrapes; the fence removes them from discovery" },
    { alert: "WebTooFewHealthyTargets", verdict: "silent", why: "scrapes succeed until the fence; the secondary keeps 3" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered until the fleet is fenced" },
    { alert: "WebHighErrorRate", verdict: "either", why: "requests to the frozen database time out until the failover" },
    { alert: "WebHighLatency", verdict: "either", why: "requests wait on the frozen database" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
    AURORA_LAG,
  ],
  "aurora-failback": [
    { alert: "DatabaseRoleChanged", region: "secondary", verdict: "fires", anchor: "promotion", why: "the switchover before the failback promotes the secondary's cluster" },
    { alert: "DatabaseRoleChanged", region: "primary", verdict: "either", why: "the primary's cluster is promoted again on the switch back; whether it outlasts the window is timing" },
    { alert: "DatabaseWritableInBothRegions", verdict: "silent", why: "each switchover comes after the other writer's fleet is fenced and its storage made read-only" },
    { alert: "WebTargetsDown", verdict: "silent", why: "fenced fleets leave discovery, they are not down" },
    { alert: "WebTooFewHealthyTargets", verdict: "either", why: "the restored fleet starts while the rebuild loads the machine" },
    { alert: "WebTargetsMissing", verdict: "silent", why: "targets stay discovered or leave discovery with the fleet" },
    { alert: "DatabaseUnreachable", verdict: "either", why: "each switchover rebuilds the old primary (a base backup) under its region's reader endpoint" },
    { alert: "WebHighErrorRate", verdict: "either", why: "writes that reach a region before its promotion get 503 read-only" },
    { alert: "WebHighLatency", verdict: "either", why: "a rebuild (base backup) loads the machine" },
    { alert: "DatabaseReplicaLagHigh", verdict: "either", why: "not in the drill: a CloudWatch (RDS ReplicaLag) metric" },
    AURORA_LAG,
  ],
};
