import { randomBytes } from "node:crypto";
import type { GitAuth } from "../builds/builder/git-source";
import type { services } from "../db/schema";
import { decrypt, encrypt } from "../secrets/cipher";
import type { Keyring } from "../secrets/keyring";

type ServiceRow = typeof services.$inferSelect;

// Each secret is bound to its column and service: a ciphertext moved elsewhere does not open.
const authContext = (serviceId: string) => `services.git_auth_encrypted:${serviceId}`;
const webhookContext = (serviceId: string) => `services.webhook_secret_encrypted:${serviceId}`;

export function sealGitAuth(keyring: Keyring, serviceId: string, auth: GitAuth): Buffer {
  return encrypt(keyring, Buffer.from(JSON.stringify(auth), "utf8"), authContext(serviceId));
}

/** The service's git credentials, or undefined when none are set. */
export function openGitAuth(keyring: Keyring, row: ServiceRow): GitAuth | undefined {
  if (!row.gitAuthEncrypted) return undefined;
  return JSON.parse(decrypt(keyring, row.gitAuthEncrypted, authContext(row.id)).toString("utf8")) as GitAuth;
}

/** A new webhook secret: 32 random bytes, URL-safe, easy to paste into a git host's form. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function sealWebhookSecret(keyring: Keyring, serviceId: string, secret: string): Buffer {
  return encrypt(keyring, Buffer.from(secret, "utf8"), webhookContext(serviceId));
}

export function openWebhookSecret(keyring: Keyring, row: ServiceRow): string | undefined {
  if (!row.webhookSecretEncrypted) return undefined;
  return decrypt(keyring, row.webhookSecretEncrypted, webhookContext(row.id)).toString("utf8");
}
