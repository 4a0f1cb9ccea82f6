import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { listServiceOverview } from "./overview";

const list = implement(apiRoutes.services.list, {
  handler: async ({ auth, deps, query }) => listServiceOverview(deps, projectScope(auth), query),
});

export const serviceOverviewRoutes = [list];
