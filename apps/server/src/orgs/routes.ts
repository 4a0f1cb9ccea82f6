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
  ai_redact_emails: o.aiRedactEmails,
  ai_daily_token_budget: o.aiDailyTokenBudget,
  ai_auto_analyze: o.aiAutoAnalyze,
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
  handler: async ({ auth, body, change }) => {
    const org = await change(async (tx, audit) => {
      const [row] = await tx
        .update(organizations)
        .set({
          ...(body.name !== undefined && { name: body.name }),
          ...(body.ai_redact_emails !== undefined && { aiRedactEmails: body.ai_redact_emails }),
          ...(body.ai_daily_token_budget !== undefined && { aiDailyTokenBudget: body.ai_daily_token_budget }),
          ...(body.ai_auto_analyze !== undefined && { aiAutoAnalyze: body.ai_auto_analyze }),
        })
        .where(eq(organizations.id, requireOrg(auth)))
        .returning();
      if (!row) throw notFound("Organization");
      audit({ resourceId: row.id, details: { ...body } });
      return row;
    });
    return serializeOrg(org);
  },
});

const members = implement(apiRoutes.org.members, {
  handler: async ({ auth, deps }) => listMembers(deps.db, requireOrg(auth)),
});

const changeRole = implement(apiRoutes.org.setRole, {
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

const remove = implement(apiRoutes.org.removeMember, {
  audit: { action: "member.remove", resourceType: "user" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.userId });
    await change((tx) =>
      removeMember(tx, { orgId: requireOrg(auth), actorRole: requireRole(auth), userId: params.userId }),
    );
    return undefined;
  },
});

const invite = implement(apiRoutes.org.invite, {
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

const pending = implement(apiRoutes.org.invitations, {
  handler: async ({ auth, deps }) => listPendingInvitations(deps.db, requireOrg(auth), deps.now()),
});

const revoke = implement(apiRoutes.org.withdrawInvitation, {
  audit: { action: "invitation.revoke", resourceType: "invitation" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.invitationId });
    await change((tx) => revokeInvitation(tx, requireOrg(auth), params.invitationId));
    return undefined;
  },
});

/** The organization in use, its members and invitations. */
export const orgRoutes = [getOrg, updateOrg, members, changeRole, remove, invite, pending, revoke];
