import { z } from "zod";

/** Organization roles, most to least powerful (section 3.1 `org_role`). */
export const orgRoles = ["owner", "admin", "developer", "viewer"] as const;
export const orgRole = z.enum(orgRoles);
export type OrgRole = z.infer<typeof orgRole>;

/** Every permission a route can require. Token scopes are drawn from the same list. */
export const permissions = [
  "org:read",
  "org:write",
  "members:read",
  "members:write",
  "tokens:manage",
  "audit:read",
  "servers:read",
  "servers:write",
  "projects:read",
  "projects:write",
  "services:read",
  "services:write",
  "deployments:write",
  "exec",
  "env:read",
  "env:reveal",
  "env:write",
  "issues:read",
  "issues:write",
  "alerts:read",
  "alerts:write",
] as const;
export const permission = z.enum(permissions);
export type Permission = z.infer<typeof permission>;

const viewer: Permission[] = [
  "org:read",
  "members:read",
  "tokens:manage",
  "servers:read",
  "projects:read",
  "services:read",
  "env:read",
  "issues:read",
  "alerts:read",
];
const developer: Permission[] = [
  ...viewer,
  "projects:write",
  "services:write",
  "deployments:write",
  "exec",
  "env:reveal",
  "env:write",
  "issues:write",
  "alerts:write",
];
const admin: Permission[] = [...developer, "org:write", "members:write", "audit:read", "servers:write"];

/**
 * What each role may do. Owners and admins differ in who they may manage (only an owner grants or
 * removes ownership), which the membership rules check, not this table.
 */
export const rolePermissions: Record<OrgRole, ReadonlySet<Permission>> = {
  owner: new Set(admin),
  admin: new Set(admin),
  developer: new Set(developer),
  viewer: new Set(viewer),
};

/** Permissions a project-scoped (`syn_prj_`) token can carry at most: it reaches one project only. */
export const projectTokenPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "projects:read",
  "services:read",
  "services:write",
  "deployments:write",
  "env:read",
  "env:write",
  "issues:read",
  "issues:write",
]);

/** True when the role grants the permission. */
export function roleAllows(role: OrgRole, p: Permission): boolean {
  return rolePermissions[role].has(p);
}
