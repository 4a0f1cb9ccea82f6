// Memory and CPU of running processes, read from Linux's /proc (the figures `ps` and `top` show).
import fs from "node:fs/promises";
import { commandLine } from "@syntra/testing/process-tree";

/** Linux counts CPU time in clock ticks of 1/100 s (USER_HZ; the same on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** One process's memory now and the CPU time it has used so far. */
interface Reading {
  rssKb: number;
  /** Resident memory no other process shares (heap, stacks, WebAssembly memory, JIT code). */
  anonKb: number;
  cpuTicks: number;
}

async function read(pid: number): Promise<Reading> {
  const [stat, status] = await Promise.all([
    fs.readFile(`/proc/${pid}/stat`, "utf8"),
    fs.readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  // The command name in field 2 may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssKb: kb("VmRSS"), anonKb: kb("RssAnon"), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU time a process has used so far, in seconds (user + system). */
export async function cpuSeconds(pid: number): Promise<number> {
  return (await read(pid)).cpuTicks / TICKS_PER_SECOND;
}

/** What a process used over a window. */
export interface Usage {
  /** Resident memory, mean, lowest and highest of the samples, in MB. */
  rssMeanMb: number;
  rssMinMb: number;
  rssMaxMb: number;
  /** Resident memory of its own (not shared file pages such as the node binary) at the end, in MB. */
  anonMb: number;
  /** CPU time over the window, in % of one core. */
  cpuPercent: number;
}

/** RSS (MB) and CPU (% of one core) of one process over a window. */
export async function processUsage(pid: number, windowMs: number): Promise<Usage> {
  const usage = await processesUsage({ process: pid }, windowMs);
  const found = usage.process;
  if (!found) throw new Error(`process ${pid} ended during the window`);
  return found;
}

/**
 * Samples each named process once per `everyMs` for `windowMs`: memory as the mean and highest of the samples,
 * CPU from the time the kernel accounted to it between the first and last sample. A process that ended during
 * the window is left out of the answer.
 */
export async function processesUsage(
  pids: Record<string, number>,
  windowMs: number,
  everyMs = 1000,
): Promise<Record<string, Usage>> {
  const samples = new Map<string, Reading[]>(Object.keys(pids).map((name) => [name, []]));
  const started = performance.now();
  let elapsed = 0;
  for (;;) {
    await Promise.all(
      Object.entries(pids).map(async ([name, pid]) => {
        const reading = await read(pid).catch(() => null);
        if (reading) samples.get(name)?.push(reading);
      }),
    );
    elapsed = performance.now() - started;
    if (elapsed >= windowMs) break;
    await new Promise((r) => setTimeout(r, Math.min(everyMs, windowMs - elapsed)));
  }
  const out: Record<string, Usage> = {};
  for (const [name, list] of samples) {
    const first = list[0];
    const last = list.at(-1);
    if (!first || !last || list.length < 2) continue;
    const rss = list.map((s) => s.rssKb / 1024);
    out[name] = {
      rssMeanMb: rss.reduce((a, b) => a + b, 0) / rss.length,
      rssMinMb: Math.min(...rss),
      rssMaxMb: Math.max(...rss),
      anonMb: last.anonKb / 1024,
      cpuPercent: ((last.cpuTicks - first.cpuTicks) / TICKS_PER_SECOND / (elapsed / 1000)) * 100,
    };
  }
  return out;
}

/** Docker's userland proxies (docker-proxy, one per published port) forwarding to any of these container addresses. */
export async function dockerProxiesFor(ips: string[]): Promise<{ pid: number; rssMb: number }[]> {
  const found: { pid: number; rssMb: number }[] = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await commandLine(Number(entry));
    const target = argv[argv.indexOf("-container-ip") + 1];
    if (!argv[0]?.endsWith("docker-proxy") || !target || !ips.includes(target)) continue;
    const status = await fs.readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    found.push({ pid: Number(entry), rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024 });
  }
  return found;
}

/** Where a process's resident memory is, from /proc/<pid>/smaps (MB). */
export interface MemoryMap {
  rssMb: number;
  /** Pages of files (the executable, shared libraries): shared with every process that maps the same file. */
  fileMb: number;
  /** Of those, the process's own executable's (the node binary's code and read-only data). */
  executableMb: number;
  /** Memory of its own: V8's heap, the C library's heap, thread stacks. */
  anonMb: number;
  /** Of that, the C library's main heap (brk; malloc's other arenas are anonymous mappings). */
  mallocHeapMb: number;
}

/** A process's resident memory by kind of mapping, or null once it has ended. */
export async function memoryMap(pid: number): Promise<MemoryMap | null> {
  const [smaps, exe] = await Promise.all([
    fs.readFile(`/proc/${pid}/smaps`, "utf8").catch(() => null),
    fs.readlink(`/proc/${pid}/exe`).catch(() => ""),
  ]);
  if (smaps === null) return null;
  const kb = { rss: 0, file: 0, executable: 0, anon: 0, mallocHeap: 0 };
  let mapping = "";
  for (const line of smaps.split("\n")) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow, one a line.
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      mapping = header[1] ?? "";
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const value = Number(field[2]);
    if (field[1] === "Anonymous") {
      kb.anon += value;
      if (mapping === "[heap]") kb.mallocHeap += value;
      continue;
    }
    kb.rss += value;
    if (mapping.startsWith("/")) kb.file += value;
    if (exe && mapping === exe) kb.executable += value;
  }
  // A file's private copy-on-write pages count as anonymous: the file figure is what stays shared.
  kb.file = Math.max(0, kb.rss - kb.anon);
  const mb = (n: number) => n / 1024;
  return {
    rssMb: mb(kb.rss),
    fileMb: mb(kb.file),
    executableMb: mb(kb.executable),
    anonMb: mb(kb.anon),
    mallocHeapMb: mb(kb.mallocHeap),
  };
}
