import type { ApiError } from "@syntra/api-client";

/**
 * The exit codes of `syn`, documented in the README and in `syn help exit-codes`. `syn exec` exits with the
 * command's own code instead (and 125 when syn itself failed before the command ran, as `docker exec` does).
 */
export const EXIT = {
  ok: 0,
  /** An error not listed below (the API's message says which). */
  error: 1,
  /** Bad usage: an unknown command or option, a missing argument, an unparsable value. */
  usage: 2,
  /** Not logged in, or the token was refused (expired, revoked). */
  auth: 3,
  /** Logged in, but the role or token does not allow this. */
  forbidden: 4,
  /** The service, project, organization or deployment does not exist (or is another organization's). */
  notFound: 5,
  /** The deployment (or rollback) ended failed, rolled back or cancelled. */
  deployFailed: 6,
  /** Syntra could not be reached. */
  network: 7,
  /** The service's server is offline, or its agent did not answer in time. */
  agentUnavailable: 8,
  /** `syn exec`: syn failed before the command ran. */
  execFailed: 125,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

/** One line per code, for help texts and the README. */
export const EXIT_CODE_HELP = `Exit codes:
  0    success
  1    an error not listed below (the message says which)
  2    bad usage (unknown command or option, missing argument)
  3    not logged in, or the token was refused
  4    permission denied (role or token scopes)
  5    not found (service, project, organization, deployment)
  6    the deployment or rollback ended failed, rolled back or cancelled
  7    Syntra could not be reached
  8    the service's server is offline or its agent did not answer
  130  interrupted (Ctrl-C)
  syn exec exits with the command's exit code, or 125 when syn failed before the command ran.`;

/** A failure of the CLI itself (not the API's), with its exit code and an optional hint. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The exit code for an API error. */
export function exitCodeOfApiError(err: Pick<ApiError, "code">): number {
  switch (err.code) {
    case "UNAUTHORIZED":
    case "INVALID_CREDENTIALS":
      return EXIT.auth;
    case "FORBIDDEN":
      return EXIT.forbidden;
    case "NOT_FOUND":
      return EXIT.notFound;
    case "NETWORK_ERROR":
      return EXIT.network;
    case "AGENT_OFFLINE":
    case "TIMEOUT":
      return EXIT.agentUnavailable;
    default:
      return EXIT.error;
  }
}
