// The builder's public surface: what the build worker calls.
export type { BaseImages } from "./base-images";
export { defaultBaseImages } from "./base-images";
export { Builder } from "./builder";
export { type DeployKeyPair, generateDeployKey } from "./deploy-key";
export { BuildError, type BuildErrorCode } from "./errors";
export type { GitAuth } from "./git-source";
export { type DiskUsage, diskUsage, PRUNE_GRACE_MS, pruneServiceImages } from "./image-hygiene";
export { COMMIT_LABEL, MANAGED_LABEL, SERVICE_LABEL } from "./labels";
export { LogMasker } from "./log-masker";
export type { StackName } from "./stacks/stack";
export type { BuilderOptions, BuildRequest, BuildResult } from "./types";
