import Dockerode from "dockerode";
import { eq } from "drizzle-orm";
import { deployments, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { Builder, diskUsage, pruneServiceImages } from "./builder";
import { BuildWorker, type BuildWorkerOptions } from "./worker";

/** The images a service may still need: the one it runs now (a rollback target is kept by `keep`). */
async function imagesInUse(deps: AppDeps, serviceId: string): Promise<string[]> {
  const rows = await deps.db
    .select({ image: deployments.image })
    .from(services)
    .innerJoin(deployments, eq(deployments.id, services.currentDeploymentId))
    .where(eq(services.id, serviceId));
  return rows.map((r) => r.image).filter((i): i is string => i !== null);
}

/**
 * Starts this process's build worker on the local Docker engine and hands it to the request handlers
 * (deps.builds). Without a Docker engine, builds stay queued (and say so in the log) until one runs.
 */
export async function startBuildWorker(deps: AppDeps, opts: BuildWorkerOptions = {}): Promise<BuildWorker | null> {
  const docker = new Dockerode({ socketPath: deps.config.localAgent.dockerSocket });
  try {
    await docker.ping();
  } catch {
    deps.logger.warn(
      { socket: deps.config.localAgent.dockerSocket },
      "no Docker engine answers: builds from git wait in the queue until a control plane with Docker runs",
    );
    return null;
  }
  const builder = new Builder({
    docker,
    workDir: deps.config.builds.workDir,
    baseImages: deps.config.builds.baseImages,
    logger: deps.logger,
  });
  const worker = new BuildWorker(deps, builder, {
    afterBuild: async (serviceId, fresh) => {
      const inUse = [...fresh, ...(await imagesInUse(deps, serviceId))];
      const pruned = await pruneServiceImages(docker, serviceId, deps.config.builds.keepImages, inUse);
      if (pruned.removed.length > 0) {
        deps.logger.info({ service_id: serviceId, removed: pruned.removed.length, freed: pruned.freedBytes }, "pruned");
      }
    },
    ...opts,
  });
  deps.builds = { kick: () => worker.kick(), cancel: (id) => worker.cancel(id), diskUsage: () => diskUsage(docker) };
  await worker.start();
  return worker;
}
