import { createRequire, syncBuiltinESMExports } from "node:module";
import path from "node:path";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { KEY_HEADER } from "./http-breadcrumbs";

// Why this module runs when the SDK is loaded, not in init(): OpenTelemetry patches a module when it is required
// after the instrumentation exists, and the require hook it shares remembers every module it has seen. The SDK's
// own dependencies require node:http as they load; an instrumentation made later, in init(), would find http
// already seen and never patch it. So the instrumentations are made here, first of all the SDK's modules (the entry
// point imports this file before anything else); until init() gives them a tracer provider they record nothing.

function hasKeyHeader(headers: unknown): boolean {
  if (!headers || typeof headers !== "object") return false;
  return Object.keys(headers).some((h) => h.toLowerCase() === KEY_HEADER);
}

function undiciHasKey(headers: unknown): boolean {
  return Array.isArray(headers)
    ? headers.some((v, i) => i % 2 === 0 && String(v).toLowerCase() === KEY_HEADER)
    : typeof headers === "string" && headers.toLowerCase().includes(`${KEY_HEADER}:`);
}

/** HTTP server and client (node:http/https), fetch (undici) and Express; requests to Syntra itself are left out. */
export const instrumentations: Instrumentation[] = [
  new HttpInstrumentation({ ignoreOutgoingRequestHook: (req) => hasKeyHeader(req.headers) }),
  new UndiciInstrumentation({ ignoreRequestHook: (req) => undiciHasKey(req.headers as unknown) }),
  new ExpressInstrumentation(),
];

// The app (or an ES module import hoisted above the SDK's) may have loaded node:http before: requiring it again now
// runs the patch on the shared module object, and syncing the builtin ES exports lets `import { request } from
// "node:http"` see the patched function.
const require = createRequire(path.join(process.cwd(), "syntra-sdk.js"));
require("node:http");
require("node:https");
syncBuiltinESMExports();
