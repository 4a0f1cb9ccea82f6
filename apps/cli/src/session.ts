import {
  type ApiClient,
  ApiError,
  createApiClient,
  type WebSocketFactory,
  type WebSocketLike,
} from "@syntra/api-client";
import WebSocket from "ws";
import { type CliConfig, type Context, contextName, readConfig } from "./config/config-file";
import { findLink, type Link } from "./config/link";
import { CliError, EXIT } from "./exit-codes";
import { Output } from "./output";

/** Options every command takes. */
export interface GlobalOptions {
  json?: boolean;
  org?: string;
  context?: string;
}

/** Everything a command works with: where and as whom it talks to Syntra, and where its output goes. */
export interface Session {
  out: Output;
  config: CliConfig;
  contextName: string;
  context: Context | undefined;
  url: string;
  /** Where the token came from, for whoami. */
  tokenFrom: "SYNTRA_TOKEN" | "context";
  /** The organization requests act in (id), when one was chosen. */
  orgId: string | undefined;
  link: Link | null;
  api: ApiClient;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Node's WebSocket (`ws`), which can send the token header and read a refused upgrade's error answer. */
export const nodeWebSocket: WebSocketFactory = (url, headers, refused) => {
  const socket = new WebSocket(url, { headers });
  socket.on("unexpected-response", (_req, res) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => {
      refused(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 }));
      socket.terminate();
    });
  });
  return socket as unknown as WebSocketLike;
};

/** The control plane's URL as typed (`syntra.example.com`, `http://127.0.0.1:3000/`) made absolute and bare. */
export function normalizeUrl(url: string): string {
  const withScheme = /^https?:\/\//i.test(url) ? url : `https://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new CliError(`'${url}' is not a URL`, EXIT.usage);
  }
  return parsed.origin;
}

/** An API client for a URL and token, acting in an organization. */
export function clientFor(url: string, token: string | undefined, orgId?: string): ApiClient {
  return createApiClient({
    baseUrl: url,
    ...(token && { token }),
    ...(orgId && { orgId }),
    webSocket: nodeWebSocket,
  });
}

/**
 * Opens the session of a command: the context (`--context`, SYNTRA_CONTEXT, the config's current one), its URL
 * and token (SYNTRA_URL and SYNTRA_TOKEN override them, for CI), and the organization (`--org`, SYNTRA_ORG, the
 * directory's link, the context's choice; a slug or name is looked up among the user's organizations).
 */
export async function openSession(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const out = new Output(opts.json === true);
  const config = readConfig();
  const name = contextName(config, opts.context, env);
  const context = config.contexts[name];
  if (opts.context && !context && !env.SYNTRA_URL) {
    throw new CliError(`No context '${opts.context}'`, EXIT.usage, "syn context list shows them");
  }
  const rawUrl = env.SYNTRA_URL || context?.url;
  const token = env.SYNTRA_TOKEN || context?.token;
  if (!rawUrl || !token) {
    throw new CliError("Not logged in", EXIT.auth, "Run syn login (or set SYNTRA_URL and SYNTRA_TOKEN)");
  }
  const url = normalizeUrl(rawUrl);
  const found = findLink();
  const link = found && found.link.url === url ? found.link : null;
  let org = opts.org || env.SYNTRA_ORG || link?.org_id || context?.org;
  if (org && !UUID.test(org)) {
    const me = await clientFor(url, token).auth.me();
    const match = me.orgs.find((o) => o.slug === org || o.name === org);
    if (!match) {
      throw new CliError(`You are in no organization '${org}'`, EXIT.notFound, "syn orgs list shows yours");
    }
    org = match.id;
  }
  return {
    out,
    config,
    contextName: name,
    context,
    url,
    tokenFrom: env.SYNTRA_TOKEN ? "SYNTRA_TOKEN" : "context",
    orgId: org,
    link,
    api: clientFor(url, token, org),
  };
}

/** True for an ApiError with this code. */
export function isApiError(err: unknown, code?: string): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}
