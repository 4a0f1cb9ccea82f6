import type { ErrorCode } from "@syntra/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, isUniqueViolation } from "../errors";

/** Sends the error envelope of interface contracts 2.2. */
export function sendError(reply: FastifyReply, req: FastifyRequest, err: AppError): FastifyReply {
  for (const [name, value] of Object.entries(err.headers ?? {})) reply.header(name, value);
  return reply.code(err.status).send({
    success: false,
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      request_id: req.id,
    },
  });
}

// Fastify's own errors that are the client's fault, mapped onto our codes.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_REQUEST",
  FST_ERR_CTP_INVALID_JSON_BODY: "BAD_REQUEST",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
};

/** Installs the one place where thrown errors become API answers; unexpected ones are logged, not shown. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof AppError) return sendError(reply, req, error);
    const mapped = error.code ? fastifyCodes[error.code] : undefined;
    if (mapped) return sendError(reply, req, new AppError(mapped, error.message));
    if (error.statusCode === 400 && error instanceof SyntaxError) {
      return sendError(reply, req, new AppError("BAD_REQUEST", "Request body is not valid JSON"));
    }
    if (isUniqueViolation(error)) {
      return sendError(reply, req, new AppError("CONFLICT", "A resource with the same unique key already exists"));
    }
    req.log.error({ err: error }, "unhandled error");
    return sendError(
      reply,
      req,
      new AppError("INTERNAL_ERROR", `Internal error; quote request id ${req.id} when reporting it`),
    );
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, req, new AppError("NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]}`)),
  );
}
