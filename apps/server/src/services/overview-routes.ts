import { listServicesQuery, serviceOverview } from "@syntra/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { listServiceOverview } from "./overview";

const list = defineRoute({
  method: "GET",
  url: "/api/v1/services",
  summary: "The organization's services with their project and newest deployment, by project_id and server_id",
  tag: "services",
  access: { permission: "services:read" },
  query: listServicesQuery,
  response: z.array(serviceOverview),
  handler: async ({ auth, deps, query }) => listServiceOverview(deps, projectScope(auth), query),
});

export const serviceOverviewRoutes = [list];
