import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LogEntry } from "@syntra/contracts";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import { writeFileAtomic } from "../atomic-file";
import { watchDockerEvents } from "../runtime/docker-events";
import { type ContainerInfo, type ContainerRuntime, LABELS, type LogLine } from "../runtime/types";
import { BufferBusyError } from "./buffer";
import { containerLogEntry } from "./log-lines";

/** How far a container's output has been collected: its last line's time, and how many lines had that time. */
interface Position {
  at: string;
  count: number;
}

const FLUSH_LINES = 500;
const FLUSH_MS = 200;
const SAVE_MS = 1000;

/**
 * Collects the stdout and stderr of the Syntra containers of services this agent deploys (`owns`) into logs, continuously: each running container is
 * followed (Docker's events start a follow when a container starts, after a restart or a redeploy), its lines go
 * through the intake (persisted before they count as collected), and the position reached is kept in
 * `<dir>/log-positions.json`, so a restarted agent resumes where it was: no line twice, none lost while it was down.
 */
export class ContainerLogCollector {
  private positions = new Map<string, Position>();
  private readonly following = new Map<string, AbortController>();
  private stopEvents: (() => void) | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Docker's start events, handled one after the other (in the engine's order). */
  private handling: Promise<void> = Promise.resolve();
  private readonly file: string;

  constructor(
    private readonly deps: {
      docker: Dockerode;
      runtime: ContainerRuntime;
      /** Whether the service is one this agent deploys. */
      owns: (serviceId: string) => Promise<boolean>;
      accept: (logs: LogEntry[]) => Promise<void>;
      dir: string;
      logger: Logger;
    },
  ) {
    this.file = path.join(deps.dir, "log-positions.json");
  }

  async start(): Promise<void> {
    try {
      this.positions = new Map(
        Object.entries(JSON.parse(await readFile(this.file, "utf8")) as Record<string, Position>),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    await this.watchEvents();
    const containers = await this.deps.runtime.list();
    // Positions of containers that are gone are forgotten.
    const known = new Set(containers.map((c) => c.id));
    for (const id of this.positions.keys()) if (!known.has(id)) this.positions.delete(id);
    for (const container of containers) {
      // Running: followed. Stopped while the agent was away: what it wrote since our position is read once.
      if (container.state !== "running" && !this.positions.has(container.id)) continue;
      if (await this.ours(container)) this.follow(container);
    }
    this.saveTimer = setInterval(() => void this.save(), SAVE_MS);
    this.saveTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.saveTimer);
    this.stopEvents?.();
    for (const controller of this.following.values()) controller.abort();
    this.following.clear();
    await this.save();
  }

  private async watchEvents(): Promise<void> {
    this.stopEvents = await watchDockerEvents(
      this.deps.docker,
      { type: ["container"], event: ["start"], label: [`${LABELS.managed}=true`] },
      (event) => {
        const id = event.id;
        if (id) this.handling = this.handling.then(() => this.followById(id));
      },
      this.deps.logger,
    );
  }

  /** The containers whose output is being read now (ids). */
  followedContainers(): string[] {
    return [...this.following.keys()];
  }

  private async followById(id: string): Promise<void> {
    try {
      const container = await this.deps.runtime.inspect(id);
      if (container && (await this.ours(container))) this.follow(container);
    } catch (err) {
      this.deps.logger.warn({ err, container: id }, "could not start following a container's output");
    }
  }

  private async ours(container: ContainerInfo): Promise<boolean> {
    const serviceId = container.labels[LABELS.serviceId];
    return serviceId !== undefined && (await this.deps.owns(serviceId));
  }

  private follow(container: ContainerInfo): void {
    if (this.stopped || this.following.has(container.id)) return;
    const serviceId = container.labels[LABELS.serviceId];
    const deploymentId = container.labels[LABELS.deploymentId];
    if (!serviceId || !deploymentId) return;
    const controller = new AbortController();
    this.following.set(container.id, controller);
    const source = { serviceId, deploymentId, containerId: container.id, containerName: container.name };
    const position = this.positions.get(container.id);
    let batch: LogLine[] = [];
    let timer: NodeJS.Timeout | undefined;
    let flushing: Promise<void> = Promise.resolve();
    // Docker's `since` has second granularity in places: ask from a second earlier and skip what was collected.
    let skipping = position;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const lines = batch;
      batch = [];
      if (lines.length > 0) flushing = flushing.then(() => this.deliver(container.id, lines, source));
    };
    const onLine = (line: LogLine) => {
      if (skipping) {
        if (line.timestamp < skipping.at) return;
        if (line.timestamp === skipping.at && skipping.count > 0) {
          skipping = { ...skipping, count: skipping.count - 1 };
          return;
        }
        skipping = undefined;
      }
      batch.push(line);
      if (batch.length >= FLUSH_LINES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    };
    const since = position ? new Date(Date.parse(position.at) - 1000).toISOString() : undefined;
    this.deps.runtime
      .logs(container.id, { follow: container.state === "running", tail: 1_000_000, since }, onLine, controller.signal)
      .catch((err: unknown) => {
        if (!controller.signal.aborted)
          this.deps.logger.warn({ err, container: container.name }, "log collection failed");
      })
      .finally(() => {
        flush();
        void flushing.finally(() => {
          if (this.following.get(container.id) === controller) this.following.delete(container.id);
        });
      });
  }

  /** Hands lines to the intake (waiting while the buffer pushes back), then records the position reached. */
  private async deliver(
    containerId: string,
    lines: LogLine[],
    source: { serviceId: string; deploymentId: string; containerId: string; containerName: string },
  ): Promise<void> {
    const entries = lines.map((line) => containerLogEntry(line, source));
    for (;;) {
      try {
        await this.deps.accept(entries);
        break;
      } catch (err) {
        if (!(err instanceof BufferBusyError) || this.stopped) {
          this.deps.logger.error({ err }, "container log lines could not be buffered");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const last = lines[lines.length - 1];
    if (!last) return;
    const previous = this.positions.get(containerId);
    const sameInstant = lines.filter((l) => l.timestamp === last.timestamp).length;
    const count =
      previous?.at === last.timestamp && sameInstant === lines.length ? previous.count + sameInstant : sameInstant;
    this.positions.set(containerId, { at: last.timestamp, count });
    this.dirty = true;
    // Saved right after the lines are in the journal, so a killed agent repeats at most the lines of this moment.
    void this.save();
  }

  /** Writes the positions when they changed; calls made while a write runs are folded into the next one. */
  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.positions)), 0o600);
      } catch (err) {
        this.dirty = true;
        this.deps.logger.warn({ err }, "could not save container log positions");
      }
    });
    return this.saving;
  }
}
