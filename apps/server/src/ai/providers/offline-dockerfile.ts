import type { AIDockerfileAnswer } from "@syntra/contracts";
import { SUPPORTED_STACKS } from "../../builds/builder/stacks/detect";
import { AppError } from "../../errors";
import type { DockerfileContext } from "../dockerfile/prompt";

/**
 * The offline Dockerfile: the production Dockerfile written from Syntra's stack detection, labelled offline.
 * A framework hint cannot change what the detection found; the explanation says so rather than pretend.
 */
export function dockerfileOffline(c: DockerfileContext): AIDockerfileAnswer {
  if (!c.detected) {
    throw new AppError(
      "NO_BUILDABLE_STACK",
      `Offline generation (no AI provider configured) found no stack it knows in the repository: it needs ${SUPPORTED_STACKS}`,
    );
  }
  const hint = c.frameworkHint
    ? ` The framework hint "${c.frameworkHint}" is not used offline: the detection found a ${c.detected.stack} app.`
    : "";
  return {
    dockerfile: c.detected.dockerfile,
    explanation: `Offline generation (no AI provider configured), from Syntra's stack detection. ${c.detected.explanation}${hint}`,
  };
}
