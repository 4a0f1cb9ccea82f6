import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { readDockerStream } from "./docker-stream";
import { BuildError, cancelled } from "./errors";
import { errorText } from "./image-build";
import type { LogMasker } from "./log-masker";

export interface PushOptions {
  registry: string;
  /** `registry/repository`, without the tag. */
  name: string;
  tag: string;
  auth: { username: string; password: string } | undefined;
  masker: LogMasker;
  signal: AbortSignal | undefined;
}

/**
 * Pushes a local image to its registry with the given credentials (sent as X-Registry-Auth, so no `docker login`
 * state is involved) and returns the manifest digest the registry reported.
 */
export async function pushImage(docker: Dockerode, opts: PushOptions): Promise<string> {
  if (opts.signal?.aborted) throw cancelled();
  const target = `${opts.name}:${opts.tag}`;
  const fail = (reason: string) =>
    new BuildError(
      "PUSH_FAILED",
      `Pushing ${target} to ${opts.registry} failed: ${opts.masker.mask(reason).slice(0, 1000)}`,
    );
  const authconfig = opts.auth
    ? { username: opts.auth.username, password: opts.auth.password, serveraddress: opts.registry }
    : // The engine wants the header even for a registry without authentication.
      { serveraddress: opts.registry };

  let stream: Readable;
  try {
    stream = (await docker
      .getImage(opts.name)
      .push({ tag: opts.tag, authconfig, abortSignal: opts.signal })) as Readable;
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    throw fail(errorText(err));
  }
  let digest: string | null = null;
  let failure: string | null = null;
  const reported = new Set<string>();
  try {
    await readDockerStream(stream, (event) => {
      if (event.error) failure = event.errorDetail?.message ?? event.error;
      if (event.aux?.Digest) digest = event.aux.Digest;
      const status = event.status;
      // Progress bars would flood the log: one line per layer and state.
      if (status && !event.progress && status !== "Pushing" && status !== "Waiting") {
        const line = event.id ? `${event.id}: ${status}` : status;
        if (!reported.has(line)) {
          reported.add(line);
          opts.masker.write(`${line}\n`);
        }
        const fromStatus = /digest: (sha256:[0-9a-f]{64})/.exec(status);
        if (fromStatus?.[1]) digest = fromStatus[1];
      }
    });
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    throw fail(errorText(err));
  } finally {
    opts.masker.end();
  }
  if (opts.signal?.aborted) throw cancelled();
  if (failure !== null) throw fail(failure);
  if (digest === null) throw fail("the registry reported no manifest digest");
  return digest;
}
