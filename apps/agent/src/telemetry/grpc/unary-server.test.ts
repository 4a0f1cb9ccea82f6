import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { once } from "node:events";
import http2 from "node:http2";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { rawUnaryCall } from "../../testing/grpc-client";
import { GrpcCode, GrpcUnaryServer, type UnaryCall } from "./unary-server";

// The agent's own HTTP/2 server for OTLP/gRPC, against clients and a conformance suite we did not write: h2spec,
// grpc-js (the OTel JS SDK's gRPC exporter), and Node's HTTP/2 client.

const MAX = 8 * 1024 * 1024;
const METHOD = "/test.Service/Export";
const calls: UnaryCall[] = [];
/** While set, the handler waits for it (to hold calls in flight). */
let gate: Promise<void> | undefined;
let inFlight = 0;
let mostInFlight = 0;
let onInFlight: (() => void) | undefined;

const server = new GrpcUnaryServer({
  methods: new Map([
    [
      METHOD,
      async (call) => {
        calls.push({ message: Buffer.from(call.message), metadata: call.metadata });
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        onInFlight?.();
        await gate;
        inFlight--;
        return call.metadata("x-fail") ? { code: GrpcCode.UNAVAILABLE, message: "busy: retry" } : { code: GrpcCode.OK };
      },
    ],
  ]),
  maxMessageBytes: MAX,
  idleTimeoutMs: 2000,
});
const listener = net.createServer((socket) => server.handle(socket));
let address: string;

