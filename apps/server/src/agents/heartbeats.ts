import type { HeartbeatPayload } from "@syntra/contracts";
import type { Db } from "../db/client";
import { recordHeartbeat } from "./agent-servers";
import type { AgentConnection } from "./connection";

/**
 * Stores a connection's heartbeat (the server's last_heartbeat_at and a metrics row), at most one per half
 * interval per connection, so an agent that sends thousands at once costs one write, not thousands. Extra ones
 * are counted on the connection and reported with the next write. False when the server no longer exists.
 */
export async function recordCoalescedHeartbeat(
  db: Db,
  conn: AgentConnection,
  beat: HeartbeatPayload,
  now: Date,
  heartbeatSeconds: number,
): Promise<boolean> {
  const at = now.getTime();
  const minGapMs = (heartbeatSeconds * 1000) / 2;
  if (conn.lastHeartbeatRecordedAt > 0 && at - conn.lastHeartbeatRecordedAt < minGapMs) {
    conn.heartbeatsCoalesced++;
    return true;
  }
  if (!(await recordHeartbeat(db, conn.server.id, beat, now))) return false;
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
