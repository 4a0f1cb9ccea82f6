import { z } from "zod";
import { isoTimestamp } from "../common";
import { reconnectSpread } from "./commands";

/**
 * `ping` payload (not in the spec's payload list; Syntra's design). An application-level ping,
 * on top of WebSocket ping frames, because proxies may answer frames themselves: only a message
 * proves the peer's event loop is alive, and it gives the control plane a round-trip time.
 * `nonce` identifies the ping; `sent_at` is when the control plane sent it; `reconnect_spread_seconds` is the
 * fleet's current reconnect spread (see `reconnectSpread`), absent from older control planes.
 */
export const pingPayload = z.object({
  nonce: z.string().min(1).max(128).optional(),
  sent_at: isoTimestamp,
  reconnect_spread_seconds: reconnectSpread,
});
export type PingPayload = z.infer<typeof pingPayload>;

/**
 * `pong` payload (Syntra's design): the agent's answer to `ping`. It echoes the ping's `nonce`;
 * `sent_at` is when the agent sent the pong, so the control plane can also estimate clock skew.
 */
export const pongPayload = z.object({
  nonce: z.string().min(1).max(128).optional(),
  sent_at: isoTimestamp,
});
export type PongPayload = z.infer<typeof pongPayload>;
