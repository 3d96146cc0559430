import type { Check, WalPositions } from "./platform";
import type { Mode } from "./plan-model";
import { fatal, no, ok } from "./check-helpers";

/** The WAL-position verdicts (the RPO-0 proofs): caught up since writes stopped, not behind, replay advancing. */

// --- WAL positions (the RPO-0 proofs) ----------------------------------------

/** A PostgreSQL LSN (X/Y, hex) as a number. */
export function lsnValue(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not a WAL position: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/**
 * A message from the source's WAL sender must have arrived this long after
 * the fence (sinceMs), so that it was sent after it: a bound on the one-way
 * network delay between the regions (tens of milliseconds between us-east-2
 * and us-west-1; the reading is already early by the request's own latency).
 */
export const CATCH_UP_MARGIN_MS = 250;

/** The source still talks to the replica: a streaming WAL receiver that heard from it within its timeout. */
export function sourceAlive(p: WalPositions): boolean {
  return p.receiverStatus === "streaming" && p.lastMessageAgeSeconds !== null && (p.receiverTimeoutSeconds === null || p.lastMessageAgeSeconds < p.receiverTimeoutSeconds);
}

/**
 * Has the replica replayed everything the source acknowledged before
 * `sinceMs` (when writes stopped: the fence, or the end of the client drain)?
 *
 * The proof, from the replica's own view (pg_stat_wal_receiver): a message
 * from the source's WAL sender that left after sinceMs reports the source's
 * WAL end (latest_end_lsn: its flush position, or what it had sent when it
 * had nothing more), and the replica has received and replayed at least that
 * far. A commit is acknowledged only once flushed, so every acknowledged
 * write is below that end. "Left after sinceMs" without comparing clocks: the
 * replica gives the message's age on its own clock, and the request that read
 * it was sent at requestedAt on ours, so the message arrived after
 * requestedAt - age (minus the network delay, CATCH_UP_MARGIN_MS). An idle
 * source sends nothing by itself; the replica asks it after
 * wal_receiver_timeout / 2 of silence, so the proof comes within that.
 *
 * unplanned: when the source no longer talks (the receiver is not streaming,
 * or heard nothing within its timeout), nothing more can arrive: the replica
 * has all it will get once it has replayed what it received; what the source
 * acknowledged after that is the unplanned RPO.
 */
export function catchUpVerdict(p: WalPositions, sinceMs: number, mode: Mode): Check {
  if (!p.ok) return no(`positions could not be read: ${p.detail}`);
  if (p.inRecovery === false) return ok(`the database is already a writer (promoted earlier in this run): ${p.detail}`);
  if (p.replayPaused === true) return fatal(`WAL replay is paused on the replica (pg_is_wal_replay_paused()): it will not catch up until it is resumed (${p.detail})`);
  if (p.replayLsn === null || p.receiveLsn === null) return no(`the replica reports no received/replayed WAL position (${p.detail})`);
  const replay = lsnValue(p.replayLsn);
  const receive = lsnValue(p.receiveLsn);
  if (!sourceAlive(p)) {
    if (mode === "planned") {
      return no(
        p.receiverStatus === null
          ? `no WAL receiver visible on the replica (not connected, or the app's database user lacks pg_read_all_stats / pg_monitor): the catch-up cannot be proven (${p.detail})`
          : `the replica's WAL receiver is ${p.receiverStatus}, last message ${p.lastMessageAgeSeconds ?? "?"} s ago: the source is not streaming to it (${p.detail})`,
      );
    }
    if (replay < receive) return no(`the source no longer sends (receiver ${p.receiverStatus ?? "none"}); replaying what was received: replayed ${p.replayLsn} of ${p.receiveLsn}`);
    return ok(
      `the source no longer sends (receiver ${p.receiverStatus ?? "none"}${p.lastMessageAgeSeconds !== null ? `, last message ${p.lastMessageAgeSeconds.toFixed(1)} s ago` : ""}): ` +
        `everything received is replayed (${p.replayLsn}); writes the source acknowledged after what it sent are lost (unplanned RPO)`,
    );
  }
  const age = p.lastMessageAgeSeconds!;
  const sentAfter = p.requestedAt - age * 1000 - CATCH_UP_MARGIN_MS;
  if (sentAfter < sinceMs) {
    const ask = p.receiverTimeoutSeconds !== null ? `; the replica asks a silent source every ${p.receiverTimeoutSeconds / 2} s (wal_receiver_timeout / 2)` : "";
    return no(`waiting for a message from the source sent after writes stopped (the last one arrived ${age.toFixed(1)} s ago${ask})`);
  }
  if (p.senderLsn === null) return no(`the replica's WAL receiver does not show the source's position (${p.detail})`);
  const sender = lsnValue(p.senderLsn);
  if (receive < sender || replay < sender) return no(`the source's WAL ends at ${p.senderLsn}; the replica received ${p.receiveLsn}, replayed ${p.replayLsn}`);
  return ok(`the source's WAL ends at ${p.senderLsn} (a message sent after writes stopped, ${age.toFixed(1)} s ago) and the replica replayed ${p.replayLsn}: every acknowledged write is on the replica`);
}

/**
 * The WAL positions show the replica is not behind its source, busy or idle:
 * it streams from the source and heard from it within its
 * wal_receiver_timeout (sourceAlive), and it has received and replayed at
 * least the source's WAL end as that last message reported it
 * (pg_stat_wal_receiver.latest_end_lsn). A busy source's WAL sender reports
 * its end with every message, an idle one when the replica pings it (after
 * wal_receiver_timeout / 2 of silence), so this holds within one message of
 * the source's present.
 *
 * It is what keeps CloudWatch's ReplicaLag from vetoing a switchover at a quiet
 * hour: RDS computes a PostgreSQL replica's lag as the time since the last
 * replayed commit, so "If no user transactions are running on the source DB
 * instance, the associated PostgreSQL read replica reports a replication lag of
 * up to five minutes. The replica lag is calculated as currentTime -
 * lastCommitedTransactionTimestamp, which means that when no transactions are
 * being processed, the value of replica lag increases for a period of time
 * until the write-ahead log (WAL) segment switches" (RDS User Guide, "Working
 * with read replicas for Amazon RDS for PostgreSQL", limitations).
 */
export function replayedSourceEnd(p: WalPositions): Check {
  if (!p.ok) return no(`positions could not be read: ${p.detail}`);
  if (p.inRecovery === false) return ok(`the database is already a writer: ${p.detail}`);
  if (p.replayPaused === true) return no(`WAL replay is paused on the replica`);
  if (!sourceAlive(p)) return no(`the replica's WAL receiver is ${p.receiverStatus ?? "not visible"}${p.lastMessageAgeSeconds !== null ? `, last message ${p.lastMessageAgeSeconds.toFixed(1)} s ago` : ""}: it does not show the source's present`);
  if (p.senderLsn === null || p.receiveLsn === null || p.replayLsn === null) return no(`the replica reports no source, received or replayed WAL position (${p.detail})`);
  const sender = lsnValue(p.senderLsn);
  if (lsnValue(p.receiveLsn) < sender || lsnValue(p.replayLsn) < sender) return no(`the source's WAL ends at ${p.senderLsn} and the replica has received ${p.receiveLsn}, replayed ${p.replayLsn}: it is behind`);
  return ok(`the source's WAL ends at ${p.senderLsn} (a message ${p.lastMessageAgeSeconds!.toFixed(1)} s ago) and the replica has replayed ${p.replayLsn}: it is not behind`);
}

/** Why RDS's ReplicaLag is not trusted over the WAL positions (the preflight's and primary-in-sync's own words). */
export const IDLE_LAG_NOTE = `RDS computes a PostgreSQL replica's ReplicaLag as the time since the last replayed commit: an idle source's replica "reports a replication lag of up to five minutes" (RDS User Guide)`;

/** How many pairs of WAL samples the planned preflight takes before it refuses (a paused replay is refused at once). */
export const PREFLIGHT_REPLAY_SAMPLES = 3;

/**
 * The planned preflight's replica check, on two samples taken a poll apart:
 * a paused replay, a replica that does not stream from its source, or WAL
 * received but not replayed with replay standing still is refused (the
 * catch-up after the fence would never come).
 */
export function replayVerdict(first: WalPositions, second: WalPositions): Check {
  for (const p of [first, second]) {
    if (!p.ok) return no(`positions could not be read through the entry point: ${p.detail}`);
    if (p.replayPaused === true) return no(`WAL replay is paused on the replica (pg_is_wal_replay_paused()): resume it (SELECT pg_wal_replay_resume()) or find who paused it`);
  }
  if (second.inRecovery === false) return ok(`already a writer: ${second.detail}`);
  if (second.receiverStatus === null) return no(`no WAL receiver visible on the replica (not connected, or the app's database user lacks pg_read_all_stats / pg_monitor): a switchover could not prove RPO 0 (${second.detail})`);
  if (!sourceAlive(second)) return no(`the replica's WAL receiver is ${second.receiverStatus}, last message ${second.lastMessageAgeSeconds ?? "?"} s ago: it is not streaming from the source`);
  if (!first.replayLsn || !second.replayLsn || !second.receiveLsn) return no(`no replay position reported (${second.detail})`);
  const backlog = lsnValue(second.receiveLsn) - lsnValue(second.replayLsn);
  if (backlog > 0n && lsnValue(second.replayLsn) <= lsnValue(first.replayLsn)) {
    return no(`WAL replay is not advancing: stuck at ${second.replayLsn} with ${backlog} bytes received and not replayed (a replay conflict, a long query on the replica, or I/O)`);
  }
  return ok(`streaming from the source; replayed ${second.replayLsn}, ${backlog} bytes received and not yet replayed${backlog > 0n ? ` (replay advanced from ${first.replayLsn})` : ""}`);
}

/** A ReplicaLag datapoint older than this is not a reading of the replica now. */
export const MAX_LAG_AGE_SECONDS = 300;
