import { apiRoutes } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { organizations } from "../db/schema";
import { notFound } from "../errors";
import { requireOrg, requireRole } from "../http/org-context";
import { implement } from "../http/route";
import { emailInvitation } from "./invitation-mail";
import { createInvitation, listPendingInvitations, revokeInvitation } from "./invitations";
import { changeMemberRole, listMembers, removeMember } from "./memberships";

type OrgRow = typeof organizations.$inferSelect;
const serializeOrg = (o: OrgRow) => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  owner_id: o.ownerId,
  plan: o.plan,
  created_at: (o.createdAt ?? new Date(0)).toISOString(),
  updated_at: (o.updatedAt ?? new Date(0)).toISOString(),
});

const getOrg = implement(apiRoutes.org.get, {
  handler: async ({ auth, deps }) => {
    const [org] = await deps.db
      .select()
      .from(organizations)
      .where(eq(organizations.id, requireOrg(auth)));
    if (!org) throw notFound("Organization");
    return serializeOrg(org);
  },
});

const updateOrg = implement(apiRoutes.org.update, {
  audit: { action: "org.update", resourceType: "organization" },
  handler: async ({ auth, body, deps, audit }) => {
    const [org] = await deps.db
      .update(organizations)
      .set({ name: body.name })
      .where(eq(organizations.id, requireOrg(auth)))
      .returning();
    if (!org) throw notFound("Organization");
    audit({ resourceId: org.id, details: { name: body.name } });
    return serializeOrg(org);
  },
});

const members = implement(apiRoutes.org.members, {
  handler: async ({ auth, deps }) => listMembers(deps.db, requireOrg(auth)),
});

const changeRole = implement(apiRoutes.org.setRole, {
  audit: { action: "member.role_change", resourceType: "user" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const updated = await changeMemberRole(deps.db, {
      orgId: requireOrg(auth),
      actorRole: requireRole(auth),
      userId: params.userId,
      role: body.role,
    });
    audit({ resourceId: params.userId, details: { role: body.role } });
    return updated;
  },
});

const remove = implement(apiRoutes.org.removeMember, {
  audit: { action: "member.remove", resourceType: "user" },
  handler: async ({ auth, deps, params, audit }) => {
    await removeMember(deps.db, { orgId: requireOrg(auth), actorRole: requireRole(auth), userId: params.userId });
    audit({ resourceId: params.userId });
    return undefined;
  },
});

const invite = implement(apiRoutes.org.invite, {
  audit: { action: "invitation.create", resourceType: "invitation" },
  handler: async ({ auth, body, deps, req, audit }) => {
    const created = await createInvitation(deps.db, {
      orgId: requireOrg(auth),
      invitedBy: auth.user.id,
      actorRole: requireRole(auth),
      email: body.email,
      role: body.role,
      expiresInDays: body.expires_in_days,
      now: deps.now(),
    });
    const acceptUrl = `${deps.config.publicUrl}/signup?invite=${encodeURIComponent(created.token)}`;
    const emailSent = await emailInvitation(
      deps,
      { invitation: created, orgId: requireOrg(auth), inviterId: auth.user.id, acceptUrl },
      req.log,
    );
    audit({ resourceId: created.id, details: { email: created.email, role: created.role } });
    return { ...created, accept_url: acceptUrl, email_sent: emailSent };
  },
});

const pending = implement(apiRoutes.org.invitations, {
  handler: async ({ auth, deps }) => listPendingInvitations(deps.db, requireOrg(auth), deps.now()),
});

const revoke = implement(apiRoutes.org.withdrawInvitation, {
  audit: { action: "invitation.revoke", resourceType: "invitation" },
  handler: async ({ auth, deps, params, audit }) => {
    await revokeInvitation(deps.db, requireOrg(auth), params.invitationId);
    audit({ resourceId: params.invitationId });
    return undefined;
  },
});

/** The organization in use, its members and invitations. */
export const orgRoutes = [getOrg, updateOrg, members, changeRole, remove, invite, pending, revoke];
