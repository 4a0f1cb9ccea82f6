import { z } from "zod";

const bytes = z.number().int().nonnegative();

/** GET /builds/disk: what the build host's Docker engine holds; null when this control plane runs no builds. */
export const buildDiskUsage = z
  .object({
    images_bytes: bytes,
    build_cache_bytes: bytes,
    containers_bytes: bytes,
    volumes_bytes: bytes,
    syntra_images: z.object({ count: z.number().int().nonnegative(), bytes }),
    /** Images kept per service after each build (SYNTRA_BUILD_KEEP_IMAGES). */
    keep_per_service: z.number().int().positive(),
  })
  .nullable();
export type BuildDiskUsage = z.infer<typeof buildDiskUsage>;
