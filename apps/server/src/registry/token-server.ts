import type { RegistryTokenQuery, RegistryTokenResponse } from "@syntra/contracts";
import type { RegistryConfig } from "../config";
import { AppError } from "../errors";
import type { Keyring } from "../secrets/keyring";
import { PULL_USERNAME, PUSH_USERNAME, type RegistryIdentity, verifyCredential } from "./credentials";
import { parseScopes, type RegistryAccess } from "./scopes";
import { loadTokenSigningKey } from "./signing-key";
import { signRegistryToken, tokenClaims } from "./token-jwt";

/** The `iss` of every token; the registry's `auth.token.issuer` must say the same. */
export const TOKEN_ISSUER = "syntra";
/** Longest life of a bearer token; clients ask for a new one when it runs out. */
const MAX_TOKEN_SECONDS = 300;

/** What the token server needs: the registry's settings, the master keys, the data dir, the clock. */
export interface TokenServerContext {
  registry: RegistryConfig | undefined;
  keyring: Keyring;
  dataDir: string;
  now: Date;
  /** Told why a request was refused (never the credential itself). */
  onRefusal(reason: string, username: string | null): void;
  /** Told who got a token for what. */
  onIssue(subject: string, access: RegistryAccess[]): void;
}

const refuse = (message: string) =>
  new AppError("UNAUTHORIZED", message, undefined, { "www-authenticate": 'Basic realm="Syntra registry"' });

/**
 * Answers a token request of Docker Registry v2 token authentication: authenticates the Basic credential,
 * grants of the asked scopes only what that identity may do, and signs a token for the registry.
 * The build worker may push and pull every repository; a pull credential may pull its own repository, and
 * asking for any other resource gets no token at all. Refusals are 401 with a Basic challenge.
 */
export async function issueRegistryToken(
  ctx: TokenServerContext,
  authorization: string | undefined,
  query: RegistryTokenQuery,
): Promise<RegistryTokenResponse> {
  const auth = ctx.registry?.auth;
  if (auth?.mode !== "token") {
    throw new AppError(
      "NOT_FOUND",
      "This control plane is not the registry's token server (SYNTRA_REGISTRY_AUTH=token)",
    );
  }
  if (query.service !== auth.service) {
    throw new AppError("VALIDATION_ERROR", `Unknown service; this token server serves "${auth.service}"`, [
      { path: "query.service", message: `expected "${auth.service}"` },
    ]);
  }
  const scopes = parseScopes(query.scope === undefined ? [] : [query.scope].flat());
  if (!scopes) {
    throw new AppError("VALIDATION_ERROR", "scope must be <type>:<name>:<actions>, e.g. repository:acme/web:pull", [
      { path: "query.scope", message: "expected <type>:<name>:<action>[,<action>...]" },
    ]);
  }
  const basic = parseBasic(authorization);
  if (!basic) {
    ctx.onRefusal("no Basic credentials", null);
    throw refuse("Send the registry credentials as 'Authorization: Basic'");
  }
  const known = basic.username === PUSH_USERNAME || basic.username === PULL_USERNAME ? basic.username : "other";
  const identity = verifyCredential(ctx.keyring, basic.username, basic.password, ctx.now);
  if ("refused" in identity) {
    ctx.onRefusal(identity.refused, known);
    throw refuse(
      identity.refused === "expired" ? "The registry credentials have expired" : "Invalid registry credentials",
    );
  }
  const access = grant(identity, scopes);
  if (!access) {
    ctx.onRefusal("scope outside the credential's repository", known);
    throw refuse("These credentials do not reach that repository");
  }
  const secondsLeft =
    identity.kind === "puller"
      ? Math.floor((identity.expiresAt.getTime() - ctx.now.getTime()) / 1000)
      : MAX_TOKEN_SECONDS;
  const lifetimeSeconds = Math.max(1, Math.min(MAX_TOKEN_SECONDS, secondsLeft));
  const claims = tokenClaims({
    issuer: TOKEN_ISSUER,
    subject: basic.username,
    audience: auth.service,
    access,
    now: ctx.now,
    lifetimeSeconds,
  });
  const token = signRegistryToken(await loadTokenSigningKey(ctx.dataDir), claims);
  ctx.onIssue(claims.sub, access);
  return {
    token,
    access_token: token,
    expires_in: lifetimeSeconds,
    issued_at: new Date(claims.iat * 1000).toISOString(),
  };
}

/**
 * What of the asked scopes the identity gets: asked AND allowed. Null when a pull credential asks for anything
 * beyond its repository (no token, rather than a token that quietly cannot do what was asked).
 */
export function grant(identity: RegistryIdentity, asked: RegistryAccess[]): RegistryAccess[] | null {
  const out: RegistryAccess[] = [];
  for (const scope of asked) {
    if (identity.kind === "puller" && (scope.type !== "repository" || scope.name !== identity.repository)) return null;
    if (scope.type !== "repository") continue; // the builder needs no catalog or other registry-wide access
    const allowed = identity.kind === "builder" ? ["pull", "push"] : ["pull"];
    const actions = scope.actions.filter((a) => allowed.includes(a));
    if (actions.length > 0) out.push({ type: scope.type, name: scope.name, actions });
  }
  return out;
}

/** `Authorization: Basic base64(user:password)`, or null. */
function parseBasic(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon <= 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
