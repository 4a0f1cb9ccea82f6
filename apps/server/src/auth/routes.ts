import { apiRoutes, rolePermissions } from "@syntra/contracts";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { acceptInvitation } from "../orgs/invitations";
import { firstMembership } from "../orgs/memberships";
import { authenticatePassword, registerUser } from "./accounts";
import { revokeApiToken } from "./api-tokens";
import { describeCaller } from "./me";
import { hashPassword } from "./passwords";
import { clearSessionCookie, setSessionCookie } from "./session-cookie";
import { createSession, deleteSession } from "./sessions";

const signup = implement(apiRoutes.auth.signup, {
  audit: { action: "auth.signup", resourceType: "user" },
  handler: async ({ body, deps, req, reply, change }) => {
    // Hashed before the unit of work: scrypt takes a while and must not hold the transaction.
    const passwordHash = await hashPassword(body.password);
    const { user, orgId, session } = await change(async (tx, audit) => {
      const registered = await registerUser(tx, deps, {
        email: body.email,
        name: body.name ?? null,
        passwordHash,
        emailVerified: false,
        orgName: body.org_name,
        inviteToken: body.invite_token,
      });
      const opened = await createSession(tx, deps, {
        userId: registered.user.id,
        orgId: registered.orgId,
        ip: req.ip,
        userAgent: req.headers["user-agent"] ?? null,
      });
      audit({ orgId: registered.orgId, userId: registered.user.id, resourceId: registered.user.id });
      return { ...registered, session: opened };
    });
    const membership = await firstMembership(deps.db, user.id);
    setSessionCookie(deps, reply, session.token, session.expiresAt);
    return describeCaller(deps, {
      userId: user.id,
      orgId,
      permissions: membership ? rolePermissions[membership.role] : new Set(),
      method: "session",
    });
  },
});

const login = implement(apiRoutes.auth.login, {
  audit: { action: "auth.login", resourceType: "user" },
  handler: async ({ body, deps, req, reply, change }) => {
    const keys = [`email:${body.email}`, `ip:${req.ip}`];
    const wait = deps.loginLimiter.retryAfterSeconds(keys);
    if (wait > 0) {
      throw new AppError("RATE_LIMITED", `Too many failed sign-in attempts; try again in ${wait} s`, undefined, {
        "retry-after": String(wait),
      });
    }
    let user: Awaited<ReturnType<typeof authenticatePassword>>;
    try {
      user = await authenticatePassword(deps, body.email, body.password);
    } catch (err) {
      if (err instanceof AppError && err.code === "INVALID_CREDENTIALS") deps.loginLimiter.recordFailure(keys);
      throw err;
    }
    deps.loginLimiter.reset([`email:${body.email}`]);
    const membership = await firstMembership(deps.db, user.id);
    const session = await change(async (tx, audit) => {
      // A user of no organization has no audit log to write to: the entry is skipped.
      if (membership) audit({ orgId: membership.orgId, userId: user.id, resourceId: user.id });
      return createSession(tx, deps, {
        userId: user.id,
        orgId: membership?.orgId ?? null,
        ip: req.ip,
        userAgent: req.headers["user-agent"] ?? null,
      });
    });
    setSessionCookie(deps, reply, session.token, session.expiresAt);
    return describeCaller(deps, {
      userId: user.id,
      orgId: membership?.orgId ?? null,
      permissions: membership ? rolePermissions[membership.role] : new Set(),
      method: "session",
    });
  },
});

const logout = implement(apiRoutes.auth.logout, {
  audit: { action: "auth.logout", resourceType: "user" },
  handler: async ({ auth, reply, audit, change }) => {
    audit({ resourceId: auth.user.id });
    const { sessionId, tokenId } = auth;
    await change(async (tx) => {
      if (sessionId) await deleteSession(tx, sessionId);
      // Signing out with a token (`syn logout`) revokes that token.
      if (tokenId) await revokeApiToken(tx, auth.user.id, tokenId);
    });
    clearSessionCookie(reply);
    return undefined;
  },
});

const providers = implement(apiRoutes.auth.providers, {
  handler: async ({ deps }) => ({
    password: true as const,
    github: deps.config.github !== undefined,
    open_signup: deps.config.openSignup,
  }),
});

const whoAmI = implement(apiRoutes.auth.me, {
  handler: async ({ auth, deps }) =>
    describeCaller(deps, {
      userId: auth.user.id,
      orgId: auth.orgId,
      permissions: auth.permissions,
      method: auth.method,
    }),
});

const accept = implement(apiRoutes.auth.acceptInvitation, {
  audit: { action: "member.join", resourceType: "user" },
  handler: async ({ auth, body, deps, change }) => {
    const joined = await change(async (tx, audit) => {
      const membership = await acceptInvitation(tx, {
        token: body.token,
        userId: auth.user.id,
        email: auth.user.email,
        now: deps.now(),
      });
      audit({ orgId: membership.orgId, resourceId: auth.user.id, details: { role: membership.role } });
      return membership;
    });
    return describeCaller(deps, {
      userId: auth.user.id,
      orgId: joined.orgId,
      permissions: rolePermissions[joined.role],
      method: auth.method,
    });
  },
});

/** Sign-up, sign-in, sign-out, who-am-I. */
export const authRoutes = [signup, login, logout, providers, whoAmI, accept];
