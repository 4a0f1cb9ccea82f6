import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";

// Every answer, from any layer (Node's HTTP parser, Fastify's router and body parsers, our handlers), is the error
// envelope with its code and a request id. Spoken over real sockets, since the parser's answers never reach inject.

let t: TestApp;
let port: number;
let owner: { cookie: string };
before(async () => {
  t = await createTestApp({ SYNTRA_REQUEST_TIMEOUT_SECONDS: "2", SYNTRA_HEADERS_TIMEOUT_SECONDS: "2" });
  port = Number(new URL((await t.agentUrl()).replace(/^ws/, "http")).port);
  owner = { cookie: (await t.signup("owner@example.com", { orgName: "Acme" })).cookie };
});
after(() => t.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes on a new connection and reads the answer until the server closes it. */
function raw(request: string | Buffer, opts: { keepOpen?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(request);
      // Half-closing says "that is all": the server answers what it has (keepOpen: a client that is still sending).
      if (!opts.keepOpen) socket.end();
    });
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(parse(data)));
  });
}

function parse(data: string): RawAnswer {
  const [head = "", ...rest] = data.split("\r\n\r\n");
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") };
}

function assertEnvelope(res: RawAnswer, status: number, code: string) {
  assert.equal(res.status, status, res.body);
  const body = JSON.parse(res.body);
  assert.equal(body.success, false);
  assert.equal(body.error.code, code);
  assert.match(body.error.request_id, /^req_[0-9a-f]{32}$/);
  assert.equal(res.headers["x-request-id"], body.error.request_id);
}

const request = (line: string, headers: string[] = [], body = "") =>
  `${line}\r\nHost: localhost\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n${body}`;

test("the HTTP parser's refusals are envelopes: unknown method, bad Content-Length, oversized headers", async () => {
  assertEnvelope(await raw(request("FOO /api/v1/projects HTTP/1.1")), 400, "BAD_REQUEST");
  assertEnvelope(await raw(request("POST /api/v1/projects HTTP/1.1", ["Content-Length: abc"])), 400, "BAD_REQUEST");
  assertEnvelope(
    await raw(request("POST /api/v1/projects HTTP/1.1", ["Content-Length: 1", "Content-Length: 2"], "{}")),
    400,
    "BAD_REQUEST",
  );
  assertEnvelope(
    await raw(request("GET /api/v1/me HTTP/1.1", [`X-Big: ${"a".repeat(20_000)}`])),
    431,
    "HEADERS_TOO_LARGE",
  );
});

test("framework errors keep their 4xx status: QUERY without a body type, bad percent-encoding, text/plain", async () => {
  assertEnvelope(await raw(request("QUERY /api/v1/projects HTTP/1.1")), 400, "BAD_REQUEST");
  assertEnvelope(await raw(request("GET /api/v1/projects/%E0%A4%A HTTP/1.1")), 400, "BAD_REQUEST");
  assertEnvelope(
    await raw(
      request(
        "POST /api/v1/projects HTTP/1.1",
        [`Cookie: syntra_session=${owner.cookie}`, "Content-Type: text/plain", "Content-Length: 2"],
        "hi",
      ),
    ),
    415,
    "UNSUPPORTED_MEDIA_TYPE",
  );
  assertEnvelope(await raw(request(`GET /api/v1/services/${"a".repeat(5000)} HTTP/1.1`)), 404, "NOT_FOUND");
});

test("an env var with a 255-character key and a long domain can be created, then deleted", async () => {
  const server = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  const project = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } });
  const svc = await t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: owner,
    body: imageServiceBody("web", server.body.data.server_id),
  });
  const id = svc.body.data.id;
  const key = `K${"_".repeat(254)}`;
  const put = await t.call("PUT", `/api/v1/services/${id}/env`, {
    as: owner,
    body: { variables: [{ key, value: "1" }] },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const removed = await t.call("DELETE", `/api/v1/services/${id}/env/${key}`, { as: owner });
  assert.equal(removed.status, 204, JSON.stringify(removed.body));
  const domain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.com`;
  const added = await t.call("POST", `/api/v1/services/${id}/domains`, { as: owner, body: { domain } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const gone = await t.call("DELETE", `/api/v1/services/${id}/domains/${domain}`, { as: owner });
  assert.equal(gone.status, 204, JSON.stringify(gone.body));
});

test("a body that never completes is cut off by the request timeout with 408, and nobody else waits for it", async () => {
  let finished = false;
  const slow = raw(
    request(
      "POST /api/v1/projects HTTP/1.1",
      [`Cookie: syntra_session=${owner.cookie}`, "Content-Type: application/json", "Content-Length: 1000"],
      '{"name": "sl',
    ),
    { keepOpen: true },
  ).then((res) => {
    finished = true;
    return res;
  });
  const halfHeaders = raw("GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", { keepOpen: true });
  // Other callers are answered while both connections hang: their answers come before the 408s.
  for (let i = 0; i < 5; i++) {
    const me = await t.call("GET", "/api/v1/me", { as: owner });
    assert.equal(me.status, 200);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
  }
  assert.equal(finished, false, "the slow request was still open while the others were answered");
  assertEnvelope(await slow, 408, "REQUEST_TIMEOUT");
  assertEnvelope(await halfHeaders, 408, "REQUEST_TIMEOUT");
  const list = await t.call("GET", "/api/v1/projects", { as: owner });
  assert.ok(!list.body.data.some((p: { name: string }) => p.name.startsWith("sl")), "nothing half-sent was stored");
});
