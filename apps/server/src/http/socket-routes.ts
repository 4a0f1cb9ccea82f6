import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { callAudit } from "./call-audit";
import { authorize } from "./register-routes";
import type { ServerRoute, SocketOpener } from "./route";
import { parseInput } from "./validation";

/**
 * Registers a contract route answered with a WebSocket (`answer: "socket"`). Before the upgrade it goes through
 * what every route does (authenticate, check access, validate params and query, run the handler, write the audit
 * entry), so a refusal is an ordinary error answer and no socket opens; the handler's opener then takes over the
 * upgraded socket. A plain GET gets the same checks, then 400: the route only speaks WebSocket.
 */
export function registerSocketRoute(app: FastifyInstance, deps: AppDeps, impl: ServerRoute): void {
  const spec = impl.route;
  const openers = new WeakMap<FastifyRequest, SocketOpener>();
  const checkInput = async (req: FastifyRequest) => {
    const { auth, params } = await authorize(deps, req, spec);
    const query = spec.query ? parseInput(spec.query, req.query ?? {}, "query") : undefined;
    return { auth, params, query };
  };
  app.route({
    method: "GET",
    url: spec.path,
    preValidation: async (req, reply) => {
      if (!req.ws) return;
      const { auth, params, query } = await checkInput(req);
      const audited = callAudit(deps, impl.audit, auth, req);
      const open = (await impl.handler({
        req,
        reply,
        params,
        query,
        body: undefined,
        auth,
        deps,
        audit: audited.audit,
        change: audited.change,
        setMeta: () => {},
      })) as SocketOpener;
      await audited.settle();
      openers.set(req, open);
    },
    handler: async (req) => {
      await checkInput(req);
      throw new AppError("BAD_REQUEST", `${spec.path} only accepts WebSocket upgrades`);
    },
    wsHandler: (socket, req) => {
      const open = openers.get(req);
      // preValidation ran for this upgrade, so only a bug gets here without an opener.
      if (!open) return socket.close(1011, "not opened");
      open(socket);
    },
  });
}
