// @syntra/api-client: one typed client over Syntra's public REST API, for the dashboard and the CLI.
export { type ApiClient, createApiClient, projectWithServices, serviceWithDeployments } from "./client";
export { parseDeploymentLogEvent } from "./deployment-log";
export { ApiError, type ClientErrorCode } from "./errors";
export type { ClientOptions } from "./http";
export { readSse, type SseMessage } from "./sse";
