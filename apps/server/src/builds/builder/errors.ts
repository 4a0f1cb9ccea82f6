import type { ErrorCode } from "@syntra/contracts";

/**
 * Why a build failed: codes of the one error table, kept through to the deployment's `error_code` and the API
 * (the build worker records them).
 */
export type BuildErrorCode = Extract<
  ErrorCode,
  | "INVALID_REQUEST"
  | "CLONE_FAILED"
  | "REF_NOT_FOUND"
  | "DOCKERFILE_NOT_FOUND"
  | "NO_BUILDABLE_STACK"
  | "BUILD_FAILED"
  | "PUSH_FAILED"
  | "CANCELLED"
>;

/**
 * A build that did not produce an image. The message is meant for the user (it ends up on the deployment and in
 * the build log), so it is always masked: it never holds a token, key or secret build argument.
 */
export class BuildError extends Error {
  override readonly name = "BuildError";
  constructor(
    readonly code: BuildErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error to throw when the request's signal fired, whatever the step was doing at that moment. */
export function cancelled(): BuildError {
  return new BuildError("CANCELLED", "The build was cancelled");
}
