import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePorts } from "@syntra/testing/ports";
import { CaddyRouter, type CaddyRouterOptions } from "../proxy/caddy";
import { adminRequest } from "../proxy/caddy-admin";

/** A Caddy that the agent's own CaddyRouter started and manages, for the tests of the router and the deployer. */
export interface TestCaddy {
  router: CaddyRouter;
  adminUrl: string;
  httpPort: number;
  httpsPort: number;
  /** Where the router keeps Caddy's config, data and logs. */
  configDir: string;
  /** Stops the Caddy process and removes its directory. */
  stop(): Promise<void>;
}

/**
 * A Caddy of the test's own on free loopback ports, started by a CaddyRouter that manages it. TLS is off
 * unless `options.tls` turns it on (then give `acme` a test CA such as @syntra/testing/pebble, which needs the
 * ports chosen first).
 */
export async function startTestCaddy(
  options: Pick<CaddyRouterOptions, "tls" | "acme" | "httpPort" | "httpsPort"> = {},
): Promise<TestCaddy> {
  const given = [options.httpPort, options.httpsPort].filter((p): p is number => p !== undefined);
  const [adminPort = 0, pickedHttp = 0, pickedHttps = 0] = await freePorts(3, given);
  const httpPort = options.httpPort ?? pickedHttp;
  const httpsPort = options.httpsPort ?? pickedHttps;
  const configDir = await mkdtemp(path.join(tmpdir(), "syntra-caddy-"));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const router = new CaddyRouter({
    adminUrl,
    httpPort,
    httpsPort,
    tls: false,
    listenHost: "127.0.0.1",
    manage: { configDir },
    ...options,
  });
  await router.start();
  return {
    router,
    adminUrl,
    httpPort,
    httpsPort,
    configDir,
    stop: async () => {
      await router.stop();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/**
 * One call to a Caddy's admin API (JSON in and out); fails the test on an error status. On a connection of its
 * own, as the router's calls are (see adminRequest): Caddy closes kept-alive admin connections at every change.
 */
export async function caddyAdmin(adminUrl: string, method: string, pathname: string, body?: unknown): Promise<unknown> {
  const { status, text } = await adminRequest(`${adminUrl}${pathname}`, method, body, 10_000);
  assert.ok(status >= 200 && status < 300, `${method} ${pathname}: ${status} ${text}`);
  return text ? JSON.parse(text) : null;
}
