import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";

/** The base image scripts/services/docker.sh builds from busybox-static. */
export const BASE_IMAGE = "syntra-test/busybox:latest";
/** Port the test web app listens on (override with the PORT env var). */
export const WEBAPP_PORT = 8080;

/** The label holding a fixture image's content hash. */
export const FIXTURE_LABEL = "dev.syntra.test.fixture";
const built = new Map<string, Promise<string>>();

/**
 * Test images `syntra-test/webapp:<tag>`, built once per process (and reused across processes and runs while
 * their content is the same): busybox httpd on port 8080 serving `/index.html` = the tag and `/healthz` = "ok".
 * Tags starting with `broken-` have no /healthz, so their HTTP health check fails. Resolves with the refs.
 */
export function ensureTestImages(...tags: string[]): Promise<string[]> {
  return Promise.all(tags.map((tag) => webappImage(tag)));
}

/** One test image (see ensureTestImages). */
export function webappImage(tag: string, docker = new Dockerode()): Promise<string> {
  const ref = `syntra-test/webapp:${tag}`;
  let pending = built.get(ref);
  if (!pending) {
    pending = buildWebapp(docker, ref, tag);
    built.set(ref, pending);
    pending.catch(() => built.delete(ref));
  }
  return pending;
}

function dockerfile(tag: string, hash: string): string {
  // SIGTERM ends the app at once: busybox httpd as PID 1 would ignore it and every stop would wait for SIGKILL.
  const script = [
    `echo "webapp ${tag} starting"`,
    `echo "webapp ${tag} stderr line" >&2`,
    // -v: a log line per request, so tests can watch logs grow.
    "httpd -f -v -p $PORT -h /www &",
    "trap 'kill $!; exit 0' TERM INT",
    "wait",
  ].join("\n");
  return [
    `FROM ${BASE_IMAGE}`,
    "COPY www /www",
    `LABEL ${FIXTURE_LABEL}="${hash}"`,
    `ENV PORT=${WEBAPP_PORT}`,
    `EXPOSE ${WEBAPP_PORT}`,
    `CMD ${JSON.stringify(["sh", "-c", script])}`,
    "",
  ].join("\n");
}

function buildWebapp(docker: Dockerode, ref: string, tag: string): Promise<string> {
  const files: Record<string, string> = { "www/index.html": tag };
  if (!tag.startsWith("broken-")) files["www/healthz"] = "ok";
  return buildFixtureImage(docker, { ref, files, dockerfile: (hash) => dockerfile(tag, hash) });
}

/** A test image of the tests' own making, from BASE_IMAGE. */
export interface FixtureImage {
  ref: string;
  /** The build context's files by path (text). */
  files: Record<string, string>;
  /** Paths among `files` written executable (CGI scripts, entrypoints). */
  executable?: string[];
  /** The Dockerfile; it must carry `LABEL ${FIXTURE_LABEL}="<hash>"` so an unchanged image is not rebuilt. */
  dockerfile: (hash: string) => string;
}

/** Builds a fixture image, unless the engine already has one of the same content under `ref`; resolves with it. */
export async function buildFixtureImage(docker: Dockerode, image: FixtureImage): Promise<string> {
  const { ref, files, executable = [] } = image;
  let base: Dockerode.ImageInspectInfo;
  try {
    base = await docker.getImage(BASE_IMAGE).inspect();
  } catch {
    throw new Error(`${BASE_IMAGE} is missing: run scripts/services/docker.sh start`);
  }
  const hash = createHash("sha256")
    .update(
      JSON.stringify({
        base: base.Id,
        files,
        dockerfile: image.dockerfile(""),
        ...(executable.length > 0 && { executable }),
      }),
    )
    .digest("hex")
    .slice(0, 16);
  const existing = await docker
    .getImage(ref)
    .inspect()
    .catch(() => null);
  if (existing?.Config.Labels?.[FIXTURE_LABEL] === hash) return ref;

  const dir = await mkdtemp(path.join(tmpdir(), "syntra-fixture-"));
  try {
    await writeFile(path.join(dir, "Dockerfile"), image.dockerfile(hash));
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content, { mode: executable.includes(name) ? 0o755 : 0o644 });
    }
    const src = ["Dockerfile", ...new Set(Object.keys(files).map((name) => name.split("/")[0] ?? name))];
    const stream = await docker.buildImage({ context: dir, src }, { t: ref, rm: true });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
        const failed = err?.message ?? events.find((e) => e.error)?.error;
        if (failed) reject(new Error(`Building ${ref} failed: ${failed}`));
        else resolve();
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return ref;
}
