// Which pages of the node binary a process has resident, by ELF section and by symbol group: what a feature costs
// in RSS before any heap (OpenSSL, ICU, TurboFan, HTTP/2...). Reads /proc/<pid>/pagemap (needs root: without it
// the kernel reports no page as present) against the binary's section headers (`readelf -S`) and symbols
// (`nm -C -n`; Node's release binaries are not stripped).
// Run: node --import tsx bench/node-pages.ts <pid> [<base pid>]
//   one pid: its resident binary pages by section and the top symbol groups;
//   two pids: also the pages the first has and the second not (e.g. the agent against bare
//   `node -e 'setInterval(()=>{},1e3)'`), by symbol group.
// BENCH_PAGES_TOP sets how many groups are printed (default 25).
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const PAGE = 4096;
const TOP = Number(process.env.BENCH_PAGES_TOP ?? 25);

/** One executable mapping of the binary: virtual range and the file offset it starts at. */
interface Mapping {
  start: number;
  end: number;
  offset: number;
}

/** The node binary a process runs and its mappings of that file. */
async function binaryMappings(pid: number): Promise<{ file: string; maps: Mapping[] }> {
  const file = await fs.readlink(`/proc/${pid}/exe`);
  const maps: Mapping[] = [];
  for (const line of (await fs.readFile(`/proc/${pid}/maps`, "utf8")).split("\n")) {
    const [range, , offset, , , ...rest] = line.split(/\s+/);
    if (!range || rest.join(" ") !== file) continue;
    const [start, end] = range.split("-").map((h) => Number.parseInt(h, 16)) as [number, number];
    maps.push({ start, end, offset: Number.parseInt(offset ?? "0", 16) });
  }
  return { file, maps };
}

/** The binary's virtual addresses (page-aligned) that are resident in the process. */
async function residentAddresses(pid: number, maps: Mapping[]): Promise<Set<number>> {
  const handle = await fs.open(`/proc/${pid}/pagemap`, "r");
  const present = new Set<number>();
  try {
    for (const m of maps) {
      const pages = (m.end - m.start) / PAGE;
      const buf = Buffer.alloc(pages * 8);
      await handle.read(buf, 0, buf.length, (m.start / PAGE) * 8);
      for (let i = 0; i < pages; i++) {
        // Bit 63: page present in RAM and mapped in this process (what VmRSS counts).
        if (buf.readBigUInt64LE(i * 8) >> 63n) present.add(m.start + i * PAGE);
      }
    }
  } finally {
    await handle.close();
  }
  return present;
}

/** A section or symbol: a name over [start, end) of virtual addresses. */
interface Range {
  name: string;
  start: number;
  end: number;
}

