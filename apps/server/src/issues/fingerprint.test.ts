import assert from "node:assert/strict";
import { test } from "node:test";
import type { StackFrame } from "@syntra/contracts";
import { type GroupingInput, groupEvent } from "./fingerprint";
import { normalizeContextLine, normalizeFilename, normalizeFunction, normalizeMessage } from "./normalize";

test("messages: ids, numbers, UUIDs, hex, emails, IPs, URLs and timestamps become placeholders", () => {
  const cases: [string, string][] = [
    ["user 123 not found", "user <num> not found"],
    ["took 12.5 ms, retry 3 of 5", "took <num> ms, retry <num> of <num>"],
    ["order 3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d missing", "order <uuid> missing"],
    ["segfault at 0x7ffd5fbff8c8", "segfault at <hex>"],
    ["object 9fceb02d0ae598e95dc970b74767f19372d61af8 not in pack", "object <hex> not in pack"],
    ["no account for ana.lopez+shop@example.co.uk", "no account for <email>"],
    ["connect ECONNREFUSED 10.0.0.5:5432", "connect ECONNREFUSED <ip>"],
    ["connect ECONNREFUSED ::1:6379", "connect ECONNREFUSED <ip>"],
    ["bad gateway from 2001:db8:85a3:0:0:8a2e:370:7334", "bad gateway from <ip>"],
    ["GET https://api.example.com/v1/orders/17?expand=items failed", "GET <url> failed"],
    ["could not reach postgres://app@db:5432/shop", "could not reach <url>"],
    ["token expired at 2025-03-14T09:27:53.123Z", "token expired at <timestamp>"],
    ["job of 2025-03-14 09:27:53+01:00 late", "job of <timestamp> late"],
    ["backup of 2025-03-14 missing", "backup of <timestamp> missing"],
    ["customer cus_8fK2p9Lm4Q has no card", "customer <id> has no card"],
    ["session aB3dE5fG7hJ9kL1mN3pQ5rS7 invalid", "session <id> invalid"],
    // Words that merely contain digits stay: they name things, not occurrences.
    ["utf8 decode of base64 payload failed", "utf8 decode of base64 payload failed"],
    ["  spaces\n\tcollapse  ", "spaces collapse"],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeMessage(input), expected, input);
});

test("filenames: origins, query strings, package roots, versions and content hashes are left out", () => {
  const cases: [string, string][] = [
    ["https://cdn.example.com/assets/main.3f9a8b2c.js?v=12", "/assets/main.<hash>.js"],
    ["http://localhost:5173/src/app.tsx", "/src/app.tsx"],
    ["webpack:///./src/checkout.ts", "/./src/checkout.ts"],
    ["file:///srv/app/src/db.ts", "/srv/app/src/db.ts"],
    ["/srv/releases/a/node_modules/express/lib/router/index.js", "express/lib/router/index.js"],
    ["/app/node_modules/.pnpm/express@4.18.2/node_modules/express/lib/router.js", "express/lib/router.js"],
    ["/usr/lib/python3.11/site-packages/django/core/handlers/base.py", "django/core/handlers/base.py"],
    ["/app/static/chunk-4d5e6f7a.js", "/app/static/chunk-<hash>.js"],
    ["C:\\app\\src\\main.ts", "/app/src/main.ts"],
    ["/app/src/orders.ts", "/app/src/orders.ts"],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeFilename(input), expected, input);
});

test("function names and context lines: addresses, numbered closures and indentation are left out", () => {
  assert.equal(normalizeFunction("async getOrder"), "getOrder");
  assert.equal(normalizeFunction("Object.<anonymous>"), "Object.<anonymous>");
  assert.equal(normalizeFunction("handler$12"), "handler$<num>");
  assert.equal(normalizeFunction("<lambda at 0x7f3a2b1c>"), "<lambda at <hex>>");
  assert.equal(normalizeContextLine("    return   order.customer.id;  "), "return order.customer.id;");
  assert.equal(normalizeContextLine(`var a=${"x".repeat(200)}`), undefined, "minified lines are left out");
  assert.equal(normalizeContextLine("   "), undefined);
});

const frame = (over: Partial<StackFrame>): StackFrame => ({
  filename: "/app/src/orders.ts",
  function: "getOrder",
  lineno: 42,
  in_app: true,
  ...over,
});

const event = (over: Partial<GroupingInput>): GroupingInput => ({
  type: "TypeError",
  message: "Cannot read properties of undefined (reading 'id')",
  stack_trace: [
    frame({ filename: "node:internal/process/task_queues", function: "processTicksAndRejections", in_app: false }),
    frame({ context_line: "  return order.customer.id;" }),
  ],
  fingerprint: [],
  ...over,
});

