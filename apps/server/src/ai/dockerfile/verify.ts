import { randomBytes } from "node:crypto";
import type { DockerfileVerification } from "@syntra/contracts";
import type Dockerode from "dockerode";
import { CONTEXT_DOCKERFILE, packContext } from "../../builds/builder/build-context";
import { BuildError } from "../../builds/builder/errors";
import { buildImage } from "../../builds/builder/image-build";
import { LogMasker } from "../../builds/builder/log-masker";

/** Images built to verify a Dockerfile carry this label (and are removed right after). */
export const VERIFY_LABEL = "dev.syntra.ai.verify";
const LOG_TAIL_LINES = 40;

/** What a verification build needs: the engine, the checked-out repository, the limits builds run under. */
export interface VerifyOptions {
  docker: Dockerode;
  contextDir: string;
  dockerfile: string;
  timeoutMs: number;
  limits: { cpuCores?: number; memoryBytes?: number } | undefined;
  /** Values masked in the log tail (the git credentials used for the checkout). */
  maskValues: string[];
}

/**
 * Builds the Dockerfile against the repository the way a deployment's build does (the same context packing with
 * .dockerignore, the same engine API and limits), under a time limit, and removes the image afterwards: the
 * answer is whether it builds, with the last lines of the log when it does not. A Dockerfile is repository
 * code run by the engine; it runs with the limits and isolation of any build from git.
 */
export async function verifyDockerfile(opts: VerifyOptions): Promise<DockerfileVerification> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    await opts.docker.ping();
  } catch {
    return {
      status: "skipped",
      duration_ms: elapsed(),
      log_tail: null,
      reason: "No Docker engine answers on this control plane, so the Dockerfile was not built",
    };
  }
  const lines: string[] = [];
  const masker = new LogMasker(opts.maskValues, (line) => {
    lines.push(line);
    if (lines.length > LOG_TAIL_LINES * 4) lines.splice(0, lines.length - LOG_TAIL_LINES);
  });
  const tag = `syntra-ai-verify/${randomBytes(6).toString("hex")}:latest`;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const tail = () => lines.slice(-LOG_TAIL_LINES).join("\n");
  try {
    await buildImage(opts.docker, {
      context: await packContext(opts.contextDir, opts.dockerfile),
      dockerfile: CONTEXT_DOCKERFILE,
      tag,
      buildArgs: {},
      labels: { [VERIFY_LABEL]: "true" },
      limits: opts.limits,
      masker,
      signal,
    });
    await opts.docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
    return { status: "built", duration_ms: elapsed(), log_tail: null, reason: null };
  } catch (err) {
    const timedOut = signal.aborted;
    const message = err instanceof BuildError ? err.message : String(err);
    return {
      status: "failed",
      duration_ms: elapsed(),
      log_tail: tail() || message,
      reason: timedOut
        ? `The build took longer than ${Math.round(opts.timeoutMs / 1000)} s (SYNTRA_AI_DOCKERFILE_BUILD_SECONDS)`
        : masker.mask(message).slice(0, 2000),
    };
  }
}
