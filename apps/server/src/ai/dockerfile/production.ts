import type { BaseImages } from "../../builds/builder/base-images";
import { detectStack } from "../../builds/builder/stacks/detect";
import {
  collectSiteStep,
  DEFAULT_PORT,
  type NodePlan,
  nodePlan,
  STATIC_PORT,
} from "../../builds/builder/stacks/node-app";
import { type PythonPlan, pythonPlan } from "../../builds/builder/stacks/python-app";
import {
  type ContextFiles,
  type StackInput,
  type StackName,
  staticServerStage,
} from "../../builds/builder/stacks/stack";

/** The unprivileged user the images run as: numeric, so no base image needs useradd or a passwd entry. */
export const APP_UID = 10001;
const USER_LINE = `USER ${APP_UID}:${APP_UID}`;

/** A production Dockerfile written from the stack the builder detects, with what it does in plain words. */
export interface ProductionDockerfile {
  stack: StackName;
  dockerfile: string;
  explanation: string;
  /** The port the image's app listens on (PORT and EXPOSE). */
  port: number;
}

/**
 * The offline generator: the builder's stack detection (the same plans its own Dockerfiles come from), written as
 * a production image: a build stage that installs from the manifests and lockfile before the sources are copied
 * (a code change reuses the install layer), dev dependencies pruned, a runtime stage with only what runs, as an
 * unprivileged numeric user. Null when no stack fits.
 */
export async function productionDockerfile(
  files: ContextFiles,
  images: BaseImages,
  port: number | undefined,
): Promise<ProductionDockerfile | null> {
  const input: StackInput = { files, images, buildArgNames: [], port };
  const node = await nodePlan(input);
  if (node) return node.staticBuild || !node.start ? nodeStatic(input, node) : nodeServer(input, node, node.start);
  const python = await pythonPlan(input);
  if (python) return pythonServer(input, python);
  // Go (already two stages: toolchain, then a runtime image with the binary) and plain static sites: the
  // builder's Dockerfile, run as the unprivileged user.
  const other = await detectStack(input);
  if (!other) return null;
  const lines = other.dockerfile.trimEnd().split("\n");
  const cmd = lines.findLastIndex((l) => l.startsWith("CMD ") || l.startsWith("ENTRYPOINT "));
  lines.splice(cmd < 0 ? lines.length : cmd, 0, USER_LINE);
  const exposed = Number(/^EXPOSE (\d+)$/m.exec(other.dockerfile)?.[1] ?? STATIC_PORT);
  return {
    stack: other.stack,
    dockerfile: `${lines.join("\n")}\n`,
    explanation:
      other.stack === "go"
        ? `A Go module: compiled in the Go image, the static binary copied into a minimal runtime image, run as the unprivileged user ${APP_UID}.`
        : `A static site: the files served by busybox httpd on port ${exposed}, run as the unprivileged user ${APP_UID}.`,
    port: exposed,
  };
}

function nodeServer(input: StackInput, plan: NodePlan, start: string): ProductionDockerfile {
  const port = input.port ?? DEFAULT_PORT;
  const prune = { npm: "RUN npm prune --omit=dev", pnpm: "RUN pnpm prune --prod", yarn: null }[plan.pm.name];
  const lines = [
    `FROM ${input.images.node} AS build`,
    "WORKDIR /app",
    ...plan.install,
    ...plan.build,
    ...(prune ? [prune] : []),
    "",
    `FROM ${input.images.node}`,
    "WORKDIR /app",
    // npm and most tools want a writable home; the app's files stay root-owned and read-only to it.
    `RUN mkdir -p /home/app && chown ${APP_UID}:${APP_UID} /home/app`,
    `ENV NODE_ENV=production PORT=${port} HOME=/home/app`,
    "COPY --from=build /app /app",
    USER_LINE,
    `EXPOSE ${port}`,
    start,
  ];
  const lock = plan.pm.lockfile
    ? `${plan.pm.lockfile} copied with package.json and installed (${plan.pm.install.replace("corepack enable && ", "")}) before the sources, so a code change reuses the dependency layer`
    : "no lockfile: package.json copied and installed before the sources (commit a lockfile for reproducible installs)";
  return {
    stack: "node",
    dockerfile: `${lines.join("\n")}\n`,
    explanation: [
      `A Node.js app (${plan.pm.name}). Build stage: ${lock}`,
      plan.build.length ? "; the build script is run" : "",
      prune ? "; dev dependencies are pruned afterwards." : ". (Yarn has no prune: dev dependencies stay.)",
      ` Runtime stage: the app with its production dependencies, NODE_ENV=production, PORT=${port}, run as the unprivileged user ${APP_UID}, started with ${start.slice(4)}.`,
    ].join(""),
    port,
  };
}

function nodeStatic(input: StackInput, plan: NodePlan): ProductionDockerfile {
  const port = input.port ?? STATIC_PORT;
  const [from, copy, ...rest] = staticServerStage(input.images.static, "COPY --from=build /site /srv", port);
  const lines = [
    `FROM ${input.images.node} AS build`,
    "WORKDIR /app",
    ...plan.install,
    ...plan.build,
    collectSiteStep(),
    "",
    from,
    copy,
    USER_LINE,
    ...rest,
  ];
  return {
    stack: "static",
    dockerfile: `${lines.join("\n")}\n`,
    explanation: `A front-end app with a build and nothing to start: built with ${plan.pm.name} (manifests and lockfile installed before the sources), and only the build output served by busybox httpd on port ${port}, run as the unprivileged user ${APP_UID}.`,
    port,
  };
}

function pythonServer(input: StackInput, plan: PythonPlan): ProductionDockerfile {
  // Installed into /deps with --target: independent of where the base image keeps its site-packages.
  const install = plan.requirements
    ? ["COPY requirements.txt ./", "RUN mkdir -p /deps && pip install --target=/deps -r requirements.txt"]
    : ["COPY . .", "RUN mkdir -p /deps && pip install --target=/deps ."];
  const lines = [
    `FROM ${input.images.python} AS build`,
    "WORKDIR /app",
    "ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
    ...install,
    "",
    `FROM ${input.images.python}`,
    "WORKDIR /app",
    `ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/deps PATH=/deps/bin:$PATH PORT=${plan.port}`,
    "COPY --from=build /deps /deps",
    "COPY . .",
    USER_LINE,
    `EXPOSE ${plan.port}`,
    plan.start,
  ];
  return {
    stack: "python",
    dockerfile: `${lines.join("\n")}\n`,
    explanation: [
      `A Python app. Build stage: ${plan.requirements ? "requirements.txt copied and installed before the sources, so a code change reuses the dependency layer" : "pyproject.toml installed (the project itself with its dependencies)"}, into /deps.`,
      ` Runtime stage: the dependencies and the sources only (no build leftovers), PORT=${plan.port}, run as the unprivileged user ${APP_UID}, started with ${plan.start.slice(4)}.`,
    ].join(""),
    port: plan.port,
  };
}
