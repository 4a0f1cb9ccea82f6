import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { OrgRole } from "@syntra/contracts";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { type AgentEndpoint, startAgentEndpoint } from "../agents/endpoint";
import { AGENT_WS_PATH } from "../agents/ws-route";
import { buildApp } from "../app";
import { type Config, loadConfig } from "../config";
import type { AppDeps } from "../deps";
import { loggerOptions } from "../logger";
import { createDeps, type WiringOptions } from "../wiring";
import { startEmptyDns } from "./empty-dns";
import { sharedTestTelemetryStore } from "./telemetry-store";
import { createTestDatabase, joinTestDatabase } from "./test-database";

/** A caller's credential: a session cookie or a bearer token. */
export type Credential = { cookie: string } | { token: string } | null;

/** The parsed answer of an API call. */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
}

/** A control plane built on a fresh store, with its log lines captured. */
export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  /** Every log line written so far, raw. */
  logs: string[];
  /** Moves the clock used by the app. */
  advanceClock(ms: number): void;
  /** Starts listening on a loopback port (once) and returns the agents' WebSocket URL. */
  agentUrl(): Promise<string>;
  /** Starts the mutual-TLS agent endpoint on a free loopback port (once). */
  agentEndpoint(): Promise<AgentEndpoint>;
  /**
   * Stops this control plane as `main.ts` does on SIGTERM (agent endpoint, API with the agents' sockets, hub,
   * database), runs `whileStopped`, then starts it again on the same store and data dir, configured by the first
   * start's environment with `env` over it (a new release: SYNTRA_TEST_VERSION, SYNTRA_AGENT_BUNDLE). What was
   * listening listens again on the same ports, so agents reconnect where they were. `app` and `deps` are the new ones.
   */
  restart(env?: Record<string, string>, opts?: { whileStopped?: () => Promise<void> }): Promise<void>;
  call(
    method: string,
    url: string,
    opts?: { as?: Credential; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
  /** Signs up a user (the first one becomes owner of a new org) and returns their session cookie. */
  signup(
    email: string,
    opts?: { orgName?: string; inviteToken?: string },
  ): Promise<{ cookie: string; userId: string; orgId: string }>;
  /** Invites a new user into the owner's org with a role, signs them up, returns their session. */
  member(owner: Credential, email: string, role: OrgRole): Promise<{ cookie: string; userId: string }>;
  close(): Promise<void>;
}

/** The password every test user gets. */
export const TEST_PASSWORD = "test-password-123";

/** The session cookie an answer sets (sign-up, login); throws when it sets none. */
export function sessionCookie(res: ApiAnswer): string {
  const raw = res.headers["set-cookie"];
  const cookies = Array.isArray(raw) ? raw : [String(raw ?? "")];
  const match = cookies.map((c) => /^syntra_session=([^;]+)/.exec(c)).find(Boolean);
  if (!match?.[1]) throw new Error(`no session cookie in answer ${res.status}: ${JSON.stringify(res.body)}`);
  return match[1];
}

/** What a test may replace in the wiring (the clock and the log sink are always the harness's own). */
export type TestWiring = Pick<WiringOptions, "fetch" | "hubEventHandlers"> & {
  /** Another replica on the database of this app (PostgreSQL only) rather than a fresh database. */
  replicaOf?: TestApp;
};

/**
 * Builds a real control plane on a real store (PGlite, or PostgreSQL when TEST_DATABASE_URL is set), configured by
 * `env` like the product is by its environment.
 */
export async function createTestApp(env: Record<string, string> = {}, wiring: TestWiring = {}): Promise<TestApp> {
  const store = wiring.replicaOf ? await joinTestDatabase(wiring.replicaOf.deps.database) : await createTestDatabase();
  const dns = env.SYNTRA_DNS_RESOLVER ? null : await startEmptyDns();
  const firstEnv = {
    SYNTRA_DATA_DIR: store.dataDir,
    SYNTRA_LOG_LEVEL: "info",
    SYNTRA_AGENT_TLS_PORT: "0",
    SYNTRA_AGENT_TLS_HOST: "127.0.0.1",
    ...(dns && { SYNTRA_DNS_RESOLVER: dns.address }),
    ...env,
  };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config: Config = loadConfig(firstEnv);
  const logger = pino(loggerOptions(config.logLevel), sink);
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const { replicaOf: _, ...replaced } = wiring;
  // Every error answer's status must be one its route declares: the API description (and schemathesis) rely on it.
  const undeclared = new Set<string>();
  const build = async (cfg: Config) => {
    const deps = await createDeps(cfg, {
      ...replaced,
      database: store.database,
      logger,
      now,
      telemetry: sharedTestTelemetryStore(),
    });
    const app = await buildApp(deps, {
      validateResponses: true,
      onUndeclaredError: (a) => undeclared.add(`${a.method} ${a.url} answered ${a.code}`),
    });
    return { deps, app };
  };
  let { deps, app } = await build(config);
  let listening: Promise<string> | undefined;
  let endpoint: Promise<AgentEndpoint> | undefined;

  const call: TestApp["call"] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.as && "cookie" in opts.as) headers.cookie = `syntra_session=${opts.as.cookie}`;
    if (opts.as && "token" in opts.as) headers.authorization = `Bearer ${opts.as.token}`;
    const res = await app.inject({
      method: method as "GET",
      url,
      headers,
      ...(opts.body !== undefined && { payload: opts.body as object }),
    });
    let body: unknown = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      // not JSON (redirects, plain text): keep the raw string
    }
    return { status: res.statusCode, headers: res.headers, body };
  };

  const signup: TestApp["signup"] = async (email, opts = {}) => {
    const res = await call("POST", "/api/v1/auth/signup", {
      body: {
        email,
        password: TEST_PASSWORD,
        name: email.split("@")[0],
        ...(opts.orgName && { org_name: opts.orgName }),
        ...(opts.inviteToken && { invite_token: opts.inviteToken }),
      },
    });
    if (res.status !== 201) throw new Error(`signup failed ${res.status}: ${JSON.stringify(res.body)}`);
    return { cookie: sessionCookie(res), userId: res.body.data.user.id, orgId: res.body.data.org.id };
  };

  const member: TestApp["member"] = async (owner, email, role) => {
    const inv = await call("POST", "/api/v1/org/invitations", { as: owner, body: { email, role } });
    if (inv.status !== 201) throw new Error(`invite failed ${inv.status}: ${JSON.stringify(inv.body)}`);
    const s = await signup(email, { inviteToken: inv.body.data.token });
    return { cookie: s.cookie, userId: s.userId };
  };

  const testApp: TestApp = {
    app,
    deps,
    logs,
    advanceClock: (ms) => {
      offset += ms;
    },
    agentUrl: () => {
      listening ??= app.listen({ host: "127.0.0.1", port: 0 }).then(wsUrl);
      return listening;
    },
    agentEndpoint: () => {
      endpoint ??= startAgentEndpoint(deps);
      return endpoint;
    },
    restart: async (overrides = {}, opts = {}) => {
      const api = app.server.listening ? (app.server.address() as AddressInfo) : null;
      const agentEndpoint = endpoint ? await endpoint : undefined;
      await agentEndpoint?.close();
      await app.close();
      await deps.agents.close();
      await deps.cluster.close();
      await store.reopen();
      await opts.whileStopped?.();
      const port = agentEndpoint ? { SYNTRA_AGENT_TLS_PORT: String(agentEndpoint.port) } : {};
      ({ deps, app } = await build(loadConfig({ ...firstEnv, ...overrides, ...port })));
      testApp.app = app;
      testApp.deps = deps;
      listening = api ? app.listen({ host: api.address, port: api.port }).then(wsUrl) : undefined;
      endpoint = agentEndpoint ? startAgentEndpoint(deps) : undefined;
      await Promise.all([listening, endpoint]);
    },
    call,
    signup,
    member,
    close: async () => {
      await (await endpoint)?.close();
      await app.close();
      await deps.agents.close();
      await deps.cluster.close();
      await store.drop();
      await dns?.close();
      if (undeclared.size > 0) {
        throw new Error(
          `error answers the routes do not declare (add the codes to the route's 'errors'):\n  ${[...undeclared].join("\n  ")}`,
        );
      }
    },
  };
  return testApp;
}

/** The agents' WebSocket URL on the API listening at `address`. */
function wsUrl(address: string): string {
  return `${address.replace(/^http/, "ws")}${AGENT_WS_PATH}`;
}
