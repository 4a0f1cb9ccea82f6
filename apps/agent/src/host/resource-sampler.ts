import fs from "node:fs/promises";

/** Host resource use as the heartbeat reports it. */
export interface ResourceSample {
  cpu_usage_percent: number;
  memory_used_mb: number;
  memory_available_mb: number;
  disk_used_gb: number;
  disk_available_gb: number;
  /** Bytes since the previous sample. */
  network_rx_bytes: number;
  network_tx_bytes: number;
}

interface Counters {
  cpuBusy: number;
  cpuTotal: number;
  rx: number;
  tx: number;
}

/**
 * Samples CPU, memory, disk and network from /proc and the filesystem. CPU and network are deltas against
 * the previous sample, so the first sample after start reports the time since boot for CPU and 0 bytes.
 */
export class ResourceSampler {
  private last: Counters | undefined;

  constructor(
    private readonly diskPath: string,
    private readonly procDir = "/proc",
  ) {}

  async sample(): Promise<ResourceSample> {
    const [stat, meminfo, netdev, disk] = await Promise.all([
      fs.readFile(`${this.procDir}/stat`, "utf8"),
      fs.readFile(`${this.procDir}/meminfo`, "utf8"),
      fs.readFile(`${this.procDir}/net/dev`, "utf8"),
      fs.statfs(this.diskPath),
    ]);
    const now = { ...parseCpu(stat), ...parseNetDev(netdev) };
    const prev = this.last;
    this.last = now;
    const busy = now.cpuBusy - (prev?.cpuBusy ?? 0);
    const total = now.cpuTotal - (prev?.cpuTotal ?? 0);
    const mem = parseMeminfo(meminfo);
    const gb = 1_073_741_824;
    return {
      cpu_usage_percent: total > 0 ? clamp((busy / total) * 100) : 0,
      memory_used_mb: Math.round((mem.total - mem.available) / 1024),
      memory_available_mb: Math.round(mem.available / 1024),
      disk_used_gb: round1(((disk.blocks - disk.bfree) * disk.bsize) / gb),
      disk_available_gb: round1((disk.bavail * disk.bsize) / gb),
      network_rx_bytes: prev ? Math.max(0, now.rx - prev.rx) : 0,
      network_tx_bytes: prev ? Math.max(0, now.tx - prev.tx) : 0,
    };
  }
}

/** Aggregate `cpu` line of /proc/stat: busy = everything but idle and iowait. */
export function parseCpu(stat: string): { cpuBusy: number; cpuTotal: number } {
  const fields = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { cpuBusy: total - idle, cpuTotal: total };
}

/** MemTotal and MemAvailable of /proc/meminfo, in kB. */
export function parseMeminfo(text: string): { total: number; available: number } {
  const get = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { total: get("MemTotal"), available: get("MemAvailable") };
}

/** Received and sent bytes over all interfaces but loopback and Docker's virtual ones. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const name = m[1].trim();
    if (name === "lo" || name.startsWith("veth") || name.startsWith("docker") || name.startsWith("br-")) continue;
    const cols = m[2].trim().split(/\s+/).map(Number);
    rx += cols[0] ?? 0;
    tx += cols[8] ?? 0;
  }
  return { rx, tx };
}

const clamp = (n: number) => Math.min(100, Math.max(0, Math.round(n * 10) / 10));
const round1 = (n: number) => Math.round(n * 10) / 10;
