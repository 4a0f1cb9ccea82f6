import fs from "node:fs/promises";
import os from "node:os";

/** What agent_hello says about the machine. */
export interface HostFacts {
  os: { name: string; version: string; kernel: string };
  arch: "x86_64" | "aarch64";
  resources: { cpu_cores: number; cpu_model: string; memory_total_mb: number; disk_total_gb: number };
  network: { hostname: string; public_ip: string | null; private_ip: string };
}

/** Reads os-release, CPUs, memory, the disk holding `diskPath`, and the first private address. */
export async function readHostFacts(diskPath: string): Promise<HostFacts> {
  const release = await readOsRelease();
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
    network: { hostname: os.hostname(), public_ip: null, private_ip: privateIp() },
  };
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
