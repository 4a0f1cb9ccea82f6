import { and, eq, ne } from "drizzle-orm";
import type { UnitOfWork } from "../audit/unit-of-work";
import { sessions, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { hashPassword, verifyPassword } from "./passwords";

/** Who changes their password, from where, and with what. */
export interface PasswordChange {
  userId: string;
  email: string;
  /** The caller's session, which stays signed in; null (an API token) ends every session. */
  sessionId: string | null;
  ip: string;
  current: string | undefined;
  next: string;
}

/**
 * Changes a signed-in user's password. An account that has a password must give it: a wrong one counts as a
 * failed login for the email and the client address, so this is no way around the login limit. An account
 * without one (made with GitHub) sets its first. The user's other sessions end; API tokens stay.
 */
export async function changePassword(deps: AppDeps, input: PasswordChange, change: UnitOfWork): Promise<void> {
  const [user] = await deps.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, input.userId))
    .limit(1);
  if (!user) throw new AppError("UNAUTHORIZED", "Your account no longer exists");
  if (user.passwordHash) await checkCurrentPassword(deps, input, user.passwordHash);
  const passwordHash = await hashPassword(input.next);
  await change(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: deps.now() }).where(eq(users.id, input.userId));
    const others = input.sessionId
      ? and(eq(sessions.userId, input.userId), ne(sessions.id, input.sessionId))
      : eq(sessions.userId, input.userId);
    await tx.delete(sessions).where(others);
  });
}

async function checkCurrentPassword(deps: AppDeps, input: PasswordChange, hash: string): Promise<void> {
  if (input.current === undefined) {
    throw new AppError("VALIDATION_ERROR", "body.current_password: enter your current password", [
      { path: "body.current_password", message: "enter your current password" },
    ]);
  }
  const keys = [`email:${input.email}`, `ip:${input.ip}`];
  const wait = deps.loginLimiter.retryAfterSeconds(keys);
  if (wait > 0) {
    throw new AppError("RATE_LIMITED", `Too many wrong passwords; try again in ${wait} s`, undefined, {
      "retry-after": String(wait),
    });
  }
  if (!(await verifyPassword(input.current, hash))) {
    deps.loginLimiter.recordFailure(keys);
    throw new AppError("INVALID_CREDENTIALS", "Your current password is wrong");
  }
}
