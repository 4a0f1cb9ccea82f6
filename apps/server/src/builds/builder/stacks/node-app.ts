import {
  argLines,
  execForm,
  type GeneratedDockerfile,
  type StackInput,
  safeName,
  shellCmd,
  staticServerStage,
} from "./stack";
import { SITE_DIRS } from "./static-site";

/** Ports a generated Dockerfile uses when the service names none. */
export const DEFAULT_PORT = 3000;
export const STATIC_PORT = 8080;
/** Dependencies that mean "the build output is a static site" when the app has no server of its own. */
const FRONTEND_TOOLS = ["vite", "react-scripts", "@vue/cli-service", "@angular/cli", "astro", "gatsby", "parcel"];
const ENTRY_FILES = ["server.js", "index.js", "app.js", "main.js", "server.mjs", "index.mjs", "src/index.js"];

interface PackageJson {
  scripts: Record<string, string>;
  deps: Set<string>;
  main: string | null;
  workspaces: boolean;
}

/** The package manager the lockfile names, with its install and run commands. */
export type PackageManager = { name: "npm" | "yarn" | "pnpm"; lockfile: string | null; install: string; run: string[] };

/** What a Node.js app needs, as detected: shared by the builder's Dockerfile and the AI engine's production one. */
export interface NodePlan {
  pm: PackageManager;
  /** Copy the manifests, install, copy the sources (or copy everything first where installs need it). */
  install: string[];
  /** `RUN <pm> run build` when there is a build script. */
  build: string[];
  /** A front-end app with nothing to start: its build output is served as a static site. */
  staticBuild: boolean;
  /** The CMD line starting a server app; null for a static build. */
  start: string | null;
}

/** The plan for the repository's Node.js app, or null when it is not one (no package.json, nothing to start). */
export async function nodePlan(input: StackInput): Promise<NodePlan | null> {
  const pkg = parsePackageJson(await input.files.read("package.json"));
  if (!pkg) return null;
  const pm = await packageManager(input);
  const install = await installSteps(input, pm, pkg);
  const build = pkg.scripts.build ? [`RUN ${[...pm.run, "build"].join(" ")}`] : [];
  if (isStaticBuild(pkg)) return { pm, install, build, staticBuild: true, start: null };
  const start = await startCommand(input, pkg, pm);
  return start ? { pm, install, build, staticBuild: false, start } : null;
}

/** The command that collects a front-end build's output (the first SITE_DIRS folder with an index.html) in /site. */
export function collectSiteStep(): string {
  const found = SITE_DIRS.map((d) => `if [ -f ${d}/index.html ]; then cp -r ${d} /site; exit 0; fi`).join("; ");
  return `RUN ${found}; echo "no index.html in ${SITE_DIRS.join(", ")} after the build" >&2; exit 1`;
}

/**
 * A Node.js app (package.json): dependencies installed with the lockfile's package manager, `build` run when
 * present, started by its `start` script, its framework's server or its main file. A front-end app with nothing
 * to start is built and its output served as a static site.
 */
export async function nodeApp(input: StackInput): Promise<GeneratedDockerfile | null> {
  const plan = await nodePlan(input);
  if (!plan) return null;
  const header = [
    `FROM ${input.images.node}${plan.staticBuild ? " AS build" : ""}`,
    "WORKDIR /app",
    ...argLines(input.buildArgNames),
  ];

  if (plan.staticBuild || !plan.start) {
    const port = input.port ?? STATIC_PORT;
    const lines = [
      ...header,
      ...plan.install,
      ...plan.build,
      collectSiteStep(),
      "",
      ...staticServerStage(input.images.static, "COPY --from=build /site /srv", port),
    ];
    return { stack: "static", dockerfile: `${lines.join("\n")}\n` };
  }

  const port = input.port ?? DEFAULT_PORT;
  const lines = [
    ...header,
    ...plan.install,
    ...plan.build,
    "ENV NODE_ENV=production",
    `ENV PORT=${port}`,
    `EXPOSE ${port}`,
    plan.start,
  ];
  return { stack: "node", dockerfile: `${lines.join("\n")}\n` };
}

