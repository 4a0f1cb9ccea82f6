import { createHmac, timingSafeEqual } from "node:crypto";

/** Compares two strings in time that does not depend on where they differ. */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // Lengths are not secret (a hex HMAC always has the same length); equal lengths are what timingSafeEqual needs.
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyGithubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) return false;
  return safeEqual(header.slice("sha256=".length).toLowerCase(), hmacHex(secret, body));
}

/** Gitea and Forgejo's `X-Gitea-Signature` / `X-Forgejo-Signature`: the hex HMAC-SHA256 alone. */
export function verifyGiteaSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return safeEqual(header.toLowerCase(), hmacHex(secret, body));
}

/** GitLab sends the secret itself in `X-Gitlab-Token`. */
export function verifyGitlabToken(secret: string, header: string | undefined): boolean {
  return header !== undefined && safeEqual(header, secret);
}
