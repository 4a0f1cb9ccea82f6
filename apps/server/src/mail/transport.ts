import nodemailer from "nodemailer";
import type { Logger } from "pino";
import type { Config, SmtpSettings } from "../config";
import { AppError } from "../errors";

/** One email: a plain-text body for every client and a simple HTML one for those that show it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where a mailer writes what it did: the app's logger, or a request's (so lines carry its request id). */
export type MailLog = Pick<Logger, "info" | "warn">;

/** Sends Syntra's mail. Failures are logged (never with a secret) and thrown as MAIL_FAILED. */
export interface Mailer {
  /** Sends one message. */
  send(message: MailMessage, log?: MailLog): Promise<void>;
  /** Connects and signs in without sending: fails the same way send would when the server is unusable. */
  verify(log?: MailLog): Promise<void>;
}

// An API request waits on the mail server: fail within seconds rather than nodemailer's minutes.
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** The control plane's mailer, or null when no mail server is configured (SYNTRA_SMTP_URL). */
export function createMailer(mail: Config["mail"], logger: Logger): Mailer | null {
  return mail.smtp ? createSmtpMailer(mail.smtp, mail.from, logger) : null;
}

/** A mailer over SMTP: smtps:// is TLS from the start, smtp:// upgrades with STARTTLS when the server offers it. */
export function createSmtpMailer(smtp: SmtpSettings, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user !== undefined && { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    dnsTimeout: CONNECT_TIMEOUT_MS,
    logger: false,
  });
  const server = `${smtp.host}:${smtp.port}`;
  const fail = (err: unknown, log: MailLog, context: Record<string, unknown>): AppError => {
    const reason = describeSmtpError(err, smtp.password);
    log.warn({ mail: { ...context, smtp_server: server, ...reason } }, "mail not sent");
    return new AppError("MAIL_FAILED", `Syntra could not send the email: ${publicReason(reason.code)}`);
  };
  return {
    async send(message, log: MailLog = logger) {
      try {
        const info = await transport.sendMail({ from, ...message });
        log.info({ mail: { to: message.to, subject: message.subject, message_id: info.messageId } }, "mail sent");
      } catch (err) {
        throw fail(err, log, { to: message.to, subject: message.subject });
      }
    },
    async verify(log: MailLog = logger) {
      try {
        await transport.verify();
      } catch (err) {
        throw fail(err, log, { check: "connect and sign in" });
      }
    },
  };
}

/** What a failure was, for the log: nodemailer's code and the server's answer, with the password cut out. */
export function describeSmtpError(
  err: unknown,
  password: string | undefined,
): { code: string; reason: string; response_code?: number; command?: string } {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; responseCode?: unknown; command?: unknown };
  let reason = typeof e.message === "string" ? e.message : String(err);
  if (password) {
    for (const form of [password, Buffer.from(password).toString("base64"), encodeURIComponent(password)]) {
      reason = reason.replaceAll(form, "[redacted]");
    }
  }
  return {
    code: typeof e.code === "string" ? e.code : "UNKNOWN",
    reason: reason.slice(0, 500),
    ...(typeof e.responseCode === "number" && { response_code: e.responseCode }),
    // Only the verb: an AUTH command line would carry the credentials.
    ...(typeof e.command === "string" && { command: e.command.split(" ")[0] }),
  };
}

// The API's words for a failure: enough for the person waiting, the details are in the log.
function publicReason(code: string): string {
  switch (code) {
    case "EAUTH":
    case "ENOAUTH":
      return "the mail server refused its credentials (the control plane's log has the details)";
    case "ECONNECTION":
    case "ETIMEDOUT":
    case "ESOCKET":
    case "EDNS":
    case "ETLS":
    case "ESTREAM":
      return "the mail server could not be reached; try again later";
    default:
      return "the mail server refused the message (the control plane's log has the details)";
  }
}
