import assert from "node:assert/strict";
import { test } from "node:test";
import zlib from "node:zlib";
import { compress } from "@mongodb-js/zstd";
import {
  compressBatch,
  decodeBatchBody,
  decompressBatch,
  encodeBatchBody,
  encodeBatchBodyAround,
  recompressBatch,
} from "./batch-frame";
import { decodeContentEncoding } from "./decompress";
import { OtlpInputError } from "./errors";
import { zlibZstdCompress, zstdDecompressBounded, zstdSingleFrameSize } from "./zstd";

const MiB = 1024 * 1024;
const is = (status: number) => (err: unknown) => err instanceof OtlpInputError && err.status === status;

test("gzip, deflate, br and zstd bodies decode; identity passes through", async () => {
  const body = Buffer.from("x".repeat(10_000));
  assert.deepEqual(await decodeContentEncoding(zlib.gzipSync(body), "gzip", MiB), body);
  assert.deepEqual(await decodeContentEncoding(zlib.deflateSync(body), "deflate", MiB), body);
  assert.deepEqual(await decodeContentEncoding(zlib.brotliCompressSync(body), "br", MiB), body);
  assert.deepEqual(await decodeContentEncoding(await compress(body, 3), "zstd", MiB), body);
  assert.deepEqual(await decodeContentEncoding(body, undefined, MiB), body);
});

test("decompression bombs stop at the limit with 413, whatever the encoding", async () => {
  // 1 GiB of zeros compresses to about a megabyte of gzip and a few dozen kilobytes of zstd.
  const bomb = Buffer.alloc(256 * MiB);
  const gzip = zlib.gzipSync(bomb, { level: 9 });
  const zstd = await compress(bomb, 19);
  assert.ok(zstd.length < 64 * 1024);
  const before = process.memoryUsage().rss;
  await assert.rejects(decodeContentEncoding(gzip, "gzip", 4 * MiB), is(413));
  await assert.rejects(decodeContentEncoding(zstd, "zstd", 4 * MiB), is(413));
  await assert.rejects(decodeContentEncoding(Buffer.alloc(5 * MiB), "identity", 4 * MiB), is(413));
  // Nothing near the bomb's size was allocated while refusing it.
  assert.ok(process.memoryUsage().rss - before < 128 * MiB);
  // A zstd frame that hides its size (streamed) is bounded by the streaming decoder too.
  assert.throws(() => zstdDecompressBounded(zstd, 4 * MiB), is(413));
});

test("corrupt bodies are 400 and unknown encodings 415", async () => {
  await assert.rejects(decodeContentEncoding(Buffer.from("not gzip"), "gzip", MiB), is(400));
  await assert.rejects(decodeContentEncoding(Buffer.from("not zstd at all"), "zstd", MiB), is(400));
  await assert.rejects(decodeContentEncoding(Buffer.from("x"), "compress", MiB), is(415));
});

test("a zstd frame's declared size is read, and only for exactly one frame", async () => {
  // One frame, single segment, a 1-byte content size and one raw block of 5 bytes (RFC 8878).
  const raw = Buffer.from("hello");
  const frame = Buffer.concat([
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, raw.length]),
    Buffer.from([(raw.length << 3) | 1, 0, 0]),
    raw,
  ]);
  assert.equal(zstdSingleFrameSize(frame), 5);
  assert.deepEqual(await decodeContentEncoding(frame, "zstd", MiB), raw);
  assert.equal(zstdSingleFrameSize(Buffer.concat([frame, frame])), null);
  // libzstd's streaming frames (what @mongodb-js/zstd writes) declare no size.
  assert.equal(zstdSingleFrameSize(await compress(Buffer.alloc(300_000, 7), 3)), null);
  assert.equal(zstdSingleFrameSize(Buffer.from("hello")), null);
});

