import { postJson } from "./http";
import { DeliveryError, type Notification, type Notifier, statusWord, truncate, whereText } from "./types";

/**
 * The PagerDuty Events API v2 event for a notification; the incident id is the dedup key. PagerDuty escalates by
 * itself, so a reminder sends nothing, unless it carries the incident's AI summary: then it is a trigger with the
 * same dedup key, which PagerDuty folds into the open alert (no new page) and adds to its log with the summary in
 * its details. Acknowledge and resolve events carry no details in the Events API, so the summary cannot ride on them.
 */
export function pagerDutyEvent(routingKey: string, n: Notification): Record<string, unknown> | null {
  if (n.kind === "reminder" && !n.ai_summary) return null;
  const dedupKey = n.incident_id ?? `syntra-test-${n.fired_at}`;
  if (n.kind === "acknowledged" || n.kind === "resolved") {
    return {
      routing_key: routingKey,
      event_action: n.kind === "acknowledged" ? "acknowledge" : "resolve",
      dedup_key: dedupKey,
    };
  }
  const where = whereText(n.labels);
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: truncate(n.kind === "test" ? `${statusWord(n)}: ${n.title}` : n.title, 1024),
      source: truncate(n.labels.service_name ?? n.labels.server_name ?? "syntra", 255),
      severity: n.severity,
      timestamp: n.fired_at,
      ...(n.labels.project_name && { group: n.labels.project_name }),
      ...(n.labels.service_name && { component: n.labels.service_name }),
      ...(n.rule && { class: n.rule.type }),
      custom_details: {
        message: n.message,
        ...(where && { where }),
        ...(n.rule && { rule: n.rule.name }),
        ...(n.value !== null && { value: n.value }),
        ...(n.ai_summary && { ai_summary: n.ai_summary }),
        organization: n.org_name,
      },
    },
    links: [{ href: n.url, text: "Open in Syntra" }],
    client: "Syntra",
    client_url: n.url,
  };
}

/** PagerDuty Events API v2: trigger, acknowledge and resolve with the incident as dedup key (answered 202). */
export const pagerDutyNotifier: Notifier = {
  type: "pagerduty",
  async send(target, notification, ctx) {
    if (!target.secret) throw new DeliveryError("the channel has no routing key", { permanent: true });
    const event = pagerDutyEvent(target.secret, notification);
    if (!event) return;
    const url = String(target.config.events_url ?? "https://events.pagerduty.com/v2/enqueue");
    await postJson(ctx.fetch, url, event, { timeoutMs: ctx.timeoutMs });
  },
};
