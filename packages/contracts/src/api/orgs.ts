import { z } from "zod";
import { isoTimestamp, trimmedText, uuid } from "../common";
import { orgRole } from "../rbac";

/** The current organization. */
export const organization = z.object({
  id: uuid,
  name: z.string(),
  slug: z.string(),
  owner_id: uuid,
  plan: z.string().nullable(),
  /** Email addresses are replaced before anything is sent to an AI provider (default true). */
  ai_redact_emails: z.boolean(),
  /** Tokens per UTC day for AI providers; null: the installation's default (SYNTRA_AI_DAILY_TOKENS). */
  ai_daily_token_budget: z.number().int().nonnegative().nullable(),
  /** Whether new issues are analyzed in the background. */
  ai_auto_analyze: z.boolean(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type Organization = z.infer<typeof organization>;

/** PATCH /org: its name, whether AI providers may see email addresses; at least one of them. */
export const updateOrgBody = z
  .strictObject({
    name: trimmedText(255).optional(),
    ai_redact_emails: z.boolean().optional(),
    /** Tokens per UTC day for AI providers; null returns to the installation's SYNTRA_AI_DAILY_TOKENS. */
    ai_daily_token_budget: z.number().int().min(0).max(1_000_000_000_000).nullable().optional(),
    ai_auto_analyze: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: "give name, ai_redact_emails, ai_daily_token_budget or ai_auto_analyze",
  });

/** A member of the current organization. */
export const member = z.object({
  user_id: uuid,
  email: z.string(),
  name: z.string().nullable(),
  role: orgRole,
  joined_at: isoTimestamp.nullable(),
});
export type Member = z.infer<typeof member>;

/** PATCH /org/members/:userId. */
export const updateMemberBody = z.strictObject({ role: orgRole });

/** POST /org/invitations. */
export const createInvitationBody = z.strictObject({
  email: z
    .email()
    .max(255)
    .transform((e) => e.toLowerCase()),
  role: orgRole.default("developer"),
  expires_in_days: z.number().int().min(1).max(30).default(7),
});

/** A pending invitation. */
export const invitation = z.object({
  id: uuid,
  email: z.string(),
  role: orgRole,
  invited_by: uuid.nullable(),
  created_at: isoTimestamp,
  expires_at: isoTimestamp,
});
export type Invitation = z.infer<typeof invitation>;

/**
 * Answer to POST /org/invitations: the token is shown this once. `email_sent`: the invitee was emailed the
 * link (false when no mail server is configured or the send failed; the inviter then passes the link on).
 */
export const createdInvitation = invitation.extend({
  token: z.string(),
  accept_url: z.string(),
  email_sent: z.boolean(),
});
