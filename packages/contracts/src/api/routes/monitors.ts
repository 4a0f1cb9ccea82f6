import { z } from "zod";
import { idParam } from "../envelope";
import { createMonitorBody, monitor, monitorUptime, updateMonitorBody } from "../monitors";
import { defineApiRoute } from "../route";
import { serviceUptimeQuery } from "../status-pages";

const monitorParams = idParam("monitorId");

/** Uptime monitors run by chosen servers' agents. */
export const monitorRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/monitors",
    summary: "List uptime monitors with their latest result and rolling uptime",
    tag: "uptime",
    access: { permission: "alerts:read" },
    response: z.array(monitor),
  }),
  create: defineApiRoute({
    method: "POST",
    path: "/api/v1/monitors",
    summary: "Create an uptime monitor (HTTP(S), TCP, DNS, TLS expiry) run by the chosen servers' agents",
    tag: "uptime",
    access: { permission: "alerts:write" },
    body: createMonitorBody,
    response: monitor,
    status: 201,
    errors: ["UNPROCESSABLE"],
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/monitors/:monitorId",
    summary: "Get an uptime monitor",
    tag: "uptime",
    access: { permission: "alerts:read" },
    params: monitorParams,
    response: monitor,
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/monitors/:monitorId",
    summary: "Change an uptime monitor (its servers' agents get the change at once)",
    tag: "uptime",
    access: { permission: "alerts:write" },
    params: monitorParams,
    body: updateMonitorBody,
    response: monitor,
    errors: ["UNPROCESSABLE"],
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/monitors/:monitorId",
    summary: "Delete an uptime monitor",
    tag: "uptime",
    access: { permission: "alerts:write" },
    params: monitorParams,
    status: 204,
  }),
  uptime: defineApiRoute({
    method: "GET",
    path: "/api/v1/monitors/:monitorId/uptime",
    summary: "A monitor's rolling uptime (24h, 7d, 30d, 90d) and response times",
    tag: "uptime",
    access: { permission: "alerts:read" },
    params: monitorParams,
    query: serviceUptimeQuery,
    response: monitorUptime,
  }),
};
