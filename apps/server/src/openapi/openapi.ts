import {
  type AnyApiRoute,
  apiError,
  apiRouteList,
  declaredErrors,
  type ErrorCode,
  errorCodes,
} from "@syntra/contracts";
import { z } from "zod";
import type { ServerRoute } from "../http/route";

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

// `:serviceId` in Fastify is `{serviceId}` in OpenAPI.
const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, "{$1}");

// The route's name in the contract table, `services.get`, is `servicesGet`: what generated clients call it.
const operationId = (name: string) => name.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

function parameters(spec: AnyApiRoute): JsonSchema[] {
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

function successResponse(spec: AnyApiRoute): JsonSchema {
  const status = String(spec.status ?? 200);
  if (spec.status === 204) return { [status]: { description: "Done; no body" } };
  const answer = spec.answer ?? "envelope";
  if (answer === "redirect") return { "302": { description: "Redirect" } };
  if (answer === "socket") {
    return {
      "101": {
        description: "Switching to a WebSocket: JSON text frames in both directions",
        "x-syntra-server-frames": spec.events ? toSchema(spec.events, "output") : {},
        "x-syntra-client-frames": spec.sends ? toSchema(spec.sends, "input") : {},
      },
    };
  }
  if (answer === "stream") {
    // Each Server-Sent Event as clients (and schemathesis) read it: its name and its data, a JSON text whose
    // shape per event name is in x-syntra-events.
    const schema = {
      type: "object",
      required: ["data"],
      properties: { event: { type: "string" }, data: { type: "string" }, id: { type: "string" } },
      ...(spec.events ? { "x-syntra-events": toSchema(spec.events, "output") } : {}),
    };
    return {
      [status]: { description: "Server-Sent Events", content: { [spec.produces ?? "text/event-stream"]: { schema } } },
    };
  }
  if (answer === "file") {
    const schema = { type: "string" };
    return { [status]: { description: "Success", content: { [spec.produces ?? "text/plain"]: { schema } } } };
  }
  const data = spec.response ? toSchema(spec.response, "output") : {};
  const body =
    answer === "json"
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

/** The codes a route may answer (`declaredErrors`), by status. */
function errorCodesOf(spec: AnyApiRoute): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of declaredErrors(spec)) {
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

function errorResponses(spec: AnyApiRoute): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, codes] of [...errorCodesOf(spec)].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: `Error (${codes.join(", ")})`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } },
    };
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the control plane's REST API: the contracts' route table, in its order, with the
 * audit action each route's implementation writes.
 */
export function buildOpenApi(implementations: readonly ServerRoute[], version: string): JsonSchema {
  const audits = new Map(implementations.map((i) => [i.route, i.audit]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { name, route: spec } of apiRouteList()) {
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    const access = spec.access;
    const audit = audits.get(spec);
    paths[path][spec.method.toLowerCase()] = {
      operationId: operationId(name),
      summary: spec.summary,
      tags: [spec.tag],
      ...("public" in access ? { security: [] } : {}),
      ...("permission" in access ? { "x-syntra-permission": access.permission } : {}),
      ...(audit ? { "x-syntra-audit-action": audit.action } : {}),
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
