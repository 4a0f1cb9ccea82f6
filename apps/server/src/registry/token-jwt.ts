import { randomUUID, sign } from "node:crypto";
import type { RegistryAccess } from "./scopes";
import type { TokenSigningKey } from "./signing-key";

/** The claims of a registry bearer token (Docker Registry v2 token authentication). */
export interface RegistryTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: RegistryAccess[];
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/**
 * Signs the claims as a compact JWS with ES256. The header carries the signing certificate in `x5c`, which
 * distribution checks against its `rootcertbundle`. A `kid` would do for Debian's docker-registry 2.8.2 too (a
 * libtrust key id; both were tried against it), but distribution 3 reads `kid` as an RFC 7638 thumbprint
 * instead, while `x5c` works with both.
 */
export function signRegistryToken(key: TokenSigningKey, claims: RegistryTokenClaims): string {
  const header = { typ: "JWT", alg: "ES256", x5c: [key.certificateDer.toString("base64")] };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS wants ECDSA signatures as r || s (IEEE P1363), not DER.
  const signature = sign("sha256", Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${signingInput}.${base64url(signature)}`;
}

/** Claims for a token issued now to `sub` for `aud`, valid `lifetimeSeconds`. */
export function tokenClaims(opts: {
  issuer: string;
  subject: string;
  audience: string;
  access: RegistryAccess[];
  now: Date;
  lifetimeSeconds: number;
}): RegistryTokenClaims {
  const iat = Math.floor(opts.now.getTime() / 1000);
  return {
    iss: opts.issuer,
    sub: opts.subject,
    aud: opts.audience,
    exp: iat + opts.lifetimeSeconds,
    nbf: iat,
    iat,
    jti: randomUUID(),
    access: opts.access,
  };
}
