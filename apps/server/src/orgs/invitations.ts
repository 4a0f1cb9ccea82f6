import type { Invitation, OrgRole } from "@syntra/contracts";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { randomBase62, sha256Hex } from "../auth/random";
import type { Db } from "../db/client";
import { invitations, orgMembers } from "../db/schema";
import { AppError, notFound } from "../errors";

/** Creates an invitation; returns it with its one-time token. Admins cannot invite owners. */
export async function createInvitation(
  db: Db,
  input: {
    orgId: string;
    invitedBy: string;
    actorRole: OrgRole;
    email: string;
    role: OrgRole;
    expiresInDays: number;
    now: Date;
  },
): Promise<Invitation & { token: string }> {
  if (input.role === "owner" && input.actorRole !== "owner") {
    throw new AppError("FORBIDDEN", "Only an owner can invite another owner");
  }
  const token = `inv_${randomBase62(40)}`;
  const [row] = await db
    .insert(invitations)
    .values({
      orgId: input.orgId,
      email: input.email,
      role: input.role,
      tokenHash: sha256Hex(token),
      invitedBy: input.invitedBy,
      expiresAt: new Date(input.now.getTime() + input.expiresInDays * 86_400_000),
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { ...serializeInvitation(row), token };
}

/** Pending (not accepted, not expired) invitations, newest first. */
export async function listPendingInvitations(db: Db, orgId: string, now: Date): Promise<Invitation[]> {
  const rows = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.orgId, orgId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, now)))
    .orderBy(desc(invitations.createdAt));
  return rows.map(serializeInvitation);
}

/** Withdraws a pending invitation. */
export async function revokeInvitation(db: Db, orgId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(invitations)
    .where(and(eq(invitations.id, id), eq(invitations.orgId, orgId), isNull(invitations.acceptedAt)))
    .returning({ id: invitations.id });
  if (deleted.length === 0) throw notFound("Invitation");
}

/**
 * Accepts an invitation for a user whose email it was sent to: adds the membership with the invited role and
 * marks the invitation used. A user who is already a member gets CONFLICT. Runs inside the caller's transaction.
 */
export async function acceptInvitation(
  tx: Db,
  input: { token: string; userId: string; email: string; now: Date },
): Promise<{ orgId: string; role: OrgRole }> {
  const [inv] = await tx
    .select()
    .from(invitations)
    .where(eq(invitations.tokenHash, sha256Hex(input.token)))
    .for("update")
    .limit(1);
  if (!inv || inv.acceptedAt || inv.expiresAt <= input.now) {
    throw new AppError("INVITATION_INVALID", "This invitation is unknown, expired or already used");
  }
  if (inv.email.toLowerCase() !== input.email.toLowerCase()) {
    throw new AppError("INVITATION_INVALID", "This invitation was sent to a different email address");
  }
  const [already] = await tx
    .select({ role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, inv.orgId), eq(orgMembers.userId, input.userId)));
  if (already) {
    // The invitation stays usable: a role change is an admin's decision on the members page, not a side effect.
    throw new AppError("CONFLICT", `You are already a member of this organization (as ${already.role})`);
  }
  await tx.insert(orgMembers).values({
    orgId: inv.orgId,
    userId: input.userId,
    role: inv.role,
    invitedBy: inv.invitedBy,
    acceptedAt: input.now,
  });
  await tx
    .update(invitations)
    .set({ acceptedAt: input.now, acceptedBy: input.userId })
    .where(eq(invitations.id, inv.id));
  return { orgId: inv.orgId, role: inv.role };
}

function serializeInvitation(row: typeof invitations.$inferSelect): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invited_by: row.invitedBy,
    created_at: row.createdAt.toISOString(),
    expires_at: row.expiresAt.toISOString(),
  };
}
