import type { AlertChannelType, AlertLabels, AlertSeverity, AlertType, NotificationKind } from "@syntra/contracts";
import type { Mailer } from "../../mail/transport";

/**
 * One notification, as queued: what every channel renders in its own format. It is a snapshot of the incident when
 * the notification was made, so a retried delivery says what was true then.
 */
export interface Notification {
  kind: NotificationKind;
  /** The incident (PagerDuty's dedup key, the webhook's subject); null for a test notification. */
  incident_id: string | null;
  org_name: string;
  rule: { id: string; name: string; type: AlertType } | null;
  severity: AlertSeverity;
  title: string;
  message: string;
  labels: AlertLabels;
  value: number | null;
  fired_at: string;
  resolved_at: string | null;
  /** Who acknowledged or resolved it by hand, by name or email. */
  actor: string | null;
  /** The incident in the dashboard. */
  url: string;
  /**
   * The incident's AI summary when the notification was made: written after the firing notification, so it comes
   * with reminders, acknowledgements and the resolution.
   */
  ai_summary?: string | null;
}

/** A channel's settings with its secret opened, as a notifier needs them. */
export interface ChannelTarget {
  id: string;
  type: AlertChannelType;
  config: Record<string, unknown>;
  /** The decrypted secret (a webhook URL, a routing key, a signing secret); null for email. */
  secret: string | null;
}

/** What a notifier may use besides the target. */
export interface NotifierContext {
  fetch: typeof fetch;
  mailer: Mailer | null;
  /** The delivery's id: stable across retries (a webhook's `webhook-id`, so receivers can drop duplicates). */
  deliveryId: string;
  /** When the attempt is made. */
  now: Date;
  /** Per-request timeout. */
  timeoutMs: number;
}

/**
 * Why a delivery attempt failed. `permanent`: retrying cannot help (a 4xx such as Slack's channel_not_found), so the
 * delivery is given up at once; `retryAfterMs`: the receiver asked to wait (429 Retry-After).
 */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  constructor(
    message: string,
    readonly opts: { permanent?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

/** Sends a notification to one kind of channel. Implementations live side by side in this folder. */
export interface Notifier {
  readonly type: AlertChannelType;
  /** Sends it, or throws (a DeliveryError says whether a retry can help; anything else is retried). */
  send(target: ChannelTarget, notification: Notification, ctx: NotifierContext): Promise<void>;
}

/** `FIRING`, `RESOLVED` ...: the word subjects and headers start with. */
export function statusWord(n: Notification): string {
  switch (n.kind) {
    case "firing":
      return "FIRING";
    case "reminder":
      return "STILL FIRING";
    case "acknowledged":
      return "ACKNOWLEDGED";
    case "resolved":
      return "RESOLVED";
    case "test":
      return "TEST";
    default: {
      const never: never = n.kind;
      return String(never);
    }
  }
}

/** "web in shop on server-1": where the incident is, from its labels. */
export function whereText(labels: AlertLabels): string {
  const parts: string[] = [];
  if (labels.service_name) parts.push(labels.service_name);
  if (labels.project_name) parts.push(`in ${labels.project_name}`);
  if (labels.server_name) parts.push(`on ${labels.server_name}`);
  if (labels.domain) parts.push(labels.domain);
  return parts.join(" ");
}

/** Cuts text to at most `max` characters (code points), ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}