test("rule 'stack': the type and the in-app frames group, line numbers and library frames do not", () => {
  const base = groupEvent(event({}));
  assert.equal(base.rule, "stack");
  assert.match(base.fingerprint, /^[0-9a-f]{64}$/);
  assert.deepEqual(base.components, ["type:TypeError", "/app/src/orders.ts | getOrder | return order.customer.id;"]);

  // Another build: lines moved, a library frame changed, the message names another field. Same issue.
  const moved = groupEvent(
    event({
      message: "Cannot read properties of undefined (reading 'total')",
      stack_trace: [
        frame({ filename: "node:internal/timers", function: "listOnTimeout", in_app: false }),
        frame({ lineno: 57, colno: 3, context_line: "\treturn order.customer.id;" }),
      ],
    }),
  );
  assert.equal(moved.fingerprint, base.fingerprint);

  // The same line throwing another type, or another in-app function, is another issue.
  assert.notEqual(groupEvent(event({ type: "RangeError" })).fingerprint, base.fingerprint);
  const otherFn = event({
    stack_trace: [frame({ function: "listOrders", context_line: "return order.customer.id;" })],
  });
  assert.notEqual(groupEvent(otherFn).fingerprint, base.fingerprint);
});

test("rule 'stack': a module name wins over the filename, so machines with other paths group together", () => {
  const a = groupEvent(event({ stack_trace: [frame({ filename: "/srv/a/app/views.py", module: "app.views" })] }));
  const b = groupEvent(event({ stack_trace: [frame({ filename: "/home/ci/app/views.py", module: "app.views" })] }));
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(a.components[1], "app.views | getOrder | ");
});

test("rule 'stack': content-hashed bundles of two builds and any recursion depth group together", () => {
  const build = (hash: string) =>
    groupEvent(event({ stack_trace: [frame({ filename: `https://shop.example.com/assets/index-${hash}.js` })] }));
  assert.equal(build("4d5e6f7a").fingerprint, build("9a8b7c6d").fingerprint);

  const recursion = (depth: number) =>
    groupEvent(
      event({
        type: "RangeError",
        message: "Maximum call stack size exceeded",
        stack_trace: [frame({ function: "main" }), ...Array.from({ length: depth }, () => frame({ function: "walk" }))],
      }),
    );
  assert.equal(recursion(10).fingerprint, recursion(9000).fingerprint);
});

test("rule 'exception': without in-app frames, the type and the normalized message group", () => {
  const refused = (address: string) =>
    groupEvent(
      event({
        type: "Error",
        message: `connect ECONNREFUSED ${address}`,
        stack_trace: [frame({ filename: "node:net", function: "TCPConnectWrap.afterConnect", in_app: false })],
      }),
    );
  const a = refused("10.0.0.5:5432");
  assert.equal(a.rule, "exception");
  assert.deepEqual(a.components, ["type:Error", "connect ECONNREFUSED <ip>"]);
  assert.equal(a.fingerprint, refused("10.0.0.9:5432").fingerprint);
  const noFrames = (type: string, message: string) => groupEvent(event({ type, message, stack_trace: [] })).fingerprint;
  assert.equal(noFrames("NotFound", "user 123 not found"), noFrames("NotFound", "user 456 not found"));
  assert.notEqual(noFrames("NotFound", "user 123 not found"), noFrames("Gone", "user 123 not found"));
});

test("rule 'message': an event without an exception groups by its normalized message", () => {
  const message = (text: string) => groupEvent({ type: "message", message: text, stack_trace: [], fingerprint: [] });
  const a = message("Payment for order 17 retried 3 times");
  assert.equal(a.rule, "message");
  assert.deepEqual(a.components, ["Payment for order <num> retried <num> times"]);
  assert.equal(a.fingerprint, message("Payment for order 9021 retried 5 times").fingerprint);
  assert.notEqual(a.fingerprint, message("Refund for order 17 retried 3 times").fingerprint);
});

test("rule 'fingerprint': an explicit fingerprint wins; {{ default }} expands to the default grouping", () => {
  const explicit = groupEvent(event({ fingerprint: ["checkout", "stripe-timeout"] }));
  assert.equal(explicit.rule, "fingerprint");
  assert.deepEqual(explicit.components, ["value:checkout", "value:stripe-timeout"]);
  // Everything else may differ: the explicit fingerprint alone decides.
  assert.equal(
    groupEvent(event({ type: "Other", message: "x", stack_trace: [], fingerprint: ["checkout", "stripe-timeout"] }))
      .fingerprint,
    explicit.fingerprint,
  );

  const split = (tenant: string) => groupEvent(event({ fingerprint: ["{{ default }}", tenant] }));
  assert.deepEqual(split("acme").components, [
    "type:TypeError",
    "/app/src/orders.ts | getOrder | return order.customer.id;",
    "value:acme",
  ]);
  assert.notEqual(split("acme").fingerprint, split("globex").fingerprint);
  assert.notEqual(split("acme").fingerprint, groupEvent(event({})).fingerprint);
  assert.equal(
    groupEvent(event({ fingerprint: ["{{default}}"] })).fingerprint,
    groupEvent(event({ fingerprint: ["{{ default }}"] })).fingerprint,
  );
  assert.deepEqual(groupEvent(event({ fingerprint: ["{{ type }}", "{{ message }}"] })).components, [
    "type:TypeError",
    "message:Cannot read properties of undefined (reading 'id')",
  ]);
});
