import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { UpstreamDns, type UpstreamTableFile } from "./upstream-dns";
import { DAEMON_FLAG } from "./upstream-dns-flag";

/**
 * The upstream DNS server as a process of its own (`<entry> --upstream-dns <table file> <host> <port>`), so
 * Caddy keeps finding the containers while the agent is stopped, restarting or killed: like Caddy, it outlives
 * the agent that started it, and the next agent reuses it. It serves the table file the agent writes, loaded
 * again whenever the file is replaced.
 */
export async function runUpstreamDnsDaemon(args: string[]): Promise<void> {
  const [file, host, port] = args;
  if (!file || !host || !port) throw new Error(`usage: ${DAEMON_FLAG} <table file> <host> <port>`);
  const dns = new UpstreamDns({ host, port: Number(port), keepAlive: true });
  const read = async () => {
    try {
      const table = JSON.parse(await readFile(file, "utf8")) as UpstreamTableFile;
      // Loads may overlap (one event per step of a replace): never go back to an older table.
      if (table.version >= loaded) {
        loaded = table.version;
        dns.load(table);
      }
    } catch (err) {
      // Missing until the agent's first write; a torn read cannot happen (the file is replaced by rename).
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") process.stderr.write(`upstream table: ${String(err)}\n`);
    }
  };
  let loaded = -1;
  const load = () => read();
  await load();
  // The directory, not the file: the agent replaces the file (a new inode) at every write.
  watch(path.dirname(file), (_event, name) => {
    if (name === path.basename(file)) void load();
  });
  await dns.start();
  process.stderr.write(`upstream DNS listening on ${host}:${port}\n`);
}

// Run when executed as a file (from a checkout, through tsx).
if (process.argv[1]?.endsWith("upstream-dns-daemon.ts")) {
  runUpstreamDnsDaemon(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`upstream DNS: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
