/** Why OTLP input was refused; `status` is the HTTP status the OTLP specification asks for. */
export class OtlpInputError extends Error {
  override readonly name = "OtlpInputError";

  constructor(
    message: string,
    /** 400 undecodable, 413 too large, 415 unsupported media type or encoding. */
    readonly status: 400 | 413 | 415,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
