import type { HeartbeatPayload } from "@syntra/contracts";
import type { AgentConnection } from "./connection";
import type { HeartbeatWriter } from "./heartbeat-writer";

/**
 * Hands a connection's heartbeat to the batch writer, at most one per half interval per connection, so an agent
 * that sends thousands at once costs one row, not thousands. Extra ones are counted on the connection and
 * reported with the next one taken. False when the heartbeat was coalesced (nothing further to do with it).
 */
export function recordCoalescedHeartbeat(
  writer: HeartbeatWriter,
  conn: AgentConnection,
  beat: HeartbeatPayload,
  now: Date,
  heartbeatSeconds: number,
): boolean {
  const at = now.getTime();
  const minGapMs = (heartbeatSeconds * 1000) / 2;
  if (conn.lastHeartbeatRecordedAt > 0 && at - conn.lastHeartbeatRecordedAt < minGapMs) {
    conn.heartbeatsCoalesced++;
    return false;
  }
  writer.record(conn.server.id, beat, now);
  conn.lastHeartbeatRecordedAt = at;
  if (conn.heartbeatsCoalesced > conn.heartbeatsReported) {
    conn.log.warn(
      { heartbeats_coalesced: conn.heartbeatsCoalesced - conn.heartbeatsReported },
      "agent sent heartbeats faster than its interval; the extra ones were coalesced",
    );
    conn.heartbeatsReported = conn.heartbeatsCoalesced;
  }
  return true;
}
