import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DockerfileVerification, GenerateDockerfileBody, GeneratedDockerfile } from "@syntra/contracts";
import Dockerode from "dockerode";
import { defaultBaseImages } from "../../builds/builder/base-images";
import { credentialValues, insideRepo } from "../../builds/builder/builder";
import { BuildError } from "../../builds/builder/errors";
import { checkoutCommit } from "../../builds/builder/git-checkout";
import { displayUrl, type GitAuth } from "../../builds/builder/git-source";
import { LogMasker } from "../../builds/builder/log-masker";
import { ContextFiles } from "../../builds/builder/stacks/stack";
import type { AppDeps } from "../../deps";
import { AppError } from "../../errors";
import { openGitAuth } from "../../git/credentials";
import type { ProjectScope } from "../../projects/projects";
import { getServiceRow } from "../../services/services";
import { callProvider, redactorFor, stamped } from "../call";
import { redactDeep } from "../redact";
import { recordAiUsage } from "../usage";
import { suggestedDockerignore } from "./dockerignore";
import { productionDockerfile } from "./production";
import type { DockerfileContext } from "./prompt";
import { snapshotRepository } from "./repo-snapshot";
import { verifyDockerfile } from "./verify";

/**
 * Writes a production Dockerfile for a repository and builds it before answering. The repository is fetched the
 * way builds fetch it (one commit, depth 1, the builder's git environment; the service's git credentials when
 * the request names the service and its repository), read within bounds, redacted and fenced for the provider.
 * The offline provider answers with the production Dockerfile from the builder's stack detection. The answer is
 * built with the Docker engine (`verified`); a model's Dockerfile that fails is sent back once with the build log.
 */
export async function generateDockerfile(
  deps: AppDeps,
  scope: ProjectScope,
  body: GenerateDockerfileBody,
): Promise<GeneratedDockerfile> {
  if (!deps.ai.enabled)
    throw new AppError("AI_DISABLED", "AI features are turned off on this installation (SYNTRA_AI=off)");
  const service = body.service_id ? await getServiceRow(deps.db, scope, body.service_id) : null;
  // Credentials go only to the repository they belong to, never to a URL the request made up.
  const auth: GitAuth | undefined =
    service && service.gitRepoUrl === body.repo_url ? openGitAuth(deps.keyring, service) : undefined;
  const maskValues = credentialValues(body.repo_url, auth);
  const workDir = deps.config.builds.workDir;
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(workDir, "dockerfile-"));
  try {
    const repoDir = path.join(dir, "repo");
    const secretsDir = path.join(dir, "secrets");
    await mkdir(secretsDir, { mode: 0o700 });
    const commit = await checkoutCommit({
      repoUrl: body.repo_url,
      ref: body.branch ?? "HEAD",
      auth,
      repoDir,
      secretsDir,
      knownHostsFile: path.join(workDir, "known_hosts"),
      pathVariable: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      masker: new LogMasker(maskValues, () => {}),
      signal: AbortSignal.timeout(deps.ai.config.dockerfileBuildMs),
    }).catch((err: unknown) => {
      throw err instanceof BuildError ? new AppError(err.code, err.message) : err;
    });
    await rm(secretsDir, { recursive: true, force: true });

    const images = { ...defaultBaseImages, ...deps.config.builds.baseImages };
    const port = service?.port ?? undefined;
    // A service built from a folder of a monorepo gets a Dockerfile for that folder, checked with it as the context.
    const buildContext = service?.buildContext ?? ".";
    const contextDir = await insideRepo(repoDir, buildContext, "Build context").catch((err: unknown) => {
      throw err instanceof BuildError ? new AppError(err.code, err.message) : err;
    });
    const files = new ContextFiles(contextDir);
    if (!(await files.isDir(".")))
      throw new AppError(
        "INVALID_REQUEST",
        `The build context ${buildContext} is not a folder of the repository at this commit`,
      );
    const snapshot = await snapshotRepository(contextDir);
    const detected = await productionDockerfile(files, images, port);
    // Without a .dockerignore, `COPY . .` would put .env files and keys into the image: the suggested one is
    // written into the checkout, so the verification builds what the user will commit.
    const dockerignore = (await files.isFile(".dockerignore"))
      ? null
      : suggestedDockerignore(detected?.stack ?? null, snapshot.withheld);
    if (dockerignore !== null) await writeFile(path.join(contextDir, ".dockerignore"), dockerignore);
    const context: DockerfileContext = {
      repository: {
        url: displayUrl(body.repo_url),
        branch: body.branch ?? null,
        commitSha: commit.commitSha,
        buildContext,
      },
      frameworkHint: body.framework_hint ?? null,
      port: port ?? null,
      ...snapshot,
      baseImages: images,
      detected,
      dockerignore,
    };
    const redact = await redactorFor(deps, scope.orgId, service?.id ?? null);
    const provider = deps.ai.provider;
    const verify = (dockerfile: string) =>
      deps.ai.verifySlots.run(() =>
        verifyDockerfile({
          docker: new Dockerode({ socketPath: deps.config.localAgent.dockerSocket }),
          contextDir,
          dockerfile,
          timeoutMs: deps.ai.config.dockerfileBuildMs,
          limits: {
            cpuCores: deps.config.builds.cpus,
            memoryBytes: deps.config.builds.memoryBytes,
          },
          maskValues,
        }),
      );

    let attempts = 0;
    let previous: DockerfileContext["previousAttempt"];
    for (;;) {
      attempts++;
      const asked = redactDeep({ ...context, previousAttempt: previous }, redact);
      const result = await callProvider(deps, scope.orgId, () => provider.generateDockerfile(asked));
      const at = deps.now();
      if (!provider.offline)
        await recordAiUsage(deps.db, {
          orgId: scope.orgId,
          feature: "dockerfile",
          provider: result.provider,
          model: result.model,
          usage: result.usage,
          at,
        });
      const verification: DockerfileVerification = await verify(result.answer.dockerfile);
      // One retry with the build error is what a user would do by hand; the offline answer would not change.
      if (verification.status === "failed" && !provider.offline && attempts < 2) {
        previous = { dockerfile: result.answer.dockerfile, buildLogTail: verification.log_tail ?? "" };
        continue;
      }
      return {
        ...stamped(result, provider.offline, at),
        verified: verification.status === "built",
        verification,
        attempts,
        stack: context.detected?.stack ?? null,
        commit_sha: commit.commitSha,
        files_read: snapshot.files.map((f) => f.path),
        files_withheld: snapshot.withheld,
        dockerignore,
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) =>
      deps.logger.error({ err, dir }, "could not remove a Dockerfile generation's work dir"),
    );
  }
}
