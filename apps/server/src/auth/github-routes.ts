import { timingSafeEqual } from "node:crypto";
import { apiRoutes } from "@syntra/contracts";
import type { FastifyReply } from "fastify";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { fetchGithubIdentity, githubAuthorizeUrl, signInWithGithub } from "./github-oauth";
import { randomBase62 } from "./random";
import { setSessionCookie } from "./session-cookie";
import { createSession } from "./sessions";

const STATE_COOKIE = "syntra_oauth_state";
const CALLBACK_PATH = apiRoutes.auth.githubCallback.path;

const start = implement(apiRoutes.auth.github, {
  handler: async ({ deps, query, reply }) => {
    const github = deps.config.github;
    if (!github) throw new AppError("NOT_FOUND", "GitHub sign-in is not configured on this installation");
    const state = randomBase62(32);
    reply.setCookie(STATE_COOKIE, JSON.stringify({ state, invite: query.invite_token ?? null }), {
      httpOnly: true,
      sameSite: "lax",
      secure: deps.config.publicUrl.startsWith("https://"),
      path: "/api/v1/auth/github",
      maxAge: 600,
    });
    reply.redirect(githubAuthorizeUrl(github, `${deps.config.publicUrl}${CALLBACK_PATH}`, state), 302);
    return undefined;
  },
});

const callback = implement(apiRoutes.auth.githubCallback, {
  audit: { action: "auth.login_github", resourceType: "user" },
  handler: async ({ auth, deps, query, req, reply, change }) => {
    const github = deps.config.github;
    if (!github) throw new AppError("NOT_FOUND", "GitHub sign-in is not configured on this installation");
    const saved = parseStateCookie(req.cookies[STATE_COOKIE]);
    reply.clearCookie(STATE_COOKIE, { path: "/api/v1/auth/github" });
    try {
      if (query.error) throw new AppError("OAUTH_FAILED", `GitHub sign-in was cancelled (${query.error})`);
      if (!saved || !query.state || !sameString(saved.state, query.state)) {
        throw new AppError("OAUTH_FAILED", "Sign-in state did not match; start again");
      }
      if (!query.code) throw new AppError("OAUTH_FAILED", "GitHub sent no code");
      const identity = await fetchGithubIdentity(deps, github, query.code, `${deps.config.publicUrl}${CALLBACK_PATH}`);
      // GitHub has answered: only database work is left, the sign-in (or sign-up) with its session and audit entry.
      const session = await change(async (tx, audit) => {
        const { userId, orgId } = await signInWithGithub(tx, deps, identity, {
          inviteToken: saved.invite ?? undefined,
          // A browser that is signed in with a session connects GitHub to that account.
          signedInUserId: auth?.method === "session" ? auth.user.id : null,
        });
        if (orgId) audit({ orgId, userId, resourceId: userId, details: { github_login: identity.login } });
        return createSession(tx, deps, { userId, orgId, ip: req.ip, userAgent: req.headers["user-agent"] ?? null });
      });
      setSessionCookie(deps, reply, session.token, session.expiresAt);
      reply.redirect("/", 302);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      req.log.warn({ code: err.code, reason: err.message }, "GitHub sign-in failed");
      redirectToLogin(reply, err.code);
    }
    return undefined;
  },
});

function redirectToLogin(reply: FastifyReply, code: string): void {
  reply.redirect(`/login?error=${encodeURIComponent(code)}`, 302);
}

function parseStateCookie(raw: string | undefined): { state: string; invite: string | null } | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as { state?: unknown; invite?: unknown };
    if (typeof value.state !== "string") return undefined;
    return { state: value.state, invite: typeof value.invite === "string" ? value.invite : null };
  } catch {
    return undefined;
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** "Sign in with GitHub" (OAuth web flow). */
export const githubRoutes = [start, callback];
