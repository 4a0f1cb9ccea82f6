// @syntra/api-client: one typed client over Syntra's public REST API, for the dashboard and the CLI.
export { type ApiClient, createApiClient } from "./client";
export type {
  CallMethod,
  CallOptions,
  RouteClient,
  RouteInput,
  RouteMethod,
  SocketMethod,
  StreamMethod,
  StreamOptions,
} from "./derive";
export { ApiError, type ClientErrorCode } from "./errors";
export type { ClientOptions } from "./http";
export { type RouteRequest, routeRequest, withQuery } from "./route-request";
export type { SocketOptions, TypedSocket, WebSocketFactory, WebSocketLike } from "./socket";
export { readSse, type SseMessage } from "./sse";
export { parseDeploymentLogEvent, parseStreamEvent } from "./stream-events";
