import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { selfSignedCertificate } from "@syntra/testing/openssl";
import dns2 from "dns2";
import { runCheck } from "./checks";

let web: http.Server;
let webUrl: string;
let secure: https.Server;
let securePort: number;
let dns: ReturnType<typeof dns2.createServer>;
let dnsPort: number;

before(async () => {
  web = http.createServer((req, res) => {
    if (req.url === "/slow") {
      setTimeout(() => res.end("ok"), 300);
      return;
    }
    if (req.url === "/gzip") {
      res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync("<p>compressed but all good</p>"));
      return;
    }
    if (req.url === "/broken") {
      res.writeHead(503).end("down for maintenance");
      return;
    }
    res.writeHead(200, { "content-type": "text/html" }).end("<h1>Shop</h1><p>all good</p>");
  });
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  const pem = await selfSignedCertificate({ commonName: "shop.test", names: ["shop.test", "127.0.0.1"], days: 5 });
  secure = https.createServer({ cert: pem.certPem, key: pem.keyPem }, (_req, res) => res.end("ok"));
  await new Promise<void>((r) => secure.listen(0, "127.0.0.1", r));
  securePort = (secure.address() as AddressInfo).port;
  dns = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = dns2.Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (question?.name === "shop.test") {
        // dns2's types take only parsed resources as answers; a plain record is what it encodes.
        (response.answers as unknown as Record<string, unknown>[]).push({
          name: "shop.test",
          type: dns2.Packet.TYPE.A,
          class: dns2.Packet.CLASS.IN,
          ttl: 60,
          address: "192.0.2.10",
        });
      }
      send(response);
    },
  });
  await dns.listen({ udp: { port: 0, address: "127.0.0.1" } });
  dnsPort = dns.addresses().udp?.port ?? 0;
});
after(async () => {
  web.close();
  secure.close();
  await dns.close();
});

test("http: status, keyword present or absent, latency limit, unreachable", async () => {
  const up = await runCheck(
    { type: "http", url: `${webUrl}/`, method: "GET", expected_status: [], keyword: "all good", keyword_absent: false },
    2000,
  );
  assert.equal(up.is_up, true, up.error);
  assert.equal(up.status_code, 200);
  const missing = await runCheck(
    { type: "http", url: `${webUrl}/`, method: "GET", expected_status: [], keyword: "checkout", keyword_absent: false },
    2000,
  );
  assert.deepEqual([missing.is_up, missing.error], [false, '"checkout" is not in the page']);
  const broken = await runCheck(
    { type: "http", url: `${webUrl}/broken`, method: "GET", expected_status: [], keyword_absent: false },
    2000,
  );
  assert.deepEqual([broken.is_up, broken.error, broken.status_code], [false, "HTTP 503", 503]);
  const accepted = await runCheck(
    { type: "http", url: `${webUrl}/broken`, method: "GET", expected_status: [503], keyword_absent: false },
    2000,
  );
  assert.equal(accepted.is_up, true, "503 was the expected status");
  const slow = await runCheck(
    {
      type: "http",
      url: `${webUrl}/slow`,
      method: "GET",
      expected_status: [],
      keyword_absent: false,
      max_latency_ms: 100,
    },
    2000,
  );
  assert.equal(slow.is_up, false);
  assert.match(slow.error ?? "", /more than 100 ms/);
  const timeout = await runCheck(
    { type: "http", url: `${webUrl}/slow`, method: "GET", expected_status: [], keyword_absent: false },
    100,
  );
  assert.deepEqual([timeout.is_up, timeout.error], [false, "no answer within 0.1 s"]);
  const compressed = await runCheck(
    {
      type: "http",
      url: `${webUrl}/gzip`,
      method: "GET",
      expected_status: [],
      keyword: "all good",
      keyword_absent: false,
    },
    2000,
  );
  assert.equal(compressed.is_up, true, `the keyword is looked for in the page as sent: ${compressed.error}`);
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const unreachable = await runCheck(
    {
      type: "http",
      url: `http://127.0.0.1:${closedPort}/`,
      method: "HEAD",
      expected_status: [],
      keyword_absent: false,
    },
    2000,
  );
  assert.deepEqual([unreachable.is_up, unreachable.error], [false, "ECONNREFUSED"]);
  const untrusted = await runCheck(
    {
      type: "http",
      url: `https://127.0.0.1:${securePort}/`,
      method: "GET",
      expected_status: [],
      keyword_absent: false,
    },
    2000,
  );
  assert.deepEqual([untrusted.is_up, untrusted.error], [false, "DEPTH_ZERO_SELF_SIGNED_CERT"]);
});

test("tcp: an open port is up, a closed one is down with the reason", async () => {
  const port = (web.address() as AddressInfo).port;
  assert.equal((await runCheck({ type: "tcp", host: "127.0.0.1", port }, 2000)).is_up, true);
  const closed = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const down = await runCheck({ type: "tcp", host: "127.0.0.1", port: closed }, 2000);
  assert.deepEqual([down.is_up, down.error], [false, "ECONNREFUSED"]);
});

test("tls: an untrusted certificate is down with its days left; dns: the expected address", async () => {
  const cert = await runCheck({ type: "tls", host: "127.0.0.1", port: securePort, min_days_left: 14 }, 2000);
  assert.equal(cert.is_up, false);
  assert.match(cert.error ?? "", /not trusted/);
  assert.ok(cert.days_left !== undefined && cert.days_left <= 5);
  const resolved = await runCheck(
    { type: "dns", hostname: "shop.test", record_type: "A", expected: "192.0.2.10", resolver: `127.0.0.1:${dnsPort}` },
    2000,
  );
  assert.equal(resolved.is_up, true, resolved.error);
  const wrong = await runCheck(
    { type: "dns", hostname: "shop.test", record_type: "A", expected: "192.0.2.99", resolver: `127.0.0.1:${dnsPort}` },
    2000,
  );
  assert.equal(wrong.is_up, false);
  assert.match(wrong.error ?? "", /is 192\.0\.2\.10, not 192\.0\.2\.99/);
});
