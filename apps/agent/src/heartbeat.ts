import type { ServiceStatus } from "@syntra/contracts";
import type { Logger } from "pino";
import type { AlertMonitor } from "./alerts";
import type { AgentConnection } from "./connection";
import { processMemory } from "./host/process-memory";
import type { ResourceSampler } from "./host/resource-sampler";
import type { ContainerRuntime } from "./runtime/types";

/** Sends `heartbeat` every interval while connected, and the alerts each sample raises. */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly deps: {
      agentId: string;
      connection: AgentConnection;
      sampler: ResourceSampler;
      runtime: ContainerRuntime;
      serviceStatuses: () => Promise<ServiceStatus[]>;
      alerts: AlertMonitor;
      logger: Logger;
      /** Called after each beat (sent or not). */
      afterBeat?: () => void;
    },
  ) {}

  /** (Re)starts beating every `seconds`, with one beat right away. */
  start(seconds: number): void {
    this.stop();
    void this.beat();
    this.timer = setInterval(() => void this.beat(), seconds * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    try {
      const [resources, containers, services] = await Promise.all([
        this.deps.sampler.sample(),
        this.deps.runtime.containerCounts(),
        this.deps.serviceStatuses(),
      ]);
      this.deps.connection.send("heartbeat", {
        agent_id: this.deps.agentId,
        timestamp: new Date().toISOString(),
        uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000),
        resources,
        containers,
        services,
      });
      for (const alert of this.deps.alerts.check(resources, services)) this.deps.connection.send("alert", alert);
      // The agent's own footprint, for whoever tunes it (bench:idle reads this line); nothing is read at info.
      if (this.deps.logger.isLevelEnabled("debug"))
        this.deps.logger.debug({ memory: await processMemory() }, "agent memory");
    } catch (err) {
      this.deps.logger.warn({ err }, "heartbeat sample failed");
    }
    this.deps.afterBeat?.();
  }
}
