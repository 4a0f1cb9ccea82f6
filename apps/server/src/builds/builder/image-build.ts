import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { readDockerStream } from "./docker-stream";
import { BuildError, cancelled } from "./errors";
import type { LogMasker } from "./log-masker";

export interface ImageBuildOptions {
  context: Readable;
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  limits: { cpuCores?: number; memoryBytes?: number } | undefined;
  masker: LogMasker;
  signal: AbortSignal | undefined;
}

const CPU_PERIOD_US = 100_000;
/** ANSI colour sequences (ESC [ ... m). */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/**
 * Builds with the engine's classic builder through its API (no docker CLI, no shell), streaming the output
 * through the masker. The steps run under the CPU and memory limits; cached steps are reused. Aborting destroys
 * the API request: the engine then cancels the build and removes the step's container.
 */
export async function buildImage(docker: Dockerode, opts: ImageBuildOptions): Promise<{ imageId: string }> {
  if (opts.signal?.aborted) throw cancelled();
  const query: Record<string, unknown> = {
    t: opts.tag,
    dockerfile: opts.dockerfile,
    buildargs: opts.buildArgs,
    labels: opts.labels,
    rm: true,
    forcerm: true,
    abortSignal: opts.signal,
  };
  if (opts.limits?.memoryBytes) {
    query.memory = opts.limits.memoryBytes;
    // Without a swap limit of its own a step could use as much swap again.
    query.memswap = opts.limits.memoryBytes;
  }
  if (opts.limits?.cpuCores) {
    query.cpuperiod = CPU_PERIOD_US;
    query.cpuquota = Math.max(1000, Math.round(opts.limits.cpuCores * CPU_PERIOD_US));
  }

  let stream: Readable;
  try {
    stream = (await docker.buildImage(opts.context, query)) as Readable;
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    throw new BuildError("BUILD_FAILED", `The Docker engine refused the build: ${opts.masker.mask(errorText(err))}`);
  }

  let lastStep = "";
  let failure: string | null = null;
  try {
    await readDockerStream(stream, (event) => {
      if (event.stream) {
        // The classic builder colours a step's stderr with ANSI escapes; the log is plain text.
        opts.masker.write(event.stream.replace(ANSI_SGR, ""));
        const step = /^Step \d+\/\d+ : .*/m.exec(event.stream);
        if (step) lastStep = step[0];
      }
      if (event.error) {
        failure = event.errorDetail?.message ?? event.error;
        opts.masker.write(`${failure}\n`);
      }
    });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    throw new BuildError("BUILD_FAILED", `The build stream broke off: ${opts.masker.mask(errorText(err))}`);
  } finally {
    opts.masker.end();
  }
  if (opts.signal?.aborted) throw cancelled();
  if (failure !== null) {
    const where = lastStep ? `${lastStep.slice(0, 300)}: ` : "";
    throw new BuildError("BUILD_FAILED", opts.masker.mask(`${where}${failure}`).slice(0, 2000));
  }
  // The tag now names the image just built; its full id is what the rest of Syntra compares.
  const inspected = await docker.getImage(opts.tag).inspect();
  return { imageId: inspected.Id };
}

export function errorText(err: unknown): string {
  if (err && typeof err === "object" && "json" in err) {
    const json = (err as { json?: { message?: string } }).json;
    if (json?.message) return json.message;
  }
  return err instanceof Error ? err.message : String(err);
}
