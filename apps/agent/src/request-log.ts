import fs from "node:fs/promises";
import path from "node:path";
import type { CommandResponsePayload } from "@syntra/contracts";

const KEEP = 1000;

/**
 * Which commands (by request_id) this agent has started or finished, kept on disk so that a command delivered
 * twice, even across an agent restart, runs once: a finished one gets its recorded answer again.
 */
export class RequestLog {
  private readonly running = new Set<string>();
  private done = new Map<string, CommandResponsePayload>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(stateDir: string): Promise<RequestLog> {
    const log = new RequestLog(path.join(stateDir, "requests.json"));
    try {
      const saved = JSON.parse(await fs.readFile(log.file, "utf8")) as [string, CommandResponsePayload][];
      log.done = new Map(saved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    return log;
  }

  /** "running", the recorded answer, or undefined for a new request. */
  lookup(requestId: string): "running" | CommandResponsePayload | undefined {
    if (this.running.has(requestId)) return "running";
    return this.done.get(requestId);
  }

  begin(requestId: string): void {
    this.running.add(requestId);
  }

  /** Records the answer; the oldest entries beyond the last 1000 are forgotten. */
  finish(response: CommandResponsePayload): Promise<void> {
    this.running.delete(response.request_id);
    this.done.set(response.request_id, response);
    while (this.done.size > KEEP) {
      const oldest = this.done.keys().next().value;
      if (oldest === undefined) break;
      this.done.delete(oldest);
    }
    const snapshot = JSON.stringify([...this.done]);
    this.writing = this.writing.then(() => writeAtomically(this.file, snapshot));
    return this.writing;
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content, { mode: 0o600 });
  await fs.rename(tmp, file);
}
