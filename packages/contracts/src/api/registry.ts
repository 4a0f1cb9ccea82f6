import { z } from "zod";
import { isoTimestamp, text } from "../common";

/**
 * GET /registry/token query, as Docker Registry v2 token authentication defines it: the registry's `service`,
 * and `scope` (`repository:<name>:pull,push`, repeated or space-separated). `account`, `client_id` and
 * `offline_token` are what Docker clients send besides; they change nothing.
 */
export const registryTokenQuery = z.strictObject({
  service: text(255).min(1),
  scope: z.union([text(2000), z.array(text(2000)).max(50)]).optional(),
  account: text(255).optional(),
  client_id: text(255).optional(),
  offline_token: text(10).optional(),
});
export type RegistryTokenQuery = z.infer<typeof registryTokenQuery>;

/** The token server's answer (not in the API envelope: Docker clients read these fields at the top level). */
export const registryTokenResponse = z.object({
  /** A JWT the registry accepts as `Authorization: Bearer`. */
  token: z.string(),
  /** The same token, under the OAuth 2 name. */
  access_token: z.string(),
  /** Seconds the token is valid. */
  expires_in: z.number().int().positive(),
  issued_at: isoTimestamp,
});
export type RegistryTokenResponse = z.infer<typeof registryTokenResponse>;
