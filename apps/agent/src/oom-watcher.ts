import type { AlertPayload } from "@syntra/contracts";
import type Dockerode from "dockerode";
import type { Logger } from "pino";
import { type DockerEvent, watchDockerEvents } from "./runtime/docker-events";
import { LABELS } from "./runtime/types";

/** How long after a container's last `oom` event the kill is reported when the container itself lives on. */
const QUIET_MS = 2_000;
/** How long a container's `die` waits for an `oom` the engine delivers after it (a loaded engine does). */
const DEATH_MEMORY_MS = 30_000;

/**
 * Reports the kernel's OOM kills in Syntra's containers as `container_crash` alerts flagged `oom_killed` (the
 * resource recommender counts them; people see them with the server's alerts). Docker's events are the only
 * reliable source: a restart policy clears `State.OOMKilled` when it restarts the container, so a heartbeat's
 * inspect misses kills, and cgroup v1 sends several `oom` events for one kill, so each kill is folded into one
 * alert: at the container's `die`, or `QUIET_MS` after its last `oom` when only a child process was killed. The
 * engine does not order the two: a `die` is remembered for a while, so an `oom` after it is reported at once with its
 * exit code, and once, until the container starts again.
 */
export class OomWatcher {
  private readonly kills = new Map<string, { event: DockerEvent; timer: NodeJS.Timeout }>();
  private readonly deaths = new Map<string, { exitCode: string | undefined; at: number; reported: boolean }>();
  private stopEvents?: () => void;

  constructor(
    private readonly deps: {
      docker: Dockerode;
      serverId: string;
      send: (alert: AlertPayload) => void;
      logger: Logger;
      /** Only services this agent deploys are reported (another agent may share the engine). */
      owns?: (serviceId: string) => boolean | Promise<boolean>;
      quietMs?: number;
    },
  ) {}

  /** Subscribes to the engine's `oom`, `die` and `start` events of Syntra's containers. */
  async start(): Promise<void> {
    this.stopEvents = await watchDockerEvents(
      this.deps.docker,
      { type: ["container"], event: ["oom", "die", "start"], label: [`${LABELS.managed}=true`] },
      (event) => this.onEvent(event),
      this.deps.logger,
    );
  }

  stop(): void {
    this.stopEvents?.();
    for (const kill of this.kills.values()) clearTimeout(kill.timer);
    this.kills.clear();
    this.deaths.clear();
  }

  private onEvent(event: DockerEvent): void {
    const id = event.Actor?.ID ?? event.id;
    if (!id) return;
    const now = Date.now();
    for (const [container, death] of this.deaths) if (now - death.at > DEATH_MEMORY_MS) this.deaths.delete(container);
    const kill = this.kills.get(id);
    if (event.Action === "oom") {
      const death = this.deaths.get(id);
      if (death) {
        if (!death.reported) void this.report(id, event, death.exitCode);
        death.reported = true;
        return;
      }
      if (kill) clearTimeout(kill.timer);
      const timer = setTimeout(() => {
        this.kills.delete(id);
        void this.report(id, event, undefined);
      }, this.deps.quietMs ?? QUIET_MS);
      timer.unref();
      this.kills.set(id, { event, timer });
    } else if (event.Action === "die") {
      const exitCode = event.Actor?.Attributes?.exitCode;
      this.deaths.set(id, { exitCode, at: now, reported: kill !== undefined });
      if (!kill) return;
      clearTimeout(kill.timer);
      this.kills.delete(id);
      void this.report(id, kill.event, exitCode);
    } else if (event.Action === "start") {
      // A restart policy brought it back: its next kill is a new one.
      this.deaths.delete(id);
    }
  }

  private async report(containerId: string, oom: DockerEvent, exitCode: string | undefined): Promise<void> {
    const attributes = oom.Actor?.Attributes ?? {};
    const serviceId = attributes[LABELS.serviceId];
    if (!serviceId) return;
    try {
      if (this.deps.owns && !(await this.deps.owns(serviceId))) return;
    } catch (err) {
      this.deps.logger.warn({ err, container: containerId }, "could not tell whether an OOM-killed container is ours");
      return;
    }
    const died = exitCode !== undefined;
    const short = containerId.slice(0, 12);
    this.deps.send({
      alert_id: `alr_${globalThis.crypto.randomUUID()}`,
      server_id: this.deps.serverId,
      service_id: serviceId,
      type: "container_crash",
      severity: "critical",
      title: died ? "Container killed: out of memory" : "Process killed in a container: out of memory",
      message: died
        ? `Container ${short} used all the memory it may use and the kernel killed it (exit code ${exitCode})`
        : `The kernel killed a process in container ${short}: the container reached its memory limit`,
      timestamp: new Date().toISOString(),
      metadata: {
        container_id: containerId,
        oom_killed: true,
        ...(died ? { exit_code: Number(exitCode) } : {}),
        ...(attributes[LABELS.deploymentId] ? { deployment_id: attributes[LABELS.deploymentId] } : {}),
      },
    });
  }
}
