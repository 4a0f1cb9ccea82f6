import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServiceWithDeployments } from "@syntra/contracts";
import { type ApiClient, createApiClient } from "./client";

// The client's types come from the route table: these lines are checked by `tsc` (npm run check), so a route
// whose input or answer stops being typed from its schemas fails the build. Nothing here is sent.

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_: T) => {};

function typedCalls(client: ApiClient) {
  expectType<Equal<Awaited<ReturnType<typeof client.services.get>>, ServiceWithDeployments>>(true);
  expectType<Equal<Awaited<ReturnType<typeof client.auth.logout>>, undefined>>(true);
  expectType<Equal<ReturnType<typeof client.auth.github>, string>>(true);
  void client.servers.list();
  void client.servers.list({ per_page: 100, status: "online" });
  void client.env.list({ serviceId: "s", reveal: true });
  void client.services.scale({ serviceId: "s", replicas: 2 });
  void client.live.serviceLogs({ serviceId: "s", follow: false }, (e) => e.type === "log" && e.entry.message);
  // @ts-expect-error the path parameter is required
  void client.services.get();
  // @ts-expect-error a field of no schema of the route
  void client.services.get({ serviceId: "s", replicas: 2 });
  // @ts-expect-error the body's field has its schema's type
  void client.services.scale({ serviceId: "s", replicas: "2" });
  // @ts-expect-error an unknown route
  void client.services.frobnicate;
}

test("every route of the table is a function of the client, grouped as the table is", () => {
  const client = createApiClient({ baseUrl: "http://127.0.0.1:9" });
  assert.equal(typeof typedCalls, "function");
  assert.equal(typeof client.services.get, "function");
  assert.equal(client.services.get.url({ serviceId: "a/b" }), "http://127.0.0.1:9/api/v1/services/a%2Fb");
  assert.equal(client.auth.github({ invite_token: "t" }), "http://127.0.0.1:9/api/v1/auth/github?invite_token=t");
  assert.equal(client.live.events.url({ timeout_seconds: 0 }), "http://127.0.0.1:9/api/v1/events?timeout_seconds=0");
});
