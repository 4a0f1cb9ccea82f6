import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import { adminRequest } from "./caddy-admin";

test("a call whose connection the replaced admin endpoint resets at connect is made again and answered", async (t) => {
  const listener = spawn("python3", [path.join(import.meta.dirname, "testdata/swapping-listener.py")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => listener.kill());
  const [line] = (await once(createInterface({ input: listener.stdout }), "line")) as [string];
  const [port, control] = line.split(" ").map(Number);
  const answer = adminRequest(`http://127.0.0.1:${port}/config/`, "GET", undefined, 5000);
  // The connection is made (queued on the old listener) before this runs; the old listener closes before the event
  // loop learns of the connection, so it finds it reset: what a call right after a config change can meet.
  setImmediate(() =>
    execFileSync("python3", [
      "-c",
      `import socket; s = socket.create_connection(("127.0.0.1", ${control})); s.send(b"swap\\n"); s.recv(2)`,
    ]),
  );
  assert.deepEqual(await answer, { status: 200, text: "{}" });
});

test("a call nothing answers fails with an error that names the admin API", async () => {
  const url = `http://127.0.0.1:${await freePort()}/config/`;
  await assert.rejects(adminRequest(url, "GET", undefined, 1000), (err: Error) => {
    assert.match(err.message, /^Caddy's admin API \(GET http:\/\/127\.0\.0\.1:\d+\/config\/\): connect ECONNREFUSED/);
    return true;
  });
});
