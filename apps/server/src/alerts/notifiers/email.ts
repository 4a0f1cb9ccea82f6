import { escapeHtml } from "../../mail/messages";
import type { MailMessage } from "../../mail/transport";
import { DeliveryError, type Notification, type Notifier, statusWord, whereText } from "./types";

/**
 * The email of a notification: subject `[FIRING] title`, a plain-text body and a simple HTML one; the incident's AI
 * summary, when it has one by then, under the message.
 */
export function notificationMail(to: string, n: Notification): MailMessage {
  const subject = `[${statusWord(n)}] ${n.title}`.replace(/[\r\n\t]+/g, " ").slice(0, 200);
  const where = whereText(n.labels);
  const rows: Array<[string, string]> = [
    ["Severity", n.severity],
    ...(n.rule ? ([["Rule", n.rule.name]] as Array<[string, string]>) : []),
    ...(where ? ([["Where", where]] as Array<[string, string]>) : []),
    ...(n.value !== null ? ([["Value", String(n.value)]] as Array<[string, string]>) : []),
    ["Fired", n.fired_at],
    ...(n.resolved_at ? ([["Resolved", n.resolved_at]] as Array<[string, string]>) : []),
    ...(n.actor ? ([["By", n.actor]] as Array<[string, string]>) : []),
  ];
  const text = [
    `${statusWord(n)}: ${n.title}`,
    "",
    n.message,
    "",
    ...(n.ai_summary ? ["AI summary:", n.ai_summary, ""] : []),
    ...rows.map(([k, v]) => `${k}: ${v}`),
    "",
    n.url,
    "",
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;color:#18181b;max-width:560px;margin:0 auto;padding:24px"><h2 style="margin:0 0 12px">${escapeHtml(`${statusWord(n)}: ${n.title}`)}</h2><p>${escapeHtml(n.message)}</p>${n.ai_summary ? `<div data-ai-summary style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #6366f1;background:#f4f4f5"><strong>AI summary</strong><br>${escapeHtml(n.ai_summary)}</div>` : ""}<table style="border-collapse:collapse;font-size:14px">${rows.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0;color:#52525b">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join("")}</table><p style="margin:24px 0"><a href="${escapeHtml(n.url)}">Open in Syntra</a></p><p style="font-size:12px;color:#a1a1aa">Syntra · ${escapeHtml(n.org_name)}</p></body></html>`;
  return { to, subject, text, html };
}

/** Email through the control plane's SMTP server, one message per recipient list. */
export const emailNotifier: Notifier = {
  type: "email",
  async send(target, notification, ctx) {
    if (!ctx.mailer) throw new DeliveryError("no mail server is configured (SYNTRA_SMTP_URL)");
    const to = (target.config.to as string[] | undefined) ?? [];
    if (to.length === 0) throw new DeliveryError("the channel has no recipients", { permanent: true });
    try {
      await ctx.mailer.send(notificationMail(to.join(", "), notification));
    } catch (err) {
      throw new DeliveryError(err instanceof Error ? err.message : String(err));
    }
  },
};
