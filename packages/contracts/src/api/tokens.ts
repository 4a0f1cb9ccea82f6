import { z } from "zod";
import { isoTimestamp, trimmedText, uuid } from "../common";
import { permission } from "../rbac";

/** `syn_<type>_<random>`: usr for users, prj for project-scoped tokens, agt for agents. */
export const apiTokenPattern = /^syn_(usr|prj|agt)_[A-Za-z0-9]{32,64}$/;

/** POST /tokens. */
export const createTokenBody = z
  .strictObject({
    name: trimmedText(255),
    type: z.enum(["usr", "prj"]).default("usr"),
    project_id: uuid.optional(),
    scopes: z.array(permission).max(50).optional(),
    expires_at: isoTimestamp.optional(),
  })
  .refine((b) => (b.type === "prj") === (b.project_id !== undefined), {
    message: "project_id is required for prj tokens and not allowed otherwise",
    path: ["project_id"],
  });
export type CreateTokenBody = z.infer<typeof createTokenBody>;

/** A token as listed: never the token itself, only its prefix. */
export const apiToken = z.object({
  id: uuid,
  name: z.string(),
  type: z.enum(["usr", "prj"]),
  token_prefix: z.string(),
  project_id: uuid.nullable(),
  scopes: z.array(z.string()),
  last_used_at: isoTimestamp.nullable(),
  expires_at: isoTimestamp.nullable(),
  created_at: isoTimestamp,
});
export type ApiToken = z.infer<typeof apiToken>;

/** Answer to POST /tokens: the full token, shown this once. */
export const createdToken = apiToken.extend({ token: z.string() });
