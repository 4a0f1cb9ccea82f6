import { type OrgRole, type Permission, projectTokenPermissions, rolePermissions } from "@syntra/contracts";
import type { FastifyRequest } from "fastify";
import { resolveApiToken } from "../auth/api-tokens";
import { resolveSession, SESSION_COOKIE } from "../auth/sessions";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { findMembership, firstMembership } from "../orgs/memberships";

/** The authenticated caller of one request. */
export interface AuthContext {
  user: { id: string; email: string; name: string | null };
  method: "session" | "token";
  sessionId: string | null;
  tokenId: string | null;
  /** The organization the request acts in; null when the user belongs to none. */
  orgId: string | null;
  role: OrgRole | null;
  /** Set for project-scoped tokens: only this project is visible. */
  projectId: string | null;
  permissions: ReadonlySet<Permission>;
}

/** Header by which a signed-in user of several organizations picks one per request. */
export const ORG_HEADER = "x-syntra-org";

/**
 * Finds the caller from `Authorization: Bearer` or the session cookie. Returns null when neither is
 * present; throws UNAUTHORIZED when one is present but invalid, so a typo never silently becomes anonymous.
 */
export async function resolveAuth(deps: AppDeps, req: FastifyRequest): Promise<AuthContext | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError("UNAUTHORIZED", "Authorization header must be 'Bearer <token>'");
    const token = await resolveApiToken(deps, match[1]);
    const orgId = await tokenOrg(deps, req, token);
    const role = orgId ? ((await findMembership(deps.db, orgId, token.user.id))?.role ?? null) : null;
    let granted = role ? new Set(rolePermissions[role]) : new Set<Permission>();
    if (token.scopes.length > 0) granted = intersect(granted, new Set(token.scopes));
    if (token.type === "prj") granted = intersect(granted, projectTokenPermissions);
    return {
      user: token.user,
      method: "token",
      sessionId: null,
      tokenId: token.id,
      orgId: role ? orgId : null,
      role,
      projectId: token.projectId,
      permissions: granted,
    };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const session = await resolveSession(deps, cookie);
  const wanted = req.headers[ORG_HEADER];
  let membership = null;
  if (typeof wanted === "string" && wanted !== "") {
    membership = await findMembership(deps.db, wanted, session.user.id);
    if (!membership) throw new AppError("FORBIDDEN", "You are not a member of the organization in X-Syntra-Org");
  } else if (session.orgId) {
    membership = await findMembership(deps.db, session.orgId, session.user.id);
  }
  membership ??= await firstMembership(deps.db, session.user.id);
  return {
    user: session.user,
    method: "session",
    sessionId: session.id,
    tokenId: null,
    orgId: membership?.orgId ?? null,
    role: membership?.role ?? null,
    projectId: null,
    permissions: membership ? rolePermissions[membership.role] : new Set(),
  };
}

/**
 * The organization a token acts in: its own, or for an account token (a device login's, bound to none) the one
 * named in X-Syntra-Org, else the user's first. A token of one organization never acts in another.
 */
async function tokenOrg(
  deps: AppDeps,
  req: FastifyRequest,
  token: Awaited<ReturnType<typeof resolveApiToken>>,
): Promise<string | null> {
  const wanted = req.headers[ORG_HEADER];
  if (typeof wanted !== "string" || wanted === "") {
    return token.orgId ?? (await firstMembership(deps.db, token.user.id))?.orgId ?? null;
  }
  if (token.orgId) {
    if (token.orgId === wanted) return wanted;
    throw new AppError("FORBIDDEN", "This API token belongs to another organization than the one in X-Syntra-Org");
  }
  if (!(await findMembership(deps.db, wanted, token.user.id))) {
    throw new AppError("FORBIDDEN", "You are not a member of the organization in X-Syntra-Org");
  }
  return wanted;
}

function intersect<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): Set<T> {
  return new Set([...a].filter((x) => b.has(x)));
}
