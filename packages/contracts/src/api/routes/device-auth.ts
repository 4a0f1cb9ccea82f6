import {
  deviceAuthorization,
  deviceCodeBody,
  deviceCodeGrant,
  deviceDecisionBody,
  deviceTokenBody,
  deviceTokenGrant,
  userCodeParams,
} from "../device-auth";
import { defineApiRoute } from "../route";

/** Device login (RFC 8628 shaped): the CLI gets a code pair, a signed-in user approves it, the CLI gets a token. */
export const deviceAuthRoutes = {
  start: defineApiRoute({
    method: "POST",
    path: "/api/v1/auth/device/code",
    summary: "Start a device login: a device code to poll with and a user code to approve in the dashboard",
    tag: "auth",
    access: { public: true },
    body: deviceCodeBody,
    response: deviceCodeGrant,
    status: 201,
    errors: ["RATE_LIMITED"],
  }),
  token: defineApiRoute({
    method: "POST",
    path: "/api/v1/auth/device/token",
    summary: "Poll a device login: the API token once approved (once), AUTHORIZATION_PENDING until then",
    tag: "auth",
    access: { public: true },
    body: deviceTokenBody,
    response: deviceTokenGrant,
    errors: ["AUTHORIZATION_PENDING", "SLOW_DOWN", "ACCESS_DENIED", "DEVICE_CODE_EXPIRED"],
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/auth/device/:userCode",
    summary: "A device login by its user code, for the dashboard's approval dialog",
    tag: "auth",
    access: { authenticated: true },
    params: userCodeParams,
    response: deviceAuthorization,
  }),
  approve: defineApiRoute({
    method: "POST",
    path: "/api/v1/auth/device/approve",
    summary: "Approve a device login: the device receives an API token of yours (signed-in sessions only)",
    tag: "auth",
    access: { authenticated: true },
    body: deviceDecisionBody,
    response: deviceAuthorization,
    errors: ["UNPROCESSABLE", "DEVICE_CODE_EXPIRED"],
  }),
  deny: defineApiRoute({
    method: "POST",
    path: "/api/v1/auth/device/deny",
    summary: "Refuse a device login",
    tag: "auth",
    access: { authenticated: true },
    body: deviceDecisionBody,
    response: deviceAuthorization,
    errors: ["UNPROCESSABLE", "DEVICE_CODE_EXPIRED"],
  }),
};
