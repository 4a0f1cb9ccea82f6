import { apiRoutes } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { passwordResetMail } from "../mail/messages";
import { firstMembership } from "../orgs/memberships";
import { changePassword } from "./password-change";
import { issuePasswordReset, RESET_TOKEN_TTL_MINUTES, redeemPasswordReset } from "./password-resets";

const forgot = implement(apiRoutes.auth.forgotPassword, {
  audit: { action: "auth.password_reset_request", resourceType: "user" },
  handler: async ({ body, deps, req, audit }) => {
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
      const token = await issuePasswordReset(deps.db, { userId: user.id, now: deps.now() });
      const link = `${deps.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
      await mailer.send(
        passwordResetMail({ to: body.email, link, expiresInMinutes: RESET_TOKEN_TTL_MINUTES }),
        req.log,
      );
      const membership = await firstMembership(deps.db, user.id);
      if (membership) audit({ orgId: membership.orgId, userId: user.id, resourceId: user.id });
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
  handler: async ({ body, deps, audit }) => {
    const { userId, email } = await redeemPasswordReset(deps.db, {
      token: body.token,
      password: body.password,
      now: deps.now(),
    });
    // Whoever was locked out of this account by failed logins has just proven they own its email.
    deps.loginLimiter.reset([`email:${email}`]);
    const membership = await firstMembership(deps.db, userId);
    if (membership) audit({ orgId: membership.orgId, userId, resourceId: userId });
    return undefined;
  },
});

const change = implement(apiRoutes.auth.changePassword, {
  audit: { action: "auth.password_change", resourceType: "user" },
  handler: async ({ auth, body, deps, req, audit }) => {
    await changePassword(deps, {
      userId: auth.user.id,
      email: auth.user.email,
      sessionId: auth.sessionId,
      ip: req.ip,
      current: body.current_password,
      next: body.new_password,
    });
    audit({ resourceId: auth.user.id });
    return undefined;
  },
});

/** Forgotten passwords (by email) and password changes. */
export const passwordRoutes = [forgot, reset, change];
