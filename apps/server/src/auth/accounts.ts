import type { User } from "@syntra/contracts";
import { count, eq, like, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { organizations, orgMembers, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { slugify } from "../lib/slugify";
import { acceptInvitation } from "../orgs/invitations";
import { dummyPasswordHash, verifyPassword } from "./passwords";

// Serialises sign-ups so that two "first users" racing each other cannot both become owners of new orgs.
const SIGNUP_LOCK_ID = 5_316_870_022;

/** Who is registering, from the password form or from an OAuth provider. */
export interface NewUser {
  email: string;
  name: string | null;
  avatarUrl?: string | null;
  /** The hash of the chosen password (`hashPassword`, made before the transaction); null for OAuth accounts. */
  passwordHash: string | null;
  emailVerified: boolean;
  orgName?: string | undefined;
  inviteToken?: string | undefined;
}

/** The result of a sign-up: the user and the organization they start in. */
export interface Registered {
  user: typeof users.$inferSelect;
  orgId: string;
  createdOrg: boolean;
}

/**
 * Creates a user under the installation's sign-up rules: the very first user creates the first organization
 * and owns it; later users need an invitation unless sign-up is open, in which case they get their own org.
 * Database work only: `db` may be the caller's unit of work.
 */
export async function registerUser(db: Db, deps: Pick<AppDeps, "config" | "now">, input: NewUser): Promise<Registered> {
  const now = deps.now();
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${SIGNUP_LOCK_ID})`);
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email)).limit(1);
    if (existing) throw new AppError("CONFLICT", "An account with this email already exists; sign in instead");
    const [{ value: userCount } = { value: 0 }] = await tx.select({ value: count() }).from(users);
    const isFirst = userCount === 0;
    if (!isFirst && !input.inviteToken && !deps.config.openSignup) {
      throw new AppError(
        "SIGNUP_CLOSED",
        "Sign-up on this installation needs an invitation from an organization admin",
      );
    }
    const [user] = await tx
      .insert(users)
      .values({
        email: input.email,
        name: input.name,
        avatarUrl: input.avatarUrl ?? null,
        passwordHash: input.passwordHash,
        emailVerifiedAt: input.emailVerified ? now : null,
      })
      .returning();
    if (!user) throw new Error("insert returned no row");
    if (input.inviteToken) {
      const joined = await acceptInvitation(tx, { token: input.inviteToken, userId: user.id, email: user.email, now });
      return { user, orgId: joined.orgId, createdOrg: false };
    }
    const orgName = input.orgName ?? `${input.name ?? input.email.split("@")[0]}'s organization`;
    const orgId = await createOrganization(tx, { name: orgName, ownerId: user.id, now });
    return { user, orgId, createdOrg: true };
  });
}

/** Creates an organization owned by the user, with a slug made unique by a numeric suffix. */
export async function createOrganization(tx: Db, input: { name: string; ownerId: string; now: Date }): Promise<string> {
  const base = slugify(input.name, 90);
  const taken = new Set(
    (
      await tx
        .select({ slug: organizations.slug })
        .from(organizations)
        .where(like(organizations.slug, `${base}%`))
    ).map((r) => r.slug),
  );
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  const [org] = await tx
    .insert(organizations)
    .values({ name: input.name, slug, ownerId: input.ownerId })
    .returning({ id: organizations.id });
  if (!org) throw new Error("insert returned no row");
  await tx.insert(orgMembers).values({ orgId: org.id, userId: input.ownerId, role: "owner", acceptedAt: input.now });
  return org.id;
}

/**
 * Checks email and password. Unknown emails cost the same hashing time as wrong passwords, and both answer
 * the same, so the answer does not reveal which accounts exist.
 */
export async function authenticatePassword(
  deps: AppDeps,
  email: string,
  password: string,
): Promise<typeof users.$inferSelect> {
  const [user] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash));
  if (!user?.passwordHash || !ok) throw new AppError("INVALID_CREDENTIALS", "Email or password is wrong");
  return user;
}

/** A user as the API shows it. */
export function serializeUser(row: typeof users.$inferSelect): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    avatar_url: row.avatarUrl,
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
  };
}
