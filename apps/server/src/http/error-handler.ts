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

/** An error answer whose status the route's declaration (and so the API description) does not list. */
export interface UndeclaredError {
  method: string;
  url: string;
  code: ErrorCode;
}

/** Route config key under which registerRoutes puts the statuses a route declares. */
export const DECLARED_STATUSES = "declaredStatuses";

/** The answer for a thrown error; unexpected ones are logged (never shown) and become INTERNAL_ERROR. */
function answerFor(error: FastifyError, req: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) return new AppError(mapped, error.message);
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return new AppError("BAD_REQUEST", "Request body is not valid JSON");
  }
  if (isUniqueViolation(error)) return new AppError("CONFLICT", "A resource with the same unique key already exists");
  // Any other framework error that blames the request (a QUERY without Content-Type, a bad URL) keeps its status.
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500 && error.code?.startsWith("FST_")) {
    return new AppError(codeForStatus(status), error.message);
  }
  req.log.error({ err: error }, "unhandled error");
  return new AppError("INTERNAL_ERROR", `Internal error; quote request id ${req.id} when reporting it`);
}

/**
 * Installs the one place where thrown errors become API answers. `onUndeclared` hears of answers whose status the
 * route does not declare (tests fail on them, so the API description stays true).
 */
export function installErrorHandler(app: FastifyInstance, onUndeclared?: (answer: UndeclaredError) => void): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const answer = answerFor(error, req);
    const declared = (req.routeOptions.config as { [DECLARED_STATUSES]?: ReadonlySet<number> })[DECLARED_STATUSES];
    if (onUndeclared && declared && !declared.has(answer.status)) {
      onUndeclared({ method: req.method, url: req.routeOptions.url ?? req.url, code: answer.code });
    }
    return sendError(reply, req, answer);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, req, new AppError("NOT_FOUND", `No route ${req.method} ${req.url.split("?")[0]?.slice(0, 200)}`)),
  );
}
