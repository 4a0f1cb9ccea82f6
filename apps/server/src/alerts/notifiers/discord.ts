import { postJson } from "./http";
import { DeliveryError, type Notification, type Notifier, statusWord, truncate, whereText } from "./types";

// Discord's documented embed limits: title 256, description 4,096, 25 fields (name 256, value 1,024), footer 2,048,
// and 6,000 characters in all of an embed's text; `content` 2,000.
const COLOUR: Record<Notification["kind"], number> = {
  firing: 0xdc2626,
  reminder: 0xdc2626,
  acknowledged: 0xd97706,
  resolved: 0x16a34a,
  test: 0x6b7280,
};

/**
 * The Discord webhook body: one embed, within Discord's limits (the incident's AI summary, when it has one by then,
 * as its first field); mentions in user text are never pinged.
 */
export function discordMessage(n: Notification): Record<string, unknown> {
  const title = truncate(`${statusWord(n)}: ${n.title}`, 256);
  const where = whereText(n.labels);
  const fields = [
    ...(n.ai_summary ? [{ name: "AI summary", value: truncate(n.ai_summary, 1024), inline: false }] : []),
    { name: "Severity", value: n.severity, inline: true },
    ...(n.rule ? [{ name: "Rule", value: truncate(n.rule.name, 1024), inline: true }] : []),
    ...(where ? [{ name: "Where", value: truncate(where, 1024), inline: true }] : []),
    ...(n.value !== null ? [{ name: "Value", value: String(n.value), inline: true }] : []),
    ...(n.actor ? [{ name: "By", value: truncate(n.actor, 1024), inline: true }] : []),
  ];
  const footer = truncate(`Syntra · ${n.org_name}`, 200);
  const used = title.length + footer.length + fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
  const description = truncate(n.message || n.title, Math.min(4096, 6000 - used - 10));
  return {
    content: truncate(`${statusWord(n)}: ${n.title}`, 2000),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title,
        description,
        url: n.url,
        color: COLOUR[n.kind],
        timestamp: n.resolved_at ?? n.fired_at,
        fields,
        footer: { text: footer },
      },
    ],
  };
}

/** Discord channel webhooks: POST the message; Discord answers 204 (or 200 with ?wait=true). */
export const discordNotifier: Notifier = {
  type: "discord",
  async send(target, notification, ctx) {
    if (!target.secret) throw new DeliveryError("the channel has no webhook URL", { permanent: true });
    await postJson(ctx.fetch, target.secret, discordMessage(notification), { timeoutMs: ctx.timeoutMs });
  },
};
