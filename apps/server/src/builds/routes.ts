import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";

const disk = implement(apiRoutes.builds.disk, {
  handler: async ({ deps }) => {
    const usage = await deps.builds?.diskUsage?.();
    if (!usage) return null;
    return {
      images_bytes: usage.imagesBytes,
      build_cache_bytes: usage.buildCacheBytes,
      containers_bytes: usage.containersBytes,
      volumes_bytes: usage.volumesBytes,
      syntra_images: usage.syntraImages,
      keep_per_service: deps.config.builds.keepImages,
    };
  },
});

/** The build system's own resources. */
export const buildRoutes = [disk];
