import { eq, sql } from "drizzle-orm";
import { deployments } from "../db/schema";
import type { AppDeps } from "../deps";

/** build_logs keeps at most this many characters; past it, lines are counted but not stored. */
const MAX_STORED = 2_000_000;
const FLUSH_MS = 500;

/**
 * A build's output on its way to `deployments.build_logs` (appended in batches, so a long build does not
 * write a row per line) and to live subscribers (each line as it comes). Lines arrive already masked.
 */
export class BuildLogSink {
  private pending: string[] = [];
  private stored = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: AppDeps,
    private readonly orgId: string,
    private readonly serviceId: string,
    private readonly deploymentId: string,
  ) {}

  line(text: string): void {
    const timestamp = this.deps.now().toISOString();
    this.deps.live.publish({
      type: "deployment_log",
      orgId: this.orgId,
      serviceId: this.serviceId,
      deploymentId: this.deploymentId,
      stream: "build",
      line: text,
      timestamp,
    });
    if (this.stored + text.length + 1 > MAX_STORED) {
      this.dropped++;
      return;
    }
    this.stored += text.length + 1;
    this.pending.push(text);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  /** Writes what is pending; resolves when everything written so far is stored. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const chunk = this.pending.length > 0 ? `${this.pending.join("\n")}\n` : "";
    this.pending = [];
    if (chunk === "") return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await this.deps.db
          .update(deployments)
          .set({ buildLogs: sql`COALESCE(${deployments.buildLogs}, '') || ${chunk}` })
          .where(eq(deployments.id, this.deploymentId));
      } catch (err) {
        this.deps.logger.warn({ err, deployment_id: this.deploymentId }, "build log could not be stored");
      }
    });
    return this.writing;
  }

  /** Final flush, with a note when the log outgrew what is kept. */
  async close(): Promise<void> {
    if (this.dropped > 0) {
      this.stored = 0;
      this.pending.push(`[syntra] ${this.dropped} more lines were not stored (the log is kept up to 2 MB)`);
    }
    await this.flush();
  }
}
