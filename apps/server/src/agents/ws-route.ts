import websocket from "@fastify/websocket";
import { semver } from "@syntra/contracts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sha256Hex } from "../auth/random";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { AGENT_TOKEN, type AgentServer } from "./agent-servers";
import type { ConnectionCredential } from "./connection";

/** Where agents connect (interface contracts 1.1), on the agent endpoint and (for older agents) on the API. */
export const AGENT_WS_PATH = "/agent/ws";

// Frames carry telemetry batches of up to the agent's 50 MB buffer, base64-encoded.
const MAX_FRAME_BYTES = 96 * 1024 * 1024;

/** Who an upgrade request speaks for, decided before the upgrade. */
export interface AgentIdentity {
  server: AgentServer;
  version: string;
  credential: ConnectionCredential;
}

/**
 * Registers the agent WebSocket on an app. `authenticate` decides the server before the upgrade, so a refused
 * agent gets a plain error envelope and no socket is ever opened. Closing the app closes the hub's sockets first.
 */
export async function registerAgentSocket(
  app: FastifyInstance,
  deps: AppDeps,
  authenticate: (req: FastifyRequest) => Promise<AgentIdentity>,
): Promise<void> {
  // Added before the plugin's own preClose, which closes any socket still open without a reason.
  app.addHook("preClose", async () => {
    await deps.agents.close();
  });
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const identities = new WeakMap<FastifyRequest, AgentIdentity>();
  // Upgrades between their first hook and their socket (or their refusal) count in the admission backlog: in a
  // storm the busy answers start before the handshakes pile up, not only once sockets are open.
  const inFlight = new WeakSet<FastifyRequest>();
  const settle = (req: FastifyRequest) => {
    if (inFlight.delete(req)) deps.agents.upgradesInFlight--;
  };
  app.route({
    method: "GET",
    url: AGENT_WS_PATH,
    // No "incoming request" / "request completed" line per upgrade: a fleet's reconnect storm would write two per
    // agent and try (busy answers included); the hub logs each agent's connect and disconnect, refusals log warn.
    logLevel: "warn",
    onRequest: async (req) => {
      refuseWhileAdmissionFull(deps);
      inFlight.add(req);
      deps.agents.upgradesInFlight++;
    },
    preValidation: async (req) => {
      identities.set(req, await authenticate(req));
    },
    // A refused or plain request ends with a response; an upgrade ends in wsHandler; a client gone, in an abort.
    onResponse: async (req) => settle(req),
    onRequestAbort: async (req) => settle(req),
    handler: async () => {
      throw new AppError("BAD_REQUEST", `${AGENT_WS_PATH} only accepts WebSocket upgrades`);
    },
    wsHandler: (socket, req) => {
      settle(req);
      const identity = identities.get(req);
      // preValidation ran for this request, so only a bug gets here without an identity.
      if (!identity) return socket.close(1011, "unauthenticated");
      deps.agents.accept(socket, identity.server, identity.version, identity.credential);
    },
  });
}

/**
 * Refuses an agent upgrade with 503 and Retry-After while too many agents already wait to be admitted (a reconnect
 * storm): before any credential lookup, so a refusal costs no query, and the agent comes back when told instead of
 * timing out its handshake and trying again at once.
 */
export function refuseWhileAdmissionFull(deps: Pick<AppDeps, "agents">): void {
  const seconds = deps.agents.admissionRetryAfterSeconds();
  if (seconds === 0) return;
  throw new AppError(
    "SERVICE_UNAVAILABLE",
    `The control plane is admitting a reconnect storm; connect again in ${seconds} s`,
    undefined,
    { "retry-after": String(seconds) },
  );
}

/** The agent's version from X-Agent-Version. */
export function agentVersionHeader(req: FastifyRequest): string {
  const version = req.headers["x-agent-version"];
  if (typeof version !== "string" || !semver.safeParse(version).success) {
    throw new AppError("BAD_REQUEST", "Send the agent's version in X-Agent-Version, e.g. 'X-Agent-Version: 0.1.0'");
  }
  return version;
}

/**
 * The API's own `/agent/ws`, for agents from before enrolment existed (0.1.x, which the compatibility table lets
 * this control plane serve): the server's install token as a bearer token, as long as no agent traded it for a
 * certificate. Enrolled agents connect to the agent endpoint with their certificate instead.
 */
export async function authenticateByToken(deps: AppDeps, req: FastifyRequest): Promise<AgentIdentity> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  const token = match?.[1];
  const hash = token && AGENT_TOKEN.test(token) ? sha256Hex(token) : undefined;
  const now = deps.now().getTime();
  // During a reconnect storm a token seen valid lately passes on memory and is checked again by the hello's write.
  const remembered = hash ? deps.agents.credentials.storm(hash, now) : null;
  if (remembered && hash) {
    return { server: remembered, version: agentVersionHeader(req), credential: { kind: "token", verifyHash: hash } };
  }
  const server = token && hash ? await deps.agents.credentials.lookupBatched(deps.db, hash, now) : null;
  if (!server) {
    req.log.warn({ ip: req.ip }, "agent connection refused: missing, unknown or spent agent token");
    throw new AppError(
      "UNAUTHORIZED",
      "Send 'Authorization: Bearer <agent token>' with this server's unused syn_agt_ token, or connect to the agent endpoint with the agent's certificate",
    );
  }
  return { server, version: agentVersionHeader(req), credential: { kind: "token" } };
}
