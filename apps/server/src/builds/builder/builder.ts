import { mkdir, mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import path from "node:path";
import Dockerode from "dockerode";
import type { Logger } from "pino";
import { type BaseImages, defaultBaseImages } from "./base-images";
import { CONTEXT_DOCKERFILE, packContext } from "./build-context";
import { BuildError, cancelled } from "./errors";
import { checkoutCommit } from "./git-checkout";
import type { GitAuth } from "./git-source";
import { buildImage } from "./image-build";
import { imageTarget } from "./image-name";
import { COMMIT_LABEL, MANAGED_LABEL } from "./labels";
import { LogMasker } from "./log-masker";
import { pushImage } from "./registry-push";
import { detectStack, SUPPORTED_STACKS } from "./stacks/detect";
import { ContextFiles, type GeneratedDockerfile } from "./stacks/stack";
import type { BuilderOptions, BuildRequest, BuildResult } from "./types";

/** The PATH git and docker run with when none is given. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Turns (repository, commit) into an image: clones exactly that commit, uses its Dockerfile or writes one for
 * the detected stack, builds through the local Docker engine, and pushes to the registry when one is given.
 * Each build works in a folder of its own under workDir, removed when it ends, whatever the outcome.
 */
export class Builder {
  private readonly docker: Dockerode;
  private readonly images: BaseImages;
  private readonly logger: Logger | undefined;
  private readonly pathVariable: string;

  constructor(private readonly opts: BuilderOptions) {
    this.docker = opts.docker ?? new Dockerode();
    this.images = { ...defaultBaseImages, ...opts.baseImages };
    this.logger = opts.logger;
    this.pathVariable = opts.pathVariable ?? DEFAULT_PATH;
  }

  async build(req: BuildRequest): Promise<BuildResult> {
    const started = performance.now();
    checkRequest(req);
    const secrets = [
      ...req.maskValues,
      ...credentialValues(req.repoUrl, req.auth),
      ...(req.registryAuth ? [req.registryAuth.password] : []),
    ];
    const masker = new LogMasker(secrets, (line) => req.onLog?.(line));
    await mkdir(this.opts.workDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(path.join(this.opts.workDir, "build-"));
    const repoDir = path.join(dir, "repo");
    const secretsDir = path.join(dir, "secrets");
    try {
      await mkdir(secretsDir, { mode: 0o700 });
      const commit = await checkoutCommit({
        repoUrl: req.repoUrl,
        ref: req.ref,
        auth: req.auth,
        repoDir,
        secretsDir,
        knownHostsFile: path.join(this.opts.workDir, "known_hosts"),
        pathVariable: this.pathVariable,
        masker,
        signal: req.signal,
      });
      // Nothing else needs the credentials: the key file goes before the build runs repository code.
      await rm(secretsDir, { recursive: true, force: true });
      const target = imageTarget(req.image, commit.commitSha);
      const contextDir = await insideRepo(repoDir, req.buildContext || ".", "Build context");
      const { dockerfile, generated } = await this.dockerfileFor(req, repoDir, contextDir);
      if (generated)
        masker.write(
          `No Dockerfile at ${req.dockerfilePath}: detected a ${generated.stack} app, generated:\n${generated.dockerfile}`,
        );
      if (req.signal?.aborted) throw cancelled();

      masker.write(`Building ${target.ref}\n`);
      const { imageId } = await buildImage(this.docker, {
        context: await packContext(contextDir, dockerfile),
        dockerfile: CONTEXT_DOCKERFILE,
        tag: target.ref,
        buildArgs: req.buildArgs,
        labels: { ...req.labels, [MANAGED_LABEL]: "true", [COMMIT_LABEL]: commit.commitSha },
        limits: req.limits,
        masker,
        signal: req.signal,
      });

      let imageDigest: string | null = null;
      if (req.image.registry !== null) {
        masker.write(`Pushing ${target.ref}\n`);
        imageDigest = await pushImage(this.docker, {
          registry: req.image.registry,
          name: target.name,
          tag: target.tag,
          auth: req.registryAuth,
          masker,
          signal: req.signal,
        });
        masker.write(`Pushed ${target.ref} (${imageDigest})\n`);
      }
      masker.end();
      const durationMs = Math.round(performance.now() - started);
      this.logger?.info({ image: target.ref, commit: commit.commitSha, duration_ms: durationMs }, "build finished");
      return {
        ...commit,
        imageRef: target.ref,
        imageDigest,
        imageId,
        generatedDockerfile: generated?.dockerfile ?? null,
        stack: generated?.stack ?? null,
        durationMs,
      };
    } catch (err) {
      masker.end();
      const failure = err instanceof BuildError ? err : req.signal?.aborted ? cancelled() : unexpected(err, masker);
      this.logger?.warn({ code: failure.code, err: failure.message }, "build failed");
      throw failure;
    } finally {
      await rm(dir, { recursive: true, force: true }).catch((err: unknown) =>
        this.logger?.error({ err, dir }, "could not remove a build's work dir"),
      );
    }
  }

  /** The repository's Dockerfile, or one written for the detected stack. */
  private async dockerfileFor(
    req: BuildRequest,
    repoDir: string,
    contextDir: string,
  ): Promise<{ dockerfile: string; generated: GeneratedDockerfile | null }> {
    const dockerfilePath = req.dockerfilePath || "Dockerfile";
    const file = await insideRepo(repoDir, dockerfilePath, "Dockerfile path");
    const own = await readFile(file, "utf8").catch(() => null);
    if (own !== null) return { dockerfile: own, generated: null };
    if (path.posix.normalize(dockerfilePath) !== "Dockerfile") {
      // A path the user chose and that is missing is a mistake to report, not a cue to guess.
      throw new BuildError("DOCKERFILE_NOT_FOUND", `There is no ${dockerfilePath} in the repository at this commit`);
    }
    const generated = await detectStack({
      files: new ContextFiles(contextDir),
      images: this.images,
      buildArgNames: Object.keys(req.buildArgs),
      port: req.port,
    });
    if (!generated) {
      throw new BuildError(
        "NO_BUILDABLE_STACK",
        `Nothing to build in ${req.buildContext || "."}: add ${SUPPORTED_STACKS}`,
      );
    }
    return { dockerfile: generated.dockerfile, generated };
  }
}

/** Shape checks the types cannot make; bad input is a BuildError, never a crash halfway through. */
function checkRequest(req: BuildRequest): void {
  // The image name is checked before cloning; the tag is only known (the commit SHA) afterwards.
  imageTarget(req.image, "0".repeat(40));
  for (const name of Object.keys(req.buildArgs)) {
    if (!BUILD_ARG_NAME.test(name))
      throw new BuildError("INVALID_REQUEST", `Build variable name "${name.slice(0, 80)}" is invalid`);
  }
  for (const key of Object.keys(req.labels)) {
    if (!key || /[\s\p{Cc}=]/u.test(key))
      throw new BuildError("INVALID_REQUEST", `Label "${key.slice(0, 80)}" is invalid`);
  }
  if (req.port !== undefined && !(Number.isInteger(req.port) && req.port > 0 && req.port < 65536)) {
    throw new BuildError("INVALID_REQUEST", `Port ${req.port} is invalid`);
  }
  const { cpuCores, memoryBytes } = req.limits ?? {};
  if (cpuCores !== undefined && !(cpuCores > 0)) throw new BuildError("INVALID_REQUEST", "cpuCores must be positive");
  // The engine refuses less than 6 MB for a container.
  if (memoryBytes !== undefined && !(Number.isInteger(memoryBytes) && memoryBytes >= 6 * 1024 * 1024)) {
    throw new BuildError("INVALID_REQUEST", "memoryBytes must be a whole number of at least 6 MB");
  }
}

/** The git credentials of a checkout (its auth, a token written into the URL): always masked, listed or not. */
export function credentialValues(repoUrl: string, auth: GitAuth | undefined): string[] {
  const values: string[] = [];
  if (auth?.kind === "token") values.push(auth.token);
  if (auth?.kind === "ssh_key") values.push(auth.privateKeyPem);
  // A token written into the URL itself (https://user:token@host/...).
  const inUrl = URL.canParse(repoUrl) ? new URL(repoUrl).password : "";
  if (inUrl) values.push(decodeURIComponent(inUrl), inUrl);
  return values;
}

/**
 * A path the request names, resolved inside the clone. Neither "../" nor a symlink committed to the repository
 * may reach the host's files (a Dockerfile linked to /etc/shadow would print it in the build log).
 */
export async function insideRepo(repoDir: string, rel: string, what: string): Promise<string> {
  const outside = () =>
    new BuildError("INVALID_REQUEST", `${what} "${rel.slice(0, 200)}" must stay inside the repository`);
  const within = (root: string, p: string) => p === root || p.startsWith(`${root}${path.sep}`);
  const full = path.resolve(repoDir, rel);
  if (path.isAbsolute(rel) || !within(repoDir, full)) throw outside();
  const real = await realpath(full).catch(() => null);
  if (real !== null && !within(await realpath(repoDir), real)) throw outside();
  return full;
}

function unexpected(err: unknown, masker: LogMasker): BuildError {
  const message = err instanceof Error ? err.message : String(err);
  return new BuildError("BUILD_FAILED", `The build failed unexpectedly: ${masker.mask(message).slice(0, 1000)}`);
}
