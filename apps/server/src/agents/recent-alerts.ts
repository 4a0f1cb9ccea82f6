import type { AlertPayload } from "@syntra/contracts";
import type { Logger } from "pino";

/** The agents' latest alerts per server, logged as they come and kept in memory (until alerts are stored). */
export class RecentAlerts {
  private readonly alerts = new Map<string, AlertPayload[]>();

  constructor(private readonly kept: number) {}

  /** Logs an alert of a server's agent and keeps it among that server's latest. */
  record(conn: { server: { id: string }; log: Logger }, alert: AlertPayload): void {
    conn.log.warn(
      {
        alert_id: alert.alert_id,
        alert_type: alert.type,
        severity: alert.severity,
        service_id: alert.service_id,
        title: alert.title,
        alert_message: alert.message,
        metadata: alert.metadata,
        reported_at: alert.timestamp,
      },
      `agent alert: ${alert.title}`,
    );
    const kept = [...this.of(conn.server.id), alert];
    this.alerts.set(conn.server.id, kept.slice(-this.kept));
  }

  /** A server's latest alerts, oldest first. */
  of(serverId: string): AlertPayload[] {
    return this.alerts.get(serverId) ?? [];
  }
}
