import { apiError, errorCodes } from "@syntra/contracts";
import { z } from "zod";
import { declaredErrors } from "../http/declared-errors";
import type { AnyRouteSpec } from "../http/route";

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

// `:serviceId` in Fastify is `{serviceId}` in OpenAPI.
const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, "{$1}");

// Unique per operation (OpenAPI requires it): path parameters are part of it, GET /projects/:projectId is
// getProjectsByProjectId beside GET /projects' getProjects.
function operationId(spec: AnyRouteSpec): string {
  const words = spec.url
    .replace(/^\/api\/v1\//, "")
    .split(/[/_-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(":") ? `by${w[1]?.toUpperCase()}${w.slice(2)}` : w));
  return [spec.method.toLowerCase(), ...words].map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join("");
}

function parameters(spec: AnyRouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", spec.params],
    ["query", spec.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, "input");
    const props = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      out.push({ name, in: where, required: where === "path" || required.has(name), schema: prop });
    }
  }
  return out;
}

function successResponse(spec: AnyRouteSpec): JsonSchema {
  const status = String(spec.status ?? 200);
  if (spec.status === 204) return { [status]: { description: "Done; no body" } };
  if (spec.raw && spec.produces === "text/event-stream") {
    // Each Server-Sent Event as clients (and schemathesis) read it: its name and its data, a JSON text.
    const event = {
      type: "object",
      required: ["data"],
      properties: { event: { type: "string" }, data: { type: "string" }, id: { type: "string" } },
    };
    return { [status]: { description: "Server-Sent Events", content: { [spec.produces]: { schema: event } } } };
  }
  if (spec.raw && spec.produces) {
    return { [status]: { description: "Success", content: { [spec.produces]: { schema: { type: "string" } } } } };
  }
  if (spec.raw) return { "302": { description: "Redirect" } };
  const data = spec.response ? toSchema(spec.response, "output") : {};
  const body =
    spec.envelope === false
      ? data
      : {
          type: "object",
          required: ["success", "data"],
          properties: {
            success: { const: true },
            data,
            meta: {
              type: "object",
              properties: {
                total: { type: "integer" },
                page: { type: "integer" },
                per_page: { type: "integer" },
                cursor: { type: "string" },
              },
            },
          },
        };
  return { [status]: { description: "Success", content: { "application/json": { schema: body } } } };
}

function errorResponses(spec: AnyRouteSpec): JsonSchema {
  const byStatus = new Map<number, string[]>();
  for (const code of declaredErrors(spec)) {
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: JsonSchema = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `Error (${codes.join(", ")})`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } },
    };
  }
  return out;
}

/** The OpenAPI 3.1 document of the control plane's REST API, derived from the routes it registers. */
export function buildOpenApi(routes: readonly AnyRouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = openApiPath(spec.url);
    paths[path] ??= {};
    const access = spec.access;
    paths[path][spec.method.toLowerCase()] = {
      operationId: operationId(spec),
      summary: spec.summary,
      tags: [spec.tag],
      ...("public" in access ? { security: [] } : {}),
      ...("permission" in access ? { "x-syntra-permission": access.permission } : {}),
      ...(spec.audit ? { "x-syntra-audit-action": spec.audit.action } : {}),
      parameters: parameters(spec),
      ...(spec.body && {
        requestBody: { required: true, content: { "application/json": { schema: toSchema(spec.body, "input") } } },
      }),
      responses: { ...successResponse(spec), ...errorResponses(spec) },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Syntra API",
      version,
      description:
        "REST API of the Syntra control plane (interface contracts section 2). Every answer uses the envelope " +
        "{ success, data, meta? } or { success: false, error: { code, message, details?, request_id } }. " +
        "Request bodies and queries reject unknown fields with 400 VALIDATION_ERROR.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerToken: [] }, { sessionCookie: [] }],
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "API token syn_usr_… or syn_prj_…" },
        sessionCookie: { type: "apiKey", in: "cookie", name: "syntra_session" },
      },
      schemas: { ApiError: toSchema(apiError, "output") },
    },
    paths,
  };
}
