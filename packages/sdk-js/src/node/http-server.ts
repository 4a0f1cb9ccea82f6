import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { carrier } from "../core/api";
import type { Integration } from "../core/types";
import { enterScope } from "./async-scopes";
import { requestData } from "./request-data";

/**
 * Every request a Node HTTP server (Express, Fastify, Next.js, node:http) receives runs in a scope of its own, with
 * the request's data: what a handler sets (user, tags, breadcrumbs) stays with that request, and its errors carry
 * the request. Read from Node's `http.server.request.start` diagnostics channel, so nothing is patched.
 */
export function httpServerScopes(): Integration {
  return {
    name: "HttpServerScopes",
    setup(client) {
      const onRequest = (message: unknown) => {
        const { request } = message as { request: IncomingMessage };
        const scope = carrier().root.fork();
        scope.request = requestData(request, client.options.sendDefaultPii);
        enterScope(scope);
      };
      diagnostics.subscribe("http.server.request.start", onRequest);
      return () => diagnostics.unsubscribe("http.server.request.start", onRequest);
    },
  };
}
