import { apiRoutes } from "@syntra/contracts";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { createApiToken, listApiTokens, revokeApiToken } from "./api-tokens";

function orgOf(auth: { orgId: string | null }): string {
  if (!auth.orgId) throw new AppError("FORBIDDEN", "You are not a member of an organization");
  return auth.orgId;
}

const create = implement(apiRoutes.tokens.create, {
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

const list = implement(apiRoutes.tokens.list, {
  handler: async ({ auth, deps }) => listApiTokens(deps, auth.user.id, orgOf(auth)),
});

const revoke = implement(apiRoutes.tokens.revoke, {
  audit: { action: "token.revoke", resourceType: "api_token" },
  handler: async ({ auth, deps, params, audit }) => {
    await revokeApiToken(deps, auth.user.id, params.tokenId);
    audit({ resourceId: params.tokenId });
    return undefined;
  },
});

/** Personal and project API tokens. */
export const tokenRoutes = [create, list, revoke];
