import type { Member, MembershipOrg, OrgRole } from "@syntra/contracts";
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { organizations, orgMembers, users } from "../db/schema";
import { AppError, notFound } from "../errors";

/** A user's membership in an organization. */
export interface Membership {
  orgId: string;
  role: OrgRole;
}

/** The user's role in the organization, or undefined when not a member. */
export async function findMembership(db: Db, orgId: string, userId: string): Promise<Membership | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(orgId)) return undefined;
  const [row] = await db
    .select({ orgId: orgMembers.orgId, role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  return row;
}

/** The organization the user joined first, the default when a session names none. */
export async function firstMembership(db: Db, userId: string): Promise<Membership | undefined> {
  const [row] = await db
    .select({ orgId: orgMembers.orgId, role: orgMembers.role })
    .from(orgMembers)
    .where(eq(orgMembers.userId, userId))
    .orderBy(asc(orgMembers.invitedAt))
    .limit(1);
  return row;
}

/** Every organization the user belongs to, with the role in each. */
export async function listUserOrgs(db: Db, userId: string): Promise<MembershipOrg[]> {
  const rows = await db
    .select({ id: organizations.id, name: organizations.name, slug: organizations.slug, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(organizations, eq(organizations.id, orgMembers.orgId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(asc(orgMembers.invitedAt));
  return rows;
}

/** Members of an organization, owners first. */
export async function listMembers(db: Db, orgId: string): Promise<Member[]> {
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: orgMembers.role,
      acceptedAt: orgMembers.acceptedAt,
    })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(eq(orgMembers.orgId, orgId))
    .orderBy(
      sql`array_position(ARRAY['owner','admin','developer','viewer']::org_role[], ${orgMembers.role})`,
      asc(users.email),
    );
  return rows.map((r) => ({
    user_id: r.userId,
    email: r.email,
    name: r.name,
    role: r.role,
    joined_at: r.acceptedAt?.toISOString() ?? null,
  }));
}

/**
 * Changes a member's role. Only an owner may make or unmake owners, and an organization always keeps at
 * least one owner.
 */
export async function changeMemberRole(
  db: Db,
  input: { orgId: string; actorRole: OrgRole; userId: string; role: OrgRole },
): Promise<Member> {
  return db.transaction(async (tx) => {
    await lockMemberships(tx, input.orgId);
    const target = await findMembership(tx, input.orgId, input.userId);
    if (!target) throw notFound("Member");
    if ((target.role === "owner" || input.role === "owner") && input.actorRole !== "owner") {
      throw new AppError("FORBIDDEN", "Only an owner can grant or remove the owner role");
    }
    if (target.role === "owner" && input.role !== "owner") await assertAnotherOwner(tx, input.orgId);
    await tx
      .update(orgMembers)
      .set({ role: input.role })
      .where(and(eq(orgMembers.orgId, input.orgId), eq(orgMembers.userId, input.userId)));
    await keepOwnerIdAnOwner(tx, input.orgId);
    const members = await listMembers(tx, input.orgId);
    const updated = members.find((m) => m.user_id === input.userId);
    if (!updated) throw notFound("Member");
    return updated;
  });
}

/** Removes a member (or lets a member leave); the last owner cannot go. */
export async function removeMember(
  db: Db,
  input: { orgId: string; actorRole: OrgRole; userId: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockMemberships(tx, input.orgId);
    const target = await findMembership(tx, input.orgId, input.userId);
    if (!target) throw notFound("Member");
    if (target.role === "owner") {
      if (input.actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can remove an owner");
      await assertAnotherOwner(tx, input.orgId);
    }
    await tx.delete(orgMembers).where(and(eq(orgMembers.orgId, input.orgId), eq(orgMembers.userId, input.userId)));
    await keepOwnerIdAnOwner(tx, input.orgId);
  });
}

/**
 * `organizations.owner_id` names the organization's primary owner (the API shows it; the row goes with that
 * user). When that user stops being an owner, it passes to the longest-standing remaining owner.
 */
async function keepOwnerIdAnOwner(tx: Db, orgId: string): Promise<void> {
  await tx.execute(sql`
    update organizations o set owner_id = (
      select m.user_id from org_members m
      where m.org_id = o.id and m.role = 'owner'
      order by m.accepted_at asc nulls last, m.user_id asc limit 1
    )
    where o.id = ${orgId} and not exists (
      select 1 from org_members m where m.org_id = o.id and m.user_id = o.owner_id and m.role = 'owner'
    )`);
}

// Role changes and removals in one organization run one at a time: otherwise two owners demoting each other at
// once would each still see the other as owner, and the organization would be left with none.
async function lockMemberships(tx: Db, orgId: string): Promise<void> {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).for("no key update");
}

async function assertAnotherOwner(db: Db, orgId: string): Promise<void> {
  const owners = await db
    .select({ userId: orgMembers.userId })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, "owner")));
  if (owners.length < 2) {
    throw new AppError("UNPROCESSABLE", "An organization needs at least one owner; make someone else owner first");
  }
}
