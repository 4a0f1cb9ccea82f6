import { apiRoutes } from "@syntra/contracts";
import { deriveClient } from "./derive";
import { type ClientOptions, Http } from "./http";

/**
 * The typed client of Syntra's public REST API, shared by the dashboard and the CLI: the contracts' route table
 * (`apiRoutes`) turned into functions, grouped as the table is: `client.services.get({ serviceId })`,
 * `client.env.put({ serviceId, variables })`, `client.live.events({}, onEvent, { signal })`. Each answer is
 * checked against the route's response schema; each failure is an ApiError with the API's code, message and
 * request id. Reads that fail on the network are sent again, writes never (see Http).
 */
export function createApiClient(opts: ClientOptions = {}) {
  const http = new Http(opts);
  return {
    /** Base URL requests go to ("" for the page's origin). */
    baseUrl: http.baseUrl,
    ...deriveClient(http, apiRoutes),
  };
}

/** The API client's type, for code that receives one. */
export type ApiClient = ReturnType<typeof createApiClient>;
