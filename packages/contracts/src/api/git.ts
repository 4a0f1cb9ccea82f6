import { z } from "zod";

/**
 * PUT /services/:serviceId/git/credentials: an https token, or `ssh_key` to have Syntra generate a deploy key
 * (its public half is answered, to add at the git host as a read-only deploy key).
 */
export const gitCredentialsBody = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("token"),
    // The token reaches git's credential helper as a line of `password=<token>`: a line break would add fields.
    token: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces or line breaks"),
  }),
  z.strictObject({ kind: z.literal("ssh_key") }),
]);
export type GitCredentialsBody = z.infer<typeof gitCredentialsBody>;

/** A service's git credentials as shown: never the token or private key. */
export const gitCredentials = z.object({
  kind: z.enum(["none", "token", "ssh_key"]),
  /** The deploy key's public half (OpenSSH format) for `ssh_key`. */
  public_key: z.string().nullable(),
});
export type GitCredentials = z.infer<typeof gitCredentials>;

/** Where each git host posts its push events for a service. */
export const webhookUrls = z.object({ github: z.string(), gitlab: z.string(), gitea: z.string() });

/** GET /services/:serviceId/webhook. */
export const webhookInfo = z.object({
  configured: z.boolean(),
  urls: webhookUrls,
  /** Only in the answer to POST (shown once): the secret to enter at the git host. */
  secret: z.string().optional(),
});
export type WebhookInfo = z.infer<typeof webhookInfo>;

/** What a webhook delivery did, for the git host's delivery log. */
export const webhookResult = z.object({
  event: z.string(),
  /** Deployments queued by this push (one per matching service). */
  deployments: z.array(z.object({ service_id: z.string(), deployment_id: z.string() })),
  /** Services the push matched but did not deploy, with why. */
  skipped: z.array(z.object({ service_id: z.string(), reason: z.string() })),
  duplicate: z.boolean(),
});
export type WebhookResult = z.infer<typeof webhookResult>;
