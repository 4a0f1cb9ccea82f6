import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { decideDeviceLogin, getDeviceLogin, pollDeviceLogin, startDeviceLogin } from "./device-login";

const start = implement(apiRoutes.device.start, {
  audit: { action: "device_login.start", resourceType: "device_login" },
  handler: async ({ body, deps, req }) => startDeviceLogin(deps, { name: body.client_name, ip: req.ip ?? null }),
});

const token = implement(apiRoutes.device.token, {
  audit: { action: "device_login.token", resourceType: "api_token" },
  handler: async ({ body, deps, change }) => pollDeviceLogin(deps, body.device_code, change),
});

const get = implement(apiRoutes.device.get, {
  handler: async ({ deps, params }) => getDeviceLogin(deps, params.userCode),
});

const approve = implement(apiRoutes.device.approve, {
  audit: { action: "device_login.approve", resourceType: "device_login" },
  handler: async ({ auth, body, deps, change }) => {
    const caller = { userId: auth.user.id, orgId: auth.orgId, method: auth.method };
    return decideDeviceLogin(deps, caller, body.user_code, "approved", change);
  },
});

const deny = implement(apiRoutes.device.deny, {
  audit: { action: "device_login.deny", resourceType: "device_login" },
  handler: async ({ auth, body, deps, change }) => {
    const caller = { userId: auth.user.id, orgId: auth.orgId, method: auth.method };
    return decideDeviceLogin(deps, caller, body.user_code, "denied", change);
  },
});

/** Device login of the CLI (RFC 8628 shaped). */
export const deviceRoutes = [start, token, get, approve, deny];