async function sections(file: string): Promise<Range[]> {
  const { stdout } = await run("readelf", ["-SW", file], { maxBuffer: 1 << 24 });
  const out: Range[] = [];
  for (const m of stdout.matchAll(/\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+[0-9a-f]+\s+([0-9a-f]+)/g)) {
    const start = Number.parseInt(m[2] ?? "0", 16);
    if (start > 0) out.push({ name: m[1] ?? "", start, end: start + Number.parseInt(m[3] ?? "0", 16) });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The group a demangled symbol belongs to: its C++ namespace and class down to three levels
 * (v8::internal::compiler), V8's embedded builtins, or a C library's prefix (OpenSSL's EVP_, SSL_, ossl_...).
 */
export function symbolGroup(name: string): string {
  if (name.startsWith("Builtins_")) return "V8 embedded builtins";
  const plain = name.replace(/\(.*$/, "").replace(/<.*$/, "");
  if (plain.includes("::")) {
    const parts = plain.split("::");
    return parts.slice(0, Math.min(3, parts.length - 1)).join("::") || parts[0] || plain;
  }
  const prefix = /^_*([A-Za-z0-9]+?)(?:_|[A-Z][a-z]|$)/.exec(plain)?.[1] ?? plain;
  return `C: ${prefix}`;
}

async function symbols(file: string): Promise<Range[]> {
  const { stdout } = await run("nm", ["-C", "-n", "-S", "--defined-only", file], { maxBuffer: 1 << 28 });
  const out: Range[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) \S (.*)$/.exec(line);
    if (!m) continue;
    const start = Number.parseInt(m[1] ?? "0", 16);
    const size = Number.parseInt(m[2] ?? "0", 16);
    if (size > 0) out.push({ name: m[3] ?? "", start, end: start + size });
  }
  return out;
}

/** Counts pages per range name; a page is counted for each range that overlaps it (large data: its share). */
function pagesBy(addresses: Iterable<number>, ranges: Range[], group: (r: Range) => string): Map<string, number> {
  const counts = new Map<string, number>();
  const sorted = [...addresses].sort((a, b) => a - b);
  let i = 0;
  for (const page of sorted) {
    while (i < ranges.length && (ranges[i]?.end ?? 0) <= page) i++;
    let j = i;
    const hit = new Set<string>();
    while (j < ranges.length && (ranges[j]?.start ?? Number.POSITIVE_INFINITY) < page + PAGE) {
      const r = ranges[j] as Range;
      if (r.end > page) hit.add(group(r));
      j++;
    }
    if (hit.size === 0) hit.add("(no symbol)");
    for (const name of hit) counts.set(name, (counts.get(name) ?? 0) + 1 / hit.size);
  }
  return counts;
}

/**
 * The items of ICU's data (the `icudt<N>_dat` symbol, a "common data" package: a header, then a table of contents
 * of name and data offsets) as ranges, e.g. `icudt78l/zoneinfo64.res`, so a page of it names what it holds.
 */
async function icuItems(file: string, syms: Range[], maps: Mapping[]): Promise<Range[]> {
  const dat = syms.find((s) => /^icudt\d+_dat$/.test(s.name));
  const seg = dat && maps.find((m) => m.start <= dat.start && dat.start < m.end);
  if (!dat || !seg) return [];
  const handle = await fs.open(file, "r");
  try {
    const read = async (va: number, length: number) => {
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, va - seg.start + seg.offset);
      return buf;
    };
    const headerSize = (await read(dat.start, 2)).readUInt16LE(0);
    const toc = dat.start + headerSize;
    const count = (await read(toc, 4)).readUInt32LE(0);
    const entries = await read(toc + 4, count * 8);
    const names = await read(toc, Math.min(dat.end - toc, 1 << 20));
    const items: Range[] = [];
    for (let i = 0; i < count; i++) {
      const nameAt = entries.readUInt32LE(i * 8);
      const name = names.toString("latin1", nameAt, names.indexOf(0, nameAt));
      const start = toc + entries.readUInt32LE(i * 8 + 4);
      const end = i + 1 < count ? toc + entries.readUInt32LE(i * 8 + 12) : dat.end;
      items.push({ name, start, end });
    }
    return items.sort((a, b) => a.start - b.start);
  } finally {
    await handle.close();
  }
}

/** An ICU data item's group: its folder (coll/, zone/, brkitr/...) or, at the top, its own name. */
function icuGroup(r: Range): string {
  const parts = r.name.split("/");
  return parts.length > 2 ? `ICU ${parts[1]}/` : `ICU ${parts.at(-1)}`;
}

function print(title: string, counts: Map<string, number>, limit = TOP): void {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${((total * PAGE) / 1e6).toFixed(1)} MB`);
  for (const [name, pages] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`  ${((pages * PAGE) / 1e6).toFixed(2).padStart(6)} MB  ${name}`);
  }
}

async function main() {
  const [pid, basePid] = process.argv.slice(2).map(Number);
  if (!pid) throw new Error("usage: bench/node-pages.ts <pid> [<base pid>]");
  const { file, maps } = await binaryMappings(pid);
  const resident = await residentAddresses(pid, maps);
  const [secs, syms] = await Promise.all([sections(file), symbols(file)]);
  // Symbols may overlap (aliases); nm -n sorts by address, keep that order for the sweep.
  syms.sort((a, b) => a.start - b.start || a.end - b.end);
  console.log(`${file}, process ${pid}, load average ${(await fs.readFile("/proc/loadavg", "utf8")).trim()}`);
  print(
    "resident pages of the binary by section",
    pagesBy(resident, secs, (r) => r.name),
    secs.length,
  );
  print(
    "by symbol group",
    pagesBy(resident, syms, (r) => symbolGroup(r.name)),
  );
  const icu = await icuItems(file, syms, maps);
  const inIcu = (a: number) => icu.length > 0 && a >= (icu[0]?.start ?? 0) && a < (icu.at(-1)?.end ?? 0);
  print("ICU data by item", pagesBy([...resident].filter(inIcu), icu, icuGroup), 12);
  if (basePid) {
    const base = await residentAddresses(basePid, (await binaryMappings(basePid)).maps);
    const extra = [...resident].filter((a) => !base.has(a));
    console.log(`\nprocess ${basePid} has ${((base.size * PAGE) / 1e6).toFixed(1)} MB of the binary resident`);
    print(
      `pages ${pid} has and ${basePid} not, by section`,
      pagesBy(extra, secs, (r) => r.name),
      secs.length,
    );
    print(
      `pages ${pid} has and ${basePid} not, by symbol group`,
      pagesBy(extra, syms, (r) => symbolGroup(r.name)),
    );
    print(`ICU data ${pid} has and ${basePid} not`, pagesBy(extra.filter(inIcu), icu, icuGroup), 12);
  }
}

await main();
