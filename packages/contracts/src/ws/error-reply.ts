import { z } from "zod";
import { wireErrorCode } from "./primitives";

// Payloads an agent may never receive are built at their first parse (z.lazy, see messages-to-agent.ts).

/**
 * `error` payload (Syntra extension of protocol 1.0; section 1 has no control plane -> agent error message):
 * the control plane's answer to a frame it refused after hello, so the agent learns what it sent wrong.
 * `message_id` is the refused frame's `id` when it had one; `issues` are the contract violations with their
 * dotted paths. Agents that predate it drop it as an unknown type, which is what they did with no reply.
 */
export const errorReplyPayload = z.lazy(() =>
  z.object({
    code: wireErrorCode,
    message: z.string(),
    message_id: z.string().max(128).optional(),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .max(20)
      .optional(),
  }),
);
export type ErrorReplyPayload = z.infer<typeof errorReplyPayload>;
