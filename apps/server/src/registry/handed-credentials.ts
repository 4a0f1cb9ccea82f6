import type { RegistryAuth } from "@syntra/contracts";
import type { RegistryConfig } from "../config";
import { parseImageRef } from "../deployments/payload";
import type { Keyring } from "../secrets/keyring";
import { mintPullCredential, pushCredential } from "./credentials";

// What the build worker and the agents are given to reach Syntra's registry, in either auth mode.

/** The credentials builds push with: the registry's own (basic) or the derived push credential (token). */
export function pushAuth(registry: RegistryConfig | undefined, keyring: Keyring): RegistryAuth | undefined {
  if (!registry) return undefined;
  const { auth } = registry;
  if (auth.mode === "token") return pushCredential(keyring);
  return auth.username && auth.password ? { username: auth.username, password: auth.password } : undefined;
}

/**
 * The credentials an agent pulls `image` (a full reference) with: for an image in Syntra's registry, the
 * registry's own (basic) or a pull credential for that one repository, valid for the configured time from
 * `now` (token); none for any other image, which is pulled anonymously.
 */
export function pullAuth(
  registry: RegistryConfig | undefined,
  keyring: Keyring,
  image: string,
  now: Date,
): RegistryAuth | undefined {
  if (!registry || !image.startsWith(`${registry.host}/`)) return undefined;
  const { auth } = registry;
  if (auth.mode === "basic") {
    return auth.username && auth.password ? { username: auth.username, password: auth.password } : undefined;
  }
  const { repository } = parseImageRef(image);
  return mintPullCredential(keyring, repository, new Date(now.getTime() + auth.pullTtlSeconds * 1000));
}
