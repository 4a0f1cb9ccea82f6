import { type ApiClient, ApiError, createApiClient } from "@syntra/api-client";

/** The dashboard's API client: same origin, session cookie. */
export const api: ApiClient = createApiClient();

/** A failure in words a person can act on. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export { ApiError };
