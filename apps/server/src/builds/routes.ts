import { buildDiskUsage } from "@syntra/contracts";
import { defineRoute } from "../http/route";

const disk = defineRoute({
  method: "GET",
  url: "/api/v1/builds/disk",
  summary: "Disk the build host's Docker engine uses: images, build cache, Syntra's images (null without builds)",
  tag: "builds",
  access: { permission: "servers:read" },
  response: buildDiskUsage,
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
