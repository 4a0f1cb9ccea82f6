/**
 * The images generated Dockerfiles start from. Each is configurable (a mirror, a pinned digest, a local image);
 * the static image must provide busybox's `httpd` and `sh`, the Go runtime image only has to run a static binary.
 */
export interface BaseImages {
  node: string;
  python: string;
  go: string;
  goRuntime: string;
  static: string;
}

export const defaultBaseImages: BaseImages = {
  node: "node:20-slim",
  python: "python:3.11-slim",
  go: "golang:1.22",
  goRuntime: "gcr.io/distroless/static-debian12",
  static: "busybox:1.36",
};
