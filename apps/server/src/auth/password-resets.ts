import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { passwordResets, sessions, users } from "../db/schema";
import { AppError } from "../errors";
import { randomBase62, sha256Hex } from "./random";

/** How long an emailed reset link works. */
export const RESET_TOKEN_TTL_MINUTES = 60;

/** Makes a reset token for the user and voids their earlier ones; returns the token (only its hash is kept). */
export async function issuePasswordReset(db: Db, input: { userId: string; now: Date }): Promise<string> {
  const token = `rst_${randomBase62(40)}`;
  await db.transaction(async (tx) => {
    // Earlier links stop working; used ones go too, so the table holds at most one row per user.
    await tx.delete(passwordResets).where(eq(passwordResets.userId, input.userId));
    await tx.insert(passwordResets).values({
      userId: input.userId,
      tokenHash: sha256Hex(token),
      expiresAt: new Date(input.now.getTime() + RESET_TOKEN_TTL_MINUTES * 60_000),
    });
  });
  return token;
}

/**
 * Sets a new password (its hash, made beforehand) with a reset token: the token is used up and every session of
 * the user ends (API tokens stay: they are revoked one by one). The email is verified, since the link reached it.
 * Returns the user. Database work only: `db` may be the caller's unit of work.
 */
export async function redeemPasswordReset(
  db: Db,
  input: { token: string; passwordHash: string; now: Date },
): Promise<{ userId: string; email: string }> {
  const { passwordHash } = input;
  return db.transaction(async (tx) => {
    const [reset] = await tx
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.tokenHash, sha256Hex(input.token)))
      .for("update")
      .limit(1);
    if (!reset || reset.usedAt || reset.expiresAt <= input.now) {
      throw new AppError(
        "RESET_TOKEN_INVALID",
        "This password reset link is unknown, expired or already used; ask for a new one",
      );
    }
    await tx.update(passwordResets).set({ usedAt: input.now }).where(eq(passwordResets.id, reset.id));
    const [user] = await tx
      .update(users)
      .set({ passwordHash, updatedAt: input.now })
      .where(eq(users.id, reset.userId))
      .returning({ id: users.id, email: users.email, emailVerifiedAt: users.emailVerifiedAt });
    if (!user) throw new Error("password reset of a missing user");
    if (!user.emailVerifiedAt) await tx.update(users).set({ emailVerifiedAt: input.now }).where(eq(users.id, user.id));
    await tx.delete(sessions).where(eq(sessions.userId, user.id));
    return { userId: user.id, email: user.email };
  });
}
