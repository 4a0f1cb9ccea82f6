import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { decodeBatchBody, decompressBatch } from "@syntra/otlp";
import type { BatchMeta } from "./batch-files";
import { BufferBusyError, TelemetryBuffer } from "./buffer";
import { TelemetryStats } from "./stats";

const serviceId = "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9";
const limits = { maxBatchBytes: 1024 * 1024, memoryMaxBytes: 1024 * 1024, diskMaxBytes: 64 * 1024 * 1024 };

// Buffers a test opened; closed before the directory goes, since a pending stats save or journal write would
// otherwise race the removal (ENOTEMPTY) and leave file handles to the garbage collector.
const opened: TelemetryBuffer[] = [];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-buffer-"));
  try {
    await fn(dir);
  } finally {
    for (const buffer of opened.splice(0)) await buffer.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function entry(n: number) {
  return { kind: "otlp" as const, serviceId, signal: "traces" as const, items: n, payload: Buffer.alloc(n * 10, n) };
}

async function open(dir: string, l = limits, stats?: TelemetryStats) {
  const buffer = await TelemetryBuffer.open(dir, { ...l }, stats ?? (await TelemetryStats.open(dir)));
  opened.push(buffer);
  return buffer;
}

test("what was appended survives the agent being killed before a batch was cut, and is batched once", async () => {
  await withDir(async (dir) => {
    const first = await open(dir);
    await Promise.all([first.append(entry(1)), first.append(entry(2)), first.append(entry(3))]);
    // Killed here: no close, no cut. The next agent finds the journal.
    const second = await open(dir);
    const batch = await second.cut();
    assert.ok(batch);
    assert.equal(batch.spans, 6);
    const body = decodeBatchBody(
      await decompressBatch(batch.compression, await second.data(batch), 1 << 20, batch.rawBytes),
    );
    const head = body.head as { otlp: { items: number; bytes: number; signal: string; service_id: string }[] };
    assert.deepEqual(
      head.otlp.map((r) => r.items),
      [1, 2, 3],
    );
    assert.deepEqual(body.payloads(head.otlp as never)[1], Buffer.alloc(20, 2));
    // The journal is gone: a third start finds the batch, not the entries again.
    const third = await open(dir);
    assert.deepEqual(
      third.pending().map((b) => b.id),
      [batch.id],
    );
    assert.equal(await third.cut(), null);
  });
});

test("acknowledged batches are forgotten; unacknowledged ones come back after a restart with the same id", async () => {
  await withDir(async (dir) => {
    const buffer = await open(dir);
    await buffer.append(entry(1));
    const a = await buffer.cut();
    await buffer.append(entry(2));
    const b = await buffer.cut();
    assert.ok(a && b);
    await buffer.stored(a.id);
    await buffer.close();
    const again = await open(dir);
    assert.deepEqual(
      again.pending().map((m) => m.id),
      [b.id],
    );
    assert.equal((await again.data(b)).length, b.bytes);
  });
});

test("past the disk limit the oldest batches go first and the loss is counted", async () => {
  await withDir(async (dir) => {
    const stats = await TelemetryStats.open(dir);
    // Incompressible payloads, so each batch takes its size on disk.
    const random = (n: number) => ({
      ...entry(n),
      payload: Buffer.from(Array.from({ length: 4000 }, () => Math.floor(Math.random() * 256))),
    });
    const buffer = await open(dir, { ...limits, diskMaxBytes: 10_000 }, stats);
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      await buffer.append(random(i));
      const meta = await buffer.cut();
      if (meta) ids.push(meta.id);
    }
    const left = buffer.pending().map((m) => m.id);
    assert.deepEqual(left, ids.slice(-left.length), "the newest are kept");
    assert.ok(left.length < 4);
    const droppedSpans = ids.slice(0, 4 - left.length).reduce((n, _, i) => n + i + 1, 0);
    assert.equal(stats.counters.dropped_spans, droppedSpans);
    assert.ok(stats.counters.dropped_bytes > 0);
    assert.ok(buffer.snapshot().buffered_bytes <= 10_000);
    const files = (await readdir(dir)).filter((f) => f.startsWith("batch-"));
    assert.equal(files.length, left.length);
  });
});

