import type Dockerode from "dockerode";
import type { Logger } from "pino";
import type { BaseImages } from "./base-images";
import type { GitAuth } from "./git-source";
import type { StackName } from "./stacks/stack";

/** One build: a commit of a repository turned into an image. */
export interface BuildRequest {
  /** https://..., http://..., ssh://..., git@host:path, or file:///abs/path (local repositories). */
  repoUrl: string;
  /** A commit SHA (full or abbreviated) or a branch name. */
  ref: string;
  auth?: GitAuth;
  /** Relative to the repository root; default "Dockerfile". Without one there, the stack is detected. */
  dockerfilePath: string;
  /** Relative directory; default ".". */
  buildContext: string;
  /** Build-time variables only (runtime env vars are never passed here). */
  buildArgs: Record<string, string>;
  /** Secret values to mask in the log (build args marked secret, tokens, keys). */
  maskValues: string[];
  /** A null registry builds a local image only; the tag defaults to the commit SHA. */
  image: { registry: string | null; repository: string; tag?: string };
  registryAuth?: { username: string; password: string };
  limits?: { cpuCores?: number; memoryBytes?: number };
  /** The lead passes dev.syntra.service=<id>, dev.syntra.deployment=<id>. */
  labels: Record<string, string>;
  /** The port the service listens on: PORT and EXPOSE in a generated Dockerfile (stack default otherwise). */
  port?: number;
  /** Abort = really stop: the git process or the docker build is killed and the work dir removed. */
  signal?: AbortSignal;
  /** Every output line, already masked, as it happens. */
  onLog?: (line: string) => void;
}

/** What a successful build produced. */
export interface BuildResult {
  commitSha: string;
  commitMessage: string;
  commitAuthor: string;
  /** What the agent should run: registry/repository:tag, or the local tag. */
  imageRef: string;
  /** Registry manifest digest (sha256:...) after the push; null for local-only builds. */
  imageDigest: string | null;
  /** The local image id (sha256:...). */
  imageId: string;
  /** The Dockerfile Syntra wrote when the repository had none. */
  generatedDockerfile: string | null;
  /** The detected stack, null when the repository's Dockerfile was used. */
  stack: StackName | null;
  durationMs: number;
}

export interface BuilderOptions {
  docker?: Dockerode;
  /** Clones go in temporary folders under here; each is removed when its build ends. */
  workDir: string;
  baseImages?: Partial<BaseImages>;
  logger?: Logger;
  /** PATH for git and ssh; default the control plane's own. */
  pathVariable?: string;
}
