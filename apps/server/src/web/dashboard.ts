import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Paths that belong to the API and the agents: never answered with the dashboard, even when unknown. */
// /v1 is OTLP/HTTP (traces, logs, metrics sent straight to the control plane).
const SERVER_PREFIXES = ["/api", "/agent", "/install", "/healthz", "/readyz", "/v1"];

/** True when the path is the server's, not a page of the dashboard. */
export function isServerPath(urlPath: string): boolean {
  return SERVER_PREFIXES.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`));
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Syntra</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto;line-height:1.5">
<h1>The dashboard is not built</h1>
<p>The API is running. Build the dashboard with <code>npm run build:web</code> (or start Syntra with
<code>npm start</code>, which builds it when it is missing) and reload this page.</p></body>`;

/**
 * Serves the built dashboard (a single-page app) from `webDir`: files as they are (hashed assets cached for
 * a year), and index.html for every other page path, so client routes such as /projects/:id load on
 * reload. Unknown server paths (/api/...) still get the API's 404 envelope. Without a build, pages say how
 * to make one (503), the API works as usual.
 */
export async function registerDashboard(app: FastifyInstance, dir: string): Promise<void> {
  const webDir = path.resolve(dir);
  const built = existsSync(path.join(webDir, "index.html"));
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      serve: false,
      // Hashed file names change with their content; index.html must be revalidated to pick up new ones.
      setHeaders: (res, filePath) => {
        const immutable = filePath.startsWith(path.join(webDir, "assets") + path.sep);
        res.header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
  }
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const urlPath = decodeURIComponentSafe(req.url.split("?")[0] ?? "/");
    if (urlPath === null || isServerPath(urlPath)) return reply.callNotFound();
    if (!built) return reply.code(503).type("text/html; charset=utf-8").send(NOT_BUILT);
    const file = urlPath.replace(/^\/+/, "");
    const onDisk = path.resolve(webDir, file);
    // Encoded `../` must not reach files outside the build.
    if (onDisk !== webDir && !onDisk.startsWith(webDir + path.sep)) return reply.callNotFound();
    if (file !== "" && !file.endsWith("/") && existsSync(onDisk)) return reply.sendFile(file);
    // A missing asset is a 404, not the app: a browser would try to run HTML as a script.
    if (path.extname(file) !== "") return reply.callNotFound();
    return reply.sendFile("index.html");
  };
  app.get("/", handler);
  app.get("/*", handler);
}

function decodeURIComponentSafe(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
