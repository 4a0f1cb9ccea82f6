import { randomUUID } from "node:crypto";
import type { ErrorEvent } from "@syntra/contracts";
import { deployments } from "../db/schema";
import type { AppDeps } from "../deps";
import { imageServiceBody } from "./fixtures";
import type { Credential, TestApp } from "./harness";

/** An ErrorEvent as an SDK sends it: a TypeError in getOrder, overridable field by field. */
export function errorEventFixture(serviceId: string, over: Partial<ErrorEvent> = {}): ErrorEvent {
  return {
    id: randomUUID(),
    service_id: serviceId,
    deployment_id: randomUUID(),
    timestamp: new Date().toISOString(),
    type: "TypeError",
    message: "Cannot read properties of undefined (reading 'id')",
    stack_trace: [
      {
        filename: "node:internal/process/task_queues",
        function: "processTicksAndRejections",
        lineno: 95,
        in_app: false,
      },
      {
        filename: "/app/src/orders.ts",
        function: "getOrder",
        lineno: 42,
        colno: 17,
        context_line: "  return order.customer.id;",
        pre_context: ["export async function getOrder(id) {", "  const order = await db.orders.find(id);"],
        post_context: ["}"],
        in_app: true,
      },
    ],
    breadcrumbs: [
      {
        timestamp: new Date().toISOString(),
        type: "http",
        category: "fetch",
        message: "GET /api/orders/17",
        level: "info",
      },
    ],
    context: { environment: "production", release: "", tags: { region: "eu" }, extra: {} },
    fingerprint: [],
    ...over,
  };
}

/** A deployment row of the service, live since `liveAt` (status running), as a finished deploy leaves it. */
export async function liveDeployment(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  opts: { createdAt: Date; liveAt?: Date; sha?: string; message?: string },
): Promise<string> {
  const [row] = await deps.db
    .insert(deployments)
    .values({
      serviceId,
      status: "running",
      createdAt: opts.createdAt,
      startedAt: opts.createdAt,
      finishedAt: opts.liveAt ?? new Date(opts.createdAt.getTime() + 30_000),
      gitCommitSha: opts.sha ?? null,
      gitCommitMessage: opts.message ?? null,
      image: "registry.local:5000/acme/web:v1",
    })
    .returning({ id: deployments.id });
  if (!row) throw new Error("no deployment inserted");
  return row.id;
}

/** An organization with a server, a project and an image service, made through the API by its owner. */
export async function serviceOfNewOrg(
  t: TestApp,
  email: string,
): Promise<{
  owner: Credential;
  orgId: string;
  userId: string;
  projectId: string;
  serviceId: string;
  serverId: string;
}> {
  const signup = await t.signup(email, { orgName: `Org of ${email}` });
  const owner = { cookie: signup.cookie };
  const must = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: owner, body });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const serverId = (await must("POST", "/api/v1/servers", { name: "web-1" })).server_id;
  const projectId = (await must("POST", "/api/v1/projects", { name: "Shop" })).id;
  const serviceId = (await must("POST", `/api/v1/projects/${projectId}/services`, imageServiceBody("web", serverId)))
    .id;
  return { owner, orgId: signup.orgId, userId: signup.userId, projectId, serviceId, serverId };
}