function parsePackageJson(text: string | null): PackageJson | null {
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object") return null;
  const obj = raw as Record<string, unknown>;
  const record = (v: unknown): Record<string, string> =>
    v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {};
  return {
    scripts: record(obj.scripts),
    deps: new Set([...Object.keys(record(obj.dependencies)), ...Object.keys(record(obj.devDependencies))]),
    main: typeof obj.main === "string" ? obj.main : null,
    workspaces: obj.workspaces !== undefined,
  };
}

async function packageManager(input: StackInput): Promise<PackageManager> {
  if (await input.files.isFile("pnpm-lock.yaml")) {
    return {
      name: "pnpm",
      lockfile: "pnpm-lock.yaml",
      install: "corepack enable && pnpm install --frozen-lockfile",
      run: ["pnpm", "run"],
    };
  }
  if (await input.files.isFile("yarn.lock")) {
    // Yarn 2+ (a .yarnrc.yml) renamed --frozen-lockfile to --immutable.
    const berry = await input.files.isFile(".yarnrc.yml");
    const flag = berry ? "--immutable" : "--frozen-lockfile";
    return {
      name: "yarn",
      lockfile: "yarn.lock",
      install: `corepack enable && yarn install ${flag}`,
      run: ["yarn", "run"],
    };
  }
  for (const lockfile of ["package-lock.json", "npm-shrinkwrap.json"]) {
    if (await input.files.isFile(lockfile)) {
      return { name: "npm", lockfile, install: "npm ci --no-audit --no-fund", run: ["npm", "run"] };
    }
  }
  return { name: "npm", lockfile: null, install: "npm install --no-audit --no-fund", run: ["npm", "run"] };
}

/**
 * Manifests first, then install, then the sources: a change to the code alone reuses the install layer. Monorepos
 * and Yarn 2+ need more than the manifests to install, so they copy everything first.
 */
async function installSteps(input: StackInput, pm: PackageManager, pkg: PackageJson): Promise<string[]> {
  const needsAll =
    pkg.workspaces || (await input.files.isFile("pnpm-workspace.yaml")) || (await input.files.isFile(".yarnrc.yml"));
  if (needsAll) return ["COPY . .", `RUN ${pm.install}`];
  const manifests = ["package.json", ...(pm.lockfile ? [pm.lockfile] : [])];
  return [`COPY ${manifests.join(" ")} ./`, `RUN ${pm.install}`, "COPY . ."];
}

function isStaticBuild(pkg: PackageJson): boolean {
  if (pkg.scripts.start || !pkg.scripts.build) return false;
  if (pkg.deps.has("next") || pkg.deps.has("nuxt") || pkg.deps.has("@nestjs/core")) return false;
  return FRONTEND_TOOLS.some((tool) => pkg.deps.has(tool));
}

async function startCommand(input: StackInput, pkg: PackageJson, pm: PackageManager): Promise<string | null> {
  if (pkg.scripts.start) return execForm("CMD", pm.name === "npm" ? ["npm", "start"] : [pm.name, "start"]);
  if (pkg.deps.has("next")) return shellCmd(`npx next start -p "$PORT"`);
  if (pkg.deps.has("nuxt")) return execForm("CMD", ["node", ".output/server/index.mjs"]);
  if (pkg.deps.has("@nestjs/core")) return execForm("CMD", ["node", "dist/main.js"]);
  if (pkg.main && safeName(pkg.main) && (await input.files.isFile(pkg.main)))
    return execForm("CMD", ["node", pkg.main]);
  for (const file of ENTRY_FILES) {
    if (await input.files.isFile(file)) return execForm("CMD", ["node", file]);
  }
  return null;
}
