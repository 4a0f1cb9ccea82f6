import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A mail server on loopback that requires AUTH and keeps what it receives, parsed: tests read Syntra's mail here. */
export interface SmtpInbox {
  /** SYNTRA_SMTP_URL for this server, with its user and password. */
  url: string;
  user: string;
  password: string;
  /** Every message accepted so far, oldest first, with the envelope's recipients. */
  messages: Array<ParsedMail & { envelopeTo: string[] }>;
  /** Sign-ins it refused (wrong user or password). */
  refusedLogins: number;
  /** Messages whose envelope went to this address. */
  to(address: string): Array<ParsedMail & { envelopeTo: string[] }>;
  /** Resolves with the first message to the address after `after` of them (default: any), waiting up to 10 s. */
  waitFor(address: string, after?: number): Promise<ParsedMail & { envelopeTo: string[] }>;
  close(): Promise<void>;
}

/**
 * Starts a plain SMTP server (no STARTTLS, so credentials travel in the clear on loopback, which it allows)
 * that accepts only `user`/`password`.
 */
export async function startSmtpInbox(
  credentials: { user: string; password: string } = { user: "syntra-mailer", password: "smtp-pa$$word:42" },
): Promise<SmtpInbox> {
  const messages: SmtpInbox["messages"] = [];
  const waiters = new Set<() => void>();
  let refusedLogins = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, done) {
      if (auth.username === credentials.user && auth.password === credentials.password) {
        done(null, { user: auth.username });
        return;
      }
      refusedLogins++;
      done(new Error("Invalid username or password"));
    },
    onData(stream, session, done) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          for (const wake of waiters) wake();
          done();
        })
        .catch((err: Error) => done(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const to = (address: string) => messages.filter((m) => m.envelopeTo.includes(address));
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return {
    url: `smtp://${user}:${password}@127.0.0.1:${port}`,
    ...credentials,
    messages,
    get refusedLogins() {
      return refusedLogins;
    },
    to,
    waitFor: (address, after = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = to(address)[after];
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${address} within 10 s (${messages.length} received in all)`));
        }, 10_000);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
