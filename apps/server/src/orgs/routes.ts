import {
  createdInvitation,
  createInvitationBody,
  idParam,
  invitation,
  member,
  organization,
  updateMemberBody,
  updateOrgBody,
} from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { organizations } from "../db/schema";
import { notFound } from "../errors";
import { requireOrg, requireRole } from "../http/org-context";
import { defineRoute } from "../http/route";
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

const getOrg = defineRoute({
  method: "GET",
  url: "/api/v1/org",
  summary: "The organization in use",
  tag: "organization",
  access: { permission: "org:read" },
  response: organization,
  handler: async ({ auth, deps }) => {
    const [org] = await deps.db
      .select()
      .from(organizations)
      .where(eq(organizations.id, requireOrg(auth)));
    if (!org) throw notFound("Organization");
    return serializeOrg(org);
  },
});

const updateOrg = defineRoute({
  method: "PATCH",
  url: "/api/v1/org",
  summary: "Rename the organization",
  tag: "organization",
  access: { permission: "org:write" },
  body: updateOrgBody,
  response: organization,
  audit: { action: "org.update", resourceType: "organization" },
  handler: async ({ auth, body, change }) => {
    const org = await change(async (tx, audit) => {
      const [row] = await tx
        .update(organizations)
        .set({ name: body.name })
        .where(eq(organizations.id, requireOrg(auth)))
        .returning();
      if (!row) throw notFound("Organization");
      audit({ resourceId: row.id, details: { name: body.name } });
      return row;
    });
    return serializeOrg(org);
  },
});

const members = defineRoute({
  method: "GET",
  url: "/api/v1/org/members",
  summary: "Members and their roles",
  tag: "organization",
  access: { permission: "members:read" },
  response: z.array(member),
  handler: async ({ auth, deps }) => listMembers(deps.db, requireOrg(auth)),
});

const changeRole = defineRoute({
  method: "PATCH",
  url: "/api/v1/org/members/:userId",
  summary: "Change a member's role",
  tag: "organization",
  access: { permission: "members:write" },
  params: idParam("userId"),
  body: updateMemberBody,
  response: member,
  audit: { action: "member.role_change", resourceType: "user" },
  handler: async ({ auth, body, params, audit, change }) => {
    audit({ resourceId: params.userId, details: { role: body.role } });
    return change((tx) =>
      changeMemberRole(tx, {
        orgId: requireOrg(auth),
        actorRole: requireRole(auth),
        userId: params.userId,
        role: body.role,
      }),
    );
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/org/members/:userId",
  summary: "Remove a member from the organization",
  tag: "organization",
  access: { permission: "members:write" },
  params: idParam("userId"),
  status: 204,
  audit: { action: "member.remove", resourceType: "user" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.userId });
    await change((tx) =>
      removeMember(tx, { orgId: requireOrg(auth), actorRole: requireRole(auth), userId: params.userId }),
    );
    return undefined;
  },
});

const invite = defineRoute({
  method: "POST",
  url: "/api/v1/org/invitations",
  summary: "Invite someone by email with a role (the token is shown once; the invitee is emailed when mail is set up)",
  tag: "organization",
  access: { permission: "members:write" },
  body: createInvitationBody,
  response: createdInvitation,
  status: 201,
  audit: { action: "invitation.create", resourceType: "invitation" },
  handler: async ({ auth, body, deps, req, change }) => {
    const created = await change(async (tx, audit) => {
      const invitation = await createInvitation(tx, {
        orgId: requireOrg(auth),
        invitedBy: auth.user.id,
        actorRole: requireRole(auth),
        email: body.email,
        role: body.role,
        expiresInDays: body.expires_in_days,
        now: deps.now(),
      });
      audit({ resourceId: invitation.id, details: { email: invitation.email, role: invitation.role } });
      return invitation;
    });
    // Mailed once the invitation is stored: the mail server's answer is not waited for inside the transaction.
    const acceptUrl = `${deps.config.publicUrl}/signup?invite=${encodeURIComponent(created.token)}`;
    const emailSent = await emailInvitation(
      deps,
      { invitation: created, orgId: requireOrg(auth), inviterId: auth.user.id, acceptUrl },
      req.log,
    );
    return { ...created, accept_url: acceptUrl, email_sent: emailSent };
  },
});

const pending = defineRoute({
  method: "GET",
  url: "/api/v1/org/invitations",
  summary: "Pending invitations",
  tag: "organization",
  access: { permission: "members:read" },
  response: z.array(invitation),
  handler: async ({ auth, deps }) => listPendingInvitations(deps.db, requireOrg(auth), deps.now()),
});

const revoke = defineRoute({
  method: "DELETE",
  url: "/api/v1/org/invitations/:invitationId",
  summary: "Withdraw a pending invitation",
  tag: "organization",
  access: { permission: "members:write" },
  params: idParam("invitationId"),
  status: 204,
  audit: { action: "invitation.revoke", resourceType: "invitation" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.invitationId });
    await change((tx) => revokeInvitation(tx, requireOrg(auth), params.invitationId));
    return undefined;
  },
});

/** The organization in use, its members and invitations. */
export const orgRoutes = [getOrg, updateOrg, members, changeRole, remove, invite, pending, revoke];
