import type { Me, Permission } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { users } from "../db/schema";
import type { AppDeps } from "../deps";
import { notFound } from "../errors";
import { listUserOrgs } from "../orgs/memberships";
import { serializeUser } from "./accounts";

/** Builds the `Me` answer: the user, the organization in use, all memberships, the effective permissions. */
export async function describeCaller(
  deps: AppDeps,
  input: { userId: string; orgId: string | null; permissions: ReadonlySet<Permission>; method: "session" | "token" },
): Promise<Me> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, input.userId)).limit(1);
  if (!user) throw notFound("User");
  const orgs = await listUserOrgs(deps.db, input.userId);
  return {
    user: serializeUser(user),
    org: orgs.find((o) => o.id === input.orgId) ?? null,
    orgs,
    permissions: [...input.permissions].sort(),
    auth_method: input.method,
    has_password: user.passwordHash !== null,
  };
}
