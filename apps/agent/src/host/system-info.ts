import fs from "node:fs/promises";
import os from "node:os";

/** What agent_hello says about the machine. */
export interface HostFacts {
  os: { name: string; version: string; kernel: string };
  arch: "x86_64" | "aarch64";
  resources: { cpu_cores: number; cpu_model: string; memory_total_mb: number; disk_total_gb: number };
  network: { hostname: string; public_ip: string | null; private_ip: string };
  /** systemd's host identity, when the host has one. */
  machine_id?: string;
}

/**
 * Reads os-release, CPUs, memory, the disk holding `diskPath`, the first private address, the public address
 * (`publicIp`, else the first public IPv4 on an interface) and /etc/machine-id.
 */
export async function readHostFacts(diskPath: string, publicIp?: string): Promise<HostFacts> {
  const release = await readOsRelease();
  const machineId = (await fs.readFile("/etc/machine-id", "utf8").catch(() => "")).trim();
  const disk = await fs.statfs(diskPath);
  const cpus = os.cpus();
  return {
    os: { name: release.ID ?? os.platform(), version: release.VERSION_ID ?? "unknown", kernel: os.release() },
    arch: process.arch === "arm64" ? "aarch64" : "x86_64",
    resources: {
      cpu_cores: Math.max(1, cpus.length),
      cpu_model: cpus[0]?.model.trim() ?? "unknown",
      memory_total_mb: Math.round(os.totalmem() / 1_048_576),
      disk_total_gb: round1((disk.blocks * disk.bsize) / 1_073_741_824),
    },
    network: { hostname: os.hostname(), public_ip: publicIp ?? interfacePublicIp(), private_ip: privateIp() },
    ...(/^[0-9a-f]{32}$/.test(machineId) && { machine_id: machineId }),
  };
}

/**
 * The first IPv4 on an interface that is none of loopback, private, shared (CGNAT), link-local, benchmarking,
 * documentation (TEST-NET) or multicast/reserved.
 */
function interfacePublicIp(): string | null {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== "IPv4" || a.internal) continue;
      if (!isSpecialIpv4(a.address)) return a.address;
    }
  }
  return null;
}

function isSpecialIpv4(address: string): boolean {
  const [x = 0, y = 0, z = 0] = address.split(".").map(Number);
  const in24 = (a: number, b: number, c: number) => x === a && y === b && z === c;
  return (
    x === 0 ||
    x === 10 ||
    x === 127 ||
    x >= 224 ||
    (x === 100 && y >= 64 && y <= 127) ||
    (x === 169 && y === 254) ||
    (x === 172 && y >= 16 && y <= 31) ||
    (x === 192 && y === 168) ||
    (x === 198 && (y === 18 || y === 19)) ||
    in24(192, 0, 2) ||
    in24(198, 51, 100) ||
    in24(203, 0, 113)
  );
}

async function readOsRelease(): Promise<Record<string, string>> {
  try {
    const text = await fs.readFile("/etc/os-release", "utf8");
    return Object.fromEntries(
      text
        .split("\n")
        .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1] ?? "", (m[2] ?? "").replace(/^"|"$/g, "")]),
    );
  } catch {
    return {};
  }
}

function privateIp(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      // Docker's bridges are not how anyone reaches this server.
      if (a.family === "IPv4" && !a.internal && !a.address.startsWith("172.17.")) return a.address;
    }
  }
  return "127.0.0.1";
}

const round1 = (n: number) => Math.round(n * 10) / 10;
