import pino, { type Logger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config";
import { serializeErrorSafely } from "./log-safe-error";

/**
 * Paths whose values never reach a log line. Request bodies are not logged at all; these catch
 * credentials that code passes to the logger by mistake and headers of the default serializers.
 */
export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-gitlab-token"]',
  'res.headers["set-cookie"]',
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "client_secret",
  "*.client_secret",
  "access_token",
  "*.access_token",
  "value",
  "*.value",
  "env_vars",
  "*.env_vars",
];

/** pino options for the control plane: JSON lines, secrets redacted, URLs logged without their query. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    serializers: {
      req: (req: { method: string; url: string; id: string; ip?: string }) => ({
        method: req.method,
        // Query strings can hold OAuth codes and invitation tokens.
        url: req.url.split("?")[0],
        request_id: req.id,
        ip: req.ip,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      // Database errors carry the query's bound parameters (password and token hashes, user data): never logged.
      err: serializeErrorSafely,
    },
  };
}

/**
 * The control plane's logger: JSON lines for log collectors, or one readable line per entry for a person at a
 * terminal (`SYNTRA_LOG_FORMAT`). Redaction runs before either, so both hide the same secrets.
 */
export function createLogger(
  config: Pick<Config, "logLevel" | "logFormat">,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Logger {
  const readable = config.logFormat === "pretty" || (config.logFormat === "auto" && out.isTTY === true);
  if (!readable) return pino(loggerOptions(config.logLevel), out);
  // In-process (not a worker transport): lines stay in order with exit, and nothing extra runs under tsx.
  const stream = pretty({
    destination: out,
    colorize: out.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
    sync: true,
  });
  return pino(loggerOptions(config.logLevel), stream);
}
