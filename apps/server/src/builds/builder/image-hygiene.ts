import type Dockerode from "dockerode";
import { MANAGED_LABEL, SERVICE_LABEL } from "./labels";

/**
 * Images younger than this are never pruned: the lead does not prune during a build, but an image tagged
 * moments ago may belong to a deployment that is not recorded as in use yet.
 */
export const PRUNE_GRACE_MS = 60_000;

/**
 * Removes a service's old images, keeping the newest `keep` by creation time. Only images Syntra built for that
 * service (both labels) are candidates; an image named in `inUse` (by id, tag or digest), created within the
 * grace period, or used by any container is kept. Freed bytes are the images' own layers (not shared ones).
 */
export async function pruneServiceImages(
  docker: Dockerode,
  serviceId: string,
  keep: number,
  inUse: string[],
  now: () => number = Date.now,
): Promise<{ removed: string[]; freedBytes: number }> {
  const images = await docker.listImages({
    filters: { label: [`${MANAGED_LABEL}=true`, `${SERVICE_LABEL}=${serviceId}`] },
  });
  const used = new Set(inUse);
  // Images containers were made from (running or stopped): the engine would refuse to delete them anyway.
  for (const container of await docker.listContainers({ all: true })) used.add(container.ImageID);
  const candidates = images
    .filter((img) => img.Labels?.[SERVICE_LABEL] === serviceId)
    .sort((a, b) => b.Created - a.Created)
    .slice(Math.max(0, keep))
    .filter((img) => !isInUse(img, used))
    .filter((img) => now() - img.Created * 1000 >= PRUNE_GRACE_MS);
  if (candidates.length === 0) return { removed: [], freedBytes: 0 };

  const ownSize = await uniqueSizes(docker);
  const removed: string[] = [];
  let freedBytes = 0;
  for (const img of candidates) {
    if (await removeImage(docker, img)) {
      removed.push(img.Id);
      freedBytes += ownSize.get(img.Id) ?? 0;
    }
  }
  return { removed, freedBytes };
}

/** Whether any of the image's names (id, tags, repo@digest, or the bare digest) is in use. */
function isInUse(img: Dockerode.ImageInfo, used: Set<string>): boolean {
  const digests = (img.RepoDigests ?? []).map((d) => d.slice(d.indexOf("@") + 1));
  const names = [
    img.Id,
    img.Id.replace(/^sha256:/, ""),
    ...(img.RepoTags ?? []),
    ...(img.RepoDigests ?? []),
    ...digests,
  ];
  return names.some((name) => used.has(name));
}

/**
 * Untags each of the image's names, so the image goes with its last name. No force: should a container have
 * been made from it since the check, the engine refuses and the image is kept.
 */
async function removeImage(docker: Dockerode, img: Dockerode.ImageInfo): Promise<boolean> {
  const names = (img.RepoTags ?? []).filter((t) => t !== "<none>:<none>");
  try {
    if (names.length === 0) await docker.getImage(img.Id).remove();
    for (const name of names) await docker.getImage(name).remove();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 409) return false;
    throw err;
  }
}

/** Each image's bytes that no other image shares. */
async function uniqueSizes(docker: Dockerode): Promise<Map<string, number>> {
  const df = (await docker.df()) as { Images?: { Id: string; Size: number; SharedSize: number }[] };
  return new Map((df.Images ?? []).map((i) => [i.Id, Math.max(0, i.Size - Math.max(0, i.SharedSize))]));
}

/** Disk the engine uses, for the per-server report. */
export interface DiskUsage {
  /** All image layers, counted once. */
  imagesBytes: number;
  /** BuildKit's cache (the classic builder's cache is its intermediate images, inside imagesBytes). */
  buildCacheBytes: number;
  /** Containers' writable layers. */
  containersBytes: number;
  volumesBytes: number;
  /** Images Syntra built: how many and their own (unshared) bytes. */
  syntraImages: { count: number; bytes: number };
}

export async function diskUsage(docker: Dockerode): Promise<DiskUsage> {
  const df = (await docker.df()) as {
    LayersSize?: number;
    Images?: { Id: string; Size: number; SharedSize: number; Labels?: Record<string, string> | null }[];
    Containers?: { SizeRw?: number }[];
    Volumes?: { UsageData?: { Size?: number } | null }[];
    BuildCache?: { Size?: number }[] | null;
  };
  const syntra = (df.Images ?? []).filter((i) => i.Labels?.[MANAGED_LABEL] === "true");
  const sum = (values: (number | undefined)[]) => values.reduce<number>((a, b) => a + Math.max(0, b ?? 0), 0);
  return {
    imagesBytes: df.LayersSize ?? 0,
    buildCacheBytes: sum((df.BuildCache ?? []).map((c) => c.Size)),
    containersBytes: sum((df.Containers ?? []).map((c) => c.SizeRw)),
    volumesBytes: sum((df.Volumes ?? []).map((v) => v.UsageData?.Size)),
    syntraImages: { count: syntra.length, bytes: sum(syntra.map((i) => i.Size - Math.max(0, i.SharedSize))) },
  };
}
