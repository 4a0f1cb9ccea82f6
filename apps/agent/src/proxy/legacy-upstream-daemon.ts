import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";

/**
 * Ends the upstream DNS daemon an earlier agent version ran as a Node process of its own (~60 MB; its address
 * and pid in `<dir>/upstream-dns.json`), once the routes ask dnsmasq instead, and removes its files. Only a
 * process whose command line is that daemon's is signalled: the pid may have been reused since.
 */
export async function retireNodeUpstreamDaemon(dir: string, logger?: Logger): Promise<void> {
  const stateFile = path.join(dir, "upstream-dns.json");
  let pid: number | undefined;
  try {
    pid = (JSON.parse(await readFile(stateFile, "utf8")) as { pid?: number }).pid;
  } catch {
    return;
  }
  const argv = pid ? await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "") : "";
  if (pid && /--upstream-dns\0|upstream-dns-daemon/.test(argv)) {
    try {
      process.kill(pid, "SIGTERM");
      logger?.info({ pid }, "ended the upstream DNS daemon of an earlier agent version (dnsmasq serves now)");
    } catch {
      // Already gone.
    }
  }
  await rm(stateFile, { force: true });
  await rm(path.join(dir, "upstreams.json"), { force: true });
  await rm(path.join(dir, "upstream-dns.log"), { force: true });
}
