import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../deps";
import { publicStatus } from "./public-status";
import { renderStatusPage } from "./render";

/** Public status pages are cached this long by browsers and shared caches (a CDN in front takes the load). */
const MAX_AGE_SECONDS = 30;

/**
 * `GET /status/:slug`: the public status page, server-rendered, no login. Cacheable (Cache-Control, ETag answered
 * with 304), and it shows only what the page's owner chose to publish: component names, states, uptime, incidents.
 */
export function registerStatusPages(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Params: { slug: string } }>("/status/:slug", async (req, reply) => {
    const status = await publicStatus(deps.db, req.params.slug.toLowerCase(), deps.now());
    if (!status) {
      return reply
        .code(404)
        .type("text/html; charset=utf-8")
        .header("cache-control", "public, max-age=30")
        .send('<!doctype html><meta charset="utf-8"><title>Not found</title><p>No such status page.</p>');
    }
    const html = renderStatusPage(status);
    const etag = `"${createHash("sha256")
      .update(html.replace(/<footer>.*<\/footer>/, ""))
      .digest("base64url")
      .slice(0, 27)}"`;
    reply
      .header("cache-control", `public, max-age=${MAX_AGE_SECONDS}, stale-while-revalidate=${MAX_AGE_SECONDS * 2}`)
      .header("etag", etag)
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    if (req.headers["if-none-match"] === etag) return reply.code(304).send();
    return reply.type("text/html; charset=utf-8").send(html);
  });
}
