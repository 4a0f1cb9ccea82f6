import assert from "node:assert/strict";
import { test } from "node:test";
import { isInApp, MAX_FRAMES, parseStack, toStackFrames } from "./stack-parser";

function checkout(): Error {
  return new TypeError("Cannot read properties of undefined (reading 'id')");
}

test("V8 stacks from Node: innermost frame last, file:// URLs as paths, node internals not in-app", () => {
  const frames = toStackFrames(parseStack(checkout().stack), undefined);
  const innermost = frames.at(-1);
  assert.equal(innermost?.function, "checkout");
  assert.match(innermost?.filename ?? "", /^\/.*stack-parser\.test\.ts$/);
  assert.ok((innermost?.lineno ?? 0) > 0 && (innermost?.colno ?? 0) > 0);
  assert.equal(innermost?.in_app, true);
  assert.ok(frames.some((f) => f.filename.startsWith("node:") && !f.in_app));
});

test("V8 stacks from Chrome: methods, constructors, async, aliases, eval, native and anonymous frames", () => {
  const stack = [
    "TypeError: x is not a function",
    "    at file:///srv/app/main.mjs:1:10",
    "    at Object.handler [as onClick] (https://shop.example/static/app.js:120:15)",
    "    at new Cart (https://shop.example/static/app.js:10:3)",
    "    at async Promise.all (index 0)",
    "    at async loadAll (https://shop.example/static/app.js:55:7)",
    "    at eval (eval at compile (https://shop.example/static/app.js:200:12), <anonymous>:1:1)",
    "    at Array.map (<anonymous>)",
    "    at https://shop.example/node_modules/react-dom/index.js:9:9",
  ].join("\n");
  const frames = toStackFrames(parseStack(stack), undefined).reverse();
  assert.deepEqual(
    frames.map((f) => [f.function, f.filename, f.lineno, f.colno, f.in_app]),
    [
      ["<anonymous>", "/srv/app/main.mjs", 1, 10, true],
      ["Object.handler", "https://shop.example/static/app.js", 120, 15, true],
      ["new Cart", "https://shop.example/static/app.js", 10, 3, true],
      ["Promise.all", "native", 0, undefined, false],
      ["loadAll", "https://shop.example/static/app.js", 55, 7, true],
      ["eval", "https://shop.example/static/app.js", 200, 12, true],
      ["Array.map", "<anonymous>", 0, undefined, false],
      ["<anonymous>", "https://shop.example/node_modules/react-dom/index.js", 9, 9, false],
    ],
  );
});

test("Firefox stacks: fn@url:line:col, anonymous and nested names, eval'd code at its caller's line", () => {
  const stack = [
    "renderCart@https://shop.example/app.js:3:15",
    "onBuy/<@https://shop.example/app.js:10:26",
    "@https://shop.example/app.js:20:1",
    "compile@https://shop.example/app.js line 40 > eval:1:5",
    "",
  ].join("\n");
  const frames = parseStack(stack).reverse();
  assert.deepEqual(
    frames.map((f) => [f.function, f.filename, f.lineno, f.colno]),
    [
      ["renderCart", "https://shop.example/app.js", 3, 15],
      ["onBuy/<", "https://shop.example/app.js", 10, 26],
      ["<anonymous>", "https://shop.example/app.js", 20, 1],
      ["compile", "https://shop.example/app.js", 40, undefined],
    ],
  );
});

test("Safari stacks: global and module code, native code, scoped package paths with @", () => {
  const stack = [
    "renderCart@https://shop.example/app.js:3:22",
    "forEach@[native code]",
    "[native code]",
    "global code@https://shop.example/app.js:30:11",
    "module code@https://shop.example/node_modules/@acme/ui/index.js:5:2",
  ].join("\n");
  const frames = toStackFrames(parseStack(stack), undefined).reverse();
  assert.deepEqual(
    frames.map((f) => [f.function, f.filename, f.lineno, f.in_app]),
    [
      ["renderCart", "https://shop.example/app.js", 3, true],
      ["forEach", "[native code]", 0, false],
      ["<anonymous>", "[native code]", 0, false],
      ["global code", "https://shop.example/app.js", 30, true],
      ["module code", "https://shop.example/node_modules/@acme/ui/index.js", 5, false],
    ],
  );
});

test("only the innermost frames are kept; the app may decide in_app itself; modules are added", () => {
  const stack = ["Error: deep", ...Array.from({ length: 80 }, (_, i) => `    at f${i} (/app/x.js:${i + 1}:1)`)].join(
    "\n",
  );
  const frames = parseStack(stack);
  assert.equal(frames.length, MAX_FRAMES);
  assert.equal(frames.at(-1)?.function, "f0", "the innermost is kept");
  const [frame] = toStackFrames(
    frames.slice(-1),
    (f) => !f.startsWith("/app/"),
    () => "x",
  );
  assert.equal(frame?.in_app, false);
  assert.equal(frame?.module, "x");
  assert.deepEqual(parseStack(undefined), []);
  assert.equal(isInApp("C:\\app\\node_modules\\lib\\index.js"), false);
  assert.equal(isInApp("internal/process/task_queues"), false);
});
