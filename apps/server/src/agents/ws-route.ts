import websocket from "@fastify/websocket";
import { semver } from "@syntra/contracts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { type AgentServer, findServerByAgentToken } from "./agent-servers";

/** Where agents connect (interface contracts 1.1). */
export const AGENT_WS_PATH = "/agent/ws";

// Frames carry telemetry batches of up to the agent's 50 MB buffer, base64-encoded.
const MAX_FRAME_BYTES = 96 * 1024 * 1024;

interface AgentIdentity {
  server: AgentServer;
  version: string;
}

/**
 * Registers the agent WebSocket endpoint. The agent token and X-Agent-Version are checked before the
 * upgrade, so a bad token gets a plain 401 error envelope and no socket is ever opened. Closing the app
 * closes the hub's sockets first.
 */
export async function registerAgentSocket(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // Added before the plugin's own preClose, which closes any socket still open without a reason.
  app.addHook("preClose", async () => {
    await deps.agents.close();
  });
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const identities = new WeakMap<FastifyRequest, AgentIdentity>();
  app.route({
    method: "GET",
    url: AGENT_WS_PATH,
    preValidation: async (req) => {
      identities.set(req, await authenticateAgent(deps, req));
    },
    handler: async () => {
      throw new AppError("BAD_REQUEST", `${AGENT_WS_PATH} only accepts WebSocket upgrades`);
    },
    wsHandler: (socket, req) => {
      const identity = identities.get(req);
      // preValidation ran for this request, so only a bug gets here without an identity.
      if (!identity) return socket.close(1011, "unauthenticated");
      deps.agents.accept(socket, identity.server, identity.version);
    },
  });
}

async function authenticateAgent(deps: AppDeps, req: FastifyRequest): Promise<AgentIdentity> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  const server = match?.[1] ? await findServerByAgentToken(deps.db, match[1]) : null;
  if (!server) {
    req.log.warn({ ip: req.ip }, "agent connection refused: missing or unknown agent token");
    throw new AppError("UNAUTHORIZED", "Send 'Authorization: Bearer <agent token>' with this server's syn_agt_ token");
  }
  const version = req.headers["x-agent-version"];
  if (typeof version !== "string" || !semver.safeParse(version).success) {
    throw new AppError("BAD_REQUEST", "Send the agent's version in X-Agent-Version, e.g. 'X-Agent-Version: 0.1.0'");
  }
  return { server, version };
}
