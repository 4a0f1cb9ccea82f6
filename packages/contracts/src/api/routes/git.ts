import { idParam } from "../envelope";
import { gitCredentials, gitCredentialsBody, webhookInfo, webhookResult } from "../git";
import { defineApiRoute } from "../route";

const serviceParams = idParam("serviceId");

/** A built service's git credentials and webhook secret. */
export const gitRoutes = {
  /** Which credentials a built service clones with (never the secret). */
  credentials: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/git/credentials",
    summary: "Which git credentials a service builds with (never the secret itself)",
    tag: "builds",
    access: { permission: "services:read" },
    params: serviceParams,
    response: gitCredentials,
  }),
  /** A token, or `{kind: "ssh_key"}` to generate a deploy key (the answer holds its public half). */
  setCredentials: defineApiRoute({
    method: "PUT",
    path: "/api/v1/services/:serviceId/git/credentials",
    summary: "Set an https token, or generate an ssh deploy key (its public half is answered)",
    tag: "builds",
    access: { permission: "services:write" },
    params: serviceParams,
    body: gitCredentialsBody,
    response: gitCredentials,
    errors: ["UNPROCESSABLE"],
  }),
  removeCredentials: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/services/:serviceId/git/credentials",
    summary: "Forget a service's git credentials (public repositories need none)",
    tag: "builds",
    access: { permission: "services:write" },
    params: serviceParams,
    status: 204,
  }),
  /** Whether a webhook secret is set, and the URLs each git host posts to. */
  webhook: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/webhook",
    summary: "Whether the service has a webhook secret, and the URLs git hosts post to",
    tag: "builds",
    access: { permission: "services:read" },
    params: serviceParams,
    response: webhookInfo,
  }),
  /** A new webhook secret (replacing any), in this answer only. */
  rotateWebhook: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/webhook",
    summary: "Create (or replace) the service's webhook secret; it is shown once",
    tag: "builds",
    access: { permission: "services:write" },
    params: serviceParams,
    response: webhookInfo,
    status: 201,
    errors: ["UNPROCESSABLE"],
  }),
};

/**
 * Push webhooks of GitHub (X-Hub-Signature-256), GitLab (X-Gitlab-Token) and Gitea/Forgejo (X-Gitea-Signature).
 * The body is the git host's own payload, checked against its signature over the raw bytes, so no schema here.
 */
export const webhookRoutes = {
  github: defineApiRoute({
    method: "POST",
    path: "/api/v1/webhooks/github",
    summary: "GitHub push (and ping) webhook, HMAC-SHA256 signed",
    tag: "webhooks",
    access: { public: true },
    response: webhookResult,
    errors: ["UNAUTHORIZED", "VALIDATION_ERROR", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  }),
  gitlab: defineApiRoute({
    method: "POST",
    path: "/api/v1/webhooks/gitlab",
    summary: "GitLab push webhook, authenticated by its secret token",
    tag: "webhooks",
    access: { public: true },
    response: webhookResult,
    errors: ["UNAUTHORIZED", "VALIDATION_ERROR", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  }),
  gitea: defineApiRoute({
    method: "POST",
    path: "/api/v1/webhooks/gitea",
    summary: "Gitea/Forgejo push webhook, HMAC-SHA256 signed",
    tag: "webhooks",
    access: { public: true },
    response: webhookResult,
    errors: ["UNAUTHORIZED", "VALIDATION_ERROR", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  }),
};
