import type { ErrorCode } from "@syntra/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError, isUniqueViolation } from "../errors";
import { codeForStatus } from "./client-errors";

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

/**
 * Errors Fastify raises before a route runs (a malformed percent-encoding, a path parameter longer than
 * `maxParamLength`), given to its `frameworkErrors` option: the envelope with a 4xx status, like any other answer.
 */
export function answerFrameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header("x-request-id", req.id);
  const code = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "URI_TOO_LONG" : codeForStatus(error.statusCode ?? 400);
  const message =
    code === "URI_TOO_LONG"
      ? "A path parameter is longer than any valid value"
      : "The URL is not valid percent-encoding";
  return sendError(reply, req, new AppError(code, message));
}

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
    // Any other framework error that blames the request (a QUERY without Content-Type, a bad URL) keeps its status.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500 && error.code?.startsWith("FST_")) {
      return sendError(reply, req, new AppError(codeForStatus(status), error.message));
    }
    req.log.error({ err: error }, "unhandled error");
    return sendError(
      reply,
      req,
      new AppError("INTERNAL_ERROR", `Internal error; quote request id ${req.id} when reporting it`),
    );
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, req, new AppError("NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]?.slice(0, 200)}`)),
  );
}