test("a json+otlp batch round-trips through compression, and payload sizes must add up", async () => {
  const payloads = [Buffer.from([1, 2, 3]), Buffer.from("four")];
  const head = {
    errors: [],
    traces: [],
    logs: [],
    metrics: [],
    health_checks: [],
    otlp: [
      { service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9", signal: "traces" as const, items: 1, bytes: 3 },
      { service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9", signal: "logs" as const, items: 2, bytes: 4 },
    ],
  };
  const { compression, data } = await compressBatch(encodeBatchBody({ head, payloads }));
  assert.equal(compression, "zstd");
  const body = encodeBatchBody({ head, payloads });
  const decoded = decodeBatchBody(await decompressBatch(compression, data, MiB, body.length));
  await assert.rejects(decompressBatch(compression, data, MiB, body.length + 1), is(400));
  assert.deepEqual(decoded.head, head);
  assert.deepEqual(decoded.payloads(head.otlp), payloads);
  const short = { ...head, otlp: head.otlp.map((ref) => ({ ...ref, bytes: 2 })) };
  assert.throws(() => decoded.payloads(short.otlp), is(400));
  await assert.rejects(decompressBatch("zstd", data, 10), is(413));
  // Laid out in a scratch buffer large enough (the agent's, under load): the same bytes, in the scratch's memory.
  const scratch = Buffer.alloc(body.length + 100, 0xee);
  const inScratch = encodeBatchBody({ head, payloads }, scratch);
  assert.deepEqual(inScratch, body);
  assert.equal(inScratch.buffer, scratch.buffer);
  const tooSmall = Buffer.alloc(body.length - 1);
  const fresh = encodeBatchBody({ head, payloads }, tooSmall);
  assert.deepEqual(fresh, body);
  assert.notEqual(fresh.buffer, tooSmall.buffer);
  // Around payloads already back to back in a slab (staged as they arrived): the same bytes, no copy of them; null
  // when they are not there in order or the head does not fit in the room before them.
  const slab = Buffer.alloc(1000, 0xee);
  const staged = [slab.subarray(500, 503), slab.subarray(503, 507)];
  for (const [i, p] of staged.entries()) p.set(payloads[i] as Buffer);
  const around = encodeBatchBodyAround({ head, payloads: staged }, slab, 500);
  assert.deepEqual(around, body);
  assert.equal(around?.buffer, slab.buffer);
  assert.equal(encodeBatchBodyAround({ head, payloads: [staged[1], staged[0]] as Buffer[] }, slab, 500), null);
  assert.equal(encodeBatchBodyAround({ head, payloads }, slab, 500), null);
  assert.equal(encodeBatchBodyAround({ head, payloads: staged }, slab.subarray(300), 200), null);
});

test("node:zlib's zstd (Node 22.15+, the installed agent's bundle without the add-on) makes batches the control plane reads", {
  skip: zlibZstdCompress(Buffer.alloc(1), 1) === null && "this Node has no zstd in node:zlib",
}, async () => {
  const body = encodeBatchBody({
    head: { errors: [], traces: [], logs: [], metrics: [], health_checks: [], otlp: [] },
    payloads: [],
  });
  const big = Buffer.concat([body, Buffer.from("span ".repeat(200_000))]);
  const data = await zlibZstdCompress(big, 1);
  assert.ok(data && data.length < big.length / 10);
  // The frame declares its size, so the control plane's libzstd path (bounded by that size) takes it.
  assert.equal(zstdSingleFrameSize(data), big.length);
  assert.deepEqual(await decompressBatch("zstd", data, 2 * big.length, big.length), big);
});

test("brotli batches (agents without zstd) are read bounded, checked against their size, and recompressed for control planes without brotli", async () => {
  const body = encodeBatchBody({
    head: { errors: [], traces: [], logs: [], metrics: [], health_checks: [], otlp: [] },
    payloads: [Buffer.from("log record ".repeat(100_000))],
  });
  // What compressBatch makes without zstd for a control plane that takes brotli.
  const data = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 0 } });
  assert.ok(data.length < body.length / 10);
  assert.deepEqual(await decompressBatch("br", data, 2 * body.length, body.length), body);
  await assert.rejects(decompressBatch("br", data, body.length - 1), is(413));
  await assert.rejects(decompressBatch("br", data, 2 * body.length, body.length - 1), is(400));
  await assert.rejects(decompressBatch("br", Buffer.from("not brotli at all"), MiB), is(400));
  const again = await recompressBatch(data, body.length);
  assert.notEqual(again.compression, "br");
  assert.deepEqual(await decompressBatch(again.compression, again.data, 2 * body.length, body.length), body);
});
