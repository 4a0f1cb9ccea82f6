import type { BuildRequest } from "../types";

/**
 * The usual fields of a test build of `ref` in the repository at `repoUrl`: its Dockerfile at the root, the root as
 * the context, no build arguments, nothing to mask. Spread it and add the image, the labels and the rest.
 */
export function repoBuildDefaults(
  repoUrl: string,
  ref: string,
): Pick<BuildRequest, "repoUrl" | "ref" | "dockerfilePath" | "buildContext" | "buildArgs" | "maskValues"> {
  return { repoUrl, ref, dockerfilePath: "Dockerfile", buildContext: ".", buildArgs: {}, maskValues: [] };
}
