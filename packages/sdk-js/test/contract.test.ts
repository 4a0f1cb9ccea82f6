import assert from "node:assert/strict";
import { test } from "node:test";
import { type SdkErrorEvent, sdkErrorsBody } from "@syntra/contracts";
import { Client, type Platform } from "../src/core/client";
import { resolveOptions } from "../src/core/options";
import { Scope, StackScopeManager } from "../src/core/scope";
import type { SyntraEvent } from "../src/core/types";
import { moduleOf } from "../src/node/module-name";
import { addSourceContext } from "../src/node/source-context";

// Every event the SDK builds must pass the control plane's schema of POST /v1/errors: one invalid event would make
// the control plane refuse its whole batch. Odd inputs included.

// Compile-time: the SDK's event type fits the contract's.
const _fits = (e: SyntraEvent): SdkErrorEvent => e;
void _fits;

test("events built from odd inputs all pass the contract's schema", async () => {
  const bodies: unknown[] = [];
  const { options } = resolveOptions(
    { dsn: "http://syn_ing_0123456789abcdef0123456789abcdef@127.0.0.1:1/1", deploymentId: "not-a-uuid" },
    {},
  );
  const root = new Scope();
  const platform: Platform = {
    scopes: new StackScopeManager(root),
    sender: async (body) => {
      bodies.push(JSON.parse(body));
      return { status: 200 };
    },
    runtime: () => ({ tags: { runtime: "node test" }, contexts: { runtime: { name: "node" } } }),
    moduleOf: (f) => moduleOf(f),
    addSourceContext,
    activeSpan: () => ({ trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" }),
  };
  const client = new Client(options, platform);
  root.setUser({ id: 7, email: "not an email" });
  root.setTag("very-long", "x".repeat(5000));
  root.setExtra(
    "cyclic",
    (() => {
      const o: Record<string, unknown> = {};
      o.o = o;
      return o;
    })(),
  );
  client.addBreadcrumb({ category: "custom", data: { big: 10n, fn: () => 1 }, timestamp: new Date(0) });
  class PaymentError extends Error {}
  const inputs: unknown[] = [
    new PaymentError("declined", { cause: new Error("gateway timeout", { cause: "socket hang up" }) }),
    "a string",
    { code: 42 },
    undefined,
    null,
    Object.assign(new Error(""), { name: "" }),
  ];
  for (const input of inputs) client.captureException(input, { fingerprint: ["{{ default }}", ""] });
  client.captureMessage("", "debug");
  assert.equal(await client.flush(30_000), true);
  const events = bodies.flatMap((b) => (b as { errors: unknown[] }).errors);
  assert.equal(events.length, inputs.length + 1);
  const parsed = sdkErrorsBody.safeParse({ errors: events });
  assert.deepEqual(parsed.error?.issues, undefined);
  // Events without frames skip reading source files, so they may be queued first.
  const payment = (events as SyntraEvent[]).find((e) => e.message === "declined");
  assert.equal(payment?.type, "PaymentError", "a subclass without its own name is named by its constructor");
  assert.deepEqual(payment?.context.extra.cause, [
    { type: "Error", message: "gateway timeout" },
    { type: "Error", message: "socket hang up" },
  ]);
  assert.equal(payment?.context.user?.email, undefined, "an email the contract would refuse is left out");
  assert.equal(payment?.deployment_id, undefined, "a deployment id that is not a UUID is left out");
  assert.equal(payment?.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.ok(payment?.stack_trace.at(-1)?.context_line?.includes("new PaymentError"));
});
