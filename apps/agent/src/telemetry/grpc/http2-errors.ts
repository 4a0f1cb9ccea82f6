import type { ErrorCode } from "./frames";

/** Ends the whole connection (GOAWAY with the code). */
export class ConnectionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Ends one stream (RST_STREAM with the code); the connection goes on. */
export class StreamError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
