import { aiDockerfileAnswer } from "@syntra/contracts";
import type { BaseImages } from "../../builds/builder/base-images";
import { fencedToolRequest, toolInputSchema } from "../fenced-request";
import type { StructuredRequest } from "../providers/types";
import type { ProductionDockerfile } from "./production";
import type { RepoFile } from "./repo-snapshot";

/** The tool a model must call with its Dockerfile. */
export const DOCKERFILE_TOOL = "record_dockerfile";

/** What a provider writes a Dockerfile from; redacted before it reaches one. */
export interface DockerfileContext {
  /** `buildContext`: the folder the image is built from (the layout and files are of that folder). */
  repository: { url: string; branch: string | null; commitSha: string; buildContext: string };
  frameworkHint: string | null;
  /** The port the service listens on, when the request named a service. */
  port: number | null;
  tree: string[];
  files: RepoFile[];
  withheld: string[];
  /** The images Dockerfiles on this installation start from (mirrors, pinned digests, an air-gapped registry). */
  baseImages: BaseImages;
  /** What Syntra's own stack detection writes for it (the offline answer); null when no stack fits. */
  detected: ProductionDockerfile | null;
  /** The .dockerignore Syntra adds to the build context when the repository has none (null: it has one). */
  dockerignore: string | null;
  /** The model's earlier Dockerfile and the end of its failed build's log: the retry is asked to fix it. */
  previousAttempt?: { dockerfile: string; buildLogTail: string };
}

const dockerfileTool = {
  name: DOCKERFILE_TOOL,
  description: "Records the production Dockerfile for the repository and its explanation.",
  inputSchema: toolInputSchema(aiDockerfileAnswer),
};

/**
 * The Dockerfile request: fixed instructions (production image: multi-stage, non-root, cache-friendly; the
 * installation's base images), the repository's layout and files as untrusted data in the fence (a README or
 * a comment in package.json may say "ignore your instructions"), and the answer's schema as the one tool.
 */
export function dockerfileRequest(context: DockerfileContext, maxTokens: number, nonce?: string): StructuredRequest {
  const retry = context.previousAttempt
    ? [
        "Your previous Dockerfile failed to build. It and the end of its build log are in the data",
        "(previous_attempt); write a corrected Dockerfile.",
      ]
    : [];
  return fencedToolRequest({
    role: [
      "You are the Dockerfile writer of Syntra, a self-hosted deployment platform. You get one commit of a git",
      "repository: its layout, its manifests and lockfiles (lockfiles cut to their head), its entry points, the",
      "Dockerfile Syntra's own stack detection would write (may be missing), and the base images this installation",
      "uses. The Dockerfile you write is built from the repository root with the Docker engine's classic builder",
      "(no BuildKit-only syntax such as RUN --mount or heredocs) from the repository's build context folder (its",
      "layout and files are what you get; paths in COPY are relative to it) and then deployed.",
    ],
    dataName: "The repository's data",
    instructions: [
      "Write a production Dockerfile: a build stage and a slim runtime stage (multi-stage); manifests and lockfile",
      "copied and dependencies installed before the sources are copied (so a code change reuses the install layer);",
      "no dev dependencies or build tools in the runtime stage; the runtime stage runs as a non-root user (USER with",
      "a numeric uid works on every base image); the app listens on $PORT and the image EXPOSEs it; CMD in exec form.",
      "Use the base images given for each runtime unless the repository needs another one. Never copy or print",
      "secret files (the withheld list names them) and never put credentials in the image.",
      `Call the ${DOCKERFILE_TOOL} tool exactly once with: dockerfile (the whole file) and explanation (a short`,
      "paragraph: what the app is, what each stage does, the port and the user).",
    ],
    ask: ["Write the Dockerfile for this repository.", ...retry],
    data: promptData(context),
    tool: dockerfileTool,
    maxTokens,
    nonce,
  });
}

function promptData(c: DockerfileContext): Record<string, unknown> {
  return {
    repository: c.repository,
    framework_hint: c.frameworkHint,
    service_port: c.port,
    base_images: c.baseImages,
    layout: c.tree,
    files: c.files.map((f) => ({ path: f.path, ...(f.truncated && { truncated: true }), content: f.content })),
    withheld_secret_files: c.withheld,
    ...(c.dockerignore && { dockerignore_added_by_syntra: c.dockerignore }),
    stack_detection: c.detected && {
      stack: c.detected.stack,
      port: c.detected.port,
      dockerfile: c.detected.dockerfile,
    },
    ...(c.previousAttempt && {
      previous_attempt: { dockerfile: c.previousAttempt.dockerfile, build_log_tail: c.previousAttempt.buildLogTail },
    }),
  };
}
