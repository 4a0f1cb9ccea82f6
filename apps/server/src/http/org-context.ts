import type { AuthContext } from "./auth-context";

/**
 * The organization of a route guarded by a permission. register-routes refuses such calls from callers
 * without one, so reaching the throw means a route was declared public by mistake.
 */
export function requireOrg(auth: AuthContext): string {
  if (!auth.orgId) throw new Error("permission-guarded route ran without an organization");
  return auth.orgId;
}

/** The caller's role on a permission-guarded route (see requireOrg). */
export function requireRole(auth: AuthContext): NonNullable<AuthContext["role"]> {
  if (!auth.role) throw new Error("permission-guarded route ran without a role");
  return auth.role;
}
