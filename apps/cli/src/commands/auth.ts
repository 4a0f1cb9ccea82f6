import os from "node:os";
import { ApiError } from "@syntra/api-client";
import type { DeviceCodeGrant } from "@syntra/contracts";
import { openInBrowser } from "../browser";
import { contextName, readConfig, writeConfig } from "../config/config-file";
import { CliError, EXIT } from "../exit-codes";
import { Output } from "../output";
import { clientFor, type GlobalOptions, normalizeUrl, openSession } from "../session";

interface LoginOptions extends GlobalOptions {
  url?: string;
  token?: string;
  browser?: boolean;
}

/** Reads a token piped on stdin (`--token -`), so it stays out of the shell history. */
async function tokenFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `syn login`: stores a token for a control plane in the context. With `--token` (or `-` for stdin) the token is
 * checked and kept; otherwise the device flow: a code to approve in the dashboard, polled until approved.
 */
export async function login(opts: LoginOptions): Promise<void> {
  const out = new Output(opts.json === true);
  const config = readConfig();
  const name = contextName(config, opts.context);
  const raw = opts.url || process.env.SYNTRA_URL || config.contexts[name]?.url;
  if (!raw) throw new CliError("Which Syntra? Give its URL", EXIT.usage, "syn login --url https://syntra.example.com");
  const url = normalizeUrl(raw);
  let token: string;
  let source: "device" | "token";
  if (opts.token !== undefined) {
    token = opts.token === "-" ? await tokenFromStdin() : opts.token;
    if (!token) throw new CliError("The token is empty", EXIT.usage);
    source = "token";
  } else {
    token = await deviceLogin(out, url, opts.browser !== false);
    source = "device";
  }
  let me: Awaited<ReturnType<ReturnType<typeof clientFor>["auth"]["me"]>>;
  try {
    me = await clientFor(url, token).auth.me();
  } catch (err) {
    if (err instanceof ApiError && err.code === "UNAUTHORIZED") {
      throw new CliError(`${url} refused the token: ${err.message}`, EXIT.auth);
    }
    throw err;
  }
  const previous = config.contexts[name];
  config.contexts[name] = {
    url,
    token,
    token_source: source,
    user: me.user.email,
    // A new login keeps the organization chosen before, if it is still one of the user's.
    ...(previous?.org && me.orgs.some((o) => o.id === previous.org) && { org: previous.org }),
  };
  config.current_context = name;
  writeConfig(config);
  out.result({ context: name, url, user: me.user, org: me.org }, () => {
    const org = me.org ? ` in ${me.org.name} (${me.org.role})` : "";
    out.print(`${out.paint.green("✓")} Logged in to ${url} as ${me.user.email}${org}; context '${name}'`);
  });
}

async function deviceLogin(out: Output, url: string, openBrowser: boolean): Promise<string> {
  const api = clientFor(url, undefined);
  const grant: DeviceCodeGrant = await api.device.start({ client_name: `syn on ${os.hostname()}`.slice(0, 100) });
  out.note(`To log in, open ${grant.verification_uri} and enter the code ${out.notePaint.bold(grant.user_code)}`);
  if (openBrowser && process.stdout.isTTY && (await openInBrowser(grant.verification_uri_complete))) {
    out.note("(opened in your browser)");
  }
  const progress = out.progress("Waiting for approval in the dashboard…");
  let interval = grant.interval;
  const deadline = Date.now() + grant.expires_in * 1000;
  try {
    while (Date.now() < deadline) {
      await sleep(interval * 1000);
      try {
        return (await api.device.token({ device_code: grant.device_code })).token;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (err.code === "AUTHORIZATION_PENDING") continue;
        if (err.code === "SLOW_DOWN") {
          interval += 5;
          continue;
        }
        if (err.code === "ACCESS_DENIED") throw new CliError("The login was refused in the dashboard", EXIT.auth);
        throw err;
      }
    }
  } finally {
    progress.done();
  }
  throw new CliError("The code expired before it was approved", EXIT.auth, "Run syn login again");
}

/**
 * `syn logout`: forgets the context's token; a token the device login made is revoked on the control plane too
 * (one given with --token is the user's to revoke).
 */
export async function logout(opts: GlobalOptions): Promise<void> {
  const out = new Output(opts.json === true);
  const config = readConfig();
  const name = contextName(config, opts.context);
  const context = config.contexts[name];
  if (!context?.token) {
    out.result({ context: name, logged_out: false }, () => out.print(`Not logged in (context '${name}')`));
    return;
  }
  let revoked = false;
  if (context.token_source === "device") {
    try {
      await clientFor(context.url, context.token).auth.logout();
      revoked = true;
    } catch (err) {
      // Already revoked or expired: forgetting it is all that is left to do.
      if (!(err instanceof ApiError && err.code === "UNAUTHORIZED")) throw err;
    }
  }
  const { token: _token, token_source: _source, ...rest } = context;
  config.contexts[name] = rest;
  writeConfig(config);
  out.result({ context: name, logged_out: true, token_revoked: revoked }, () => {
    out.print(`Logged out of ${context.url} (context '${name}')${revoked ? "; the token was revoked" : ""}`);
    if (!revoked) out.note("The token itself still works; revoke it in the dashboard's settings if it should not.");
  });
}

/** `syn whoami`: who the token belongs to, where, in which organization. */
export async function whoami(opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const me = await session.api.auth.me();
  const { out } = session;
  out.result(
    {
      url: session.url,
      context: session.contextName,
      token_from: session.tokenFrom,
      user: me.user,
      org: me.org,
      orgs: me.orgs,
      permissions: me.permissions,
    },
    () => {
      out.print(`${me.user.email}${me.user.name ? ` (${me.user.name})` : ""} on ${session.url}`);
      out.print(me.org ? `Organization: ${me.org.name} (${me.org.slug}), role ${me.org.role}` : "No organization");
      const from = session.tokenFrom === "SYNTRA_TOKEN" ? "SYNTRA_TOKEN" : `context '${session.contextName}'`;
      out.print(out.paint.dim(`Token from ${from}`));
    },
  );
}
