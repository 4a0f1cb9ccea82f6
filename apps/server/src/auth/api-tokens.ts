import type { ApiToken, CreateTokenBody, Permission } from "@syntra/contracts";
import { and, desc, eq, isNull, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiTokens, projects, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError, notFound } from "../errors";
import { randomBase62, sha256Hex } from "./random";

// Enough of the token to recognise it in a list, never enough to use it.
const PREFIX_LENGTH = 12;
const TOUCH_INTERVAL_MS = 60_000;

/** A valid API token and whose it is. */
export interface ResolvedToken {
  id: string;
  type: "usr" | "prj";
  orgId: string | null;
  projectId: string | null;
  scopes: Permission[];
  user: { id: string; email: string; name: string | null };
}

/** Makes a new secret token string of a type: `syn_<type>_<40 base62>`. */
export function generateToken(type: "usr" | "prj" | "agt"): string {
  return `syn_${type}_${randomBase62(40)}`;
}

/** Creates an API token for the caller in an organization; returns it in full, this once. */
export async function createApiToken(
  db: Db,
  now: Date,
  owner: { userId: string; orgId: string; permissions: ReadonlySet<Permission> },
  input: CreateTokenBody,
): Promise<ApiToken & { token: string }> {
  if (input.type === "prj" && input.project_id) {
    const [project] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.id, input.project_id), eq(projects.orgId, owner.orgId)));
    if (!project) throw new AppError("UNPROCESSABLE", "project_id: no such project in this organization");
  }
  if (input.expires_at && Date.parse(input.expires_at) <= now.getTime()) {
    throw new AppError("VALIDATION_ERROR", "body.expires_at: must be in the future", [
      { path: "body.expires_at", message: "must be in the future" },
    ]);
  }
  // A token can never do more than its creator.
  const beyond = (input.scopes ?? []).filter((s) => !owner.permissions.has(s));
  if (beyond.length > 0) {
    throw new AppError("FORBIDDEN", `Your role does not grant these scopes: ${beyond.join(", ")}`, {
      scopes: beyond,
    });
  }
  const token = generateToken(input.type);
  const [row] = await db
    .insert(apiTokens)
    .values({
      userId: owner.userId,
      orgId: owner.orgId,
      name: input.name,
      tokenHash: sha256Hex(token),
      tokenPrefix: token.slice(0, PREFIX_LENGTH),
      scopes: input.scopes ?? [],
      expiresAt: input.expires_at ? new Date(input.expires_at) : null,
      tokenType: input.type,
      projectId: input.project_id ?? null,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { ...serializeToken(row), token };
}

/**
 * Creates an account token of a user (a device login's): bound to no organization, it acts in any the user is a
 * member of, as the user's role there allows (`X-Syntra-Org` picks one; the first otherwise).
 */
export async function createAccountToken(db: Db, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = generateToken("usr");
  const [row] = await db
    .insert(apiTokens)
    .values({
      userId,
      orgId: null,
      name,
      tokenHash: sha256Hex(token),
      tokenPrefix: token.slice(0, PREFIX_LENGTH),
      scopes: [],
      tokenType: "usr",
    })
    .returning({ id: apiTokens.id });
  if (!row) throw new Error("insert returned no row");
  return { id: row.id, token };
}

/** Lists the caller's tokens in an organization and their account tokens (device logins), newest first. */
export async function listApiTokens(deps: AppDeps, userId: string, orgId: string): Promise<ApiToken[]> {
  const rows = await deps.db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), or(eq(apiTokens.orgId, orgId), isNull(apiTokens.orgId))))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(serializeToken);
}

/** Revokes one of the caller's tokens. */
export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<void> {
  const deleted = await db
    .delete(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
    .returning({ id: apiTokens.id });
  if (deleted.length === 0) throw notFound("Token");
}

/** Finds the token behind a bearer value; throws UNAUTHORIZED when unknown, expired or of the agent kind. */
export async function resolveApiToken(deps: AppDeps, token: string): Promise<ResolvedToken> {
  if (!/^syn_(usr|prj)_[A-Za-z0-9]{32,64}$/.test(token)) {
    throw new AppError("UNAUTHORIZED", "Invalid API token");
  }
  const [row] = await deps.db
    .select({ t: apiTokens, email: users.email, name: users.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, sha256Hex(token)))
    .limit(1);
  if (!row) throw new AppError("UNAUTHORIZED", "Invalid API token");
  const now = deps.now();
  if (row.t.expiresAt && row.t.expiresAt <= now) throw new AppError("UNAUTHORIZED", "API token expired");
  if (!row.t.lastUsedAt || now.getTime() - row.t.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await deps.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.t.id));
  }
  return {
    id: row.t.id,
    type: row.t.tokenType === "prj" ? "prj" : "usr",
    orgId: row.t.orgId,
    projectId: row.t.projectId,
    scopes: (row.t.scopes ?? []) as Permission[],
    user: { id: row.t.userId, email: row.email, name: row.name },
  };
}

function serializeToken(row: typeof apiTokens.$inferSelect): ApiToken {
  return {
    id: row.id,
    name: row.name,
    type: row.tokenType === "prj" ? "prj" : "usr",
    token_prefix: row.tokenPrefix,
    project_id: row.projectId,
    scopes: row.scopes ?? [],
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
  };
}
