import type { AlertPayload } from "@syntra/contracts";
import type { Logger } from "pino";

/**
 * The agents' latest alerts per connected server, logged as summaries and kept in memory (until alerts are stored).
 */
export class RecentAlerts {
  private readonly alerts = new Map<string, AlertPayload[]>();

  constructor(private readonly kept: number) {}

  /**
   * Logs a summary of an alert of a server's agent (its message and metadata can carry application data) and keeps
   * it in that server's ring of the newest ones; each is bounded by the contract's sizes.
   */
  record(conn: { server: { id: string }; log: Logger }, alert: AlertPayload): void {
    conn.log.warn(
      {
        alert_id: alert.alert_id,
        alert_type: alert.type,
        severity: alert.severity,
        service_id: alert.service_id,
        message_length: alert.message.length,
        metadata_keys: Object.keys(alert.metadata).slice(0, 20),
        reported_at: alert.timestamp,
      },
      `agent alert: ${alert.title.slice(0, 200)}`,
    );
    const ring = this.alerts.get(conn.server.id) ?? [];
    ring.push(alert);
    if (ring.length > this.kept) ring.shift();
    this.alerts.set(conn.server.id, ring);
  }

  /** Forgets a server's alerts: its agent disconnected, or the server was deleted. */
  delete(serverId: string): void {
    this.alerts.delete(serverId);
  }

  /** A server's latest alerts, oldest first. */
  of(serverId: string): AlertPayload[] {
    return this.alerts.get(serverId) ?? [];
  }
}
