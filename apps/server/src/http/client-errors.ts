import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type ErrorCode, errorCodes } from "@syntra/contracts";
import type { FastifyBaseLogger } from "fastify";

/** A new request id, `req_<32 hex>`: every answer carries one, also those of requests Fastify never saw. */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll("-", "")}`;
}

/** The error code for an HTTP status a framework layer chose; 4xx statuses without a code of their own are 400s. */
export function codeForStatus(status: number): ErrorCode {
  const preferred: Record<number, ErrorCode> = { 400: "BAD_REQUEST", 404: "NOT_FOUND", 401: "UNAUTHORIZED" };
  const code =
    preferred[status] ??
    (Object.entries(errorCodes).find(([, v]) => v.status === status)?.[0] as ErrorCode | undefined);
  return code ?? (status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST");
}

/** Why Node's HTTP parser refused a request, as a code and a message that hold nothing the client sent. */
function classify(err: NodeJS.ErrnoException & { reason?: string }): { code: ErrorCode; message: string } {
  switch (err.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: "REQUEST_TIMEOUT", message: "The request did not arrive within the server's request timeout" };
    case "HPE_HEADER_OVERFLOW":
      return { code: "HEADERS_TOO_LARGE", message: "The request's headers are larger than the server accepts" };
    default:
      // llhttp's reasons are fixed texts ("Invalid method encountered", "Invalid character in Content-Length").
      return { code: "BAD_REQUEST", message: `Malformed HTTP request: ${err.reason ?? err.code ?? "unreadable"}` };
  }
}

/**
 * Answers what Node's HTTP server refuses before Fastify sees a request (headers too large, a bad Content-Length,
 * an unknown method, header and request timeouts) with the API's error envelope and a request id, like every
 * other answer, then closes the connection. Installed as Fastify's `clientErrorHandler`.
 */
export function answerClientError(log: FastifyBaseLogger, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or closed connection has nobody left to answer.
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const { code, message } = classify(err);
  const requestId = newRequestId();
  log.info({ request_id: requestId, code, reason: err.code }, "request refused by the HTTP parser");
  // A response already under way (a timeout while streaming an answer) cannot be replaced by another one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = errorCodes[code].status;
  const body = JSON.stringify({ success: false, error: { code, message, request_id: requestId } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
    () => socket.destroy(),
  );
}
