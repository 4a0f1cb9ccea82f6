import { z } from "zod";
import { idParam } from "../envelope";
import {
  createdInvitation,
  createInvitationBody,
  invitation,
  member,
  organization,
  updateMemberBody,
  updateOrgBody,
} from "../orgs";
import { defineApiRoute } from "../route";
import { apiToken, createdToken, createTokenBody } from "../tokens";

/** Personal and project API tokens. */
export const tokenRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/tokens",
    summary: "List your API tokens in this organization (prefixes only)",
    tag: "tokens",
    access: { permission: "tokens:manage" },
    response: z.array(apiToken),
  }),
  create: defineApiRoute({
    method: "POST",
    path: "/api/v1/tokens",
    summary: "Create an API token (shown once)",
    tag: "tokens",
    access: { permission: "tokens:manage" },
    body: createTokenBody,
    response: createdToken,
    status: 201,
    errors: ["UNPROCESSABLE"],
  }),
  revoke: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/tokens/:tokenId",
    summary: "Revoke one of your API tokens",
    tag: "tokens",
    access: { permission: "tokens:manage" },
    params: idParam("tokenId"),
    status: 204,
  }),
};

/** The organization in use, its members and invitations. */
export const orgRoutes = {
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/org",
    summary: "The organization in use",
    tag: "organization",
    access: { permission: "org:read" },
    response: organization,
    errors: ["NOT_FOUND"],
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/org",
    summary: "Rename the organization",
    tag: "organization",
    access: { permission: "org:write" },
    body: updateOrgBody,
    response: organization,
    errors: ["NOT_FOUND"],
  }),
  members: defineApiRoute({
    method: "GET",
    path: "/api/v1/org/members",
    summary: "Members and their roles",
    tag: "organization",
    access: { permission: "members:read" },
    response: z.array(member),
  }),
  setRole: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/org/members/:userId",
    summary: "Change a member's role",
    tag: "organization",
    access: { permission: "members:write" },
    params: idParam("userId"),
    body: updateMemberBody,
    response: member,
    errors: ["UNPROCESSABLE"],
  }),
  removeMember: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/org/members/:userId",
    summary: "Remove a member from the organization",
    tag: "organization",
    access: { permission: "members:write" },
    params: idParam("userId"),
    status: 204,
    errors: ["UNPROCESSABLE"],
  }),
  invite: defineApiRoute({
    method: "POST",
    path: "/api/v1/org/invitations",
    summary:
      "Invite someone by email with a role (the token is shown once; the invitee is emailed when mail is set up)",
    tag: "organization",
    access: { permission: "members:write" },
    body: createInvitationBody,
    response: createdInvitation,
    status: 201,
    errors: ["CONFLICT"],
  }),
  invitations: defineApiRoute({
    method: "GET",
    path: "/api/v1/org/invitations",
    summary: "Pending invitations",
    tag: "organization",
    access: { permission: "members:read" },
    response: z.array(invitation),
  }),
  withdrawInvitation: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/org/invitations/:invitationId",
    summary: "Withdraw a pending invitation",
    tag: "organization",
    access: { permission: "members:write" },
    params: idParam("invitationId"),
    status: 204,
  }),
};