test("a batching backlog pushes back instead of growing", async () => {
  await withDir(async (dir) => {
    const buffer = await open(dir, { ...limits, maxBatchBytes: 1000 });
    await buffer.append(entry(100)); // 1000 bytes + overhead: past twice nothing yet
    await buffer.append(entry(100));
    await assert.rejects(buffer.append(entry(1)), /batching/);
    await buffer.cut();
    await buffer.append(entry(1));
  });
});

test("under a sustained load full batches are laid out in reused buffers, and each keeps its own data", async () => {
  await withDir(async (dir) => {
    const small = { ...limits, maxBatchBytes: 1024 };
    const buffer = await open(dir, small);
    const cuts: (BatchMeta | null)[] = [];
    for (const n of [110, 120, 5]) {
      await buffer.append(entry(n));
      cuts.push(await buffer.cut());
    }
    // Two full batches (the first laid out in the scratch, the second around its payload, staged as it came), then
    // a small one (staged too: it was appended while staging was on).
    const read = async (batch: BatchMeta | null | undefined) => {
      assert.ok(batch);
      const body = decodeBatchBody(
        await decompressBatch(batch.compression, await buffer.data(batch), 1 << 20, batch.rawBytes),
      );
      const head = body.head as { otlp: { items: number; bytes: number }[] };
      return body.payloads(head.otlp as never);
    };
    assert.deepEqual(await read(cuts[0]), [Buffer.alloc(1100, 110)]);
    assert.deepEqual(await read(cuts[1]), [Buffer.alloc(1200, 120)]);
    assert.deepEqual(await read(cuts[2]), [Buffer.alloc(50, 5)]);
  });
});

test("payloads appended while a full batch is being cut land in the next batch, each stored once and unchanged", async () => {
  await withDir(async (dir) => {
    const buffer = await open(dir, { ...limits, maxBatchBytes: 1024 * 1024, memoryMaxBytes: 16 * 1024 * 1024 });
    // Distinct bytes per payload, so that a payload written over another one's place would show.
    let seq = 0;
    const next = () => {
      seq++;
      const payload = Buffer.alloc(30_000 + (seq % 7) * 100);
      for (let i = 0; i < payload.length; i += 4) payload.writeUInt32BE((seq * 65_537 + i) >>> 0, i);
      return { ...entry(1), items: seq, payload };
    };
    const sent: Buffer[] = [];
    // As a receiver's client does on 503: when more than two batches' worth wait for the cut, wait and send again.
    const append = async () => {
      const e = next();
      sent.push(e.payload);
      for (;;) {
        try {
          return await buffer.append(e);
        } catch (err) {
          if (!(err instanceof BufferBusyError)) throw err;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    };
    const batches: BatchMeta[] = [];
    for (let round = 0; round < 6; round++) {
      while (!buffer.full) await append();
      const cut = buffer.cut();
      // Until the cut has taken what waited (it makes the next journal first), then more while it compresses.
      const before = buffer.waitingSize;
      while (buffer.waitingSize >= before) await append();
      await Promise.all(Array.from({ length: 8 }, append));
      const meta = await cut;
      if (meta) batches.push(meta);
    }
    const last = await buffer.cut();
    if (last) batches.push(last);
    const stored: Buffer[] = [];
    const items: number[] = [];
    for (const batch of batches) {
      const body = decodeBatchBody(
        await decompressBatch(batch.compression, await buffer.data(batch), 4 << 20, batch.rawBytes),
      );
      const head = body.head as { otlp: { items: number; bytes: number }[] };
      items.push(...head.otlp.map((r) => r.items));
      stored.push(...body.payloads(head.otlp as never));
    }
    assert.deepEqual(
      items,
      sent.map((_, i) => i + 1),
    );
    assert.equal(stored.length, sent.length);
    for (const [i, payload] of sent.entries()) assert.ok(stored[i]?.equals(payload), `payload ${i + 1} unchanged`);
  });
});
