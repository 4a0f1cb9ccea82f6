import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import tar from "tar-fs";
import type { BaseImages } from "../base-images";

const run = promisify(execFile);
/** The busybox image scripts/services/docker.sh makes; everything here starts from it. */
export const BUSYBOX = "syntra-test/busybox:latest";
const FIXTURE_LABEL = "dev.syntra.test.base";
const GO_ROOT = "/usr/local/go";

/**
 * Base images for the builder's tests, made from this machine's own runtimes (no image can be pulled here):
 * busybox with every applet, plus the host's node and npm, python and its standard library, or the Go
 * toolchain, each with the shared libraries `ldd` lists. Built once and reused while their inputs are the same.
 */
export async function testBaseImages(docker = new Dockerode()): Promise<Partial<BaseImages>> {
  const images: Partial<BaseImages> = { static: BUSYBOX, goRuntime: BUSYBOX };
  images.node = await nodeImage(docker);
  const python = await pythonImage(docker);
  if (python) images.python = python;
  const go = await goImage(docker);
  if (go) images.go = go;
  return images;
}

/** The host's python3.11 installation, or null when there is none. */
export function hostPython(): string | null {
  for (const candidate of [
    "/root/.pyenv/versions/3.11.7/bin/python3.11",
    "/usr/local/bin/python3.11",
    "/usr/bin/python3.11",
  ]) {
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return null;
}

export const hostGo = (): boolean => existsSync(path.join(GO_ROOT, "bin/go"));

async function nodeImage(docker: Dockerode): Promise<string> {
  const node = realpathSync(process.execPath);
  const npm = "/usr/lib/node_modules/npm";
  const files = [node, ...(await sharedLibraries([node]))];
  const dirs = existsSync(npm) ? [npm] : [];
  const dockerfile = [
    `FROM ${BUSYBOX}`,
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    "COPY rootfs/ /",
    ...(node === "/usr/bin/node" ? [] : [`RUN ln -sf ${node} /usr/bin/node`]),
    ...(dirs.length
      ? [
          "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/bin/npx",
        ]
      : []),
    "ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root",
    // npm's scripts start with #!/usr/bin/env; busybox put env in /bin.
    "RUN mkdir -p /root && ln -sf /bin/env /usr/bin/env",
  ].join("\n");
  return fixtureImage(docker, `syntra-test/node:${process.versions.node}`, dockerfile, files, dirs, () => false);
}

async function pythonImage(docker: Dockerode): Promise<string | null> {
  const python = hostPython();
  if (!python) return null;
  const prefix = path.dirname(path.dirname(python));
  const stdlib = path.join(prefix, "lib/python3.11");
  const { stdout } = await run("find", [path.join(stdlib, "lib-dynload"), "-name", "*.so"]);
  const modules = stdout.split("\n").filter(Boolean);
  const libs = await sharedLibraries([python, ...modules]);
  const sitePackages = path.join(stdlib, "site-packages");
  // The standard library and pip only: the host's other packages and the test suite would weigh hundreds of MB.
  const skip = (abs: string) =>
    /\/(test|tests|idlelib|tkinter|turtledemo|ensurepip|__pycache__|config-3\.11[^/]*)$/.test(abs) ||
    (abs.startsWith(`${sitePackages}/`) && !/site-packages\/(pip|pip-[^/]*\.dist-info)(\/|$)/.test(abs));
  const dockerfile = [
    `FROM ${BUSYBOX}`,
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    "COPY rootfs/ /",
    `RUN mkdir -p /usr/local/bin /root && ln -s ${python} /usr/local/bin/python && ln -s ${python} /usr/local/bin/python3 && printf '#!/bin/sh\\nexec ${python} -m pip "$@"\\n' > /usr/local/bin/pip && chmod +x /usr/local/bin/pip`,
    "ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root",
  ].join("\n");
  return fixtureImage(docker, "syntra-test/python:3.11", dockerfile, [python, ...libs], [stdlib], skip);
}

async function goImage(docker: Dockerode): Promise<string | null> {
  if (!hostGo()) return null;
  const skip = (abs: string) => /\/(testdata|test|api|doc|misc)$/.test(abs) && abs !== GO_ROOT;
  const dockerfile = [
    `FROM ${BUSYBOX}`,
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    "COPY rootfs/ /",
    "RUN mkdir -p /tmp /root && chmod 1777 /tmp",
    // No module proxy is reachable and the toolchain must not try to download another one.
    `ENV PATH=${GO_ROOT}/bin:/usr/bin:/bin GOPATH=/go GOCACHE=/root/.cache/go-build GOTOOLCHAIN=local GOPROXY=off HOME=/root`,
    // Compiling net/http from nothing takes a minute on two cores: the image carries the compiled standard
    // library (same flags as the generated Dockerfile), so each test build compiles only its own package.
    `RUN mkdir /warm && cd /warm && printf 'module warm\\n' > go.mod && printf 'package main\\nimport _ "net/http"\\nfunc main() {}\\n' > main.go && CGO_ENABLED=0 go build -trimpath -o /dev/null . && cd / && rm -rf /warm`,
  ].join("\n");
  return fixtureImage(docker, "syntra-test/go:host", dockerfile, [], [GO_ROOT], skip);
}

/** The shared libraries (and the dynamic loader) these binaries load, as ldd reports them. */
async function sharedLibraries(binaries: string[]): Promise<string[]> {
  const libs = new Set<string>();
  for (const binary of binaries) {
    const { stdout } = await run("ldd", [binary]).catch(() => ({ stdout: "" }));
    for (const match of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) if (match[1]) libs.add(match[1]);
  }
  return [...libs];
}

/**
 * Builds `ref` from a Dockerfile and host paths placed at the same paths in the image (symlinks followed), unless
 * an image with the same inputs exists. Files are streamed from where they are: nothing is copied first.
 */
async function fixtureImage(
  docker: Dockerode,
  ref: string,
  dockerfile: string,
  files: string[],
  dirs: string[],
  skip: (absolute: string) => boolean,
): Promise<string> {
  const hash = createHash("sha256")
    .update(JSON.stringify({ dockerfile, files, dirs, node: process.version }))
    .digest("hex")
    .slice(0, 16);
  const existing = await docker
    .getImage(ref)
    .inspect()
    .catch(() => null);
  if (existing?.Config.Labels?.[FIXTURE_LABEL] === hash) return ref;
  // A tree of symlinks to the host paths, packed with the links followed.
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-base-"));
  const rootfs = path.join(dir, "rootfs");
  try {
    for (const hostPath of [...files, ...dirs]) {
      await mkdir(path.dirname(path.join(rootfs, hostPath)), { recursive: true });
      await symlink(hostPath, path.join(rootfs, hostPath));
    }
    const context: Readable = tar.pack(dir, {
      dereference: true,
      ignore: (abs) => abs.startsWith(`${rootfs}/`) && skip(abs.slice(rootfs.length)),
      finalize: false,
      finish: (pack) => {
        pack.entry({ name: "Dockerfile" }, `${dockerfile}\nLABEL ${FIXTURE_LABEL}=${hash}\n`);
        pack.finalize();
      },
    });
    await buildTestImage(docker, context, { t: ref });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return ref;
}

/** Builds a test image from a tar context and waits for the engine to finish; rejects with the engine's error. */
export async function buildTestImage(
  docker: Dockerode,
  context: Readable,
  options: { t: string; labels?: Record<string, string> },
): Promise<void> {
  const stream = await docker.buildImage(context, { ...options, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`Building ${options.t} failed: ${failed}`));
      else resolve();
    });
  });
}
