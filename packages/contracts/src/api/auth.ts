import { z } from "zod";
import { isoTimestamp, text, trimmedText, uuid } from "../common";
import { orgRole } from "../rbac";

const email = z
  .email()
  .max(255)
  .transform((e) => e.toLowerCase());
const password = text(256).min(10, "must be at least 10 characters");

/** POST /auth/signup. The first user of an installation also names its organization. */
export const signupBody = z.strictObject({
  email,
  password,
  name: trimmedText(255).optional(),
  org_name: trimmedText(255).optional(),
  invite_token: text(200).min(1).optional(),
});
export type SignupBody = z.infer<typeof signupBody>;

/** POST /auth/login. */
export const loginBody = z.strictObject({ email, password: text(256).min(1) });
export type LoginBody = z.infer<typeof loginBody>;

/** A user as the API shows it (never the password hash). */
export const user = z.object({
  id: uuid,
  email: z.string(),
  name: z.string().nullable(),
  avatar_url: z.string().nullable(),
  created_at: isoTimestamp,
});
export type User = z.infer<typeof user>;

/** An organization the caller belongs to, with the caller's role in it. */
export const membershipOrg = z.object({ id: uuid, name: z.string(), slug: z.string(), role: orgRole });
export type MembershipOrg = z.infer<typeof membershipOrg>;

/** GET /me: who is calling, in which organization, with which permissions. */
export const me = z.object({
  user,
  org: membershipOrg.nullable(),
  orgs: z.array(membershipOrg),
  permissions: z.array(z.string()),
  auth_method: z.enum(["session", "token"]),
  /** False for accounts made with GitHub that never set a password: they set one without the current one. */
  has_password: z.boolean(),
});
export type Me = z.infer<typeof me>;

/** GET /auth/github: optional invitation carried through the OAuth round trip. */
export const githubStartQuery = z.strictObject({ invite_token: text(200).min(1).optional() });

/** GET /auth/github/callback. */
export const githubCallbackQuery = z.object({
  code: text(512).min(1).optional(),
  state: text(512).min(1).optional(),
  error: text(200).optional(),
  error_description: text(1000).optional(),
});

/** POST /invitations/accept: a signed-in user joins the organization that invited them. */
export const acceptInvitationBody = z.strictObject({ token: text(200).min(1) });

/** GET /auth/providers: which sign-in methods this installation offers. */
export const authProviders = z.object({ password: z.literal(true), github: z.boolean(), open_signup: z.boolean() });

/** POST /auth/password/forgot: mails a reset link if an account has this email. */
export const forgotPasswordBody = z.strictObject({ email });
export type ForgotPasswordBody = z.infer<typeof forgotPasswordBody>;

/** Answer to POST /auth/password/forgot, the same whether or not the account exists. */
export const passwordResetRequested = z.object({ email: z.string(), expires_in_minutes: z.number().int() });
export type PasswordResetRequested = z.infer<typeof passwordResetRequested>;

/** POST /auth/password/reset: the token from the emailed link and the new password (sign-up's rules). */
export const resetPasswordBody = z.strictObject({ token: text(200).min(1), password });
export type ResetPasswordBody = z.infer<typeof resetPasswordBody>;

/** PUT /me/password. The current password is required unless the account has none yet (GitHub sign-up). */
export const changePasswordBody = z.strictObject({
  current_password: text(256).min(1).optional(),
  new_password: password,
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;
