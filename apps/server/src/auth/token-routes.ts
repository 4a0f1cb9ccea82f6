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
  handler: async ({ auth, body, deps, change }) => {
    if (auth.method === "token") throw new AppError("FORBIDDEN", "API tokens cannot create other tokens; sign in");
    return change(async (tx, audit) => {
      const owner = { userId: auth.user.id, orgId: orgOf(auth), permissions: auth.permissions };
      const token = await createApiToken(tx, deps.now(), owner, body);
      audit({ resourceId: token.id, details: { name: token.name, type: token.type, scopes: token.scopes } });
      return token;
    });
  },
});

const list = implement(apiRoutes.tokens.list, {
  handler: async ({ auth, deps }) => listApiTokens(deps, auth.user.id, orgOf(auth)),
});

const revoke = implement(apiRoutes.tokens.revoke, {
  audit: { action: "token.revoke", resourceType: "api_token" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.tokenId });
    await change((tx) => revokeApiToken(tx, auth.user.id, params.tokenId));
    return undefined;
  },
});

/** Personal and project API tokens. */
export const tokenRoutes = [create, list, revoke];
