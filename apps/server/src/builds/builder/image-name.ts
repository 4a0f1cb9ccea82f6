import { BuildError } from "./errors";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REGISTRY =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/;

/** Where an image goes: `<registry>/<repository>:<tag>`, or `<repository>:<tag>` for a local-only build. */
export interface ImageTarget {
  /** `registry/repository` or `repository`. */
  name: string;
  tag: string;
  /** The full reference the agent runs. */
  ref: string;
}

/** Checks the parts against Docker's reference grammar so a bad name fails before the build, with a clear message. */
export function imageTarget(
  image: { registry: string | null; repository: string; tag?: string },
  commitSha: string,
): ImageTarget {
  const tag = image.tag ?? commitSha;
  if (!image.repository.split("/").every((part) => COMPONENT.test(part)) || image.repository.length > 255) {
    throw new BuildError(
      "INVALID_REQUEST",
      `Image repository "${image.repository.slice(0, 100)}" is invalid: lowercase letters, digits and separators (. _ -) in parts joined by /`,
    );
  }
  if (!TAG.test(tag)) throw new BuildError("INVALID_REQUEST", `Image tag "${tag.slice(0, 140)}" is invalid`);
  if (image.registry !== null && !REGISTRY.test(image.registry)) {
    throw new BuildError("INVALID_REQUEST", `Registry "${image.registry.slice(0, 100)}" is not a host[:port]`);
  }
  const name = image.registry === null ? image.repository : `${image.registry}/${image.repository}`;
  return { name, tag, ref: `${name}:${tag}` };
}
