import { postJson } from "./http";
import { DeliveryError, type Notification, type Notifier, statusWord, truncate, whereText } from "./types";

// Slack's documented limits (Block Kit reference): a header's text 150 characters, a section's text 3,000, a
// section's fields 10 of 2,000 each, a button's text 75 and its URL 3,000, 50 blocks; the top-level `text` (the
// notification and screen-reader fallback) is cut by Slack beyond 40,000.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const TEXT_MAX = 40_000;

const ICON: Record<Notification["kind"], string> = {
  firing: ":red_circle:",
  reminder: ":red_circle:",
  acknowledged: ":large_yellow_circle:",
  resolved: ":large_green_circle:",
  test: ":white_circle:",
};

/** Escapes the three characters Slack's mrkdwn reserves. */
export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** The incoming-webhook body: Block Kit blocks and the plain-text `text` fallback, within Slack's limits. */
export function slackMessage(n: Notification): Record<string, unknown> {
  const header = truncate(`${statusWord(n)}: ${n.title}`, HEADER_MAX);
  const where = whereText(n.labels);
  const fields = [
    `*Severity*\n${n.severity}`,
    ...(n.rule ? [`*Rule*\n${slackEscape(n.rule.name)}`] : []),
    ...(where ? [`*Where*\n${slackEscape(where)}`] : []),
    ...(n.value !== null ? [`*Value*\n${formatValue(n.value)}`] : []),
    `*Fired*\n<!date^${Math.floor(Date.parse(n.fired_at) / 1000)}^{date_short_pretty} {time}|${n.fired_at}>`,
    ...(n.actor ? [`*By*\n${slackEscape(n.actor)}`] : []),
  ].map((text) => ({ type: "mrkdwn", text: truncate(text, FIELD_MAX) }));
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: header, emoji: true } },
    {
      type: "section",
      text: { type: "mrkdwn", text: truncate(`${ICON[n.kind]} ${slackEscape(n.message || n.title)}`, SECTION_MAX) },
    },
    ...(n.ai_summary
      ? [
          {
            type: "section",
            text: { type: "mrkdwn", text: truncate(`*AI summary*\n${slackEscape(n.ai_summary)}`, SECTION_MAX) },
          },
        ]
      : []),
    { type: "section", fields: fields.slice(0, 10) },
    {
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open in Syntra" }, url: n.url.slice(0, 3000) }],
    },
    { type: "context", elements: [{ type: "mrkdwn", text: truncate(slackEscape(`Syntra · ${n.org_name}`), 3000) }] },
  ];
  const text = truncate([`${statusWord(n)}: ${n.title}`, n.message, where, n.url].filter(Boolean).join("\n"), TEXT_MAX);
  return { text, blocks };
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Slack incoming webhooks: POST the message; Slack answers 200 `ok`, or an error word (`invalid_blocks` ...). */
export const slackNotifier: Notifier = {
  type: "slack",
  async send(target, notification, ctx) {
    if (!target.secret) throw new DeliveryError("the channel has no webhook URL", { permanent: true });
    await postJson(ctx.fetch, target.secret, slackMessage(notification), { timeoutMs: ctx.timeoutMs });
  },
};
