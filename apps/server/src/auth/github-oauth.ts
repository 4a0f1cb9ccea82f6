import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { oauthAccounts, users } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { firstMembership } from "../orgs/memberships";
import { registerUser } from "./accounts";

type GithubConfig = NonNullable<AppDeps["config"]["github"]>;

/** The GitHub account that signed in. */
export interface GithubIdentity {
  id: string;
  login: string;
  name: string | null;
  avatarUrl: string | null;
  /** The primary email, only when GitHub says it is verified. */
  verifiedEmail: string | null;
}

/** Where Syntra sends the browser to ask GitHub for consent. */
export function githubAuthorizeUrl(github: GithubConfig, redirectUri: string, state: string): string {
  const url = new URL(`${github.oauthUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", github.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", "read:user user:email");
  url.searchParams.set("state", state);
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

const tokenAnswer = z.union([
  z.object({ access_token: z.string().min(1), token_type: z.string().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);
const githubUser = z.object({
  id: z.number().int(),
  login: z.string(),
  name: z.string().nullable().optional(),
  avatar_url: z.string().nullable().optional(),
});
const githubEmails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

/** Trades the callback's code for the account's identity (GitHub's token, user and emails endpoints). */
export async function fetchGithubIdentity(
  deps: AppDeps,
  github: GithubConfig,
  code: string,
  redirectUri: string,
): Promise<GithubIdentity> {
  const exchanged = tokenAnswer.safeParse(
    await callGithub(deps, `${github.oauthUrl}/login/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: github.clientId,
        client_secret: github.clientSecret,
        code,
        redirect_uri: redirectUri,
      }),
    }),
  );
  if (!exchanged.success) throw new AppError("OAUTH_FAILED", "GitHub answered the code exchange unexpectedly");
  if ("error" in exchanged.data) {
    throw new AppError("OAUTH_FAILED", `GitHub refused the sign-in: ${exchanged.data.error}`);
  }
  const auth = { authorization: `Bearer ${exchanged.data.access_token}` };
  const profile = githubUser.safeParse(await callGithub(deps, `${github.apiUrl}/user`, { headers: auth }));
  if (!profile.success) throw new AppError("OAUTH_FAILED", "GitHub's user profile was not understood");
  const emails = githubEmails.safeParse(await callGithub(deps, `${github.apiUrl}/user/emails`, { headers: auth }));
  const primary = emails.success ? emails.data.find((e) => e.primary && e.verified) : undefined;
  return {
    id: String(profile.data.id),
    login: profile.data.login,
    name: profile.data.name ?? null,
    avatarUrl: profile.data.avatar_url ?? null,
    verifiedEmail: primary?.email.toLowerCase() ?? null,
  };
}

async function callGithub(deps: AppDeps, url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await deps.fetch(url, {
      ...init,
      headers: { accept: "application/json", "user-agent": "syntra", ...init.headers },
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new AppError("OAUTH_FAILED", "GitHub could not be reached");
  }
  if (!res.ok) throw new AppError("OAUTH_FAILED", `GitHub answered HTTP ${res.status}`);
  return res.json().catch(() => {
    throw new AppError("OAUTH_FAILED", "GitHub answered with something other than JSON");
  });
}

/**
 * Finds or creates the Syntra user of a GitHub account. A linked account signs in. A signed-in user connects
 * the account to themselves. An existing user with the same email is linked only when Syntra itself knows the
 * address is theirs (verified); otherwise anyone could pre-register a victim's email with a password and
 * inherit their later GitHub sign-in. Everyone else goes through the normal sign-up rules.
 */
export async function signInWithGithub(
  db: Db,
  deps: Pick<AppDeps, "config" | "now">,
  identity: GithubIdentity,
  opts: { inviteToken: string | undefined; signedInUserId: string | null },
): Promise<{ userId: string; orgId: string | null }> {
  const [linked] = await db
    .select({ userId: oauthAccounts.userId })
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.provider, "github"), eq(oauthAccounts.providerUserId, identity.id)))
    .limit(1);
  if (linked) {
    if (opts.signedInUserId && opts.signedInUserId !== linked.userId) {
      throw new AppError("CONFLICT", "This GitHub account is already connected to another Syntra user");
    }
    return { userId: linked.userId, orgId: (await firstMembership(db, linked.userId))?.orgId ?? null };
  }
  if (opts.signedInUserId) {
    await linkGithub(db, identity, opts.signedInUserId);
    return { userId: opts.signedInUserId, orgId: (await firstMembership(db, opts.signedInUserId))?.orgId ?? null };
  }
  if (!identity.verifiedEmail) {
    throw new AppError("OAUTH_FAILED", "Your GitHub account has no verified primary email address");
  }
  const [existing] = await db.select().from(users).where(eq(users.email, identity.verifiedEmail)).limit(1);
  let userId: string;
  let orgId: string | null;
  if (existing) {
    if (!existing.emailVerifiedAt) {
      throw new AppError(
        "CONFLICT",
        "An account with this email already exists: sign in with its password, then connect GitHub",
      );
    }
    userId = existing.id;
    orgId = (await firstMembership(db, existing.id))?.orgId ?? null;
  } else {
    const created = await registerUser(db, deps, {
      email: identity.verifiedEmail,
      name: identity.name ?? identity.login,
      avatarUrl: identity.avatarUrl,
      passwordHash: null,
      emailVerified: true,
      inviteToken: opts.inviteToken,
    });
    userId = created.user.id;
    orgId = created.orgId;
  }
  await linkGithub(db, identity, userId);
  return { userId, orgId };
}

async function linkGithub(db: Db, identity: GithubIdentity, userId: string): Promise<void> {
  await db
    .insert(oauthAccounts)
    .values({ provider: "github", providerUserId: identity.id, userId, login: identity.login })
    .onConflictDoNothing();
}
