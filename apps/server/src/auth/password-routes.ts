import { apiRoutes } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { passwordResetMail } from "../mail/messages";
import { firstMembership } from "../orgs/memberships";
import { changePassword } from "./password-change";
import { issuePasswordReset, RESET_TOKEN_TTL_MINUTES, redeemPasswordReset } from "./password-resets";
import { hashPassword } from "./passwords";

const forgot = implement(apiRoutes.auth.forgotPassword, {
  audit: { action: "auth.password_reset_request", resourceType: "user" },
  handler: async ({ body, deps, req, change }) => {
    const mailer = deps.mailer;
    if (!mailer) {
      throw new AppError(
        "MAIL_NOT_CONFIGURED",
        "Password reset by email is not available: this installation has no mail server. The administrator can set SYNTRA_SMTP_URL (and SYNTRA_MAIL_FROM) on the control plane.",
      );
    }
    const wait = deps.resetLimiter.take(`email:${body.email}`, `ip:${req.ip}`);
    if (wait > 0) {
      throw new AppError("RATE_LIMITED", `Too many password reset requests; try again in ${wait} s`, undefined, {
        "retry-after": String(wait),
      });
    }
    const [user] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, body.email)).limit(1);
    if (user) {
      const token = await change(async (tx, audit) => {
        const membership = await firstMembership(tx, user.id);
        if (membership) audit({ orgId: membership.orgId, userId: user.id, resourceId: user.id });
        return issuePasswordReset(tx, { userId: user.id, now: deps.now() });
      });
      // Mailed once the link works; a mail server that fails answers MAIL_FAILED (the link stays unused).
      const link = `${deps.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
      await mailer.send(
        passwordResetMail({ to: body.email, link, expiresInMinutes: RESET_TOKEN_TTL_MINUTES }),
        req.log,
      );
    } else {
      // No account, no mail; but the mail server is asked all the same, so an unusable one answers the same
      // error, in about the same time, for every address.
      await mailer.verify(req.log);
    }
    return { email: body.email, expires_in_minutes: RESET_TOKEN_TTL_MINUTES };
  },
});

const reset = implement(apiRoutes.auth.resetPassword, {
  audit: { action: "auth.password_reset", resourceType: "user" },
  handler: async ({ body, deps, change }) => {
    // Hashed before the unit of work: scrypt takes a while and must not hold the transaction.
    const passwordHash = await hashPassword(body.password);
    const { email } = await change(async (tx, audit) => {
      const redeemed = await redeemPasswordReset(tx, { token: body.token, passwordHash, now: deps.now() });
      const membership = await firstMembership(tx, redeemed.userId);
      if (membership) audit({ orgId: membership.orgId, userId: redeemed.userId, resourceId: redeemed.userId });
      return redeemed;
    });
    // Whoever was locked out of this account by failed logins has just proven they own its email.
    deps.loginLimiter.reset([`email:${email}`]);
    return undefined;
  },
});

const change = implement(apiRoutes.auth.changePassword, {
  audit: { action: "auth.password_change", resourceType: "user" },
  handler: async ({ auth, body, deps, req, audit, change }) => {
    audit({ resourceId: auth.user.id });
    await changePassword(
      deps,
      {
        userId: auth.user.id,
        email: auth.user.email,
        sessionId: auth.sessionId,
        ip: req.ip,
        current: body.current_password,
        next: body.new_password,
      },
      change,
    );
    return undefined;
  },
});

/** Forgotten passwords (by email) and password changes. */
export const passwordRoutes = [forgot, reset, change];
