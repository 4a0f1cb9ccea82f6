import type Dockerode from "dockerode";
import { AgentError } from "../errors";

/** Registry credentials as the Engine API takes them (`X-Registry-Auth`). */
export interface PullAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** The tag of an image reference, "latest" when it names none (Docker's default). */
export function tagOf(ref: string): string {
  const withoutDigest = ref.split("@")[0] ?? ref;
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon === -1 ? "latest" : lastPart.slice(colon + 1);
}

/** Whether a local image is the one `digest` pins: by registry digest, or by image id for local builds. */
export function matchesDigest(image: Dockerode.ImageInspectInfo, digest: string): boolean {
  return image.Id === digest || (image.RepoDigests ?? []).some((d) => d.endsWith(`@${digest}`));
}

async function inspectLocal(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/**
 * Makes `ref` available locally, pulling only when needed. Kubernetes' `IfNotPresent` rule, made stricter by
 * the digest:
 * - present locally and `digest` given: no pull when the local image's RepoDigests (or its id, for images built
 *   on this host) match the digest; otherwise pull, and after the pull the digest must match.
 * - present locally, no digest: no pull unless the tag is `latest` (a moving tag is re-checked each deploy).
 * - absent: pull.
 * A pull that fails while the image is present and no digest is pinned (a `latest` tag with the registry down)
 * keeps the local image and says so through `onProgress`. Any other failure throws AgentError PULL_FAILED.
 */
export async function ensureImage(
  docker: Dockerode,
  image: { ref: string; digest?: string | undefined },
  auth: PullAuth | null,
  onProgress?: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const { ref, digest } = image;
  const local = await inspectLocal(docker, ref);
  if (local && digest && matchesDigest(local, digest)) {
    onProgress?.(`${ref}: present locally at ${digest}, not pulled`);
    return;
  }
  if (local && !digest && tagOf(ref) !== "latest") {
    onProgress?.(`${ref}: present locally, not pulled`);
    return;
  }
  try {
    await pull(docker, ref, auth, onProgress, signal);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (signal?.aborted) throw new AgentError("TIMEOUT", `Pulling ${ref} was cut short: ${reason}`, { cause: err });
    if (local && !digest) {
      onProgress?.(`${ref}: pull failed (${reason}); using the local image`);
      return;
    }
    throw new AgentError("PULL_FAILED", `Could not pull ${ref}: ${reason}`, { cause: err });
  }
  if (digest) {
    const pulled = await inspectLocal(docker, ref);
    if (!pulled || !matchesDigest(pulled, digest)) {
      const got = pulled?.RepoDigests?.join(", ") || pulled?.Id || "nothing";
      throw new AgentError("PULL_FAILED", `Pulled ${ref} but it is not ${digest} (got ${got})`);
    }
  }
}

/** Pulls through the Engine API and follows the progress stream to its end; errors in the stream reject. */
async function pull(
  docker: Dockerode,
  ref: string,
  auth: PullAuth | null,
  onProgress: ((line: string) => void) | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const stream = await docker.pull(ref, { ...(auth ? { authconfig: auth } : {}), abortSignal: signal });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { id?: string; status?: string; progressDetail?: { current?: number } }) => {
        // Byte counters arrive many times a second: pass on the state changes only.
        if (!onProgress || event.status === undefined || event.progressDetail?.current !== undefined) return;
        onProgress(event.id ? `${event.id}: ${event.status}` : event.status);
      },
    );
  });
}
