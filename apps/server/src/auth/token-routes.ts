import { apiToken, createdToken, createTokenBody, idParam } from "@syntra/contracts";
import { z } from "zod";
import { AppError } from "../errors";
import { defineRoute } from "../http/route";
import { createApiToken, listApiTokens, revokeApiToken } from "./api-tokens";

function orgOf(auth: { orgId: string | null }): string {
  if (!auth.orgId) throw new AppError("FORBIDDEN", "You are not a member of an organization");
  return auth.orgId;
}

const create = defineRoute({
  method: "POST",
  url: "/api/v1/tokens",
  summary: "Create an API token (shown once)",
  tag: "tokens",
  access: { permission: "tokens:manage" },
  errors: ["UNPROCESSABLE"],
  body: createTokenBody,
  response: createdToken,
  status: 201,
  audit: { action: "token.create", resourceType: "api_token" },
  handler: async ({ auth, body, deps, audit }) => {
    if (auth.method === "token") throw new AppError("FORBIDDEN", "API tokens cannot create other tokens; sign in");
    const token = await createApiToken(
      deps,
      { userId: auth.user.id, orgId: orgOf(auth), permissions: auth.permissions },
      body,
    );
    audit({ resourceId: token.id, details: { name: token.name, type: token.type, scopes: token.scopes } });
    return token;
  },
});

const list = defineRoute({
  method: "GET",
  url: "/api/v1/tokens",
  summary: "List your API tokens in this organization (prefixes only)",
  tag: "tokens",
  access: { permission: "tokens:manage" },
  response: z.array(apiToken),
  handler: async ({ auth, deps }) => listApiTokens(deps, auth.user.id, orgOf(auth)),
});

const revoke = defineRoute({
  method: "DELETE",
  url: "/api/v1/tokens/:tokenId",
  summary: "Revoke one of your API tokens",
  tag: "tokens",
  access: { permission: "tokens:manage" },
  params: idParam("tokenId"),
  status: 204,
  audit: { action: "token.revoke", resourceType: "api_token" },
  handler: async ({ auth, deps, params, audit }) => {
    await revokeApiToken(deps, auth.user.id, params.tokenId);
    audit({ resourceId: params.tokenId });
    return undefined;
  },
});

/** Personal and project API tokens. */
export const tokenRoutes = [create, list, revoke];
