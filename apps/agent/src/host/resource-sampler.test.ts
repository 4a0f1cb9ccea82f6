import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseCpu, parseMeminfo, parseNetDev, ResourceSampler } from "./resource-sampler";

test("CPU busy time excludes idle and iowait", () => {
  assert.deepEqual(parseCpu("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3"), { cpuBusy: 150, cpuTotal: 1000 });
});

test("memory reads MemTotal and MemAvailable", () => {
  assert.deepEqual(parseMeminfo("MemTotal:       16000 kB\nMemFree: 1 kB\nMemAvailable:    4000 kB\n"), {
    total: 16000,
    available: 4000,
  });
});

test("network counts real interfaces only", () => {
  const text = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    "    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0",
    "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0",
    "docker0: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0",
    "vethab12: 7 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0",
  ].join("\n");
  assert.deepEqual(parseNetDev(text), { rx: 1000, tx: 2000 });
});

test("samples are deltas between calls, on this machine's real /proc", async () => {
  const sampler = new ResourceSampler(os.tmpdir());
  const first = await sampler.sample();
  assert.equal(first.network_rx_bytes, 0);
  assert.ok(first.memory_available_mb > 0 && first.disk_available_gb > 0);
  const second = await sampler.sample();
  assert.ok(second.cpu_usage_percent >= 0 && second.cpu_usage_percent <= 100);
});

test("a scripted /proc gives exact percentages", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "proc-"));
  await fs.mkdir(path.join(dir, "net"));
  const write = (stat: string, rx: number) =>
    Promise.all([
      fs.writeFile(path.join(dir, "stat"), stat),
      fs.writeFile(path.join(dir, "meminfo"), "MemTotal: 2048 kB\nMemAvailable: 1024 kB\n"),
      fs.writeFile(path.join(dir, "net/dev"), `h1\nh2\n eth0: ${rx} 0 0 0 0 0 0 0 10 0 0 0 0 0 0 0\n`),
    ]);
  const sampler = new ResourceSampler(dir, dir);
  await write("cpu 0 0 0 100 0 0 0 0\n", 100);
  await sampler.sample();
  await write("cpu 30 0 0 170 0 0 0 0\n", 600);
  const s = await sampler.sample();
  assert.equal(s.cpu_usage_percent, 30);
  assert.equal(s.network_rx_bytes, 500);
  assert.equal(s.memory_used_mb, 1);
});