before(async () => {
  listener.listen(0, "127.0.0.1");
  await once(listener, "listening");
  address = `127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
});

after(async () => {
  listener.close();
  await server.close(1000);
});

function client(options: grpc.ChannelOptions = {}): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), options);
}

function unary(c: grpc.Client, body: Buffer, metadata: Record<string, string> = {}, path = METHOD) {
  return rawUnaryCall(c, path, body, metadata);
}

test("h2spec: every test of the HTTP/2 and HPACK conformance suite passes", async () => {
  const h2spec = execFileSync("bash", [path.resolve(import.meta.dirname, "../../../../../scripts/services/h2spec.sh")])
    .toString()
    .trim()
    .split("\n")
    .at(-1) as string;
  const [host, port] = address.split(":") as [string, string];
  const { stdout } = await promisify(execFile)(h2spec, ["-h", host, "-p", port, "-o", "3"], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout: string }) => err);
  const summary = stdout.match(/(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed/);
  assert.ok(summary, stdout.slice(-2000));
  assert.equal(summary[4], "0", stdout.slice(stdout.indexOf("Failures:")));
  assert.ok(Number(summary[2]) >= 145, summary[0]);
});

test("grpc-js: messages arrive intact, plain and compressed, across many flow-control windows", async () => {
  const c = client({ "grpc.max_send_message_length": -1 });
  const small = Buffer.from("one span");
  // 6 MiB: more than the stream's window (4 MiB) and HTTP/2's default one many times over.
  const large = Buffer.alloc(6 * 1024 * 1024, "otlp");
  assert.equal((await unary(c, small, { "x-syntra-key": "k1" })).code, grpc.status.OK);
  assert.equal((await unary(c, large)).code, grpc.status.OK);
  const gz = client({ "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip });
  const df = client({ "grpc.default_compression_algorithm": grpc.compressionAlgorithms.deflate });
  assert.equal((await unary(gz, large)).code, grpc.status.OK);
  assert.equal((await unary(df, small)).code, grpc.status.OK);
  const received = calls.splice(0);
  assert.deepEqual(
    received.map((call) => call.message.length),
    [small.length, large.length, large.length, small.length],
  );
  assert.ok(
    received[0]?.message.equals(small) && received[1]?.message.equals(large) && received[2]?.message.equals(large),
  );
  assert.equal(received[0]?.metadata("x-syntra-key"), "k1");
  for (const x of [c, gz, df]) x.close();
});

test("grpc-js: errors come back as gRPC statuses, and the connection keeps serving", async () => {
  const c = client({ "grpc.max_send_message_length": -1 });
  const failed = await unary(c, Buffer.from("x"), { "x-fail": "1" });
  assert.deepEqual(failed, { code: grpc.status.UNAVAILABLE, details: "busy: retry" });
  const unknown = await unary(c, Buffer.from("x"), {}, "/test.Service/Nope");
  assert.equal(unknown.code, grpc.status.UNIMPLEMENTED);
  const tooLarge = await unary(c, Buffer.alloc(MAX + 1));
  assert.equal(tooLarge.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(tooLarge.details, /too large/);
  const gz = client({ "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip });
  // Small on the wire, past the limit once decompressed: the decompression stops at the limit.
  assert.equal((await unary(gz, Buffer.alloc(4 * MAX))).code, grpc.status.RESOURCE_EXHAUSTED);
  assert.equal((await unary(c, Buffer.from("still here"))).code, grpc.status.OK);
  assert.equal(calls.splice(0).length, 2, "the failing call and the last one reached the handler");
  c.close();
  gz.close();
});

test("grpc-js: no more than 100 calls are in flight on a connection; the rest wait and are served", async () => {
  const c = client();
  let open!: () => void;
  gate = new Promise((resolve) => {
    open = resolve;
  });
  const hundred = new Promise<void>((resolve) => {
    onInFlight = () => inFlight === 100 && resolve();
  });
  const results = Array.from({ length: 150 }, (_, i) => unary(c, Buffer.from(`call ${i}`)));
  await hundred;
  open();
  gate = undefined;
  onInFlight = undefined;
  assert.ok((await Promise.all(results)).every((r) => r.code === grpc.status.OK));
  // The client kept to the server's SETTINGS_MAX_CONCURRENT_STREAMS (a 101st stream would have been refused).
  assert.equal(mostInFlight, 100);
  assert.equal(calls.splice(0).length, 150);
  c.close();
});

test("node:http2: a request that is not gRPC gets 415; a call the client cancels never reaches the handler", async () => {
  const session = http2.connect(`http://${address}`);
  const plain = session.request({ ":method": "GET", ":path": "/" });
  plain.end();
  const [headers] = (await once(plain, "response")) as [http2.IncomingHttpHeaders];
  let text = "";
  for await (const chunk of plain) text += chunk;
  assert.equal(headers[":status"], 415);
  assert.match(text, /OTLP\/gRPC endpoint/);

  const cancelled = session.request({ ":method": "POST", ":path": METHOD, "content-type": "application/grpc" });
  cancelled.write(Buffer.from([0, 0, 0, 1, 0, 1, 2, 3]));
  cancelled.close(http2.constants.NGHTTP2_CANCEL);
  await once(cancelled, "close");
  // Then a whole call on the same connection: served, and the only one the handler saw.
  const message = Buffer.from("after the cancel");
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  const whole = session.request({ ":method": "POST", ":path": METHOD, "content-type": "application/grpc" });
  whole.end(Buffer.concat([prefix, message]));
  const [trailers] = (await once(whole, "trailers")) as [http2.IncomingHttpHeaders];
  assert.equal(trailers["grpc-status"], "0");
  assert.deepEqual(
    calls.splice(0).map((call) => call.message.toString()),
    ["after the cancel"],
  );
  session.close();
});

test("an idle connection is closed with GOAWAY; a peer that never reads its answers is cut off", async () => {
  const session = http2.connect(`http://${address}`);
  await once(session, "connect");
  const [code] = (await once(session, "goaway")) as [number];
  assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
  await once(session, "close");

  // PINGs whose ACKs are never read pile up on the server's side; past its bound it ends the connection.
  const socket = net.connect(Number(address.split(":")[1]), "127.0.0.1");
  await once(socket, "connect");
  // The server's reset shows up here as a write error (ECONNRESET): expected.
  socket.on("error", () => undefined);
  socket.pause();
  const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  const ping = Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), settings]));
  const closed = new Promise((resolve) => socket.once("close", resolve));
  let cut = false;
  void closed.then(() => {
    cut = true;
  });
  const burst = Buffer.concat(Array.from({ length: 4096 }, () => ping));
  // Written until the server ends it: a flood of ~70 KB bursts, each waiting for the socket to drain.
  for (let i = 0; i < 2000 && !cut; i++) {
    if (!socket.write(burst)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
  }
  await closed;
  assert.ok(cut);
  // Everyone else is still served.
  const c = client();
  assert.equal((await unary(c, Buffer.from("fine"))).code, grpc.status.OK);
  calls.splice(0);
  c.close();
});
