import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { randomBase62, sha256Hex } from "./random";

/** Name of the httpOnly session cookie. */
export const SESSION_COOKIE = "syntra_session";

// last_seen_at is refreshed at most this often, so reads do not each cost a write.
const TOUCH_INTERVAL_MS = 60_000;

/** A live session and its user. */
export interface ResolvedSession {
  id: string;
  orgId: string | null;
  expiresAt: Date;
  user: { id: string; email: string; name: string | null };
}

/** Creates a session and returns the cookie value (only its hash is stored). `db` may be a unit of work's. */
export async function createSession(
  db: Db,
  deps: Pick<AppDeps, "config" | "now">,
  input: { userId: string; orgId: string | null; ip: string | null; userAgent: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBase62(43);
  const expiresAt = new Date(deps.now().getTime() + deps.config.sessionTtlHours * 3_600_000);
  await db.insert(sessions).values({
    tokenHash: sha256Hex(token),
    userId: input.userId,
    orgId: input.orgId,
    ipAddress: input.ip,
    userAgent: input.userAgent?.slice(0, 500) ?? null,
    expiresAt,
  });
  return { token, expiresAt };
}

/** Finds the session of a cookie value; throws UNAUTHORIZED when unknown or expired. */
export async function resolveSession(deps: AppDeps, token: string): Promise<ResolvedSession> {
  const now = deps.now();
  const [row] = await deps.db
    .select({
      id: sessions.id,
      orgId: sessions.orgId,
      expiresAt: sessions.expiresAt,
      lastSeenAt: sessions.lastSeenAt,
      userId: users.id,
      email: users.email,
      name: users.name,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, sha256Hex(token)), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) throw new AppError("UNAUTHORIZED", "Session expired or signed out; sign in again");
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await deps.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.id));
  }
  return {
    id: row.id,
    orgId: row.orgId,
    expiresAt: row.expiresAt,
    user: { id: row.userId, email: row.email, name: row.name },
  };
}

/** Ends one session. */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Removes expired sessions; called periodically. */
export async function pruneExpiredSessions(deps: AppDeps): Promise<void> {
  await deps.db.delete(sessions).where(lt(sessions.expiresAt, deps.now()));
}
