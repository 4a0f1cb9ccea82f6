import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../atomic-file";

/** A deploy the agent accepted and has not finished. */
export interface ReceivedDeploy {
  deploymentId: string;
  serviceId: string;
  receivedAt: string;
}

const idPattern = /^[0-9a-f-]{36}$/i;

/**
 * The deploys this agent accepted, one small file each, kept until the deploy ends. The control plane marks a
 * deployment `deploying` as soon as the agent accepts it; if the agent dies while the deploy still waits behind
 * the service's previous operation, nothing else on disk remembers it, and the control plane would wait for
 * its timeout. With this journal the restarted agent reports it as failed at once.
 */
export class ReceivedDeploys {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, "received");
  }

  async add(entry: ReceivedDeploy): Promise<void> {
    if (!idPattern.test(entry.deploymentId)) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(this.dir, `${entry.deploymentId}.json`), JSON.stringify(entry), 0o600);
  }

  async remove(deploymentId: string): Promise<void> {
    if (!idPattern.test(deploymentId)) return;
    await rm(path.join(this.dir, `${deploymentId}.json`), { force: true });
  }

  /** Every deploy accepted and not finished (after a restart: the ones the agent died with). */
  async list(): Promise<ReceivedDeploy[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const entries = await Promise.all(
      names
        .filter((n) => n.endsWith(".json"))
        .map(async (n) => {
          try {
            return JSON.parse(await readFile(path.join(this.dir, n), "utf8")) as ReceivedDeploy;
          } catch {
            return null;
          }
        }),
    );
    return entries.filter((e): e is ReceivedDeploy => e !== null);
  }
}
