import type { Invitation } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { organizations, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { invitationMail } from "../mail/messages";
import type { MailLog } from "../mail/transport";

/**
 * Emails an invitation to its invitee: who invites, to which organization, as which role, and the link.
 * Returns false when no mail server is configured or the send failed (logged): the invitation stands either
 * way and the inviter can pass the link on.
 */
export async function emailInvitation(
  deps: AppDeps,
  input: { invitation: Invitation; orgId: string; inviterId: string; acceptUrl: string },
  log: MailLog,
): Promise<boolean> {
  if (!deps.mailer) return false;
  const [org] = await deps.db
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, input.orgId));
  const [inviter] = await deps.db
    .select({ name: users.name, email: users.email })
    .from(users)
    .where(eq(users.id, input.inviterId));
  if (!org || !inviter) return false;
  const message = invitationMail({
    to: input.invitation.email,
    inviter: inviter.name ? `${inviter.name} (${inviter.email})` : inviter.email,
    orgName: org.name,
    role: input.invitation.role,
    link: input.acceptUrl,
    expiresAt: new Date(input.invitation.expires_at),
  });
  try {
    await deps.mailer.send(message, log);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === "MAIL_FAILED") return false;
    throw err;
  }
}
