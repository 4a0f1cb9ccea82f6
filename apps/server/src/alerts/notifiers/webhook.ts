import { createHmac } from "node:crypto";
import { postJson } from "./http";
import { DeliveryError, type Notification, type Notifier } from "./types";

/**
 * Standard Webhooks signature of a message: `v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under the
 * secret's key (the base64 after `whsec_`).
 */
export function standardWebhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The webhook body: Standard Webhooks' recommended `{ type, timestamp, data }`. */
export function webhookBody(n: Notification, now: Date): Record<string, unknown> {
  return { type: `alert.${n.kind}`, timestamp: now.toISOString(), data: n };
}

/** A generic HTTP webhook, signed as Standard Webhooks; `webhook-id` is the delivery's id, the same on every retry. */
export const webhookNotifier: Notifier = {
  type: "webhook",
  async send(target, notification, ctx) {
    if (!target.secret) throw new DeliveryError("the channel has no signing secret", { permanent: true });
    const body = JSON.stringify(webhookBody(notification, ctx.now));
    const timestamp = Math.floor(ctx.now.getTime() / 1000);
    await postJson(ctx.fetch, String(target.config.url), null, {
      timeoutMs: ctx.timeoutMs,
      serialized: body,
      headers: {
        "webhook-id": ctx.deliveryId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": standardWebhookSignature(target.secret, ctx.deliveryId, timestamp, body),
      },
    });
  },
};
