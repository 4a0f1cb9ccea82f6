import type Dockerode from "dockerode";
import type { Logger } from "pino";

/** One event of Docker's `/events` stream (the fields Syntra reads). */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
}

/**
 * Follows Docker's event stream with `filters`, calling `onEvent` for each event in the engine's order (the stream
 * is JSON lines, cut anywhere by the transport). Resolves once the engine accepted the subscription, so events after
 * that are seen; the returned function ends it.
 */
export async function watchDockerEvents(
  docker: Dockerode,
  filters: Record<string, string[]>,
  onEvent: (event: DockerEvent) => void,
  logger: Logger,
): Promise<() => void> {
  const stream = (await docker.getEvents({ filters })) as NodeJS.ReadableStream & { destroy?: () => void };
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      let event: DockerEvent;
      try {
        event = JSON.parse(line) as DockerEvent;
      } catch (err) {
        logger.warn({ err }, "unreadable Docker event");
        continue;
      }
      onEvent(event);
    }
  });
  stream.on("error", (err) => logger.warn({ err }, "Docker event stream failed"));
  return () => stream.destroy?.();
}
